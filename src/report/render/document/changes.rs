//! Section 8's statements in the reader's words: one message per kind of change, in the
//! language's Fluent file (`change-*`), with amounts and dates formatted for it.
//!
//! "Belgium: 2026 installment EUR 1,000,000 now received", "United States: arrears
//! CHF 10,213,800 → 0", "New contribution: Denmark DKK 375,000,000 (2023–2026)".

use crate::{
    pb::{self, ChangeKind, ChangeTotal},
    report::render::words::{Arg, Words},
};

/// The sentence a reader reads for one change.
pub fn sentence(c: &pb::ReportChange, w: &Words) -> String {
    let organization = w.organization(&c.organization, &c.organization_name);
    let name = Arg::Text(&organization);
    let year = c.year.to_string();
    let change = from_to(c, w);
    let old = money(w, &c.currency_code, &c.old_amount);
    let new = money(w, &c.currency_code, &c.new_amount);
    let due = w.date(&c.due_date);
    let period = period(c);
    let pledge = c.status() == pb::FlowStatus::Pledge;
    match c.kind() {
        ChangeKind::MemberStateOutstanding => w.t_args(
            "change-outstanding",
            &[("name", name), ("change", Arg::Text(&change))],
        ),
        ChangeKind::MemberStateArrears => w.t_args(
            "change-arrears",
            &[("name", name), ("change", Arg::Text(&change))],
        ),
        ChangeKind::MemberStateArticle4 if c.article_4 => {
            w.t_args("change-article-4-now", &[("name", name)])
        }
        ChangeKind::MemberStateArticle4 => {
            w.t_args("change-article-4-no-longer", &[("name", name)])
        }
        ChangeKind::InstallmentReceived => w.t_args(
            "change-installment-received",
            &[
                ("name", name),
                ("year", Arg::Text(&year)),
                ("amount", Arg::Text(&new)),
            ],
        ),
        ChangeKind::InstallmentPartlyReceived => w.t_args(
            "change-installment-partly-received",
            &[
                ("name", name),
                ("year", Arg::Text(&year)),
                ("change", Arg::Text(&change)),
            ],
        ),
        ChangeKind::InstallmentAdded => w.t_args(
            "change-installment-added",
            &[
                ("name", name),
                ("year", Arg::Text(&year)),
                ("amount", Arg::Text(&new)),
                ("date", Arg::Text(&due)),
            ],
        ),
        ChangeKind::InstallmentRemoved => w.t_args(
            "change-installment-removed",
            &[
                ("name", name),
                ("year", Arg::Text(&year)),
                ("amount", Arg::Text(&old)),
                ("date", Arg::Text(&due)),
            ],
        ),
        ChangeKind::InstallmentAmount => w.t_args(
            "change-installment-amount",
            &[
                ("name", name),
                ("year", Arg::Text(&year)),
                ("change", Arg::Text(&change)),
            ],
        ),
        ChangeKind::ContributionTotal => w.t_args(
            "change-contribution-total",
            &[("name", name), ("change", Arg::Text(&change))],
        ),
        ChangeKind::ContributionNew => {
            let args = [
                ("name", name),
                ("amount", Arg::Text(&new)),
                ("period", Arg::Text(&period)),
            ];
            if pledge {
                w.t_args("change-new-pledge", &args)
            } else {
                w.t_args("change-new-contribution", &args)
            }
        }
        ChangeKind::ContributionRemoved => {
            let args = [
                ("name", name),
                ("amount", Arg::Text(&old)),
                ("period", Arg::Text(&period)),
            ];
            if pledge {
                w.t_args("change-removed-pledge", &args)
            } else {
                w.t_args("change-removed-contribution", &args)
            }
        }
        ChangeKind::PledgeCommitted => w.t_args(
            "change-pledge-committed",
            &[
                ("name", name),
                ("amount", Arg::Text(&new)),
                ("period", Arg::Text(&period)),
            ],
        ),
        ChangeKind::YearTotal => {
            let args = [("year", Arg::Text(&year)), ("change", Arg::Text(&change))];
            match c.total() {
                ChangeTotal::AssessedInYear => w.t_args("change-total-assessed", &args),
                ChangeTotal::AssessedReceivedInYear => {
                    w.t_args("change-total-assessed-received", &args)
                }
                ChangeTotal::AssessedOutstanding => {
                    w.t_args("change-total-assessed-outstanding", &args)
                }
                ChangeTotal::AssessedArrears => w.t_args("change-total-arrears", &args),
                ChangeTotal::MultiYearOutstanding => w.t_args("change-total-multi-year", &args),
                ChangeTotal::Unspecified => w.t_args("change-total-other", &args),
            }
        }
        ChangeKind::Unspecified => w.t_args("change-unspecified", &[("name", name)]),
    }
}

