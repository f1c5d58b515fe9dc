//! `scpf-reports iati import|export|reconcile` against a real server.

use std::path::{Path, PathBuf};

use sqlx::PgPool;

use super::{
    count, minimal,
    reconcile::{belgian_publication, recorded},
};
use crate::support::{
    TestServer,
    cli::{self, Run},
};

fn temp_dir() -> PathBuf {
    cli::temp_dir("scpf-iati")
}

async fn run(server: &TestServer, args: &[&str]) -> Run {
    cli::run(
        cli::command()
            .arg("iati")
            .args(args)
            .args(["--server", &format!("http://{}", server.addr)]),
    )
    .await
}

/// A file of more than a megabyte, so that it is sent in several calls, with one broken
/// activity near its end.
fn big_file(dir: &Path) -> (PathBuf, usize, usize) {
    let padding = "x".repeat(3000);
    let mut activities = Vec::new();
    for i in 0..400 {
        let a = minimal(
            &format!("GB-GOV-1-{i}"),
            "GB-GOV-1",
            &format!("Activity {i}"),
        )
        .replace(
            "<narrative></narrative>",
            &format!("<narrative>{padding}</narrative>"),
        );
        activities.push(a);
    }
    activities.insert(
        390,
        "<iati-activity>\n  <iati-identifier>BROKEN</iati-identifier>\n  <title><narrative>Broken</narative></title>\n</iati-activity>\n".to_owned(),
    );
    let doc = super::document(&activities);
    let broken_line = doc.lines().position(|l| l.contains("</narative>")).unwrap() + 1;
    let path = dir.join("big.xml");
    std::fs::write(&path, &doc).unwrap();
    (path, broken_line, doc.len())
}

#[sqlx::test(migrations = false)]
async fn a_large_file_imports_in_several_calls_with_the_file_s_own_positions(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let dir = temp_dir();
    let (path, broken_line, size) = big_file(&dir);
    assert!(size > 1 << 20, "the file must need more than one call");
    let file = path.to_str().unwrap();
    let first = run(&server, &["import", file]).await;
    assert_eq!(first.code, Some(1), "{}{}", first.stdout, first.stderr);
    let expected = format!("{file}:{broken_line}:27: narative: MALFORMED_XML: ");
    assert!(
        first.stdout.contains(&expected),
        "{expected} not in\n{}",
        first.stdout
    );
    assert!(
        first
            .stdout
            .contains("401 activities: 400 written, 0 unchanged, 0 stale, 1 failed"),
        "{}",
        first.stdout
    );
    assert_eq!(count(&pool, "programmes").await, 400);
    let again = run(&server, &["import", file]).await;
    assert!(
        again
            .stdout
            .contains("401 activities: 0 written, 400 unchanged, 0 stale, 1 failed"),
        "{}",
        again.stdout
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[sqlx::test(migrations = false)]
async fn export_writes_a_valid_file_and_reconcile_prints_csv_and_markdown(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let commitment = recorded(&server).await;
    let dir = temp_dir();
    let out = dir.join("iom.xml");
    let exported = run(&server, &["export", "--out", out.to_str().unwrap()]).await;
    assert_eq!(
        exported.code,
        Some(0),
        "{}{}",
        exported.stdout,
        exported.stderr
    );
    let doc = std::fs::read_to_string(&out).unwrap();
    super::export::validate(&doc);
    assert!(doc.contains("XM-DAC-47066-BE-O-REMIT"));

    let donor = dir.join("belgium.xml");
    std::fs::write(&donor, belgian_publication()).unwrap();
    let csv = run(
        &server,
        &["reconcile", donor.to_str().unwrap(), "--format", "csv"],
    )
    .await;
    assert_eq!(csv.code, Some(0), "{}{}", csv.stdout, csv.stderr);
    let lines: Vec<&str> = csv.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "donor,contribution,year,currency_code,donor_committed,recorded_due,committed_difference,donor_disbursed,recorded_received,received_difference,match,donor_activities,note"
    );
    assert_eq!(
        lines[1],
        format!(
            "organizations/xm-dac-2-10,{commitment},2025,EUR,2000000.00,1000000.00,1000000.00,1000000.00,1000000.00,0.00,BOTH,XM-DAC-2-10-DIASPORA,"
        )
    );
    assert_eq!(lines.len(), 4);
    let md = run(&server, &["reconcile", donor.to_str().unwrap()]).await;
    assert_eq!(md.code, Some(0), "{}", md.stderr);
    assert!(
        md.stdout.starts_with("| donor | contribution | year |"),
        "{}",
        md.stdout
    );
    assert!(md.stdout.contains("| -1000000.00 |"), "{}", md.stdout);
    std::fs::remove_dir_all(dir).unwrap();
}
