//! One caller cannot hold the whole database pool: at most `caller_concurrency_limit` of one
//! principal's calls run at once, its others wait their turn, and another caller is served
//! meanwhile.

use std::time::{Duration, Instant};

use scpf_reports::{
    pb::{self, session_service_client::SessionServiceClient},
    store::write::HISTORY_LOCK,
};
use sqlx::PgPool;
use tonic::Code;

use crate::support::{RUNTIME_LOGIN, TestServer, test_settings, token_line, with_token};

/// The principal that floods the server with writes, and its token.
const WRITER: &str = "a-writer-token";
/// Another principal, a viewer.
const VIEWER: &str = "another-viewer-token";

/// The server's backends waiting for the history lock.
async fn waiting_for_the_lock(pool: &PgPool) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity
         WHERE datname = current_database() AND usename = $1
           AND wait_event_type = 'Lock' AND wait_event = 'advisory'",
    )
    .bind(RUNTIME_LOGIN)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrations = false)]
async fn one_caller_holds_at_most_its_share_of_the_pool(pool: PgPool) {
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens");
    std::fs::write(
        &tokens,
        token_line(WRITER, "editor", "importer") + &token_line(VIEWER, "viewer", "dashboards"),
    )
    .unwrap();
    let mut settings = test_settings();
    settings.auth.allow_anonymous = false;
    settings.auth.auth_tokens_file = Some(tokens);
    // The test server's pool has 10 connections (support::as_runtime).
    let share = 4;
    settings.caller_concurrency_limit = share;
    scpf_reports::store::migrate(&pool).await.unwrap();
    let server = TestServer::start_with(pool.clone(), settings).await;

    // Every write of the flood waits for the history lock, holding its connection.
    let mut blocker = pool.begin().await.unwrap();
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(HISTORY_LOCK)
        .execute(&mut *blocker)
        .await
        .unwrap();
    let writes = 12;
    let flood: Vec<_> = (0..writes)
        .map(|i| {
            let mut client = server.organizations();
            tokio::spawn(async move {
                client
                    .create_organization(with_token(
                        pb::CreateOrganizationRequest {
                            organization_id: format!("flood-{i}"),
                            organization: Some(pb::Organization {
                                display_name: format!("Flood {i}"),
                                kind: pb::OrganizationKind::Other as i32,
                                ..Default::default()
                            }),
                            request_id: format!("flood-{i}"),
                        },
                        WRITER,
                        Duration::from_secs(25),
                    ))
                    .await
            })
        })
        .collect();

    // The writer's share of the pool, no more, is taken: the others wait their turn outside it.
    let started = Instant::now();
    while waiting_for_the_lock(&pool).await < share as i64 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the writes never reached the database"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(waiting_for_the_lock(&pool).await, share as i64);

    // Another caller is served at once, again and again: NOT_FOUND, there is no such session.
    let mut sessions = SessionServiceClient::new(server.channel.clone());
    let mut slowest = Duration::ZERO;
    for _ in 0..5 {
        let asked = Instant::now();
        let status = sessions
            .get_session(with_token(
                pb::GetSessionRequest {
                    name: "sessions/36".into(),
                    ..Default::default()
                },
                VIEWER,
                Duration::from_secs(2),
            ))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::NotFound, "{status:?}");
        slowest = slowest.max(asked.elapsed());
    }

    // Once the lock is free, every write of the flood is done, each once.
    blocker.rollback().await.unwrap();
    for call in flood {
        let created = call.await.unwrap().unwrap().into_inner();
        assert!(created.name.starts_with("organizations/flood-"));
    }
    let written: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM organization_versions WHERE organization_id LIKE 'flood-%'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(written, writes);
    println!(
        "callers: {writes} writes of one caller blocked, {share} of them holding a connection; \
         another caller's slowest of 5 calls {slowest:?}; {written} written once each"
    );
}
