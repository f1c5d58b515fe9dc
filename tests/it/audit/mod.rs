//! The audit trail: written with every mutation, readable, and impossible to change.

use chrono::{DateTime, Utc};
use scpf_reports::pb::{self, OrganizationKind};
use sqlx::PgPool;
use tonic::Code;

use crate::support::paging::assert_bad_filter;
use crate::{
    indicators::{self, with_returns},
    measurements::{RETURNS, dims, women_2025},
    support::{TestServer, assert_invalid, assert_refused, count, ok, rid},
};

#[sqlx::test(migrations = false)]
async fn every_mutation_is_audited_with_before_and_after(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut orgs = server.organizations();
    let create_id = rid();
    let created = ok(orgs.create_organization(pb::CreateOrganizationRequest {
        organization_id: "fedasil".into(),
        organization: Some(pb::Organization {
            display_name: "Fedasil".into(),
            kind: OrganizationKind::OtherPublicSector as i32,
            country_code: "BE".into(),
            ..Default::default()
        }),
        request_id: create_id.clone(),
    }))
    .await;
    ok(orgs.update_organization(pb::UpdateOrganizationRequest {
        organization: Some(pb::Organization {
            display_name: "Federal Agency for the Reception of Asylum Seekers".into(),
            ..created
        }),
        request_id: rid(),
    }))
    .await;

    let events = ok(server
        .audit()
        .list_audit_events(pb::ListAuditEventsRequest {
            filter: "resource = \"organizations/fedasil\"".into(),
            ..Default::default()
        }))
    .await
    .audit_events;
    assert_eq!(events.len(), 2);
    let (create, update) = (&events[0], &events[1]);
    assert_eq!(
        create.method,
        "scpf.v1.OrganizationService/CreateOrganization"
    );
    assert_eq!(create.request_id, create_id);
    assert_eq!(create.actor, "anonymous");
    assert!(create.before.is_none());
    let display_name = |s: &Option<prost_types::Struct>| match s
        .as_ref()
        .and_then(|s| s.fields.get("displayName"))
        .and_then(|v| v.kind.clone())
    {
        Some(prost_types::value::Kind::StringValue(v)) => v,
        other => panic!("no displayName: {other:?}"),
    };
    assert_eq!(display_name(&create.after), "Fedasil");
    assert_eq!(display_name(&update.before), "Fedasil");
    assert_eq!(
        display_name(&update.after),
        "Federal Agency for the Reception of Asylum Seekers"
    );

    let one = ok(server.audit().get_audit_event(pb::GetAuditEventRequest {
        name: update.name.clone(),
    }))
    .await;
    assert_eq!(&one, update);
}

#[sqlx::test(migrations = false)]
async fn the_audit_trail_and_history_cannot_be_changed_in_the_database(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    ok(server
        .organizations()
        .create_organization(pb::CreateOrganizationRequest {
            organization_id: "fedasil".into(),
            organization: Some(pb::Organization {
                display_name: "Fedasil".into(),
                kind: OrganizationKind::OtherPublicSector as i32,
                ..Default::default()
            }),
            request_id: rid(),
        }))
    .await;
    for statement in [
        "UPDATE audit_events SET actor = 'someone else'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
        "UPDATE organization_versions SET display_name = 'Rewritten'",
        "DELETE FROM organization_versions",
    ] {
        let err = sqlx::query(statement).execute(&pool).await.unwrap_err();
        let code = err.as_database_error().and_then(|e| e.code()).unwrap();
        assert_eq!(code, "SC001", "{statement}: {err}");
    }
}

#[sqlx::test(migrations = false)]
async fn audit_names_and_filters_are_validated(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut audit = server.audit();
    let bad_name = audit
        .get_audit_event(pb::GetAuditEventRequest {
            name: "auditEvents/x".into(),
        })
        .await;
    assert_invalid(bad_name, "INVALID_NAME", "name");
    let missing = audit
        .get_audit_event(pb::GetAuditEventRequest {
            name: "auditEvents/999".into(),
        })
        .await;
    assert_refused(missing, Code::NotFound, "NOT_FOUND", None);
    assert_bad_filter(&mut audit, "event_time >= yesterday").await;
}

/// A measurement import row.
fn measurement_row(
    row: i64,
    m: pb::Measurement,
    request_id: &str,
) -> pb::ImportMeasurementsRequest {
    pb::ImportMeasurementsRequest {
        row,
        measurement: Some(pb::RecordMeasurementRequest {
            parent: RETURNS.into(),
            measurement: Some(m),
            request_id: request_id.into(),
        }),
    }
}

