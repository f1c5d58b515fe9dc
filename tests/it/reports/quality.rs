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
    let mut w = World::norway_without_a_rate(pool).await;

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

fn issues_about<'a>(report: &'a pb::Report, subject: &str) -> Vec<&'a pb::DataQualityIssue> {
    content(report)
        .data_quality
        .as_ref()
        .unwrap()
        .issues
        .iter()
        .filter(|i| i.subject == subject)
        .collect()
}

#[sqlx::test(migrations = false)]
async fn an_installment_is_overdue_only_when_due_by_the_status_date_and_unpaid_at_it(pool: PgPool) {
    let mut w = World::start(pool).await;
    // The status date is the end of the reporting period, 30 June 2025.
    w.the_36th().await;
    w.donor("germany", "Germany", "DE", true).await;
    let rows: [(&str, &str, Option<&str>); 5] = [
        // Due before, two thirds received: EUR 1,000,000 overdue.
        ("due-before", "2025-03-31", Some("2025-04-15")),
        // Due on the status date itself, nothing received.
        ("due-on", "2025-06-30", None),
        // Due the day after.
        ("due-after", "2025-07-01", None),
        // Due in May, received in July: unpaid at the status date.
        ("paid-late", "2025-05-31", Some("2025-07-15")),
        // Due in May, received in May.
        ("paid-on-time", "2025-05-31", Some("2025-05-20")),
    ];
    for (id, due, received) in rows {
        w.voluntary(Voluntary {
            agreement_date: "2025-01-20",
            ..Voluntary::simple(id, "germany", "EUR", &[(due, "3000000.00")])
        })
        .await;
        if let Some(date) = received {
            let amount = if id == "due-before" {
                "2000000.00"
            } else {
                "3000000.00"
            };
            w.receipt(id, date, "EUR", amount).await;
        }
    }

    let report = w.generate(36, None).await;
    let overdue = |id: &str| {
        has(
            &report,
            K::OverdueInstallment,
            &format!("contributions/{id}"),
        )
    };
    assert!(overdue("due-before"));
    assert!(overdue("due-on"));
    assert!(!overdue("due-after"));
    assert!(overdue("paid-late"));
    assert!(!overdue("paid-on-time"));
    let message = &issues_about(&report, "contributions/due-before")[0].message;
    assert!(message.contains("EUR 1000000.00"), "{message}");
    assert!(message.contains("2025-06-30"), "{message}");

    // Stated at 30 March, nothing had fallen due yet.
    let march = w.generate_at(36, None, "2025-03-30").await;
    for (id, _, _) in rows {
        assert!(
            !has(
                &march,
                K::OverdueInstallment,
                &format!("contributions/{id}")
            ),
            "{id} is not overdue on 30 March"
        );
    }
}

#[sqlx::test(migrations = false)]
async fn softly_earmarked_money_needs_no_programme(pool: PgPool) {
    let mut w = World::start(pool).await;
    w.the_36th().await;
    w.donor("denmark", "Denmark", "DK", true).await;
    w.voluntary(Voluntary {
        category: C::SoftlyEarmarked,
        modality: M::E,
        agreement_date: "2025-02-10",
        ..Voluntary::simple("dk", "denmark", "USD", &[("2025-03-01", "100.00")])
    })
    .await;
    w.receipt("dk", "2025-03-02", "USD", "100.00").await;

    let report = w.generate(36, None).await;
    // Category 2 money counts as flexible and is not tied to a programme: nothing to report.
    assert_eq!(
        content(&report)
            .flexibility
            .as_ref()
            .unwrap()
            .flexible_amount,
        "100.00"
    );
    assert_eq!(
        issues_about(&report, "contributions/dk"),
        [] as [&pb::DataQualityIssue; 0]
    );
    assert!(
        content(&report)
            .data_quality
            .as_ref()
            .unwrap()
            .issues
            .iter()
            .all(|i| i.kind != K::EarmarkedWithoutProgramme as i32)
    );
}
