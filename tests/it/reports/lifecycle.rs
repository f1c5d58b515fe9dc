//! Reports over time: reproducible as of an instant, frozen when final, compared, exported, and
//! produced by the scheduled job.

use scpf_reports::pb;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use tokio_stream::StreamExt;
use tonic::Code;

use super::fixture::{Voluntary, World, content};
use crate::support::{assert_invalid, assert_refused, ok, rid};

/// Belgium's contribution with two receipts and their rates, for session 36.
async fn belgium(pool: PgPool) -> World {
    let mut w = World::belgium_at_the_36th(pool).await;
    w.rate("EUR", "USD", "2025-06", "1.0850").await;
    w.voluntary(Voluntary {
        agreement_date: "2025-06-25",
        ..Voluntary::simple("be", "belgium", "EUR", &[("2025-06-30", "1000000.00")])
    })
    .await;
    w.receipt("be", "2025-06-27", "EUR", "1000000.00").await;
    w
}

#[sqlx::test(migrations = false)]
async fn a_report_regenerated_as_of_its_instant_after_corrections_has_the_same_hash(pool: PgPool) {
    let mut w = belgium(pool).await;
    let first = w.generate(36, None).await;
    let as_of = first.as_of;

    // Correct the receipt and the rate afterwards.
    let receipt = ok(w.contributions.list_receipts(pb::ListReceiptsRequest {
        parent: "contributions/be".into(),
        ..Default::default()
    }))
    .await
    .receipts
    .remove(0);
    ok(w.contributions.correct_receipt(pb::CorrectReceiptRequest {
        receipt: Some(pb::Receipt {
            amount: super::fixture::money("EUR", "900000.00"),
            ..receipt
        }),
        reason: "bank statement shows 900,000".into(),
        request_id: rid(),
    }))
    .await;
    let rate = ok(w.rates.get_exchange_rate(pb::GetExchangeRateRequest {
        name: "exchangeRates/EUR-USD-2025-06".into(),
        as_of: None,
    }))
    .await;
    ok(w.rates.update_exchange_rate(pb::UpdateExchangeRateRequest {
        exchange_rate: Some(pb::ExchangeRate {
            rate: "1.0900".into(),
            ..rate
        }),
        request_id: rid(),
    }))
    .await;

    let again = w.generate(36, as_of).await;
    assert_eq!(again.revision, first.revision + 1);
    assert_eq!(again.content_sha256, first.content_sha256);
    assert_eq!(again.content, first.content);
    let now = w.generate(36, None).await;
    assert_ne!(now.content_sha256, first.content_sha256);
    assert_eq!(
        content(&now)
            .voluntary_contributions
            .as_ref()
            .unwrap()
            .total_paid,
        "981000.00"
    );

    // The hash is the SHA-256 of the content's canonical JSON.
    let json = scpf_reports::pb::json::to_string(content(&first));
    assert_eq!(
        hex::encode(Sha256::digest(json.as_bytes())),
        first.content_sha256
    );
}

