//! Deadlines and cancellation: a call whose deadline is shorter than its work ends in
//! DEADLINE_EXCEEDED or CANCELLED, its transaction is rolled back, and its PostgreSQL backend
//! stops working on it soon after, long before the statement timeout; so does the backend of a
//! call the client cancels. Each case runs with the server connecting to PostgreSQL in plain TCP
//! and over TLS (skipped, and said so, when the database does not offer TLS).

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
use crate::support::ok;

/// The client's deadline, far shorter than the blocked work.
const DEADLINE: Duration = Duration::from_millis(500);

/// How soon after its call ends an abandoned backend must have stopped: the pool's ping of the
/// returned connection, then the backend's check that its client is gone, and a margin for a
/// busy machine.
fn release_bound() -> Duration {
    RELEASE_PING_TIMEOUT + CLIENT_CHECK_INTERVAL + Duration::from_millis(750)
}

/// Backends of this database, other than `except`, that run a statement or hold a transaction,
/// with whether their connection is TLS.
async fn busy_backends(pool: &PgPool, except: i32) -> Vec<(i32, String, String, bool)> {
    sqlx::query_as(
        "SELECT a.pid, coalesce(a.state, ''), left(a.query, 120), coalesce(s.ssl, false)
         FROM pg_stat_activity a LEFT JOIN pg_stat_ssl s ON s.pid = a.pid
         WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() AND a.pid <> $1
           AND (a.state = 'active' OR a.state LIKE 'idle in transaction%')",
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

/// How the server connects to PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    Plain,
    /// TLS, where closing a connection gracefully waits behind its running statement.
    Tls,
}

/// What one abandoned write showed.
struct Abandoned {
    /// The status the client saw (`None` when it cancelled the call itself).
    code: Option<Code>,
    /// From the call's end to the last of its backend's work.
    released_after: Duration,
}

/// Starts the server with `statement_timeout`, connecting to the database over `transport`,
/// makes a write wait behind the history lock, ends the call as `ending` says, and checks that
/// the backend stops within [`release_bound`], that nothing was committed, and that the same
/// request retried later is written once. `None` when TLS was asked for and the database does not
/// offer it.
async fn abandon_a_write(
    pool: PgPool,
    statement_timeout: Duration,
    ending: Ending,
    transport: Transport,
) -> Option<Abandoned> {
    scpf_reports::store::migrate(&pool).await.unwrap();
    let options = (*pool.connect_options()).clone().ssl_mode(match transport {
        Transport::Plain => sqlx::postgres::PgSslMode::Disable,
        Transport::Tls => sqlx::postgres::PgSslMode::Require,
    });
    if transport == Transport::Tls {
        use sqlx::Connection;
        if let Err(err) = sqlx::PgConnection::connect_with(&options).await {
            println!(
                "SKIPPED over TLS: the database does not offer TLS ({err}); only the plain-TCP \
                 case is proven by this run"
            );
            return None;
        }
    }
    let url = options.to_url_lossy().to_string();
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
    // The server's backend was working on the call (waiting for the lock) when it ended, over
    // the transport asked for.
    let busy = busy_backends(&pool, blocker_pid).await;
    assert!(!busy.is_empty(), "the write never reached the database");
    assert!(
        busy.iter().all(|b| b.3 == (transport == Transport::Tls)),
        "the server's connections are not {transport:?}: {busy:?}"
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
    let created = ok(client.create_organization(retry)).await;
    assert_eq!(created.name, "organizations/slow");
    let versions: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM organization_versions WHERE organization_id = 'slow'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(versions, 1);
    Some(Abandoned {
        code,
        released_after,
    })
}

#[sqlx::test(migrations = false)]
async fn a_call_past_its_deadline_is_rolled_back_and_its_backend_released(pool: PgPool) {
    let statement_timeout = Duration::from_secs(2);
    let seen = abandon_a_write(pool, statement_timeout, Ending::Deadline, Transport::Plain)
        .await
        .unwrap();
    println!(
        "deadline: answered {:?} after a {DEADLINE:?} deadline, backend released {:?} after the \
         call ended (statement timeout {statement_timeout:?}), 0 rows left behind",
        seen.code.unwrap(),
        seen.released_after
    );
}

/// The statement timeout is a backstop, not what stops an abandoned call: with the production
/// default of 25 s, the backend still stops within a second of the deadline.
async fn does_not_run_on(pool: PgPool, transport: Transport) {
    let statement_timeout = Duration::from_secs(25);
    let Some(seen) = abandon_a_write(pool, statement_timeout, Ending::Deadline, transport).await
    else {
        return;
    };
    assert!(seen.released_after < statement_timeout / 10);
    println!(
        "deadline ({transport:?}): answered {:?} after a {DEADLINE:?} deadline, backend released \
         {:?} after the call ended (statement timeout {statement_timeout:?})",
        seen.code.unwrap(),
        seen.released_after
    );
}

#[sqlx::test(migrations = false)]
async fn an_abandoned_call_does_not_run_on_to_the_statement_timeout(pool: PgPool) {
    does_not_run_on(pool, Transport::Plain).await;
}

#[sqlx::test(migrations = false)]
async fn over_tls_an_abandoned_call_does_not_run_on_to_the_statement_timeout(pool: PgPool) {
    does_not_run_on(pool, Transport::Tls).await;
}

async fn client_cancels(pool: PgPool, transport: Transport) {
    let statement_timeout = Duration::from_secs(25);
    let Some(seen) =
        abandon_a_write(pool, statement_timeout, Ending::ClientCancels, transport).await
    else {
        return;
    };
    println!(
        "cancel ({transport:?}): the client dropped its call after {DEADLINE:?}, backend released \
         {:?} after (statement timeout {statement_timeout:?}), 0 rows left behind",
        seen.released_after
    );
}

#[sqlx::test(migrations = false)]
async fn a_call_the_client_cancels_stops_its_backend(pool: PgPool) {
    client_cancels(pool, Transport::Plain).await;
}

#[sqlx::test(migrations = false)]
async fn over_tls_a_call_the_client_cancels_stops_its_backend(pool: PgPool) {
    client_cancels(pool, Transport::Tls).await;
}
