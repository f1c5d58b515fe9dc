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

use super::fixture::{Voluntary, World, content};
use crate::support::{ok, rid};

/// Multi-year commitments of Belgium in the 36th session's period, imported in one stream:
/// each is a schedule of the report, and its 2025 installment is overdue at the status date.
async fn large(pool: PgPool, commitments: usize) -> World {
    let mut w = World::belgium_at_the_36th(pool).await;
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
    let report = ok(w
        .reports
        .clone()
        .generate_report(pb::GenerateReportRequest {
            parent: "sessions/36".into(),
            request_id: rid(),
            ..Default::default()
        }))
    .await;
    stop.store(true, Ordering::SeqCst);
    // Joined off the runtime: the server lives on it, and the prober's last check may still be
    // waiting for its answer.
    let (slowest, answered) = tokio::task::spawn_blocking(move || prober.join().unwrap())
        .await
        .unwrap();
    let computing = seconds_computing_reports();
    assert!(report.content_bytes < 1 << 20, "{}", report.content_bytes);
    assert!(answered > 0);
    // Most of a large report's time is spent building it; a server that built it on its
    // runtime would keep a health check waiting nearly that long. Half of it leaves room for a
    // loaded machine's scheduling (a check waited 165 ms beside a report of 0.62 s with eight
    // tests running) and still tells the two apart.
    assert!(
        slowest.as_secs_f64() * 2.0 < computing,
        "a health check waited {slowest:?} while the report took {computing:.3} s to compute \
         ({answered} checks answered)"
    );
}

#[sqlx::test(migrations = false)]
async fn an_export_is_made_as_the_client_reads_it(pool: PgPool) {
    let mut w = large(pool, 3000).await;
    let report = ok(w.reports.generate_report(pb::GenerateReportRequest {
        parent: "sessions/36".into(),
        request_id: rid(),
        ..Default::default()
    }))
    .await;
    // A client that takes at most 64 KiB before it reads (HTTP/2 flow control; tonic's own
    // default would let 2 MiB travel unread).
    let small_window = tonic::transport::Channel::from_shared(format!("http://{}", w._server.addr))
        .unwrap()
        .initial_stream_window_size(65_535)
        .initial_connection_window_size(65_535)
        .connect()
        .await
        .unwrap();
    // Every format, the annexes included: the schedules alone are over a megabyte in each.
    for format in [
        pb::ExportFormat::Html,
        pb::ExportFormat::Json,
        pb::ExportFormat::Csv,
        pb::ExportFormat::Markdown,
    ] {
        let before = export_bytes();
        let mut stream = ok(pb::report_service_client::ReportServiceClient::new(
            small_window.clone(),
        )
        .export_report(pb::ExportReportRequest {
            name: report.name.clone(),
            format: format.into(),
            ..Default::default()
        }))
        .await;
        let first = stream.message().await.unwrap().unwrap();
        // The client stops reading: the server makes no more than its flow-control window, the
        // few queued chunks and the one being written.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let made_while_waiting = export_bytes() - before;
        let mut page = first.data;
        let mut last_part = first.part;
        while let Some(chunk) = stream.message().await.unwrap() {
            page.extend(chunk.data);
            last_part = chunk.part;
        }
        let whole = page.len() as u64;
        assert_eq!(
            export_bytes() - before,
            whole,
            "{format:?}: every byte handed over once"
        );
        assert!(whole > 1_200_000, "{format:?}: the export is {whole} bytes");
        assert!(
            made_while_waiting < 1_000_000,
            "{format:?}: {made_while_waiting} of {whole} bytes made while the client was not \
             reading"
        );
        let text = String::from_utf8(page).unwrap();
        assert!(text.contains("contributions/be-02999"), "{format:?}");
        if format == pb::ExportFormat::Html {
            assert!(text.trim_end().ends_with("</html>"), "the page is complete");
        }
        if format == pb::ExportFormat::Json {
            assert_eq!(last_part, "annex_data_quality.jsonl");
        }
    }
}

/// The parts of an export of `report` in `format`, by name.
async fn export_parts(
    w: &mut World,
    report: &str,
    format: pb::ExportFormat,
) -> std::collections::BTreeMap<String, String> {
    let mut stream = ok(w.reports.export_report(pb::ExportReportRequest {
        name: report.into(),
        format: format.into(),
        ..Default::default()
    }))
    .await;
    let mut parts = std::collections::BTreeMap::<String, Vec<u8>>::new();
    while let Some(chunk) = stream.message().await.unwrap() {
        parts.entry(chunk.part).or_default().extend(chunk.data);
    }
    parts
        .into_iter()
        .map(|(name, data)| (name, String::from_utf8(data).unwrap()))
        .collect()
}

