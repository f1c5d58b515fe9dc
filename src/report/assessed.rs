//! Section 2, assessed contributions as IOM presents them: per Member State, outstanding on 1
//! January, assessed for the year, received in the year, outstanding at the status date and the
//! arrears of prior years; then the three Article 4 lists (subject to Article 4, payment plans,
//! votes maintained or restored by the Council), all at the report's status date.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::{
    domain::{
        member_state::{self, AssessedPosition, CouncilActKind, Standing, Vote},
        money::{Currency, Money},
    },
    pb,
    store::report_data::Assessed,
};

/// The currency of the Administrative Part.
const CHF: Currency = Currency::CHF;

fn chf(value: Decimal) -> String {
    Money::from_decimal(value, CHF).amount().to_string()
}

fn vote(v: Vote) -> pb::VoteStatus {
    match v {
        Vote::Kept => pb::VoteStatus::MayVote,
        Vote::Lost => pb::VoteStatus::Lost,
        Vote::MaintainedByCouncil => pb::VoteStatus::MaintainedByCouncil,
        Vote::RestoredByCouncil => pb::VoteStatus::RestoredByCouncil,
        Vote::KeptUnderPaymentPlan => pb::VoteStatus::PaymentPlanHonoured,
    }
}

/// Builds section 2 at `status_date`. `standings` are the Member States' recorded standings by
/// organization id; `receipts` their receipts on assessed contributions by day.
pub fn section(
    rows: &[Assessed],
    standings: &BTreeMap<String, Standing>,
    receipts: &[(String, NaiveDate, Decimal)],
    year: i32,
    status_date: NaiveDate,
) -> pb::AssessedContributions {
    let mut out = pb::AssessedContributions {
        currency_code: CHF.code().to_owned(),
        year,
        ..Default::default()
    };
    // Amounts of assessed contributions are CHF with two decimals already: each column's total
    // is the sum of the figures shown.
    let mut totals = [Decimal::ZERO; 5];
    let empty = Standing::default();
    let mut by_member: BTreeMap<&str, Vec<(NaiveDate, Decimal)>> = BTreeMap::new();
    for (id, date, amount) in receipts {
        by_member.entry(id).or_default().push((*date, *amount));
    }
    for r in rows {
        let standing = standings.get(&r.donor_id).unwrap_or(&empty);
        let start = r.due_before_year - r.received_before_year;
        let end = start + r.due_in_year - r.received_in_year;
        let received = r.received_before_year + r.received_in_year;
        let position = AssessedPosition {
            arrears: (r.due_before_year - received).max(Decimal::ZERO),
            due_two_preceding_years: r.due_two_preceding_years,
            receipts: by_member.remove(r.donor_id.as_str()).unwrap_or_default(),
        };
        let a4 = member_state::article4(standing, &position, status_date);
        let shown = [
            start,
            r.due_in_year,
            r.received_in_year,
            end,
            position.arrears,
        ];
        for (t, v) in totals.iter_mut().zip(shown) {
            *t += v;
        }
        let member_state = format!("organizations/{}", r.donor_id);
        out.member_states.push(pb::AssessedLine {
            member_state: member_state.clone(),
            display_name: r.donor_name.clone(),
            scale_percentage: standing
                .scale_for(year)
                .map(|p| p.to_string())
                .unwrap_or_default(),
            outstanding_at_year_start: chf(start),
            assessed_in_year: chf(r.due_in_year),
            received_in_year: chf(r.received_in_year),
            outstanding_at_status_date: chf(end),
            arrears: chf(position.arrears),
            due_two_preceding_years: chf(r.due_two_preceding_years),
            article_4: a4.subject,
        });
        if a4.subject {
            out.article_4_count += 1;
            out.subject_to_article_4.push(pb::Article4Line {
                member_state: member_state.clone(),
                display_name: r.donor_name.clone(),
                arrears: chf(position.arrears),
                due_two_preceding_years: chf(r.due_two_preceding_years),
                council_informed_date: a4.notified_on.map(|d| d.to_string()).unwrap_or_default(),
                loss_of_vote_date: a4
                    .loss_effective_on
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                vote: vote(a4.vote).into(),
            });
        }
        if let Some(plan) = &a4.plan {
            out.payment_plans.push(pb::PaymentPlanLine {
                member_state: member_state.clone(),
                display_name: r.donor_name.clone(),
                reference: plan.reference.clone(),
                agreed_date: plan.agreed_date.to_string(),
                due_to_date: chf(plan.due),
                paid_since_agreed: chf(plan.paid),
                honoured: plan.honoured,
            });
        }
        if let Some(decision) = a4.council_decision.as_ref().filter(|_| a4.subject) {
            out.council_decisions.push(pb::CouncilDecisionLine {
                member_state,
                display_name: r.donor_name.clone(),
                decision: match decision.kind {
                    CouncilActKind::VoteRestored => pb::VoteStatus::RestoredByCouncil,
                    _ => pb::VoteStatus::MaintainedByCouncil,
                }
                .into(),
                date: decision.date.to_string(),
                reference: decision.reference.clone(),
            });
        }
    }
    out.total_outstanding_at_year_start = chf(totals[0]);
    out.total_assessed_in_year = chf(totals[1]);
    out.total_received_in_year = chf(totals[2]);
    out.total_outstanding_at_status_date = chf(totals[3]);
    out.total_arrears = chf(totals[4]);
    out
}
