//! The one harness: starting a server for a test, calling it, and asserting on its errors.

pub mod cli;
pub mod fixtures;
pub mod paging;
pub mod raw;

use std::{net::SocketAddr, time::Duration};

use scpf_reports::{config::ServerSettings, pb, server::Application, store};
use sqlx::PgPool;
use tokio::{sync::oneshot, task::JoinHandle};
use tonic::{Code, Status, transport::Channel};
use tonic_types::StatusExt;

/// A server running in the test's runtime against the test's database.
pub struct TestServer {
    pub addr: SocketAddr,
    /// The plaintext health port, when the settings ask for one.
    pub health: Option<SocketAddr>,
    pub metrics: SocketAddr,
    /// A plaintext channel to `addr`, connected on first use.
    pub channel: Channel,
    stop: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<anyhow::Result<()>>>,
}

/// Settings for tests: quick health checks, no credentials required (the auth tests configure
/// their own), metrics on a free port, everything else as in production.
pub fn test_settings() -> ServerSettings {
    let mut settings = ServerSettings {
        health_interval: Duration::from_millis(100),
        ..ServerSettings::defaults()
    };
    settings.auth.allow_anonymous = true;
    settings.telemetry.metrics_listen = "127.0.0.1:0".parse().unwrap();
    settings
}

impl TestServer {
    /// Migrates the test database and starts a server on it.
    pub async fn start(pool: PgPool) -> TestServer {
        TestServer::start_configured(pool, test_settings()).await
    }

    /// Migrates the test database and starts a server on it with the given settings.
    pub async fn start_configured(pool: PgPool, settings: ServerSettings) -> TestServer {
        store::migrate(&pool).await.expect("migrations apply");
        TestServer::start_with(pool, settings).await
    }

    /// Starts a server without migrating, with the given settings.
    pub async fn start_with(pool: PgPool, settings: ServerSettings) -> TestServer {
        let pool = as_runtime(pool).await;
        let app = Application::build("127.0.0.1:0".parse().unwrap(), pool, settings)
            .await
            .expect("the server binds");
        let (addr, health, metrics) = (app.local_addr(), app.health_addr(), app.metrics_addr());
        let (stop, stopped) = oneshot::channel::<()>();
        let handle = tokio::spawn(app.run_until(async {
            let _ = stopped.await;
        }));
        let channel = Channel::from_shared(format!("http://{addr}"))
            .unwrap()
            .connect_lazy();
        TestServer {
            addr,
            health,
            metrics,
            channel,
            stop: Some(stop),
            handle: Some(handle),
        }
    }

    pub fn organizations(
        &self,
    ) -> pb::organization_service_client::OrganizationServiceClient<Channel> {
        pb::organization_service_client::OrganizationServiceClient::new(self.channel.clone())
    }

    pub fn audit(&self) -> pb::audit_service_client::AuditServiceClient<Channel> {
        pb::audit_service_client::AuditServiceClient::new(self.channel.clone())
    }

    pub fn health(&self) -> tonic_health::pb::health_client::HealthClient<Channel> {
        tonic_health::pb::health_client::HealthClient::new(self.channel.clone())
    }

    /// Stops the server and waits for it to finish.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(handle) = self.handle.take() {
            handle.await.unwrap().unwrap();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The login every test server connects as: a member of the role the service runs as
/// (migrations/0009), with no privilege of its own.
pub const RUNTIME_LOGIN: &str = "scpf_test_runtime";

/// The test database as the service's runtime role sees it, once migrated: so that every test
/// that starts a server also proves the role may do what that test does, and no more is needed.
/// A database not (yet) migrated, or not reachable, is served through `pool` as given.
pub async fn as_runtime(pool: PgPool) -> PgPool {
    let migrated: Option<bool> = sqlx::query_scalar(
        "SELECT has_table_privilege('scpf_reports_runtime', 'audit_events', 'INSERT')
         WHERE to_regclass('audit_events') IS NOT NULL
           AND EXISTS (SELECT FROM pg_roles WHERE rolname = 'scpf_reports_runtime')",
    )
    .fetch_optional(&pool)
    .await
    .ok()
    .flatten();
    if migrated != Some(true) {
        return pool;
    }
    create_runtime_login(&pool).await;
    let options = (*pool.connect_options()).clone().username(RUNTIME_LOGIN);
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(Duration::from_secs(5))
        .connect_lazy_with(options)
}

/// Creates the runtime login once per cluster; tests run in parallel, so a concurrent creation
/// is retried.
pub async fn create_runtime_login(pool: &PgPool) {
    for attempt in 0.. {
        let created = sqlx::query(
            "DO $$ BEGIN
                 IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'scpf_test_runtime') THEN
                     CREATE ROLE scpf_test_runtime LOGIN IN ROLE scpf_reports_runtime;
                 END IF;
             END $$",
        )
        .execute(pool)
        .await;
        match created {
            Ok(_) => return,
            Err(e) if attempt < 5 => {
                tracing::debug!(error = %e, "creating the runtime login raced; trying again");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("cannot create the runtime login: {e}"),
        }
    }
}

/// The answer to a call that must succeed, e.g. `ok(sessions.get_session(request)).await`.
pub async fn ok<T>(call: impl Future<Output = Result<tonic::Response<T>, Status>>) -> T {
    match call.await {
        Ok(response) => response.into_inner(),
        Err(status) => panic!("the call should have succeeded: {status:?}"),
    }
}

/// Makes `times` calls at once, each from its own `call()`, and returns their answers once all
/// have succeeded.
pub async fn all_at_once<T, Fut>(times: usize, call: impl Fn() -> Fut) -> Vec<T>
where
    T: Send + 'static,
    Fut: Future<Output = Result<tonic::Response<T>, Status>> + Send + 'static,
{
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..times {
        calls.spawn(call());
    }
    let mut answers = Vec::new();
    while let Some(result) = calls.join_next().await {
        answers.push(result.unwrap().expect("every call succeeds").into_inner());
    }
    answers
}

/// One second before `instant`: a time at which what was created at `instant` did not exist.
pub fn a_second_before(instant: Option<prost_types::Timestamp>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: instant.unwrap().seconds - 1,
        nanos: 0,
    }
}

