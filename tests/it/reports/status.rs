//! A report has two times: the status date its financial position is stated at, and the as-of
//! instant of what was known. A session's report says the same thing whenever it is generated,
//! unless data about its period was corrected in between. Expected figures are computed here
//! from the rows read back through the API, not by the report's own code.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use scpf_reports::pb::{
    self, allocation_service_client::AllocationServiceClient,
    contribution_service_client::ContributionServiceClient,
    exchange_rate_service_client::ExchangeRateServiceClient,
    report_service_client::ReportServiceClient,
};
use sqlx::PgPool;
use tonic::transport::Channel;

use super::{
    cents, d,
    fixture::{self, Voluntary, World, content, money},
    founding::seed,
};
use crate::support::{TestServer, assert_invalid, ok, rid};

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// Every contribution and every receipt, as recorded now.
async fn recorded(ch: &Channel) -> (Vec<pb::Contribution>, Vec<pb::Receipt>) {
    let mut client = ContributionServiceClient::new(ch.clone());
    let (mut contributions, mut receipts) = (Vec::new(), Vec::new());
    let mut token = String::new();
    loop {
        let page = ok(client.list_contributions(pb::ListContributionsRequest {
            page_size: 1000,
            page_token: token,
            ..Default::default()
        }))
        .await;
        contributions.extend(page.contributions);
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
    }
    loop {
        let page = ok(client.list_receipts(pb::ListReceiptsRequest {
            parent: "contributions/-".into(),
            page_size: 1000,
            page_token: token,
            ..Default::default()
        }))
        .await;
        receipts.extend(page.receipts);
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
    }
    (contributions, receipts)
}

fn amount(m: &Option<pb::Money>) -> Decimal {
    d(&m.as_ref().unwrap().amount)
}

/// What was received against `contribution` on or before `status`.
fn received(receipts: &[pb::Receipt], contribution: &str, status: NaiveDate) -> Decimal {
    receipts
        .iter()
        .filter(|r| {
            !r.withdrawn
                && r.name.starts_with(&format!("{contribution}/receipts/"))
                && date(&r.received_date) <= status
        })
        .map(|r| amount(&r.amount))
        .sum()
}

/// One Member State's line of section 2, computed from the rows.
#[derive(Debug, Default, PartialEq)]
struct AssessedLine {
    assessed: Decimal,
    received: Decimal,
    received_before_year: Decimal,
    due_before_year: Decimal,
    due_two_preceding_years: Decimal,
}

fn expected_assessed(
    contributions: &[pb::Contribution],
    receipts: &[pb::Receipt],
    status: NaiveDate,
) -> BTreeMap<String, AssessedLine> {
    let year_start = NaiveDate::from_ymd_opt(status.year(), 1, 1).unwrap();
    let two_years_before = year_start
        .checked_sub_months(chrono::Months::new(24))
        .unwrap();
    let mut lines: BTreeMap<String, AssessedLine> = BTreeMap::new();
    for c in contributions.iter().filter(|c| {
        c.funding_type == pb::FundingType::Assessed as i32
            && c.status == pb::FlowStatus::Commitment as i32
    }) {
        let line = lines.entry(c.donor.clone()).or_default();
        for i in &c.installments {
            let due = date(&i.due_date);
            if due <= status {
                line.assessed += amount(&i.amount);
            }
            if due < year_start {
                line.due_before_year += amount(&i.amount);
            }
            if due >= two_years_before && due < year_start {
                line.due_two_preceding_years += amount(&i.amount);
            }
        }
        line.received += received(receipts, &c.name, status);
        line.received_before_year += received(receipts, &c.name, year_start.pred_opt().unwrap());
    }
    lines
}

