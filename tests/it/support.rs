//! Starting a server for a test and asserting on its errors.

use std::{net::SocketAddr, time::Duration};

use scpf_reports::{config::ServerSettings, pb, server::Application, store};
use sqlx::PgPool;
use tokio::{sync::oneshot, task::JoinHandle};
use tonic::{Code, Status, transport::Channel};
use tonic_types::StatusExt;

/// A server running in the test's runtime against the test's database.
pub struct TestServer {
    pub addr: SocketAddr,
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
        store::migrate(&pool).await.expect("migrations apply");
        TestServer::start_with(pool, test_settings()).await
    }

    /// Starts a server without migrating, with the given settings.
    pub async fn start_with(pool: PgPool, settings: ServerSettings) -> TestServer {
        let app = Application::build("127.0.0.1:0".parse().unwrap(), pool, settings)
            .await
            .expect("the server binds");
        let addr = app.local_addr();
        let (stop, stopped) = oneshot::channel::<()>();
        let handle = tokio::spawn(app.run_until(async {
            let _ = stopped.await;
        }));
        let channel = Channel::from_shared(format!("http://{addr}"))
            .unwrap()
            .connect()
            .await
            .expect("the client connects");
        TestServer {
            addr,
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
