//! Language-neutral names for the report's enums, instants and disaggregations, as CSV writes
//! them; what people read (HTML, Markdown) says them in its language (`document/terms.rs`).

use chrono::{DateTime, SecondsFormat};

use crate::pb;

/// An enum value the contract does not know (a newer writer): shown, not hidden.
fn unknown(value: i32) -> String {
    format!("unknown ({value})")
}

/// "unearmarked", "softly earmarked", ...; empty when not given.
pub fn category(value: i32) -> String {
    use pb::EarmarkingCategory as C;
    match C::try_from(value) {
        Ok(C::Unspecified) => String::new(),
        Ok(C::Unearmarked) => "unearmarked".into(),
        Ok(C::SoftlyEarmarked) => "softly earmarked".into(),
        Ok(C::Earmarked) => "earmarked".into(),
        Ok(C::TightlyEarmarked) => "tightly earmarked".into(),
        Err(_) => unknown(value),
    }
}

/// The Grand Bargain letter, "A" to "L"; empty when not given.
pub fn modality(value: i32) -> String {
    match pb::EarmarkingModality::try_from(value) {
        Ok(pb::EarmarkingModality::Unspecified) => String::new(),
        Ok(m) => m
            .as_str_name()
            .trim_start_matches("EARMARKING_MODALITY_")
            .to_owned(),
        Err(_) => unknown(value),
    }
}

/// "paid", "due" or "future".
pub fn installment_status(value: i32) -> String {
    use pb::InstallmentStatus as S;
    match S::try_from(value) {
        Ok(S::Unspecified) => String::new(),
        Ok(S::Paid) => "paid".into(),
        Ok(S::Due) => "due".into(),
        Ok(S::Future) => "future".into(),
        Err(_) => unknown(value),
    }
}

/// A Member State's vote at the status date, in words.
pub fn vote(value: i32) -> String {
    use pb::VoteStatus as V;
    match V::try_from(value) {
        Ok(V::Unspecified) => String::new(),
        Ok(V::MayVote) => "may vote".into(),
        Ok(V::Lost) => "vote lost".into(),
        Ok(V::MaintainedByCouncil) => "vote maintained by the Council".into(),
        Ok(V::RestoredByCouncil) => "vote restored by the Council".into(),
        Ok(V::PaymentPlanHonoured) => "may vote (payment plan honoured)".into(),
        Err(_) => unknown(value),
    }
}

/// The Strategic Results Framework objective, numbered as the framework numbers them.
pub fn objective(value: i32) -> String {
    use pb::SrfObjective as O;
    match O::try_from(value) {
        Ok(O::Unspecified) => "no single objective".into(),
        Ok(O::SavingLives) => "1 saving lives and protecting people on the move".into(),
        Ok(O::SolutionsToDisplacement) => "2 solutions to displacement".into(),
        Ok(O::RegularPathways) => "3 pathways for regular migration".into(),
        Err(_) => unknown(value),
    }
}

/// "output", "outcome" or "impact".
pub fn result_level(value: i32) -> String {
    use pb::ResultLevel as L;
    match L::try_from(value) {
        Ok(L::Unspecified) => String::new(),
        Ok(L::Output) => "output".into(),
        Ok(L::Outcome) => "outcome".into(),
        Ok(L::Impact) => "impact".into(),
        Err(_) => unknown(value),
    }
}

/// "unit", "percentage", ...
pub fn measure(value: i32) -> String {
    use pb::IndicatorMeasure as M;
    match M::try_from(value) {
        Ok(M::Unspecified) => String::new(),
        Ok(M::Unit) => "unit".into(),
        Ok(M::Percentage) => "percentage".into(),
        Ok(M::Nominal) => "nominal".into(),
        Ok(M::Ordinal) => "ordinal".into(),
        Ok(M::Qualitative) => "qualitative".into(),
        Err(_) => unknown(value),
    }
}

/// "increasing" or "decreasing": which way is better.
pub fn direction(value: i32) -> String {
    use pb::IndicatorDirection as D;
    match D::try_from(value) {
        Ok(D::Unspecified) => String::new(),
        Ok(D::Increasing) => "increasing".into(),
        Ok(D::Decreasing) => "decreasing".into(),
        Err(_) => unknown(value),
    }
}

/// "missing rate", "unverified result", ...
pub fn data_quality_kind(value: i32) -> String {
    use pb::DataQualityKind as K;
    match K::try_from(value) {
        Ok(K::Unspecified) => String::new(),
        Ok(K::MissingRate) => "missing rate".into(),
        Ok(K::UnverifiedResult) => "unverified result".into(),
        Ok(K::OverdueInstallment) => "overdue installment".into(),
        Ok(K::EarmarkedWithoutProgramme) => "earmarked without programme".into(),
        Ok(K::OverpaidContribution) => "overpaid contribution".into(),
        Ok(K::PledgeWithReceipts) => "pledge with receipts".into(),
        Ok(K::NoResultsInPeriod) => "no results in period".into(),
        Ok(K::StatusDateAfterAsOf) => "status date after as-of".into(),
        Err(_) => unknown(value),
    }
}