/// The voluntary commitments with an installment due on or before `status` and not fully paid
/// at it, receipts settling installments in due order.
fn expected_overdue(
    contributions: &[pb::Contribution],
    receipts: &[pb::Receipt],
    status: NaiveDate,
) -> BTreeSet<String> {
    let mut overdue = BTreeSet::new();
    for c in contributions.iter().filter(|c| {
        c.funding_type == pb::FundingType::Voluntary as i32
            && c.status == pb::FlowStatus::Commitment as i32
            && date(&c.agreement_date) <= status
    }) {
        let mut left = received(receipts, &c.name, status);
        let mut installments: Vec<&pb::Installment> = c.installments.iter().collect();
        installments.sort_by_key(|i| date(&i.due_date));
        for i in installments {
            let paid = left.min(amount(&i.amount));
            left -= paid;
            if date(&i.due_date) <= status && paid < amount(&i.amount) {
                overdue.insert(c.name.clone());
            }
        }
    }
    overdue
}

/// A rate of `currency` to USD for `month`, and whether it is quoted the other way round.
async fn usd_rate(ch: &Channel, currency: &str, month: &str) -> (Decimal, bool) {
    let mut rates = ExchangeRateServiceClient::new(ch.clone());
    for (name, inverse) in [
        (format!("exchangeRates/{currency}-USD-{month}"), false),
        (format!("exchangeRates/USD-{currency}-{month}"), true),
    ] {
        if let Ok(rate) = rates
            .get_exchange_rate(pb::GetExchangeRateRequest { name, as_of: None })
            .await
        {
            return (d(&rate.into_inner().rate), inverse);
        }
    }
    panic!("no {currency}/USD rate for {month}");
}

async fn in_usd(ch: &Channel, currency: &str, month: &str, value: Decimal) -> Decimal {
    if currency == "USD" {
        return cents(value);
    }
    match usd_rate(ch, currency, month).await {
        (rate, false) => cents(value * rate),
        (rate, true) => cents(value / rate),
    }
}

/// Money received in the period up to `status`, per donor, one line per donor, earmarking,
/// currency and month, each converted and rounded once: (per donor, total).
async fn expected_paid(
    ch: &Channel,
    contributions: &[pb::Contribution],
    receipts: &[pb::Receipt],
    period: (NaiveDate, NaiveDate),
    status: NaiveDate,
) -> (BTreeMap<String, Decimal>, Decimal) {
    let mut lines: BTreeMap<(String, i32, i32, String, String), Decimal> = BTreeMap::new();
    for r in receipts.iter().filter(|r| !r.withdrawn) {
        let day = date(&r.received_date);
        if day < period.0 || day > period.1 || day > status {
            continue;
        }
        let parent = r.name.rsplit_once("/receipts/").unwrap().0;
        let c = contributions.iter().find(|c| c.name == parent).unwrap();
        if c.funding_type != pb::FundingType::Voluntary as i32 {
            continue;
        }
        let key = (
            c.donor.clone(),
            c.earmarking_category,
            c.earmarking_modality,
            c.total.as_ref().unwrap().currency_code.clone(),
            day.format("%Y-%m").to_string(),
        );
        *lines.entry(key).or_default() += amount(&r.amount);
    }
    let mut donors: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut total = Decimal::ZERO;
    for ((donor, _, _, currency, month), value) in lines {
        let usd = in_usd(ch, &currency, &month, value).await;
        *donors.entry(donor).or_default() += usd;
        total += usd;
    }
    (donors, total)
}

fn overdue_subjects(c: &pb::ReportContent) -> BTreeSet<String> {
    c.data_quality
        .as_ref()
        .unwrap()
        .issues
        .iter()
        .filter(|i| i.kind == pb::DataQualityKind::OverdueInstallment as i32)
        .map(|i| i.subject.clone())
        .collect()
}

/// The content without the instant it was generated at, to compare two generations.
fn without_as_of(c: &pb::ReportContent) -> pb::ReportContent {
    let mut c = c.clone();
    if let Some(h) = c.header.as_mut() {
        h.as_of = None;
    }
    c
}