#[sqlx::test(migrations = false)]
async fn a_final_report_never_changes(pool: PgPool) {
    let mut w = belgium(pool.clone()).await;
    let draft = w.generate(36, None).await;
    let stale = w
        .reports
        .finalize_report(pb::FinalizeReportRequest {
            name: draft.name.clone(),
            etag: "f9".into(),
            request_id: rid(),
        })
        .await;
    assert_refused(stale, Code::Aborted, "ETAG_MISMATCH", None);
    let final_report = ok(w.reports.finalize_report(pb::FinalizeReportRequest {
        name: draft.name.clone(),
        etag: draft.etag.clone(),
        request_id: rid(),
    }))
    .await;
    assert_eq!(final_report.state, pb::ReportState::Final as i32);
    assert_eq!(final_report.content_sha256, draft.content_sha256);
    assert!(final_report.finalize_time.is_some());

    let twice = w
        .reports
        .finalize_report(pb::FinalizeReportRequest {
            name: draft.name.clone(),
            etag: String::new(),
            request_id: rid(),
        })
        .await;
    assert_refused(
        twice,
        Code::FailedPrecondition,
        "REPORT_ALREADY_FINAL",
        None,
    );

    let other = w.generate(36, None).await;
    let second_final = w
        .reports
        .finalize_report(pb::FinalizeReportRequest {
            name: other.name.clone(),
            etag: String::new(),
            request_id: rid(),
        })
        .await;
    assert_refused(
        second_final,
        Code::FailedPrecondition,
        "SESSION_ALREADY_HAS_FINAL_REPORT",
        None,
    );

    // The database refuses too, whoever asks.
    for statement in [
        "UPDATE reports SET content = '{}' WHERE state = 'final'",
        "UPDATE reports SET state = 'draft' WHERE state = 'final'",
        "DELETE FROM reports WHERE state = 'final'",
    ] {
        let err = sqlx::query(statement).execute(&pool).await.unwrap_err();
        let code = err.as_database_error().and_then(|e| e.code()).unwrap();
        assert_eq!(code, "SC002", "{statement}: {err}");
    }
    let tampered = sqlx::query("UPDATE reports SET content_sha256 = 'x' WHERE state = 'draft'")
        .execute(&pool)
        .await
        .unwrap_err();
    assert!(tampered.as_database_error().is_some());
}

#[sqlx::test(migrations = false)]
async fn a_diff_lists_every_figure_that_changed(pool: PgPool) {
    let mut w = belgium(pool).await;
    let before = w.generate(36, None).await;
    w.receipt("be", "2025-06-28", "EUR", "0.50").await;
    let after = w.generate(36, None).await;
    let diff = ok(w.reports.diff_reports(pb::DiffReportsRequest {
        base: before.name.clone(),
        target: after.name.clone(),
    }))
    .await;
    let change = |key: &str| {
        diff.changes
            .iter()
            .find(|c| c.figure == key)
            .unwrap_or_else(|| panic!("{key} not in {:?}", diff.changes))
    };
    // 1,000,000.50 EUR at 1.0850 = 1,085,000.5425 → 1,085,000.54.
    let total = change("voluntary.total_paid");
    assert_eq!(
        (total.old_value.as_str(), total.new_value.as_str()),
        ("1085000.00", "1085000.54")
    );
    let donor = change("voluntary.donors[organizations/belgium].paid");
    assert_eq!(donor.new_value, "1085000.54");
    // Unchanged figures are not listed.
    assert!(
        diff.changes
            .iter()
            .all(|c| !c.figure.starts_with("assessed."))
    );

    let none = ok(w.reports.diff_reports(pb::DiffReportsRequest {
        base: after.name.clone(),
        target: after.name.clone(),
    }))
    .await;
    assert!(none.changes.is_empty());
}

#[sqlx::test(migrations = false)]
async fn changes_since_the_previous_session_compare_with_its_final_report(pool: PgPool) {
    let mut w = belgium(pool).await;
    w.session(
        37,
        ("2025-10-27", "2025-10-28"),
        ("2025-07-01", "2025-12-31"),
    )
    .await;
    let previous = w.generate(36, None).await;
    ok(w.reports.finalize_report(pb::FinalizeReportRequest {
        name: previous.name.clone(),
        etag: previous.etag.clone(),
        request_id: rid(),
    }))
    .await;
    let report = w.generate(37, None).await;
    let changes = content(&report).changes_since_previous.clone().unwrap();
    assert_eq!(changes.previous_report, previous.name);
    let paid = changes
        .changes
        .iter()
        .find(|c| c.figure == "voluntary.total_paid")
        .unwrap();
    assert_eq!(
        (paid.old_value.as_str(), paid.new_value.as_str()),
        ("1085000.00", "0.00")
    );

    let diffed = ok(w.reports.diff_reports(pb::DiffReportsRequest {
        base: String::new(),
        target: report.name.clone(),
    }))
    .await;
    assert_eq!(diffed.base, previous.name);
}

