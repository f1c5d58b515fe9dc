# Words of the SCPF session report (HTML and Markdown), in English.
# Staff may edit the text to the right of "="; keep the ids and the { $arguments }.
# The files of the three languages must hold the same ids (a test checks it).

## Page

page-kicker = Report to the committee
page-subtitle = Report { $name }, revision { $revision }
page-draft-mark = DRAFT
page-draft-warning = this revision is not the session’s report of record; its figures may still change.
page-reading = Amounts are in the currency named in the column or beside them. Figures marked † are unverified. Pledges are listed but not counted. A line without an exchange rate shows “no rate” and is left out of the totals.
page-unverified = unverified
page-sections = Sections
page-sha256 = Content SHA-256:
state-draft = Draft
state-final = Final
title-scpf-session = { NUMBER($number, type: "ordinal") ->
    [one] { $number }st
    [two] { $number }nd
    [few] { $number }rd
   *[other] { $number }th
  } session of the Standing Committee on Programmes and Finance
title-council-session = { NUMBER($number, type: "ordinal") ->
    [one] { $number }st
    [two] { $number }nd
    [few] { $number }rd
   *[other] { $number }th
  } session of the Council
session-number = { NUMBER($number, type: "ordinal") ->
    [one] { $number }st
    [two] { $number }nd
    [few] { $number }rd
   *[other] { $number }th
  } session
body-scpf = Standing Committee on Programmes and Finance
body-council = Council
two-times = Status of contributions as at { $date }; figures as known at { $instant }

## Shared words

amount = { $currency } { $amount }
percent = { $value } %
total = Total
yes = yes
no = no
no-rate = no rate
not-counted = not counted
table-none = None.
unknown-value = unknown ({ $value })
date-span = { $from } to { $to }
instant-by = { $instant } by { $who }
col-in-currency = { $label } ({ $currency })
rate-title = { $base } to { $quote }, { $month }
rate-named = { $title } ({ $source }): { $rate }

## Enumerations

category-unearmarked = unearmarked
category-softly-earmarked = softly earmarked
category-earmarked = earmarked
category-tightly-earmarked = tightly earmarked
modality-a = fully flexible core contribution
modality-b = fully flexible core contribution to the CERF
modality-c = core contribution
modality-d = core contribution with limitations
modality-e = directed to a region or a strategic objective
modality-f = directed to a Country-Based Pooled Fund
modality-g = directed to country operations
modality-h = directed to a sub-objective or target
modality-i = directed to a specific project
modality-j = directed geographically and thematically, tied financially
modality-k = directed geographically and thematically, in kind
modality-l = donor-initiated project or directed contribution
installment-paid = paid
installment-due = due
installment-future = future
vote-may-vote = may vote
vote-lost = vote lost
vote-maintained = vote maintained by the Council
vote-restored = vote restored by the Council
vote-payment-plan-honoured = may vote (payment plan honoured)
objective-none = no single objective
objective-saving-lives = 1 Saving lives and protecting people on the move
objective-solutions = 2 Driving solutions to displacement
objective-pathways = 3 Facilitating pathways for regular migration
level-output = output
level-outcome = outcome
level-impact = impact
issue-missing-rate = missing rate
issue-unverified-result = unverified result
issue-overdue-installment = overdue installment
issue-earmarked-without-programme = earmarked without programme
issue-overpaid-contribution = overpaid contribution
issue-pledge-with-receipts = pledge with receipts
issue-no-results-in-period = no results in the period
issue-status-date-after-as-of = status date after the as-of instant

## Column headings

