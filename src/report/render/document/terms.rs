//! The report's enums, dates, rates and disaggregations in the reader's language. CSV keeps the
//! language-neutral names of `labels`.

use crate::{
    pb,
    report::render::words::{Arg, Words},
};

/// An enum value the contract does not know (a newer writer): shown, not hidden.
fn unknown(w: &Words, value: i32) -> String {
    w.t_args("unknown-value", &[("value", Arg::Count(value.into()))])
}

/// "unearmarked", "softly earmarked", ...; empty when not given.
pub fn category(w: &Words, value: i32) -> String {
    use pb::EarmarkingCategory as C;
    match C::try_from(value) {
        Ok(C::Unspecified) => String::new(),
        Ok(C::Unearmarked) => w.t("category-unearmarked"),
        Ok(C::SoftlyEarmarked) => w.t("category-softly-earmarked"),
        Ok(C::Earmarked) => w.t("category-earmarked"),
        Ok(C::TightlyEarmarked) => w.t("category-tightly-earmarked"),
        Err(_) => unknown(w, value),
    }
}

/// The category with its IATI code, "1 unearmarked", for tables where the code orders rows.
pub fn category_with_code(w: &Words, value: i32) -> String {
    match pb::EarmarkingCategory::try_from(value) {
        Ok(pb::EarmarkingCategory::Unspecified) | Err(_) => category(w, value),
        Ok(_) => format!("{value} {}", category(w, value)),
    }
}

/// The Grand Bargain modality: its letter and what it means, "A fully flexible core
/// contribution"; empty when not given.
pub fn modality(w: &Words, value: i32) -> String {
    use pb::EarmarkingModality as M;
    let Ok(m) = M::try_from(value) else {
        return unknown(w, value);
    };
    let meaning = match m {
        M::Unspecified => return String::new(),
        M::A => w.t("modality-a"),
        M::B => w.t("modality-b"),
        M::C => w.t("modality-c"),
        M::D => w.t("modality-d"),
        M::E => w.t("modality-e"),
        M::F => w.t("modality-f"),
        M::G => w.t("modality-g"),
        M::H => w.t("modality-h"),
        M::I => w.t("modality-i"),
        M::J => w.t("modality-j"),
        M::K => w.t("modality-k"),
        M::L => w.t("modality-l"),
    };
    let letter = m.as_str_name().trim_start_matches("EARMARKING_MODALITY_");
    format!("{letter} {meaning}")
}

/// "paid", "due" or "future".
pub fn installment_status(w: &Words, value: i32) -> String {
    use pb::InstallmentStatus as S;
    match S::try_from(value) {
        Ok(S::Unspecified) => String::new(),
        Ok(S::Paid) => w.t("installment-paid"),
        Ok(S::Due) => w.t("installment-due"),
        Ok(S::Future) => w.t("installment-future"),
        Err(_) => unknown(w, value),
    }
}

/// A Member State's vote at the status date, in words.
pub fn vote(w: &Words, value: i32) -> String {
    use pb::VoteStatus as V;
    match V::try_from(value) {
        Ok(V::Unspecified) => String::new(),
        Ok(V::MayVote) => w.t("vote-may-vote"),
        Ok(V::Lost) => w.t("vote-lost"),
        Ok(V::MaintainedByCouncil) => w.t("vote-maintained"),
        Ok(V::RestoredByCouncil) => w.t("vote-restored"),
        Ok(V::PaymentPlanHonoured) => w.t("vote-payment-plan-honoured"),
        Err(_) => unknown(w, value),
    }
}

/// The Strategic Results Framework objective, numbered as the framework numbers them.
pub fn objective(w: &Words, value: i32) -> String {
    use pb::SrfObjective as O;
    match O::try_from(value) {
        Ok(O::Unspecified) => w.t("objective-none"),
        Ok(O::SavingLives) => w.t("objective-saving-lives"),
        Ok(O::SolutionsToDisplacement) => w.t("objective-solutions"),
        Ok(O::RegularPathways) => w.t("objective-pathways"),
        Err(_) => unknown(w, value),
    }
}

/// "output", "outcome" or "impact".
pub fn result_level(w: &Words, value: i32) -> String {
    use pb::ResultLevel as L;
    match L::try_from(value) {
        Ok(L::Unspecified) => String::new(),
        Ok(L::Output) => w.t("level-output"),
        Ok(L::Outcome) => w.t("level-outcome"),
        Ok(L::Impact) => w.t("level-impact"),
        Err(_) => unknown(w, value),
    }
}

