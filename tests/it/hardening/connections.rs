//! Connections and streams a hostile client opens and never uses: they hold no permit, they are
//! closed in time, and a well-behaved client keeps being served meanwhile.

use std::time::{Duration, Instant};

use bytes::Bytes;
use scpf_reports::pb::{self, session_service_client::SessionServiceClient};
use sqlx::PgPool;
use tokio::{io::AsyncReadExt, net::TcpStream};
use tonic::Code;

use crate::support::{TestServer, test_settings, token_line};

/// An HTTP/2 connection of the raw client.
async fn connect(addr: std::net::SocketAddr) -> h2::client::SendRequest<Bytes> {
    let tcp = TcpStream::connect(addr).await.unwrap();
    tcp.set_nodelay(true).unwrap();
    let (client, connection) = h2::client::handshake(tcp).await.unwrap();
    tokio::spawn(connection);
    client
}

/// The token of a viewer, the least of the roles.
const VIEWER: &str = "a-viewer-token";

fn grpc_request(addr: std::net::SocketAddr, path: &str) -> http::Request<()> {
    http::Request::post(format!("http://{addr}{path}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .header("authorization", format!("Bearer {VIEWER}"))
        .body(())
        .unwrap()
}

/// Test settings that require a token, with [`VIEWER`] as a viewer.
fn with_a_viewer(dir: &std::path::Path) -> scpf_reports::config::ServerSettings {
    let tokens = dir.join("tokens");
    std::fs::write(&tokens, token_line(VIEWER, "viewer", "dashboards")).unwrap();
    let mut settings = test_settings();
    settings.auth.allow_anonymous = false;
    settings.auth.auth_tokens_file = Some(tokens);
    settings
}

/// Opens `count` calls of `path` on `client` that never send their request message. The send
/// halves are returned: dropping them would end the streams.
async fn stall(
    client: &mut h2::client::SendRequest<Bytes>,
    addr: std::net::SocketAddr,
    path: &str,
    count: usize,
) -> Vec<(h2::client::ResponseFuture, h2::SendStream<Bytes>)> {
    let mut stalled = Vec::new();
    for _ in 0..count {
        *client = client.clone().ready().await.unwrap();
        stalled.push(
            client
                .send_request(grpc_request(addr, path), false)
                .unwrap(),
        );
    }
    stalled
}

#[sqlx::test(migrations = false)]
async fn stalled_streams_do_not_starve_a_well_behaved_caller(pool: PgPool) {
    let dir = tempfile::tempdir().unwrap();
    let settings = with_a_viewer(dir.path());
    let limit = settings.concurrency_limit;
    let streams = settings.http2_max_concurrent_streams as usize;
    scpf_reports::store::migrate(&pool).await.unwrap();
    let server = TestServer::start_with(pool, settings).await;

    // More stalled API calls than the concurrency limit, and stalled health checks, spread over
    // connections of the most streams each allows.
    let mut held = Vec::new();
    let mut connections = Vec::new();
    let mut opened = 0;
    while opened < limit + 44 {
        let mut client = connect(server.addr).await;
        let count = streams.min(limit + 44 - opened);
        held.extend(
            stall(
                &mut client,
                server.addr,
                "/scpf.v1.SessionService/GetSession",
                count,
            )
            .await,
        );
        opened += count;
        connections.push(client);
    }
    let mut client = connect(server.addr).await;
    held.extend(
        stall(
            &mut client,
            server.addr,
            "/grpc.health.v1.Health/Check",
            streams,
        )
        .await,
    );
    connections.push(client);
    assert!(held.len() >= 300, "{} stalled streams", held.len());
    tokio::time::sleep(Duration::from_millis(300)).await;

    // A viewer with a short deadline is answered: NOT_FOUND (there is no such session), never
    // RESOURCE_EXHAUSTED.
    let mut sessions = SessionServiceClient::new(server.channel.clone());
    for _ in 0..5 {
        let mut request = tonic::Request::new(pb::GetSessionRequest {
            name: "sessions/36".into(),
            ..Default::default()
        });
        request.set_timeout(Duration::from_secs(2));
        request
            .metadata_mut()
            .insert("authorization", format!("Bearer {VIEWER}").parse().unwrap());
        let status = sessions.get_session(request).await.unwrap_err();
        assert_eq!(status.code(), Code::NotFound, "{status:?}");
    }
    let mut health = server.health();
    let serving = health
        .check(tonic_health::pb::HealthCheckRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        serving.status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );
    drop(held);
}

#[sqlx::test(migrations = false)]
async fn a_request_that_never_arrives_is_answered_deadline_exceeded(pool: PgPool) {
    let mut settings = test_settings();
    settings.request_body_timeout = Duration::from_secs(1);
    scpf_reports::store::migrate(&pool).await.unwrap();
    let server = TestServer::start_with(pool, settings).await;
    let mut client = connect(server.addr).await;
    let started = Instant::now();
    let mut stalled = stall(
        &mut client,
        server.addr,
        "/scpf.v1.SessionService/GetSession",
        1,
    )
    .await;
    let (response, _send) = stalled.pop().unwrap();
    let response = tokio::time::timeout(Duration::from_secs(5), response)
        .await
        .expect("answered before the request timeout")
        .unwrap();
    let status =
        tonic::Status::from_header_map(response.headers()).expect("a trailers-only answer");
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}

#[sqlx::test(migrations = false)]
async fn a_connection_that_never_sends_the_preface_is_closed(pool: PgPool) {
    let mut settings = test_settings();
    settings.handshake_timeout = Duration::from_secs(1);
    scpf_reports::store::migrate(&pool).await.unwrap();
    let server = TestServer::start_with(pool, settings).await;
    let mut silent = Vec::new();
    for _ in 0..20 {
        silent.push(TcpStream::connect(server.addr).await.unwrap());
    }
    let started = Instant::now();
    for tcp in &mut silent {
        // The server may send its own settings first; then it must close the connection.
        let mut buffer = [0u8; 1024];
        let closed = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                match tcp.read(&mut buffer).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => continue,
                }
            }
        })
        .await;
        assert!(closed.is_ok(), "still open after {:?}", started.elapsed());
    }
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    // A client that does talk is served.
    let mut health = server.health();
    assert!(
        health
            .check(tonic_health::pb::HealthCheckRequest::default())
            .await
            .is_ok()
    );
}

#[sqlx::test(migrations = false)]
async fn the_server_announces_its_stream_limit(pool: PgPool) {
    let mut settings = test_settings();
    settings.http2_max_concurrent_streams = 7;
    scpf_reports::store::migrate(&pool).await.unwrap();
    let server = TestServer::start_with(pool, settings).await;
    let mut client = connect(server.addr).await;
    // One complete call, so that the server's settings have arrived.
    client = client.ready().await.unwrap();
    let (response, mut send) = client
        .send_request(
            grpc_request(server.addr, "/grpc.health.v1.Health/Check"),
            false,
        )
        .unwrap();
    send.send_data(Bytes::from_static(&[0, 0, 0, 0, 0]), true)
        .unwrap();
    response.await.unwrap();
    assert_eq!(client.current_max_send_streams(), 7);
}
