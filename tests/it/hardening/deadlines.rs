//! A call's deadline reaches the database: every session of the server's pool has a statement
//! timeout below the request timeout, so a query the client gave up on does not run on.

use std::time::{Duration, Instant};

use scpf_reports::{config::with_statement_timeout, pb};
use sqlx::{PgPool, postgres::PgPoolOptions};
use tonic::Code;

use crate::support::{TestServer, test_settings};

/// Backends of this database, other than the test's own, running a statement on organizations.
async fn busy_backends(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity
          WHERE datname = current_database() AND state = 'active'
            AND pid <> pg_backend_pid() AND query ILIKE '%organization%'",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrations = false)]
async fn a_query_outliving_its_call_is_cancelled_within_the_statement_timeout(pool: PgPool) {
    scpf_reports::store::migrate(&pool).await.unwrap();
    let statement_timeout = Duration::from_secs(2);
    let served = PgPoolOptions::new()
        .max_connections(3)
        .connect_with(with_statement_timeout(
            (*pool.connect_options()).clone(),
            statement_timeout,
        ))
        .await
        .unwrap();
    let server = TestServer::start_with(served, test_settings()).await;

    // A writer holds the table: every read of it waits, a query as slow as one wants.
    let mut blocker = pool.begin().await.unwrap();
    sqlx::query("LOCK TABLE organization_versions IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *blocker)
        .await
        .unwrap();

    let mut client = server.organizations();
    let started = Instant::now();
    let mut request = tonic::Request::new(pb::ListOrganizationsRequest::default());
    request.set_timeout(Duration::from_millis(300));
    let status = client.list_organizations(request).await.unwrap_err();
    assert!(
        matches!(status.code(), Code::DeadlineExceeded | Code::Cancelled),
        "{status:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(1));
    // The call is over; its query still waits in the database ...
    assert!(
        busy_backends(&pool).await >= 1,
        "the query reached the database"
    );
    // ... until the statement timeout cancels it.
    let mut last = i64::MAX;
    while started.elapsed() < statement_timeout + Duration::from_secs(1) {
        last = busy_backends(&pool).await;
        if last == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        last,
        0,
        "a backend still runs after {:?}",
        started.elapsed()
    );
    blocker.rollback().await.unwrap();

    // The pool's connections are still good.
    client
        .list_organizations(pb::ListOrganizationsRequest::default())
        .await
        .unwrap();
}

#[test]
fn serve_refuses_a_statement_timeout_that_would_outlive_its_call() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_scpf-reports"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            "postgres://nobody@127.0.0.1:1/none",
            "--request-timeout",
            "30s",
            "--db-statement-timeout",
            "30s",
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("SCPF_DB_STATEMENT_TIMEOUT"), "{stderr}");
}
