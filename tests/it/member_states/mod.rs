//! MemberStateService: a Member State's scale of assessment, the Council's acts under Article 4
//! and its payment plans, kept with history.

use scpf_reports::pb::{
    self, CouncilActKind, OrganizationKind, member_state_service_client::MemberStateServiceClient,
};
use sqlx::PgPool;
use tonic::transport::Channel;

use crate::support::{TestServer, assert_invalid, ok, rid};

fn client(server: &TestServer) -> MemberStateServiceClient<Channel> {
    MemberStateServiceClient::new(server.channel.clone())
}

async fn organization(server: &TestServer, id: &str, member_state: bool) {
    ok(server
        .organizations()
        .create_organization(pb::CreateOrganizationRequest {
            organization_id: id.into(),
            organization: Some(pb::Organization {
                display_name: id.into(),
                kind: OrganizationKind::Government as i32,
                member_state,
                country_code: "BE".into(),
                ..Default::default()
            }),
            request_id: rid(),
        }))
    .await;
}

fn standing(name: &str) -> pb::MemberState {
    pb::MemberState {
        name: name.into(),
        scale: vec![
            pb::ScaleOfAssessment {
                year: 2025,
                percentage: "1.234567".into(),
            },
            pb::ScaleOfAssessment {
                year: 2024,
                percentage: "1.2".into(),
            },
        ],
        council_acts: vec![pb::CouncilAct {
            kind: CouncilActKind::Article4Notified as i32,
            date: "2024-11-28".into(),
            reference: "Council, 115th session, report C/115/RES".into(),
        }],
        payment_plans: vec![pb::PaymentPlan {
            reference: "Payment plan agreed 2025-03-01".into(),
            agreed_date: "2025-03-01".into(),
            installments: vec![
                pb::PaymentPlanInstallment {
                    due_date: "2025-06-30".into(),
                    amount_chf: "1000.00".into(),
                },
                pb::PaymentPlanInstallment {
                    due_date: "2026-06-30".into(),
                    amount_chf: "1000.50".into(),
                },
            ],
        }],
        ..Default::default()
    }
}

fn create(m: pb::MemberState) -> pb::CreateMemberStateRequest {
    pb::CreateMemberStateRequest {
        member_state: Some(m),
        request_id: rid(),
    }
}

#[sqlx::test(migrations = false)]
async fn a_standing_is_kept_with_its_history(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    organization(&server, "belgium", true).await;
    let mut client = client(&server);
    let created = ok(client.create_member_state(create(standing("memberStates/belgium")))).await;
    assert_eq!(created.organization, "organizations/belgium");
    // Entries come back in a canonical order: the scale by year.
    let years: Vec<i32> = created.scale.iter().map(|e| e.year).collect();
    assert_eq!(years, [2024, 2025]);
    assert_eq!(
        created.payment_plans[0].installments[1].amount_chf,
        "1000.50"
    );

    let mut changed = created.clone();
    changed.council_acts.push(pb::CouncilAct {
        kind: CouncilActKind::VoteMaintained as i32,
        date: "2025-11-27".into(),
        reference: "Resolution No. 1450".into(),
    });
    let updated = ok(client.update_member_state(pb::UpdateMemberStateRequest {
        member_state: Some(changed),
        request_id: rid(),
    }))
    .await;
    assert_eq!(updated.revision, 2);
    assert_eq!(updated.council_acts.len(), 2);

    let then = ok(client.get_member_state(pb::GetMemberStateRequest {
        name: "memberStates/belgium".into(),
        as_of: created.update_time,
    }))
    .await;
    assert_eq!(then, created);
    let listed = ok(client.list_member_states(pb::ListMemberStatesRequest::default()))
        .await
        .member_states;
    assert_eq!(listed, [updated]);
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE resource = 'memberStates/belgium'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(audited, 2);
}

#[sqlx::test(migrations = false)]
async fn a_standing_needs_a_member_state_and_valid_entries(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    organization(&server, "acme", false).await;
    let mut client = client(&server);
    let result = client
        .create_member_state(create(standing("memberStates/acme")))
        .await;
    assert_invalid(result, "NOT_A_MEMBER_STATE", "member_state.name");
    let result = client
        .create_member_state(create(standing("memberStates/nowhere")))
        .await;
    assert_invalid(result, "REFERENCE_NOT_FOUND", "member_state.name");

    organization(&server, "belgium", true).await;
    type Case = (fn(&mut pb::MemberState), &'static str, &'static str);
    let cases: Vec<Case> = vec![
        (
            |m| m.scale[0].percentage = "100.5".into(),
            "PERCENTAGE_OUT_OF_RANGE",
            "member_state.scale[0].percentage",
        ),
        (
            |m| m.scale[1].year = 2025,
            "DUPLICATE_YEAR",
            "member_state.scale[1].year",
        ),
        (
            |m| m.scale[0].year = 9999,
            "YEAR_OUT_OF_RANGE",
            "member_state.scale[0].year",
        ),
        (
            |m| m.council_acts[0].kind = 0,
            "REQUIRED",
            "member_state.council_acts[0].kind",
        ),
        (
            |m| m.council_acts[0].kind = 42,
            "UNKNOWN_ENUM_VALUE",
            "member_state.council_acts[0].kind",
        ),
        (
            |m| m.payment_plans[0].installments[0].due_date = "2025-02-28".into(),
            "OUT_OF_ORDER",
            "member_state.payment_plans[0].installments[0].due_date",
        ),
        (
            |m| m.payment_plans[0].installments[0].amount_chf = "10.001".into(),
            "TOO_MANY_DECIMALS",
            "member_state.payment_plans[0].installments[0].amount_chf",
        ),
        (
            |m| m.payment_plans[0].installments.clear(),
            "REQUIRED",
            "member_state.payment_plans[0].installments",
        ),
    ];
    for (change, reason, field) in cases {
        let mut m = standing("memberStates/belgium");
        change(&mut m);
        let result = client.create_member_state(create(m)).await;
        assert_invalid(result, reason, field);
    }
    let written: i64 = sqlx::query_scalar("SELECT count(*) FROM member_state_versions")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(written, 0, "nothing of a refused standing is written");
}