/// The events of the given request_ids, in the order the trail holds them: request_id,
/// resource, the `actual` before, the transaction that wrote it, its time.
async fn events_of(pool: &PgPool, request_ids: &[&str]) -> Vec<Event> {
    sqlx::query_as(
        "SELECT request_id, resource, before ->> 'actual', xmin::text, event_time
           FROM audit_events WHERE request_id = ANY($1) ORDER BY id",
    )
    .bind(request_ids)
    .fetch_all(pool)
    .await
    .unwrap()
}

type Event = (String, String, Option<String>, String, DateTime<Utc>);

#[sqlx::test(migrations = false)]
async fn a_write_of_many_changes_records_each_event_in_order_in_its_transaction(pool: PgPool) {
    let (server, _) = with_returns(&pool).await;
    let women = |actual: &str, etag: &str| pb::Measurement {
        actual: actual.into(),
        etag: etag.into(),
        ..women_2025()
    };
    let men = pb::Measurement {
        dimensions: dims(&[("sex", "male")]),
        ..women_2025()
    };
    let response = ok(
        indicators::client(&server).import_measurements(futures::stream::iter(vec![
            measurement_row(1, women("10", ""), "m1"),
            // A correction of the row before: its event has a before.
            measurement_row(2, women("20", "r1"), "m2"),
            // Stale: refused, so it has no event.
            measurement_row(3, women("30", "r1"), "m3"),
            measurement_row(4, men, "m4"),
        ])),
    )
    .await;
    assert_eq!((response.written, response.failed), (3, 1));
    let (women_name, men_name) = (&response.results[0].name, &response.results[3].name);

    let events = events_of(&pool, &["m1", "m2", "m3", "m4"]).await;
    let seen: Vec<(&str, &str, Option<&str>)> = events
        .iter()
        .map(|(id, resource, before, _, _)| (id.as_str(), resource.as_str(), before.as_deref()))
        .collect();
    assert_eq!(
        seen,
        [
            ("m1", women_name.as_str(), None),
            ("m2", women_name.as_str(), Some("10")),
            ("m4", men_name.as_str(), None),
        ]
    );
    // One transaction wrote them all, at the instant its versions carry.
    let (_, _, _, xmin, at) = &events[0];
    assert!(
        events.iter().all(|e| (&e.3, &e.4) == (xmin, at)),
        "{events:?}"
    );
    let stamped: DateTime<Utc> =
        sqlx::query_scalar("SELECT max(valid_from) FROM measurement_versions")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(*at, stamped);
    let earlier: Vec<String> =
        sqlx::query_scalar("SELECT xmin::text FROM audit_events WHERE resource = $1")
            .bind("programmes/avr-belgium/indicators/returns")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(earlier.len(), 1);
    assert_ne!(&earlier[0], xmin);
}

#[sqlx::test(migrations = false)]
async fn a_write_that_fails_after_its_changes_leaves_no_audit_event(pool: PgPool) {
    let (server, _) = with_returns(&pool).await;
    // Storing the response is the last statement of a write, after its audit events.
    sqlx::raw_sql(
        "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
             IF NEW.request_id LIKE 'boom%' THEN RAISE EXCEPTION 'boom'; END IF;
             RETURN NEW;
         END $$;
         CREATE TRIGGER boom BEFORE UPDATE ON idempotency_keys
             FOR EACH ROW EXECUTE FUNCTION boom();",
    )
    .execute(&pool)
    .await
    .unwrap();

    let single = server
        .organizations()
        .create_organization(pb::CreateOrganizationRequest {
            organization_id: "fedasil".into(),
            organization: Some(pb::Organization {
                display_name: "Fedasil".into(),
                kind: OrganizationKind::OtherPublicSector as i32,
                ..Default::default()
            }),
            request_id: "boom-single".into(),
        })
        .await;
    assert_eq!(single.unwrap_err().code(), Code::Internal);

    let batch = ok(
        indicators::client(&server).import_measurements(futures::stream::iter(vec![
            measurement_row(1, women_2025(), "fine"),
            measurement_row(
                2,
                pb::Measurement {
                    dimensions: dims(&[("sex", "male")]),
                    ..women_2025()
                },
                "boom-row",
            ),
        ])),
    )
    .await;
    assert_eq!((batch.written, batch.failed), (0, 2));

    assert!(
        events_of(&pool, &["boom-single", "fine", "boom-row"])
            .await
            .is_empty()
    );
    assert_eq!(count(&pool, "organizations").await, 0);
    assert_eq!(count(&pool, "measurements").await, 0);
    assert_eq!(
        count(
            &pool,
            "idempotency_keys WHERE request_id LIKE 'boom%' OR request_id = 'fine'"
        )
        .await,
        0
    );
}