col-fact = Fact
col-value = Value
col-exchange-rate = Exchange rate
col-rate = Rate
col-source = Source
col-revision = Revision
col-member-state = Member State
col-scale = Scale (%)
col-outstanding-year-start = Outstanding on 1 January
col-assessed-in-year = Assessed for the year
col-received-in-year = Received in the year
col-outstanding-status-date = Outstanding at the status date
col-arrears-prior-years = of which arrears of prior years
col-article-4 = Article 4
col-arrears = Arrears
col-due-two-preceding-years = Due in the two preceding years
col-council-informed = Council informed
col-loss-of-vote-from = Loss of vote from
col-vote = Vote
col-plan = Plan
col-agreed = Agreed
col-due-to-date = Due to date
col-paid-since-agreed = Paid since agreed
col-honoured = Honoured
col-decision = Decision
col-date = Date
col-council-document = Council document
col-donor = Donor
col-category = Category
col-modality = Modality
col-month = Month
col-currency = Currency
col-amount = Amount
col-paid = Paid
col-committed = Committed
col-announced = Announced
col-counted = Counted
col-earmarking-category = Earmarking category
col-share = Share (%)
col-unearmarked-1 = Unearmarked, category 1
col-softly-earmarked-2 = Softly earmarked, category 2
col-flexible = Flexible
col-total = Total
col-contribution = Contribution
col-announced-at = Announced at
col-period = Period
col-received = Received
col-outstanding = Outstanding
col-due-date = Due date
col-status = Status
col-programme = Programme
col-objective = Objective
col-purpose = Purpose
col-indicator = Indicator
col-breakdown = Breakdown
col-baseline = Baseline
col-target = Target
col-actual = Actual
col-achievement = Achievement (%)
col-issue = Issue
col-subject = Subject
col-detail = Detail

## 1. Session

heading-session = 1. Session, reporting period and rates
fact-session = Session
fact-meeting-dates = Meeting dates
fact-reporting-period = Reporting period
fact-status-date = Status of contributions as at
fact-as-of = Figures as known at
fact-report = Report
fact-revision = Revision
fact-state = State
fact-generated = Generated
fact-finalized = Finalized
fact-currencies = Currencies
fact-sha256 = Content SHA-256
not-finalized = not finalized
currencies = Administrative Part { $administrative }, Operational Part { $operational }
rates-title = Exchange rates used
rates-note = Units of the quote currency per unit of the base currency.
rates-empty = No conversion was needed.

## 2. Assessed contributions

heading-assessed = 2. Assessed contributions (Administrative Part, { $currency })
assessed-none = No Member State is on the scale of assessment or has assessed contributions.
assessed-subject-to-article-4 = subject to Article 4
assessed-subject-count = { $count } subject
assessed-note = Status of assessed contributions for { $year }, in { $currency }: what was outstanding on 1 January, assessed for the year, received in the year and outstanding at the status date. Receipts settle the oldest assessments first; arrears are what remains unpaid of assessments due before { $year }. A negative amount was paid in advance.
assessed-article-4-note = Article 4 of the Constitution: a Member State whose arrears equal or exceed the contributions due from it for the two preceding years loses its vote one year after the Council was informed, if its arrears still reach that extent; the Council may maintain or restore the vote, and a Member State honouring a payment plan keeps it. Member States subject to Article 4: { $count }.
article-4-title = Member States subject to Article 4
article-4-none = No Member State is subject to Article 4 at the status date.
plans-title = Member States with payment plans
plans-none = No Member State has a payment plan at the status date.
decisions-title = Votes maintained or restored by the Council
decisions-none = The Council has maintained or restored no Member State’s vote.

## 3. Voluntary contributions

heading-voluntary = 3. Voluntary contributions (Operational Part, { $currency })
voluntary-by-donor = By donor
voluntary-paid-title = Paid in the period
voluntary-committed-title = Committed in the period
voluntary-note = Money received (paid) and agreements signed (committed) in the reporting period up to the status date, in the original currency and in { $currency } at that month’s rate. Each line is converted and rounded once; each total is the sum of the lines shown.
voluntary-pledges-note = Pledges are listed but not counted.
voluntary-no-rate-note = { $count ->
    [one] One line has no exchange rate: it shows “no rate” instead of a { $currency } amount and is left out of the totals (see section 9).
   *[other] { $count } lines have no exchange rate: they show “no rate” instead of a { $currency } amount and are left out of the totals (see section 9).
  }
pledges-title = Pledges (not counted)
pledges-note = Pledges are announcements: listed here, never converted and never counted in a total.
pledges-none = No pledge was announced in the period.

## 4. Flexibility

