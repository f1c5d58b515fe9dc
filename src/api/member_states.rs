//! `scpf.v1.MemberStateService`.

use tonic::{Request, Status};

use crate::{
    api::{Api, Caller, convert::Wire, resource},
    domain::{
        FieldViolation, Parsed, field,
        member_state::{
            self, CouncilAct, CouncilActKind, MemberState, PaymentPlan, PlanInstallment,
            ScaleEntry, Standing,
        },
        text::{self, Id},
    },
    error::{Error, Result},
    pb::{self, member_state_service_server::MemberStateService},
    store::{self, Versioned, member_states},
};

fn act_kind(value: i32, path: &str) -> Parsed<CouncilActKind> {
    use pb::CouncilActKind as P;
    match P::try_from(value) {
        Ok(P::Article4Notified) => Ok(CouncilActKind::Article4Notified),
        Ok(P::VoteMaintained) => Ok(CouncilActKind::VoteMaintained),
        Ok(P::VoteRestored) => Ok(CouncilActKind::VoteRestored),
        Ok(P::Unspecified) => Err(FieldViolation::required(
            path,
            "the kind of Council act is required",
        )),
        Err(_) => Err(FieldViolation::new(
            path,
            "UNKNOWN_ENUM_VALUE",
            format!("{value} is not a kind of Council act"),
        )),
    }
}

wire_enum!(CouncilActKind => CouncilActKind {
    Article4Notified,
    VoteMaintained,
    VoteRestored,
});

/// Parses a list field entry by entry, naming the entry in a violation.
fn each<T, U>(
    items: &[T],
    path: &str,
    list: &str,
    parse: impl Fn(&T, &str) -> Parsed<U>,
) -> Parsed<Vec<U>> {
    if items.len() > member_state::MAX_ENTRIES {
        return Err(FieldViolation::new(
            field(path, list),
            "TOO_MANY_ENTRIES",
            format!("at most {} entries", member_state::MAX_ENTRIES),
        ));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| parse(item, &format!("{}[{i}]", field(path, list))))
        .collect()
}

/// Parses the standing at `path` of a request; the Member State comes from its name.
fn member_state_from(m: &pb::MemberState, path: &str) -> Parsed<MemberState> {
    let id = parse_name(&m.name, &field(path, "name"))?;
    let scale = each(&m.scale, path, "scale", |e, p| {
        Ok(ScaleEntry {
            year: member_state::parse_year(e.year, &field(p, "year"))?,
            percentage: member_state::parse_percentage(&e.percentage, &field(p, "percentage"))?,
        })
    })?;
    let council_acts = each(&m.council_acts, path, "council_acts", |a, p| {
        Ok(CouncilAct {
            kind: act_kind(a.kind, &field(p, "kind"))?,
            date: member_state::parse_event_date(&a.date, &field(p, "date"))?,
            reference: member_state::parse_reference(&a.reference, &field(p, "reference"))?,
        })
    })?;
    let payment_plans = each(&m.payment_plans, path, "payment_plans", |plan, p| {
        Ok(PaymentPlan {
            reference: member_state::parse_reference(&plan.reference, &field(p, "reference"))?,
            agreed_date: member_state::parse_event_date(
                &plan.agreed_date,
                &field(p, "agreed_date"),
            )?,
            installments: each(&plan.installments, p, "installments", |i, ip| {
                Ok(PlanInstallment {
                    due_date: member_state::parse_event_date(&i.due_date, &field(ip, "due_date"))?,
                    amount: member_state::parse_chf(&i.amount_chf, &field(ip, "amount_chf"))?,
                })
            })?,
        })
    })?;
    let standing = Standing {
        scale,
        council_acts,
        payment_plans,
    }
    .check(path)?
    .sorted();
    Ok(MemberState { id, standing })
}

/// The protobuf form of a stored standing.
pub fn message(v: &Versioned<MemberState>) -> pb::MemberState {
    let m = &v.value;
    let s = &m.standing;
    versioned_message!(
        v,
        pb::MemberState {
            name: m.name(),
            organization: format!("organizations/{}", m.id),
            scale: s
                .scale
                .iter()
                .map(|e| pb::ScaleOfAssessment {
                    year: e.year,
                    percentage: e.percentage.to_string(),
                })
                .collect(),
            council_acts: s
                .council_acts
                .iter()
                .map(|a| pb::CouncilAct {
                    kind: a.kind.to_wire().into(),
                    date: a.date.to_string(),
                    reference: a.reference.clone(),
                })
                .collect(),
            payment_plans: s
                .payment_plans
                .iter()
                .map(|p| pb::PaymentPlan {
                    reference: p.reference.clone(),
                    agreed_date: p.agreed_date.to_string(),
                    installments: p
                        .installments
                        .iter()
                        .map(|i| pb::PaymentPlanInstallment {
                            due_date: i.due_date.to_string(),
                            amount_chf: i.amount.to_string(),
                        })
                        .collect(),
                })
                .collect(),
        }
    )
}

/// Parses `memberStates/{organization_id}`.
pub fn parse_name(name: &str, field: &str) -> Parsed<Id> {
    text::parse_name(name, "memberStates", field)
}

/// Refuses a standing for an organization that does not exist or is not a Member State.
async fn check_member_state(w: &mut store::write::Write, id: &Id, path: &str) -> Result<()> {
    match member_states::is_member_state(w.conn(), id).await? {
        Some(true) => Ok(()),
        Some(false) => Err(Error::invalid(
            path,
            "NOT_A_MEMBER_STATE",
            format!("organizations/{id} is not a Member State"),
        )),
        None => Err(Error::invalid(
            path,
            "REFERENCE_NOT_FOUND",
            format!("organizations/{id} does not exist"),
        )),
    }
}

async fn create_member_state(
    api: &Api,
    request: Request<pb::CreateMemberStateRequest>,
) -> Result<pb::MemberState, Status> {
    let (caller, req) = Caller::split(request);
    let given = resource::required(req.member_state.as_ref(), "member_state", "member state")?;
    let m = member_state_from(given, "member_state")?;
    Ok(api
        .create_checked(&caller, &req.request_id, &req, &m, async |w| {
            check_member_state(w, &m.id, "member_state.name").await
        })
        .await?)
}

async fn update_member_state(
    api: &Api,
    request: Request<pb::UpdateMemberStateRequest>,
) -> Result<pb::MemberState, Status> {
    let (caller, req) = Caller::split(request);
    let given = resource::required(req.member_state.as_ref(), "member_state", "member state")?;
    let m = member_state_from(given, "member_state")?;
    let etag = &given.etag;
    Ok(api
        .update_one(&caller, &req.request_id, &req, &m, etag)
        .await?)
}

shown!(MemberState => pb::MemberState);

listing!(pb::ListMemberStatesRequest => MemberState, pb::ListMemberStatesResponse { member_states }, "ListMemberStates", no filter);

rpcs!(MemberStateService {
    create_member_state(pb::CreateMemberStateRequest) -> pb::MemberState = create_member_state;
    get_member_state(pb::GetMemberStateRequest) -> pb::MemberState = resource::get::<MemberState, _>;
    list_member_states(pb::ListMemberStatesRequest) -> pb::ListMemberStatesResponse = resource::list;
    update_member_state(pb::UpdateMemberStateRequest) -> pb::MemberState = update_member_state;
});
