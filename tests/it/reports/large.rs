//! A large report: building it does not stop the server answering, its stored content does not
//! grow with the number of contributions (their schedules, pledges and data-quality entries go to
//! the exports' annexes), and its export is made as the client reads it, not held whole for a
//! client that does not read.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use scpf_reports::{pb, telemetry::metrics};
use sqlx::PgPool;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

use super::fixture::{World, content};
use crate::support::rid;

/// Multi-year commitments of Belgium in the 36th session's period, imported in one stream:
/// each is a schedule of the report, and its 2025 installment is overdue at the status date.
async fn large(pool: PgPool, commitments: usize) -> World {
    let mut w = World::start(pool).await;
    w.session(
        36,
        ("2025-06-25", "2025-06-26"),
        ("2025-01-01", "2025-06-30"),
    )
    .await;
    w.donor("belgium", "Belgium", "BE", true).await;
    w.rate("EUR", "USD", "2025-06", "1.0850").await;
    import(&mut w, 0..commitments).await;
    w
}

/// Imports Belgium's commitments numbered `range`.
async fn import(w: &mut World, range: std::ops::Range<usize>) {
    let count = range.len();
    assert_eq!(w.belgian_commitments(range).await, count as i64);
}

/// Bytes of exports this process has handed to their streams.
fn export_bytes() -> u64 {
    metrics::handle()
        .render()
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{} ", metrics::EXPORT_BYTES)))
        .map_or(0, |n| n.trim().parse().unwrap())
}

/// Seconds this process has spent computing reports (the generation histogram's sum).
fn seconds_computing_reports() -> f64 {
    metrics::handle()
        .render()
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{}_sum ", metrics::REPORT_SECONDS)))
        .map_or(0.0, |n| n.trim().parse().unwrap())
}

