//! `scpf-reports import contributions FILE.csv` against a real server.

use std::path::{Path, PathBuf};

use sqlx::PgPool;

use crate::contributions::fixtures::{count, setup};
use crate::support::cli::{self, Run};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/contributions.csv");

const HEADER: &str = "contribution_id,donor,funding_type,budget_part,earmarking_category,earmarking_modality,programme,earmarked_to,status,currency_code,total,installments,agreement_date,period_start,period_end,announced_at,description,request_id";

fn temp_dir() -> PathBuf {
    cli::temp_dir("scpf-import")
}

async fn import(server: std::net::SocketAddr, file: &Path, token_file: &Path) -> Run {
    cli::run(
        cli::command()
            .args(["import", "contributions"])
            .arg(file)
            .args(["--server", &format!("http://{server}")])
            .arg("--token-file")
            .arg(token_file),
    )
    .await
}

#[sqlx::test(migrations = false)]
async fn the_example_file_imports_and_importing_it_again_changes_nothing(pool: PgPool) {
    let server = setup(&pool).await;
    let dir = temp_dir();
    let token = dir.join("token");
    std::fs::write(&token, "a-token\n").unwrap();

    let first = import(server.addr, Path::new(EXAMPLE), &token).await;
    assert_eq!(first.code, Some(0), "{}{}", first.stdout, first.stderr);
    assert_eq!(
        first.stdout.trim(),
        "5 rows: 5 written, 0 already imported, 0 failed"
    );
    assert_eq!(count(&pool, "contributions").await, 5);

    let again = import(server.addr, Path::new(EXAMPLE), &token).await;
    assert_eq!(again.code, Some(0), "{}{}", again.stdout, again.stderr);
    assert_eq!(
        again.stdout.trim(),
        "5 rows: 0 written, 5 already imported, 0 failed"
    );
    assert_eq!(count(&pool, "contributions").await, 5);
    std::fs::remove_dir_all(dir).unwrap();
}

#[sqlx::test(migrations = false)]
async fn each_refused_line_is_reported_and_the_rest_still_imports(pool: PgPool) {
    let server = setup(&pool).await;
    let dir = temp_dir();
    let token = dir.join("token");
    std::fs::write(&token, "a-token").unwrap();
    let file = dir.join("contributions.csv");
    let lines = [
        HEADER,
        "ok-1,belgium,VOLUNTARY,,1,A,,,COMMITMENT,EUR,10.00,2025-06-30=10.00,2025-06-25,2025-01-01,2025-12-31,,,",
        "too-precise,belgium,VOLUNTARY,,1,A,,,COMMITMENT,EUR,10.001,2025-06-30=10.001,2025-06-25,2025-01-01,2025-12-31,,,",
        "short,line",
        "odd,belgium,SOMETIMES,,1,A,,,COMMITMENT,EUR,10.00,2025-06-30=10.00,2025-06-25,2025-01-01,2025-12-31,,,",
        "ok-2,luxembourg,voluntary,,1,A,,,COMMITMENT,EUR,20.00,2025-06-30=10.00;2026-06-30=10.00,2025-06-25,2025-01-01,2026-12-31,36,,",
        "",
    ];
    std::fs::write(&file, lines.join("\n")).unwrap();

    let run = import(server.addr, &file, &token).await;
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    let report: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(report.len(), 4, "{}", run.stdout);
    assert!(
        report[0].starts_with("line 3: contribution.total.amount: TOO_MANY_DECIMALS: "),
        "{}",
        report[0]
    );
    assert_eq!(
        report[1],
        "line 4: CSV: the line has 2 fields; the header has 18"
    );
    assert_eq!(
        report[2],
        "line 5: contribution.funding_type: INVALID_VALUE: \"SOMETIMES\" is not one of ASSESSED, VOLUNTARY"
    );
    assert_eq!(report[3], "5 rows: 2 written, 0 already imported, 3 failed");
    assert!(run.stderr.contains("3 of 5 rows failed"), "{}", run.stderr);
    assert_eq!(count(&pool, "contributions").await, 2);
    std::fs::remove_dir_all(dir).unwrap();
}
