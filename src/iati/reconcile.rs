//! Reconciliation: what a donor publishes about the money it gives the organisation (outgoing
//! commitments and disbursements), against the contributions and receipts recorded, per
//! contribution and calendar year, in the original currency.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use super::{activity::Activity, xml::Pos};
use crate::domain::{
    contribution::{Contribution, receipt::Receipt},
    money::{Currency, round_to_currency},
    text::Id,
};

/// One outgoing commitment (2) or disbursement (3) of a donor to the organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DonorFlow {
    pub at: Pos,
    /// The donor activity's identifier.
    pub activity: String,
    /// IATI identifier of the donor: the provider-org, else the reporting-org.
    pub donor_ref: String,
    pub transaction_type: i16,
    pub date: NaiveDate,
    pub amount: Decimal,
    pub currency: Currency,
    /// `receiver-activity-id`: the organisation's activity the money is for, when given.
    pub receiver_activity: String,
}

/// The flows of a donor activity to the receiver `receiver_ref`.
pub fn flows(a: &Activity, receiver_ref: &str) -> Vec<DonorFlow> {
    a.transactions
        .iter()
        .filter(|t| matches!(t.transaction_type, 2 | 3))
        .filter(|t| {
            t.receiver
                .as_ref()
                .is_some_and(|r| r.reference == receiver_ref)
        })
        .map(|t| DonorFlow {
            at: t.at,
            activity: a.identifier.clone(),
            donor_ref: t
                .provider
                .as_ref()
                .map(|p| p.reference.clone())
                .filter(|r| !r.is_empty())
                .unwrap_or_else(|| a.reporting_org.reference.clone()),
            transaction_type: t.transaction_type,
            date: t.date,
            amount: t.value.amount(),
            currency: t.value.currency(),
            receiver_activity: t
                .receiver
                .as_ref()
                .map(|r| r.activity.clone())
                .unwrap_or_default(),
        })
        .collect()
}

/// A contribution as recorded, with what reconciliation needs around it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub contribution: Contribution,
    /// Receipts not withdrawn.
    pub receipts: Vec<Receipt>,
    /// The IATI identifier of its programme's activity, when it has one.
    pub activity: Option<String>,
}

/// Which side a line's figures come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Side {
    Both,
    DonorOnly,
    ServiceOnly,
}

/// One contribution (or unmatched donor money) in one year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub contribution: Option<Id>,
    /// `organizations/{id}`, or the donor's IATI identifier when no organization has it.
    pub donor: String,
    pub year: i32,
    pub currency: Currency,
    pub donor_committed: Decimal,
    pub donor_disbursed: Decimal,
    pub recorded_due: Decimal,
    pub recorded_received: Decimal,
    pub side: Side,
    pub donor_activities: BTreeSet<String>,
    pub note: String,
}

impl Line {
    pub fn committed_difference(&self) -> Decimal {
        self.donor_committed - self.recorded_due
    }

    pub fn received_difference(&self) -> Decimal {
        self.donor_disbursed - self.recorded_received
    }
}

/// An amount at its currency's minor units, as a string (negative differences keep their sign).
pub fn amount(value: Decimal, currency: Currency) -> String {
    let mut v = round_to_currency(value, currency);
    v.rescale(currency.minor_units());
    v.to_string()
}

#[derive(Default)]
struct Acc {
    committed: Decimal,
    disbursed: Decimal,
    due: Decimal,
    received: Decimal,
    flows: bool,
    activities: BTreeSet<String>,
    notes: BTreeSet<String>,
}

