//! The server itself: health that follows the database, reflection, message limits, shutdown.

use std::{process::Stdio, time::Duration};

use scpf_reports::pb;
use sqlx::{ConnectOptions, PgPool, postgres::PgPoolOptions};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    net::TcpListener,
    task::JoinSet,
};
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;

use crate::support::fixtures;
use crate::support::{TestServer, rid, test_settings, wait_for_health};

const SERVING: i32 = ServingStatus::Serving as i32;
const NOT_SERVING: i32 = ServingStatus::NotServing as i32;

#[sqlx::test(migrations = false)]
async fn health_is_serving_once_the_database_answers(pool: PgPool) {
    let server = TestServer::start(pool).await;
    wait_for_health(&server, SERVING).await;
    let per_service = server
        .health()
        .check(tonic_health::pb::HealthCheckRequest {
            service: "scpf.v1.OrganizationService".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(per_service.status, SERVING);
    server.stop().await;
}

#[tokio::test]
async fn health_is_not_serving_when_the_database_is_unreachable() {
    let pool = PgPoolOptions::new()
        .acquire_timeout(Duration::from_millis(300))
        .connect_lazy("postgres://postgres@127.0.0.1:1/nowhere")
        .unwrap();
    let server = TestServer::start_with(pool, test_settings()).await;
    // Give the health follower several rounds: it must keep answering, and answer NOT_SERVING.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let status = server
        .health()
        .check(tonic_health::pb::HealthCheckRequest::default())
        .await
        .unwrap()
        .into_inner()
        .status;
    assert_eq!(status, NOT_SERVING);
    // A data call fails cleanly with UNAVAILABLE rather than hanging or crashing the server.
    let err = server
        .organizations()
        .get_organization(pb::GetOrganizationRequest {
            name: "organizations/belgium".into(),
            as_of: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unavailable, "{err:?}");
    server.stop().await;
}

#[tokio::test]
async fn liveness_is_serving_while_the_database_is_unreachable() {
    let pool = PgPoolOptions::new()
        .acquire_timeout(Duration::from_millis(300))
        .connect_lazy("postgres://postgres@127.0.0.1:1/nowhere")
        .unwrap();
    let server = TestServer::start_with(pool, test_settings()).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut health = server.health();
    let overall = health
        .check(tonic_health::pb::HealthCheckRequest::default())
        .await
        .unwrap()
        .into_inner()
        .status;
    let liveness = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: scpf_reports::health::LIVENESS.into(),
        })
        .await
        .unwrap()
        .into_inner()
        .status;
    assert_eq!((overall, liveness), (NOT_SERVING, SERVING));
    server.stop().await;
}

/// A TCP relay in front of PostgreSQL that a test can cut and restore.
struct Relay {
    port: u16,
    tasks: JoinSet<()>,
}

impl Relay {
    async fn start(target: std::net::SocketAddr, port: u16) -> Relay {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut tasks = JoinSet::new();
        tasks.spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                connections.spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Relay { port, tasks }
    }

    /// Cuts every relayed connection and stops listening.
    async fn cut(mut self) -> u16 {
        self.tasks.abort_all();
        while self.tasks.join_next().await.is_some() {}
        self.port
    }
}

#[sqlx::test(migrations = false)]
async fn health_follows_the_database_when_it_goes_away_and_comes_back(pool: PgPool) {
    let options = pool.connect_options();
    let target = tokio::net::lookup_host((options.get_host(), options.get_port()))
        .await
        .unwrap()
        .next()
        .unwrap();
    let relay = Relay::start(target, 0).await;
    let relayed = PgPoolOptions::new()
        .acquire_timeout(Duration::from_millis(500))
        .connect_lazy_with((*options).clone().port(relay.port));
    let server = TestServer::start_with(relayed, test_settings()).await;
    wait_for_health(&server, SERVING).await;

    let port = relay.cut().await;
    wait_for_health(&server, NOT_SERVING).await;

    let _relay = Relay::start(target, port).await;
    wait_for_health(&server, SERVING).await;
    server.stop().await;
}

#[sqlx::test(migrations = false)]
async fn reflection_lists_every_service(pool: PgPool) {
    use tokio_stream::StreamExt;
    use tonic_reflection::pb::v1::{
        ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
        server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
    };
    let server = TestServer::start(pool).await;
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses = ServerReflectionClient::new(server.channel.clone())
        .server_reflection_info(tokio_stream::once(request))
        .await
        .unwrap()
        .into_inner();
    let Some(Ok(response)) = responses.next().await else {
        panic!("no reflection answer")
    };
    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
        panic!("unexpected reflection answer")
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    for expected in [
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "scpf.v1.OrganizationService",
        "scpf.v1.AuditService",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }
    server.stop().await;
}

/// The real grpcurl, as operators use it: `list` and `describe` through reflection.
#[sqlx::test(migrations = false)]
async fn grpcurl_lists_and_describes_services(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let addr = server.addr.to_string();
    let list = grpcurl(&["-plaintext", &addr, "list"]).await;
    assert!(list.contains("scpf.v1.OrganizationService"), "{list}");
    assert!(list.contains("grpc.health.v1.Health"), "{list}");
    let described = grpcurl(&["-plaintext", &addr, "describe", "scpf.v1.Organization"]).await;
    assert!(described.contains("display_name"), "{described}");
    let health = grpcurl(&["-plaintext", &addr, "grpc.health.v1.Health/Check"]).await;
    assert!(health.contains("SERVING"), "{health}");
    server.stop().await;
}

/// Runs the grpcurl that scripts/test provides ($GRPCURL) and returns its standard output.
pub async fn grpcurl(args: &[&str]) -> String {
    let program = std::env::var("GRPCURL").unwrap_or_else(|_| "grpcurl".to_owned());
    let output = tokio::process::Command::new(&program)
        .args(args)
        .output()
        .await
        .unwrap_or_else(|e| panic!("cannot run {program} (scripts/test installs it): {e}"));
    assert!(
        output.status.success(),
        "grpcurl {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[sqlx::test(migrations = false)]
async fn oversized_requests_are_refused_and_the_server_keeps_serving(pool: PgPool) {
    scpf_reports::store::migrate(&pool).await.unwrap();
    let settings = scpf_reports::config::ServerSettings {
        max_message_bytes: 64 * 1024,
        ..test_settings()
    };
    let server = TestServer::start_with(pool, settings).await;
    let mut client = server.organizations();
    let huge = pb::CreateOrganizationRequest {
        organization_id: "huge".into(),
        organization: Some(pb::Organization {
            display_name: "x".repeat(100 * 1024),
            kind: pb::OrganizationKind::Other as i32,
            ..Default::default()
        }),
        request_id: rid(),
    };
    let err = client.create_organization(huge).await.unwrap_err();
    assert_eq!(err.code(), Code::OutOfRange, "{err:?}");
    assert!(err.message().contains("limit"), "{}", err.message());

    let fine = client
        .list_organizations(pb::ListOrganizationsRequest::default())
        .await;
    assert!(fine.is_ok(), "the server still serves: {fine:?}");
    server.stop().await;
}

/// SIGTERM while a call is in flight: the call completes, then the process exits 0.
#[sqlx::test(migrations = false)]
async fn sigterm_lets_an_in_flight_call_finish_then_exits_zero(pool: PgPool) {
    use nix::{sys::signal, unistd::Pid};

    let url = pool.connect_options().to_url_lossy().to_string();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_scpf-reports"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--shutdown-grace",
            "10s",
        ])
        .env("DATABASE_URL", &url)
        .env("SCPF_LOG_FORMAT", "json")
        .env("SCPF_ALLOW_ANONYMOUS", "true")
        .env("SCPF_METRICS_LISTEN", "127.0.0.1:0")
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines
            .next_line()
            .await
            .unwrap()
            .expect("the server logs its address");
        let event: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        if let Some(addr) = event.get("address").and_then(|a| a.as_str()) {
            break addr.to_owned();
        }
    };
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });

    // Hold the history clock exclusively: every write waits for it, so the call stays in flight.
    let mut blocker = pool.begin().await.unwrap();
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(scpf_reports::store::write::HISTORY_LOCK)
        .execute(&mut *blocker)
        .await
        .unwrap();

    let channel = tonic::transport::Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut client = pb::organization_service_client::OrganizationServiceClient::new(channel);
    let call = tokio::spawn(async move { client.create_organization(fixtures::belgium()).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !call.is_finished(),
        "the call should be waiting on the lock"
    );

    signal::kill(
        Pid::from_raw(child.id().unwrap() as i32),
        signal::Signal::SIGTERM,
    )
    .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    blocker.rollback().await.unwrap();

    let created = call.await.unwrap().expect("the in-flight call completes");
    assert_eq!(created.into_inner().name, "organizations/belgium");
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("the process exits within the grace period")
        .unwrap();
    assert!(status.success(), "exit status {status:?}");
}
