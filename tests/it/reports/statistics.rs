//! An import ends by analyzing the tables it grew, so that a report generated right after it is
//! planned on what the tables hold: `pg_class.reltuples` is what the planner believes, -1 until
//! a table is first analyzed. Autovacuum would get there only at its next round, and never for
//! a table that changed by less than 50 rows: these tables stay small enough for that.

use scpf_reports::pb::{self, ImportContributionsRequest};
use sqlx::PgPool;

use crate::{
    contributions::fixtures::{belgium, client, setup},
    indicators::{self, with_returns},
    measurements::{RETURNS, women_2025},
    support::{ok, rid},
};

/// What the planner believes `table` holds.
async fn believed(pool: &PgPool, table: &str) -> f32 {
    sqlx::query_scalar("SELECT reltuples FROM pg_class WHERE oid = $1::regclass")
        .bind(table)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn import_contributions(
    server: &crate::support::TestServer,
    first: usize,
    rows: usize,
) -> pb::ImportContributionsResponse {
    let rows: Vec<ImportContributionsRequest> = (first..first + rows)
        .map(|i| ImportContributionsRequest {
            row: i as i64,
            contribution: Some(pb::CreateContributionRequest {
                contribution_id: format!("belgium-{i}"),
                contribution: Some(belgium()),
                request_id: rid(),
            }),
        })
        .collect();
    ok(client(server).import_contributions(tokio_stream::iter(rows))).await
}

#[sqlx::test(migrations = false)]
async fn a_contributions_import_analyzes_the_tables_it_grew_by_a_tenth(pool: PgPool) {
    let server = setup(&pool).await;
    let installments = belgium().installments.len() as f32;
    assert!(
        believed(&pool, "contributions").await < 0.0,
        "never analyzed yet"
    );

    let written = import_contributions(&server, 0, 30).await.written;
    assert_eq!(written, 30);
    assert_eq!(believed(&pool, "contributions").await, 30.0);
    assert_eq!(believed(&pool, "contribution_versions").await, 30.0);
    assert_eq!(believed(&pool, "installments").await, 30.0 * installments);

    // Two rows more are less than a tenth of thirty: the statistics stay as they were.
    import_contributions(&server, 30, 2).await;
    assert_eq!(believed(&pool, "contributions").await, 30.0);

    // Four rows are a tenth of what the statistics say (thirty): analyzed again.
    import_contributions(&server, 32, 4).await;
    assert_eq!(believed(&pool, "contributions").await, 36.0);
    assert_eq!(believed(&pool, "installments").await, 36.0 * installments);
}

#[sqlx::test(migrations = false)]
async fn a_measurements_import_analyzes_the_tables_it_grew(pool: PgPool) {
    let (server, _) = with_returns(&pool).await;
    let rows: Vec<pb::ImportMeasurementsRequest> = (0..20)
        .map(|n| {
            let day = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Days::new(n);
            pb::ImportMeasurementsRequest {
                row: n as i64,
                measurement: Some(pb::RecordMeasurementRequest {
                    parent: RETURNS.into(),
                    measurement: Some(pb::Measurement {
                        period_start: day.to_string(),
                        period_end: day.to_string(),
                        ..women_2025()
                    }),
                    request_id: rid(),
                }),
            }
        })
        .collect();
    let response =
        ok(indicators::client(&server).import_measurements(futures::stream::iter(rows))).await;
    assert_eq!(response.written, 20);
    assert_eq!(believed(&pool, "measurements").await, 20.0);
    assert_eq!(believed(&pool, "measurement_versions").await, 20.0);
}