/// Asserts that a call was refused with this code and `ErrorInfo.reason`, and, for bad input,
/// a `BadRequest` violation on this field.
#[track_caller]
pub fn assert_refused<T: std::fmt::Debug>(
    result: Result<T, Status>,
    code: Code,
    reason: &str,
    field: Option<&str>,
) -> Status {
    let status = result.expect_err("the call should have been refused");
    assert_eq!(status.code(), code, "code of {status:?}");
    let info = status
        .get_details_error_info()
        .unwrap_or_else(|| panic!("no ErrorInfo in {status:?}"));
    assert_eq!(info.reason, reason, "reason of {status:?}");
    assert_eq!(info.domain, "scpf-reports");
    if let Some(field) = field {
        let bad = status
            .get_details_bad_request()
            .unwrap_or_else(|| panic!("no BadRequest in {status:?}"));
        assert!(
            bad.field_violations.iter().any(|v| v.field == field),
            "no violation on {field} in {:?}",
            bad.field_violations
        );
    }
    assert!(!status.message().is_empty());
    status
}

/// Asserts that bad input was refused: INVALID_ARGUMENT with this reason and a violation on
/// `field`.
#[track_caller]
pub fn assert_invalid<T: std::fmt::Debug>(
    result: Result<T, Status>,
    reason: &str,
    field: &str,
) -> Status {
    assert_refused(result, Code::InvalidArgument, reason, Some(field))
}

/// Makes the call of each case, `(case, request, reason, field)`, and asserts that it was refused
/// as bad input with that reason and a violation on that field.
pub async fn assert_each_invalid<'a, R, T: std::fmt::Debug>(
    cases: impl IntoIterator<Item = (&'a str, R, &'a str, &'a str)>,
    mut call: impl AsyncFnMut(R) -> Result<tonic::Response<T>, Status>,
) {
    for (case, request, reason, field) in cases {
        let status = call(request).await.expect_err(case);
        assert_refused::<()>(Err(status), Code::InvalidArgument, reason, Some(field));
    }
}

/// One line of a tokens file: the token's hash as `scpf-reports hash-token` prints it, then its
/// roles and principal (`roles` may name several, space-separated).
pub fn token_line(token: &str, roles: &str, principal: &str) -> String {
    let hash = scpf_reports::auth::hash_token(&secrecy::SecretString::from(token.to_owned()));
    format!("{hash} {roles} {principal}\n")
}

/// `message` as a call from the holder of `token`, with `deadline` as its grpc-timeout.
pub fn with_token<T>(message: T, token: &str, deadline: Duration) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.set_timeout(deadline);
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    request
}

/// A fresh request id.
pub fn rid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Waits until the health service reports `want` for the overall status, or panics after 30 s
/// (generous: a loaded CI machine can be slow to notice a database coming back).
pub async fn wait_for_health(server: &TestServer, want: i32) {
    let mut health = server.health();
    for _ in 0..300 {
        let got = health
            .check(tonic_health::pb::HealthCheckRequest {
                service: String::new(),
            })
            .await
            .map(|r| r.into_inner().status);
        if got.as_ref().ok() == Some(&want) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("health never became {want} in 30 s");
}

/// The number of rows in `rows`: a table, or a table and its `WHERE` clause; for tests that
/// prove what a call wrote or left alone.
pub async fn count(pool: &PgPool, rows: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {rows}"))
        .fetch_one(pool)
        .await
        .unwrap()
}