/// Sections 2, 3 and 9 of `c` agree with the figures computed here from the recorded rows.
async fn agrees_with_the_rows(
    ch: &Channel,
    c: &pb::ReportContent,
    contributions: &[pb::Contribution],
    receipts: &[pb::Receipt],
    period: (NaiveDate, NaiveDate),
    status: NaiveDate,
) {
    let a = c.assessed_contributions.as_ref().unwrap();
    assert_eq!(a.year, status.year());
    let expected = expected_assessed(contributions, receipts, status);
    assert_eq!(a.member_states.len(), expected.len());
    let (mut total_assessed, mut total_received) = (Decimal::ZERO, Decimal::ZERO);
    for line in &a.member_states {
        let e = &expected[&line.member_state];
        let arrears = (e.due_before_year - e.received).max(Decimal::ZERO);
        let (in_year, received_in_year) = (
            e.assessed - e.due_before_year,
            e.received - e.received_before_year,
        );
        assert_eq!(
            d(&line.outstanding_at_year_start),
            e.due_before_year - e.received_before_year,
            "{}",
            line.member_state
        );
        assert_eq!(d(&line.assessed_in_year), in_year, "{}", line.member_state);
        assert_eq!(d(&line.received_in_year), received_in_year);
        assert_eq!(d(&line.outstanding_at_status_date), e.assessed - e.received);
        assert_eq!(d(&line.arrears), arrears, "{}", line.member_state);
        assert_eq!(
            line.article_4,
            arrears > Decimal::ZERO && arrears >= e.due_two_preceding_years
        );
        total_assessed += in_year;
        total_received += received_in_year;
    }
    assert_eq!(d(&a.total_assessed_in_year), total_assessed);
    assert_eq!(d(&a.total_received_in_year), total_received);

    let (donors, total) = expected_paid(ch, contributions, receipts, period, status).await;
    let v = c.voluntary_contributions.as_ref().unwrap();
    assert_eq!(d(&v.total_paid), total);
    assert_eq!(
        v.donors
            .iter()
            .filter(|x| d(&x.paid) > Decimal::ZERO)
            .count(),
        donors.len()
    );
    for donor in &v.donors {
        assert_eq!(
            d(&donor.paid),
            donors.get(&donor.donor).copied().unwrap_or_default(),
            "{}",
            donor.donor
        );
    }

    assert_eq!(
        overdue_subjects(c),
        expected_overdue(contributions, receipts, status)
    );
}

async fn generate(reports: &mut ReportServiceClient<Channel>, status_date: &str) -> pb::Report {
    generate_for(reports, 36, status_date).await
}

async fn generate_for(
    reports: &mut ReportServiceClient<Channel>,
    session: i32,
    status_date: &str,
) -> pb::Report {
    ok(reports.generate_report(pb::GenerateReportRequest {
        parent: format!("sessions/{session}"),
        request_id: rid(),
        status_date: status_date.into(),
        view: pb::ReportView::Full.into(),
        ..Default::default()
    }))
    .await
}

