//! ImportContributions: a stream of rows, each succeeding or failing on its own, idempotent per
//! row; and the `scpf-reports import contributions` command that feeds it from a CSV file.

mod cli;

use scpf_reports::pb::{self, ImportContributionsRequest as Row};
use sqlx::PgPool;
use tonic::Code;

use crate::{
    contributions::fixtures::{Client, belgium, client, count, create, money, setup, with_total},
    support::{ok, rid},
};

fn row(number: i64, request: pb::CreateContributionRequest) -> Row {
    Row {
        row: number,
        contribution: Some(request),
    }
}

async fn import(client: &mut Client, rows: Vec<Row>) -> pb::ImportContributionsResponse {
    ok(client.import_contributions(tokio_stream::iter(rows))).await
}

/// Row results as (row, code, reason, field, replayed) for compact assertions.
fn summary(response: &pb::ImportContributionsResponse) -> Vec<(i64, Code, String, String, bool)> {
    response
        .results
        .iter()
        .map(|r| {
            (
                r.row,
                Code::from(r.code),
                r.reason.clone(),
                r.field.clone(),
                r.replayed,
            )
        })
        .collect()
}

fn expect(
    row: i64,
    code: Code,
    reason: &str,
    field: &str,
    replayed: bool,
) -> (i64, Code, String, String, bool) {
    (row, code, reason.into(), field.into(), replayed)
}

/// Good rows, bad rows, a duplicate request_id inside the stream (same payload, and another
/// payload), an id that already exists, an id repeated inside the stream, an unknown donor.
async fn mixed_stream(client: &mut Client) -> Vec<Row> {
    ok(client.create_contribution(create("already-there", with_total("EUR", "5.00")))).await;
    let good = create("belgium-2025-2028", belgium());
    let mut reused = create("luxembourg-2025", with_total("EUR", "7.00"));
    reused.request_id = good.request_id.clone();
    vec![
        row(2, good.clone()),
        row(3, create("too-precise", with_total("EUR", "10.001"))),
        row(
            4,
            create(
                "luxembourg-2026",
                pb::Contribution {
                    donor: "organizations/luxembourg".into(),
                    ..with_total("EUR", "250000.00")
                },
            ),
        ),
        row(5, good),
        row(6, reused),
        row(7, create("already-there", with_total("EUR", "5.00"))),
        row(8, create("luxembourg-2026", with_total("EUR", "9.00"))),
        row(
            9,
            create(
                "atlantis-2025",
                pb::Contribution {
                    donor: "organizations/atlantis".into(),
                    ..belgium()
                },
            ),
        ),
        row(10, create("", with_total("USD", "1e6"))),
    ]
}

#[sqlx::test(migrations = false)]
async fn a_mixed_stream_writes_only_the_good_rows(pool: PgPool) {
    let server = setup(&pool).await;
    let mut client = client(&server);
    let rows = mixed_stream(&mut client).await;
    let before = count(&pool, "contributions").await;
    let response = import(&mut client, rows).await;
    assert_eq!(
        summary(&response),
        [
            expect(2, Code::Ok, "", "", false),
            expect(
                3,
                Code::InvalidArgument,
                "TOO_MANY_DECIMALS",
                "contribution.total.amount",
                false
            ),
            expect(4, Code::Ok, "", "", false),
            expect(5, Code::Ok, "", "", true),
            expect(6, Code::FailedPrecondition, "REQUEST_ID_REUSED", "", false),
            expect(7, Code::AlreadyExists, "ALREADY_EXISTS", "", false),
            expect(8, Code::AlreadyExists, "ALREADY_EXISTS", "", false),
            expect(
                9,
                Code::InvalidArgument,
                "UNKNOWN_ORGANIZATION",
                "contribution.donor",
                false
            ),
            expect(
                10,
                Code::InvalidArgument,
                "INVALID_DECIMAL",
                "contribution.total.amount",
                false
            ),
        ]
    );
    assert_eq!(
        (response.written, response.replayed, response.failed),
        (2, 1, 6)
    );
    let names: Vec<&str> = response.results.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names[0], "contributions/belgium-2025-2028");
    assert_eq!(names[3], "contributions/belgium-2025-2028");
    assert_eq!(names[2], "contributions/luxembourg-2026");
    assert!(names[1].is_empty() && !response.results[1].message.is_empty());

    assert_eq!(count(&pool, "contributions").await, before + 2);
    let luxembourg = ok(client.get_contribution(pb::GetContributionRequest {
        name: "contributions/luxembourg-2026".into(),
        as_of: None,
    }))
    .await;
    assert_eq!(luxembourg.donor, "organizations/luxembourg");
    assert_eq!(luxembourg.total, money("EUR", "250000.00"));
    let events = ok(server
        .audit()
        .list_audit_events(pb::ListAuditEventsRequest {
            filter: "method = \"scpf.v1.ContributionService/ImportContributions\"".into(),
            ..Default::default()
        }))
    .await
    .audit_events;
    let audited: Vec<&str> = events.iter().map(|e| e.resource.as_str()).collect();
    assert_eq!(
        audited,
        [
            "contributions/belgium-2025-2028",
            "contributions/luxembourg-2026"
        ]
    );
}

