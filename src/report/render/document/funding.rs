//! Sections 2 to 6, the money: assessed and voluntary contributions, flexibility, multi-year
//! commitments and the use of unearmarked funding.

use super::{Section, Table, cell, sections::rate};
use crate::{pb, report::render::labels};

pub(super) fn assessed(a: &pb::AssessedContributions) -> Section {
    let mut t = Table::new(
        "",
        &[
            "Member State",
            "Scale (%)#",
            "Outstanding on 1 January#",
            "Assessed for the year#",
            "Received in the year#",
            "Outstanding at the status date#",
            "of which arrears of prior years#",
            "Article 4",
        ],
    )
    .empty("No Member State is on the scale of assessment or has assessed contributions.");
    for l in &a.member_states {
        t.row(vec![
            cell(&l.display_name),
            cell(&l.scale_percentage),
            cell(&l.outstanding_at_year_start),
            cell(&l.assessed_in_year),
            cell(&l.received_in_year),
            cell(&l.outstanding_at_status_date),
            cell(&l.arrears),
            if l.article_4 {
                cell("yes").flag(true).note("subject to Article 4")
            } else {
                cell("")
            },
        ]);
    }
    t.total(vec![
        cell("Total"),
        cell(""),
        cell(&a.total_outstanding_at_year_start),
        cell(&a.total_assessed_in_year),
        cell(&a.total_received_in_year),
        cell(&a.total_outstanding_at_status_date),
        cell(&a.total_arrears),
        cell(a.article_4_count.to_string()).note("subject"),
    ]);
    let mut subject = Table::new(
        "Member States subject to Article 4",
        &[
            "Member State",
            "Arrears#",
            "Due in the two preceding years#",
            "Council informed",
            "Loss of vote from",
            "Vote",
        ],
    )
    .empty("No Member State is subject to Article 4 at the status date.");
    for l in &a.subject_to_article_4 {
        subject.row(vec![
            cell(&l.display_name),
            cell(&l.arrears),
            cell(&l.due_two_preceding_years),
            cell(&l.council_informed_date),
            cell(&l.loss_of_vote_date),
            cell(labels::vote(l.vote)).flag(l.vote == pb::VoteStatus::Lost as i32),
        ]);
    }
    let mut plans = Table::new(
        "Member States with payment plans",
        &[
            "Member State",
            "Plan",
            "Agreed",
            "Due to date#",
            "Paid since agreed#",
            "Honoured",
        ],
    )
    .empty("No Member State has a payment plan at the status date.");
    for l in &a.payment_plans {
        plans.row(vec![
            cell(&l.display_name),
            cell(&l.reference),
            cell(&l.agreed_date),
            cell(&l.due_to_date),
            cell(&l.paid_since_agreed),
            cell(labels::yes_no(l.honoured)).flag(!l.honoured),
        ]);
    }
    let mut decisions = Table::new(
        "Votes maintained or restored by the Council",
        &["Member State", "Decision", "Date", "Council document"],
    )
    .empty("The Council has maintained or restored no Member State's vote.");
    for l in &a.council_decisions {
        decisions.row(vec![
            cell(&l.display_name),
            cell(labels::vote(l.decision)),
            cell(&l.date),
            cell(&l.reference),
        ]);
    }
    Section {
        id: "assessed",
        heading: format!(
            "2. Assessed contributions (Administrative Part, {})",
            a.currency_code
        ),
        notes: vec![
            format!(
                "Status of assessed contributions for {}, in {}: what was outstanding on 1 \
                 January, assessed for the year, received in the year and outstanding at the \
                 status date. Receipts settle the oldest assessments first; arrears are what \
                 remains unpaid of assessments due before {}. A negative amount was paid in \
                 advance.",
                a.year, a.currency_code, a.year
            ),
            format!(
                "Article 4 of the Constitution: a Member State whose arrears equal or exceed \
                 the contributions due from it for the two preceding years loses its vote one \
                 year after the Council was informed, if its arrears still reach that extent; \
                 the Council may maintain or restore the vote, and a Member State honouring a \
                 payment plan keeps it. Member States subject to Article 4: {}.",
                a.article_4_count
            ),
        ],
        tables: vec![t, subject, plans, decisions],
    }
}