/// Records money, assessments, rates, agreements and allocations dated after 30 June 2025.
async fn record_what_came_after_the_status_date(ch: &Channel) {
    let mut contributions = ContributionServiceClient::new(ch.clone());
    for (parent, day, currency, value) in [
        // Germany pays the rest of its 2025 contribution, the United States its 2025
        // assessment, Belgium its 2026 installment early.
        ("germany-o-remit-2025", "2025-08-01", "EUR", "1000000.00"),
        (
            "united-states-assessed-2025",
            "2026-03-01",
            "CHF",
            "10213800.00",
        ),
        ("belgium-core-2025-2028", "2025-07-01", "EUR", "250000.00"),
    ] {
        ok(contributions.record_receipt(pb::RecordReceiptRequest {
            parent: format!("contributions/{parent}"),
            receipt: Some(pb::Receipt {
                received_date: day.into(),
                amount: money(currency, value),
                ..Default::default()
            }),
            request_id: rid(),
        }))
        .await;
    }
    // The 2027 assessment of Belgium.
    contributions
        .create_contribution(pb::CreateContributionRequest {
            contribution_id: "belgium-assessed-2027".into(),
            contribution: Some(pb::Contribution {
                donor: "organizations/belgium".into(),
                funding_type: pb::FundingType::Assessed.into(),
                budget_part: pb::BudgetPart::Administrative.into(),
                status: pb::FlowStatus::Commitment.into(),
                total: money("CHF", "412350.00"),
                installments: vec![pb::Installment {
                    due_date: "2027-01-01".into(),
                    amount: money("CHF", "412350.00"),
                }],
                agreement_date: "2026-11-30".into(),
                period_start: "2027-01-01".into(),
                period_end: "2027-12-31".into(),
                ..Default::default()
            }),
            request_id: rid(),
        })
        .await
        .unwrap();
    // A multi-year commitment agreed in 2026.
    contributions
        .create_contribution(pb::CreateContributionRequest {
            contribution_id: "norway-core-2026-2028".into(),
            contribution: Some(pb::Contribution {
                donor: "organizations/norway".into(),
                funding_type: pb::FundingType::Voluntary.into(),
                earmarking_category: pb::EarmarkingCategory::Unearmarked.into(),
                earmarking_modality: pb::EarmarkingModality::A.into(),
                status: pb::FlowStatus::Commitment.into(),
                total: money("NOK", "30000000.00"),
                installments: ["2026-03-01", "2027-03-01", "2028-03-01"]
                    .into_iter()
                    .map(|due| pb::Installment {
                        due_date: due.into(),
                        amount: money("NOK", "10000000.00"),
                    })
                    .collect(),
                agreement_date: "2026-02-01".into(),
                period_start: "2026-01-01".into(),
                period_end: "2028-12-31".into(),
                ..Default::default()
            }),
            request_id: rid(),
        })
        .await
        .unwrap();
    // Rates of months after the status date, one of them a month the demo has none for.
    ExchangeRateServiceClient::new(ch.clone())
        .create_exchange_rate(pb::CreateExchangeRateRequest {
            exchange_rate: Some(pb::ExchangeRate {
                base_currency_code: "EUR".into(),
                quote_currency_code: "USD".into(),
                month: "2027-01".into(),
                rate: "1.2000".into(),
                source: "UN operational rates of exchange".into(),
                ..Default::default()
            }),
            request_id: rid(),
        })
        .await
        .unwrap();
    // An allocation decided in July.
    AllocationServiceClient::new(ch.clone())
        .create_allocation(pb::CreateAllocationRequest {
            allocation_id: "unearmarked-2025-07".into(),
            allocation: Some(pb::Allocation {
                allocation_date: "2025-07-15".into(),
                amount: money("USD", "100000.00"),
                srf_objective: pb::SrfObjective::SavingLives.into(),
                description: "Decided after the status date.".into(),
                ..Default::default()
            }),
            request_id: rid(),
        })
        .await
        .unwrap();
}

