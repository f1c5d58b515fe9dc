//! A Member State's standing under the IOM Constitution: its scale of assessment by year, the
//! Council's acts under Article 4, and the payment plans it agreed for its arrears; and the rule
//! that tells, at a status date, whether it is subject to Article 4 and whether it may vote.
//!
//! Article 4 of the Constitution: a Member State whose arrears in the payment of its financial
//! contributions equal or exceed the contributions due from it for the two preceding years loses
//! its vote, one year after the Council was informed of it, if its arrears still reach that
//! extent; the Council may maintain or restore the vote. A Member State that agreed a payment
//! plan for its arrears and honours it keeps its vote while it does.

use std::collections::BTreeSet;

use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{
    FieldViolation, Parsed,
    dates::parse_date,
    field,
    money::{Currency, Money, parse_plain_decimal},
    text::{self, Id},
};

/// Years a scale of assessment or a Council act can be about.
pub const YEARS: std::ops::RangeInclusive<i32> = 1951..=2200;

/// At most this many entries in each list of a standing.
pub const MAX_ENTRIES: usize = 500;

/// A Member State's standing as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberState {
    /// The organization that is the Member State.
    pub id: Id,
    pub standing: Standing,
}

impl MemberState {
    pub fn name(&self) -> String {
        Self::name_of(&self.id)
    }

    pub fn name_of(id: &Id) -> String {
        format!("memberStates/{id}")
    }
}

/// What is recorded about a Member State under the Constitution (stored as one JSON document
/// per version; decimals as strings).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    /// Its share of the assessed budget, year by year, in ascending years.
    pub scale: Vec<ScaleEntry>,
    /// The Council's acts about it under Article 4, in date order.
    pub council_acts: Vec<CouncilAct>,
    /// Payment plans it agreed for its arrears, in the order they were agreed.
    pub payment_plans: Vec<PaymentPlan>,
}

/// A Member State's share of the assessed part of the budget for one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScaleEntry {
    pub year: i32,
    /// Percent of the assessed budget, for example 0.123456.
    pub percentage: Decimal,
}

/// What the Council did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CouncilActKind {
    /// The Council was informed that the Member State is subject to Article 4.
    Article4Notified,
    /// The Council decided that the Member State keeps its vote despite its arrears.
    VoteMaintained,
    /// The Council restored a vote the Member State had lost.
    VoteRestored,
}

/// One act of the Council about a Member State.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouncilAct {
    pub kind: CouncilActKind,
    pub date: NaiveDate,
    /// The Council's document, for example "Resolution No. 1401".
    pub reference: String,
}

/// A payment plan: what the Member State agreed to pay, when, to settle its arrears.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentPlan {
    pub reference: String,
    pub agreed_date: NaiveDate,
    /// Installments in CHF, in due order.
    pub installments: Vec<PlanInstallment>,
}

/// One installment of a payment plan, in CHF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanInstallment {
    pub due_date: NaiveDate,
    pub amount: Decimal,
}

impl Standing {
    /// Checks the rules that tie entries together. `path` is the request field holding it.
    pub fn check(self, path: &str) -> Parsed<Self> {
        for (list, len) in [
            ("scale", self.scale.len()),
            ("council_acts", self.council_acts.len()),
            ("payment_plans", self.payment_plans.len()),
        ] {
            if len > MAX_ENTRIES {
                return Err(FieldViolation::new(
                    field(path, list),
                    "TOO_MANY_ENTRIES",
                    format!("at most {MAX_ENTRIES} entries"),
                ));
            }
        }
        let mut years = BTreeSet::new();
        for (i, e) in self.scale.iter().enumerate() {
            if !years.insert(e.year) {
                return Err(FieldViolation::new(
                    format!("{}[{i}].year", field(path, "scale")),
                    "DUPLICATE_YEAR",
                    format!("the scale of {} is given twice", e.year),
                ));
            }
        }
        for (p, plan) in self.payment_plans.iter().enumerate() {
            let plan_path = format!("{}[{p}]", field(path, "payment_plans"));
            if plan.installments.is_empty() {
                return Err(FieldViolation::required(
                    field(&plan_path, "installments"),
                    "a payment plan has at least one installment",
                ));
            }
            let mut previous = plan.agreed_date;
            for (i, inst) in plan.installments.iter().enumerate() {
                if inst.due_date < previous {
                    return Err(FieldViolation::new(
                        format!("{plan_path}.installments[{i}].due_date"),
                        "OUT_OF_ORDER",
                        "installments are due in order, none before the plan was agreed",
                    ));
                }
                previous = inst.due_date;
            }
        }
        Ok(self)
    }

