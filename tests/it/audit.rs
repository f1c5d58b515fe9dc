//! The audit trail: written with every mutation, readable, and impossible to change.

use scpf_reports::pb::{self, OrganizationKind};
use sqlx::PgPool;
use tonic::Code;

use crate::support::{TestServer, assert_refused, rid};

#[sqlx::test(migrations = false)]
async fn every_mutation_is_audited_with_before_and_after(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut orgs = server.organizations();
    let create_id = rid();
    let created = orgs
        .create_organization(pb::CreateOrganizationRequest {
            organization_id: "fedasil".into(),
            organization: Some(pb::Organization {
                display_name: "Fedasil".into(),
                kind: OrganizationKind::OtherPublicSector as i32,
                country_code: "BE".into(),
                ..Default::default()
            }),
            request_id: create_id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    orgs.update_organization(pb::UpdateOrganizationRequest {
        organization: Some(pb::Organization {
            display_name: "Federal Agency for the Reception of Asylum Seekers".into(),
            ..created
        }),
        request_id: rid(),
    })
    .await
    .unwrap();

    let events = server
        .audit()
        .list_audit_events(pb::ListAuditEventsRequest {
            filter: "resource = \"organizations/fedasil\"".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
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

    let one = server
        .audit()
        .get_audit_event(pb::GetAuditEventRequest {
            name: update.name.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(&one, update);
}

#[sqlx::test(migrations = false)]
async fn the_audit_trail_and_history_cannot_be_changed_in_the_database(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    server
        .organizations()
        .create_organization(pb::CreateOrganizationRequest {
            organization_id: "fedasil".into(),
            organization: Some(pb::Organization {
                display_name: "Fedasil".into(),
                kind: OrganizationKind::OtherPublicSector as i32,
                ..Default::default()
            }),
            request_id: rid(),
        })
        .await
        .unwrap();
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
    assert_refused(
        bad_name,
        Code::InvalidArgument,
        "INVALID_NAME",
        Some("name"),
    );
    let missing = audit
        .get_audit_event(pb::GetAuditEventRequest {
            name: "auditEvents/999".into(),
        })
        .await;
    assert_refused(missing, Code::NotFound, "NOT_FOUND", None);
    let bad_filter = audit
        .list_audit_events(pb::ListAuditEventsRequest {
            filter: "event_time >= yesterday".into(),
            ..Default::default()
        })
        .await;
    assert_refused(
        bad_filter,
        Code::InvalidArgument,
        "INVALID_FILTER",
        Some("filter"),
    );
}