#[sqlx::test(migrations = false)]
async fn the_36th_session_report_says_the_same_whenever_it_is_generated(pool: PgPool) {
    seed(&pool).await;
    let server = TestServer::start(pool).await;
    let ch = server.channel.clone();
    let mut reports = ReportServiceClient::new(ch.clone());
    let status = date("2025-06-30");

    // Generated right after the period.
    let first = generate(&mut reports, "").await;
    let c = content(&first);
    assert_eq!(
        first.status_date, "2025-06-30",
        "the end of the reporting period"
    );
    assert_eq!(c.header.as_ref().unwrap().status_date, "2025-06-30");

    // Sections 2, 3 and 9 at 30 June 2025, from the rows: the 2026 assessments and the money
    // of 2026 are not there.
    let (contributions, receipts) = recorded(&ch).await;
    let period = (date("2025-01-01"), date("2025-06-30"));
    agrees_with_the_rows(&ch, c, &contributions, &receipts, period, status).await;
    let a = c.assessed_contributions.as_ref().unwrap();
    // The United States had paid 2024 but not 2025 at the status date: outstanding, not in
    // arrears (2025 is the status year), no Article 4.
    let us = a
        .member_states
        .iter()
        .find(|l| l.member_state == "organizations/united-states")
        .unwrap();
    assert_eq!(
        (
            us.outstanding_at_year_start.as_str(),
            us.assessed_in_year.as_str(),
            us.received_in_year.as_str(),
            us.outstanding_at_status_date.as_str(),
            us.arrears.as_str()
        ),
        ("0.00", "10213800.00", "0.00", "10213800.00", "0.00")
    );
    assert!(!us.article_4);

    let v = c.voluntary_contributions.as_ref().unwrap();

    // Section 5: Belgium's schedule at 30 June 2025. The 2026 installment, received in July
    // 2026, is in the future; the balance is at June 2025's rate.
    let schedules = fixture::schedules(&mut reports, &first.name).await;
    let schedule = schedules
        .iter()
        .find(|s| s.contribution == "contributions/belgium-core-2025-2028")
        .unwrap();
    use pb::InstallmentStatus::{Future, Paid};
    let statuses: Vec<i32> = schedule.installments.iter().map(|i| i.status).collect();
    assert_eq!(
        statuses,
        [Paid as i32, Future as i32, Future as i32, Future as i32]
    );
    assert_eq!(
        schedule.installments[1].paid.as_ref().unwrap().amount,
        "0.00"
    );
    assert_eq!(
        d(&schedule.received.as_ref().unwrap().amount),
        received(&receipts, "contributions/belgium-core-2025-2028", status)
    );
    assert_eq!(schedule.exchange_rate, "exchangeRates/EUR-USD-2025-06");
    assert_eq!(
        d(&schedule.outstanding_converted),
        in_usd(&ch, "EUR", "2025-06", d("3000000.00")).await
    );

    // Section 9: overdue means due by 30 June 2025 and unpaid then; nothing due in 2026.
    let overdue = overdue_subjects(c);
    assert_eq!(overdue, expected_overdue(&contributions, &receipts, status));
    assert_eq!(
        overdue,
        BTreeSet::from(["contributions/germany-o-remit-2025".to_owned()])
    );

    // A year later, with money, assessments, agreements, rates and allocations dated after the
    // status date recorded in between: every figure is the same.
    record_what_came_after_the_status_date(&ch).await;
    let later = generate(&mut reports, "").await;
    let seconds = |r: &pb::Report| r.as_of.as_ref().map(|t| (t.seconds, t.nanos));
    assert!(seconds(&later) > seconds(&first));
    assert_eq!(without_as_of(content(&later)), without_as_of(c));
    let diff = ok(reports.diff_reports(pb::DiffReportsRequest {
        base: first.name.clone(),
        target: later.name.clone(),
    }))
    .await;
    assert!(diff.changes.is_empty(), "{:?}", diff.changes);

    // A correction of data about the period changes the figures it touches, and DiffReports
    // names them: Sweden's May receipt was SEK 29,000,000, not 30,000,000.
    let mut contributions_client = ContributionServiceClient::new(ch.clone());
    let receipt = ok(contributions_client.list_receipts(pb::ListReceiptsRequest {
        parent: "contributions/sweden-core-2025".into(),
        ..Default::default()
    }))
    .await
    .receipts
    .remove(0);
    assert_eq!(receipt.received_date, "2025-05-05");
    ok(
        contributions_client.correct_receipt(pb::CorrectReceiptRequest {
            receipt: Some(pb::Receipt {
                amount: money("SEK", "29000000.00"),
                ..receipt
            }),
            reason: "the bank statement shows SEK 29,000,000".into(),
            request_id: rid(),
        }),
    )
    .await;
    let corrected = generate(&mut reports, "").await;
    let diff = ok(reports.diff_reports(pb::DiffReportsRequest {
        base: first.name.clone(),
        target: corrected.name.clone(),
    }))
    .await;
    let change = |key: &str| {
        diff.changes
            .iter()
            .find(|c| c.figure == key)
            .unwrap_or_else(|| panic!("{key} not in {:?}", diff.changes))
    };
    let sweden_before = v
        .donors
        .iter()
        .find(|x| x.donor == "organizations/sweden")
        .unwrap()
        .paid
        .clone();
    let sweden_after = in_usd(&ch, "SEK", "2025-05", d("29000000.00")).await;
    let sweden = change("voluntary.donors[organizations/sweden].paid");
    assert_eq!(
        (sweden.old_value.as_str(), d(&sweden.new_value)),
        (sweden_before.as_str(), sweden_after)
    );
    let total = change("voluntary.total_paid");
    assert_eq!(
        d(&total.new_value),
        d(&v.total_paid) - d(&sweden_before) + sweden_after
    );
    assert!(
        diff.changes
            .iter()
            .all(|c| !c.figure.starts_with("assessed."))
    );
}

