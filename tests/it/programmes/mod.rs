//! ProgrammeService: programmes with their countries, partners and parent, and their history.

use scpf_reports::pb::{
    self, OrganizationKind, PartnerRole, SrfObjective,
    programme_service_client::ProgrammeServiceClient,
};
use sqlx::PgPool;
use tonic::{Code, transport::Channel};

use crate::support::paging::{Filtered, names};
use crate::support::{
    TestServer, a_second_before, assert_each_invalid, assert_invalid, assert_refused, count, ok,
    rid,
};

mod lists;
mod refusals;

fn client(server: &TestServer) -> ProgrammeServiceClient<Channel> {
    ProgrammeServiceClient::new(server.channel.clone())
}

/// Records the organizations the programmes below name as partners.
async fn organizations(server: &TestServer) {
    let mut orgs = server.organizations();
    for (id, name, kind) in [
        ("belgium", "Belgium", OrganizationKind::Government),
        ("fedasil", "Fedasil", OrganizationKind::OtherPublicSector),
        ("enabel", "Enabel", OrganizationKind::OtherPublicSector),
    ] {
        ok(orgs.create_organization(pb::CreateOrganizationRequest {
            organization_id: id.into(),
            organization: Some(pb::Organization {
                display_name: name.into(),
                kind: kind as i32,
                ..Default::default()
            }),
            request_id: rid(),
        }))
        .await;
    }
}

fn partner(organization: &str, role: PartnerRole) -> pb::Partner {
    pb::Partner {
        organization: format!("organizations/{organization}"),
        role: role as i32,
    }
}

fn o_remit() -> pb::Programme {
    pb::Programme {
        code: "O-REMIT".into(),
        title: "Affordable remittances and diaspora investment".into(),
        description: "Lower remittance costs and diaspora investment in countries of origin."
            .into(),
        country_codes: vec!["BE".into(), "CD".into()],
        thematic_area: "Labour mobility and diaspora".into(),
        srf_objective: SrfObjective::RegularPathways as i32,
        partners: vec![
            partner("belgium", PartnerRole::Funding),
            partner("enabel", PartnerRole::Implementing),
        ],
        start_date: "2025-01-01".into(),
        end_date: "2028-12-31".into(),
        ..Default::default()
    }
}

/// A programme with only the required fields.
fn bare(code: &str) -> pb::Programme {
    pb::Programme {
        code: code.into(),
        title: format!("Programme {code}"),
        ..Default::default()
    }
}

fn create(id: &str, programme: pb::Programme) -> pb::CreateProgrammeRequest {
    pb::CreateProgrammeRequest {
        programme_id: id.into(),
        programme: Some(programme),
        request_id: rid(),
    }
}

fn update(programme: pb::Programme) -> pb::UpdateProgrammeRequest {
    pb::UpdateProgrammeRequest {
        programme: Some(programme),
        request_id: rid(),
    }
}

fn get(name: &str) -> pb::GetProgrammeRequest {
    pb::GetProgrammeRequest {
        name: name.into(),
        as_of: None,
    }
}

fn list(filter: &str) -> pb::ListProgrammesRequest {
    Filtered::filtered(filter)
}

#[sqlx::test(migrations = false)]
async fn a_programme_is_created_with_partners_and_countries_and_read_back(pool: PgPool) {
    let server = TestServer::start(pool).await;
    organizations(&server).await;
    let mut programmes = client(&server);
    let created = ok(programmes.create_programme(create(
        "o-remit",
        pb::Programme {
            name: "ignored".into(),
            // Countries come back sorted; partners in the order given.
            country_codes: vec!["SN".into(), "BE".into(), "CD".into()],
            partners: vec![
                partner("enabel", PartnerRole::Implementing),
                partner("belgium", PartnerRole::Funding),
                partner("belgium", PartnerRole::Accountable),
            ],
            ..o_remit()
        },
    )))
    .await;
    assert_eq!(created.name, "programmes/o-remit");
    assert_eq!(created.country_codes, ["BE", "CD", "SN"]);
    assert_eq!(
        created.partners,
        [
            partner("enabel", PartnerRole::Implementing),
            partner("belgium", PartnerRole::Funding),
            partner("belgium", PartnerRole::Accountable),
        ]
    );
    assert_eq!((created.revision, created.etag.as_str()), (1, "r1"));
    assert_eq!(created.srf_objective, SrfObjective::RegularPathways as i32);
    assert_eq!(
        (created.start_date.as_str(), created.end_date.as_str()),
        ("2025-01-01", "2028-12-31")
    );
    let read = ok(programmes.get_programme(get("programmes/o-remit"))).await;
    assert_eq!(read, created);

    // Everything optional may be left out, and a programme may belong to another.
    let child = ok(programmes.create_programme(create(
        "o-remit-senegal",
        pb::Programme {
            parent: "programmes/o-remit".into(),
            ..bare("O-REMIT-SN")
        },
    )))
    .await;
    assert_eq!(child.parent, "programmes/o-remit");
    assert!(child.country_codes.is_empty() && child.partners.is_empty());
    assert_eq!(child.srf_objective, SrfObjective::Unspecified as i32);
    assert_eq!(
        (child.start_date.as_str(), child.end_date.as_str()),
        ("", "")
    );
    let read = ok(programmes.get_programme(get("programmes/o-remit-senegal"))).await;
    assert_eq!(read, child);
}