fn converted(
    title: &str,
    header: &pb::ReportHeader,
    currency: &str,
    lines: &[pb::ConvertedLine],
    total: &str,
) -> Table {
    let converted = format!("{currency}#");
    let mut t = Table::new(
        title,
        &[
            "Donor",
            "Category",
            "Modality",
            "Month~",
            "Currency~",
            "Amount#",
            "Rate#",
            &converted,
        ],
    );
    for l in lines {
        let (code, amount) = labels::money(l.original.as_ref());
        let no_rate = l.amount.is_empty();
        t.row(vec![
            cell(&l.donor_name),
            cell(labels::category_with_code(l.earmarking_category)),
            cell(labels::modality(l.earmarking_modality)),
            cell(&l.month),
            cell(code),
            cell(amount),
            cell(rate(header, &l.exchange_rate)),
            if no_rate {
                cell("").note("no rate, not counted").flag(true)
            } else {
                cell(&l.amount)
            },
        ]);
    }
    t.total(vec![
        cell("Total"),
        cell(""),
        cell(""),
        cell(""),
        cell(""),
        cell(""),
        cell(""),
        cell(total),
    ]);
    t
}

pub(super) fn voluntary(header: &pb::ReportHeader, v: &pb::VoluntaryContributions) -> Section {
    let currency = &v.currency_code;
    let mut donors = Table::new(
        "By donor",
        &[
            "Donor",
            &format!("Paid ({currency})#"),
            &format!("Committed ({currency})#"),
        ],
    );
    for d in &v.donors {
        donors.row(vec![cell(&d.donor_name), cell(&d.paid), cell(&d.committed)]);
    }
    donors.total(vec![
        cell("Total"),
        cell(&v.total_paid),
        cell(&v.total_committed),
    ]);

    let mut pledges = Table::new(
        "Pledges (not counted)",
        &[
            "Donor",
            "Announced~",
            "Category",
            "Currency~",
            "Amount#",
            "Counted",
        ],
    )
    .note("Pledges are announcements: listed here, never converted and never counted in a total.")
    .empty("No pledge was announced in the period.")
    .class("pledges");
    for p in &v.pledges {
        let (code, amount) = labels::money(p.amount.as_ref());
        pledges.row(vec![
            cell(&p.donor_name),
            cell(&p.agreement_date),
            cell(labels::category_with_code(p.earmarking_category)),
            cell(code),
            cell(amount),
            cell("not counted"),
        ]);
    }

    let mut notes = vec![format!(
        "Money received (paid) and agreements signed (committed) in the reporting period up to \
         the status date, in the original currency and in {currency} at that month's rate. Each \
         line is converted and rounded once; each total is the sum of the lines shown."
    )];
    notes.push("Pledges are listed but not counted.".into());
    if v.lines_without_rate > 0 {
        notes.push(format!(
            "Lines without a rate: {}. They are shown without a {currency} amount and left out \
             of the totals (see section 9).",
            v.lines_without_rate
        ));
    }
    Section {
        id: "voluntary",
        heading: format!("3. Voluntary contributions (Operational Part, {currency})"),
        notes,
        tables: vec![
            donors,
            converted(
                "Paid in the period",
                header,
                currency,
                &v.paid,
                &v.total_paid,
            ),
            converted(
                "Committed in the period",
                header,
                currency,
                &v.committed,
                &v.total_committed,
            ),
            pledges,
        ],
    }
}

