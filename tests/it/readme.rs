//! The README's grpcurl block, run verbatim with the real grpcurl against a server that requires
//! a token: every resource can be created and read with the JSON the README shows.

use std::io::Write as _;

use secrecy::SecretString;
use sqlx::PgPool;

use crate::support::{TestServer, test_settings};

/// The first `sh` block of the README section `## Calling it with grpcurl`.
fn grpcurl_block() -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = readme
        .split("## Calling it with grpcurl")
        .nth(1)
        .expect("the README has a grpcurl section");
    let block = section.split("```sh\n").nth(1).expect("a sh block");
    block.split("\n```").next().unwrap().to_owned()
}

#[sqlx::test(migrations = false)]
async fn every_grpcurl_example_in_the_readme_works(pool: PgPool) {
    scpf_reports::store::migrate(&pool).await.unwrap();
    let token = "readme-example-token";
    let mut tokens = tempfile::NamedTempFile::new().unwrap();
    writeln!(
        tokens,
        "{} admin readme",
        scpf_reports::auth::hash_token(&SecretString::from(token.to_owned()))
    )
    .unwrap();
    let mut settings = test_settings();
    settings.auth.allow_anonymous = false;
    settings.auth.auth_tokens_file = Some(tokens.path().to_owned());
    let server = TestServer::start_with(pool.clone(), settings).await;

    let script = grpcurl_block().replace("127.0.0.1:50051", &server.addr.to_string());
    let grpcurl = std::env::var("GRPCURL").unwrap_or_else(|_| "grpcurl".to_owned());
    let grpcurl_dir = std::path::Path::new(&grpcurl)
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let output = tokio::process::Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .env("TOKEN", token)
        .env(
            "PATH",
            format!(
                "{grpcurl_dir}:{}",
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the README block failed:\n{}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    for expected in [
        "\"name\": \"organizations/netherlands\"",
        "\"name\": \"sessions/38\"",
        "\"name\": \"programmes/migration-health\"",
        "\"name\": \"exchangeRates/EUR-USD-2027-01\"",
        "\"name\": \"contributions/netherlands-health-2026-2027\"",
        "\"name\": \"allocations/readme-allocation-1\"",
        "\"name\": \"sessions/38/reports/1\"",
        "\"actor\": \"readme\"",
    ] {
        assert!(
            stdout.contains(expected),
            "{expected} not in the output:\n{stdout}"
        );
    }
    // Running the block again replays every write: nothing new is recorded.
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events")
        .fetch_one(&pool)
        .await
        .unwrap();
    let again = tokio::process::Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .env("TOKEN", token)
        .env(
            "PATH",
            format!(
                "{grpcurl_dir}:{}",
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .output()
        .await
        .unwrap();
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(after, events);
}
