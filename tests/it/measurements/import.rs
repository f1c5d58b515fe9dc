//! ImportMeasurements and the `import measurements` command: rows that succeed or fail on their
//! own, idempotent per row, written in batches.

use std::{collections::BTreeMap, time::Instant};

use scpf_reports::pb;
use sqlx::PgPool;
use tonic::Code;

use crate::{
    indicators::{client, with_returns},
    measurements::{RETURNS, dims, women_2025},
    support::{TestServer, count, ok, rid},
};

fn row(
    row: i64,
    parent: &str,
    measurement: pb::Measurement,
    request_id: &str,
) -> pb::ImportMeasurementsRequest {
    pb::ImportMeasurementsRequest {
        row,
        measurement: Some(pb::RecordMeasurementRequest {
            parent: parent.into(),
            measurement: Some(measurement),
            request_id: request_id.into(),
        }),
    }
}

async fn import(
    server: &TestServer,
    rows: Vec<pb::ImportMeasurementsRequest>,
) -> pb::ImportMeasurementsResponse {
    ok(client(server).import_measurements(futures::stream::iter(rows))).await
}

fn men_2025() -> pb::Measurement {
    pb::Measurement {
        dimensions: dims(&[("sex", "male")]),
        actual: "2210".into(),
        ..women_2025()
    }
}

/// The (code, reason, field) of a result, for compact assertions.
fn outcome(r: &pb::ImportRowResult) -> (Code, &str, &str) {
    (Code::from(r.code), r.reason.as_str(), r.field.as_str())
}

#[sqlx::test(migrations = false)]
async fn a_mixed_stream_reports_each_row_and_writes_only_the_good_ones(pool: PgPool) {
    let (server, _) = with_returns(&pool).await;
    let rows = vec![
        row(2, RETURNS, women_2025(), "a"),
        row(
            3,
            RETURNS,
            pb::Measurement {
                actual: "1,432".into(),
                ..women_2025()
            },
            "b",
        ),
        row(
            4,
            "programmes/avr-belgium/indicators/arrivals",
            women_2025(),
            "c",
        ),
        row(
            5,
            RETURNS,
            pb::Measurement {
                dimensions: dims(&[("colour", "blue")]),
                ..women_2025()
            },
            "d",
        ),
        row(6, RETURNS, men_2025(), "e"),
        // The same request again: a replay of row 2.
        row(7, RETURNS, women_2025(), "a"),
        // The same request_id with another payload.
        row(
            8,
            RETURNS,
            pb::Measurement {
                actual: "1".into(),
                ..men_2025()
            },
            "e",
        ),
        row(9, RETURNS, women_2025(), ""),
        row(
            10,
            RETURNS,
            pb::Measurement {
                period_start: "1980-01-01".into(),
                ..men_2025()
            },
            "f",
        ),
    ];
    let response = import(&server, rows).await;
    let r = &response.results;
    assert_eq!(
        r.iter().map(|r| r.row).collect::<Vec<_>>(),
        (2..=10).collect::<Vec<_>>()
    );
    assert_eq!(outcome(&r[0]), (Code::Ok, "", ""));
    assert!(!r[0].replayed && r[0].name.starts_with(RETURNS));
    assert_eq!(
        outcome(&r[1]),
        (
            Code::InvalidArgument,
            "INVALID_DECIMAL",
            "measurement.actual"
        )
    );
    assert_eq!(
        outcome(&r[2]),
        (Code::InvalidArgument, "UNKNOWN_INDICATOR", "parent")
    );
    assert_eq!(
        outcome(&r[3]),
        (
            Code::InvalidArgument,
            "UNKNOWN_DIMENSION",
            "measurement.dimensions[colour]"
        )
    );
    assert_eq!(outcome(&r[4]), (Code::Ok, "", ""));
    assert_eq!(outcome(&r[5]), (Code::Ok, "", ""));
    assert!(r[5].replayed);
    assert_eq!(r[5].name, r[0].name);
    assert_eq!(
        outcome(&r[6]),
        (Code::FailedPrecondition, "REQUEST_ID_REUSED", "")
    );
    assert_eq!(
        outcome(&r[7]),
        (Code::InvalidArgument, "REQUIRED", "request_id")
    );
    assert_eq!(
        outcome(&r[8]),
        (
            Code::InvalidArgument,
            "PERIOD_BEFORE_BASELINE",
            "measurement.period_start"
        )
    );
    assert!(
        r.iter()
            .filter(|r| r.code != 0)
            .all(|r| r.name.is_empty() && !r.message.is_empty())
    );
    assert_eq!(
        (response.written, response.replayed, response.failed),
        (2, 1, 6)
    );

    assert_eq!(count(&pool, "measurements").await, 2);
    assert_eq!(count(&pool, "measurement_versions").await, 2);
    assert_eq!(
        count(
            &pool,
            "audit_events WHERE method LIKE '%ImportMeasurements'"
        )
        .await,
        2
    );
    // Refused rows keep no claim on their request_id.
    assert_eq!(
        count(
            &pool,
            "idempotency_keys WHERE request_id IN ('b', 'c', 'd', 'f')"
        )
        .await,
        0
    );
}

