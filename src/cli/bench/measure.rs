//! The measurements of the bench, each adding its rows to the table.

use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use anyhow::Context;
use futures::{StreamExt, TryStreamExt};
use prost::Message;
use serde_json::json;
use sqlx::{PgPool, postgres::PgConnectOptions};
use tonic::Code;

use super::{
    BenchArgs, Figure,
    generate::{self, Generator},
    load::{self, Latencies},
    server::Server,
};
use crate::{
    api::contributions::parse_create,
    cli::client::Connection,
    pb::{
        self, contribution_service_client::ContributionServiceClient,
        exchange_rate_service_client::ExchangeRateServiceClient,
        organization_service_client::OrganizationServiceClient,
        programme_service_client::ProgrammeServiceClient,
        report_service_client::ReportServiceClient, result_service_client::ResultServiceClient,
        session_service_client::SessionServiceClient,
    },
    store::bench::{self as sql, ReceiptRow},
};

/// Rows per ImportContributions call, as `scpf-reports import` sends them.
const IMPORT_ROWS_PER_CALL: usize = 2000;
/// Rows per ImportMeasurements call.
const MEASUREMENT_ROWS_PER_CALL: usize = 5000;
/// The session whose report is measured: the last one generated, 2025's second half.
const SESSION: i32 = 37;
/// Largest message the bench accepts from the server (a large report is returned whole).
const MAX_MESSAGE: usize = 256 * 1024 * 1024;

fn reports(conn: &Connection) -> ReportServiceClient<Connection> {
    ReportServiceClient::new(conn.clone())
        .max_decoding_message_size(MAX_MESSAGE)
        .max_encoding_message_size(MAX_MESSAGE)
}

fn contributions(conn: &Connection) -> ContributionServiceClient<Connection> {
    ContributionServiceClient::new(conn.clone())
        .max_decoding_message_size(MAX_MESSAGE)
        .max_encoding_message_size(MAX_MESSAGE)
}

/// A Create request of the reference data, sent on a client of its service.
trait Create {
    fn create(self, conn: &Connection) -> impl Future<Output = Result<(), tonic::Status>>;
}

macro_rules! create {
    ($($request:ident => $client:ident::$method:ident),* $(,)?) => {$(
        impl Create for pb::$request {
            async fn create(self, conn: &Connection) -> Result<(), tonic::Status> {
                $client::new(conn.clone()).$method(self).await.map(drop)
            }
        }
    )*};
}

create!(
    CreateOrganizationRequest => OrganizationServiceClient::create_organization,
    CreateSessionRequest => SessionServiceClient::create_session,
    CreateExchangeRateRequest => ExchangeRateServiceClient::create_exchange_rate,
    CreateProgrammeRequest => ProgrammeServiceClient::create_programme,
    CreateIndicatorRequest => ResultServiceClient::create_indicator,
);

/// Creates `rows` (`what` they are) with `concurrency` calls at once; a row that already exists
/// counts as done.
async fn create_all<R: Create>(
    conn: &Connection,
    what: &str,
    rows: Vec<R>,
    concurrency: usize,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    futures::stream::iter(rows)
        .map(|r| r.create(conn))
        .buffer_unordered(concurrency)
        .map(|result| match result {
            Ok(()) => Ok(()),
            Err(s) if s.code() == Code::AlreadyExists => Ok(()),
            Err(s) => Err(anyhow::anyhow!(
                "creating {what}: {:?}: {}",
                s.code(),
                s.message()
            )),
        })
        .try_collect::<Vec<()>>()
        .await?;
    Ok(started.elapsed())
}

/// [`create_all`] with calls of `method`, 16 at a time, adding how many a second to the figures.
async fn create_timed<R: Create>(
    conn: &Connection,
    figures: &mut Vec<Figure>,
    method: &str,
    what: &str,
    rows: Vec<R>,
) -> anyhow::Result<()> {
    const AT_ONCE: usize = 16;
    let count = rows.len();
    let took = create_all(conn, what, rows, AT_ONCE).await?;
    figures.push(Figure::new(
        "write",
        format!("{method}, {count} calls, {AT_ONCE} at a time"),
        count as f64 / took.as_secs_f64().max(1e-9),
        "rows/s",
    ));
    Ok(())
}

