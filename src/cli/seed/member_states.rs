//! Demo standings under the Constitution: every Member State's scale of assessment, and the
//! Council's acts and payment plans of those whose arrears put them under Article 4.

use anyhow::Context;
use serde::Deserialize;

use super::{
    COUNCIL_ACTS, Connection, DemoFile, PAYMENT_PLANS, SCALES, Tally, enum_field, pairs, request_id,
};
use crate::pb::{self, member_state_service_client::MemberStateServiceClient};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScaleRow {
    member_state: String,
    year: i32,
    percentage: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CouncilActRow {
    member_state: String,
    kind: String,
    date: String,
    reference: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PaymentPlanRow {
    member_state: String,
    reference: String,
    agreed_date: String,
    /// `DUE_DATE=AMOUNT_CHF;...`
    installments: String,
}

/// One Member State for each in the scales file, in its order, with its acts and plans.
pub(super) async fn member_states(channel: &Connection, tally: &mut Tally) -> anyhow::Result<()> {
    let mut states: Vec<(String, pb::MemberState)> = Vec::new();
    for row in SCALES.rows::<ScaleRow>()? {
        let at = match states.iter().position(|(id, _)| *id == row.member_state) {
            Some(at) => at,
            None => {
                let state = pb::MemberState {
                    name: format!("memberStates/{}", row.member_state),
                    ..Default::default()
                };
                states.push((row.member_state.clone(), state));
                states.len() - 1
            }
        };
        states[at].1.scale.push(pb::ScaleOfAssessment {
            year: row.year,
            percentage: row.percentage,
        });
    }
    for row in COUNCIL_ACTS.rows::<CouncilActRow>()? {
        state(&mut states, &row.member_state, &COUNCIL_ACTS)?
            .council_acts
            .push(pb::CouncilAct {
                kind: enum_field(
                    &row.kind,
                    "COUNCIL_ACT_KIND_",
                    pb::CouncilActKind::from_str_name,
                )?,
                date: row.date,
                reference: row.reference,
            });
    }
    for row in PAYMENT_PLANS.rows::<PaymentPlanRow>()? {
        let installments = pairs(&row.installments)?
            .into_iter()
            .map(|(due_date, amount_chf)| pb::PaymentPlanInstallment {
                due_date,
                amount_chf,
            })
            .collect();
        state(&mut states, &row.member_state, &PAYMENT_PLANS)?
            .payment_plans
            .push(pb::PaymentPlan {
                reference: row.reference,
                agreed_date: row.agreed_date,
                installments,
            });
    }
    let mut client = MemberStateServiceClient::new(channel.clone());
    for (id, member_state) in states {
        let mut request = pb::CreateMemberStateRequest {
            member_state: Some(member_state),
            request_id: String::new(),
        };
        request.request_id = request_id("CreateMemberState", &request);
        tally.record(&id, client.create_member_state(request).await)?;
    }
    Ok(())
}

/// The Member State a row of `file` is about; it must have a scale of assessment.
fn state<'a>(
    states: &'a mut [(String, pb::MemberState)],
    id: &str,
    file: &DemoFile,
) -> anyhow::Result<&'a mut pb::MemberState> {
    states
        .iter_mut()
        .find(|(s, _)| s == id)
        .map(|(_, state)| state)
        .with_context(|| format!("demo/{}: {id} has no scale of assessment", file.name))
}
