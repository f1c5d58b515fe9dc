//! Section 8 as a reader says it: what changed since the previous session's final report,
//! comparing like with like.
//!
//! A Member State's assessed position is compared with the same Member State's, a contribution's
//! schedule with the same contribution's (read from the data at each report's as-of instant and
//! status date), and the totals of a year with those of the same year. Money paid in each
//! report's own period is never compared: two periods' flows are not a change.
//!
//! The statements are data (`pb::ReportChange`); their words are the renderer's.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use crate::{
    domain::money::{Currency, Money},
    pb::{self, wire as convert},
    store::report_data::ScheduleRow,
};

/// Contribution changes the stored content lists at most; the exports for people list all.
pub const KEPT: usize = 100;

/// The previous session's final report.
pub struct Previous {
    /// `sessions/{n}/reports/{r}`.
    pub name: String,
    pub status_date: NaiveDate,
    pub content: pb::ReportContent,
}

/// Every change from `previous` to `content` (at `status_date`): Member States, then totals of
/// the year, then the contribution changes kept of `contributions` (by donor name).
pub fn statements(
    previous: &Previous,
    content: &pb::ReportContent,
    contributions: ContributionChanges,
    status_date: NaiveDate,
) -> Vec<pb::ReportChange> {
    let same_year = previous.status_date.year() == status_date.year();
    let mut out = member_states(
        previous.content.assessed_contributions.as_ref(),
        content.assessed_contributions.as_ref(),
        same_year,
    );
    if same_year {
        out.extend(year_totals(&previous.content, content, status_date.year()));
    }
    out.extend(contributions.into_kept());
    out
}

/// A contribution change's place in section 8: (donor name, donor, contribution, order within
/// it).
type Key = (String, String, String, usize);

/// Section 8's contribution changes gathered a page of contributions at a time: how many there
/// are, and the first [`KEPT`] in the order section 8 states them. What it holds is a page's
/// changes and those kept, whatever the number of contributions.
#[derive(Default)]
pub struct ContributionChanges {
    kept: Vec<(Key, pb::ReportChange)>,
    count: usize,
}

impl ContributionChanges {
    /// Adds the changes of one page of contributions: `old` and `new` are the same
    /// contributions' rows at the previous report's instant and status date and at this report's.
    pub fn add_page(&mut self, old: &[ScheduleRow], new: &[ScheduleRow]) {
        let page = keyed_contribution_changes(old, new);
        self.count += page.len();
        self.kept.extend(page);
        if self.kept.len() > 2 * KEPT {
            self.keep_first();
        }
    }

    /// How many contribution changes there are in all.
    pub fn count(&self) -> usize {
        self.count
    }

    fn keep_first(&mut self) {
        self.kept.sort_by(|a, b| a.0.cmp(&b.0));
        self.kept.truncate(KEPT);
    }

    /// The first [`KEPT`] changes, in section 8's order.
    fn into_kept(mut self) -> Vec<pb::ReportChange> {
        self.keep_first();
        self.kept.into_iter().map(|(_, c)| c).collect()
    }
}

/// Whether a statement is about a contribution (those are bounded in the stored content).
pub fn is_contribution_change(c: &pb::ReportChange) -> bool {
    !c.contribution.is_empty()
}

fn decimal(s: &str) -> Decimal {
    s.parse().unwrap_or_default()
}

fn member_states(
    old: Option<&pb::AssessedContributions>,
    new: Option<&pb::AssessedContributions>,
    same_year: bool,
) -> Vec<pb::ReportChange> {
    let (Some(old), Some(new)) = (old, new) else {
        return Vec::new();
    };
    let before: BTreeMap<&str, &pb::AssessedLine> = old
        .member_states
        .iter()
        .map(|l| (l.member_state.as_str(), l))
        .collect();
    let currency = &new.currency_code;
    let mut out = Vec::new();
    for now in &new.member_states {
        let Some(then) = before.get(now.member_state.as_str()) else {
            continue;
        };
        let change = |kind: pb::ChangeKind, old: &str, new: &str| pb::ReportChange {
            kind: kind.into(),
            organization: now.member_state.clone(),
            organization_name: now.display_name.clone(),
            currency_code: currency.clone(),
            old_amount: old.to_owned(),
            new_amount: new.to_owned(),
            ..Default::default()
        };
        if decimal(&then.outstanding_at_status_date) != decimal(&now.outstanding_at_status_date) {
            out.push(change(
                pb::ChangeKind::MemberStateOutstanding,
                &then.outstanding_at_status_date,
                &now.outstanding_at_status_date,
            ));
        }
        if same_year && decimal(&then.arrears) != decimal(&now.arrears) {
            out.push(change(
                pb::ChangeKind::MemberStateArrears,
                &then.arrears,
                &now.arrears,
            ));
        }
        if then.article_4 != now.article_4 {
            out.push(pb::ReportChange {
                article_4: now.article_4,
                ..change(pb::ChangeKind::MemberStateArticle4, "", "")
            });
        }
    }
    out
}

