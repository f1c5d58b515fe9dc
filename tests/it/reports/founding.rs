//! The founding example, end to end: the demo data loaded twice by `scpf-reports seed`, and the
//! 36th session's report showing Belgium's flexible contribution where the rules put it.

use scpf_reports::pb::{self, exchange_rate_service_client::ExchangeRateServiceClient};
use sqlx::{ConnectOptions, PgPool};
use tokio_stream::StreamExt;

use super::{cents, d, fixture::content};
use crate::support::{TestServer, count, ok, rid};

pub(super) async fn seed(pool: &PgPool) {
    let url = pool.connect_options().to_url_lossy().to_string();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_scpf-reports"))
        .args(["--log-format", "text", "seed"])
        .env("DATABASE_URL", url)
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "seed failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[sqlx::test(migrations = false)]
async fn the_demo_report_shows_belgium_in_the_right_sections_with_the_right_totals(pool: PgPool) {
    seed(&pool).await;
    let (events, versions) = (
        count(&pool, "audit_events").await,
        count(&pool, "contribution_versions").await,
    );
    seed(&pool).await;
    assert_eq!(
        count(&pool, "audit_events").await,
        events,
        "a second seed writes nothing"
    );
    assert_eq!(count(&pool, "contribution_versions").await, versions);

    let server = TestServer::start(pool).await;
    let june = ok(
        ExchangeRateServiceClient::new(server.channel.clone()).get_exchange_rate(
            pb::GetExchangeRateRequest {
                name: "exchangeRates/EUR-USD-2025-06".into(),
                as_of: None,
            },
        ),
    )
    .await
    .rate;
    let mut reports = pb::report_service_client::ReportServiceClient::new(server.channel.clone());
    let report = ok(reports.generate_report(pb::GenerateReportRequest {
        parent: "sessions/36".into(),
        request_id: rid(),
        view: pb::ReportView::Full.into(),
        ..Default::default()
    }))
    .await;
    let c = content(&report);

    // Section 3: EUR 1,000,000 received in June 2025, unearmarked (1, A), at June's rate; the
    // whole EUR 4,000,000 agreement committed in June.
    let v = c.voluntary_contributions.as_ref().unwrap();
    let belgium_paid = v
        .paid
        .iter()
        .find(|l| {
            l.donor == "organizations/belgium"
                && l.earmarking_category == pb::EarmarkingCategory::Unearmarked as i32
        })
        .expect("Belgium's unearmarked receipt");
    assert_eq!(
        belgium_paid.earmarking_modality,
        pb::EarmarkingModality::A as i32
    );
    assert_eq!(belgium_paid.month, "2025-06");
    assert_eq!(
        belgium_paid.original,
        Some(pb::Money {
            currency_code: "EUR".into(),
            amount: "1000000.00".into()
        })
    );
    assert_eq!(belgium_paid.exchange_rate, "exchangeRates/EUR-USD-2025-06");
    assert_eq!(
        belgium_paid.amount,
        cents(d("1000000.00") * d(&june)).to_string()
    );
    let belgium_committed = v
        .committed
        .iter()
        .find(|l| {
            l.donor == "organizations/belgium"
                && l.earmarking_category == pb::EarmarkingCategory::Unearmarked as i32
        })
        .expect("Belgium's commitment");
    assert_eq!(
        belgium_committed.original.as_ref().unwrap().amount,
        "4000000.00"
    );
    assert_eq!(
        belgium_committed.amount,
        cents(d("4000000.00") * d(&june)).to_string()
    );
    // Every total is the sum of its lines.
    let sum = |lines: &[pb::ConvertedLine]| {
        lines
            .iter()
            .map(|l| d(&l.amount))
            .sum::<rust_decimal::Decimal>()
    };
    assert_eq!(d(&v.total_paid), sum(&v.paid));
    assert_eq!(d(&v.total_committed), sum(&v.committed));
    assert_eq!(d(&v.total_paid), v.donors.iter().map(|x| d(&x.paid)).sum());
    // Luxembourg's pledge at the same session is listed, not counted.
    assert!(
        v.pledges
            .iter()
            .any(|p| p.contribution == "contributions/luxembourg-pledge-2025")
    );

    // Section 4: Belgium's money is in category 1 (flexible); the categories add up to section 3.
    let f = c.flexibility.as_ref().unwrap();
    let unearmarked: rust_decimal::Decimal = v
        .paid
        .iter()
        .filter(|l| l.earmarking_category == 1)
        .map(|l| d(&l.amount))
        .sum();
    assert_eq!(d(&f.categories[0].amount), unearmarked);
    assert!(d(&f.categories[0].amount) >= d(&belgium_paid.amount));
    assert_eq!(f.total, v.total_paid);
    assert_eq!(
        f.categories
            .iter()
            .map(|x| d(&x.share))
            .sum::<rust_decimal::Decimal>(),
        d("100.0")
    );

    // Section 5: the four-year schedule, the 2025 installment paid.
    let schedules = super::fixture::schedules(&mut reports, &report.name).await;
    let schedule = schedules
        .iter()
        .find(|s| s.contribution == "contributions/belgium-core-2025-2028")
        .expect("Belgium's schedule");
    let dues: Vec<&str> = schedule
        .installments
        .iter()
        .map(|i| i.due_date.as_str())
        .collect();
    assert_eq!(
        dues,
        ["2025-06-30", "2026-06-30", "2027-06-30", "2028-06-30"]
    );
    assert_eq!(
        schedule.installments[0].status,
        pb::InstallmentStatus::Paid as i32
    );
    assert_eq!(schedule.total.as_ref().unwrap().amount, "4000000.00");

    // Section 6: Belgium's and Sweden's unearmarked money is what allocations draw on.
    let u = c.use_of_unearmarked_funding.as_ref().unwrap();
    assert_eq!(u.unearmarked_received, f.categories[0].amount);
    assert_eq!(
        d(&u.unallocated),
        d(&u.unearmarked_received) - d(&u.total_allocated)
    );

    // The CSV export's total row and the HTML page carry the same figures as the message.
    let mut parts = std::collections::BTreeMap::<String, Vec<u8>>::new();
    for format in [pb::ExportFormat::Csv, pb::ExportFormat::Html] {
        let mut stream = ok(reports.export_report(pb::ExportReportRequest {
            name: report.name.clone(),
            format: format.into(),
            ..Default::default()
        }))
        .await;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.unwrap();
            parts.entry(chunk.part).or_default().extend(chunk.data);
        }
    }
    let mut csv = csv::Reader::from_reader(parts["voluntary_paid.csv"].as_slice());
    let headers = csv.headers().unwrap().clone();
    let amount_column = headers
        .iter()
        .position(|h| h == "converted_amount")
        .unwrap();
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    let total_row = rows.iter().find(|r| &r[0] == "Total").expect("a Total row");
    assert_eq!(&total_row[amount_column], v.total_paid);
    assert!(rows.iter().any(|r| r[amount_column] == belgium_paid.amount));

    let page = scraper::Html::parse_document(std::str::from_utf8(&parts["report.html"]).unwrap());
    let cells = scraper::Selector::parse("td, th").unwrap();
    let texts: Vec<String> = page
        .select(&cells)
        .map(|c| c.text().collect::<String>().trim().to_owned())
        .collect();
    for figure in [
        &v.total_paid,
        &belgium_paid.amount,
        &f.total,
        &report.content_sha256,
    ] {
        assert!(
            // Digit for digit, once the thousands separators are taken out.
            texts
                .iter()
                .any(|t| t.replace(',', "").contains(figure.as_str())),
            "{figure} not in the page's tables"
        );
    }
}
