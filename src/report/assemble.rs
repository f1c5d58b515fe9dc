//! Builds the nine sections of a session report from the figures PostgreSQL aggregates.
//!
//! In two steps: [`load`] runs the queries (asynchronous, waiting on the database), and
//! [`build`] computes the content, its canonical JSON and hash from what they returned. `build`
//! is pure computation, proportional to the size of the report: callers run it off the async
//! runtime's worker threads (see `api/reports.rs`).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};

use crate::{
    domain::{
        member_state::Standing,
        money::{Currency, Money},
        reporting::{self, Direction},
        session::{Body, Session, SessionKey},
    },
    error::{Error, Result},
    pb::{self, wire as convert},
    report::{assessed, changes, export::ANNEX_PAGE, figures},
    store::{
        AsOf, history, member_states,
        report_data::{self as data, MoneyLine, RateRef, Window},
        reports::{self, StoredReport},
    },
};

/// The currency of the Operational Part, in which voluntary money is reported.
const OPERATIONAL: Currency = Currency::USD;
/// The currency of the Administrative Part.
const ADMINISTRATIVE: Currency = Currency::CHF;

/// What a report is computed from: the session as it was, the two times, and the rows the
/// queries returned.
pub struct Inputs {
    key: SessionKey,
    session: Session,
    w: Window,
    paid: Vec<MoneyLine>,
    committed: Vec<MoneyLine>,
    pledges: Vec<data::Pledge>,
    assessed: Vec<data::Assessed>,
    assessed_receipts: Vec<(String, NaiveDate, Decimal)>,
    standings: BTreeMap<String, Standing>,
    multi_year: data::Schedules,
    allocations: Vec<data::Allocation>,
    indicators: Vec<data::Indicator>,
    results: Vec<data::ResultFigures>,
    doubts: Vec<data::Doubt>,
    countries: Vec<(String, String)>,
    previous: Option<StoredReport>,
    /// Section 8's contribution changes since the previous final report, when there is one.
    contribution_changes: Option<changes::ContributionChanges>,
}

impl Inputs {
    /// The date the report states the financial position at.
    pub fn status_date(&self) -> NaiveDate {
        self.w.status_date
    }
}

/// A computed report: its content, the content's canonical JSON and SHA-256, and its size in
/// the protobuf encoding.
pub struct Built {
    pub content: pb::ReportContent,
    pub json: String,
    pub sha256: String,
    pub bytes: usize,
    pub status_date: NaiveDate,
}

/// Reads everything the stored report of `key` needs, from the data as of `as_of` (a settled
/// instant), at `status_date` (the session's own when `None`): section 5 and the overdue
/// installments as sums and counts, so that neither the reading nor the content grows with the
/// number of contributions. A status date outside the session's range is refused as a violation
/// of `status_field`.
#[tracing::instrument(name = "report.load", skip_all, fields(session = %key.name()))]
pub async fn load(
    pool: &PgPool,
    key: SessionKey,
    as_of: DateTime<Utc>,
    status_date: Option<NaiveDate>,
    status_field: &str,
) -> Result<Inputs> {
    let mut conn = pool.acquire().await?;
    let session = history::get::<crate::domain::session::Session>(&mut conn, &key, AsOf::At(as_of))
        .await?
        .ok_or_else(|| Error::not_found(key.name()))?
        .value;
    let status_date = match status_date {
        Some(date) => session.check_status_date(date, status_field)?,
        None => session.status_date(),
    };
    let w = Window {
        as_of,
        status_date,
        period_start: session.reporting_period_start,
        period_end: session.reporting_period_end,
    };
    let usd = OPERATIONAL.code();
    let usd_units = OPERATIONAL.minor_units() as i32;
    let previous =
        reports::previous_final(&mut conn, key.body.db_name(), key.number as i32, as_of).await?;
    let contribution_changes = match &previous {
        Some(prev) => Some(contribution_changes(&mut conn, prev, as_of, status_date).await?),
        None => None,
    };
    let multi_year = data::schedules(&mut conn, &w, usd, usd_units, SAMPLE as i64).await?;
    Ok(Inputs {
        paid: data::paid_lines(&mut conn, &w, usd, usd_units).await?,
        committed: data::committed_lines(&mut conn, &w, usd, usd_units).await?,
        pledges: data::pledges(&mut conn, &w, &key.id()).await?,
        assessed: data::assessed(&mut conn, &w).await?,
        assessed_receipts: data::assessed_receipts(&mut conn, &w).await?,
        standings: member_states::list_on(&mut conn, AsOf::At(as_of), None, None)
            .await?
            .into_iter()
            .map(|v| (v.value.id.into_string(), v.value.standing))
            .collect(),
        multi_year,
        allocations: data::allocations(&mut conn, &w).await?,
        indicators: data::indicators(&mut conn, &w).await?,
        results: data::result_figures(&mut conn, &w).await?,
        doubts: data::doubts(&mut conn, &w).await?,
        countries: data::countries(&mut conn, &w).await?,
        previous,
        contribution_changes,
        key,
        session,
        w,
    })
}

/// Section 8's contribution changes: every voluntary contribution's schedule at the previous
/// final report's as-of instant and status date against this report's, a page of contributions
/// at a time, as the exports' annex reads them (so the two agree, and what a report holds does
/// not grow with the contributions).
async fn contribution_changes(
    conn: &mut PgConnection,
    prev: &StoredReport,
    as_of: DateTime<Utc>,
    status_date: NaiveDate,
) -> Result<changes::ContributionChanges> {
    let mut all = changes::ContributionChanges::default();
    let mut after: Option<String> = None;
    loop {
        let ids = data::contribution_page(conn, after.as_deref(), ANNEX_PAGE).await?;
        let Some(last) = ids.last().cloned() else {
            return Ok(all);
        };
        let old =
            data::schedule_rows_of(conn, prev.as_of, previous_status_date(prev), &ids).await?;
        let new = data::schedule_rows_of(conn, as_of, status_date, &ids).await?;
        all.add_page(&old, &new);
        after = Some(last);
    }
}