/// "missing rate", "unverified result", ...
pub fn data_quality_kind(w: &Words, value: i32) -> String {
    use pb::DataQualityKind as K;
    match K::try_from(value) {
        Ok(K::Unspecified) => String::new(),
        Ok(K::MissingRate) => w.t("issue-missing-rate"),
        Ok(K::UnverifiedResult) => w.t("issue-unverified-result"),
        Ok(K::OverdueInstallment) => w.t("issue-overdue-installment"),
        Ok(K::EarmarkedWithoutProgramme) => w.t("issue-earmarked-without-programme"),
        Ok(K::OverpaidContribution) => w.t("issue-overpaid-contribution"),
        Ok(K::PledgeWithReceipts) => w.t("issue-pledge-with-receipts"),
        Ok(K::NoResultsInPeriod) => w.t("issue-no-results-in-period"),
        Ok(K::StatusDateAfterAsOf) => w.t("issue-status-date-after-as-of"),
        Err(_) => unknown(w, value),
    }
}

/// "Draft" or "Final".
pub fn state(w: &Words, value: i32) -> String {
    use pb::ReportState as S;
    match S::try_from(value) {
        Ok(S::Unspecified) => String::new(),
        Ok(S::Draft) => w.t("state-draft"),
        Ok(S::Final) => w.t("state-final"),
        Err(_) => unknown(w, value),
    }
}

/// The governing body's full name.
pub fn body(w: &Words, value: i32) -> String {
    use pb::GoverningBody as B;
    match B::try_from(value) {
        Ok(B::Unspecified) => String::new(),
        Ok(B::Scpf) => w.t("body-scpf"),
        Ok(B::Council) => w.t("body-council"),
        Err(_) => unknown(w, value),
    }
}

/// "36th session of the Standing Committee on Programmes and Finance"; `None` when the header
/// does not say which session.
pub fn session_title(w: &Words, h: &pb::ReportHeader) -> Option<String> {
    if h.session_number <= 0 {
        return None;
    }
    let number = [("number", Arg::Count(h.session_number.into()))];
    match pb::GoverningBody::try_from(h.body) {
        Ok(pb::GoverningBody::Scpf) => Some(w.t_args("title-scpf-session", &number)),
        Ok(pb::GoverningBody::Council) => Some(w.t_args("title-council-session", &number)),
        _ => None,
    }
}

/// "36th session" for `sessions/36`; the text itself when it names no session.
pub fn session_name(w: &Words, name: &str) -> String {
    match name
        .strip_prefix("sessions/")
        .and_then(|n| n.parse::<i64>().ok())
    {
        Some(n) => w.t_args("session-number", &[("number", Arg::Count(n))]),
        None => name.to_owned(),
    }
}

/// "yes" or "no".
pub fn yes_no(w: &Words, value: bool) -> String {
    if value { w.t("yes") } else { w.t("no") }
}

/// "30 June 2025 to 31 December 2025", or the one date there is.
pub fn span(w: &Words, from: &str, to: &str) -> String {
    match (from.is_empty(), to.is_empty()) {
        (false, false) => w.t_args(
            "date-span",
            &[
                ("from", Arg::Text(&w.date(from))),
                ("to", Arg::Text(&w.date(to))),
            ],
        ),
        (false, true) => w.date(from),
        (true, false) => w.date(to),
        (true, true) => String::new(),
    }
}

/// An exchange rate by what it is: "EUR to USD, June 2025"; the name itself when it is not
/// `exchangeRates/{BASE}-{QUOTE}-{YYYY}-{MM}`.
pub fn rate_title(w: &Words, name: &str) -> String {
    let key = name.strip_prefix("exchangeRates/").unwrap_or(name);
    let mut parts = key.splitn(3, '-');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(base), Some(quote), Some(month)) if base.len() == 3 && quote.len() == 3 => w.t_args(
            "rate-title",
            &[
                ("base", Arg::Text(base)),
                ("quote", Arg::Text(quote)),
                ("month", Arg::Text(&w.date(month))),
            ],
        ),
        _ => name.to_owned(),
    }
}

/// A rate with what it is and where it comes from: "EUR to USD, June 2025 (UN operational
/// rates of exchange): 1.145"; the title alone when the header does not list it; nothing when
/// no rate was used.
pub fn rate_named(w: &Words, header: &pb::ReportHeader, name: &str) -> String {
    if name.is_empty() {
        return String::new();
    }
    let title = rate_title(w, name);
    match header.rates_used.iter().find(|r| r.exchange_rate == name) {
        Some(used) => w.t_args(
            "rate-named",
            &[
                ("title", Arg::Text(&title)),
                ("source", Arg::Text(&rate_source(w, &used.source))),
                ("rate", Arg::Text(&w.number(&used.rate))),
            ],
        ),
        None => title,
    }
}