#[sqlx::test(migrations = false)]
async fn resending_the_same_stream_writes_nothing_and_reports_replayed(pool: PgPool) {
    let (server, _) = with_returns(&pool).await;
    let rows = vec![
        row(1, RETURNS, women_2025(), &rid()),
        row(2, RETURNS, men_2025(), &rid()),
        row(
            3,
            RETURNS,
            pb::Measurement {
                dimensions: BTreeMap::new(),
                actual: "3642".into(),
                ..women_2025()
            },
            &rid(),
        ),
    ];
    let first = import(&server, rows.clone()).await;
    assert_eq!((first.written, first.replayed, first.failed), (3, 0, 0));
    let audits = count(&pool, "audit_events").await;

    let again = import(&server, rows).await;
    assert_eq!((again.written, again.replayed, again.failed), (0, 3, 0));
    assert!(again.results.iter().all(|r| r.replayed));
    let names = |r: &pb::ImportMeasurementsResponse| {
        r.results.iter().map(|r| r.name.clone()).collect::<Vec<_>>()
    };
    assert_eq!(names(&again), names(&first));
    assert_eq!(count(&pool, "measurement_versions").await, 3);
    assert_eq!(count(&pool, "audit_events").await, audits);
}

#[sqlx::test(migrations = false)]
async fn rows_of_one_key_in_one_stream_are_successive_corrections(pool: PgPool) {
    let (server, _) = with_returns(&pool).await;
    let with = |actual: &str, etag: &str| pb::Measurement {
        actual: actual.into(),
        etag: etag.into(),
        ..women_2025()
    };
    let response = import(
        &server,
        vec![
            row(1, RETURNS, with("10", ""), &rid()),
            row(2, RETURNS, with("20", ""), &rid()),
            // Stale: the row before made revision 2.
            row(3, RETURNS, with("30", "r1"), &rid()),
            row(4, RETURNS, with("40", "r2"), &rid()),
        ],
    )
    .await;
    let r = &response.results;
    assert_eq!(
        r.iter().map(|r| Code::from(r.code)).collect::<Vec<_>>(),
        [Code::Ok, Code::Ok, Code::Aborted, Code::Ok]
    );
    assert_eq!(r[2].reason, "ETAG_MISMATCH");
    assert_eq!(r[0].name, r[1].name);
    assert_eq!(r[0].name, r[3].name);

    let mut client = client(&server);
    let now = ok(client.get_measurement(pb::GetMeasurementRequest {
        name: r[0].name.clone(),
        as_of: None,
    }))
    .await;
    assert_eq!((now.revision, now.actual.as_str()), (3, "40"));
    assert_eq!(count(&pool, "measurement_versions").await, 3);
    assert_eq!(
        count(&pool, "measurement_versions WHERE valid_to IS NULL").await,
        1
    );
    // The versions between were true for no instant: the batch's instant shows the last.
    let at_write = ok(client.get_measurement(pb::GetMeasurementRequest {
        name: r[0].name.clone(),
        as_of: now.update_time,
    }))
    .await;
    assert_eq!(at_write, now);
    // Each correction is audited with the row before it.
    let befores: Vec<Option<serde_json::Value>> = sqlx::query_scalar(
        "SELECT before -> 'actual' FROM audit_events WHERE resource = $1 ORDER BY id",
    )
    .bind(&r[0].name)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(befores, [None, Some("10".into()), Some("20".into())]);
}

