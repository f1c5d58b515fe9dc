//! AmendContribution: new revisions, etags, identity fields, no-op amendments.

use scpf_reports::pb;
use sqlx::PgPool;
use tonic::Code;

use super::fixtures::{
    WithCurrency, assessed, belgium, client, count, create, get, installment, money, setup,
};
use crate::support::{assert_invalid, assert_refused, ok, rid};

fn amend(contribution: pb::Contribution, reason: &str) -> pb::AmendContributionRequest {
    pb::AmendContributionRequest {
        contribution: Some(contribution),
        reason: reason.into(),
        request_id: rid(),
    }
}

/// Belgium adds a fifth year: EUR 5,000,000 over 2025-2029.
fn fifth_year(current: &pb::Contribution) -> pb::Contribution {
    let mut amended = current.clone();
    amended.total = money("EUR", "5000000.00");
    amended
        .installments
        .push(installment("2029-06-30", "EUR", "1000000.00"));
    amended.period_end = "2029-12-31".into();
    amended
}

#[sqlx::test(migrations = false)]
async fn an_amendment_is_a_new_revision_and_the_earlier_one_stays_readable(pool: PgPool) {
    let server = setup(&pool).await;
    let mut client = client(&server);
    let created = ok(client.create_contribution(create("belgium-2025-2028", belgium()))).await;
    let request = amend(
        fifth_year(&created),
        "Extended by one year at the 37th session",
    );
    let request_id = request.request_id.clone();
    let amended = ok(client.amend_contribution(request)).await;
    assert_eq!((amended.revision, amended.etag.as_str()), (2, "r2"));
    assert_eq!(amended.installments.len(), 5);
    assert_eq!(amended.create_time, created.create_time);

    // As of the first version's instant: exactly what was recorded, four installments.
    let then = ok(client.get_contribution(get(&created.name, created.update_time))).await;
    assert_eq!(then, created);
    let now = ok(client.get_contribution(get(&created.name, None))).await;
    assert_eq!(now, amended);

    let reason: String = sqlx::query_scalar(
        "SELECT reason FROM contribution_versions WHERE contribution_id = $1 AND revision = 2",
    )
    .bind("belgium-2025-2028")
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(reason, "Extended by one year at the 37th session");
    let events = ok(server
        .audit()
        .list_audit_events(pb::ListAuditEventsRequest {
            filter: format!("resource = \"{}\"", created.name),
            ..Default::default()
        }))
    .await
    .audit_events;
    assert_eq!(events.len(), 2);
    let amendment = &events[1];
    assert_eq!(
        amendment.method,
        "scpf.v1.ContributionService/AmendContribution"
    );
    assert_eq!(amendment.request_id, request_id);
    assert_eq!(amendment.reason, "Extended by one year at the 37th session");
    assert!(amendment.before.is_some() && amendment.after.is_some());
}

#[sqlx::test(migrations = false)]
async fn an_amendment_with_a_stale_etag_is_aborted(pool: PgPool) {
    let server = setup(&pool).await;
    let mut client = client(&server);
    let created = ok(client.create_contribution(create("belgium-2025-2028", belgium()))).await;
    ok(client.amend_contribution(amend(fifth_year(&created), "One more year"))).await;
    let stale = pb::Contribution {
        description: "Edited from an old copy".into(),
        ..created
    };
    let result = client.amend_contribution(amend(stale, "Typo")).await;
    let status = assert_refused(result, Code::Aborted, "ETAG_MISMATCH", None);
    assert!(status.message().contains("r2"), "{}", status.message());
}

#[sqlx::test(migrations = false)]
async fn an_amendment_cannot_change_the_donor_the_funding_type_or_the_currency(pool: PgPool) {
    let server = setup(&pool).await;
    let mut client = client(&server);
    let created = ok(client.create_contribution(create("belgium-2025-2028", belgium()))).await;
    let cases = [
        (
            pb::Contribution {
                donor: "organizations/luxembourg".into(),
                ..created.clone()
            },
            "contribution.donor",
        ),
        (
            pb::Contribution {
                name: created.name.clone(),
                etag: created.etag.clone(),
                ..assessed("belgium")
            },
            "contribution.funding_type",
        ),
        (
            created.clone().with_currency("USD"),
            "contribution.total.currency_code",
        ),
    ];
    for (changed, field) in cases {
        let result = client.amend_contribution(amend(changed, "Change")).await;
        assert_invalid(result, "IMMUTABLE_FIELD", field);
    }
    assert_eq!(count(&pool, "contribution_versions").await, 1);
}

#[sqlx::test(migrations = false)]
async fn an_amendment_needs_a_reason_and_an_existing_contribution(pool: PgPool) {
    let server = setup(&pool).await;
    let mut client = client(&server);
    let created = ok(client.create_contribution(create("belgium-2025-2028", belgium()))).await;
    let result = client
        .amend_contribution(amend(fifth_year(&created), "  "))
        .await;
    assert_invalid(result, "REQUIRED", "reason");
    let result = client
        .amend_contribution(amend(fifth_year(&created), &"x".repeat(501)))
        .await;
    assert_invalid(result, "TOO_LONG", "reason");
    let unknown = pb::Contribution {
        name: "contributions/atlantis".into(),
        ..fifth_year(&created)
    };
    let result = client.amend_contribution(amend(unknown, "Why")).await;
    assert_refused(result, Code::NotFound, "NOT_FOUND", None);
    let invalid = pb::Contribution {
        total: money("EUR", "-5"),
        ..fifth_year(&created)
    };
    let result = client.amend_contribution(amend(invalid, "Why")).await;
    assert_invalid(result, "NEGATIVE_AMOUNT", "contribution.total.amount");
}

#[sqlx::test(migrations = false)]
async fn an_amendment_that_changes_nothing_writes_nothing(pool: PgPool) {
    let server = setup(&pool).await;
    let mut client = client(&server);
    let created = ok(client.create_contribution(create("belgium-2025-2028", belgium()))).await;
    let audits = count(&pool, "audit_events").await;
    let same = ok(client.amend_contribution(amend(created.clone(), "Checked, unchanged"))).await;
    assert_eq!(same, created);
    assert_eq!(count(&pool, "contribution_versions").await, 1);
    assert_eq!(count(&pool, "audit_events").await, audits);
}
