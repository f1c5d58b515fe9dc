//! What operators see: error details that grpcurl can print, a tokens file that cannot hold a
//! raw token by mistake, and refusals that tell nothing of other callers.

use std::time::Duration;

use scpf_reports::{
    config::ServerSettings,
    pb::{self, session_service_client::SessionServiceClient},
    server::Application,
};
use sqlx::PgPool;
use tonic::Code;

use crate::support::fixtures;
use crate::support::{TestServer, assert_refused, ok, rid, token_line};

/// Runs the grpcurl that scripts/test provides ($GRPCURL); returns its exit success and its
/// standard output and error together.
async fn grpcurl(args: &[&str]) -> (bool, String) {
    let program = std::env::var("GRPCURL").unwrap_or_else(|_| "grpcurl".to_owned());
    let output = tokio::time::timeout(
        Duration::from_secs(30),
        tokio::process::Command::new(&program).args(args).output(),
    )
    .await
    .expect("grpcurl finishes")
    .unwrap_or_else(|e| panic!("running {program}: {e}"));
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    (output.status.success(), text)
}

#[sqlx::test(migrations = false)]
async fn grpcurl_prints_the_reason_and_the_field_of_a_refusal(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let addr = server.addr.to_string();
    let (ok, text) = grpcurl(&[
        "-plaintext",
        "-d",
        r#"{"organization_id": "Not An Id", "organization": {"display_name": "Belgium", "kind": "ORGANIZATION_KIND_GOVERNMENT"}, "request_id": "r-1"}"#,
        &addr,
        "scpf.v1.OrganizationService/CreateOrganization",
    ])
    .await;
    assert!(!ok, "{text}");
    assert!(text.contains("InvalidArgument"), "{text}");
    assert!(!text.contains("is not recognized"), "{text}");
    assert!(text.contains("google.rpc.ErrorInfo"), "{text}");
    assert!(text.contains("\"reason\":\"INVALID_ID\""), "{text}");
    assert!(text.contains("google.rpc.BadRequest"), "{text}");
    assert!(text.contains("\"field\":\"organization_id\""), "{text}");

    let (ok, text) = grpcurl(&["-plaintext", &addr, "describe", "google.rpc.ErrorInfo"]).await;
    assert!(ok, "{text}");
    assert!(text.contains("reason"), "{text}");
}

#[sqlx::test(migrations = false)]
async fn a_raw_token_in_the_tokens_file_stops_the_start(pool: PgPool) {
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens");
    // A token made as the README once suggested: 64 hex digits, like a hash without its prefix.
    let token = "5f2b8c1e9a7d3f6b0c4e8a2d7f1b9e3c6a0d4f8b2e7c1a5d9f3b7e0c4a8d2f6b";
    std::fs::write(&tokens, format!("{token} admin ops-alice\n")).unwrap();
    let mut settings = ServerSettings {
        health_interval: Duration::from_millis(100),
        ..ServerSettings::defaults()
    };
    settings.telemetry.metrics_listen = "127.0.0.1:0".parse().unwrap();
    settings.auth.auth_tokens_file = Some(tokens.clone());
    let err = Application::build(
        "127.0.0.1:0".parse().unwrap(),
        pool.clone(),
        settings.clone(),
    )
    .await
    .err()
    .expect("the server refuses to start");
    let message = format!("{err:#}");
    assert!(message.contains("line 1"), "{message}");
    assert!(message.contains("hash-token"), "{message}");
    assert!(
        !message.contains(token),
        "the token is never echoed: {message}"
    );

    // The same token, hashed as `hash-token` prints it, is accepted.
    std::fs::write(&tokens, token_line(token, "admin", "ops-alice")).unwrap();
    assert!(
        Application::build("127.0.0.1:0".parse().unwrap(), pool, settings)
            .await
            .is_ok()
    );
}

#[sqlx::test(migrations = false)]
async fn a_reused_request_id_does_not_tell_what_it_was_used_for(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let request_id = rid();
    let mut organizations = server.organizations();
    ok(
        organizations.create_organization(pb::CreateOrganizationRequest {
            request_id: request_id.clone(),
            ..fixtures::belgium()
        }),
    )
    .await;
    let mut sessions = SessionServiceClient::new(server.channel.clone());
    let status = assert_refused(
        sessions
            .create_session(pb::CreateSessionRequest {
                session: Some(pb::Session {
                    body: pb::GoverningBody::Scpf as i32,
                    number: 36,
                    start_date: "2025-06-25".into(),
                    end_date: "2025-06-26".into(),
                    reporting_period_start: "2025-01-01".into(),
                    reporting_period_end: "2025-06-30".into(),
                    ..Default::default()
                }),
                request_id,
            })
            .await,
        Code::FailedPrecondition,
        "REQUEST_ID_REUSED",
        None,
    );
    assert!(
        !status.message().contains("Organization"),
        "{}",
        status.message()
    );
    assert!(
        !status.message().contains("scpf.v1"),
        "{}",
        status.message()
    );
}
