//! `scpf-reports report`, the scheduled job: its files, its reruns and its exit codes.

use std::path::Path;

use scpf_reports::pb;
use sqlx::PgPool;

use super::fixture::World;
use crate::support::{ok, rid};

async fn world(pool: PgPool) -> World {
    let mut w = World::belgium_at_the_36th(pool).await;
    w.committed("be", "belgium", "USD", ("2025-06-30", "1000.00"))
        .await;
    w.receipt("be", "2025-06-27", "USD", "1000.00").await;
    w
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Now, to the microsecond the server keeps: a whole second could fall before the test's data.
fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

async fn job(server: &str, out: &Path, as_of: &str, extra: &[&str]) -> Run {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_scpf-reports"))
        .args([
            "--log-format",
            "text",
            "report",
            "--server",
            server,
            "--as-of",
            as_of,
        ])
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .await
        .unwrap();
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[sqlx::test(migrations = false)]
async fn the_job_writes_its_files_and_a_rerun_changes_nothing(pool: PgPool) {
    let w = world(pool).await;
    let server = format!("http://{}", w._server.addr);
    let out = tempfile::tempdir().unwrap();
    let as_of = now();
    let first = job(
        &server,
        out.path(),
        &as_of,
        &["--session", "36", "--format", "json,csv,html,markdown"],
    )
    .await;
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    let dir = out.path().join("36").join("r1");
    for file in [
        "report.json",
        "report.html",
        "report.md",
        "voluntary_paid.csv",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing");
        assert!(
            first.stdout.contains(&dir.join(file).display().to_string()),
            "{file} not printed"
        );
    }
    let json = std::fs::read_to_string(dir.join("report.json")).unwrap();
    let report: pb::Report = scpf_reports::pb::json::from_str(&json).unwrap();
    assert_eq!(report.name, "sessions/36/reports/1");
    // No temporary files are left behind.
    assert!(
        std::fs::read_dir(&dir).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with('.'))
    );

    let again = job(
        &server,
        out.path(),
        &as_of,
        &["--session", "36", "--format", "json"],
    )
    .await;
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    assert!(
        again.stdout.contains("r1"),
        "a rerun replays revision 1: {}",
        again.stdout
    );
    assert!(!out.path().join("36").join("r2").exists());
}

#[sqlx::test(migrations = false)]
async fn the_job_fails_clearly_when_the_server_is_down_or_the_session_unknown(pool: PgPool) {
    let w = world(pool).await;
    let out = tempfile::tempdir().unwrap();
    let down = job(
        "http://127.0.0.1:1",
        out.path(),
        &now(),
        &["--session", "36"],
    )
    .await;
    assert_ne!(down.code, Some(0));
    assert!(
        down.stderr.contains("cannot reach the server"),
        "{}",
        down.stderr
    );

    let server = format!("http://{}", w._server.addr);
    let unknown = job(&server, out.path(), &now(), &["--session", "99"]).await;
    assert_ne!(unknown.code, Some(0));
    assert!(unknown.stderr.contains("sessions/99"), "{}", unknown.stderr);
    assert!(unknown.stderr.contains("not found"), "{}", unknown.stderr);
}

#[sqlx::test(migrations = false)]
async fn the_job_fails_clearly_when_the_session_already_has_a_final_report(pool: PgPool) {
    let mut w = world(pool).await;
    let earlier = w.generate(36, None).await;
    ok(w.reports.finalize_report(pb::FinalizeReportRequest {
        name: earlier.name.clone(),
        etag: earlier.etag.clone(),
        request_id: rid(),
    }))
    .await;
    let server = format!("http://{}", w._server.addr);
    let out = tempfile::tempdir().unwrap();
    let run = job(
        &server,
        out.path(),
        &now(),
        &["--session", "36", "--finalize", "--format", "json"],
    )
    .await;
    assert_ne!(run.code, Some(0));
    assert!(
        run.stderr.contains("already has a final report"),
        "{}",
        run.stderr
    );
}

#[sqlx::test(migrations = false)]
async fn the_job_states_the_position_at_the_status_date_it_is_given(pool: PgPool) {
    let w = world(pool).await;
    let server = format!("http://{}", w._server.addr);
    let out = tempfile::tempdir().unwrap();
    let as_of = now();
    let read = |revision: &str| -> pb::Report {
        let path = out.path().join("36").join(revision).join("report.json");
        scpf_reports::pb::json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    };
    let args = ["--session", "36", "--format", "json"];

    let session_default = job(&server, out.path(), &as_of, &args).await;
    assert_eq!(session_default.code, Some(0), "{}", session_default.stderr);
    assert_eq!(read("r1").status_date, "2025-06-30");
    let paid = |r: &pb::Report| {
        r.content
            .as_ref()
            .unwrap()
            .voluntary_contributions
            .as_ref()
            .unwrap()
            .total_paid
            .clone()
    };
    assert_eq!(paid(&read("r1")), "1000.00");

    // The receipt came on 27 June: stated at 31 March, nothing was paid yet.
    let march = [&args[..], &["--status-date", "2025-03-31"]].concat();
    let run = job(&server, out.path(), &as_of, &march).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stderr.contains("status as at 2025-03-31"),
        "{}",
        run.stderr
    );
    let r2 = read("r2");
    assert_eq!(
        (r2.status_date.as_str(), paid(&r2).as_str()),
        ("2025-03-31", "0.00")
    );
    // The same run again replays revision 2.
    let again = job(&server, out.path(), &as_of, &march).await;
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    assert!(!out.path().join("36").join("r3").exists());

    let refused = job(
        &server,
        out.path(),
        &as_of,
        &[&args[..], &["--status-date", "2026-01-01"]].concat(),
    )
    .await;
    assert_ne!(refused.code, Some(0));
    assert!(
        refused.stderr.contains("STATUS_DATE_OUT_OF_RANGE")
            || refused.stderr.contains("status date"),
        "{}",
        refused.stderr
    );
}
