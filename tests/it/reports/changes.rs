//! Section 8 as a reader says it: the same Member State's position, the same contribution's
//! schedule, new contributions and the totals of the year, compared with the previous session's
//! final report; money paid in two different periods is never paired as a change.
//!
//! Between the 36th session (status at 30 June 2025) and the 37th (status at 30 September 2025):
//! Belgium pays its 2026 installment early, the United States pays off its 2024 arrears, and
//! Denmark's 2023–2026 contribution, missing from the data when the 36th report was made, is
//! recorded.

use scpf_reports::pb;
use sqlx::PgPool;

use super::fixture::{Voluntary, World, content};
use crate::support::{ok, rid};

async fn two_sessions(pool: PgPool) -> (World, pb::Report) {
    let mut w = World::start(pool).await;
    w.the_36th().await;
    w.session(
        37,
        ("2025-10-27", "2025-10-28"),
        ("2025-07-01", "2025-09-30"),
    )
    .await;
    w.donor("belgium", "Belgium", "BE", true).await;
    w.donor("united-states", "United States", "US", true).await;
    w.donor("denmark", "Denmark", "DK", false).await;
    w.rate("EUR", "USD", "2025-06", "1.0850").await;
    w.rate("EUR", "USD", "2025-08", "1.1000").await;
    w.rate("EUR", "USD", "2025-09", "1.1200").await;

    // Belgium: EUR 1,000,000 a year, 2025 to 2028; the first paid in June.
    let belgium = [
        ("2025-06-30", "1000000.00"),
        ("2026-06-30", "1000000.00"),
        ("2027-06-30", "1000000.00"),
        ("2028-06-30", "1000000.00"),
    ];
    w.voluntary(Voluntary {
        agreement_date: "2025-06-02",
        ..Voluntary::simple("be-flex", "belgium", "EUR", &belgium)
    })
    .await;
    w.receipt("be-flex", "2025-06-20", "EUR", "1000000.00")
        .await;
    // The United States: 2024 unpaid (arrears at 30 June 2025), 2025 assessed.
    w.assessed("united-states", 2024, "10213800.00").await;
    w.assessed("united-states", 2025, "10000000.00").await;

    let r36 = w.generate(36, None).await;
    let r36 = ok(w.reports.finalize_report(pb::FinalizeReportRequest {
        name: r36.name.clone(),
        etag: r36.etag.clone(),
        request_id: rid(),
    }))
    .await;

    // Between the sessions.
    w.receipt("be-flex", "2025-08-15", "EUR", "1000000.00")
        .await;
    w.receipt(
        "united-states-assessed-2024",
        "2025-07-10",
        "CHF",
        "10213800.00",
    )
    .await;
    let denmark = [
        ("2023-06-30", "93750000.00"),
        ("2024-06-30", "93750000.00"),
        ("2025-06-30", "93750000.00"),
        ("2026-06-30", "93750000.00"),
    ];
    w.voluntary(Voluntary {
        agreement_date: "2023-01-10",
        ..Voluntary::simple("dk-2023", "denmark", "DKK", &denmark)
    })
    .await;
    (w, r36)
}

/// The rows of section 8's table in a Markdown export.
fn section_8_rows(markdown: &str) -> Vec<String> {
    let start = markdown.find("## 8. ").expect("section 8");
    let end = markdown.find("## 9. ").expect("section 9");
    markdown[start..end]
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| Change") && !l.contains("---"))
        .map(|l| l.trim_matches(|c| c == '|' || c == ' ').to_owned())
        .collect()
}

async fn markdown(w: &mut World, name: &str) -> String {
    let mut stream = ok(w.reports.export_report(pb::ExportReportRequest {
        name: name.into(),
        format: pb::ExportFormat::Markdown.into(),
        ..Default::default()
    }))
    .await;
    let mut out = Vec::new();
    while let Some(chunk) = stream.message().await.unwrap() {
        out.extend(chunk.data);
    }
    String::from_utf8(out).unwrap()
}

