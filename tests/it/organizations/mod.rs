//! OrganizationService, and through it the machinery every resource shares: validation errors,
//! idempotency, etags, history, pagination.

use scpf_reports::pb::{self, OrganizationKind};
use sqlx::PgPool;
use tonic::Code;

use crate::support::paging::{assert_bad_filter, assert_page_tokens, every_name};
use crate::support::{
    TestServer, a_second_before, all_at_once, assert_each_invalid, assert_invalid, assert_refused,
    ok, rid,
};

fn belgium() -> pb::Organization {
    pb::Organization {
        display_name: "Belgium".into(),
        kind: OrganizationKind::Government as i32,
        member_state: true,
        country_code: "BE".into(),
        iati_ref: "XM-DAC-2-10".into(),
        ..Default::default()
    }
}

fn create(id: &str, org: pb::Organization) -> pb::CreateOrganizationRequest {
    pb::CreateOrganizationRequest {
        organization_id: id.into(),
        organization: Some(org),
        request_id: rid(),
    }
}

async fn audit_count(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_events")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrations = false)]
async fn an_organization_is_created_and_read_back(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut client = server.organizations();
    let created = ok(client.create_organization(create("belgium", belgium()))).await;
    assert_eq!(created.name, "organizations/belgium");
    assert_eq!(created.revision, 1);
    assert_eq!(created.etag, "r1");
    assert_eq!(created.country_code, "BE");
    assert!(created.create_time.is_some());

    let read = ok(client.get_organization(pb::GetOrganizationRequest {
        name: "organizations/belgium".into(),
        as_of: None,
    }))
    .await;
    assert_eq!(read, created);
}

#[sqlx::test(migrations = false)]
async fn an_unknown_organization_is_not_found(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let result = server
        .organizations()
        .get_organization(pb::GetOrganizationRequest {
            name: "organizations/atlantis".into(),
            as_of: None,
        })
        .await;
    assert_refused(result, Code::NotFound, "NOT_FOUND", None);
}

#[sqlx::test(migrations = false)]
async fn a_taken_id_is_already_exists(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut client = server.organizations();
    ok(client.create_organization(create("belgium", belgium()))).await;
    let again = client
        .create_organization(create("belgium", belgium()))
        .await;
    assert_refused(again, Code::AlreadyExists, "ALREADY_EXISTS", None);
}

#[sqlx::test(migrations = false)]
async fn invalid_organizations_are_refused_naming_the_field(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut client = server.organizations();
    let with = |f: fn(&mut pb::Organization)| {
        let mut o = belgium();
        f(&mut o);
        o
    };
    let cases: Vec<(&str, pb::CreateOrganizationRequest, &str, &str)> = vec![
        (
            "bad id",
            create("Belgium!", belgium()),
            "INVALID_ID",
            "organization_id",
        ),
        (
            "empty id",
            create("", belgium()),
            "REQUIRED",
            "organization_id",
        ),
        (
            "empty name",
            create("b", with(|o| o.display_name = "  ".into())),
            "REQUIRED",
            "organization.display_name",
        ),
        (
            "overlong name",
            create("b", with(|o| o.display_name = "x".repeat(201))),
            "TOO_LONG",
            "organization.display_name",
        ),
        (
            "unknown country",
            create("b", with(|o| o.country_code = "XX".into())),
            "UNKNOWN_COUNTRY",
            "organization.country_code",
        ),
        (
            "member state without a country",
            create("b", with(|o| o.country_code = String::new())),
            "MEMBER_STATE_NOT_A_COUNTRY",
            "organization.member_state",
        ),
        (
            "no kind",
            create("b", with(|o| o.kind = 0)),
            "REQUIRED",
            "organization.kind",
        ),
        (
            "no request id",
            pb::CreateOrganizationRequest {
                request_id: String::new(),
                ..create("b", belgium())
            },
            "REQUIRED",
            "request_id",
        ),
    ];
    assert_each_invalid(cases, async |r| client.create_organization(r).await).await;
    // Nothing was written by any refusal.
    assert_eq!(audit_count(&pool).await, 0);
    let orgs: i64 = sqlx::query_scalar("SELECT count(*) FROM organizations")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(orgs, 0);
}

#[sqlx::test(migrations = false)]
async fn a_replayed_request_returns_the_same_response_and_writes_nothing(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut client = server.organizations();
    let request = create("belgium", belgium());
    let first = ok(client.create_organization(request.clone())).await;
    let second = ok(client.create_organization(request)).await;
    assert_eq!(first, second);
    assert_eq!(audit_count(&pool).await, 1);
}

#[sqlx::test(migrations = false)]
async fn a_request_id_reused_for_another_payload_is_refused(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut client = server.organizations();
    let request = create("belgium", belgium());
    ok(client.create_organization(request.clone())).await;
    let other = pb::CreateOrganizationRequest {
        organization_id: "luxembourg".into(),
        ..request
    };
    let result = client.create_organization(other).await;
    assert_refused(result, Code::FailedPrecondition, "REQUEST_ID_REUSED", None);
}

#[sqlx::test(migrations = false)]
async fn fifty_concurrent_calls_with_one_request_id_write_once(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let request = create("belgium", belgium());
    let responses = all_at_once(50, || {
        let (mut client, request) = (server.organizations(), request.clone());
        async move { client.create_organization(request).await }
    })
    .await;
    assert!(responses.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(audit_count(&pool).await, 1);
    let versions: i64 = sqlx::query_scalar("SELECT count(*) FROM organization_versions")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(versions, 1);
}

#[sqlx::test(migrations = false)]
async fn an_update_with_a_stale_etag_is_aborted(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut client = server.organizations();
    let created = ok(client.create_organization(create("belgium", belgium()))).await;
    let renamed = pb::Organization {
        display_name: "Kingdom of Belgium".into(),
        ..created.clone()
    };
    let updated = ok(client.update_organization(pb::UpdateOrganizationRequest {
        organization: Some(renamed.clone()),
        request_id: rid(),
    }))
    .await;
    assert_eq!((updated.revision, updated.etag.as_str()), (2, "r2"));

    // The first etag is stale now.
    let stale = client
        .update_organization(pb::UpdateOrganizationRequest {
            organization: Some(pb::Organization {
                display_name: "Belgique".into(),
                ..renamed
            }),
            request_id: rid(),
        })
        .await;
    let status = assert_refused(stale, Code::Aborted, "ETAG_MISMATCH", None);
    assert!(status.message().contains("r2"), "{}", status.message());
}

#[sqlx::test(migrations = false)]
async fn history_reads_as_of_an_instant_return_what_was_true_then(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut client = server.organizations();
    let created = ok(client.create_organization(create("belgium", belgium()))).await;
    let first_instant = created.update_time;
    ok(client.update_organization(pb::UpdateOrganizationRequest {
        organization: Some(pb::Organization {
            display_name: "Kingdom of Belgium".into(),
            ..created.clone()
        }),
        request_id: rid(),
    }))
    .await;

    let then = ok(client.get_organization(pb::GetOrganizationRequest {
        name: "organizations/belgium".into(),
        as_of: first_instant,
    }))
    .await;
    assert_eq!(then, created);
    let now = ok(client.get_organization(pb::GetOrganizationRequest {
        name: "organizations/belgium".into(),
        as_of: None,
    }))
    .await;
    assert_eq!(now.display_name, "Kingdom of Belgium");

    // Before it was created, it did not exist.
    let before = a_second_before(created.create_time);
    let result = client
        .get_organization(pb::GetOrganizationRequest {
            name: "organizations/belgium".into(),
            as_of: Some(before),
        })
        .await;
    assert_refused(result, Code::NotFound, "NOT_FOUND", None);

    // The future cannot be read.
    let future = prost_types::Timestamp {
        seconds: chrono::Utc::now().timestamp() + 3600,
        nanos: 0,
    };
    let result = client
        .get_organization(pb::GetOrganizationRequest {
            name: "organizations/belgium".into(),
            as_of: Some(future),
        })
        .await;
    assert_invalid(result, "AS_OF_IN_FUTURE", "as_of");
}

#[sqlx::test(migrations = false)]
async fn lists_page_through_everything_and_tokens_are_checked(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut client = server.organizations();
    for i in 0..7 {
        ok(client.create_organization(create(
            &format!("donor-{i}"),
            pb::Organization {
                display_name: format!("Donor {i}"),
                kind: OrganizationKind::Foundation as i32,
                ..Default::default()
            },
        )))
        .await;
    }
    ok(client.create_organization(create("belgium", belgium()))).await;

    let foundations = pb::ListOrganizationsRequest {
        filter: "kind = FOUNDATION".into(),
        ..Default::default()
    };
    let names = every_name(&mut client, foundations, 3).await;
    let expected: Vec<String> = (0..7).map(|i| format!("organizations/donor-{i}")).collect();
    assert_eq!(names, expected);

    assert_page_tokens(
        &mut client,
        "kind = FOUNDATION",
        "member_state = true",
        3,
        5,
    )
    .await;

    assert_bad_filter(&mut client, "colour = red").await;

    let member_states = ok(client.list_organizations(pb::ListOrganizationsRequest {
        filter: "member_state = true".into(),
        ..Default::default()
    }))
    .await;
    let names: Vec<_> = member_states
        .organizations
        .iter()
        .map(|o| o.name.as_str())
        .collect();
    assert_eq!(names, ["organizations/belgium"]);
}

#[sqlx::test(migrations = false)]
async fn concurrent_updates_become_successive_revisions(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut client = server.organizations();
    let created = ok(client.create_organization(create("belgium", belgium()))).await;
    // Hold the history clock so that both updates start together, then release them.
    let mut gate = pool.begin().await.unwrap();
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(scpf_reports::store::write::HISTORY_LOCK)
        .execute(&mut *gate)
        .await
        .unwrap();
    let mut calls = tokio::task::JoinSet::new();
    for name in ["Belgique", "België"] {
        let mut client = server.organizations();
        let org = pb::Organization {
            display_name: name.into(),
            etag: String::new(),
            ..created.clone()
        };
        calls.spawn(async move {
            client
                .update_organization(pb::UpdateOrganizationRequest {
                    organization: Some(org),
                    request_id: rid(),
                })
                .await
                .map(|r| r.into_inner().revision)
        });
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    gate.rollback().await.unwrap();
    let mut revisions = Vec::new();
    while let Some(result) = calls.join_next().await {
        revisions.push(result.unwrap().expect("both updates succeed"));
    }
    revisions.sort();
    assert_eq!(revisions, [2, 3]);
    // Each version starts where the one it supersedes ends.
    let gaps: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM organization_versions a JOIN organization_versions b
            ON b.organization_id = a.organization_id AND b.revision = a.revision + 1
         WHERE a.valid_to <> b.valid_from",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(gaps, 0);
}