#[sqlx::test(migrations = false)]
async fn a_refused_row_leaves_its_request_id_free(pool: PgPool) {
    let (server, _) = with_returns(&pool).await;
    let bad = pb::Measurement {
        dimensions: dims(&[("colour", "blue")]),
        ..women_2025()
    };
    let first = import(&server, vec![row(1, RETURNS, bad, "x")]).await;
    assert_eq!(first.failed, 1);
    let fixed = import(&server, vec![row(1, RETURNS, women_2025(), "x")]).await;
    assert_eq!((fixed.written, fixed.failed), (1, 0));
}

#[sqlx::test(migrations = false)]
async fn an_unexpected_database_error_fails_the_whole_batch(pool: PgPool) {
    let (server, _) = with_returns(&pool).await;
    sqlx::raw_sql(
        "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
             IF NEW.comment = 'boom' THEN RAISE EXCEPTION 'boom'; END IF;
             RETURN NEW;
         END $$;
         CREATE TRIGGER boom BEFORE INSERT ON measurement_versions
             FOR EACH ROW EXECUTE FUNCTION boom();",
    )
    .execute(&pool)
    .await
    .unwrap();
    let boom = pb::Measurement {
        comment: "boom".into(),
        dimensions: BTreeMap::new(),
        ..women_2025()
    };
    let rows = vec![
        row(1, RETURNS, women_2025(), "g1"),
        row(
            2,
            RETURNS,
            pb::Measurement {
                actual: "x".into(),
                ..women_2025()
            },
            "g2",
        ),
        row(3, RETURNS, boom, "g3"),
        row(4, RETURNS, men_2025(), "g4"),
    ];
    let response = import(&server, rows).await;
    let codes: Vec<Code> = response
        .results
        .iter()
        .map(|r| Code::from(r.code))
        .collect();
    // The row refused before the database keeps its own reason; the others share the failure.
    assert_eq!(
        codes,
        [
            Code::Internal,
            Code::InvalidArgument,
            Code::Internal,
            Code::Internal
        ]
    );
    assert_eq!((response.written, response.failed), (0, 4));
    assert_eq!(count(&pool, "measurements").await, 0);
    assert_eq!(
        count(&pool, "idempotency_keys WHERE request_id LIKE 'g%'").await,
        0
    );

    // Nothing was claimed: the same rows go through once the cause is gone.
    sqlx::query("DROP TRIGGER boom ON measurement_versions")
        .execute(&pool)
        .await
        .unwrap();
    let retry = import(
        &server,
        vec![
            row(1, RETURNS, women_2025(), "g1"),
            row(4, RETURNS, men_2025(), "g4"),
        ],
    )
    .await;
    assert_eq!((retry.written, retry.replayed, retry.failed), (2, 0, 0));
}

/// A distinct measurement per n: one day each, from 2025.
fn daily(n: i64, actual: &str) -> pb::Measurement {
    let day = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Days::new(n as u64);
    pb::Measurement {
        period_start: day.to_string(),
        period_end: day.to_string(),
        actual: actual.into(),
        ..women_2025()
    }
}

#[sqlx::test(migrations = false)]
async fn streams_longer_than_a_batch_keep_their_order(pool: PgPool) {
    let (server, _) = with_returns(&pool).await;
    let rows: Vec<_> = (0..1234)
        .map(|n| {
            let actual = if n % 100 == 99 { "bad" } else { "1" };
            row(n + 1, RETURNS, daily(n, actual), &rid())
        })
        .collect();
    let response = import(&server, rows).await;
    assert_eq!(
        response.results.iter().map(|r| r.row).collect::<Vec<_>>(),
        (1..=1234).collect::<Vec<_>>()
    );
    assert_eq!((response.written, response.failed), (1222, 12));
    assert!(
        response
            .results
            .iter()
            .filter(|r| r.code != 0)
            .all(|r| r.row % 100 == 0 && r.reason == "INVALID_DECIMAL")
    );
    assert_eq!(count(&pool, "measurements").await, 1222);
}