    /// The entries in a canonical order, so that the same standing always compares equal.
    pub fn sorted(mut self) -> Self {
        self.scale.sort_by_key(|e| e.year);
        self.council_acts.sort_by_key(|a| a.date);
        self.payment_plans.sort_by_key(|p| p.agreed_date);
        self
    }

    /// The percentage of the scale for a year, when recorded.
    pub fn scale_for(&self, year: i32) -> Option<Decimal> {
        self.scale
            .iter()
            .find(|e| e.year == year)
            .map(|e| e.percentage)
    }
}

/// Parses a year of the scale or of a Council act.
pub fn parse_year(year: i32, path: &str) -> Parsed<i32> {
    if YEARS.contains(&year) {
        Ok(year)
    } else {
        Err(FieldViolation::new(
            path,
            "YEAR_OUT_OF_RANGE",
            format!(
                "the year must be between {} and {}",
                YEARS.start(),
                YEARS.end()
            ),
        ))
    }
}

/// Parses a scale percentage: above 0, at most 100, at most 6 decimals.
pub fn parse_percentage(raw: &str, path: &str) -> Parsed<Decimal> {
    let value = parse_plain_decimal(raw, path, "percentage")?;
    if value.is_zero() || value > Decimal::ONE_HUNDRED || value.scale() > 6 {
        return Err(FieldViolation::new(
            path,
            "PERCENTAGE_OUT_OF_RANGE",
            "a percentage of the scale is above 0, at most 100, with at most 6 decimals",
        ));
    }
    Ok(value.normalize())
}

/// Parses a date a Council act or a plan can carry (the years of [`YEARS`]).
pub fn parse_event_date(raw: &str, path: &str) -> Parsed<NaiveDate> {
    let date = parse_date(raw, path)?;
    parse_year(date.year(), path)?;
    Ok(date)
}

/// Parses a plan installment amount: a positive CHF amount.
pub fn parse_chf(raw: &str, path: &str) -> Parsed<Decimal> {
    Ok(Money::parse(raw, Currency::CHF, path)?
        .require_positive(path)?
        .amount())
}

/// Parses a Council reference or a plan reference.
pub fn parse_reference(raw: &str, path: &str) -> Parsed<String> {
    text::required_text(raw, path, 200)
}

/// What the finance records say about a Member State's assessed contributions at a status date,
/// in CHF.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssessedPosition {
    /// Unpaid assessments due before 1 January of the status year.
    pub arrears: Decimal,
    /// Assessments due in the two years before the status year.
    pub due_two_preceding_years: Decimal,
    /// Receipts on its assessed contributions, with their dates, up to the status date.
    pub receipts: Vec<(NaiveDate, Decimal)>,
}

/// Whether a payment plan is kept at a status date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanStatus {
    pub reference: String,
    pub agreed_date: NaiveDate,
    /// Plan installments due on or before the status date.
    pub due: Decimal,
    /// Receipts since the plan was agreed, up to the status date.
    pub paid: Decimal,
    /// Every installment due by the status date is covered by receipts since the plan.
    pub honoured: bool,
}

/// A Member State's vote at a status date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vote {
    /// Not subject to Article 4, or subject but the year after the notification has not passed.
    Kept,
    /// Lost under Article 4 from the date given in the standing.
    Lost,
    /// Kept because the Council decided so.
    MaintainedByCouncil,
    /// Lost once and given back by the Council.
    RestoredByCouncil,
    /// Kept while an agreed payment plan is honoured.
    KeptUnderPaymentPlan,
}

