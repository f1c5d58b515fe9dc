//! The README's grpcurl block, run verbatim with the real grpcurl against a server that requires
//! a token: every resource can be created and read with the JSON the README shows.

use std::io::Write as _;

use sqlx::PgPool;

use crate::support::{TestServer, test_settings, token_line};

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
    write!(tokens, "{}", token_line(token, "admin", "readme")).unwrap();
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
    // The block as an operator runs it: bash stopping at the first error, grpcurl on the PATH.
    let run = || {
        tokio::process::Command::new("bash")
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
    };
    let output = run().await.unwrap();
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
    let again = run().await.unwrap();
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

/// Upper-case words quoted in the source that are not error reasons: states, formats, names.
const NOT_REASONS: &[&str] = &[
    "CARGO_MANIFEST_DIR",
    "CONEX",
    "DRAFT",
    "ERROR",
    "FINAL",
    "HTML",
    "IATI",
    "JSON",
    "PATH",
    "SCPF",
    "TRUE",
];

/// Every string literal of `src/` that looks like a reason (`UPPER_CASE`, or one upper-case word
/// of four letters or more), with the file it is in. Environment variables (`SCPF_...`), enum
/// name prefixes (`FUNDING_TYPE_`), SQLSTATEs (`SC001`) and the gRPC code names of the metrics are
/// not reasons.
fn reasons_in_code() -> std::collections::BTreeMap<String, String> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    walk(&root.join("src"), &mut files);
    let mut found = std::collections::BTreeMap::new();
    for file in files {
        if file.ends_with("telemetry/rpc.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for literal in text.split('"').skip(1).step_by(2) {
            let upper = !literal.is_empty()
                && literal.starts_with(|c: char| c.is_ascii_uppercase())
                && literal
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
            let shaped = (literal.contains('_') || literal.len() >= 4) && !literal.ends_with('_');
            let sqlstate = literal.len() == 5 && literal[2..].chars().all(|c| c.is_ascii_digit());
            if upper
                && shaped
                && !sqlstate
                && !literal.starts_with("SCPF_")
                && !NOT_REASONS.contains(&literal)
            {
                found
                    .entry(literal.to_owned())
                    .or_insert_with(|| file.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    found
}

#[test]
fn every_error_reason_in_the_code_is_in_the_readme() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let reasons = reasons_in_code();
    // The scan must see the reasons it is meant to see, or it proves nothing.
    for known in [
        "REQUIRED",
        "NOT_FOUND",
        "REPORT_ALREADY_FINAL",
        "UNKNOWN_CONTRIBUTION",
    ] {
        assert!(reasons.contains_key(known), "the scan misses {known}");
    }
    let missing: Vec<String> = reasons
        .iter()
        .filter(|(reason, _)| !readme.contains(&format!("`{reason}`")))
        .map(|(reason, file)| format!("{reason} ({file})"))
        .collect();
    assert!(
        missing.is_empty(),
        "reasons used in the code but not in the README (add them to its Errors table, or to \
         NOT_REASONS here if they are not reasons): {missing:?}"
    );
}

#[test]
fn every_reason_in_the_readme_errors_table_is_in_the_code() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = readme
        .split("\n## Errors\n")
        .nth(1)
        .expect("the README has an Errors section")
        .split("\n## ")
        .next()
        .unwrap();
    let reasons = reasons_in_code();
    let mut listed = 0;
    let mut unknown = Vec::new();
    for row in section.lines().filter(|l| l.starts_with("| ")) {
        let Some(cell) = row.split('|').nth(2) else {
            continue;
        };
        for quoted in cell.split('`').skip(1).step_by(2) {
            listed += 1;
            if !reasons.contains_key(quoted) {
                unknown.push(quoted.to_owned());
            }
        }
    }
    assert!(
        listed > 50,
        "only {listed} reasons read from the README's table"
    );
    assert!(
        unknown.is_empty(),
        "the README lists reasons the code never gives: {unknown:?}"
    );
}
