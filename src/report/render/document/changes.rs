//! Section 8's statements in English words: one function per kind of change.
//!
//! "Belgium: 2026 installment EUR 1,000,000 now received", "United States: arrears
//! CHF 10,213,800 → 0", "New contribution: Denmark DKK 375,000,000 (2023–2026)".

use crate::pb::{self, ChangeKind, ChangeTotal};

/// The sentence a reader reads for one change.
pub fn sentence(c: &pb::ReportChange) -> String {
    match c.kind() {
        ChangeKind::MemberStateOutstanding => outstanding(c),
        ChangeKind::MemberStateArrears => arrears(c),
        ChangeKind::MemberStateArticle4 => article_4(c),
        ChangeKind::InstallmentReceived => installment_received(c),
        ChangeKind::InstallmentPartlyReceived => installment_partly_received(c),
        ChangeKind::InstallmentAdded => installment_added(c),
        ChangeKind::InstallmentRemoved => installment_removed(c),
        ChangeKind::InstallmentAmount => installment_amount(c),
        ChangeKind::ContributionTotal => contribution_total(c),
        ChangeKind::ContributionNew => contribution_new(c),
        ChangeKind::ContributionRemoved => contribution_removed(c),
        ChangeKind::PledgeCommitted => pledge_committed(c),
        ChangeKind::YearTotal => year_total(c),
        ChangeKind::Unspecified => format!("{}: changed", c.organization_name),
    }
}

/// "10213800.00" → "10,213,800"; "1234.50" → "1,234.50"; negative amounts keep their sign.
pub fn amount(value: &str) -> String {
    let (sign, digits) = match value.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", value),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    if fraction.chars().all(|d| d == '0') {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{fraction}")
    }
}

fn money(currency: &str, value: &str) -> String {
    format!("{currency} {}", amount(value))
}

/// "CHF 10,213,800 → 0".
fn from_to(c: &pb::ReportChange) -> String {
    format!(
        "{} {} → {}",
        c.currency_code,
        amount(&c.old_amount),
        amount(&c.new_amount)
    )
}

/// "(2023–2026)", or "(2025)" within one year.
fn period(c: &pb::ReportChange) -> String {
    let (from, to) = (c.period_start.get(..4), c.period_end.get(..4));
    match (from, to) {
        (Some(a), Some(b)) if a != b => format!(" ({a}–{b})"),
        (Some(a), _) | (None, Some(a)) => format!(" ({a})"),
        (None, None) => String::new(),
    }
}

fn outstanding(c: &pb::ReportChange) -> String {
    format!("{}: outstanding {}", c.organization_name, from_to(c))
}

fn arrears(c: &pb::ReportChange) -> String {
    format!("{}: arrears {}", c.organization_name, from_to(c))
}

fn article_4(c: &pb::ReportChange) -> String {
    if c.article_4 {
        format!("{}: now subject to Article 4", c.organization_name)
    } else {
        format!("{}: no longer subject to Article 4", c.organization_name)
    }
}

fn installment_received(c: &pb::ReportChange) -> String {
    format!(
        "{}: {} installment {} now received",
        c.organization_name,
        c.year,
        money(&c.currency_code, &c.new_amount)
    )
}

fn installment_partly_received(c: &pb::ReportChange) -> String {
    format!(
        "{}: {} installment, received {}",
        c.organization_name,
        c.year,
        from_to(c)
    )
}

fn installment_added(c: &pb::ReportChange) -> String {
    format!(
        "{}: new {} installment {} due {}",
        c.organization_name,
        c.year,
        money(&c.currency_code, &c.new_amount),
        c.due_date
    )
}

fn installment_removed(c: &pb::ReportChange) -> String {
    format!(
        "{}: {} installment {} due {} no longer scheduled",
        c.organization_name,
        c.year,
        money(&c.currency_code, &c.old_amount),
        c.due_date
    )
}

fn installment_amount(c: &pb::ReportChange) -> String {
    format!(
        "{}: {} installment {}",
        c.organization_name,
        c.year,
        from_to(c)
    )
}

fn contribution_total(c: &pb::ReportChange) -> String {
    format!("{}: contribution total {}", c.organization_name, from_to(c))
}

fn what(c: &pb::ReportChange) -> &'static str {
    if c.status() == pb::FlowStatus::Pledge {
        "pledge"
    } else {
        "contribution"
    }
}

fn contribution_new(c: &pb::ReportChange) -> String {
    let what = if c.status() == pb::FlowStatus::Pledge {
        "New pledge"
    } else {
        "New contribution"
    };
    format!(
        "{what}: {} {}{}",
        c.organization_name,
        money(&c.currency_code, &c.new_amount),
        period(c)
    )
}

fn contribution_removed(c: &pb::ReportChange) -> String {
    format!(
        "No longer recorded: {} {} {}{}",
        c.organization_name,
        what(c),
        money(&c.currency_code, &c.old_amount),
        period(c)
    )
}

fn pledge_committed(c: &pb::ReportChange) -> String {
    format!(
        "{}: pledge {}{} now a commitment",
        c.organization_name,
        money(&c.currency_code, &c.new_amount),
        period(c)
    )
}

fn year_total(c: &pb::ReportChange) -> String {
    let what = match c.total() {
        ChangeTotal::AssessedInYear => format!("Assessed contributions due in {}", c.year),
        ChangeTotal::AssessedReceivedInYear => {
            format!("Assessed contributions received in {}", c.year)
        }
        ChangeTotal::AssessedOutstanding => "Assessed contributions outstanding".to_owned(),
        ChangeTotal::AssessedArrears => "Arrears of all Member States".to_owned(),
        ChangeTotal::MultiYearOutstanding => "Multi-year commitments outstanding".to_owned(),
        ChangeTotal::Unspecified => "A total".to_owned(),
    };
    format!("{what}: {}", from_to(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_grouped_by_thousands_without_empty_cents() {
        assert_eq!(amount("10213800.00"), "10,213,800");
        assert_eq!(amount("0.00"), "0");
        assert_eq!(amount("1234.50"), "1,234.50");
        assert_eq!(amount("-999.00"), "-999");
        assert_eq!(amount("100"), "100");
    }

    #[test]
    fn the_three_examples_read_as_a_reader_says_them() {
        let received = pb::ReportChange {
            kind: ChangeKind::InstallmentReceived.into(),
            organization_name: "Belgium".into(),
            currency_code: "EUR".into(),
            new_amount: "1000000.00".into(),
            year: 2026,
            ..Default::default()
        };
        assert_eq!(
            sentence(&received),
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
            sentence(&arrears),
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
            sentence(&new),
            "New contribution: Denmark DKK 375,000,000 (2023–2026)"
        );
    }
}