/// Article 4 at a status date, for one Member State.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article4Standing {
    /// Arrears equal or exceed the contributions due for the two preceding years.
    pub subject: bool,
    /// When the Council was last informed, if it was, on or before the status date.
    pub notified_on: Option<NaiveDate>,
    /// One year after the notification: when the loss of vote takes effect, if arrears remain.
    pub loss_effective_on: Option<NaiveDate>,
    /// The last Council decision (maintain or restore) after the notification, if any.
    pub council_decision: Option<CouncilAct>,
    /// The latest payment plan agreed on or before the status date.
    pub plan: Option<PlanStatus>,
    pub vote: Vote,
}

/// Applies Article 4 at `status_date`. Only facts dated on or before the status date count.
pub fn article4(
    standing: &Standing,
    position: &AssessedPosition,
    status_date: NaiveDate,
) -> Article4Standing {
    let subject =
        position.arrears > Decimal::ZERO && position.arrears >= position.due_two_preceding_years;
    let acts: Vec<&CouncilAct> = standing
        .council_acts
        .iter()
        .filter(|a| a.date <= status_date)
        .collect();
    let notified_on = acts
        .iter()
        .filter(|a| a.kind == CouncilActKind::Article4Notified)
        .map(|a| a.date)
        .max();
    let loss_effective_on = notified_on.and_then(|d| d.checked_add_months(Months::new(12)));
    let council_decision = notified_on.and_then(|notified| {
        acts.iter()
            .filter(|a| a.kind != CouncilActKind::Article4Notified && a.date >= notified)
            .max_by_key(|a| a.date)
            .map(|a| (*a).clone())
    });
    let plan = standing
        .payment_plans
        .iter()
        .filter(|p| p.agreed_date <= status_date)
        .max_by_key(|p| p.agreed_date)
        .map(|p| plan_status(p, &position.receipts, status_date));
    let vote = if !subject {
        Vote::Kept
    } else if plan.as_ref().is_some_and(|p| p.honoured) {
        Vote::KeptUnderPaymentPlan
    } else if let Some(decision) = &council_decision {
        match decision.kind {
            CouncilActKind::VoteRestored => Vote::RestoredByCouncil,
            _ => Vote::MaintainedByCouncil,
        }
    } else if loss_effective_on.is_some_and(|d| d <= status_date) {
        Vote::Lost
    } else {
        Vote::Kept
    };
    Article4Standing {
        subject,
        notified_on,
        loss_effective_on,
        council_decision,
        plan,
        vote,
    }
}