/// Donors, sessions, rates, programmes and indicators, through the API.
pub async fn reference_data(
    server: &Server,
    generator: &Generator,
    figures: &mut Vec<Figure>,
) -> anyhow::Result<()> {
    let conn = &server.connect().await?;
    eprintln!("bench: reference data");
    create_all(conn, "organizations", generator.organizations(), 8).await?;
    create_all(conn, "sessions", generator.sessions(), 4).await?;
    let rates = generator.rates();
    create_timed(conn, figures, "CreateExchangeRate", "exchange rates", rates).await?;
    let programmes = generator.programmes();
    create_timed(conn, figures, "CreateProgramme", "programmes", programmes).await?;
    let indicators = generator.indicators();
    create_timed(conn, figures, "CreateIndicator", "indicators", indicators).await?;
    Ok(())
}

/// ImportMeasurements of every generated measurement.
pub async fn measurements(
    server: &Server,
    generator: &Generator,
    figures: &mut Vec<Figure>,
) -> anyhow::Result<()> {
    let rows = generator.measurements();
    if rows.is_empty() {
        return Ok(());
    }
    eprintln!("bench: {} measurements", rows.len());
    let conn = server.connect().await?;
    let mut client = ResultServiceClient::new(conn)
        .max_decoding_message_size(MAX_MESSAGE)
        .max_encoding_message_size(MAX_MESSAGE);
    let count = rows.len();
    let started = Instant::now();
    let mut written = 0;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(MEASUREMENT_ROWS_PER_CALL).collect();
        let response = client
            .import_measurements(futures::stream::iter(chunk))
            .await?
            .into_inner();
        if let Some(failed) = response.results.iter().find(|r| r.code != 0) {
            anyhow::bail!("a generated measurement was refused: {failed:?}");
        }
        written += response.written + response.replayed;
    }
    let took = started.elapsed();
    figures.push(
        Figure::new(
            "write",
            format!("ImportMeasurements, {count} rows in calls of {MEASUREMENT_ROWS_PER_CALL}"),
            count as f64 / took.as_secs_f64(),
            "rows/s",
        )
        .detail(json!({ "rows": written, "seconds": took.as_secs_f64() })),
    );
    Ok(())
}