/// The text of `doc` from `start` to the first `end` after it.
fn between<'a>(doc: &'a str, start: &str, end: &str) -> &'a str {
    let from = doc
        .find(start)
        .unwrap_or_else(|| panic!("{start} is in the document"));
    let rest = &doc[from..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

#[sqlx::test(migrations = false)]
async fn every_format_carries_the_annexes_whole(pool: PgPool) {
    // What the test wrote: Belgium's commitments be-00000.. (each EUR 2,000 in two installments
    // of 2025-06-30 and 2026-06-30, nothing received, so the first is overdue on the status date
    // 30 June 2025) and pledges pl-000.. of EUR 100, signed in the period. More of each than the
    // stored content keeps.
    let (commitments, pledges) = (2500, 25);
    let mut w = large(pool, commitments).await;
    for i in 0..pledges {
        let id = format!("pl-{i:03}");
        w.voluntary(Voluntary {
            status: pb::FlowStatus::Pledge,
            agreement_date: "2025-03-05",
            ..Voluntary::simple(&id, "belgium", "EUR", &[("2025-12-31", "100.00")])
        })
        .await;
    }
    let be: std::collections::BTreeSet<String> = (0..commitments)
        .map(|i| format!("contributions/be-{i:05}"))
        .collect();
    let pl: std::collections::BTreeSet<String> = (0..pledges)
        .map(|i| format!("contributions/pl-{i:03}"))
        .collect();
    // EUR 2,000 outstanding at 1.0850 each.
    let outstanding: rust_decimal::Decimal =
        rust_decimal::Decimal::from(commitments as i64) * rust_decimal::Decimal::new(217000, 2);
    let report = generate(&mut w).await;
    let c = content(&report);
    assert!(
        c.multi_year_commitments
            .as_ref()
            .unwrap()
            .schedules
            .is_empty()
    );
    assert_eq!(
        c.voluntary_contributions.as_ref().unwrap().pledges.len(),
        20
    );

    // JSON: the report, then one message per line of each annex.
    let json = export_parts(&mut w, &report.name, pb::ExportFormat::Json).await;
    assert_eq!(
        json.keys().collect::<Vec<_>>(),
        [
            "annex_changes.jsonl",
            "annex_data_quality.jsonl",
            "annex_overdue_installments.jsonl",
            "annex_pledges.jsonl",
            "annex_schedules.jsonl",
            "report.json"
        ]
    );
    let exported: pb::Report = scpf_reports::pb::json::from_str(&json["report.json"]).unwrap();
    assert_eq!(exported.content_sha256, report.content_sha256);
    let schedules: Vec<pb::Schedule> = json["annex_schedules.jsonl"]
        .lines()
        .map(|l| scpf_reports::pb::json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        schedules
            .iter()
            .map(|s| s.contribution.clone())
            .collect::<std::collections::BTreeSet<_>>(),
        be
    );
    assert_eq!(schedules.len(), commitments);
    assert!(schedules.iter().all(|s| s.donor == "organizations/belgium"
        && s.donor_name == "Belgium"
        && s.installments.len() == 2
        && s.outstanding.as_ref().unwrap().amount == "2000.00"
        && s.outstanding_converted == "2170.00"));
    let pledge_lines: Vec<pb::PledgeLine> = json["annex_pledges.jsonl"]
        .lines()
        .map(|l| scpf_reports::pb::json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        pledge_lines
            .iter()
            .map(|p| p.contribution.clone())
            .collect::<std::collections::BTreeSet<_>>(),
        pl
    );
    let overdue: Vec<pb::DataQualityIssue> = json["annex_overdue_installments.jsonl"]
        .lines()
        .map(|l| scpf_reports::pb::json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        overdue
            .iter()
            .map(|i| i.subject.clone())
            .collect::<std::collections::BTreeSet<_>>(),
        be
    );
    assert_eq!(overdue.len(), commitments);

    // CSV: the annexed tables written whole.
    let csv = export_parts(&mut w, &report.name, pb::ExportFormat::Csv).await;
    let rows = |name: &str| -> Vec<csv::StringRecord> {
        csv::Reader::from_reader(csv[name].as_bytes())
            .records()
            .map(Result::unwrap)
            .collect()
    };
    let commitments_csv = rows("multi_year_commitments.csv");
    assert_eq!(commitments_csv.len(), commitments + 1, "and the total");
    let total = commitments_csv.last().unwrap();
    assert_eq!(&total[0], "Total");
    assert_eq!(
        total[16].parse::<rust_decimal::Decimal>().unwrap(),
        outstanding
    );
    let sum: rust_decimal::Decimal = commitments_csv[..commitments]
        .iter()
        .map(|r| r[16].parse::<rust_decimal::Decimal>().unwrap())
        .sum();
    assert_eq!(sum, outstanding);
    assert_eq!(rows("multi_year_schedules.csv").len(), 2 * commitments);
    assert_eq!(rows("pledges.csv").len(), pledges);
    assert_eq!(
        rows("data_quality.csv")
            .iter()
            .filter(|r| &r[0] == "OVERDUE_INSTALLMENT" || r[1].starts_with("contributions/be-"))
            .count(),
        commitments
    );

    // Markdown and HTML: the annex sections after the document.
    let md = export_parts(&mut w, &report.name, pb::ExportFormat::Markdown).await;
    let md = &md["report.md"];
    let schedules_annex = between(md, "## Annex: schedules", "## Annex: pledges");
    assert_eq!(
        schedules_annex.matches("contributions/be-").count(),
        commitments
    );
    assert_eq!(
        schedules_annex
            .matches("| Belgium | 30 June 2025 |")
            .count()
            + schedules_annex
                .matches("| Belgium | 30 June 2026 |")
                .count(),
        2 * commitments
    );
    let pledges_annex = between(md, "## Annex: pledges", "## Annex: changes");
    assert_eq!(
        pledges_annex.matches("| Belgium | 5 March 2025 |").count(),
        pledges
    );
    let overdue_annex = between(md, "## Annex: overdue installments", "\n---\n");
    assert_eq!(
        overdue_annex.matches("contributions/be-").count(),
        commitments
    );
    assert!(
        md.trim_end().ends_with('`'),
        "the footer closes the document"
    );

    let html = export_parts(&mut w, &report.name, pb::ExportFormat::Html).await;
    let html = &html["report.html"];
    let schedules_annex = between(html, "<section id=\"annex-schedules\">", "</section>");
    assert_eq!(
        schedules_annex.matches(">contributions/be-").count(),
        commitments
    );
    let pledges_annex = between(html, "<section id=\"annex-pledges\">", "</section>");
    assert_eq!(pledges_annex.matches(">5 March 2025<").count(), pledges);
    let overdue_annex = between(html, "<section id=\"annex-overdue\">", "</section>");
    assert_eq!(
        overdue_annex.matches(">contributions/be-").count(),
        commitments
    );
    let doc = scraper::Html::parse_document(html);
    assert!(
        doc.errors.is_empty(),
        "HTML parse errors: {:?}",
        &doc.errors[..doc.errors.len().min(5)]
    );
}

async fn generate(w: &mut World) -> pb::Report {
    ok(w.reports.generate_report(pb::GenerateReportRequest {
        parent: "sessions/36".into(),
        request_id: rid(),
        view: pb::ReportView::Full.into(),
        ..Default::default()
    }))
    .await
}

/// The CSV part `name` of a report's export, as text.
async fn csv_part(w: &mut World, report: &str, name: &str) -> String {
    let mut stream = ok(w.reports.export_report(pb::ExportReportRequest {
        name: report.into(),
        format: pb::ExportFormat::Csv.into(),
        ..Default::default()
    }))
    .await;
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

#[sqlx::test(migrations = false)]
async fn every_change_and_doubtful_contribution_is_annexed_once(pool: PgPool) {
    // The 36th session's report is made final with Belgium's commitments be-00000..be-00149 (see
    // `large`). Before the 37th's, 160 more commitments are recorded (be-00150..be-00309) and 30
    // pledges of EUR 100 (pq-000..pq-029), each with EUR 50 received: 190 new contributions, and
    // 30 pledges with receipts; more of each than the stored content lists.
    let mut w = large(pool, 150).await;
    w.session(
        37,
        ("2025-10-27", "2025-10-28"),
        ("2025-07-01", "2025-09-30"),
    )
    .await;
    w.rate("EUR", "USD", "2025-09", "1.1200").await;
    let r36 = w.generate(36, None).await;
    ok(w.reports.finalize_report(pb::FinalizeReportRequest {
        name: r36.name.clone(),
        etag: r36.etag.clone(),
        request_id: rid(),
    }))
    .await;
    import(&mut w, 150..310).await;
    let (new_commitments, pledges) = (160, 30);
    for i in 0..pledges {
        let id = format!("pq-{i:03}");
        w.voluntary(Voluntary {
            status: pb::FlowStatus::Pledge,
            agreement_date: "2025-08-05",
            ..Voluntary::simple(&id, "belgium", "EUR", &[("2025-12-31", "100.00")])
        })
        .await;
        w.receipt(&id, "2025-08-20", "EUR", "50.00").await;
    }
    let new: std::collections::BTreeSet<String> = (150..150 + new_commitments)
        .map(|i| format!("contributions/be-{i:05}"))
        .chain((0..pledges).map(|i| format!("contributions/pq-{i:03}")))
        .collect();
    let doubtful: std::collections::BTreeSet<String> = (0..pledges)
        .map(|i| format!("contributions/pq-{i:03}"))
        .collect();
    let r37 = w.generate(37, None).await;
    let c = content(&r37);
    let ch = c.changes_since_previous.as_ref().unwrap();
    assert_eq!(ch.previous_report, r36.name);
    assert_eq!(ch.contribution_changes as usize, new.len());
    assert_eq!(
        ch.statements
            .iter()
            .filter(|s| !s.contribution.is_empty())
            .count(),
        100
    );
    let with_receipts = pb::DataQualityKind::PledgeWithReceipts as i32;
    let q = c.data_quality.as_ref().unwrap();
    assert_eq!(
        q.counts
            .iter()
            .find(|k| k.kind == with_receipts)
            .map(|k| k.count),
        Some(pledges as i32)
    );
    assert_eq!(
        q.issues.iter().filter(|i| i.kind == with_receipts).count(),
        20
    );

    // JSON: one line per change and per entry.
    let json = export_parts(&mut w, &r37.name, pb::ExportFormat::Json).await;
    let changes: Vec<pb::ReportChange> = json["annex_changes.jsonl"]
        .lines()
        .map(|l| scpf_reports::pb::json::from_str(l).unwrap())
        .collect();
    assert_eq!(changes.len(), new.len());
    assert_eq!(
        changes
            .iter()
            .map(|c| c.contribution.clone())
            .collect::<std::collections::BTreeSet<_>>(),
        new
    );
    assert!(
        changes
            .iter()
            .all(|c| c.kind() == pb::ChangeKind::ContributionNew)
    );
    let entries: Vec<pb::DataQualityIssue> = json["annex_data_quality.jsonl"]
        .lines()
        .map(|l| scpf_reports::pb::json::from_str(l).unwrap())
        .collect();
    assert_eq!(entries.len(), pledges);
    assert_eq!(
        entries
            .iter()
            .map(|i| i.subject.clone())
            .collect::<std::collections::BTreeSet<_>>(),
        doubtful
    );
    assert!(
        entries
            .iter()
            .all(|i| i.kind == with_receipts && i.amount.as_ref().unwrap().amount == "50.00")
    );

    // CSV: the statements and the entries written whole.
    let csv = export_parts(&mut w, &r37.name, pb::ExportFormat::Csv).await;
    let rows = |name: &str| -> Vec<csv::StringRecord> {
        csv::Reader::from_reader(csv[name].as_bytes())
            .records()
            .map(Result::unwrap)
            .collect()
    };
    let stated: Vec<String> = rows("changes_stated.csv")
        .iter()
        .filter(|r| !r[4].is_empty())
        .map(|r| r[4].to_owned())
        .collect();
    assert_eq!(stated.len(), new.len());
    assert_eq!(
        stated
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>(),
        new
    );
    let quality: Vec<String> = rows("data_quality.csv")
        .iter()
        .filter(|r| &r[0] == "pledge with receipts")
        .map(|r| r[1].to_owned())
        .collect();
    assert_eq!(quality.len(), pledges);
    assert_eq!(
        quality
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>(),
        doubtful
    );

    // Markdown and HTML: an annex section each.
    let md = export_parts(&mut w, &r37.name, pb::ExportFormat::Markdown).await;
    let md = &md["report.md"];
    let changes_annex = between(
        md,
        "## Annex: changes to contributions",
        "## Annex: overdue installments",
    );
    for id in &new {
        assert_eq!(changes_annex.matches(&format!("{id} ")).count(), 1, "{id}");
    }
    assert_eq!(
        changes_annex.matches("New contribution: Belgium").count(),
        new_commitments
    );
    assert_eq!(
        changes_annex.matches("New pledge: Belgium").count(),
        pledges
    );
    let quality_annex = between(md, "## Annex: overpaid contributions", "\n---\n");
    assert_eq!(quality_annex.matches("contributions/pq-").count(), pledges);
    let html = export_parts(&mut w, &r37.name, pb::ExportFormat::Html).await;
    let html = &html["report.html"];
    let changes_annex = between(html, "<section id=\"annex-changes\">", "</section>");
    assert_eq!(changes_annex.matches(">contributions/").count(), new.len());
    let quality_annex = between(html, "<section id=\"annex-quality\">", "</section>");
    assert_eq!(quality_annex.matches(">contributions/pq-").count(), pledges);
}