fn year_totals(
    old: &pb::ReportContent,
    new: &pb::ReportContent,
    year: i32,
) -> Vec<pb::ReportChange> {
    let mut pairs: Vec<(pb::ChangeTotal, String, String, String)> = Vec::new();
    if let (Some(o), Some(n)) = (&old.assessed_contributions, &new.assessed_contributions) {
        for (total, a, b) in [
            (
                pb::ChangeTotal::AssessedInYear,
                &o.total_assessed_in_year,
                &n.total_assessed_in_year,
            ),
            (
                pb::ChangeTotal::AssessedReceivedInYear,
                &o.total_received_in_year,
                &n.total_received_in_year,
            ),
            (
                pb::ChangeTotal::AssessedOutstanding,
                &o.total_outstanding_at_status_date,
                &n.total_outstanding_at_status_date,
            ),
            (
                pb::ChangeTotal::AssessedArrears,
                &o.total_arrears,
                &n.total_arrears,
            ),
        ] {
            pairs.push((total, n.currency_code.clone(), a.clone(), b.clone()));
        }
    }
    if let (Some(o), Some(n)) = (&old.multi_year_commitments, &new.multi_year_commitments) {
        pairs.push((
            pb::ChangeTotal::MultiYearOutstanding,
            n.currency_code.clone(),
            o.total_outstanding.clone(),
            n.total_outstanding.clone(),
        ));
    }
    pairs
        .into_iter()
        .filter(|(_, _, a, b)| decimal(a) != decimal(b))
        .map(
            |(total, currency_code, old_amount, new_amount)| pb::ReportChange {
                kind: pb::ChangeKind::YearTotal.into(),
                currency_code,
                old_amount,
                new_amount,
                year,
                total: total.into(),
                ..Default::default()
            },
        )
        .collect()
}

/// One contribution as a report saw it.
struct Contribution<'a> {
    first: &'a ScheduleRow,
    /// (due date, amount, paid), in due order.
    installments: Vec<(NaiveDate, Decimal, Decimal)>,
}

fn by_contribution(rows: &[ScheduleRow]) -> BTreeMap<&str, Contribution<'_>> {
    let mut out: BTreeMap<&str, Contribution<'_>> = BTreeMap::new();
    for r in rows {
        let c = out
            .entry(r.contribution_id.as_str())
            .or_insert_with(|| Contribution {
                first: r,
                installments: Vec::new(),
            });
        if let (Some(due), Some(amount)) = (r.due_date, r.amount) {
            c.installments
                .push((due, amount, r.paid.unwrap_or_default()));
        }
    }
    out
}

/// An amount as the report writes money of `currency`: its minor units, exactly.
fn amount(value: Decimal, currency: &str) -> String {
    match Currency::parse(currency, "currency") {
        Ok(c) => Money::from_decimal(value, c).amount().to_string(),
        Err(_) => value.normalize().to_string(),
    }
}

/// Installments keyed by due date and, for several on one day, their order on it.
fn keyed(
    installments: &[(NaiveDate, Decimal, Decimal)],
) -> BTreeMap<(NaiveDate, usize), (Decimal, Decimal)> {
    let mut out = BTreeMap::new();
    let mut previous: Option<NaiveDate> = None;
    let mut n = 0;
    for &(due, amount, paid) in installments {
        n = if previous == Some(due) { n + 1 } else { 0 };
        previous = Some(due);
        out.insert((due, n), (amount, paid));
    }
    out
}

/// The changes to the contributions of one page of the exports' annex: `old` and `new` are
/// the same contributions' rows at the previous report's instant and status date and at this
/// report's. In contribution-id order, the order the annex reads its pages in.
pub fn annex_page(old: &[ScheduleRow], new: &[ScheduleRow]) -> Vec<pb::ReportChange> {
    keyed_contribution_changes(old, new)
        .into_iter()
        .map(|(_, c)| c)
        .collect()
}