#[sqlx::test(migrations = false)]
async fn concurrent_imports_of_the_same_keys_become_successive_revisions(pool: PgPool) {
    let (server, _) = with_returns(&pool).await;
    let stream = |actual: &'static str| -> Vec<_> {
        (0..300)
            .map(|n| row(n + 1, RETURNS, daily(n, actual), &rid()))
            .collect()
    };
    let (a, b) = tokio::join!(import(&server, stream("1")), import(&server, stream("2")));
    assert_eq!((a.written, a.failed), (300, 0));
    assert_eq!((b.written, b.failed), (300, 0));
    assert_eq!(count(&pool, "measurements").await, 300);
    assert_eq!(
        count(
            &pool,
            "measurement_versions WHERE revision = 2 AND valid_to IS NULL"
        )
        .await,
        300
    );
}

/// Throughput of ImportMeasurements over 10,000 rows in one stream. Run by hand:
/// `cargo nextest run --release --run-ignored only --no-capture import_throughput`.
/// Over TCP, sqlx 0.9.0 leaves Nagle's algorithm on, and every statement larger than the
/// socket's send buffer waits about 40 ms for a delayed ACK; a Unix socket URL
/// (`postgres://postgres@localhost/db?host=/var/run/postgresql`) shows the cost without it.
#[sqlx::test(migrations = false)]
#[ignore = "a measurement, not a check; run by hand"]
async fn import_throughput_of_ten_thousand_rows(pool: PgPool) {
    let (server, _) = with_returns(&pool).await;
    let rows: Vec<_> = (0..10_000)
        .map(|n| {
            let sex = if n % 2 == 0 { "female" } else { "male" };
            let m = pb::Measurement {
                dimensions: dims(&[("sex", sex)]),
                ..daily(n / 2, "1234.5")
            };
            row(n + 1, RETURNS, m, &rid())
        })
        .collect();
    let started = Instant::now();
    let response = import(&server, rows.clone()).await;
    let elapsed = started.elapsed();
    assert_eq!(response.written, 10_000);
    let started = Instant::now();
    let replay = import(&server, rows).await;
    let replay_elapsed = started.elapsed();
    assert_eq!(replay.replayed, 10_000);
    println!(
        "ImportMeasurements: 10000 rows written in {:.2} s ({:.0} rows/s); replayed in {:.2} s ({:.0} rows/s)",
        elapsed.as_secs_f64(),
        10_000.0 / elapsed.as_secs_f64(),
        replay_elapsed.as_secs_f64(),
        10_000.0 / replay_elapsed.as_secs_f64(),
    );
}

/// A directory of its own under the system's temporary directory, removed when dropped.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let path = std::env::temp_dir().join(format!("scpf-import-{}", rid()));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    fn file(&self, name: &str, contents: &str) -> std::path::PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Run {
    success: bool,
    stdout: String,
    stderr: String,
}