fn plan_status(
    plan: &PaymentPlan,
    receipts: &[(NaiveDate, Decimal)],
    status_date: NaiveDate,
) -> PlanStatus {
    let due: Decimal = plan
        .installments
        .iter()
        .filter(|i| i.due_date <= status_date)
        .map(|i| i.amount)
        .sum();
    let paid: Decimal = receipts
        .iter()
        .filter(|(date, _)| *date >= plan.agreed_date && *date <= status_date)
        .map(|(_, amount)| *amount)
        .sum();
    PlanStatus {
        reference: plan.reference.clone(),
        agreed_date: plan.agreed_date,
        due,
        paid,
        honoured: paid >= due,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn standing(acts: Vec<CouncilAct>, plans: Vec<PaymentPlan>) -> Standing {
        Standing {
            scale: vec![],
            council_acts: acts,
            payment_plans: plans,
        }
    }

    fn act(kind: CouncilActKind, date: &str) -> CouncilAct {
        CouncilAct {
            kind,
            date: d(date),
            reference: "Resolution".into(),
        }
    }

    fn position(arrears: &str, two_years: &str) -> AssessedPosition {
        AssessedPosition {
            arrears: dec(arrears),
            due_two_preceding_years: dec(two_years),
            receipts: vec![],
        }
    }

    #[test]
    fn arrears_below_two_years_of_contributions_are_not_article_4() {
        let s = article4(
            &standing(vec![], vec![]),
            &position("199.99", "200.00"),
            d("2025-06-30"),
        );
        assert!(!s.subject);
        assert_eq!(s.vote, Vote::Kept);
    }

    #[test]
    fn arrears_equal_to_two_years_are_article_4_but_the_vote_stays_until_a_year_after_notice() {
        let p = position("200.00", "200.00");
        let notified = standing(
            vec![act(CouncilActKind::Article4Notified, "2024-11-28")],
            vec![],
        );
        let before = article4(&notified, &p, d("2025-06-30"));
        assert!(before.subject);
        assert_eq!(before.loss_effective_on, Some(d("2025-11-28")));
        assert_eq!(before.vote, Vote::Kept);
        let after = article4(&notified, &p, d("2025-11-28"));
        assert_eq!(after.vote, Vote::Lost);
        // Without a notification the vote is never lost.
        let unnotified = article4(&standing(vec![], vec![]), &p, d("2030-01-01"));
        assert_eq!(unnotified.vote, Vote::Kept);
    }

    #[test]
    fn acts_after_the_status_date_change_nothing() {
        let p = position("500", "200");
        let s = standing(
            vec![
                act(CouncilActKind::Article4Notified, "2023-11-28"),
                act(CouncilActKind::VoteRestored, "2025-07-01"),
            ],
            vec![],
        );
        assert_eq!(article4(&s, &p, d("2025-06-30")).vote, Vote::Lost);
        assert_eq!(
            article4(&s, &p, d("2025-07-01")).vote,
            Vote::RestoredByCouncil
        );
    }

    #[test]
    fn a_decision_before_the_latest_notification_no_longer_holds() {
        let s = standing(
            vec![
                act(CouncilActKind::Article4Notified, "2020-11-28"),
                act(CouncilActKind::VoteMaintained, "2021-11-28"),
                act(CouncilActKind::Article4Notified, "2023-11-28"),
            ],
            vec![],
        );
        let out = article4(&s, &position("500", "200"), d("2025-06-30"));
        assert_eq!(out.council_decision, None);
        assert_eq!(out.vote, Vote::Lost);
    }

    #[test]
    fn an_honoured_plan_keeps_the_vote_and_a_broken_one_does_not() {
        let plan = PaymentPlan {
            reference: "Plan 2024".into(),
            agreed_date: d("2024-01-15"),
            installments: vec![
                PlanInstallment {
                    due_date: d("2024-06-30"),
                    amount: dec("100.00"),
                },
                PlanInstallment {
                    due_date: d("2025-06-30"),
                    amount: dec("100.00"),
                },
                PlanInstallment {
                    due_date: d("2026-06-30"),
                    amount: dec("100.00"),
                },
            ],
        };
        let s = standing(
            vec![act(CouncilActKind::Article4Notified, "2022-11-28")],
            vec![plan],
        );
        let mut p = position("500", "200");
        // A receipt before the plan was agreed does not count towards it.
        p.receipts = vec![(d("2024-01-14"), dec("300")), (d("2024-05-01"), dec("150"))];
        let out = article4(&s, &p, d("2025-06-30"));
        let plan = out.plan.clone().unwrap();
        assert_eq!(
            (plan.due, plan.paid, plan.honoured),
            (dec("200.00"), dec("150"), false)
        );
        assert_eq!(out.vote, Vote::Lost);
        p.receipts.push((d("2025-06-30"), dec("50")));
        let out = article4(&s, &p, d("2025-06-30"));
        assert!(out.plan.unwrap().honoured);
        assert_eq!(out.vote, Vote::KeptUnderPaymentPlan);
    }

    #[test]
    fn installments_before_the_agreement_are_refused() {
        let s = standing(
            vec![],
            vec![PaymentPlan {
                reference: "P".into(),
                agreed_date: d("2024-01-15"),
                installments: vec![PlanInstallment {
                    due_date: d("2024-01-14"),
                    amount: dec("1"),
                }],
            }],
        );
        let err = s.check("member_state").unwrap_err();
        assert_eq!(err.reason, "OUT_OF_ORDER");
        assert_eq!(
            err.field,
            "member_state.payment_plans[0].installments[0].due_date"
        );
    }
}
