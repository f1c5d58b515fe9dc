//! Deadlines and cancellation: a call whose deadline is shorter than its work ends in
//! DEADLINE_EXCEEDED or CANCELLED, its transaction is rolled back, and its PostgreSQL backend
//! stops working on it within the statement timeout the service is configured with.

use std::time::Duration;

use scpf_reports::{
    pb::{self, organization_service_client::OrganizationServiceClient},
    store::write::HISTORY_LOCK,
};
use sqlx::{ConnectOptions, PgPool};
use tokio::time::Instant;
use tonic::Code;

use super::process::ServerProcess;

/// The statement timeout the server is started with (SCPF_DB_STATEMENT_TIMEOUT).
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(2);
/// The client's deadline, far shorter than the blocked work.
const DEADLINE: Duration = Duration::from_millis(500);

/// Backends of this database, other than `except`, that run a statement or hold a transaction.
async fn busy_backends(pool: &PgPool, except: i32) -> Vec<(i32, String, String)> {
    sqlx::query_as(
        "SELECT pid, coalesce(state, ''), left(query, 120) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> $1
           AND (state = 'active' OR state LIKE 'idle in transaction%')",
    )
    .bind(except)
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrations = false)]
#[ignore = "pending the per-session statement_timeout of issue 9 point 1 (SCPF_DB_STATEMENT_TIMEOUT)"]
async fn a_call_past_its_deadline_is_rolled_back_and_its_backend_released(pool: PgPool) {
    scpf_reports::store::migrate(&pool).await.unwrap();
    let url = pool.connect_options().to_url_lossy().to_string();
    let timeout = format!("{}ms", STATEMENT_TIMEOUT.as_millis());
    let server = ServerProcess::start(&url, &[("SCPF_DB_STATEMENT_TIMEOUT", &timeout)]).await;
    server.wait_serving(Duration::from_secs(20)).await;
    let mut client = OrganizationServiceClient::new(server.channel());
    let create = || pb::CreateOrganizationRequest {
        organization_id: "slow".into(),
        organization: Some(pb::Organization {
            display_name: "Slow".into(),
            kind: pb::OrganizationKind::Other as i32,
            ..Default::default()
        }),
        request_id: "deadline-slow".into(),
    };

    // Hold the history clock exclusively: the write waits on it far longer than its deadline.
    let mut blocker = pool.begin().await.unwrap();
    let blocker_pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *blocker)
        .await
        .unwrap();
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(HISTORY_LOCK)
        .execute(&mut *blocker)
        .await
        .unwrap();

    let mut call = tonic::Request::new(create());
    call.set_timeout(DEADLINE);
    let began = Instant::now();
    let status = client.create_organization(call).await.unwrap_err();
    let answered = began.elapsed();
    assert!(
        matches!(status.code(), Code::DeadlineExceeded | Code::Cancelled),
        "{status:?}"
    );
    assert!(
        answered < DEADLINE + Duration::from_secs(1),
        "answered after {answered:?}"
    );
    // The server's backend was working on the call (waiting for the lock) when it ended.
    assert!(
        !busy_backends(&pool, blocker_pid).await.is_empty(),
        "the write never reached the database"
    );

    // Within the statement timeout the backend stops: no statement running, no transaction open.
    let released = loop {
        let busy = busy_backends(&pool, blocker_pid).await;
        if busy.is_empty() {
            break began.elapsed();
        }
        assert!(
            began.elapsed() < STATEMENT_TIMEOUT + Duration::from_secs(2),
            "backends still busy {:?} after the call ended: {busy:?}",
            began.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };

    // Nothing of the call was committed, even once the lock is free.
    blocker.rollback().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let written: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM organizations WHERE id = 'slow')
              + (SELECT count(*) FROM idempotency_keys WHERE request_id = 'deadline-slow')
              + (SELECT count(*) FROM audit_events WHERE request_id = 'deadline-slow')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(written, 0, "the cancelled call left rows behind");

    // The same request, retried with time to spare, is written once.
    let mut retry = tonic::Request::new(create());
    retry.set_timeout(Duration::from_secs(10));
    let created = client
        .create_organization(retry)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.name, "organizations/slow");
    println!(
        "deadline: answered {:?} after a {DEADLINE:?} deadline, backend released {:?} after the \
         call began (statement timeout {STATEMENT_TIMEOUT:?}), 0 rows left behind",
        status.code(),
        released
    );
}
