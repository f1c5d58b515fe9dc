//! An export's annexes are read again from the store at the report's own as-of instant; when
//! what they read is not what the stored report counted, the export ends with
//! FAILED_PRECONDITION `ANNEX_DIFFERS` rather than hand over an annex that is not the report's.

use scpf_reports::pb;
use sqlx::PgPool;
use tonic::Code;

use super::fixture::{World, content};
use crate::support::{assert_refused, rid};

#[sqlx::test(migrations = false)]
async fn an_annex_that_differs_from_the_stored_counts_ends_the_export(pool: PgPool) {
    // Belgium's three multi-year commitments be-00000..be-00002: the stored content counts three
    // schedules and leaves them to the exports' annex.
    let mut w = World::start(pool.clone()).await;
    w.session(
        36,
        ("2025-06-25", "2025-06-26"),
        ("2025-01-01", "2025-06-30"),
    )
    .await;
    w.donor("belgium", "Belgium", "BE", true).await;
    w.rate("EUR", "USD", "2025-06", "1.0850").await;
    assert_eq!(w.belgian_commitments(0..3).await, 3);
    let draft = w.generate(36, None).await;
    let report = w
        .reports
        .finalize_report(pb::FinalizeReportRequest {
            name: draft.name.clone(),
            etag: draft.etag.clone(),
            request_id: rid(),
        })
        .await
        .unwrap()
        .into_inner();
    let m = content(&draft).multi_year_commitments.clone().unwrap();
    assert_eq!(m.schedule_count, 3);
    assert!(m.schedules.is_empty(), "the schedules are in the annex");

    // A fourth commitment whose version was in force before the report's as-of instant. Through
    // the API this cannot happen: every write is stamped with the time it is made, so the as-of
    // instant fixes what the annex reads. Only a row written into the tables directly, here a
    // copy of be-00000 with its own validity, makes the data differ from the stored counts.
    sqlx::raw_sql(
        r#"INSERT INTO contributions
             SELECT (json_populate_record(c, '{"id": "be-09999"}')).*
               FROM contributions c WHERE id = 'be-00000';
           INSERT INTO contribution_versions
             SELECT (json_populate_record(v, '{"contribution_id": "be-09999"}')).*
               FROM contribution_versions v WHERE contribution_id = 'be-00000';
           INSERT INTO installments
             SELECT (json_populate_record(i, '{"contribution_id": "be-09999"}')).*
               FROM installments i WHERE contribution_id = 'be-00000';"#,
    )
    .execute(&pool)
    .await
    .unwrap();

    for format in [
        pb::ExportFormat::Json,
        pb::ExportFormat::Csv,
        pb::ExportFormat::Markdown,
        pb::ExportFormat::Html,
    ] {
        let mut stream = w
            .reports
            .export_report(pb::ExportReportRequest {
                name: report.name.clone(),
                format: format.into(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        let mut received = Vec::new();
        let mut parts = Vec::new();
        // The stream must end with an error, never with a clean end that would pass what came
        // before it off as the whole export.
        let ended = loop {
            match stream.message().await {
                Ok(Some(chunk)) => {
                    if parts.last() != Some(&chunk.part) {
                        parts.push(chunk.part.clone());
                    }
                    received.extend(chunk.data);
                }
                Ok(None) => panic!("{format:?}: the export ended as if complete ({parts:?})"),
                Err(status) => break status,
            }
        };
        let status =
            assert_refused::<()>(Err(ended), Code::FailedPrecondition, "ANNEX_DIFFERS", None);
        let message = status.message();
        assert!(
            message.contains("annex of schedules")
                && message.contains("4 schedules")
                && message.contains("the stored report has 3"),
            "{format:?}: {message}"
        );
        // Nothing after the schedules was made: the annexes that follow them are missing, and the
        // document is not closed.
        let text = String::from_utf8_lossy(&received);
        match format {
            pb::ExportFormat::Json => {
                assert!(
                    !parts.iter().any(|p| p == "annex_pledges.jsonl"),
                    "{parts:?}"
                );
            }
            pb::ExportFormat::Csv => {
                assert!(!parts.iter().any(|p| p == "pledges.csv"), "{parts:?}");
            }
            pb::ExportFormat::Markdown => {
                assert!(!text.contains("## Annex: pledges"), "{format:?}");
            }
            _ => assert!(!text.contains("</html>"), "the page is not closed"),
        }
    }

    // The report itself is untouched: a read gives the same content as when it was made.
    let read = w
        .reports
        .get_report(pb::GetReportRequest {
            name: report.name.clone(),
            view: pb::ReportView::Full.into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(read.content_sha256, draft.content_sha256);
}
