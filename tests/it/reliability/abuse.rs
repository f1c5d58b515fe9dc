//! Abuse: the attacks that once starved or bloated the server, each run against the real binary
//! with the chart's limits, while a well-behaved viewer keeps asking for a session and for health
//! with a 2 s deadline (guard.rs). Each attack must leave that client served, the server's
//! resident set under a documented bound, and the memory given back once the attack ends.

use std::{collections::BTreeMap, net::SocketAddr, time::Duration};

use bytes::Bytes;
use futures::{StreamExt, stream::FuturesUnordered};
use prost::Message;
use scpf_reports::{
    domain::filter::{MAX_CONDITIONS, MAX_LENGTH},
    pb::{
        self, programme_service_client::ProgrammeServiceClient,
        report_service_client::ReportServiceClient,
    },
    report::export::EXPORTS_AT_ONCE,
};
use sqlx::{ConnectOptions, PgPool};
use tokio::{io::AsyncReadExt, net::TcpStream, time::Instant};
use tonic::{Code, transport::Channel};

use super::{
    guard::{
        SETTLED_MARGIN_MIB, Target, VIEWER, as_viewer, attack_time, status_mib, under_attack,
        under_attack_settling,
    },
    process::ServerProcess,
    scale,
};
use crate::{
    reports::fixture::World,
    support::{ok, rid},
};

/// Countries programmes are spread over.
const COUNTRIES: [&str; 40] = [
    "BE", "LU", "NL", "FR", "DE", "IT", "ES", "PT", "AT", "CH", "SN", "ML", "NE", "GM", "GN", "CI",
    "GH", "NG", "BF", "TG", "BJ", "CM", "TD", "SD", "ET", "KE", "UG", "TZ", "UA", "MD", "PL", "RO",
    "BG", "GR", "TR", "LB", "JO", "IQ", "AF", "PK",
];

/// The session the well-behaved client reads.
const SESSION: &str = "sessions/36";

async fn session(w: &mut World) {
    w.the_36th().await;
}

/// An HTTP/2 connection of a raw client, whose streams the test drives by hand.
async fn h2_connect(addr: SocketAddr) -> h2::client::SendRequest<Bytes> {
    h2_connection(addr).await.0
}

/// The same, with the task that drives the connection: aborting it closes the connection.
async fn h2_connection(
    addr: SocketAddr,
) -> (h2::client::SendRequest<Bytes>, tokio::task::JoinHandle<()>) {
    let tcp = TcpStream::connect(addr).await.unwrap();
    tcp.set_nodelay(true).unwrap();
    let (client, connection) = h2::client::handshake(tcp).await.unwrap();
    let driver = tokio::spawn(async move {
        let _ = connection.await;
    });
    (client, driver)
}