/// Each contribution change keyed by (donor name, donor, contribution, order within it), in
/// contribution-id order.
fn keyed_contribution_changes(
    old: &[ScheduleRow],
    new: &[ScheduleRow],
) -> Vec<(Key, pb::ReportChange)> {
    let before = by_contribution(old);
    let after = by_contribution(new);
    let mut ids: Vec<&str> = before.keys().chain(after.keys()).copied().collect();
    ids.sort_unstable();
    ids.dedup();
    let mut out: Vec<(Key, pb::ReportChange)> = Vec::new();
    for id in ids {
        let (then, now) = (before.get(id), after.get(id));
        let about = now.or(then).map(|c| c.first).expect("in one of the two");
        let base = pb::ReportChange {
            organization: format!("organizations/{}", about.donor_id),
            organization_name: about.donor_name.clone(),
            contribution: format!("contributions/{}", about.contribution_id),
            currency_code: about.currency.clone(),
            ..Default::default()
        };
        let cur = about.currency.as_str();
        let whole = |kind: pb::ChangeKind, r: &ScheduleRow| pb::ReportChange {
            kind: kind.into(),
            period_start: convert::date(r.period_start),
            period_end: convert::date(r.period_end),
            status: status(&r.status).into(),
            ..base.clone()
        };
        let mut changes = Vec::new();
        match (then, now) {
            (None, Some(n)) => changes.push(pb::ReportChange {
                new_amount: amount(n.first.total, cur),
                ..whole(pb::ChangeKind::ContributionNew, n.first)
            }),
            (Some(t), None) => changes.push(pb::ReportChange {
                old_amount: amount(t.first.total, cur),
                ..whole(pb::ChangeKind::ContributionRemoved, t.first)
            }),
            (Some(t), Some(n)) => {
                if t.first.status == "pledge" && n.first.status == "commitment" {
                    changes.push(pb::ReportChange {
                        new_amount: amount(n.first.total, cur),
                        ..whole(pb::ChangeKind::PledgeCommitted, n.first)
                    });
                }
                if t.first.total != n.first.total {
                    changes.push(pb::ReportChange {
                        kind: pb::ChangeKind::ContributionTotal.into(),
                        old_amount: amount(t.first.total, cur),
                        new_amount: amount(n.first.total, cur),
                        ..base.clone()
                    });
                }
                changes.extend(installments(&base, cur, &t.installments, &n.installments));
            }
            (None, None) => {}
        }
        for (i, c) in changes.into_iter().enumerate() {
            let key = (
                about.donor_name.clone(),
                about.donor_id.clone(),
                about.contribution_id.clone(),
                i,
            );
            out.push((key, c));
        }
    }
    out
}

fn installments(
    base: &pb::ReportChange,
    cur: &str,
    old: &[(NaiveDate, Decimal, Decimal)],
    new: &[(NaiveDate, Decimal, Decimal)],
) -> Vec<pb::ReportChange> {
    let before = keyed(old);
    let after = keyed(new);
    let mut keys: Vec<&(NaiveDate, usize)> = before.keys().chain(after.keys()).collect();
    keys.sort_unstable();
    keys.dedup();
    let mut out = Vec::new();
    for key in keys {
        let due = key.0;
        let at =
            |kind: pb::ChangeKind, old: Option<Decimal>, new: Option<Decimal>| pb::ReportChange {
                kind: kind.into(),
                year: due.year(),
                due_date: convert::date(due),
                old_amount: old.map(|v| amount(v, cur)).unwrap_or_default(),
                new_amount: new.map(|v| amount(v, cur)).unwrap_or_default(),
                ..base.clone()
            };
        match (before.get(key), after.get(key)) {
            (None, Some(&(a, _))) => out.push(at(pb::ChangeKind::InstallmentAdded, None, Some(a))),
            (Some(&(a, _)), None) => {
                out.push(at(pb::ChangeKind::InstallmentRemoved, Some(a), None));
            }
            (Some(&(old_amount, old_paid)), Some(&(new_amount, new_paid))) => {
                if old_amount != new_amount {
                    out.push(at(
                        pb::ChangeKind::InstallmentAmount,
                        Some(old_amount),
                        Some(new_amount),
                    ));
                }
                let was_paid = old_paid >= old_amount;
                let is_paid = new_paid >= new_amount;
                if is_paid && !was_paid {
                    out.push(at(
                        pb::ChangeKind::InstallmentReceived,
                        None,
                        Some(new_amount),
                    ));
                } else if !is_paid && new_paid > old_paid {
                    out.push(at(
                        pb::ChangeKind::InstallmentPartlyReceived,
                        Some(old_paid),
                        Some(new_paid),
                    ));
                }
            }
            (None, None) => {}
        }
    }
    out
}