/// The status date a previous report was stated at (its generation date's for reports made
/// before status dates were recorded).
fn previous_status_date(prev: &StoredReport) -> NaiveDate {
    prev.status_date.unwrap_or_else(|| prev.as_of.date_naive())
}

/// Computes the content from what [`load`] read, with its canonical JSON, hash and size.
/// Pure computation: run it where blocking is allowed.
pub fn build(inputs: Inputs) -> Result<Built> {
    let status_date = inputs.w.status_date;
    let content = stored_form(content(inputs)?);
    let json = pb::json::to_string(&content);
    let sha256 = sha256(&json);
    let bytes = prost::Message::encoded_len(&content);
    Ok(Built {
        content,
        json,
        sha256,
        bytes,
        status_date,
    })
}

/// Lower-case hex SHA-256 of a content's canonical JSON.
pub fn sha256(json: &str) -> String {
    hex::encode(Sha256::digest(json.as_bytes()))
}

/// Per-contribution and per-installment entries a stored content keeps at most, per list (the
/// data-quality sample is per kind).
pub const SAMPLE: usize = 20;

/// The window a stored report was computed in: its as-of instant, its status date and its
/// session's reporting period as known then; `None` for a report stored before status dates
/// were recorded. What the exports' annexes are read at.
pub async fn window_of(pool: &PgPool, stored: &StoredReport) -> Result<Option<Window>> {
    let Some(status_date) = stored.status_date else {
        return Ok(None);
    };
    let key = SessionKey::parse_name(&format!("sessions/{}", stored.session_id), "name")?;
    let mut conn = pool.acquire().await?;
    let session = history::get::<Session>(&mut conn, &key, AsOf::At(stored.as_of))
        .await?
        .ok_or_else(|| Error::not_found(key.name()))?
        .value;
    Ok(Some(Window {
        as_of: stored.as_of,
        status_date,
        period_start: session.reporting_period_start,
        period_end: session.reporting_period_end,
    }))
}

/// One page of the exports' annexes from the rows of [`data::installments_of`] (whole
/// contributions, in schedule order): the multi-year schedules with their installments, as the
/// full content would list them, and the overdue-installment entries of section 9.
pub fn annex_page(
    rows: &[data::Installment],
    w: &Window,
) -> Result<(Vec<pb::Schedule>, Vec<pb::DataQualityIssue>)> {
    let mut quality = Quality::default();
    let mut rates = Rates::default();
    let section = multi_year(rows, w, &mut rates, &mut quality)?;
    Ok((section.schedules, quality.section().issues))
}

/// The data-quality entries of the doubts read by [`data::doubts_of`] (overpaid contributions,
/// pledges with receipts), in kind and contribution order: one page of the exports' annex of
/// data-quality entries.
pub fn doubt_issues(doubts: &[data::Doubt]) -> Result<Vec<pb::DataQualityIssue>> {
    let mut quality = Quality::default();
    for d in doubts {
        quality.doubt(d)?;
    }
    Ok(quality.section().issues)
}

/// The kinds of data-quality entry whose number follows the contributions: the stored content
/// keeps a sample of [`SAMPLE`] of each and the count, and the exports list them all. Entries
/// of other kinds follow currencies, months and indicators, and are stored whole.
pub const SAMPLED_KINDS: [pb::DataQualityKind; 3] = [
    pb::DataQualityKind::OverdueInstallment,
    pb::DataQualityKind::OverpaidContribution,
    pb::DataQualityKind::PledgeWithReceipts,
];

/// The annex lines of pledges read by [`data::pledges_of`].
pub fn pledge_lines(pledges: &[data::Pledge]) -> Result<Vec<pb::PledgeLine>> {
    pledges.iter().map(pledge_line).collect()
}

fn pledge_line(p: &data::Pledge) -> Result<pb::PledgeLine> {
    Ok(pb::PledgeLine {
        contribution: format!("contributions/{}", p.contribution_id),
        donor: format!("organizations/{}", p.donor_id),
        donor_name: p.donor_name.clone(),
        amount: Some(money(p.total, &p.currency)?),
        agreement_date: convert::date(p.agreement_date),
        earmarking_category: category(p.earmarking_category),
    })
}

/// Section 3's converted lines (per donor, earmarking, currency and month) a stored content
/// lists at most, per list: beyond that, their number grows with the data rather than with the
/// committee, and they are left to the exports' annex.
pub const LINES_KEPT: usize = 1000;