fn grpc_request(addr: SocketAddr, path: &str, token: Option<&str>) -> http::Request<()> {
    let mut request = http::Request::post(format!("http://{addr}{path}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    request.body(()).unwrap()
}

/// One gRPC message frame: uncompressed flag, length, message.
fn frame(message: &impl Message) -> Bytes {
    let body = message.encode_to_vec();
    let mut framed = Vec::with_capacity(body.len() + 5);
    framed.push(0);
    framed.extend((body.len() as u32).to_be_bytes());
    framed.extend(body);
    framed.into()
}

/// The grpc-status of a finished stream, or what ended it.
async fn outcome(response: h2::client::ResponseFuture) -> String {
    match response.await {
        Err(err) => format!(
            "stream error: {}",
            err.reason().map_or("io".into(), |r| format!("{r:?}"))
        ),
        Ok(response) => {
            if let Some(code) = response.headers().get("grpc-status") {
                return code_name(code.to_str().unwrap());
            }
            let mut body = response.into_body();
            while let Some(Ok(_)) = body.data().await {}
            match body.trailers().await {
                Ok(Some(trailers)) => trailers
                    .get("grpc-status")
                    .map_or("no grpc-status".into(), |c| code_name(c.to_str().unwrap())),
                other => format!("no trailers: {other:?}"),
            }
        }
    }
}

fn code_name(number: &str) -> String {
    format!("{:?}", Code::from_i32(number.parse().unwrap()))
}

/// (i) A viewer's most expensive allowed filter, from many callers at once: set-wise SQL keeps
/// each call cheap, the pool serves everyone in turn, and no call is INTERNAL.
#[sqlx::test(migrations = false)]
async fn a_viewers_worst_filters_do_not_starve_other_callers(pool: PgPool) {
    let programmes = scale(300, 3000);
    let callers = scale(64, 256);
    let mut w = World::start(pool.clone()).await;
    session(&mut w).await;
    for i in 0..programmes {
        let countries: Vec<String> = (0..(3 + i % 6))
            .map(|k| COUNTRIES[(i * 7 + k * 3) % COUNTRIES.len()].to_owned())
            .collect();
        ok(w.programmes.create_programme(pb::CreateProgrammeRequest {
            programme_id: format!("p-{i:05}"),
            programme: Some(pb::Programme {
                code: format!("P{i:05}"),
                title: format!("Programme {i}"),
                country_codes: countries,
                ..Default::default()
            }),
            request_id: rid(),
        }))
        .await;
    }
    drop(w);
    // At the caps: as many conditions as allowed, on the field that was once a subquery each,
    // half of them `=` (a programme must have every one) and half `!=`.
    let filter = (0..MAX_CONDITIONS)
        .map(|k| {
            let op = if k % 2 == 0 { "=" } else { "!=" };
            format!("country_code {op} \"{}\"", COUNTRIES[k % COUNTRIES.len()])
        })
        .collect::<Vec<_>>()
        .join(" AND ");
    assert!(filter.len() <= MAX_LENGTH, "{}", filter.len());

    let target = Target::start(&pool, &[]).await;
    let addr = target.server.addr;
    let ((answered, slowest), held) = under_attack(&target, SESSION, async {
        let until = Instant::now() + attack_time();
        let channels: Vec<Channel> = (0..8).map(|_| target.server.channel()).collect();
        let callers = (0..callers).map(|c| {
            let mut client = ProgrammeServiceClient::new(channels[c % channels.len()].clone());
            let filter = filter.clone();
            async move {
                let mut codes: BTreeMap<String, usize> = BTreeMap::new();
                let mut slowest = Duration::ZERO;
                while Instant::now() < until {
                    let asked = Instant::now();
                    let answer = client
                        .list_programmes(as_viewer(
                            pb::ListProgrammesRequest {
                                page_size: 100,
                                filter: filter.clone(),
                                ..Default::default()
                            },
                            Duration::from_secs(5),
                        ))
                        .await;
                    slowest = slowest.max(asked.elapsed());
                    let code = answer.map_or_else(|s| s.code(), |_| Code::Ok);
                    *codes.entry(format!("{code:?}")).or_default() += 1;
                }
                (codes, slowest)
            }
        });
        let mut answered: BTreeMap<String, usize> = BTreeMap::new();
        let mut slowest = Duration::ZERO;
        for (codes, took) in futures::future::join_all(callers).await {
            for (code, n) in codes {
                *answered.entry(code).or_default() += n;
            }
            slowest = slowest.max(took);
        }
        (answered, slowest)
    })
    .await;
    // Every attacking call was answered: OK, or shed (RESOURCE_EXHAUSTED) or out of time.
    assert!(answered.get("Ok").copied().unwrap_or(0) > 0, "{answered:?}");
    assert!(
        answered.keys().all(
            |c| ["Ok", "ResourceExhausted", "DeadlineExceeded", "Cancelled"].contains(&c.as_str())
        ),
        "{answered:?}"
    );
    println!(
        "abuse filters: {callers} viewers x the worst filter ({MAX_CONDITIONS} conditions, {} \
         chars) over {programmes} programmes for {:?} against {addr}: answers {answered:?}, \
         slowest {slowest:?}; {}",
        filter.len(),
        attack_time(),
        held.figures()
    );
    held.assert_held("filters");
}

/// Paths a caller without a token may open and never finish: health and reflection are open to
/// all; an API method is refused at once without a token.
const UNAUTHENTICATED_PATHS: [&str; 3] = [
    "/grpc.health.v1.Health/Check",
    "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
    "/scpf.v1.SessionService/GetSession",
];

/// Holds `streams` calls open on one connection whose request bodies never arrive, opening a
/// new one (after a pause) whenever the server ends one, until `until`. Returns how each ended.
async fn stall_streams(
    addr: SocketAddr,
    streams: usize,
    until: Instant,
) -> BTreeMap<String, usize> {
    let mut client = h2_connect(addr).await;
    let mut open = FuturesUnordered::new();
    let mut ended: BTreeMap<String, usize> = BTreeMap::new();
    let mut opened = 0usize;
    loop {
        while open.len() < streams && Instant::now() < until {
            let path = UNAUTHENTICATED_PATHS[opened % UNAUTHENTICATED_PATHS.len()];
            client = match client.clone().ready().await {
                Ok(ready) => ready,
                Err(err) => {
                    *ended.entry(format!("connection: {err}")).or_default() += 1;
                    return ended;
                }
            };
            let (response, send) = client
                .send_request(grpc_request(addr, path, None), false)
                .unwrap();
            opened += 1;
            open.push(async move {
                let how = outcome(response).await;
                // The request body never came; the stream is over once the server has answered.
                drop(send);
                // A pause before the stream is opened again, so that refusals do not become a
                // flood of their own.
                tokio::time::sleep(Duration::from_secs(1)).await;
                format!("{path}: {how}")
            });
        }
        let remaining = until.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            break;
        }
        if let Ok(Some(how)) = tokio::time::timeout(remaining, open.next()).await {
            *ended.entry(how).or_default() += 1;
        }
    }
    *ended.entry("still open at the end".into()).or_default() += open.len();
    ended
}

async fn slow_streams(pool: PgPool, connections: usize) {
    let mut w = World::start(pool.clone()).await;
    session(&mut w).await;
    drop(w);
    // A shorter wait for a request body than the chart's 10 s, so that streams end and are
    // opened again within a short attack.
    let target = Target::start(&pool, &[("SCPF_REQUEST_BODY_TIMEOUT", "1s")]).await;
    let addr = target.server.addr;
    let (ended, held) = under_attack(&target, SESSION, async {
        let until = Instant::now() + attack_time();
        let mut ended: BTreeMap<String, usize> = BTreeMap::new();
        let attackers = (0..connections).map(|_| stall_streams(addr, 100, until));
        for each in futures::future::join_all(attackers).await {
            for (how, n) in each {
                *ended.entry(how).or_default() += n;
            }
        }
        ended
    })
    .await;
    let total: usize = ended.values().sum();
    assert!(total >= connections * 100, "{ended:?}");
    // A health check with no body ends DEADLINE_EXCEEDED at the body timeout; reflection, whose
    // request is a stream, ends there too (OK: its request stream is over); an API call without a
    // token is UNAUTHENTICATED at once; nothing else. Now and then (1 in 38,683 streams in a
    // long run) the HTTP/2 layer refuses a stream with REFUSED_STREAM: the attacker opened it
    // once it had the answer to an earlier one, before the server had seen that one's reset, so
    // that the connection would have had 101 streams. That is the per-connection stream limit
    // at work, nothing was started, and a client may retry such a stream at once.
    for how in ended.keys() {
        assert!(
            how.ends_with("Check: DeadlineExceeded")
                || how.ends_with("ServerReflectionInfo: Ok")
                || how.ends_with("GetSession: Unauthenticated")
                || how.ends_with(": stream error: REFUSED_STREAM")
                || how == "still open at the end",
            "{ended:?}"
        );
    }
    println!(
        "abuse slow streams: {connections} connection(s) x 100 streams without a token for {:?}: \
         {total} streams, ended {ended:?}; {}",
        attack_time(),
        held.figures()
    );
    held.assert_held("slow streams");
}

/// (ii) Calls whose body never arrives, on one connection (the most streams it may open).
#[sqlx::test(migrations = false)]
async fn slow_streams_on_one_connection_do_not_starve_other_callers(pool: PgPool) {
    slow_streams(pool, 1).await;
}

/// (ii) Calls whose body never arrives, on many connections: far more than the concurrency
/// limit (256) in all.
#[sqlx::test(migrations = false)]
async fn slow_streams_on_many_connections_do_not_starve_other_callers(pool: PgPool) {
    slow_streams(pool, scale(10, 30)).await;
}

/// (iii) Connections that never send the HTTP/2 preface, kept at `count` for the attack: each
/// the server closes is opened again at once.
#[sqlx::test(migrations = false)]
async fn idle_connections_do_not_starve_other_callers(pool: PgPool) {
    let count = 1000;
    let handshake = Duration::from_secs(scale(1, 10) as u64);
    let mut w = World::start(pool.clone()).await;
    session(&mut w).await;
    drop(w);
    let handshake_text = format!("{}s", handshake.as_secs());
    let target = Target::start(&pool, &[("SCPF_HANDSHAKE_TIMEOUT", &handshake_text)]).await;
    let addr = target.server.addr;
    let ((closed, longest, refused), held) = under_attack(&target, SESSION, async {
        let until = Instant::now() + attack_time().max(handshake * 5);
        let slots = (0..count).map(|_| async move {
            let (mut closed, mut longest, mut refused) = (0usize, Duration::ZERO, 0usize);
            while Instant::now() < until {
                let Ok(mut tcp) = TcpStream::connect(addr).await else {
                    refused += 1;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                };
                let opened = Instant::now();
                let mut buffer = [0u8; 256];
                let remaining = until.saturating_duration_since(Instant::now());
                // The server sends its HTTP/2 SETTINGS and nothing more: reading ends when it
                // closes the connection.
                let until_closed =
                    async { while matches!(tcp.read(&mut buffer).await, Ok(n) if n > 0) {} };
                if tokio::time::timeout(remaining, until_closed).await.is_ok() {
                    closed += 1;
                    longest = longest.max(opened.elapsed());
                }
            }
            (closed, longest, refused)
        });
        let mut total = (0usize, Duration::ZERO, 0usize);
        for (closed, longest, refused) in futures::future::join_all(slots).await {
            total = (total.0 + closed, total.1.max(longest), total.2 + refused);
        }
        total
    })
    .await;
    // Every connection was closed once its handshake time had passed, and none much later.
    assert!(closed >= count, "{closed} connections closed by the server");
    assert!(
        longest < handshake + Duration::from_secs(2),
        "a silent connection stayed open {longest:?} (handshake timeout {handshake:?})"
    );
    println!(
        "abuse idle connections: {count} silent connections held for {:?} (handshake timeout \
         {handshake:?}): {closed} closed by the server, the longest after {longest:?}, \
         {refused} connects refused; {}",
        attack_time().max(handshake * 5),
        held.figures()
    );
    held.assert_held("idle connections");
}

/// Multi-year commitments of Belgium in the session's period, imported in calls of 2,000; the
/// report of the session is then large in every format.
async fn large_report(pool: PgPool, commitments: usize) -> String {
    let mut w = World::start(pool).await;
    session(&mut w).await;
    w.donor("belgium", "Belgium", "BE", true).await;
    w.rate("EUR", "USD", "2025-06", "1.0850").await;
    let written = w.belgian_commitments(0..commitments).await;
    assert_eq!(written, commitments as i64);
    let report = ok(w.reports.generate_report(pb::GenerateReportRequest {
        parent: SESSION.into(),
        request_id: rid(),
        ..Default::default()
    }))
    .await;
    // The stored content counts the schedules; every export lists them all, so each export
    // is as large as the number of commitments.
    let full = ok(w.reports.get_report(pb::GetReportRequest {
        name: report.name.clone(),
        view: pb::ReportView::Full.into(),
    }))
    .await;
    let schedules = full
        .content
        .and_then(|c| c.multi_year_commitments)
        .map(|m| m.schedule_count)
        .unwrap_or_default();
    assert_eq!(schedules as usize, commitments);
    report.name
}

/// (v) A large report generated and read whole through the server: the memory the calls freed
/// is given back to the system once they are over, so that the server does not keep the
/// resident set of its largest report.
#[sqlx::test(migrations = false)]
async fn a_large_report_gives_its_memory_back(pool: PgPool) {
    let commitments = scale(3000, 10000);
    let report = large_report(pool.clone(), commitments).await;
    let url = pool.connect_options().to_url_lossy().to_string();
    let server = ServerProcess::start(&url, &[]).await;
    server.wait_serving(Duration::from_secs(20)).await;
    let pid = server.pid();
    let mut reports = ReportServiceClient::new(server.channel());
    let read = |name: String| pb::GetReportRequest {
        name,
        view: pb::ReportView::Full.into(),
    };
    // A small call first, so that "before" counts the pool and buffers any call needs.
    reports.get_report(read(report.clone())).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = status_mib(pid, "VmRSS");
    let generated = ok(reports.generate_report(pb::GenerateReportRequest {
        parent: SESSION.into(),
        request_id: rid(),
        ..Default::default()
    }))
    .await;
    let after_generate = status_mib(pid, "VmRSS");
    for _ in 0..3 {
        ok(reports.get_report(read(generated.name.clone()))).await;
    }
    let peak = status_mib(pid, "VmHWM");
    // The memory is given back on a thread of its own, just after the call.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = status_mib(pid, "VmRSS");
    println!(
        "large report memory: GenerateReport of {commitments} commitments, then GetReport FULL \
         x3: RSS {before} MiB before, {after_generate} MiB after GenerateReport, peak {peak} \
         MiB, {after} MiB 1 s after"
    );
    assert!(
        after <= before + SETTLED_MARGIN_MIB,
        "the server kept {after} MiB after the large calls ({before} MiB before, peak {peak} MiB)"
    );
}

/// (iv) ExportReport streams of a large report that are never read: only a few exports hold a
/// report in memory at once (the others wait for a turn), each holds no more than its report,
/// its flow-control window and a few queued chunks, and everything is given back once they go
/// away.
#[sqlx::test(migrations = false)]
async fn export_streams_that_never_read_hold_little_memory(pool: PgPool) {
    let commitments = scale(3000, 10000);
    let streams = scale(8, 32);
    let report = large_report(pool.clone(), commitments).await;
    let target = Target::start(&pool, &[]).await;
    let mut rounds = Vec::new();
    for round in 1..=scale(2, 4) {
        let ((started, waiting, rss), held) = under_attack_settling(
            &target,
            SESSION,
            Duration::from_secs(5),
            never_read_exports(&target, &report, streams),
        )
        .await;
        let running: usize = started.values().sum();
        println!(
            "abuse export streams, round {round}: {streams} ExportReport streams of a report of \
             {commitments} commitments never read for {:?}: {running} running ({started:?}), \
             {waiting} waiting for a turn; RSS after each opened {rss:?} MiB; {}",
            attack_time(),
            held.figures()
        );
        held.assert_served_within_bound("export streams");
        assert_eq!(running, streams.min(EXPORTS_AT_ONCE));
        assert_eq!(waiting, streams - running);
        rounds.push(held);
    }
    // What the exports freed, the allocator keeps for the next ones: a second attack takes the
    // server no higher than the first did.
    let (first, last) = (&rounds[0], rounds.last().unwrap());
    assert!(
        last.after_mib <= first.after_mib + 16,
        "the server grew from {} MiB after the first attack to {} MiB after the last",
        first.after_mib,
        last.after_mib
    );
}

/// Opens `streams` ExportReport streams of `report`, each on a connection of its own, never reads
/// them, holds them for the attack time, then closes the connections. Returns the exports that
/// ran (by format), those that waited for a turn, and the server's RSS after each was opened.
async fn never_read_exports(
    target: &Target,
    report: &str,
    streams: usize,
) -> (BTreeMap<String, usize>, usize, Vec<u64>) {
    let addr = target.server.addr;
    let formats = [
        pb::ExportFormat::Html,
        pb::ExportFormat::Csv,
        pb::ExportFormat::Json,
        pb::ExportFormat::Markdown,
    ];
    let mut held_open = Vec::new();
    let mut drivers = Vec::new();
    let mut rss = Vec::new();
    for i in 0..streams {
        // Each on a connection of its own, with the h2 crate's default 64 KiB windows.
        let (client, driver) = h2_connection(addr).await;
        let mut client = client.ready().await.unwrap();
        drivers.push(driver);
        let format = formats[i % formats.len()];
        let (response, mut send) = client
            .send_request(
                grpc_request(addr, "/scpf.v1.ReportService/ExportReport", Some(VIEWER)),
                false,
            )
            .unwrap();
        send.send_data(
            frame(&pb::ExportReportRequest {
                name: report.to_owned(),
                format: format.into(),
                ..Default::default()
            }),
            true,
        )
        .unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        rss.push(target.rss_mib());
        // The body is never read.
        held_open.push((client, format, response));
    }
    // The first exports run (their answers have begun); the others wait for a turn.
    let (mut started, mut waiting) = (BTreeMap::<String, usize>::new(), 0);
    let mut bodies = Vec::new();
    for (client, format, mut response) in held_open {
        match tokio::time::timeout(Duration::from_millis(200), &mut response).await {
            Ok(answer) => {
                let answer = answer.unwrap();
                assert_eq!(answer.status(), 200);
                assert!(
                    answer.headers().get("grpc-status").is_none(),
                    "{:?}",
                    answer.headers()
                );
                *started.entry(format!("{format:?}")).or_default() += 1;
                bodies.push((client, Some(answer), None));
            }
            Err(_) => {
                waiting += 1;
                bodies.push((client, None, Some(response)));
            }
        }
    }
    tokio::time::sleep(attack_time()).await;
    // The attackers go away: their connections close.
    drop(bodies);
    for driver in drivers {
        driver.abort();
    }
    (started, waiting, rss)
}
