//! A server started from an `Application` directly, for tests that need more than the gRPC
//! address: the health and metrics ports, or a TLS port a plaintext channel cannot reach.

use std::net::SocketAddr;

use scpf_reports::{config::ServerSettings, server::Application, store};
use sqlx::PgPool;
use tokio::sync::oneshot;

/// A running server; stops when dropped.
pub struct Running {
    pub addr: SocketAddr,
    pub health: Option<SocketAddr>,
    pub metrics: SocketAddr,
    _stop: oneshot::Sender<()>,
}

/// Migrates the test database and serves it with `settings` on 127.0.0.1:0.
pub async fn start(pool: PgPool, settings: ServerSettings) -> Running {
    store::migrate(&pool).await.unwrap();
    let pool = crate::support::as_runtime(pool).await;
    let app = Application::build("127.0.0.1:0".parse().unwrap(), pool, settings)
        .await
        .expect("the server starts");
    let (addr, health, metrics) = (app.local_addr(), app.health_addr(), app.metrics_addr());
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    Running {
        addr,
        health,
        metrics,
        _stop: stop,
    }
}