pub(super) fn flexibility(f: &pb::Flexibility) -> Section {
    let currency = &f.currency_code;
    let amount = format!("Amount ({currency})#");
    let mut categories = Table::new(
        "By earmarking category",
        &["Earmarking category", &amount, "Share (%)#"],
    );
    for c in &f.categories {
        categories.row(vec![
            cell(labels::category_with_code(c.category)),
            cell(&c.amount),
            cell(&c.share),
        ]);
    }
    categories.total(vec![
        cell("Total"),
        cell(&f.total),
        cell(labels::total_share(
            f.categories.iter().map(|c| c.share.as_str()),
        )),
    ]);
    categories.total(vec![
        cell("Flexible (categories 1 and 2)"),
        cell(&f.flexible_amount),
        cell(&f.flexible_share),
    ]);
    let mut modalities = Table::new(
        "By earmarking modality",
        &["Modality", "Earmarking category", &amount, "Share (%)#"],
    );
    for m in &f.modalities {
        modalities.row(vec![
            cell(labels::modality(m.modality)),
            cell(labels::category_with_code(m.category)),
            cell(&m.amount),
            cell(&m.share),
        ]);
    }
    modalities.total(vec![
        cell("Total"),
        cell(""),
        cell(&f.total),
        cell(labels::total_share(
            f.modalities.iter().map(|m| m.share.as_str()),
        )),
    ]);
    let mut donors = Table::new(
        "Flexible funding by donor",
        &[
            "Donor",
            &format!("Unearmarked, category 1 ({currency})#"),
            &format!("Softly earmarked, category 2 ({currency})#"),
            &format!("Flexible ({currency})#"),
        ],
    )
    .empty("No flexible funding paid in the period.");
    for d in &f.donors {
        donors.row(vec![
            cell(&d.donor_name),
            cell(&d.unearmarked),
            cell(&d.softly_earmarked),
            cell(&d.flexible),
        ]);
    }
    donors.total(vec![
        cell("Total"),
        cell(f.categories.first().map_or("", |c| c.amount.as_str())),
        cell(f.categories.get(1).map_or("", |c| c.amount.as_str())),
        cell(&f.flexible_amount),
    ]);
    Section {
        id: "flexibility",
        heading: "4. Flexibility".into(),
        notes: vec![
            format!(
                "Money paid in the period by IATI earmarking category and Grand Bargain \
                 modality, in {currency}. Shares are percentages of the total with one decimal, \
                 rounded so that they add up to exactly 100.0."
            ),
            format!(
                "Flexible funding (categories 1 and 2): {currency} {}, {} % of the total.",
                f.flexible_amount, f.flexible_share
            ),
        ],
        tables: vec![categories, modalities, donors],
    }
}

pub(super) fn multi_year(m: &pb::MultiYearCommitments) -> Section {
    let currency = &m.currency_code;
    let year_heads: Vec<String> = m.years.iter().map(|y| format!("{y}#")).collect();
    let total_head = format!("Total ({currency})#");
    let mut columns: Vec<&str> = vec!["Donor"];
    columns.extend(year_heads.iter().map(String::as_str));
    columns.push(&total_head);
    let mut by_year = Table::new(
        format!("Outstanding by donor and year ({currency})"),
        &columns,
    )
    .empty("No multi-year commitment outstanding.");
    for d in &m.donors {
        let mut cells = vec![cell(&d.donor_name)];
        cells.extend(d.amounts.iter().map(cell));
        cells.push(cell(&d.total));
        by_year.row(cells);
    }
    let mut totals = vec![cell("Total")];
    totals.extend(m.year_totals.iter().map(cell));
    totals.push(cell(&m.total));
    by_year.total(totals);
    Section {
        id: "multi-year",
        heading: "5. Multi-year commitments".into(),
        notes: vec![
            format!(
                "Contributions committed by the status date whose installments fall in more \
                 than one year: what remains unpaid at the status date, by donor and by year of \
                 the installments' due dates, converted to {currency} at the rate of the status \
                 date's month. Each schedule is in the annex."
            ),
            "Receipts up to the status date settle installments in due order. A schedule \
             without a rate stays out of this table (see Data quality)."
                .into(),
        ],
        tables: vec![by_year],
    }
}

/// A rate with what it is: "EUR to USD, 2025-06: 1.145 (source)"; the name itself when the
/// header does not list it, nothing when no rate was used.
fn rate_named(header: &pb::ReportHeader, name: &str) -> String {
    let Some(used) = header.rates_used.iter().find(|r| r.exchange_rate == name) else {
        return name.to_owned();
    };
    let key = name.strip_prefix("exchangeRates/").unwrap_or(name);
    let mut parts = key.splitn(3, '-');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(base), Some(quote), Some(month)) => {
            format!(
                "{base} to {quote}, {month}: {} ({})",
                used.rate, used.source
            )
        }
        _ => name.to_owned(),
    }
}