/// Brings the contributions up to `target`: the same rows first through plain COPY (rolled
/// back), then through ImportContributions; then their receipts.
pub async fn import_step(
    server: &Server,
    pool: &PgPool,
    seed: u64,
    target: usize,
    rows: Vec<pb::ImportContributionsRequest>,
    figures: &mut Vec<Figure>,
) -> anyhow::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let count = rows.len();
    eprintln!("bench: {count} contributions (to {target})");
    let domain = rows
        .iter()
        .map(|r| {
            let req = r
                .contribution
                .as_ref()
                .context("a generated row without a request")?;
            parse_create(req).map_err(|e| anyhow::anyhow!("a generated row is invalid: {e}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let copy = sql::copy_contributions(pool, &domain).await?;
    drop(domain);

    let mut client = contributions(&server.connect().await?);
    let started = Instant::now();
    for chunk in rows.chunks(IMPORT_ROWS_PER_CALL) {
        let response = client
            .import_contributions(futures::stream::iter(chunk.to_vec()))
            .await?
            .into_inner();
        if let Some(failed) = response.results.iter().find(|r| r.code != 0) {
            anyhow::bail!("a generated contribution was refused: {failed:?}");
        }
    }
    let took = started.elapsed();
    let installments: usize = rows
        .iter()
        .filter_map(|r| r.contribution.as_ref()?.contribution.as_ref())
        .map(|c| c.installments.len())
        .sum();
    let rate = count as f64 / took.as_secs_f64();
    let copy_rate = count as f64 / copy.as_secs_f64();
    figures.push(
        Figure::new(
            "import",
            format!("ImportContributions, +{count} to {target} (vs COPY)"),
            rate,
            "rows/s",
        )
        .against(copy_rate)
        .goal_ratio(">= 0.5 of COPY", |r| r >= 0.5)
        .detail(json!({
            "rows": count,
            "installments": installments,
            "import_seconds": took.as_secs_f64(),
            "copy_seconds": copy.as_secs_f64(),
            "rows_per_call": IMPORT_ROWS_PER_CALL,
        })),
    );

    let receipts = generate::receipts(seed, &rows);
    let receipt_rows: Vec<ReceiptRow> = receipts
        .iter()
        .map(|r| ReceiptRow {
            id: &r.id,
            contribution_id: &r.contribution_id,
            received_date: r.received_date,
            amount: r.amount,
        })
        .collect();
    sql::load_receipts(pool, &receipt_rows).await?;
    Ok(())
}

/// The amount of a decimal string, or 0.
fn decimal(text: &str) -> rust_decimal::Decimal {
    text.parse().unwrap_or_default()
}

/// The 36th session's final report, as the committee would have it before the 37th's: made
/// (generated, then finalized) at the first step, so that every report of the 37th session
/// states its changes since it (section 8), as a real one does. Its generation is a figure.
async fn previous_final(
    client: &mut ReportServiceClient<Connection>,
    target: usize,
    figures: &mut Vec<Figure>,
) -> anyhow::Result<()> {
    let previous = SESSION - 1;
    let finals = client
        .list_reports(pb::ListReportsRequest {
            parent: format!("sessions/{previous}"),
            filter: "state = FINAL".into(),
            ..Default::default()
        })
        .await?
        .into_inner();
    if !finals.reports.is_empty() {
        return Ok(());
    }
    let started = Instant::now();
    let report = client
        .generate_report(pb::GenerateReportRequest {
            parent: format!("sessions/{previous}"),
            request_id: uuid::Uuid::new_v4().to_string(),
            ..Default::default()
        })
        .await
        .with_context(|| format!("GenerateReport of session {previous}"))?
        .into_inner();
    figures.push(Figure::new(
        "report",
        format!("GenerateReport, session {previous} (then finalized), {target} contributions"),
        started.elapsed().as_secs_f64(),
        "s",
    ));
    client
        .finalize_report(pb::FinalizeReportRequest {
            name: report.name,
            etag: report.etag,
            request_id: uuid::Uuid::new_v4().to_string(),
        })
        .await
        .with_context(|| format!("FinalizeReport of session {previous}"))?;
    Ok(())
}

/// GenerateReport of the 37th session right after the import, then twice more; and the
/// hand-written SQL of its totals. The 36th session's final report is made at the first step.
pub async fn report_step(
    server: &Server,
    pool: &PgPool,
    target: usize,
    figures: &mut Vec<Figure>,
) -> anyhow::Result<()> {
    let mut client = reports(&server.connect().await?);
    previous_final(&mut client, target, figures).await?;
    let mut times = Vec::new();
    let mut first = None;
    for run in 0..3 {
        let started = Instant::now();
        let report = client
            .generate_report(pb::GenerateReportRequest {
                parent: format!("sessions/{SESSION}"),
                request_id: uuid::Uuid::new_v4().to_string(),
                view: pb::ReportView::Full.into(),
                ..Default::default()
            })
            .await
            .with_context(|| format!("GenerateReport at {target} contributions"))?
            .into_inner();
        times.push(started.elapsed().as_secs_f64());
        if run == 0 {
            first = Some(report);
        }
    }
    let report = first.context("no report")?;
    let as_of = report
        .as_of
        .as_ref()
        .and_then(|t| chrono::DateTime::from_timestamp(t.seconds, t.nanos.max(0) as u32))
        .context("the report has no as_of")?;
    let period = report
        .content
        .as_ref()
        .and_then(|c| c.header.as_ref())
        .and_then(|h| {
            Some((
                h.reporting_period_start.parse().ok()?,
                h.reporting_period_end.parse().ok()?,
            ))
        })
        .unwrap_or((
            chrono::NaiveDate::from_ymd_opt(2025, 7, 1).unwrap_or_default(),
            chrono::NaiveDate::from_ymd_opt(2025, 12, 31).unwrap_or_default(),
        ));
    let mut sql_times = Vec::new();
    let mut totals = None;
    for _ in 0..3 {
        let (t, took) = sql::report_totals(pool, as_of, period).await?;
        sql_times.push(took.as_secs_f64());
        totals = Some(t);
    }
    let totals = totals.context("no totals")?;
    let voluntary = report
        .content
        .as_ref()
        .and_then(|c| c.voluntary_contributions.as_ref());
    let same = voluntary.map(|v| {
        decimal(&v.total_paid) == totals.paid && decimal(&v.total_committed) == totals.committed
    });
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (report_median, sql_median) = (median(times.clone()), median(sql_times.clone()));
    figures.push(
        Figure::new(
            "report",
            format!("GenerateReport, session {SESSION}, {target} contributions (vs SQL)"),
            report_median,
            "s",
        )
        .against(sql_median)
        .goal_ratio("<= 1.5 x the SQL", |r| r <= 1.5)
        .detail(json!({
            "report_seconds": times,
            "sql_seconds": sql_times,
            "first_after_import_seconds": times[0],
            "report_bytes": report.encoded_len(),
            "sql_totals": totals,
            "report_total_paid": voluntary.map(|v| v.total_paid.clone()),
            "report_total_committed": voluntary.map(|v| v.total_committed.clone()),
            "totals_match": same,
            "contribution_changes": report
                .content
                .as_ref()
                .and_then(|c| c.changes_since_previous.as_ref())
                .map(|c| c.contribution_changes),
        })),
    );
    if same == Some(false) {
        eprintln!(
            "bench: the report's voluntary totals differ from the SQL's: {:?} vs {totals:?}",
            voluntary.map(|v| (&v.total_paid, &v.total_committed))
        );
    }
    Ok(())
}

/// A number from `c` and `n` that spreads the calls of every client over the rows.
fn spread(c: usize, n: u64, rows: usize) -> usize {
    let x = (c as u64)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(n.wrapping_mul(0xBF58_476D_1CE4_E5B9));
    (x ^ (x >> 31)) as usize % rows.max(1)
}

/// The server's own mean time for `method` over what `work` did, in milliseconds.
async fn with_server_time<F, Fut>(
    server: &Server,
    method: &str,
    work: F,
) -> anyhow::Result<(Latencies, f64)>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Latencies>>,
{
    let (count0, sum0) = server.handling(method).await?;
    let latencies = work().await?;
    let (count1, sum1) = server.handling(method).await?;
    let mean_ms = if count1 > count0 {
        (sum1 - sum0) / (count1 - count0) * 1000.0
    } else {
        f64::NAN
    };
    Ok((latencies, mean_ms))
}

fn latency_figures(
    figures: &mut Vec<Figure>,
    name: &str,
    clients: usize,
    l: &Latencies,
    server_ms: f64,
) {
    let detail = json!({ "latencies": l, "server_mean_ms": server_ms, "clients": clients });
    figures.push(
        Figure::new(
            "read",
            format!("{name}, {clients} clients: rate"),
            l.per_second,
            "call/s",
        )
        .detail(detail.clone()),
    );
    figures.push(
        Figure::new(
            "read",
            format!("{name}, {clients} clients: p99"),
            l.p99_ms,
            "ms",
        )
        .goal_value("< 10 ms", |v| v < 10.0),
    );
    figures.push(
        Figure::new(
            "read",
            format!("{name}, {clients} clients: p50 (vs server's mean)"),
            l.p50_ms,
            "ms",
        )
        .against(server_ms)
        .goal_value("within 1 ms of the server's time", |v| v - server_ms <= 1.0),
    );
}

/// Get and List at each number of concurrent clients, and the sequential listing of issue 10.
pub async fn reads(
    server: &Server,
    args: &BenchArgs,
    contributions_loaded: usize,
    figures: &mut Vec<Figure>,
) -> anyhow::Result<()> {
    eprintln!("bench: reads");
    let conn = server.connect().await?;
    let orgs = OrganizationServiceClient::new(conn.clone());
    let (l, server_ms) = with_server_time(server, "ListOrganizations", || {
        load::sequential(200, |_| {
            let mut c = orgs.clone();
            async move {
                c.list_organizations(pb::ListOrganizationsRequest {
                    page_size: 50,
                    ..Default::default()
                })
                .await?;
                Ok(())
            }
        })
    })
    .await?;
    latency_figures(
        figures,
        "ListOrganizations page_size 50, 200 in a row",
        1,
        &l,
        server_ms,
    );

    if contributions_loaded == 0 {
        return Ok(());
    }
    for &clients in &args.clients {
        let conns = server.connections(clients.clamp(1, 8)).await?;
        let (l, server_ms) = with_server_time(server, "GetContribution", || {
            let conns = conns.clone();
            load::concurrent(clients, args.duration, move |c, n| {
                let mut client = ContributionServiceClient::new(conns[c % conns.len()].clone());
                let name = format!(
                    "contributions/{}",
                    generate::contribution_id(spread(c, n, contributions_loaded))
                );
                async move {
                    client
                        .get_contribution(pb::GetContributionRequest {
                            name,
                            ..Default::default()
                        })
                        .await?;
                    Ok(())
                }
            })
        })
        .await?;
        latency_figures(figures, "GetContribution", clients, &l, server_ms);

        let (l, server_ms) = with_server_time(server, "ListContributions", || {
            let conns = conns.clone();
            load::concurrent(clients, args.duration, move |c, _| {
                let mut client = ContributionServiceClient::new(conns[c % conns.len()].clone());
                async move {
                    client
                        .list_contributions(pb::ListContributionsRequest {
                            page_size: 50,
                            ..Default::default()
                        })
                        .await?;
                    Ok(())
                }
            })
        })
        .await?;
        latency_figures(
            figures,
            "ListContributions page_size 50",
            clients,
            &l,
            server_ms,
        );
    }
    Ok(())
}

/// The pgbench program: the one given, else on PATH, else in the PostgreSQL installation.
pub fn find_pgbench(given: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = given {
        return Some(path.to_owned());
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("pgbench"))
            .find(|p| p.is_file())
    });
    on_path.or_else(|| {
        let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("bin/pgbench"))
            .filter(|p| p.is_file())
            .collect();
        found.sort();
        found.pop()
    })
}

