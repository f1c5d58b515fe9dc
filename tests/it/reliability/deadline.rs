//! Deadlines and cancellation: a call whose deadline is shorter than its work ends in
//! DEADLINE_EXCEEDED or CANCELLED, its transaction is rolled back, and its PostgreSQL backend
//! stops working on it soon after, long before the statement timeout; so does the backend of a
//! call the client cancels.

use std::time::Duration;

use scpf_reports::{
    config::{CLIENT_CHECK_INTERVAL, RELEASE_PING_TIMEOUT},
    pb::{self, organization_service_client::OrganizationServiceClient},
    store::write::HISTORY_LOCK,
};
use sqlx::{ConnectOptions, PgPool};
use tokio::time::Instant;
use tonic::Code;

use super::process::ServerProcess;

/// The client's deadline, far shorter than the blocked work.
const DEADLINE: Duration = Duration::from_millis(500);

/// How soon after its call ends an abandoned backend must have stopped: the pool's ping of the
/// returned connection, then the backend's check that its client is gone, and a margin for a
/// busy machine.
fn release_bound() -> Duration {
    RELEASE_PING_TIMEOUT + CLIENT_CHECK_INTERVAL + Duration::from_millis(750)
}

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

/// How the client gives up on its call.
#[derive(Debug, Clone, Copy)]
enum Ending {
    /// The call carries a `grpc-timeout` of [`DEADLINE`]; the server ends it.
    Deadline,
    /// The call has no deadline; the client drops it after [`DEADLINE`] (RST_STREAM CANCEL).
    ClientCancels,
}

/// What one abandoned write showed.
struct Abandoned {
    /// The status the client saw (`None` when it cancelled the call itself).
    code: Option<Code>,
    /// From the call's end to the last of its backend's work.
    released_after: Duration,
}

/// Starts the server with `statement_timeout`, makes a write wait behind the history lock, ends
/// the call as `ending` says, and checks that the backend stops within [`release_bound`], that
/// nothing was committed, and that the same request retried later is written once.
async fn abandon_a_write(pool: PgPool, statement_timeout: Duration, ending: Ending) -> Abandoned {
    scpf_reports::store::migrate(&pool).await.unwrap();
    // An abandoned call's backend stops because the pool closes its socket. Over TLS, sqlx's
    // graceful close of that socket waits behind the running statement, so the backend runs on
    // to the statement timeout (RELIABILITY.md, "Not covered here"): this proves the plain-TCP case.
    let url = (*pool.connect_options())
        .clone()
        .ssl_mode(sqlx::postgres::PgSslMode::Disable)
        .to_url_lossy()
        .to_string();
    let timeout = format!("{}ms", statement_timeout.as_millis());
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

    let began = Instant::now();
    let code = match ending {
        Ending::Deadline => {
            let mut call = tonic::Request::new(create());
            call.set_timeout(DEADLINE);
            let status = client.create_organization(call).await.unwrap_err();
            assert!(
                matches!(status.code(), Code::DeadlineExceeded | Code::Cancelled),
                "{status:?}"
            );
            Some(status.code())
        }
        Ending::ClientCancels => {
            let call = client.create_organization(create());
            assert!(
                tokio::time::timeout(DEADLINE, call).await.is_err(),
                "the write was answered although it waits for the history lock"
            );
            None
        }
    };
    let ended = Instant::now();
    assert!(
        ended - began < DEADLINE + Duration::from_secs(1),
        "answered after {:?}",
        ended - began
    );
    // The server's backend was working on the call (waiting for the lock) when it ended.
    assert!(
        !busy_backends(&pool, blocker_pid).await.is_empty(),
        "the write never reached the database"
    );

    // Soon after, the backend stops: no statement running, no transaction open.
    let released_after = loop {
        let busy = busy_backends(&pool, blocker_pid).await;
        if busy.is_empty() {
            break ended.elapsed();
        }
        assert!(
            ended.elapsed() < release_bound(),
            "backends still busy {:?} after the call ended (statement timeout \
             {statement_timeout:?}): {busy:?}",
            ended.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
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
    assert_eq!(written, 0, "the abandoned call left rows behind");

    // The same request, retried with time to spare, is written once.
    let mut retry = tonic::Request::new(create());
    retry.set_timeout(Duration::from_secs(10));
    let created = client
        .create_organization(retry)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.name, "organizations/slow");
    let versions: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM organization_versions WHERE organization_id = 'slow'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(versions, 1);
    Abandoned {
        code,
        released_after,
    }
}

#[sqlx::test(migrations = false)]
async fn a_call_past_its_deadline_is_rolled_back_and_its_backend_released(pool: PgPool) {
    let statement_timeout = Duration::from_secs(2);
    let seen = abandon_a_write(pool, statement_timeout, Ending::Deadline).await;
    println!(
        "deadline: answered {:?} after a {DEADLINE:?} deadline, backend released {:?} after the \
         call ended (statement timeout {statement_timeout:?}), 0 rows left behind",
        seen.code.unwrap(),
        seen.released_after
    );
}

/// The statement timeout is a backstop, not what stops an abandoned call: with the production
/// default of 25 s, the backend still stops within a second of the deadline.
#[sqlx::test(migrations = false)]
async fn an_abandoned_call_does_not_run_on_to_the_statement_timeout(pool: PgPool) {
    let statement_timeout = Duration::from_secs(25);
    let seen = abandon_a_write(pool, statement_timeout, Ending::Deadline).await;
    assert!(seen.released_after < statement_timeout / 10);
    println!(
        "deadline: answered {:?} after a {DEADLINE:?} deadline, backend released {:?} after the \
         call ended (statement timeout {statement_timeout:?})",
        seen.code.unwrap(),
        seen.released_after
    );
}

#[sqlx::test(migrations = false)]
async fn a_call_the_client_cancels_stops_its_backend(pool: PgPool) {
    let statement_timeout = Duration::from_secs(25);
    let seen = abandon_a_write(pool, statement_timeout, Ending::ClientCancels).await;
    println!(
        "cancel: the client dropped its call after {DEADLINE:?}, backend released {:?} after \
         (statement timeout {statement_timeout:?}), 0 rows left behind",
        seen.released_after
    );
}