/// What is stored of a full content: its size follows the committee (donors, Member States,
/// programmes), not the number of contributions. Schedules leave it (their donor-by-year table
/// stays), so do section 3's lines beyond [`LINES_KEPT`] (the totals stay), pledges and each of
/// the [`SAMPLED_KINDS`] of data-quality entry keep a sample of [`SAMPLE`], and section
/// 8 at most [`changes::KEPT`] contribution changes; the counts stay whole.
pub fn stored_form(mut c: pb::ReportContent) -> pb::ReportContent {
    if let Some(m) = c.multi_year_commitments.as_mut() {
        m.schedules.clear();
    }
    if let Some(v) = c.voluntary_contributions.as_mut() {
        v.pledges.truncate(SAMPLE);
        // All or none: the totals are the sums of the lines, so a part of them would mislead.
        if v.paid.len() > LINES_KEPT {
            v.paid.clear();
        }
        if v.committed.len() > LINES_KEPT {
            v.committed.clear();
        }
    }
    if let Some(q) = c.data_quality.as_mut() {
        let mut seen: BTreeMap<i32, usize> = BTreeMap::new();
        let sampled = SAMPLED_KINDS.map(|k| k as i32);
        q.issues.retain(|i| {
            if !sampled.contains(&i.kind) {
                return true;
            }
            let n = seen.entry(i.kind).or_default();
            *n += 1;
            *n <= SAMPLE
        });
    }
    if let Some(ch) = c.changes_since_previous.as_mut() {
        let mut n = 0;
        ch.statements.retain(|s| {
            if !changes::is_contribution_change(s) {
                return true;
            }
            n += 1;
            n <= changes::KEPT
        });
    }
    c
}

fn content(i: Inputs) -> Result<pb::ReportContent> {
    let w = &i.w;
    let mut quality = Quality::default();
    let mut rates = Rates::default();

    let voluntary = voluntary(&i.paid, &i.committed, &i.pledges, &mut rates, &mut quality)?;
    let flexibility = flexibility(&i.paid);
    let multi_year = {
        let m = &i.multi_year;
        for r in &m.overdue_sample {
            overdue_entry(r, w, &mut quality)?;
        }
        quality.total(pb::DataQualityKind::OverdueInstallment, m.overdue as i32);
        multi_year_summed(&m.cells, &m.currencies, w, &mut rates, &mut quality)
    };
    let unearmarked = unearmarked(&i.allocations, &flexibility);
    let programme_results = programme_results(&i.indicators, &i.results, &mut quality);
    for d in &i.doubts {
        quality.doubt(d)?;
    }
    let known = w.as_of.date_naive();
    if w.status_date > known {
        quality.add(
            pb::DataQualityKind::StatusDateAfterAsOf,
            i.key.name(),
            format!(
                "the status date {} is after the date the figures are known at ({known}): \
                 money received or due after that is not recorded yet",
                convert::date(w.status_date)
            ),
            pb::DataQualityIssue {
                date: convert::date(w.status_date),
                end_date: convert::date(known),
                ..Default::default()
            },
        );
    }

    let mut content = pb::ReportContent {
        header: Some(header(&i.key, &i.session, w, rates.used(), &i.countries)),
        assessed_contributions: Some(assessed::section(
            &i.assessed,
            &i.standings,
            &i.assessed_receipts,
            w.status_date.year(),
            w.status_date,
        )),
        voluntary_contributions: Some(voluntary),
        flexibility: Some(flexibility),
        multi_year_commitments: Some(multi_year),
        use_of_unearmarked_funding: Some(unearmarked),
        programme_results: Some(programme_results),
        changes_since_previous: None,
        data_quality: Some(quality.section()),
    };
    content.changes_since_previous = Some(match &i.previous {
        Some(prev) => {
            let old: pb::ReportContent = pb::json::from_str(&prev.content).map_err(|e| {
                Error::Internal(anyhow::anyhow!("stored report does not parse: {e}"))
            })?;
            let previous = changes::Previous {
                name: format!("sessions/{}/reports/{}", prev.session_id, prev.revision),
                status_date: previous_status_date(prev),
                content: old,
            };
            let contributions = i.contribution_changes.unwrap_or_default();
            let contribution_changes = contributions.count() as i32;
            let statements = changes::statements(&previous, &content, contributions, w.status_date);
            let session = previous.content.header.clone().unwrap_or_default();
            pb::ChangesSincePrevious {
                previous_session_number: session.session_number,
                previous_session_start_date: session.session_start_date,
                previous_session_end_date: session.session_end_date,
                previous_finalized_date: prev
                    .finalized_at
                    .map(|at| convert::date(at.date_naive()))
                    .unwrap_or_default(),
                changes: figures::diff(&previous.content, &content, figures::Scope::Summary),
                contribution_changes,
                statements,
                previous_status_date: convert::date(previous.status_date),
                previous_report: previous.name,
            }
        }
        None => pb::ChangesSincePrevious::default(),
    });
    Ok(content)
}

fn amount(value: Decimal, currency: Currency) -> String {
    Money::from_decimal(value, currency).amount().to_string()
}

fn money(value: Decimal, code: &str) -> Result<pb::Money> {
    let currency = Currency::parse(code, "currency")
        .map_err(|_| Error::Internal(anyhow::anyhow!("stored currency {code} is unknown")))?;
    Ok(convert::money_message(Money::from_decimal(value, currency)))
}

fn category(value: Option<i16>) -> i32 {
    value.map(i32::from).unwrap_or_default()
}

fn modality(value: Option<&str>) -> i32 {
    // A..L are 1..12 in the proto enum.
    value
        .and_then(|m| m.bytes().next())
        .filter(|b| (b'A'..=b'L').contains(b))
        .map_or(0, |b| i32::from(b - b'A') + 1)
}