#[sqlx::test(migrations = false)]
async fn the_37th_session_report_states_the_position_before_the_meeting(pool: PgPool) {
    seed(&pool).await;
    let server = TestServer::start(pool).await;
    let ch = server.channel.clone();
    let mut reports = ReportServiceClient::new(ch.clone());
    // The session meets on 27 and 28 October 2025 and names 30 September as its status date.
    let report = generate_for(&mut reports, 37, "").await;
    assert_eq!(report.status_date, "2025-09-30");
    let c = content(&report);
    let status = date("2025-09-30");
    let (contributions, receipts) = recorded(&ch).await;
    let period = (date("2025-07-01"), date("2025-12-31"));
    agrees_with_the_rows(&ch, c, &contributions, &receipts, period, status).await;
    // West Africa's September installment came on 6 October, Germany's last third in November:
    // both were unpaid at the status date.
    assert_eq!(
        overdue_subjects(c),
        BTreeSet::from([
            "contributions/belgium-west-africa-2024-2026".to_owned(),
            "contributions/germany-o-remit-2025".to_owned(),
        ])
    );
    // Norway's August agreement and September receipt are the period's money so far, softly
    // earmarked, so flexible.
    let v = c.voluntary_contributions.as_ref().unwrap();
    let norway = in_usd(&ch, "NOK", "2025-09", d("10000000.00")).await;
    assert_eq!(d(&v.total_paid), norway);
    assert_eq!(
        d(&v.total_committed),
        in_usd(&ch, "NOK", "2025-08", d("10000000.00")).await
    );
    assert_eq!(d(&c.flexibility.as_ref().unwrap().flexible_amount), norway);
    // The outstanding balances are at September's rates.
    for s in &fixture::schedules(&mut reports, &report.name).await {
        assert!(
            s.exchange_rate.is_empty() || s.exchange_rate.ends_with("-2025-09"),
            "{}",
            s.exchange_rate
        );
    }
}

/// Session 36 with Belgium's money: EUR 400 received in February, 600 in May, an assessment
/// for 2025 paid in March.
async fn belgium(pool: PgPool) -> World {
    let mut w = World::belgium_at_the_36th(pool).await;
    w.rate("EUR", "USD", "2025-02", "1.04").await;
    w.rate("EUR", "USD", "2025-03", "1.08").await;
    w.rate("EUR", "USD", "2025-05", "1.12").await;
    w.rate("EUR", "USD", "2025-06", "1.14").await;
    w.voluntary(Voluntary {
        agreement_date: "2025-01-20",
        ..Voluntary::simple(
            "be",
            "belgium",
            "EUR",
            &[("2025-02-28", "400.00"), ("2026-05-31", "600.00")],
        )
    })
    .await;
    w.receipt("be", "2025-02-10", "EUR", "400.00").await;
    w.receipt("be", "2025-05-12", "EUR", "600.00").await;
    w.assessed("belgium", 2025, "300.00").await;
    w.receipt("belgium-assessed-2025", "2025-03-03", "CHF", "300.00")
        .await;
    w
}