heading-flexibility = 4. Flexibility
flexibility-by-category = By earmarking category
flexibility-by-modality = By earmarking modality
flexibility-by-donor = Flexible funding by donor
flexibility-by-donor-none = No flexible funding paid in the period.
flexible-total = Flexible (categories 1 and 2)
flexibility-note = Money paid in the period by IATI earmarking category and Grand Bargain modality, in { $currency }. Shares are percentages of the total with one decimal, rounded so that they add up to exactly 100.0.
flexibility-flexible-note = Flexible funding (categories 1 and 2): { $amount }, { $share } % of the total.

## 5. Multi-year commitments and the annex

heading-multi-year = 5. Multi-year commitments
multi-year-by-year = Outstanding by donor and year ({ $currency })
multi-year-none = No multi-year commitment outstanding.
multi-year-note = Contributions committed by the status date whose installments fall in more than one year: what remains unpaid at the status date, by donor and by year of the installments’ due dates, converted to { $currency } at the rate of the status date’s month. Each schedule is in the annex.
multi-year-no-rate-note = Receipts up to the status date settle installments in due order. A schedule without a rate stays out of this table (see section 9).
heading-annex-schedules = Annex: schedules
annex-schedules-title = Schedules
annex-schedules-none = No multi-year commitment.
annex-installments-title = Installments
annex-installments-none = No installment.
annex-note = The schedules of section 5, in the agreement’s currency; the amount outstanding at the status date is converted to { $currency } at the rate of its month. A schedule without a rate shows “no rate” and is left out of the total.
annex-installments-note = Receipts up to the status date settle installments in due order. An installment is paid, due (on or before the status date and not fully paid at it) or future.
heading-annex-pledges = Annex: pledges
heading-annex-overdue = Annex: overdue installments
heading-annex-changes = Annex: changes to contributions
annex-changes-note = Every change to a contribution since the previous session’s final report, in the order of the contributions’ identifiers.
heading-annex-quality = Annex: overpaid contributions and pledges with receipts

## 6. Use of unearmarked funding

heading-unearmarked = 6. Use of unearmarked funding
unearmarked-received = Unearmarked money received in the period
unearmarked-allocated = Allocated
unearmarked-unallocated = Unallocated
allocations-title = Allocations
allocations-none = No allocation was decided in the period.
allocation-objective-wide = whole objective
objectives-title = By Strategic Results Framework objective
unearmarked-note = Unearmarked money (category 1) paid in the period, and the allocations decided in it, in { $currency }. Unallocated is received minus allocated; it is negative when more was allocated than received in the period.

## 7. Programme results

heading-results = 7. Programme results
results-objective = Objective: { $objective }.
results-no-indicator = No indicator.
results-none = No programme has indicators.
results-cumulative = cumulative
results-unit = in { $unit }
results-no-measurement = no measurement in the period
results-total = total
results-note-figures = For a cumulative indicator the figures are those of the latest period ending by the end of the reporting period; otherwise they are the sums over the periods within it. Achievement is the progress from baseline to target, in the direction that is better.
results-note-unverified = Figures marked † are unverified: at least one measurement behind them has not been verified.

## 8. Changes

