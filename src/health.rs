//! The overall health of the service follows the database: NOT_SERVING until it answers, again
//! whenever it stops answering, and for good once draining starts.

use std::time::Duration;

use sqlx::{PgPool, postgres::PgPoolOptions};
use tokio::sync::watch;
use tonic_health::{ServingStatus, server::HealthReporter};

/// A health service name that is SERVING for as long as the process serves, whatever the
/// database does: what a liveness probe asks, so that a database outage takes pods out of the
/// Service (readiness asks for `""`) without restarting them.
pub const LIVENESS: &str = "liveness";

/// The services whose health is reported, besides the overall `""`.
pub type ServiceNames = Vec<&'static str>;

/// Sets every reported service to one status.
pub async fn set_all(reporter: &HealthReporter, services: &[&'static str], status: ServingStatus) {
    reporter.set_service_status("", status).await;
    for service in services {
        reporter.set_service_status(*service, status).await;
    }
}

/// A pool of one connection of its own, opened as the API's are, for the readiness check: the
/// check never waits for a connection behind the API's calls, so that a pool busy with slow
/// calls (which the caller's lanes and the deadlines deal with) is not mistaken for a database
/// that does not answer.
pub fn own_pool(api: &PgPool, timeout: Duration) -> PgPool {
    PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(timeout.max(Duration::from_millis(100)))
        .connect_lazy_with((*api.connect_options()).clone())
}

/// Checks the database every `interval` and reports the outcome until `stop` turns true.
pub async fn follow_database(
    pool: PgPool,
    reporter: HealthReporter,
    services: ServiceNames,
    interval: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let mut last = None;
    loop {
        let up = tokio::time::timeout(
            interval.max(Duration::from_millis(100)),
            crate::store::ping(&pool),
        )
        .await
        .unwrap_or(false);
        if *stop.borrow() {
            return;
        }
        if last != Some(up) {
            if up {
                tracing::info!("database reachable: serving");
            } else {
                tracing::warn!("database unreachable: not serving");
            }
            let status = if up {
                ServingStatus::Serving
            } else {
                ServingStatus::NotServing
            };
            set_all(&reporter, &services, status).await;
            last = Some(up);
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = stop.changed() => return,
        }
    }
}