#[sqlx::test(migrations = false)]
async fn an_unknown_programme_is_not_found(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut programmes = client(&server);
    let result = programmes.get_programme(get("programmes/atlantis")).await;
    assert_refused(result, Code::NotFound, "NOT_FOUND", None);
    let result = programmes
        .update_programme(update(pb::Programme {
            name: "programmes/atlantis".into(),
            ..bare("A")
        }))
        .await;
    assert_refused(result, Code::NotFound, "NOT_FOUND", None);
}

#[sqlx::test(migrations = false)]
async fn a_taken_programme_id_is_already_exists(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut programmes = client(&server);
    ok(programmes.create_programme(create("conex", bare("CONEX")))).await;
    let again = programmes
        .create_programme(create("conex", bare("CONEX-2")))
        .await;
    assert_refused(again, Code::AlreadyExists, "ALREADY_EXISTS", None);
    assert_eq!(count(&pool, "programme_versions").await, 1);
}

#[sqlx::test(migrations = false)]
async fn a_replayed_create_returns_the_same_programme_and_writes_nothing(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    organizations(&server).await;
    let mut programmes = client(&server);
    let request = create("o-remit", o_remit());
    let first = ok(programmes.create_programme(request.clone())).await;
    let second = ok(programmes.create_programme(request)).await;
    assert_eq!(first, second);
    assert_eq!(count(&pool, "programme_versions").await, 1);
    assert_eq!(count(&pool, "programme_partners").await, 2);
    assert_eq!(count(&pool, "programme_countries").await, 2);
}

#[sqlx::test(migrations = false)]
async fn a_request_id_reused_for_another_programme_is_refused(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut programmes = client(&server);
    let request = create("conex", bare("CONEX"));
    ok(programmes.create_programme(request.clone())).await;
    let other = pb::CreateProgrammeRequest {
        programme_id: "conex-2".into(),
        ..request
    };
    let result = programmes.create_programme(other).await;
    assert_refused(result, Code::FailedPrecondition, "REQUEST_ID_REUSED", None);
    assert_eq!(count(&pool, "programmes").await, 1);
}

#[sqlx::test(migrations = false)]
async fn an_update_writes_a_new_revision_and_a_stale_etag_is_aborted(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    organizations(&server).await;
    let mut programmes = client(&server);
    let created = ok(programmes.create_programme(create("o-remit", o_remit()))).await;
    let request = update(pb::Programme {
        country_codes: vec!["LU".into(), "BE".into()],
        partners: vec![partner("fedasil", PartnerRole::Implementing)],
        ..created.clone()
    });
    let updated = ok(programmes.update_programme(request.clone())).await;
    assert_eq!((updated.revision, updated.etag.as_str()), (2, "r2"));
    assert_eq!(updated.country_codes, ["BE", "LU"]);
    assert_eq!(
        updated.partners,
        [partner("fedasil", PartnerRole::Implementing)]
    );
    assert_eq!(updated.create_time, created.create_time);

    // Replaying the update answers as before, though its etag is stale by now.
    let replayed = ok(programmes.update_programme(request)).await;
    assert_eq!(replayed, updated);

    let stale = programmes
        .update_programme(update(pb::Programme {
            title: "O-REMIT phase 2".into(),
            ..created
        }))
        .await;
    let status = assert_refused(stale, Code::Aborted, "ETAG_MISMATCH", None);
    assert!(status.message().contains("r2"), "{}", status.message());
    assert_eq!(count(&pool, "programme_versions").await, 2);
    assert_eq!(count(&pool, "programme_partners").await, 3);
    assert_eq!(count(&pool, "programme_countries").await, 4);
}

