//! Report responses that stay small and calls that are safe to repeat: the request_id is held
//! before a report is computed, content comes only when asked for and never beyond the message
//! limit, and nothing is kept of a report that could not be answered.

use prost::Message;
use scpf_reports::{pb, store, telemetry::metrics};
use sqlx::PgPool;
use tonic::Code;

use super::fixture::{Voluntary, World, content};
use crate::support::{TestServer, assert_invalid, assert_refused, count, ok, rid, test_settings};

/// How many reports this process has computed (the generation histogram's count).
fn reports_computed() -> u64 {
    metrics::handle()
        .render()
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{}_count ", metrics::REPORT_SECONDS)))
        .map_or(0, |n| n.trim().parse().unwrap())
}

/// Session 36 with some of Belgium's two-year commitments, each a schedule of the report.
async fn fill(w: &mut World, commitments: usize) {
    w.the_36th().await;
    w.donor("belgium", "Belgium", "BE", true).await;
    w.rate("EUR", "USD", "2025-06", "1.0850").await;
    for i in 0..commitments {
        let id = format!("be-{i}");
        let schedule = [("2025-06-30", "1000.00"), ("2026-06-30", "1000.00")];
        w.voluntary(Voluntary {
            agreement_date: "2025-06-02",
            ..Voluntary::simple(&id, "belgium", "EUR", &schedule)
        })
        .await;
        w.receipt(&id, "2025-06-27", "EUR", "1000.00").await;
    }
}

/// Session 36 with `donors` donors, each with a two-year commitment: a content that grows with
/// the donors (section 3's lines, section 5's donor-by-year rows).
async fn fill_donors(w: &mut World, donors: usize) {
    w.the_36th().await;
    w.rate("EUR", "USD", "2025-06", "1.0850").await;
    for i in 0..donors {
        let donor = format!("donor-{i}");
        w.donor(&donor, &format!("Donor {i}"), "BE", false).await;
        let id = format!("c-{i}");
        let schedule = [("2025-06-30", "1000.00"), ("2026-06-30", "1000.00")];
        w.voluntary(Voluntary {
            agreement_date: "2025-06-02",
            ..Voluntary::simple(&id, &donor, "EUR", &schedule)
        })
        .await;
        w.receipt(&id, "2025-06-27", "EUR", "1000.00").await;
    }
}

fn request(request_id: &str, view: pb::ReportView) -> pb::GenerateReportRequest {
    pb::GenerateReportRequest {
        parent: "sessions/36".into(),
        request_id: request_id.into(),
        view: view.into(),
        ..Default::default()
    }
}

#[sqlx::test(migrations = false)]
async fn a_repeated_request_id_answers_the_first_report_without_computing_it_again(pool: PgPool) {
    let mut w = World::start(pool.clone()).await;
    fill(&mut w, 1).await;
    let id = rid();
    let first = ok(w
        .reports
        .generate_report(request(&id, pb::ReportView::Basic)))
    .await;
    assert_eq!(reports_computed(), 1);
    assert!(first.content.is_none(), "metadata by default");
    assert_eq!(first.status_date, "2025-06-30");
    assert!(first.content_bytes > 0);

    // New data, then the same call again: the first report, not a new one.
    w.receipt("be-0", "2025-06-28", "EUR", "5.00").await;
    let again = ok(w
        .reports
        .generate_report(request(&id, pb::ReportView::Basic)))
    .await;
    assert_eq!(again, first);
    assert_eq!(reports_computed(), 1, "a replay computes nothing");
    assert_eq!(count(&pool, "reports").await, 1);

    // Two calls with one new request_id at the same time: one report, computed once.
    let id = rid();
    let (mut a, mut b) = (w.reports.clone(), w.reports.clone());
    let (x, y) = tokio::join!(
        a.generate_report(request(&id, pb::ReportView::Basic)),
        b.generate_report(request(&id, pb::ReportView::Basic))
    );
    let (x, y) = (x.unwrap().into_inner(), y.unwrap().into_inner());
    assert_eq!(x, y);
    assert_eq!(x.revision, 2);
    assert_eq!(reports_computed(), 2);
    assert_eq!(count(&pool, "reports").await, 2);

    // The same request_id for another request is refused, without computing.
    let reused = w
        .reports
        .generate_report(request(&id, pb::ReportView::Full))
        .await;
    assert_refused(reused, Code::FailedPrecondition, "REQUEST_ID_REUSED", None);
    assert_eq!(reports_computed(), 2);
}

/// A server on the same database whose responses carry at most `limit` bytes.
async fn limited(pool: &PgPool, limit: usize) -> TestServer {
    store::migrate(pool).await.unwrap();
    let mut settings = test_settings();
    settings.max_message_bytes = limit;
    TestServer::start_with(pool.clone(), settings).await
}