#[sqlx::test(migrations = false)]
async fn a_report_may_state_the_position_at_another_date(pool: PgPool) {
    let mut w = belgium(pool).await;
    let march = w.generate_at(36, None, "2025-03-31").await;
    assert_eq!(march.status_date, "2025-03-31");
    let c = content(&march);
    assert_eq!(c.header.as_ref().unwrap().status_date, "2025-03-31");
    let v = c.voluntary_contributions.as_ref().unwrap();
    // Only February's receipt, at February's rate.
    assert_eq!(v.total_paid, cents(d("400.00") * d("1.04")).to_string());
    let schedules = w.schedules(&march.name).await;
    let s = &schedules[0];
    assert_eq!(s.received.as_ref().unwrap().amount, "400.00");
    assert_eq!(s.exchange_rate, "exchangeRates/EUR-USD-2025-03");
    assert_eq!(
        s.outstanding_converted,
        cents(d("600.00") * d("1.08")).to_string()
    );
    assert_eq!(
        c.assessed_contributions
            .as_ref()
            .unwrap()
            .total_received_in_year,
        "300.00"
    );

    // At the session's own status date (the period's end) both receipts count.
    let june = w.generate(36, None).await;
    assert_eq!(june.status_date, "2025-06-30");
    assert_eq!(
        content(&june)
            .voluntary_contributions
            .as_ref()
            .unwrap()
            .total_paid,
        (cents(d("400.00") * d("1.04")) + cents(d("600.00") * d("1.12"))).to_string()
    );

    // Compared, the two say first that they state the position at different dates.
    let diff = ok(w.reports.diff_reports(pb::DiffReportsRequest {
        base: march.name.clone(),
        target: june.name.clone(),
    }))
    .await;
    let dates = diff
        .changes
        .iter()
        .find(|c| c.figure == "header.status_date")
        .expect("the status dates differ");
    assert_eq!(
        (dates.old_value.as_str(), dates.new_value.as_str()),
        ("2025-03-31", "2025-06-30")
    );

    // A session that names its status date: reports use it unless a request asks otherwise.
    let session = ok(w.sessions.get_session(pb::GetSessionRequest {
        name: "sessions/36".into(),
        as_of: None,
    }))
    .await;
    ok(w.sessions.update_session(pb::UpdateSessionRequest {
        session: Some(pb::Session {
            status_date: "2025-02-28".into(),
            ..session
        }),
        request_id: rid(),
    }))
    .await;
    let own = w.generate(36, None).await;
    assert_eq!(own.status_date, "2025-02-28");
    assert_eq!(
        w.schedules(&own.name).await[0].exchange_rate,
        "exchangeRates/EUR-USD-2025-02"
    );
    let asked = w.generate_at(36, None, "2025-06-30").await;
    assert_eq!(asked.status_date, "2025-06-30");
    assert_eq!(
        content(&asked).voluntary_contributions,
        content(&june).voluntary_contributions
    );
}

#[sqlx::test(migrations = false)]
async fn a_status_date_outside_the_sessions_range_is_refused(pool: PgPool) {
    let mut w = belgium(pool.clone()).await;
    for (status_date, reason) in [
        ("2024-12-31", "STATUS_DATE_OUT_OF_RANGE"),
        ("2025-07-01", "STATUS_DATE_OUT_OF_RANGE"),
        // Outside the years any date may have.
        ("0001-01-01", "DATE_OUT_OF_RANGE"),
        ("9999-12-31", "DATE_OUT_OF_RANGE"),
        ("2025-02-29", "INVALID_DATE"),
        ("30/06/2025", "INVALID_DATE"),
    ] {
        let refused = w
            .reports
            .generate_report(pb::GenerateReportRequest {
                parent: "sessions/36".into(),
                request_id: rid(),
                status_date: status_date.into(),
                ..Default::default()
            })
            .await;
        assert_invalid(refused, reason, "status_date");
    }
    let reports: i64 = sqlx::query_scalar("SELECT count(*) FROM reports")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(reports, 0);
}

#[sqlx::test(migrations = false)]
async fn a_status_date_after_the_as_of_instant_is_reported_as_not_yet_known(pool: PgPool) {
    let mut w = World::start(pool).await;
    let today = chrono::Utc::now().date_naive();
    let day = |offset: i64| (today + chrono::Duration::days(offset)).to_string();
    // A session whose period ends in two months: its report, made today, states the position
    // at a date whose money is not known yet.
    w.session(50, (&day(70), &day(71)), (&day(-30), &day(60)))
        .await;
    let report = w.generate(50, None).await;
    let issues = &content(&report).data_quality.as_ref().unwrap().issues;
    let issue = issues
        .iter()
        .find(|i| i.kind == pb::DataQualityKind::StatusDateAfterAsOf as i32)
        .expect("the status date is after the as-of instant");
    assert_eq!(issue.subject, "sessions/50");
    assert!(issue.message.contains(&day(60)), "{}", issue.message);
    // Stated at today, it is not.
    let today_report = w.generate_at(50, None, &day(0)).await;
    assert!(
        content(&today_report)
            .data_quality
            .as_ref()
            .unwrap()
            .issues
            .iter()
            .all(|i| i.kind != pb::DataQualityKind::StatusDateAfterAsOf as i32)
    );
}