/// "draft" or "final".
pub fn state(value: i32) -> String {
    use pb::ReportState as S;
    match S::try_from(value) {
        Ok(S::Unspecified) => String::new(),
        Ok(S::Draft) => "draft".into(),
        Ok(S::Final) => "final".into(),
        Err(_) => unknown(value),
    }
}

/// True for a draft: every format says so prominently.
pub fn is_draft(report: &pb::Report) -> bool {
    report.state != pb::ReportState::Final as i32
}

/// "SCPF" or "Council".
pub fn body(value: i32) -> String {
    use pb::GoverningBody as B;
    match B::try_from(value) {
        Ok(B::Unspecified) => String::new(),
        Ok(B::Scpf) => "Standing Committee on Programmes and Finance".into(),
        Ok(B::Council) => "Council".into(),
        Err(_) => unknown(value),
    }
}

/// RFC 3339 in UTC with a `Z`, seconds and only the sub-second digits there are; empty when
/// unset.
pub fn instant(ts: Option<&prost_types::Timestamp>) -> String {
    let Some(ts) = ts else {
        return String::new();
    };
    u32::try_from(ts.nanos)
        .ok()
        .and_then(|nanos| DateTime::from_timestamp(ts.seconds, nanos))
        .map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
        .unwrap_or_else(|| format!("invalid instant ({}s {}ns)", ts.seconds, ts.nanos))
}

/// `sex=female;age=18-59`, or `total` for the figures that are not disaggregated.
pub fn dimensions(values: &[pb::DimensionValue]) -> String {
    if values.is_empty() {
        return "total".into();
    }
    values
        .iter()
        .map(|d| format!("{}={}", d.name, d.value))
        .collect::<Vec<_>>()
        .join(";")
}

/// "yes" or "no".
pub fn yes_no(value: bool) -> String {
    if value { "yes" } else { "no" }.into()
}

/// The total of a share column: the contract guarantees shares add up to exactly 100.0, so the
/// total is printed, not summed. Empty when no line has a share (nothing was shared).
pub fn total_share<'a>(shares: impl IntoIterator<Item = &'a str>) -> String {
    let any = shares
        .into_iter()
        .any(|s| !s.is_empty() && s.chars().any(|c| ('1'..='9').contains(&c)));
    if any { "100.0".into() } else { String::new() }
}

/// The value of a rate the report used, looked up by its name among the header's rates; empty
/// when the line needed none.
pub fn rate_value<'a>(header: Option<&'a pb::ReportHeader>, name: &str) -> &'a str {
    if name.is_empty() {
        return "";
    }
    header
        .and_then(|h| h.rates_used.iter().find(|r| r.exchange_rate == name))
        .map(|r| r.rate.as_str())
        .unwrap_or("")
}

/// The currency and amount of an optional `Money`.
pub fn money(m: Option<&pb::Money>) -> (String, String) {
    m.map(|m| (m.currency_code.clone(), m.amount.clone()))
        .unwrap_or_default()
}

/// The amount of an optional `Money`.
pub fn amount(m: Option<&pb::Money>) -> String {
    m.map(|m| m.amount.clone()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_read_as_short_names() {
        assert_eq!(category(1), "unearmarked");
        assert_eq!(modality(1), "A");
        assert_eq!(modality(12), "L");
        assert_eq!(installment_status(2), "due");
        assert_eq!(category(9), "unknown (9)");
    }

    #[test]
    fn instants_are_rfc3339_utc() {
        let ts = prost_types::Timestamp {
            seconds: 1_750_435_200,
            nanos: 0,
        };
        assert_eq!(instant(Some(&ts)), "2025-06-20T16:00:00Z");
        assert_eq!(instant(None), "");
    }

    #[test]
    fn dimensions_have_a_stable_key_and_total_stands_alone() {
        let dims = [
            pb::DimensionValue {
                name: "sex".into(),
                value: "female".into(),
            },
            pb::DimensionValue {
                name: "age".into(),
                value: "18-59".into(),
            },
        ];
        assert_eq!(dimensions(&dims), "sex=female;age=18-59");
        assert_eq!(dimensions(&[]), "total");
    }

    #[test]
    fn a_share_column_totals_100_only_when_something_was_shared() {
        assert_eq!(total_share(["35.2", "64.8"]), "100.0");
        assert_eq!(total_share(["0.0", ""]), "");
        assert_eq!(total_share([]), "");
    }
}
