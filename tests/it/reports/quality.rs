//! Section 9: what is missing or doubtful becomes an entry, never a crash or a silent zero.

use scpf_reports::pb::{
    self, DataQualityKind as K, EarmarkingCategory as C, EarmarkingModality as M,
};
use sqlx::PgPool;

use super::fixture::{Voluntary, World, content};

fn has(report: &pb::Report, kind: K, subject: &str) -> bool {
    content(report)
        .data_quality
        .as_ref()
        .unwrap()
        .issues
        .iter()
        .any(|i| i.kind == kind as i32 && i.subject == subject)
}

#[sqlx::test(migrations = false)]
async fn a_missing_rate_is_reported_and_the_line_left_out_of_the_total(pool: PgPool) {
    let mut w = World::start(pool).await;
    w.session(
        36,
        ("2025-06-25", "2025-06-26"),
        ("2025-01-01", "2025-06-30"),
    )
    .await;
    w.donor("norway", "Norway", "NO", true).await;
    w.donor("us", "United States", "US", true).await;
    w.voluntary(Voluntary::simple(
        "no",
        "norway",
        "NOK",
        &[("2025-02-28", "20000000.00")],
    ))
    .await;
    w.receipt("no", "2025-02-20", "NOK", "20000000.00").await;
    w.voluntary(Voluntary::simple(
        "us",
        "us",
        "USD",
        &[("2025-02-28", "5000000.00")],
    ))
    .await;
    w.receipt("us", "2025-02-21", "USD", "5000000.00").await;

    let report = w.generate(36, None).await;
    let v = content(&report).voluntary_contributions.clone().unwrap();
    let nok = v
        .paid
        .iter()
        .find(|l| l.original.as_ref().unwrap().currency_code == "NOK")
        .unwrap();
    assert_eq!(
        nok.amount, "",
        "no rate: no converted amount, and no zero either"
    );
    assert_eq!(nok.exchange_rate, "");
    // The receipt (February) and the commitment (signed in January) both lack a rate.
    assert_eq!(v.lines_without_rate, 2);
    assert_eq!(v.total_paid, "5000000.00");
    assert_eq!(v.total_committed, "5000000.00");
    for missing in [
        "exchangeRates/NOK-USD-2025-02",
        "exchangeRates/NOK-USD-2025-01",
    ] {
        assert!(has(&report, K::MissingRate, missing), "{missing}");
    }
}

#[sqlx::test(migrations = false)]
async fn overdue_installments_and_earmarked_money_without_programme_are_reported(pool: PgPool) {
    let mut w = World::start(pool).await;
    w.session(
        36,
        ("2025-06-25", "2025-06-26"),
        ("2025-01-01", "2025-06-30"),
    )
    .await;
    w.donor("germany", "Germany", "DE", true).await;
    w.donor("denmark", "Denmark", "DK", true).await;
    w.rate("EUR", "USD", "2025-04", "1.08").await;
    w.voluntary(Voluntary::simple(
        "de",
        "germany",
        "EUR",
        &[("2025-03-31", "3000000.00")],
    ))
    .await;
    w.receipt("de", "2025-04-15", "EUR", "2000000.00").await;
    w.voluntary(Voluntary {
        category: C::SoftlyEarmarked,
        modality: M::E,
        agreement_date: "2025-02-10",
        ..Voluntary::simple("dk", "denmark", "USD", &[("2025-03-01", "100.00")])
    })
    .await;
    w.receipt("dk", "2025-03-02", "USD", "100.00").await;

    let report = w.generate(36, None).await;
    assert!(has(&report, K::OverdueInstallment, "contributions/de"));
    let overdue = content(&report)
        .data_quality
        .as_ref()
        .unwrap()
        .issues
        .iter()
        .find(|i| i.kind == K::OverdueInstallment as i32)
        .unwrap()
        .message
        .clone();
    assert!(overdue.contains("EUR 1000000.00"), "{overdue}");
    assert!(has(
        &report,
        K::EarmarkedWithoutProgramme,
        "contributions/dk"
    ));
    assert!(!has(&report, K::OverdueInstallment, "contributions/dk"));
}