#[sqlx::test(migrations = false)]
async fn reports_are_read_listed_and_exported_as_json(pool: PgPool) {
    let mut w = belgium(pool).await;
    let first = w.generate(36, None).await;
    let second = w.generate(36, None).await;
    let read = ok(w.reports.get_report(pb::GetReportRequest {
        name: first.name.clone(),
        view: pb::ReportView::Full.into(),
    }))
    .await;
    assert_eq!(read, first);
    // Without asking for it, the content stays out; everything else is there.
    let basic = ok(w.reports.get_report(pb::GetReportRequest {
        name: first.name.clone(),
        view: pb::ReportView::Unspecified.into(),
    }))
    .await;
    assert_eq!(
        basic,
        pb::Report {
            content: None,
            ..first.clone()
        }
    );

    let listed = ok(w.reports.list_reports(pb::ListReportsRequest {
        parent: "sessions/36".into(),
        page_size: 1,
        ..Default::default()
    }))
    .await;
    assert_eq!(listed.reports[0].name, second.name, "newest first");
    assert!(listed.reports[0].content.is_none());
    assert!(!listed.next_page_token.is_empty());

    let mut stream = ok(w.reports.export_report(pb::ExportReportRequest {
        name: first.name.clone(),
        format: pb::ExportFormat::Json.into(),
        ..Default::default()
    }))
    .await;
    let mut json = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.unwrap();
        assert_eq!(chunk.part, "report.json");
        json.extend(chunk.data);
    }
    let parsed: pb::Report =
        scpf_reports::pb::json::from_str(std::str::from_utf8(&json).unwrap()).unwrap();
    assert_eq!(parsed, first);

    for (name, reason) in [
        ("sessions/36/reports/99", "NOT_FOUND"),
        ("sessions/99/reports/1", "NOT_FOUND"),
    ] {
        let r = w
            .reports
            .get_report(pb::GetReportRequest {
                name: name.into(),
                ..Default::default()
            })
            .await;
        assert_refused(r, Code::NotFound, reason, None);
    }
    let bad = w
        .reports
        .get_report(pb::GetReportRequest {
            name: "sessions/36/reports/x".into(),
            ..Default::default()
        })
        .await;
    assert_invalid(bad, "INVALID_NAME", "name");
    let unknown = w
        .reports
        .generate_report(pb::GenerateReportRequest {
            parent: "sessions/99".into(),
            request_id: rid(),
            ..Default::default()
        })
        .await;
    assert_refused(unknown, Code::NotFound, "NOT_FOUND", None);
    let future = w
        .reports
        .generate_report(pb::GenerateReportRequest {
            parent: "sessions/36".into(),
            as_of: Some(prost_types::Timestamp {
                seconds: chrono::Utc::now().timestamp() + 3600,
                nanos: 0,
            }),
            request_id: rid(),
            ..Default::default()
        })
        .await;
    assert_invalid(future, "AS_OF_IN_FUTURE", "as_of");
}

#[sqlx::test(migrations = false)]
async fn reports_are_listed_by_state(pool: PgPool) {
    let mut w = belgium(pool).await;
    let draft = w.generate(36, None).await;
    let fin = w.generate(36, None).await;
    ok(w.reports.finalize_report(pb::FinalizeReportRequest {
        name: fin.name.clone(),
        etag: fin.etag.clone(),
        request_id: rid(),
    }))
    .await;
    let names = |filter: &str| {
        let mut reports = w.reports.clone();
        let filter = filter.to_owned();
        async move {
            reports
                .list_reports(pb::ListReportsRequest {
                    parent: "sessions/-".into(),
                    filter,
                    ..Default::default()
                })
                .await
                .map(|r| {
                    r.into_inner()
                        .reports
                        .into_iter()
                        .map(|r| r.name)
                        .collect::<Vec<_>>()
                })
        }
    };
    assert_eq!(names("state = FINAL").await.unwrap(), [fin.name.as_str()]);
    assert_eq!(
        names("state=REPORT_STATE_DRAFT").await.unwrap(),
        [draft.name.as_str()]
    );
    assert_eq!(
        names("state != FINAL").await.unwrap(),
        [draft.name.as_str()]
    );
    assert_invalid(names("state = PUBLISHED").await, "INVALID_FILTER", "filter");
}