async fn run_cli(server: &TestServer, args: &[&std::ffi::OsStr]) -> Run {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_scpf-reports"))
        .args(["import", "measurements"])
        .args(args)
        .arg("--server")
        .arg(format!("http://{}", server.addr))
        .env("RUST_LOG", "warn")
        .env_remove("SCPF_SERVER")
        .env_remove("SCPF_TOKEN_FILE")
        .output()
        .await
        .unwrap();
    Run {
        success: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

const HEADER: &str =
    "indicator,period_start,period_end,target,actual,dimensions,source,verified,comment,request_id";

#[sqlx::test(migrations = false)]
async fn the_import_command_reports_each_failed_line_and_fails(pool: PgPool) {
    let (server, _) = with_returns(&pool).await;
    let dir = TempDir::new();
    let r = RETURNS;
    let csv = dir.file(
        "measurements.csv",
        &format!(
            "{HEADER}
{r},2025-01-01,2025-12-31,1500,1432,sex=female,Fedasil return statistics,true,,
{r},2025-01-01,2025-12-31,1500,1 432,sex=male,Fedasil return statistics,true,,
{r},2025-01-01,2025-12-31,,900,colour=blue,Fedasil,false,,
{r},2025-01-01
{r},2024-01-01,2024-12-31,1400,1389,,Fedasil,maybe,,
\"{r}\",2024-01-01,2024-12-31,1400,1389,\"sex=female;age=18-59\",\"Fedasil, 2024 report\",true,\"checked, twice\",
"
        ),
    );
    let token = dir.file("token", "s3cret\n");
    let run = run_cli(
        &server,
        &[csv.as_os_str(), "--token-file".as_ref(), token.as_os_str()],
    )
    .await;
    assert!(!run.success, "{}{}", run.stdout, run.stderr);
    for expected in [
        "line 3: measurement.actual: INVALID_DECIMAL: ",
        "line 4: measurement.dimensions[colour]: UNKNOWN_DIMENSION: ",
        "line 5: CSV: ",
        "line 6: verified: ",
    ] {
        assert!(
            run.stderr.contains(expected),
            "{expected:?} in {}",
            run.stderr
        );
    }
    assert!(
        !run.stderr.contains("line 2:") && !run.stderr.contains("line 7:"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("4 of 6 rows failed"), "{}", run.stderr);
    assert!(
        run.stdout
            .contains("6 rows: 2 written, 0 replayed, 4 failed"),
        "{}",
        run.stdout
    );

    let comment: String = sqlx::query_scalar(
        "SELECT v.comment FROM measurements m JOIN measurement_versions v ON v.measurement_id = m.id
          WHERE m.dimension_key = 'age=18-59;sex=female'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(comment, "checked, twice");

    // The same file again: the good lines are replays, nothing is written.
    let again = run_cli(&server, &[csv.as_os_str()]).await;
    assert!(
        again
            .stdout
            .contains("6 rows: 0 written, 2 replayed, 4 failed"),
        "{}",
        again.stdout
    );
    assert_eq!(count(&pool, "measurement_versions").await, 2);
}

#[sqlx::test(migrations = false)]
async fn the_import_command_succeeds_when_every_line_does(pool: PgPool) {
    let (server, _) = with_returns(&pool).await;
    let dir = TempDir::new();
    let csv = dir.file(
        "measurements.csv",
        &format!(
            "indicator,period_start,period_end,actual,dimensions,verified\n\
             {RETURNS},2025-01-01,2025-12-31,1432,sex=female,true\n\
             {RETURNS},2025-01-01,2025-12-31,2210,sex=male,false\n"
        ),
    );
    let run = run_cli(&server, &[csv.as_os_str()]).await;
    assert!(run.success, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("2 rows: 2 written, 0 replayed, 0 failed"),
        "{}",
        run.stdout
    );
    assert!(!run.stderr.contains("line "), "{}", run.stderr);
}

#[sqlx::test(migrations = false)]
async fn the_import_command_refuses_unknown_columns(pool: PgPool) {
    let (server, _) = with_returns(&pool).await;
    let dir = TempDir::new();
    let csv = dir.file(
        "measurements.csv",
        &format!("indicator,period_start,period_end,actaul\n{RETURNS},2025-01-01,2025-12-31,1\n"),
    );
    let run = run_cli(&server, &[csv.as_os_str()]).await;
    assert!(!run.success);
    assert!(run.stderr.contains("unknown: actaul"), "{}", run.stderr);
    assert_eq!(count(&pool, "measurements").await, 0);
}

#[sqlx::test(migrations = false)]
async fn the_same_stream_sent_twice_at_once_in_two_orders_writes_each_row_once(pool: PgPool) {
    let (server, _) = with_returns(&pool).await;
    let rows: Vec<_> = (0..600)
        .map(|n| row(n + 1, RETURNS, daily(n, "7"), &rid()))
        .collect();
    let reversed: Vec<_> = rows.iter().rev().cloned().collect();
    let (a, b) = tokio::join!(import(&server, rows), import(&server, reversed));
    assert_eq!((a.failed, b.failed), (0, 0));
    assert_eq!(a.written + b.written, 600);
    assert_eq!(a.replayed + b.replayed, 600);
    assert_eq!(count(&pool, "measurement_versions").await, 600);
}