/// `pgbench -S` (a primary-key SELECT per transaction) at each number of clients.
pub async fn pgbench(
    program: &Path,
    db: &PgConnectOptions,
    args: &BenchArgs,
    figures: &mut Vec<Figure>,
) -> anyhow::Result<()> {
    eprintln!("bench: pgbench -S");
    let connection = |cmd: &mut tokio::process::Command| {
        cmd.arg("-h")
            .arg(db.get_host())
            .arg("-p")
            .arg(db.get_port().to_string())
            .arg("-U")
            .arg(db.get_username())
            .arg(db.get_database().unwrap_or("postgres"));
    };
    let mut init = tokio::process::Command::new(program);
    init.args(["-i", "-q", "-s", &args.pgbench_scale.to_string()]);
    connection(&mut init);
    let out = init.output().await.context("running pgbench -i")?;
    anyhow::ensure!(
        out.status.success(),
        "pgbench -i failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for &clients in &args.clients {
        let mut run = tokio::process::Command::new(program);
        run.args([
            "-S",
            "-n",
            "-M",
            "prepared",
            "-c",
            &clients.to_string(),
            "-j",
            &clients.min(4).to_string(),
            "-T",
            &args.duration.as_secs().max(1).to_string(),
        ]);
        connection(&mut run);
        let out = run.output().await.context("running pgbench -S")?;
        let text = String::from_utf8_lossy(&out.stdout);
        anyhow::ensure!(
            out.status.success(),
            "pgbench -S failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let field = |prefix: &str| -> Option<f64> {
            text.lines()
                .find_map(|l| l.trim().strip_prefix(prefix))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|v| v.parse().ok())
        };
        let tps = field("tps = ").context("no tps in pgbench's output")?;
        figures.push(
            Figure::new(
                "pgbench",
                format!("pgbench -S, {clients} clients: rate"),
                tps,
                "call/s",
            )
            .detail(
                json!({ "latency_average_ms": field("latency average = "), "clients": clients }),
            ),
        );
    }
    Ok(())
}

