//! Demo standings under the Constitution: every Member State's scale of assessment, and three
//! small Member States whose arrears put them under Article 4 (one honouring a payment plan, one
//! whose vote the Council maintained, one that lost its vote).

use super::{Connection, Tally, money, request_id};
use crate::pb::{
    self, CouncilActKind, contribution_service_client::ContributionServiceClient,
    member_state_service_client::MemberStateServiceClient,
    organization_service_client::OrganizationServiceClient,
};

/// Member States added for Article 4: id, name, country, yearly assessment in CHF.
const IN_ARREARS: &[(&str, &str, &str, &str)] = &[
    ("palau", "Palau", "PW", "4000.00"),
    ("nauru", "Nauru", "NR", "2000.00"),
    ("tuvalu", "Tuvalu", "TV", "2000.00"),
];

/// The scale of assessment (percent) of every demo Member State, the same for 2024 to 2026:
/// its yearly assessment over the demo's assessed budget of CHF 18,788,450, to six decimals.
const SCALE: &[(&str, &str)] = &[
    ("belgium", "2.194699"),
    ("denmark", "1.395272"),
    ("germany", "15.048873"),
    ("japan", "19.753093"),
    ("luxembourg", "0.168188"),
    ("nauru", "0.010645"),
    ("norway", "1.803768"),
    ("palau", "0.02129"),
    ("sweden", "2.260431"),
    ("switzerland", "2.970974"),
    ("tuvalu", "0.010645"),
    ("united-states", "54.362121"),
];

pub(super) async fn member_states(channel: &Connection, tally: &mut Tally) -> anyhow::Result<()> {
    organizations(channel, tally).await?;
    assessments(channel, tally).await?;
    let mut client = MemberStateServiceClient::new(channel.clone());
    for &(id, _) in SCALE {
        let mut request = pb::CreateMemberStateRequest {
            member_state: Some(standing(id)),
            request_id: String::new(),
        };
        request.request_id = request_id("CreateMemberState", &request);
        tally.record(id, client.create_member_state(request).await)?;
    }
    Ok(())
}

fn act(kind: CouncilActKind, date: &str, reference: &str) -> pb::CouncilAct {
    pb::CouncilAct {
        kind: kind.into(),
        date: date.into(),
        reference: reference.into(),
    }
}

fn standing(id: &str) -> pb::MemberState {
    let percentage = SCALE.iter().find(|(s, _)| *s == id).map_or("", |(_, p)| p);
    let scale = (2024..=2026)
        .map(|year| pb::ScaleOfAssessment {
            year,
            percentage: percentage.into(),
        })
        .collect();
    let (council_acts, payment_plans) = match id {
        "palau" => (
            vec![act(
                CouncilActKind::Article4Notified,
                "2023-11-28",
                "Council, 114th session: report on Member States in arrears (C/114/8)",
            )],
            vec![pb::PaymentPlan {
                reference: "Payment plan of Palau (C/114/INF/3)".into(),
                agreed_date: "2024-03-01".into(),
                installments: [
                    "2024-06-30",
                    "2024-12-31",
                    "2025-06-30",
                    "2025-12-31",
                    "2026-06-30",
                ]
                .into_iter()
                .map(|due| pb::PaymentPlanInstallment {
                    due_date: due.into(),
                    amount_chf: "2000.00".into(),
                })
                .collect(),
            }],
        ),
        "nauru" => (
            vec![act(
                CouncilActKind::Article4Notified,
                "2023-11-28",
                "Council, 114th session: report on Member States in arrears (C/114/8)",
            )],
            vec![],
        ),
        "tuvalu" => (
            vec![
                act(
                    CouncilActKind::Article4Notified,
                    "2022-11-29",
                    "Council, 113th session: report on Member States in arrears (C/113/7)",
                ),
                act(
                    CouncilActKind::VoteMaintained,
                    "2023-11-28",
                    "Council Resolution No. 1421 (C/114/RES/1421)",
                ),
            ],
            vec![],
        ),
        _ => (vec![], vec![]),
    };
    pb::MemberState {
        name: format!("memberStates/{id}"),
        scale,
        council_acts,
        payment_plans,
        ..Default::default()
    }
}

async fn organizations(channel: &Connection, tally: &mut Tally) -> anyhow::Result<()> {
    let mut client = OrganizationServiceClient::new(channel.clone());
    for &(id, name, country, _) in IN_ARREARS {
        let mut request = pb::CreateOrganizationRequest {
            organization_id: id.into(),
            organization: Some(pb::Organization {
                display_name: name.into(),
                kind: pb::OrganizationKind::Government.into(),
                member_state: true,
                country_code: country.into(),
                ..Default::default()
            }),
            request_id: String::new(),
        };
        request.request_id = request_id("CreateOrganization", &request);
        tally.record(id, client.create_organization(request).await)?;
    }
    Ok(())
}

/// Their assessments from 2021 to 2026, due on 1 January. Only Palau pays, under its plan: CHF
/// 2,000 at each installment of 2024 and the first of 2025, against its oldest assessment.
async fn assessments(channel: &Connection, tally: &mut Tally) -> anyhow::Result<()> {
    let mut client = ContributionServiceClient::new(channel.clone());
    for &(donor, _, _, amount) in IN_ARREARS {
        for year in 2021..=2026 {
            let id = format!("{donor}-assessed-{year}");
            let mut request = pb::CreateContributionRequest {
                contribution_id: id.clone(),
                contribution: Some(pb::Contribution {
                    donor: format!("organizations/{donor}"),
                    funding_type: pb::FundingType::Assessed.into(),
                    budget_part: pb::BudgetPart::Administrative.into(),
                    status: pb::FlowStatus::Commitment.into(),
                    total: money("CHF", amount),
                    installments: vec![pb::Installment {
                        due_date: format!("{year}-01-01"),
                        amount: money("CHF", amount),
                    }],
                    agreement_date: format!("{}-11-30", year - 1),
                    period_start: format!("{year}-01-01"),
                    period_end: format!("{year}-12-31"),
                    description: format!(
                        "Assessed contribution to the Administrative Part of the Budget for {year}."
                    ),
                    ..Default::default()
                }),
                request_id: String::new(),
            };
            request.request_id = request_id("CreateContribution", &request);
            tally.record(&id, client.create_contribution(request).await)?;
        }
    }
    let paid: &[(&str, &str)] = &[
        ("palau-assessed-2021", "2024-06-27"),
        ("palau-assessed-2021", "2024-12-19"),
        ("palau-assessed-2022", "2025-06-26"),
    ];
    for &(contribution, date) in paid {
        let parent = format!("contributions/{contribution}");
        let mut request = pb::RecordReceiptRequest {
            parent: parent.clone(),
            receipt: Some(pb::Receipt {
                received_date: date.into(),
                amount: money("CHF", "2000.00"),
                reference: format!("{contribution}-{date}"),
                ..Default::default()
            }),
            request_id: String::new(),
        };
        request.request_id = request_id("RecordReceipt", &request);
        tally.record(&parent, client.record_receipt(request).await)?;
    }
    Ok(())
}