heading-changes = 8. Changes since the previous session’s final report
changes-no-previous = There is no previous final report to compare with.
col-change = Change
changes-none = Nothing changed.
changes-note = What changed since { $report }, the previous session’s final report (status as at { $date }): the same Member State’s position, the same contribution’s schedule, and the totals of the same year. Money paid in each report’s own period is not compared.
changes-note-session = What changed since the final report of the { $session } ({ $dates }), made final on { $final }, with the status of contributions as at { $date }: the same Member State’s position, the same contribution’s schedule, and the totals of the same year. Money paid in each report’s own period is not compared.
changes-some-listed = { $listed } of { $total } changes to contributions are listed here; the exports list them all.
change-from-to = { $currency } { $old } → { $new }
change-outstanding = { $name }: outstanding { $change }
change-arrears = { $name }: arrears { $change }
change-article-4-now = { $name }: now subject to Article 4
change-article-4-no-longer = { $name }: no longer subject to Article 4
change-installment-received = { $name }: { $year } installment { $amount } now received
change-installment-partly-received = { $name }: { $year } installment, received { $change }
change-installment-added = { $name }: new { $year } installment { $amount } due { $date }
change-installment-removed = { $name }: { $year } installment { $amount } due { $date } no longer scheduled
change-installment-amount = { $name }: { $year } installment { $change }
change-contribution-total = { $name }: contribution total { $change }
change-new-contribution = New contribution: { $name } { $amount }{ $period }
change-new-pledge = New pledge: { $name } { $amount }{ $period }
change-removed-contribution = No longer recorded: { $name } contribution { $amount }{ $period }
change-removed-pledge = No longer recorded: { $name } pledge { $amount }{ $period }
change-pledge-committed = { $name }: pledge { $amount }{ $period } now a commitment
change-total-assessed = Assessed contributions due in { $year }: { $change }
change-total-assessed-received = Assessed contributions received in { $year }: { $change }
change-total-assessed-outstanding = Assessed contributions outstanding: { $change }
change-total-arrears = Arrears of all Member States: { $change }
change-total-multi-year = Multi-year commitments outstanding: { $change }
change-total-other = A total: { $change }
change-unspecified = { $name }: changed

## 9. Data quality

heading-data-quality = 9. Data quality
quality-none = Nothing is missing or doubtful.
quality-note = What is missing or doubtful in the data behind this report: missing rates, unverified results, overdue installments and the like.

## Charts

chart-donors-title = Money paid in the period by donor, in { $currency }
chart-donors-desc = Horizontal bars, largest first. { $bars }. Total { $total }.
chart-donors-caption = Money paid in the period by donor, in { $currency }, largest first (total { $total }).
chart-flexibility-title = Shares of the money paid in the period by earmarking category
chart-flexibility-desc = Horizontal bars of percentages adding up to 100. { $bars }. Flexible (categories 1 and 2): { $share } %.
chart-flexibility-axis = Share of the money paid (%)
chart-flexibility-caption = Shares by earmarking category; flexible funding (categories 1 and 2) is { $share } %.
chart-achievement-title = Achievement of each indicator against its target
chart-achievement-desc = Horizontal bars of achievement in percent, with a dashed line at 100 % (target reached). { $bars }.
chart-achievement-target = target (100 %)
chart-achievement-caption = Achievement against target, per indicator (totals). The dashed line is 100 %; pale bars marked † rest on unverified figures.
chart-schedules-title = Multi-year schedules in { $currency }, by year: paid, due and future
chart-schedules-desc = Stacked bars, one per year of the installments’ due dates ({ $years }), for { $count ->
    [one] one schedule
   *[other] { $count } schedules
  } in { $currency }: the part paid, the part due and unpaid, and the part due in the future. Each installment is listed in the annex.
chart-schedules-axis = Year of the due date
chart-schedules-caption = Installments in { $currency } by year of the due date: paid, due and unpaid, future.

## Instants, rate sources and data-quality sentences

instant-utc = { $instant } UTC
rate-source-un-operational = UN operational rates of exchange
quality-missing-rate-received = No { $currency }/{ $quote } rate for { $month }: money received in { $currency } that month is left out of the { $quote } totals.
quality-missing-rate-commitments = No { $currency }/{ $quote } rate for { $month }: commitments in { $currency } that month are left out of the { $quote } totals.
quality-missing-rate-outstanding = No { $currency }/{ $quote } rate for { $month }: outstanding multi-year balances in { $currency } are left out of the { $quote } totals.
quality-overdue-installment = { $name }: the installment due on { $due } has { $amount } unpaid at { $date }.
quality-overpaid-contribution = { $name }: { $amount } received against a total of { $total }.
quality-pledge-with-receipts = { $name }: { $amount } received against a contribution still recorded as a pledge.
quality-no-results = { $name }: no measurement for the reporting period.
quality-unverified-result = { $name }: the figures for { $from } to { $to } are not verified.
quality-status-date-after-as-of = The status date, { $date }, is after the date the figures are known at ({ $known }): money received or due after that date is not recorded yet.
