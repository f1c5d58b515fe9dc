//! An import against a server whose database is down stops after the first refused batch and
//! says how far it got, rather than waiting for every batch to fail the same way.

use std::time::Duration;

use sqlx::{PgPool, postgres::PgPoolOptions};

use crate::support::{TestServer, test_settings};

const HEADER: &str = "contribution_id,donor,funding_type,budget_part,earmarking_category,earmarking_modality,programme,earmarked_to,status,currency_code,total,installments,agreement_date,period_start,period_end,announced_at,description,request_id";

#[sqlx::test(migrations = false)]
async fn an_import_stops_at_the_first_batch_refused_as_unavailable(_pool: PgPool) {
    // A database nobody listens on: every batch waits for a connection, then is UNAVAILABLE.
    let dead = PgPoolOptions::new()
        .acquire_timeout(Duration::from_millis(300))
        .connect_lazy("postgres://postgres@127.0.0.1:1/none")
        .unwrap();
    let server = TestServer::start_with(dead, test_settings()).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("contributions.csv");
    let rows = 5000;
    let mut text = format!("{HEADER}\n");
    for i in 0..rows {
        text.push_str(&format!(
            "c-{i},belgium,VOLUNTARY,,1,A,,,COMMITMENT,EUR,10.00,2025-06-30=10.00,2025-06-25,2025-01-01,2025-12-31,,,\n"
        ));
    }
    std::fs::write(&file, text).unwrap();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_scpf-reports"))
        .args(["import", "contributions"])
        .arg(&file)
        .args(["--server", &format!("http://{}", server.addr)])
        .env_remove("SCPF_SERVER")
        .env_remove("SCPF_TOKEN_FILE")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stdout}{stderr}");
    assert!(stderr.contains("the import stopped"), "{stderr}");
    assert!(stderr.contains("DATABASE_UNAVAILABLE"), "{stderr}");
    assert!(
        stderr.contains(&format!("0 of {rows} rows were written")),
        "{stderr}"
    );
    // The rows it did not get to are not reported one by one as failed.
    assert!(!stdout.contains("line "), "{stdout}");
}