#[sqlx::test(migrations = false)]
async fn resending_a_stream_writes_nothing_and_reports_replayed(pool: PgPool) {
    let server = setup(&pool).await;
    let mut client = client(&server);
    let rows = mixed_stream(&mut client).await;
    import(&mut client, rows.clone()).await;
    let (contributions, audits) = (
        count(&pool, "contributions").await,
        count(&pool, "audit_events").await,
    );
    let again = import(&mut client, rows).await;
    assert_eq!((again.written, again.replayed, again.failed), (0, 3, 6));
    let replayed: Vec<i64> = again
        .results
        .iter()
        .filter(|r| r.replayed)
        .map(|r| r.row)
        .collect();
    assert_eq!(replayed, [2, 4, 5]);
    assert_eq!(count(&pool, "contributions").await, contributions);
    assert_eq!(count(&pool, "audit_events").await, audits);
}

#[sqlx::test(migrations = false)]
async fn a_refused_row_can_be_fixed_and_sent_again_with_its_request_id(pool: PgPool) {
    let server = setup(&pool).await;
    let mut client = client(&server);
    let mut request = create(
        "later-fixed",
        pb::Contribution {
            donor: "organizations/atlantis".into(),
            ..with_total("EUR", "10.00")
        },
    );
    let refused = import(&mut client, vec![row(1, request.clone())]).await;
    assert_eq!(refused.failed, 1);
    // The refusal gave the request_id back: the corrected row may use it.
    request.contribution.as_mut().unwrap().donor = "organizations/belgium".into();
    let fixed = import(&mut client, vec![row(1, request)]).await;
    assert_eq!((fixed.written, fixed.failed), (1, 0));
}

#[sqlx::test(migrations = false)]
async fn a_long_stream_is_written_in_batches_and_replays_across_them(pool: PgPool) {
    let server = setup(&pool).await;
    let mut client = client(&server);
    let mut rows: Vec<Row> = (0..1200)
        .map(|i| {
            row(
                i + 2,
                create(&format!("donation-{i}"), with_total("EUR", "10.00")),
            )
        })
        .collect();
    // The last row repeats the first one, two batches later.
    rows.push(Row {
        row: 1202,
        ..rows[0].clone()
    });
    let response = import(&mut client, rows).await;
    assert_eq!(
        (response.written, response.replayed, response.failed),
        (1200, 1, 0)
    );
    assert_eq!(response.results.len(), 1201);
    assert!(response.results.last().unwrap().replayed);
    assert_eq!(count(&pool, "contributions").await, 1200);
    assert_eq!(count(&pool, "installments").await, 1200);
}

#[sqlx::test(migrations = false)]
async fn an_unexpected_database_error_fails_the_whole_batch_and_writes_nothing(pool: PgPool) {
    let server = setup(&pool).await;
    let mut client = client(&server);
    // A fault the service cannot foresee: the database refuses one particular row.
    sqlx::query(
        "CREATE FUNCTION refuse_one() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
             IF NEW.id = 'explodes' THEN RAISE EXCEPTION 'disk on fire'; END IF;
             RETURN NEW;
         END $$",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "CREATE TRIGGER refuse_one BEFORE INSERT ON contributions
         FOR EACH ROW EXECUTE FUNCTION refuse_one()",
    )
    .execute(&pool)
    .await
    .unwrap();
    let rows = vec![
        row(2, create("fine", with_total("EUR", "10.00"))),
        row(3, create("explodes", with_total("EUR", "10.00"))),
        row(4, create("bad", with_total("EUR", "-1"))),
    ];
    let response = import(&mut client, rows.clone()).await;
    assert_eq!(
        summary(&response),
        [
            expect(2, Code::Internal, "INTERNAL", "", false),
            expect(3, Code::Internal, "INTERNAL", "", false),
            expect(
                4,
                Code::InvalidArgument,
                "NEGATIVE_AMOUNT",
                "contribution.total.amount",
                false
            ),
        ]
    );
    assert_eq!(count(&pool, "contributions").await, 0);
    assert_eq!(
        count(
            &pool,
            &crate::support::fixtures::besides("idempotency_keys")
        )
        .await,
        3
    );

    // Once the fault is gone, the same rows go through: nothing was claimed by the failed batch.
    sqlx::query("DROP TRIGGER refuse_one ON contributions")
        .execute(&pool)
        .await
        .unwrap();
    let response = import(&mut client, rows).await;
    assert_eq!((response.written, response.failed), (2, 1));
}

/// Throughput of ImportContributions, measured by hand:
/// `cargo nextest run --run-ignored only import_throughput --no-capture`.
#[sqlx::test(migrations = false)]
#[ignore = "a measurement, not a test"]
async fn import_throughput(pool: PgPool) {
    const ROWS: i64 = 10_000;
    let server = setup(&pool).await;
    let mut client = client(&server);
    let rows: Vec<Row> = (0..ROWS)
        .map(|i| {
            let mut c = belgium();
            c.description = format!("Row {i}");
            Row {
                row: i + 2,
                contribution: Some(pb::CreateContributionRequest {
                    contribution_id: format!("belgium-{i}"),
                    contribution: Some(c),
                    request_id: rid(),
                }),
            }
        })
        .collect();
    let started = std::time::Instant::now();
    let response = import(&mut client, rows).await;
    let elapsed = started.elapsed();
    assert_eq!(response.written, ROWS);
    println!(
        "imported {ROWS} contributions ({} installments) in {:.2} s: {:.0} rows/s",
        ROWS * 4,
        elapsed.as_secs_f64(),
        ROWS as f64 / elapsed.as_secs_f64()
    );
}
