//! The Prometheus endpoint: scraped over HTTP, it counts each call under its method, type and
//! code. The recorder is process-wide, so each test compares before and after for a method and
//! code that no other test produces, and only ever expects counts to grow by what it did.

use std::{collections::BTreeMap, net::SocketAddr};

use scpf_reports::pb::{
    self, GoverningBody, report_service_client::ReportServiceClient,
    session_service_client::SessionServiceClient,
};
use sqlx::PgPool;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tonic::Code;

use crate::{
    support::TestServer,
    support::{ok, rid, test_settings},
};

/// The text of `GET /metrics`.
async fn scrape(addr: SocketAddr) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: metrics\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    body.to_owned()
}

/// The sum of the samples of `name` whose labels include all of `labels` (0 when none).
fn value(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (metric, rest) = series.split_once('{').unwrap_or((series, "}"));
            if metric != name {
                return None;
            }
            let found: BTreeMap<&str, &str> = rest
                .trim_end_matches('}')
                .split(',')
                .filter_map(|pair| pair.split_once('='))
                .map(|(k, v)| (k, v.trim_matches('"')))
                .collect();
            labels
                .iter()
                .all(|(k, v)| found.get(k) == Some(v))
                .then(|| value.parse::<f64>().ok())
                .flatten()
        })
        .sum()
}

#[sqlx::test(migrations = false)]
async fn a_call_moves_the_counters_of_its_method_and_code(pool: PgPool) {
    // Requests over the limit end in OUT_OF_RANGE: a code no other test gets from GetSession.
    let mut settings = test_settings();
    settings.max_message_bytes = 1024;
    let server = TestServer::start_configured(pool, settings).await;
    let method = [
        ("grpc_service", "scpf.v1.SessionService"),
        ("grpc_method", "GetSession"),
        ("grpc_type", "unary"),
    ];
    let handled = [method.as_slice(), &[("grpc_code", "OutOfRange")]].concat();
    let before = scrape(server.metrics).await;

    let channel = tonic::transport::Channel::from_shared(format!("http://{}", server.addr))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut sessions = SessionServiceClient::new(channel);
    for _ in 0..3 {
        let err = sessions
            .get_session(pb::GetSessionRequest {
                name: "x".repeat(2048),
                as_of: None,
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::OutOfRange, "{err:?}");
    }

    let after = scrape(server.metrics).await;
    let delta = |name: &str, labels: &[(&str, &str)]| {
        value(&after, name, labels) - value(&before, name, labels)
    };
    assert_eq!(delta("grpc_server_handled_total", &handled), 3.0, "{after}");
    assert!(
        delta("grpc_server_started_total", &method) >= 3.0,
        "{after}"
    );
    assert!(
        delta("grpc_server_handling_seconds_count", &method) >= 3.0,
        "{after}"
    );
    assert!(
        after.contains("grpc_server_handling_seconds_bucket{"),
        "the handling time is a histogram with buckets"
    );
    assert!(after.contains("scpf_db_pool_connections"), "{after}");
    assert!(after.contains("scpf_db_pool_idle_connections"), "{after}");
}

#[sqlx::test(migrations = false)]
async fn a_server_stream_is_counted_when_it_ends_and_report_assembly_is_timed(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let channel = tonic::transport::Channel::from_shared(format!("http://{}", server.addr))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let before = scrape(server.metrics).await;

    ok(
        SessionServiceClient::new(channel.clone()).create_session(pb::CreateSessionRequest {
            session: Some(pb::Session {
                body: GoverningBody::Scpf as i32,
                number: 36,
                start_date: "2025-06-25".into(),
                end_date: "2025-06-26".into(),
                reporting_period_start: "2025-01-01".into(),
                reporting_period_end: "2025-05-31".into(),
                ..Default::default()
            }),
            request_id: rid(),
        }),
    )
    .await;
    let mut reports = ReportServiceClient::new(channel);
    let report = ok(reports.generate_report(pb::GenerateReportRequest {
        parent: "sessions/36".into(),
        request_id: rid(),
        ..Default::default()
    }))
    .await;
    let mut chunks = ok(reports.export_report(pb::ExportReportRequest {
        name: report.name.clone(),
        format: pb::ExportFormat::Json as i32,
        ..Default::default()
    }))
    .await;
    while chunks.message().await.unwrap().is_some() {}

    let after = scrape(server.metrics).await;
    let delta = |name: &str, labels: &[(&str, &str)]| {
        value(&after, name, labels) - value(&before, name, labels)
    };
    let export = [
        ("grpc_service", "scpf.v1.ReportService"),
        ("grpc_method", "ExportReport"),
        ("grpc_type", "server_stream"),
        ("grpc_code", "OK"),
    ];
    assert!(
        delta("grpc_server_handled_total", &export) >= 1.0,
        "{after}"
    );
    assert!(
        delta("scpf_report_generation_seconds_count", &[]) >= 1.0,
        "{after}"
    );
}