/// Compares the flows with the recorded contributions. `donors` maps an IATI identifier to the
/// organization that has it; `recorded` holds every contribution of those organizations.
pub fn reconcile(
    flows: &[DonorFlow],
    donors: &BTreeMap<String, Id>,
    recorded: &[Recorded],
) -> Vec<Line> {
    let mut matched: BTreeMap<(String, Id, i32), Acc> = BTreeMap::new();
    let mut unmatched: BTreeMap<(String, i32, Currency), Acc> = BTreeMap::new();
    for f in flows {
        let year = f.date.year();
        let found = match donors.get(&f.donor_ref) {
            None => Err(format!(
                "no organization has the IATI identifier {}",
                f.donor_ref
            )),
            Some(donor) => choose(f, donor, recorded).map(|(c, note)| (donor, c, note)),
        };
        let acc = match &found {
            Ok((donor, c, _)) => matched
                .entry((format!("organizations/{donor}"), c.id.clone(), year))
                .or_default(),
            Err(_) => unmatched
                .entry((
                    donors
                        .get(&f.donor_ref)
                        .map_or_else(|| f.donor_ref.clone(), |d| format!("organizations/{d}")),
                    year,
                    f.currency,
                ))
                .or_default(),
        };
        match f.transaction_type {
            2 => acc.committed += f.amount,
            _ => acc.disbursed += f.amount,
        }
        acc.flows = true;
        acc.activities.insert(f.activity.clone());
        match found {
            Ok((_, _, Some(note))) | Err(note) => {
                acc.notes.insert(note);
            }
            _ => {}
        }
    }
    for r in recorded {
        let c = &r.contribution;
        let key = |year| (format!("organizations/{}", c.donor), c.id.clone(), year);
        for i in &c.installments {
            matched.entry(key(i.due_date.year())).or_default().due += i.amount.amount();
        }
        for receipt in &r.receipts {
            matched
                .entry(key(receipt.received_date.year()))
                .or_default()
                .received += receipt.amount.amount();
        }
    }
    let currency_of = |id: &Id| {
        recorded
            .iter()
            .find(|r| &r.contribution.id == id)
            .map(|r| r.contribution.currency())
    };
    let mut lines = Vec::new();
    for ((donor, id, year), acc) in matched {
        let Some(currency) = currency_of(&id) else {
            continue;
        };
        let service = !acc.due.is_zero() || !acc.received.is_zero();
        lines.push(Line {
            contribution: Some(id),
            donor,
            year,
            currency,
            donor_committed: acc.committed,
            donor_disbursed: acc.disbursed,
            recorded_due: acc.due,
            recorded_received: acc.received,
            side: match (acc.flows, service) {
                (true, true) => Side::Both,
                (true, false) => Side::DonorOnly,
                _ => Side::ServiceOnly,
            },
            donor_activities: acc.activities,
            note: acc.notes.into_iter().collect::<Vec<_>>().join("; "),
        });
    }
    for ((donor, year, currency), acc) in unmatched {
        lines.push(Line {
            contribution: None,
            donor,
            year,
            currency,
            donor_committed: acc.committed,
            donor_disbursed: acc.disbursed,
            recorded_due: Decimal::ZERO,
            recorded_received: Decimal::ZERO,
            side: Side::DonorOnly,
            donor_activities: acc.activities,
            note: acc.notes.into_iter().collect::<Vec<_>>().join("; "),
        });
    }
    lines
}

/// The contribution a flow is about: of its donor, in its currency; narrowed to the
/// organisation's activity it names and to a period covering its date. Several left: the
/// latest agreed on or before the date, with a note.
fn choose<'r>(
    f: &DonorFlow,
    donor: &Id,
    recorded: &'r [Recorded],
) -> Result<(&'r Contribution, Option<String>), String> {
    let mut candidates: Vec<&Recorded> = recorded
        .iter()
        .filter(|r| &r.contribution.donor == donor && r.contribution.currency() == f.currency)
        .collect();
    if candidates.is_empty() {
        return Err(format!(
            "organizations/{donor} has no contribution in {}",
            f.currency
        ));
    }
    if !f.receiver_activity.is_empty() {
        let named: Vec<&Recorded> = candidates
            .iter()
            .copied()
            .filter(|r| r.activity.as_deref() == Some(f.receiver_activity.as_str()))
            .collect();
        if !named.is_empty() {
            candidates = named;
        }
    }
    let covering: Vec<&Recorded> = candidates
        .iter()
        .copied()
        .filter(|r| r.contribution.period_start <= f.date && f.date <= r.contribution.period_end)
        .collect();
    if !covering.is_empty() {
        candidates = covering;
    }
    if candidates.len() == 1 {
        return Ok((&candidates[0].contribution, None));
    }
    let best = candidates
        .iter()
        .max_by_key(|r| {
            let c = &r.contribution;
            (
                c.agreement_date <= f.date,
                c.agreement_date,
                std::cmp::Reverse(c.id.clone()),
            )
        })
        .map(|r| &r.contribution)
        .expect("candidates is not empty");
    Ok((
        best,
        Some(format!(
            "{} contributions could match; the latest agreed before the flow was chosen",
            candidates.len()
        )),
    ))
}