/// The per-contribution schedules, placed after the numbered sections.
pub(super) fn schedules_annex(header: &pb::ReportHeader, m: &pb::MultiYearCommitments) -> Section {
    let currency = &m.currency_code;
    let mut schedules = Table::new(
        "Schedules",
        &[
            "Donor",
            "Contribution",
            "Announced at",
            "Period~",
            "Category",
            "Currency~",
            "Total#",
            "Received#",
            "Outstanding#",
            "Rate",
            &format!("Total ({currency})#"),
            &format!("Received ({currency})#"),
            &format!("Outstanding ({currency})#"),
        ],
    )
    .empty("No multi-year commitment.");
    let mut installments = Table::new(
        "Installments",
        &[
            "Donor",
            "Due date~",
            "Currency~",
            "Amount#",
            "Paid#",
            "Status",
        ],
    )
    .empty("No installment.");
    for s in &m.schedules {
        let (code, total) = labels::money(s.total.as_ref());
        schedules.row(vec![
            cell(&s.donor_name),
            cell(&s.contribution),
            cell(&s.announced_session),
            cell(super::sections::span(&s.period_start, &s.period_end)),
            cell(labels::category_with_code(s.earmarking_category)),
            cell(&code),
            cell(total),
            cell(labels::amount(s.received.as_ref())),
            cell(labels::amount(s.outstanding.as_ref())),
            cell(rate_named(header, &s.exchange_rate)),
            cell(&s.total_converted),
            cell(&s.received_converted),
            if s.outstanding_converted.is_empty() {
                cell("").note("no rate, not counted").flag(true)
            } else {
                cell(&s.outstanding_converted)
            },
        ]);
        for i in &s.installments {
            let (code, amount) = labels::money(i.amount.as_ref());
            let status = labels::installment_status(i.status);
            let due = status == "due";
            installments.row(vec![
                cell(&s.donor_name),
                cell(&i.due_date),
                cell(code),
                cell(amount),
                cell(labels::amount(i.paid.as_ref())),
                cell(status).flag(due),
            ]);
        }
    }
    let mut total = vec![cell("Total")];
    total.extend((0..11).map(|_| cell("")));
    total.push(cell(&m.total_outstanding));
    schedules.total(total);
    Section {
        id: "annex-schedules",
        heading: "Annex: schedules".into(),
        notes: vec![
            format!(
                "The schedules of section 5, in the agreement's currency; the amount outstanding \
                 at the status date is converted to {currency} at the rate of its month."
            ),
            "Receipts up to the status date settle installments in due order. An installment is \
             paid, due (on or before the status date and not fully paid at it) or future."
                .into(),
        ],
        tables: vec![schedules, installments],
    }
}

pub(super) fn unearmarked(u: &pb::UnearmarkedUse) -> Section {
    let currency = &u.currency_code;
    let amount = format!("Amount ({currency})#");
    let mut summary = Table::new("", &["", &amount]).class("summary");
    summary.row(vec![
        cell("Unearmarked money received in the period"),
        cell(&u.unearmarked_received),
    ]);
    summary.row(vec![cell("Allocated"), cell(&u.total_allocated)]);
    summary.total(vec![cell("Unallocated"), cell(&u.unallocated)]);

    let mut allocations = Table::new(
        "Allocations",
        &["Date~", "Programme~", "Objective", "Purpose", &amount],
    )
    .empty("No allocation was decided in the period.");
    for a in &u.allocations {
        let programme = if a.programme_code.is_empty() {
            "objective-wide".to_owned()
        } else {
            a.programme_code.clone()
        };
        allocations.row(vec![
            cell(&a.allocation_date),
            cell(programme),
            cell(labels::objective(a.srf_objective)),
            cell(&a.description),
            cell(&a.amount),
        ]);
    }
    allocations.total(vec![
        cell("Total"),
        cell(""),
        cell(""),
        cell(""),
        cell(&u.total_allocated),
    ]);
    let mut objectives = Table::new(
        "By Strategic Results Framework objective",
        &["Objective", &amount, "Share (%)#"],
    );
    for o in &u.objectives {
        objectives.row(vec![
            cell(labels::objective(o.srf_objective)),
            cell(&o.amount),
            cell(&o.share),
        ]);
    }
    objectives.total(vec![
        cell("Total"),
        cell(&u.total_allocated),
        cell(labels::total_share(
            u.objectives.iter().map(|o| o.share.as_str()),
        )),
    ]);
    Section {
        id: "unearmarked",
        heading: "6. Use of unearmarked funding".into(),
        notes: vec![format!(
            "Unearmarked money (category 1) paid in the period, and the allocations decided in \
             it, in {currency}. Unallocated is received minus allocated; it is negative when \
             more was allocated than received in the period."
        )],
        tables: vec![summary, allocations, objectives],
    }
}