#[sqlx::test(migrations = false)]
async fn changes_are_stated_as_a_reader_says_them(pool: PgPool) {
    let (mut w, r36) = two_sessions(pool).await;
    let r37 = w.generate(37, None).await;
    let changes = content(&r37).changes_since_previous.clone().unwrap();
    assert_eq!(changes.previous_report, r36.name);
    assert_eq!(changes.previous_status_date, "2025-06-30");
    // The previous report named as a reader knows it: its session and the day it was made final.
    assert_eq!(changes.previous_session_number, 36);
    assert_eq!(changes.previous_session_start_date, "2025-06-25");
    assert_eq!(changes.previous_session_end_date, "2025-06-26");
    let finalized = r36.finalize_time.expect("a final report has its time");
    let finalized = chrono::DateTime::from_timestamp(finalized.seconds, 0)
        .unwrap()
        .date_naive()
        .to_string();
    assert_eq!(changes.previous_finalized_date, finalized);

    // Computed by hand from the rows above. The United States: outstanding at 30 June
    // 10,213,800 + 10,000,000; the July receipt settles 2024 first. Multi-year outstanding in
    // USD: Belgium's EUR 3,000,000 at 1.0850, then EUR 2,000,000 at September's 1.1200
    // (Denmark's DKK has no rate and stays out).
    assert_eq!(
        section_8_rows(&markdown(&mut w, &r37.name).await),
        [
            "United States: outstanding CHF 20,213,800 → 10,000,000",
            "United States: arrears CHF 10,213,800 → 0",
            "United States: no longer subject to Article 4",
            "Assessed contributions received in 2025: CHF 0 → 10,213,800",
            "Assessed contributions outstanding: CHF 20,213,800 → 10,000,000",
            "Arrears of all Member States: CHF 10,213,800 → 0",
            "Multi-year commitments outstanding: USD 3,255,000 → 2,240,000",
            "Belgium: 2026 installment EUR 1,000,000 now received",
            "New contribution: Denmark DKK 375,000,000 (2023–2026)",
        ]
    );

    // The same as data, for machines.
    let belgium = changes
        .statements
        .iter()
        .find(|s| s.kind() == pb::ChangeKind::InstallmentReceived)
        .expect("Belgium's installment");
    assert_eq!(
        (
            belgium.organization.as_str(),
            belgium.contribution.as_str(),
            belgium.currency_code.as_str(),
            belgium.new_amount.as_str(),
            belgium.year,
            belgium.due_date.as_str(),
        ),
        (
            "organizations/belgium",
            "contributions/be-flex",
            "EUR",
            "1000000.00",
            2026,
            "2026-06-30"
        )
    );
    let arrears = changes
        .statements
        .iter()
        .find(|s| s.kind() == pb::ChangeKind::MemberStateArrears)
        .expect("the United States' arrears");
    assert_eq!(
        (arrears.old_amount.as_str(), arrears.new_amount.as_str()),
        ("10213800.00", "0.00")
    );
    let denmark = changes
        .statements
        .iter()
        .find(|s| s.kind() == pb::ChangeKind::ContributionNew)
        .expect("Denmark's contribution");
    assert_eq!(
        (
            denmark.organization_name.as_str(),
            denmark.currency_code.as_str(),
            denmark.new_amount.as_str(),
            denmark.period_start.as_str(),
            denmark.period_end.as_str(),
            denmark.status(),
        ),
        (
            "Denmark",
            "DKK",
            "375000000.00",
            "2023-01-10",
            "2026-06-30",
            pb::FlowStatus::Commitment
        )
    );
    assert_eq!(changes.contribution_changes, 2);
}

#[sqlx::test(migrations = false)]
async fn money_paid_in_two_different_periods_is_not_a_change(pool: PgPool) {
    let (mut w, _) = two_sessions(pool).await;
    let r37 = w.generate(37, None).await;
    let c = content(&r37);
    // Belgium paid EUR 1,000,000 in each period: USD 1,085,000.00 in June (1.0850) and
    // USD 1,100,000.00 in August (1.1000). The figures differ, and the flattened list (what
    // DiffReports compares) has them...
    let changes = c.changes_since_previous.clone().unwrap();
    let paid = changes
        .changes
        .iter()
        .find(|f| f.figure == "voluntary.donors[organizations/belgium].paid")
        .expect("the flattened figure");
    assert_eq!(
        (paid.old_value.as_str(), paid.new_value.as_str()),
        ("1085000.00", "1100000.00")
    );
    // ...but two periods' flows are not paired as a change: no statement is about them.
    let about_belgium: Vec<pb::ChangeKind> = changes
        .statements
        .iter()
        .filter(|s| s.organization == "organizations/belgium")
        .map(|s| s.kind())
        .collect();
    assert_eq!(about_belgium, [pb::ChangeKind::InstallmentReceived]);
    assert!(
        !section_8_rows(&markdown(&mut w, &r37.name).await)
            .iter()
            .any(|row| row.contains("1,085,000") || row.contains("1,100,000")),
        "a paid-in-period figure was stated as a change"
    );
}