#[sqlx::test(migrations = false)]
async fn content_too_large_to_answer_is_refused_before_anything_is_written(pool: PgPool) {
    // Twenty donors' lines take over 3 KB (the content grows with donors, not with their
    // contributions).
    const LIMIT: usize = 3000;
    let mut w = World::start(pool.clone()).await;
    fill_donors(&mut w, 20).await;
    let small = limited(&pool, LIMIT).await;
    let mut reports = pb::report_service_client::ReportServiceClient::new(small.channel.clone());
    let events = count(&pool, "audit_events").await;

    let id = rid();
    for _ in 0..2 {
        let refused = reports
            .generate_report(request(&id, pb::ReportView::Full))
            .await;
        let status = assert_refused(refused, Code::FailedPrecondition, "CONTENT_TOO_LARGE", None);
        assert!(
            status.message().contains("ExportReport"),
            "{}",
            status.message()
        );
        // Nothing was kept: no report, no audit event, no stored answer to replay.
        assert_eq!(count(&pool, "reports").await, 0);
        assert_eq!(count(&pool, "audit_events").await, events);
        let kept: i64 =
            sqlx::query_scalar("SELECT count(*) FROM idempotency_keys WHERE request_id = $1")
                .bind(&id)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(kept, 0);
    }
    // The request_id is still free: the metadata of the same report is answered with it.
    let basic = ok(reports.generate_report(request(&id, pb::ReportView::Basic))).await;
    assert!(
        basic.content_bytes > LIMIT as i64,
        "{}",
        basic.content_bytes
    );
    assert!(basic.encoded_len() < LIMIT);

    // Read back: metadata yes, content no, and the listing says why.
    let read = |view: pb::ReportView| pb::GetReportRequest {
        name: basic.name.clone(),
        view: view.into(),
    };
    let got = ok(reports.get_report(read(pb::ReportView::Basic))).await;
    assert_eq!(got, basic);
    let refused = reports.get_report(read(pb::ReportView::Full)).await;
    assert_refused(refused, Code::FailedPrecondition, "CONTENT_TOO_LARGE", None);
    let refused = reports
        .list_reports(pb::ListReportsRequest {
            parent: "sessions/36".into(),
            view: pb::ReportView::Full.into(),
            ..Default::default()
        })
        .await;
    assert_refused(refused, Code::FailedPrecondition, "CONTENT_TOO_LARGE", None);

    // ExportReport streams it whole, in pieces that fit.
    let mut stream = ok(reports.export_report(pb::ExportReportRequest {
        name: basic.name.clone(),
        format: pb::ExportFormat::Json.into(),
        ..Default::default()
    }))
    .await;
    let mut json = Vec::new();
    while let Some(chunk) = stream.message().await.unwrap() {
        assert!(chunk.encoded_len() <= LIMIT);
        // The report itself; the annexes follow in parts of their own.
        if chunk.part == "report.json" {
            json.extend(chunk.data);
        }
    }
    let exported: pb::Report =
        scpf_reports::pb::json::from_str(std::str::from_utf8(&json).unwrap()).unwrap();
    assert_eq!(
        exported.content.unwrap().encoded_len() as i64,
        basic.content_bytes
    );
}

#[sqlx::test(migrations = false)]
async fn a_listing_with_content_ends_its_page_before_the_message_limit(pool: PgPool) {
    let mut w = World::start(pool.clone()).await;
    fill(&mut w, 2).await;
    let mut names = Vec::new();
    for _ in 0..5 {
        names.push(w.generate(36, None).await.name);
    }
    names.reverse(); // newest first
    let size = w.generate(36, None).await;
    names.insert(0, size.name.clone());
    // Room for two or three reports with their content, not six.
    let limit = 3 * (size.content_bytes as usize + 600);
    let small = limited(&pool, limit).await;
    let mut reports = pb::report_service_client::ReportServiceClient::new(small.channel.clone());
    let (mut listed, mut token, mut pages) = (Vec::new(), String::new(), 0);
    loop {
        let page = ok(reports.list_reports(pb::ListReportsRequest {
            parent: "sessions/36".into(),
            page_size: 10,
            page_token: token,
            view: pb::ReportView::Full.into(),
            ..Default::default()
        }))
        .await;
        assert!(page.encoded_len() <= limit);
        assert!(!page.reports.is_empty());
        for r in &page.reports {
            assert!(content(r).header.is_some());
            listed.push(r.name.clone());
        }
        pages += 1;
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(listed, names, "every report once, newest first");
    assert!(pages >= 2, "{pages} pages");
}

#[sqlx::test(migrations = false)]
async fn unknown_enum_values_are_refused_as_such(pool: PgPool) {
    let mut w = World::start(pool).await;
    fill(&mut w, 1).await;
    let report = w.generate(36, None).await;
    let export = |format: i32| pb::ExportReportRequest {
        name: report.name.clone(),
        format,
        ..Default::default()
    };
    let unknown = w.reports.export_report(export(99)).await;
    assert_invalid(unknown, "UNKNOWN_ENUM_VALUE", "format");
    let missing = w.reports.export_report(export(0)).await;
    assert_invalid(missing, "REQUIRED", "format");
    let view = w
        .reports
        .get_report(pb::GetReportRequest {
            name: report.name.clone(),
            view: 7,
        })
        .await;
    assert_invalid(view, "UNKNOWN_ENUM_VALUE", "view");
    let view = w
        .reports
        .generate_report(pb::GenerateReportRequest {
            parent: "sessions/36".into(),
            request_id: rid(),
            view: -1,
            ..Default::default()
        })
        .await;
    assert_invalid(view, "UNKNOWN_ENUM_VALUE", "view");
    let view = w
        .reports
        .list_reports(pb::ListReportsRequest {
            parent: "sessions/36".into(),
            view: 3,
            ..Default::default()
        })
        .await;
    assert_invalid(view, "UNKNOWN_ENUM_VALUE", "view");
}