#[sqlx::test(migrations = false)]
async fn health_is_answered_while_a_large_report_is_built(pool: PgPool) {
    let w = large(pool, 3000).await;
    // The server runs on this test's single-threaded runtime: whatever a handler computes on it,
    // nothing else (health included) is answered meanwhile. The prober asks from a thread and a
    // runtime of its own, so that its clock keeps running whatever the server does.
    let addr = w._server.addr;
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = stop.clone();
    let prober = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let channel = tonic::transport::Channel::from_shared(format!("http://{addr}"))
                .unwrap()
                .connect()
                .await
                .unwrap();
            let mut health = HealthClient::new(channel);
            let (mut slowest, mut answered) = (Duration::ZERO, 0);
            while !stopped.load(Ordering::SeqCst) {
                let asked = Instant::now();
                health
                    .check(HealthCheckRequest {
                        service: String::new(),
                    })
                    .await
                    .unwrap();
                slowest = slowest.max(asked.elapsed());
                answered += 1;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            (slowest, answered)
        })
    });
    let report = w
        .reports
        .clone()
        .generate_report(pb::GenerateReportRequest {
            parent: "sessions/36".into(),
            request_id: rid(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    stop.store(true, Ordering::SeqCst);
    let (slowest, answered) = prober.join().unwrap();
    let computing = seconds_computing_reports();
    assert!(report.content_bytes < 1 << 20, "{}", report.content_bytes);
    assert!(answered > 0);
    // Most of a large report's time is spent building it; a server that built it on its
    // runtime would keep a health check waiting nearly that long.
    assert!(
        slowest.as_secs_f64() * 4.0 < computing,
        "a health check waited {slowest:?} while the report took {computing:.3} s to compute \
         ({answered} checks answered)"
    );
}

#[sqlx::test(migrations = false)]
async fn an_export_is_made_as_the_client_reads_it(pool: PgPool) {
    let mut w = large(pool, 3000).await;
    let report = w
        .reports
        .generate_report(pb::GenerateReportRequest {
            parent: "sessions/36".into(),
            request_id: rid(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    // A client that takes at most 64 KiB before it reads (HTTP/2 flow control; tonic's own
    // default would let 2 MiB travel unread).
    let small_window = tonic::transport::Channel::from_shared(format!("http://{}", w._server.addr))
        .unwrap()
        .initial_stream_window_size(65_535)
        .initial_connection_window_size(65_535)
        .connect()
        .await
        .unwrap();
    let before = export_bytes();
    let mut stream = pb::report_service_client::ReportServiceClient::new(small_window)
        .export_report(pb::ExportReportRequest {
            name: report.name.clone(),
            format: pb::ExportFormat::Html.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let first = stream.message().await.unwrap().unwrap();
    // The client stops reading: the server makes no more than its flow-control window, the
    // few queued chunks and the one being written.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let made_while_waiting = export_bytes() - before;
    let mut page = first.data;
    while let Some(chunk) = stream.message().await.unwrap() {
        page.extend(chunk.data);
    }
    let whole = page.len() as u64;
    assert_eq!(
        export_bytes() - before,
        whole,
        "every byte handed over once"
    );
    assert!(whole > 2_000_000, "the page is {whole} bytes");
    assert!(
        made_while_waiting < 1_000_000,
        "{made_while_waiting} of {whole} bytes made while the client was not reading"
    );
    let html = String::from_utf8(page).unwrap();
    assert!(html.trim_end().ends_with("</html>"), "the page is complete");
    assert!(html.contains("contributions/be-02999"));
}

async fn generate(w: &mut World) -> pb::Report {
    w.reports
        .generate_report(pb::GenerateReportRequest {
            parent: "sessions/36".into(),
            request_id: rid(),
            view: pb::ReportView::Full.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
}

/// The CSV part `name` of a report's export, as text.
async fn csv_part(w: &mut World, report: &str, name: &str) -> String {
    let mut stream = w
        .reports
        .export_report(pb::ExportReportRequest {
            name: report.into(),
            format: pb::ExportFormat::Csv.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let mut out = Vec::new();
    while let Some(chunk) = stream.message().await.unwrap() {
        if chunk.part == name {
            out.extend(chunk.data);
        }
    }
    String::from_utf8(out).unwrap()
}

#[sqlx::test(migrations = false)]
async fn the_stored_content_does_not_grow_with_the_contributions(pool: PgPool) {
    let mut w = large(pool, 1500).await;
    let n = generate(&mut w).await;
    import(&mut w, 1500..3000).await;
    let twice = generate(&mut w).await;
    // The same donor, twice the contributions: a few digits more in the totals, nothing more.
    let grown = twice.content_bytes - n.content_bytes;
    assert!(
        grown.abs() < 256,
        "{} bytes with 1500 contributions, {} with 3000",
        n.content_bytes,
        twice.content_bytes
    );
    assert_eq!(
        twice.content_bytes as usize,
        prost::Message::encoded_len(content(&twice))
    );
    let c = content(&twice);
    let m = c.multi_year_commitments.as_ref().unwrap();
    assert!(m.schedules.is_empty(), "schedules are in the annex");
    assert_eq!(m.schedule_count, 3000);
    // Each commitment's 2025 installment of EUR 1,000 is unpaid at 30 June: 3000 overdue.
    let q = c.data_quality.as_ref().unwrap();
    let overdue = pb::DataQualityKind::OverdueInstallment as i32;
    assert_eq!(
        q.counts.iter().find(|k| k.kind == overdue).map(|k| k.count),
        Some(3000)
    );
    assert_eq!(q.issues.iter().filter(|i| i.kind == overdue).count(), 20);
    // The donor-by-year table holds them all: EUR 3,000,000 for each of 2025 and 2026 at
    // 1.0850.
    assert_eq!(m.year_totals, ["3255000.00", "3255000.00"]);

    // The export carries every schedule, read again from the data as of the report's instant:
    // two installments each, and nothing of the later 1500 in the first report.
    let rows = |csv: &str| csv.lines().count() - 1;
    let schedules = csv_part(&mut w, &twice.name, "multi_year_schedules.csv").await;
    assert_eq!(rows(&schedules), 6000);
    assert!(schedules.contains("contributions/be-02999,"));
    let first = csv_part(&mut w, &n.name, "multi_year_schedules.csv").await;
    assert_eq!(rows(&first), 3000);
    assert!(!first.contains("contributions/be-01500,"));
    let quality = csv_part(&mut w, &twice.name, "data_quality.csv").await;
    assert_eq!(
        quality
            .lines()
            .filter(|l| l.contains("contributions/be-"))
            .count(),
        3000
    );
}