/// Adds to each Get rate the pgbench rate at the same number of clients.
pub fn compare_reads_with_pgbench(figures: &mut [Figure]) {
    let pgbench: Vec<(String, f64)> = figures
        .iter()
        .filter(|f| f.group == "pgbench")
        .map(|f| (f.name.replace("pgbench -S", ""), f.value))
        .collect();
    for f in figures.iter_mut().filter(|f| f.group == "read") {
        for (suffix, tps) in &pgbench {
            if f.name.ends_with(suffix.as_str()) && f.name.starts_with("GetContribution") {
                let goal = f.name.contains(" 64 clients");
                *f = f.clone().against(*tps);
                if goal {
                    *f = f
                        .clone()
                        .goal_ratio(">= 0.5 of pgbench -S at 64 clients", |r| r >= 0.5);
                }
            }
        }
    }
}

/// ExportReport of the largest report and a listing of every contribution, with the server's
/// peak memory during each.
pub async fn streaming(
    server: &Server,
    contributions_loaded: usize,
    figures: &mut Vec<Figure>,
) -> anyhow::Result<()> {
    eprintln!("bench: export and listing");
    let conn = server.connect().await?;
    let mut client = reports(&conn);
    let latest = client
        .list_reports(pb::ListReportsRequest {
            parent: format!("sessions/{SESSION}"),
            page_size: 1000,
            ..Default::default()
        })
        .await?
        .into_inner()
        .reports
        .into_iter()
        .max_by_key(|r| r.revision);
    if let Some(report) = latest {
        for (format, label) in [
            (pb::ExportFormat::Json, "JSON"),
            (pb::ExportFormat::Csv, "CSV"),
            (pb::ExportFormat::Markdown, "Markdown"),
            (pb::ExportFormat::Html, "HTML"),
        ] {
            server.reset_peak_memory()?;
            let before = server.memory()?;
            let started = Instant::now();
            let mut stream = client
                .export_report(pb::ExportReportRequest {
                    name: report.name.clone(),
                    format: format.into(),
                    language: String::new(),
                })
                .await?
                .into_inner();
            let mut bytes = 0usize;
            while let Some(chunk) = stream.message().await? {
                bytes += chunk.data.len();
            }
            let took = started.elapsed().as_secs_f64();
            let peak = server.peak_memory()?;
            figures.push(
                Figure::new(
                    "stream",
                    format!(
                        "ExportReport {label}, {:.1} MB: throughput",
                        bytes as f64 / 1e6
                    ),
                    bytes as f64 / 1e6 / took,
                    "MB/s",
                )
                .detail(json!({ "bytes": bytes, "seconds": took, "report": report.name })),
            );
            figures.push(memory_figure(
                format!("ExportReport {label}: server peak RSS"),
                peak,
                before,
            ));
        }
    }

    if contributions_loaded > 0 {
        let mut client = contributions(&conn);
        server.reset_peak_memory()?;
        let before = server.memory()?;
        let started = Instant::now();
        let (mut rows, mut token) = (0usize, String::new());
        loop {
            let page = client
                .list_contributions(pb::ListContributionsRequest {
                    page_size: 1000,
                    page_token: token,
                    ..Default::default()
                })
                .await?
                .into_inner();
            rows += page.contributions.len();
            token = page.next_page_token;
            if token.is_empty() {
                break;
            }
        }
        let took = started.elapsed().as_secs_f64();
        let peak = server.peak_memory()?;
        figures.push(
            Figure::new(
                "stream",
                format!("ListContributions page_size 1000 through {rows} rows: throughput"),
                rows as f64 / took,
                "rows/s",
            )
            .detail(json!({ "rows": rows, "seconds": took })),
        );
        figures.push(memory_figure(
            "ListContributions through every row: server peak RSS".into(),
            peak,
            before,
        ));
    }
    Ok(())
}

fn memory_figure(name: String, peak: u64, before: u64) -> Figure {
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    Figure::new("stream", name, mib(peak), "MiB")
        .goal_value("< 100 MiB", |v| v < 100.0)
        .detail(json!({ "rss_before_mib": mib(before) }))
}

/// What the figures were measured on.
pub async fn machine(pool: &PgPool) -> anyhow::Result<serde_json::Value> {
    let version = sql::server_version(pool).await?;
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    let cpu = read("/proc/cpuinfo")
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_default();
    let memory = read("/proc/meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:").map(|v| v.trim().to_owned()))
        .unwrap_or_default();
    Ok(json!({
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "cpu": cpu,
        "memory": memory,
        "kernel": read("/proc/sys/kernel/osrelease").trim(),
        "load_average_at_end": read("/proc/loadavg").trim(),
        "postgresql": version,
        "build": if cfg!(debug_assertions) { "debug" } else { "release" },
    }))
}