#[sqlx::test(migrations = false)]
async fn an_update_that_changes_nothing_writes_nothing(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    organizations(&server).await;
    let mut programmes = client(&server);
    let created = ok(programmes.create_programme(create("o-remit", o_remit()))).await;
    let audits = count(&pool, "audit_events").await;
    // The same countries in another order are the same programme.
    let same = ok(programmes.update_programme(update(pb::Programme {
        country_codes: vec!["CD".into(), "BE".into()],
        ..created.clone()
    })))
    .await;
    assert_eq!(same, created);
    assert_eq!(count(&pool, "programme_versions").await, 1);
    assert_eq!(count(&pool, "audit_events").await, audits);

    // Reordering partners is a change: their order is kept.
    let mut reordered = created.clone();
    reordered.partners.reverse();
    let updated = ok(programmes.update_programme(update(reordered.clone()))).await;
    assert_eq!(updated.revision, 2);
    assert_eq!(updated.partners, reordered.partners);
}

#[sqlx::test(migrations = false)]
async fn every_programme_mutation_is_audited_with_before_and_after(pool: PgPool) {
    let server = TestServer::start(pool).await;
    organizations(&server).await;
    let mut programmes = client(&server);
    let created = ok(programmes.create_programme(create("o-remit", o_remit()))).await;
    ok(programmes.update_programme(update(pb::Programme {
        partners: vec![partner("fedasil", PartnerRole::Implementing)],
        ..created
    })))
    .await;
    let events = ok(server
        .audit()
        .list_audit_events(pb::ListAuditEventsRequest {
            filter: "resource = \"programmes/o-remit\"".into(),
            ..Default::default()
        }))
    .await
    .audit_events;
    let methods: Vec<_> = events.iter().map(|e| e.method.as_str()).collect();
    assert_eq!(
        methods,
        [
            "scpf.v1.ProgrammeService/CreateProgramme",
            "scpf.v1.ProgrammeService/UpdateProgramme"
        ]
    );
    let partner_count = |s: &Option<prost_types::Struct>| match s
        .as_ref()
        .and_then(|s| s.fields.get("partners"))
        .and_then(|v| v.kind.clone())
    {
        Some(prost_types::value::Kind::ListValue(l)) => l.values.len(),
        _ => 0,
    };
    assert!(events[0].before.is_none());
    assert_eq!(partner_count(&events[0].after), 2);
    assert_eq!(partner_count(&events[1].before), 2);
    assert_eq!(partner_count(&events[1].after), 1);
}

#[sqlx::test(migrations = false)]
async fn reads_as_of_an_instant_return_the_old_partners_and_countries(pool: PgPool) {
    let server = TestServer::start(pool).await;
    organizations(&server).await;
    let mut programmes = client(&server);
    let created = ok(programmes.create_programme(create("o-remit", o_remit()))).await;
    let updated = ok(programmes.update_programme(update(pb::Programme {
        country_codes: vec!["LU".into()],
        partners: vec![partner("fedasil", PartnerRole::Implementing)],
        ..created.clone()
    })))
    .await;

    let then = ok(programmes.get_programme(pb::GetProgrammeRequest {
        name: "programmes/o-remit".into(),
        as_of: created.update_time,
    }))
    .await;
    assert_eq!(then, created);
    assert_eq!(then.country_codes, ["BE", "CD"]);
    let now = ok(programmes.get_programme(get("programmes/o-remit"))).await;
    assert_eq!(now, updated);

    let listed_then = ok(programmes.list_programmes(pb::ListProgrammesRequest {
        filter: "country_code = \"BE\"".into(),
        as_of: created.update_time,
        ..Default::default()
    }))
    .await
    .programmes;
    assert_eq!(listed_then, std::slice::from_ref(&created));
    let listed_now = ok(programmes.list_programmes(list("country_code = \"BE\"")))
        .await
        .programmes;
    assert!(listed_now.is_empty());

    let before = a_second_before(created.create_time);
    let result = programmes
        .get_programme(pb::GetProgrammeRequest {
            name: "programmes/o-remit".into(),
            as_of: Some(before),
        })
        .await;
    assert_refused(result, Code::NotFound, "NOT_FOUND", None);
}