/// A whole amount without its empty cents, "10213800.00" → "10213800"; other amounts unchanged.
fn whole(value: &str) -> &str {
    match value.split_once('.') {
        Some((units, cents)) if cents.chars().all(|d| d == '0') => units,
        _ => value,
    }
}

/// "EUR 1,000,000" (the language's `amount` message places the code).
fn money(w: &Words, currency: &str, value: &str) -> String {
    w.money(currency, whole(value))
}

/// "CHF 10,213,800 → 0".
fn from_to(c: &pb::ReportChange, w: &Words) -> String {
    w.t_args(
        "change-from-to",
        &[
            ("currency", Arg::Text(&c.currency_code)),
            ("old", Arg::Text(&w.number(whole(&c.old_amount)))),
            ("new", Arg::Text(&w.number(whole(&c.new_amount)))),
        ],
    )
}

/// " (2023–2026)", or " (2025)" within one year.
fn period(c: &pb::ReportChange) -> String {
    let (from, to) = (c.period_start.get(..4), c.period_end.get(..4));
    match (from, to) {
        (Some(a), Some(b)) if a != b => format!(" ({a}–{b})"),
        (Some(a), _) | (None, Some(a)) => format!(" ({a})"),
        (None, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::report::render::words::Language;

    #[test]
    fn amounts_drop_only_empty_cents() {
        assert_eq!(whole("10213800.00"), "10213800");
        assert_eq!(whole("0.00"), "0");
        assert_eq!(whole("1234.50"), "1234.50");
        assert_eq!(whole("-999.00"), "-999");
        assert_eq!(whole("100"), "100");
    }

    #[test]
    fn the_three_examples_read_as_a_reader_says_them() {
        let en = Language::English.words();
        let received = pb::ReportChange {
            kind: ChangeKind::InstallmentReceived.into(),
            organization_name: "Belgium".into(),
            currency_code: "EUR".into(),
            new_amount: "1000000.00".into(),
            year: 2026,
            ..Default::default()
        };
        assert_eq!(
            sentence(&received, &en),
            "Belgium: 2026 installment EUR 1,000,000 now received"
        );
        let arrears = pb::ReportChange {
            kind: ChangeKind::MemberStateArrears.into(),
            organization_name: "United States".into(),
            currency_code: "CHF".into(),
            old_amount: "10213800.00".into(),
            new_amount: "0.00".into(),
            ..Default::default()
        };
        assert_eq!(
            sentence(&arrears, &en),
            "United States: arrears CHF 10,213,800 → 0"
        );
        let new = pb::ReportChange {
            kind: ChangeKind::ContributionNew.into(),
            organization_name: "Denmark".into(),
            currency_code: "DKK".into(),
            new_amount: "375000000.00".into(),
            period_start: "2023-01-01".into(),
            period_end: "2026-12-31".into(),
            status: pb::FlowStatus::Commitment.into(),
            ..Default::default()
        };
        assert_eq!(
            sentence(&new, &en),
            "New contribution: Denmark DKK 375,000,000 (2023–2026)"
        );
    }
}