/// Where a rate comes from, in words: the sources the Organization uses ("UN operational
/// rates of exchange") in the language; any other source as recorded.
pub fn rate_source(w: &Words, source: &str) -> String {
    let known = source.trim().to_lowercase();
    match known.as_str() {
        "un operational rates of exchange" | "un operational rates" | "un operational rate" => {
            w.t("rate-source-un-operational")
        }
        _ => source.to_owned(),
    }
}

/// A data-quality entry as a sentence in the language, from the facts it carries; the English
/// message it was stored with when it carries none (a report stored before they were recorded).
pub fn quality_sentence(w: &Words, i: &pb::DataQualityIssue) -> String {
    use pb::DataQualityKind as K;
    let name = w.organization(&i.organization, &i.name);
    let amount = i
        .amount
        .as_ref()
        .map(|m| w.money(&m.currency_code, &m.amount))
        .unwrap_or_default();
    let total = i
        .total
        .as_ref()
        .map(|m| w.money(&m.currency_code, &m.amount))
        .unwrap_or_default();
    let date = w.date(&i.date);
    let end = w.date(&i.end_date);
    match K::try_from(i.kind) {
        Ok(K::MissingRate) if !i.currency_code.is_empty() && !i.date.is_empty() => {
            let args = [
                ("currency", Arg::Text(&i.currency_code)),
                ("quote", Arg::Text(&i.quote_currency_code)),
                ("month", Arg::Text(&date)),
            ];
            match i.figures() {
                pb::DataQualityFigures::MoneyReceived => {
                    w.t_args("quality-missing-rate-received", &args)
                }
                pb::DataQualityFigures::Commitments => {
                    w.t_args("quality-missing-rate-commitments", &args)
                }
                pb::DataQualityFigures::OutstandingMultiYearBalances => {
                    w.t_args("quality-missing-rate-outstanding", &args)
                }
                pb::DataQualityFigures::Unspecified => i.message.clone(),
            }
        }
        Ok(K::OverdueInstallment) if !amount.is_empty() && !i.date.is_empty() => w.t_args(
            "quality-overdue-installment",
            &[
                ("name", Arg::Text(&name)),
                ("due", Arg::Text(&date)),
                ("amount", Arg::Text(&amount)),
                ("date", Arg::Text(&end)),
            ],
        ),
        Ok(K::OverpaidContribution) if !amount.is_empty() && !total.is_empty() => w.t_args(
            "quality-overpaid-contribution",
            &[
                ("name", Arg::Text(&name)),
                ("amount", Arg::Text(&amount)),
                ("total", Arg::Text(&total)),
            ],
        ),
        Ok(K::PledgeWithReceipts) if !amount.is_empty() => w.t_args(
            "quality-pledge-with-receipts",
            &[("name", Arg::Text(&name)), ("amount", Arg::Text(&amount))],
        ),
        Ok(K::NoResultsInPeriod) if !name.is_empty() => {
            w.t_args("quality-no-results", &[("name", Arg::Text(&name))])
        }
        Ok(K::UnverifiedResult) if !name.is_empty() && !i.date.is_empty() => w.t_args(
            "quality-unverified-result",
            &[
                ("name", Arg::Text(&name)),
                ("from", Arg::Text(&date)),
                ("to", Arg::Text(&end)),
            ],
        ),
        Ok(K::StatusDateAfterAsOf) if !i.date.is_empty() => w.t_args(
            "quality-status-date-after-as-of",
            &[("date", Arg::Text(&date)), ("known", Arg::Text(&end))],
        ),
        _ => i.message.clone(),
    }
}

/// The report's two times in one sentence: "Status of contributions as at 30 June 2025;
/// figures as known at 1 July 2025, 00:00:00 UTC".
pub fn two_times(w: &Words, report: &pb::Report) -> String {
    let header_date = report
        .content
        .as_ref()
        .and_then(|c| c.header.as_ref())
        .map(|h| h.status_date.as_str())
        .unwrap_or_default();
    let date = if header_date.is_empty() {
        report.status_date.as_str()
    } else {
        header_date
    };
    w.t_args(
        "two-times",
        &[
            ("date", Arg::Text(&w.date(date))),
            ("instant", Arg::Text(&w.instant(report.as_of.as_ref()))),
        ],
    )
}

/// `sex: female, age: 18-59`: the disaggregation as a person reads it in a table.
pub fn dimensions(values: &[pb::DimensionValue]) -> String {
    values
        .iter()
        .map(|d| format!("{}: {}", d.name, d.value))
        .collect::<Vec<_>>()
        .join(", ")
}