fn status(db: &str) -> pb::FlowStatus {
    match db {
        "pledge" => pb::FlowStatus::Pledge,
        "commitment" => pb::FlowStatus::Commitment,
        _ => pb::FlowStatus::Unspecified,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, due: &str, amount: &str, paid: &str) -> ScheduleRow {
        ScheduleRow {
            contribution_id: id.into(),
            donor_id: "belgium".into(),
            donor_name: "Belgium".into(),
            status: "commitment".into(),
            currency: "EUR".into(),
            total: "4000000".parse().unwrap(),
            period_start: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            period_end: NaiveDate::from_ymd_opt(2028, 12, 31).unwrap(),
            due_date: Some(due.parse().unwrap()),
            amount: Some(amount.parse().unwrap()),
            paid: Some(paid.parse().unwrap()),
        }
    }

    #[test]
    fn an_installment_paid_between_two_reports_is_now_received_and_nothing_else() {
        let old = [
            row("be", "2025-06-30", "1000000", "1000000"),
            row("be", "2026-06-30", "1000000", "0"),
        ];
        let new = [
            row("be", "2025-06-30", "1000000", "1000000"),
            row("be", "2026-06-30", "1000000", "1000000"),
        ];
        let changes = annex_page(&old, &new);
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].kind(), pb::ChangeKind::InstallmentReceived);
        assert_eq!(changes[0].year, 2026);
        assert_eq!(changes[0].new_amount, "1000000.00");
    }

    #[test]
    fn a_part_paid_a_new_installment_and_a_removed_contribution_are_each_stated() {
        let old = [
            row("be", "2026-06-30", "1000000", "0"),
            row("gone", "2026-06-30", "1000000", "0"),
        ];
        let new = [
            row("be", "2026-06-30", "1000000", "250000"),
            row("be", "2027-06-30", "500000", "0"),
        ];
        let kinds: Vec<pb::ChangeKind> = annex_page(&old, &new).iter().map(|c| c.kind()).collect();
        assert_eq!(
            kinds,
            [
                pb::ChangeKind::InstallmentPartlyReceived,
                pb::ChangeKind::InstallmentAdded,
                pb::ChangeKind::ContributionRemoved,
            ]
        );
    }

    /// Contribution `n` of donor `d`, with one installment that is new, paid since, or gone.
    fn donor_row(n: usize, d: usize, paid: &str) -> ScheduleRow {
        ScheduleRow {
            contribution_id: format!("c-{n:04}"),
            donor_id: format!("d-{d}"),
            donor_name: format!("Donor {}", (d * 7) % 13),
            ..row("", "2026-06-30", "1000000", paid)
        }
    }

    #[test]
    fn changes_gathered_page_by_page_keep_the_first_in_section_order_and_count_all() {
        // 600 contributions of 13 donors, named out of id order: each is new, paid since the
        // previous report, or gone, so every page of 100 has changes of every donor.
        let (mut old, mut new) = (Vec::new(), Vec::new());
        for n in 0..600 {
            let d = n % 13;
            match n % 3 {
                0 => new.push(donor_row(n, d, "0")),
                1 => {
                    old.push(donor_row(n, d, "0"));
                    new.push(donor_row(n, d, "1000000"));
                }
                _ => old.push(donor_row(n, d, "0")),
            }
        }
        let mut whole = keyed_contribution_changes(&old, &new);
        whole.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(whole.len(), 600);

        let mut paged = ContributionChanges::default();
        let page = |rows: &[ScheduleRow], p: usize| -> Vec<ScheduleRow> {
            rows.iter()
                .filter(|r| r.contribution_id[2..].parse::<usize>().unwrap() / 100 == p)
                .cloned()
                .collect()
        };
        for p in 0..6 {
            paged.add_page(&page(&old, p), &page(&new, p));
        }
        assert_eq!(paged.count(), 600);
        let kept = paged.into_kept();
        assert_eq!(kept.len(), KEPT);
        let expected: Vec<pb::ReportChange> =
            whole.into_iter().take(KEPT).map(|(_, c)| c).collect();
        assert_eq!(kept, expected);
        assert!(
            kept.windows(2)
                .all(|w| w[0].organization_name <= w[1].organization_name)
        );
    }
}