fn ordinal(n: i32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn header(
    key: &SessionKey,
    s: &Session,
    w: &Window,
    rates_used: Vec<pb::RateUsed>,
    countries: &[(String, String)],
) -> pb::ReportHeader {
    let (body, body_name) = match key.body {
        Body::Council => (pb::GoverningBody::Council, "the Council"),
        Body::Scpf => (
            pb::GoverningBody::Scpf,
            "the Standing Committee on Programmes and Finance",
        ),
    };
    let number = key.number as i32;
    pb::ReportHeader {
        session: key.name(),
        body: body.into(),
        session_number: number,
        title: format!("{} session of {body_name}", ordinal(number)),
        session_start_date: convert::date(s.start_date),
        session_end_date: convert::date(s.end_date),
        reporting_period_start: convert::date(s.reporting_period_start),
        reporting_period_end: convert::date(s.reporting_period_end),
        as_of: Some(convert::timestamp(w.as_of)),
        status_date: convert::date(w.status_date),
        administrative_currency_code: ADMINISTRATIVE.code().to_owned(),
        operational_currency_code: OPERATIONAL.code().to_owned(),
        rates_used,
        organization_countries: countries
            .iter()
            .map(|(id, code)| pb::OrganizationCountry {
                organization: format!("organizations/{id}"),
                country_code: code.clone(),
            })
            .collect(),
    }
}

/// The rates a report used, by name.
#[derive(Default)]
struct Rates(BTreeMap<String, pb::RateUsed>);

impl Rates {
    /// Notes the rate of a converted amount and returns its name ("" when none was used).
    fn note(&mut self, rate: &RateRef, month: chrono::NaiveDate) -> String {
        let (Some(base), Some(quote), Some(value)) = (&rate.rate_base, &rate.rate_quote, rate.rate)
        else {
            return String::new();
        };
        let name = format!("exchangeRates/{base}-{quote}-{}", month.format("%Y-%m"));
        self.0.entry(name.clone()).or_insert_with(|| pb::RateUsed {
            exchange_rate: name.clone(),
            rate: value.normalize().to_string(),
            source: rate.rate_source.clone().unwrap_or_default(),
            revision: rate.rate_revision.map(i64::from).unwrap_or_default(),
        });
        name
    }

    fn used(self) -> Vec<pb::RateUsed> {
        self.0.into_values().collect()
    }
}

/// Data-quality entries, kept sorted and without duplicates. Each carries its facts (names,
/// amounts, dates) for the reader's language, and the English sentence for CSV.
#[derive(Default)]
struct Quality {
    entries: BTreeMap<(i32, String, String), pb::DataQualityIssue>,
    /// Kinds whose entries are a sample: how many there are in all.
    totals: BTreeMap<i32, i32>,
}

impl Quality {
    /// Adds an entry: its kind, subject and English message, and the facts of `issue`.
    fn add(
        &mut self,
        kind: pb::DataQualityKind,
        subject: String,
        message: String,
        issue: pb::DataQualityIssue,
    ) {
        let key = (kind as i32, subject, message);
        self.entries
            .entry(key.clone())
            .or_insert_with(|| pb::DataQualityIssue {
                kind: key.0,
                subject: key.1,
                message: key.2,
                ..issue
            });
    }

    fn missing_rate(
        &mut self,
        currency: &str,
        month: chrono::NaiveDate,
        figures: pb::DataQualityFigures,
    ) {
        let month = month.format("%Y-%m").to_string();
        let what = match figures {
            pb::DataQualityFigures::MoneyReceived => "money received",
            pb::DataQualityFigures::Commitments => "commitments",
            _ => "outstanding multi-year balances",
        };
        self.add(
            pb::DataQualityKind::MissingRate,
            format!("exchangeRates/{currency}-{}-{month}", OPERATIONAL.code()),
            format!(
                "no {currency}/{} rate for {month}: {what} left out of the USD totals",
                OPERATIONAL.code()
            ),
            pb::DataQualityIssue {
                date: month,
                currency_code: currency.to_owned(),
                quote_currency_code: OPERATIONAL.code().to_owned(),
                figures: figures.into(),
                ..Default::default()
            },
        );
    }

    fn doubt(&mut self, d: &data::Doubt) -> Result<()> {
        let subject = format!("contributions/{}", d.contribution_id);
        let total = money(d.total, &d.currency)?;
        let received = money(d.received, &d.currency)?;
        let (kind, message) = match d.kind.as_str() {
            "overpaid" => (
                pb::DataQualityKind::OverpaidContribution,
                format!(
                    "{}: {} {} received against a total of {} {}",
                    d.donor_name,
                    received.currency_code,
                    received.amount,
                    total.currency_code,
                    total.amount
                ),
            ),
            _ => (
                pb::DataQualityKind::PledgeWithReceipts,
                format!(
                    "{}: {} {} received against a contribution still recorded as a pledge",
                    d.donor_name, received.currency_code, received.amount
                ),
            ),
        };
        let total = (kind == pb::DataQualityKind::OverpaidContribution).then_some(total);
        self.add(
            kind,
            subject,
            message,
            pb::DataQualityIssue {
                organization: format!("organizations/{}", d.donor_id),
                name: d.donor_name.clone(),
                amount: Some(received),
                total,
                ..Default::default()
            },
        );
        Ok(())
    }

    /// There are `count` entries of `kind` in all, of which only a sample was added.
    fn total(&mut self, kind: pb::DataQualityKind, count: i32) {
        self.totals.insert(kind as i32, count);
    }

    fn section(self) -> pb::DataQuality {
        let mut counts: BTreeMap<i32, i32> = BTreeMap::new();
        for (kind, _, _) in self.entries.keys() {
            *counts.entry(*kind).or_default() += 1;
        }
        counts.extend(self.totals);
        counts.retain(|_, n| *n > 0);
        pb::DataQuality {
            counts: counts
                .into_iter()
                .map(|(kind, count)| pb::DataQualityCount { kind, count })
                .collect(),
            issues: self.entries.into_values().collect(),
        }
    }
}

fn converted_lines(
    lines: &[MoneyLine],
    what: pb::DataQualityFigures,
    rates: &mut Rates,
    quality: &mut Quality,
) -> Result<(Vec<pb::ConvertedLine>, usize)> {
    let mut missing = 0;
    let out = lines
        .iter()
        .map(|l| {
            if l.converted.is_none() {
                missing += 1;
                quality.missing_rate(&l.currency, l.month, what);
            }
            Ok(pb::ConvertedLine {
                donor: format!("organizations/{}", l.donor_id),
                donor_name: l.donor_name.clone(),
                earmarking_category: category(l.earmarking_category),
                earmarking_modality: modality(l.earmarking_modality.as_deref()),
                month: l.month.format("%Y-%m").to_string(),
                original: Some(money(l.original, &l.currency)?),
                exchange_rate: rates.note(&l.rate, l.month),
                amount: l
                    .converted
                    .map(|c| amount(c, OPERATIONAL))
                    .unwrap_or_default(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((out, missing))
}

fn sum_converted(lines: &[MoneyLine]) -> Decimal {
    lines
        .iter()
        .filter_map(|l| l.converted)
        .map(|c| Money::from_decimal(c, OPERATIONAL).amount())
        .sum()
}

fn voluntary(
    paid: &[MoneyLine],
    committed: &[MoneyLine],
    pledges: &[data::Pledge],
    rates: &mut Rates,
    quality: &mut Quality,
) -> Result<pb::VoluntaryContributions> {
    let (paid_lines, paid_missing) =
        converted_lines(paid, pb::DataQualityFigures::MoneyReceived, rates, quality)?;
    let (committed_lines, committed_missing) = converted_lines(
        committed,
        pb::DataQualityFigures::Commitments,
        rates,
        quality,
    )?;

    // Donors in name order, with the sums of their lines.
    let mut donors: BTreeMap<(String, String), (Decimal, Decimal)> = BTreeMap::new();
    for l in paid {
        let entry = donors
            .entry((l.donor_name.clone(), l.donor_id.clone()))
            .or_default();
        entry.0 += l.converted.map(amount_decimal).unwrap_or_default();
    }
    for l in committed {
        let entry = donors
            .entry((l.donor_name.clone(), l.donor_id.clone()))
            .or_default();
        entry.1 += l.converted.map(amount_decimal).unwrap_or_default();
    }
    Ok(pb::VoluntaryContributions {
        currency_code: OPERATIONAL.code().to_owned(),
        paid: paid_lines,
        committed: committed_lines,
        donors: donors
            .into_iter()
            .map(|((name, id), (p, c))| pb::DonorTotal {
                donor: format!("organizations/{id}"),
                donor_name: name,
                paid: amount(p, OPERATIONAL),
                committed: amount(c, OPERATIONAL),
            })
            .collect(),
        total_paid: amount(sum_converted(paid), OPERATIONAL),
        total_committed: amount(sum_converted(committed), OPERATIONAL),
        pledges: pledges
            .iter()
            .map(pledge_line)
            .collect::<Result<Vec<_>>>()?,
        lines_without_rate: (paid_missing + committed_missing) as i32,
        pledge_count: pledges.len() as i32,
        paid_line_count: paid.len() as i32,
        committed_line_count: committed.len() as i32,
    })
}

fn amount_decimal(value: Decimal) -> Decimal {
    Money::from_decimal(value, OPERATIONAL).amount()
}

fn share_strings(amounts: &[Decimal]) -> Vec<String> {
    match reporting::shares(amounts) {
        Some(shares) => shares.into_iter().map(|s| s.to_string()).collect(),
        None => vec![String::new(); amounts.len()],
    }
}

fn flexibility(paid: &[MoneyLine]) -> pb::Flexibility {
    let mut by_category = [Decimal::ZERO; 4];
    let mut by_modality: BTreeMap<(i32, i32), Decimal> = BTreeMap::new();
    let mut by_donor: BTreeMap<(String, String), [Decimal; 2]> = BTreeMap::new();
    for l in paid {
        let (Some(c), Some(value)) = (l.earmarking_category, l.converted) else {
            continue;
        };
        let value = amount_decimal(value);
        if c == 1 || c == 2 {
            by_donor
                .entry((l.donor_name.clone(), l.donor_id.clone()))
                .or_default()[usize::from(c == 2)] += value;
        }
        if let Some(slot) = usize::try_from(c - 1)
            .ok()
            .and_then(|i| by_category.get_mut(i))
        {
            *slot += value;
        }
        *by_modality
            .entry((modality(l.earmarking_modality.as_deref()), i32::from(c)))
            .or_default() += value;
    }
    let category_shares = share_strings(&by_category);
    let modality_amounts: Vec<Decimal> = by_modality.values().copied().collect();
    let modality_shares = share_strings(&modality_amounts);
    let total: Decimal = by_category.iter().sum();
    let flexible = by_category[0] + by_category[1];
    let flexible_share = match reporting::shares(&by_category) {
        Some(s) => (s[0] + s[1]).to_string(),
        None => String::new(),
    };
    let donors = by_donor
        .into_iter()
        .map(
            |((donor_name, donor_id), [one, two])| pb::DonorFlexibility {
                donor: format!("organizations/{donor_id}"),
                donor_name,
                unearmarked: amount(one, OPERATIONAL),
                softly_earmarked: amount(two, OPERATIONAL),
                flexible: amount(one + two, OPERATIONAL),
            },
        )
        .collect();
    pb::Flexibility {
        donors,
        currency_code: OPERATIONAL.code().to_owned(),
        categories: by_category
            .iter()
            .zip(category_shares)
            .enumerate()
            .map(|(i, (value, share))| pb::CategoryShare {
                category: i as i32 + 1,
                amount: amount(*value, OPERATIONAL),
                share,
            })
            .collect(),
        modalities: by_modality
            .iter()
            .zip(modality_shares)
            .map(
                |((&(modality, category), value), share)| pb::ModalityShare {
                    modality,
                    category,
                    amount: amount(*value, OPERATIONAL),
                    share,
                },
            )
            .collect(),
        total: amount(total, OPERATIONAL),
        flexible_amount: amount(flexible, OPERATIONAL),
        flexible_share,
    }
}

fn multi_year(
    rows: &[data::Installment],
    w: &Window,
    rates: &mut Rates,
    quality: &mut Quality,
) -> Result<pb::MultiYearCommitments> {
    let status_month = w.status_date.with_day(1).unwrap_or(w.status_date);
    let mut schedules: Vec<pb::Schedule> = Vec::new();
    let mut total_outstanding = Decimal::ZERO;
    let mut years: BTreeSet<i32> = BTreeSet::new();
    let mut by_donor: BTreeMap<(String, String), BTreeMap<i32, Decimal>> = BTreeMap::new();
    for r in rows {
        let name = format!("contributions/{}", r.contribution_id);
        overdue_entry(r, w, quality)?;
        if !r.multi_year {
            continue;
        }
        if schedules.last().is_none_or(|s| s.contribution != name) {
            let outstanding = (r.total - r.received).max(Decimal::ZERO);
            if r.converted.is_none() && !outstanding.is_zero() {
                quality.missing_rate(
                    &r.currency,
                    status_month,
                    pb::DataQualityFigures::OutstandingMultiYearBalances,
                );
            }
            let converted = r.converted.map(amount_decimal);
            total_outstanding += converted.unwrap_or_default();
            schedules.push(pb::Schedule {
                contribution: name.clone(),
                donor: format!("organizations/{}", r.donor_id),
                donor_name: r.donor_name.clone(),
                earmarking_category: category(r.earmarking_category),
                total: Some(money(r.total, &r.currency)?),
                received: Some(money(r.received, &r.currency)?),
                outstanding: Some(money(outstanding, &r.currency)?),
                outstanding_converted: converted
                    .map(|c| amount(c, OPERATIONAL))
                    .unwrap_or_default(),
                exchange_rate: rates.note(&r.rate, status_month),
                installments: Vec::new(),
                announced_session: r
                    .announced_session_id
                    .as_ref()
                    .map(|id| format!("sessions/{id}"))
                    .unwrap_or_default(),
                period_start: convert::date(r.period_start),
                period_end: convert::date(r.period_end),
                total_converted: converted_usd(r, r.total)
                    .map(|c| amount(c, OPERATIONAL))
                    .unwrap_or_default(),
                received_converted: converted_usd(r, r.received)
                    .map(|c| amount(c, OPERATIONAL))
                    .unwrap_or_default(),
            });
        }
        let status = if r.paid >= r.amount {
            pb::InstallmentStatus::Paid
        } else if r.due_date <= w.status_date {
            pb::InstallmentStatus::Due
        } else {
            pb::InstallmentStatus::Future
        };
        if let Some(usd) = unpaid_converted(r)? {
            let cells = by_donor
                .entry((r.donor_name.clone(), r.donor_id.clone()))
                .or_default();
            *cells.entry(r.due_date.year()).or_default() += usd;
        }
        if r.paid < r.amount {
            years.insert(r.due_date.year());
        }
        if let Some(schedule) = schedules.last_mut() {
            schedule.installments.push(pb::ScheduledInstallment {
                due_date: convert::date(r.due_date),
                amount: Some(money(r.amount, &r.currency)?),
                paid: Some(money(r.paid, &r.currency)?),
                status: status.into(),
            });
        }
    }
    let schedule_count = schedules.len() as i32;
    Ok(commitments(
        schedule_count,
        schedules,
        total_outstanding,
        years,
        by_donor,
    ))
}

/// Notes an installment in section 9 when it fell due on or before the status date and was not
/// fully paid at it.
fn overdue_entry(r: &data::Installment, w: &Window, quality: &mut Quality) -> Result<()> {
    if r.paid < r.amount && r.due_date <= w.status_date {
        let unpaid = money(r.amount - r.paid, &r.currency)?;
        quality.add(
            pb::DataQualityKind::OverdueInstallment,
            format!("contributions/{}", r.contribution_id),
            format!(
                "{}: installment due {} has {} {} unpaid at {}",
                r.donor_name,
                convert::date(r.due_date),
                unpaid.currency_code,
                unpaid.amount,
                convert::date(w.status_date)
            ),
            pb::DataQualityIssue {
                organization: format!("organizations/{}", r.donor_id),
                name: r.donor_name.clone(),
                amount: Some(unpaid.clone()),
                date: convert::date(r.due_date),
                end_date: convert::date(w.status_date),
                ..Default::default()
            },
        );
    }
    Ok(())
}

/// Section 5 from the cells and per-currency sums of [`data::Schedules`]:
/// the same figures as [`multi_year`] computes from every installment, without the schedules.
fn multi_year_summed(
    cells: &[data::MultiYearCell],
    currencies: &[data::MultiYearCurrency],
    w: &Window,
    rates: &mut Rates,
    quality: &mut Quality,
) -> pb::MultiYearCommitments {
    let status_month = w.status_date.with_day(1).unwrap_or(w.status_date);
    let mut total_outstanding = Decimal::ZERO;
    let mut schedule_count = 0;
    for c in currencies {
        if c.missing_rate {
            quality.missing_rate(
                &c.currency,
                status_month,
                pb::DataQualityFigures::OutstandingMultiYearBalances,
            );
        }
        rates.note(&c.rate, status_month);
        total_outstanding += amount_decimal(c.converted);
        schedule_count += c.schedules;
    }
    let years: BTreeSet<i32> = cells.iter().filter(|c| c.unpaid).map(|c| c.year).collect();
    let mut by_donor: BTreeMap<(String, String), BTreeMap<i32, Decimal>> = BTreeMap::new();
    for c in cells.iter().filter(|c| c.with_rate) {
        *by_donor
            .entry((c.donor_name.clone(), c.donor_id.clone()))
            .or_default()
            .entry(c.year)
            .or_default() += amount_decimal(c.converted);
    }
    commitments(
        schedule_count as i32,
        Vec::new(),
        total_outstanding,
        years,
        by_donor,
    )
}

/// Section 5 of `schedule_count` schedules (`schedules` holds them when they are listed) with
/// `total_outstanding` (USD), and its donor-by-year table: the `years` with something unpaid,
/// each donor's cells in those years (`by_donor`, by donor name and id) with its total, and the
/// years' totals.
fn commitments(
    schedule_count: i32,
    schedules: Vec<pb::Schedule>,
    total_outstanding: Decimal,
    years: BTreeSet<i32>,
    by_donor: BTreeMap<(String, String), BTreeMap<i32, Decimal>>,
) -> pb::MultiYearCommitments {
    let years: Vec<i32> = years.into_iter().collect();
    let mut year_totals = vec![Decimal::ZERO; years.len()];
    let mut donors = Vec::with_capacity(by_donor.len());
    for ((donor_name, donor_id), cells) in by_donor {
        let amounts: Vec<Decimal> = years
            .iter()
            .map(|y| cells.get(y).copied().unwrap_or_default())
            .collect();
        for (t, a) in year_totals.iter_mut().zip(&amounts) {
            *t += a;
        }
        donors.push(pb::DonorYears {
            donor: format!("organizations/{donor_id}"),
            donor_name,
            total: amount(amounts.iter().sum(), OPERATIONAL),
            amounts: amounts.iter().map(|a| amount(*a, OPERATIONAL)).collect(),
        });
    }
    pb::MultiYearCommitments {
        currency_code: OPERATIONAL.code().to_owned(),
        schedule_count,
        schedules,
        total_outstanding: amount(total_outstanding, OPERATIONAL),
        total: amount(year_totals.iter().sum(), OPERATIONAL),
        year_totals: year_totals
            .iter()
            .map(|t| amount(*t, OPERATIONAL))
            .collect(),
        years,
        donors,
    }
}

/// The unpaid part of a multi-year installment in USD at the rate of the status date's month,
/// rounded to the cent; `None` when it has no rate (the schedule is then noted in section 9).
fn unpaid_converted(r: &data::Installment) -> Result<Option<Decimal>> {
    Ok(converted_usd(r, (r.amount - r.paid).max(Decimal::ZERO)))
}

/// An amount of the row's currency in USD at the row's rate (the status date's month), rounded
/// to the cent; `None` when no rate exists.
fn converted_usd(r: &data::Installment, value: Decimal) -> Option<Decimal> {
    if r.currency == OPERATIONAL.code() {
        return Some(amount_decimal(value));
    }
    let (Some(base), Some(rate)) = (&r.rate.rate_base, r.rate.rate) else {
        return None;
    };
    let usd = if *base == r.currency {
        value * rate
    } else if rate.is_zero() {
        return None;
    } else {
        value / rate
    };
    Some(amount_decimal(usd))
}

fn unearmarked(rows: &[data::Allocation], flexibility: &pb::Flexibility) -> pb::UnearmarkedUse {
    let received = flexibility
        .categories
        .first()
        .and_then(|c| c.amount.parse::<Decimal>().ok())
        .unwrap_or_default();
    let mut by_objective: BTreeMap<i32, Decimal> = BTreeMap::new();
    let mut total = Decimal::ZERO;
    let allocations = rows
        .iter()
        .map(|a| {
            let value = amount_decimal(a.amount);
            let objective = a
                .srf_objective
                .or(a.programme_objective)
                .map(i32::from)
                .unwrap_or_default();
            *by_objective.entry(objective).or_default() += value;
            total += value;
            pb::AllocationLine {
                allocation: format!("allocations/{}", a.id),
                allocation_date: convert::date(a.allocation_date),
                programme: a
                    .programme_id
                    .as_ref()
                    .map(|p| format!("programmes/{p}"))
                    .unwrap_or_default(),
                programme_code: a.programme_code.clone().unwrap_or_default(),
                srf_objective: objective,
                amount: amount(value, OPERATIONAL),
                description: a.description.clone(),
            }
        })
        .collect();
    let amounts: Vec<Decimal> = by_objective.values().copied().collect();
    let shares = share_strings(&amounts);
    pb::UnearmarkedUse {
        currency_code: OPERATIONAL.code().to_owned(),
        unearmarked_received: amount(received, OPERATIONAL),
        allocations,
        objectives: by_objective
            .iter()
            .zip(shares)
            .map(|((&srf_objective, value), share)| pb::ObjectiveTotal {
                srf_objective,
                amount: amount(*value, OPERATIONAL),
                share,
            })
            .collect(),
        total_allocated: amount(total, OPERATIONAL),
        unallocated: amount(received - total, OPERATIONAL),
    }
}

fn figure(value: Option<Decimal>) -> String {
    value.map(|v| v.normalize().to_string()).unwrap_or_default()
}

/// A percentage as the report prints it: always one decimal ("105.0").
fn percent(value: Option<Decimal>) -> String {
    value
        .map(|mut v| {
            v.rescale(1);
            v.to_string()
        })
        .unwrap_or_default()
}

fn programme_results(
    indicators: &[data::Indicator],
    results: &[data::ResultFigures],
    quality: &mut Quality,
) -> pb::ProgrammeResults {
    let mut programmes: Vec<pb::ProgrammeResult> = Vec::new();
    // The figures of each indicator, in the order they came: one pass over the figures, not one
    // per indicator (tens of thousands of indicators each scanning every figure took minutes).
    let mut figures_of: BTreeMap<(&str, &str), Vec<&data::ResultFigures>> = BTreeMap::new();
    for r in results {
        figures_of
            .entry((r.programme_id.as_str(), r.indicator_id.as_str()))
            .or_default()
            .push(r);
    }
    for ind in indicators {
        let indicator_name = format!(
            "programmes/{}/indicators/{}",
            ind.programme_id, ind.indicator_id
        );
        let direction = if ind.direction == "decreasing" {
            Direction::Decreasing
        } else {
            Direction::Increasing
        };
        let comparable = !matches!(ind.measure.as_str(), "nominal" | "qualitative");
        let make_figures = |r: &data::ResultFigures| pb::ResultFigures {
            target: figure(r.target),
            actual: figure(r.actual),
            achievement: if comparable {
                percent(reporting::achievement(
                    direction,
                    ind.baseline_value,
                    r.target,
                    r.actual,
                ))
            } else {
                String::new()
            },
            verified: r.verified,
        };
        let rows: &[&data::ResultFigures] = figures_of
            .get(&(ind.programme_id.as_str(), ind.indicator_id.as_str()))
            .map_or(&[], Vec::as_slice);
        if rows.is_empty() {
            quality.add(
                pb::DataQualityKind::NoResultsInPeriod,
                indicator_name.clone(),
                format!("{}: no measurement for the reporting period", ind.title),
                pb::DataQualityIssue {
                    name: ind.title.clone(),
                    ..Default::default()
                },
            );
        }
        for r in rows {
            for id in &r.unverified {
                quality.add(
                    pb::DataQualityKind::UnverifiedResult,
                    format!("{indicator_name}/measurements/{id}"),
                    format!(
                        "{}: figures for {} to {} are not verified",
                        ind.title,
                        convert::date(r.period_start),
                        convert::date(r.period_end)
                    ),
                    pb::DataQualityIssue {
                        name: ind.title.clone(),
                        date: convert::date(r.period_start),
                        end_date: convert::date(r.period_end),
                        ..Default::default()
                    },
                );
            }
        }
        let total = rows.iter().find(|r| r.dimension_key.is_empty());
        let result = pb::IndicatorResult {
            indicator: indicator_name,
            title: ind.title.clone(),
            result_level: result_level(&ind.result_level),
            measure: measure(&ind.measure),
            direction: match direction {
                Direction::Increasing => pb::IndicatorDirection::Increasing,
                Direction::Decreasing => pb::IndicatorDirection::Decreasing,
            }
            .into(),
            cumulative: ind.cumulative,
            unit: ind.unit.clone(),
            baseline: figure(ind.baseline_value),
            baseline_date: convert::optional_date(ind.baseline_date),
            period_start: total
                .map(|r| convert::date(r.period_start))
                .unwrap_or_default(),
            period_end: total
                .map(|r| convert::date(r.period_end))
                .unwrap_or_default(),
            total: total.map(|r| make_figures(r)),
            disaggregation: rows
                .iter()
                .filter(|r| !r.dimension_key.is_empty())
                .map(|r| pb::DisaggregatedResult {
                    dimensions: dimension_values(&r.dimensions),
                    figures: Some(make_figures(r)),
                })
                .collect(),
        };
        let programme_name = format!("programmes/{}", ind.programme_id);
        if programmes
            .last()
            .is_none_or(|p| p.programme != programme_name)
        {
            programmes.push(pb::ProgrammeResult {
                programme: programme_name,
                code: ind.programme_code.clone(),
                title: ind.programme_title.clone(),
                srf_objective: ind.programme_objective.map(i32::from).unwrap_or_default(),
                indicators: Vec::new(),
            });
        }
        if let Some(p) = programmes.last_mut() {
            p.indicators.push(result);
        }
    }
    pb::ProgrammeResults { programmes }
}

fn dimension_values(value: &serde_json::Value) -> Vec<pb::DimensionValue> {
    // serde_json's map is ordered by key, so the values come out sorted by dimension name.
    value
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(name, v)| pb::DimensionValue {
                    name: name.clone(),
                    value: v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn result_level(db: &str) -> i32 {
    match db {
        "output" => pb::ResultLevel::Output,
        "outcome" => pb::ResultLevel::Outcome,
        "impact" => pb::ResultLevel::Impact,
        _ => pb::ResultLevel::Unspecified,
    }
    .into()
}

fn measure(db: &str) -> i32 {
    match db {
        "unit" => pb::IndicatorMeasure::Unit,
        "percentage" => pb::IndicatorMeasure::Percentage,
        "nominal" => pb::IndicatorMeasure::Nominal,
        "ordinal" => pb::IndicatorMeasure::Ordinal,
        "qualitative" => pb::IndicatorMeasure::Qualitative,
        _ => pb::IndicatorMeasure::Unspecified,
    }
    .into()
}
