//! A contribution between its protobuf form and the domain: parsing every field into domain
//! values (naming the field on refusal), and back.

use crate::{
    api::{
        convert::{self, Wire},
        resource,
    },
    domain::{
        Parsed,
        contribution::{
            self, BudgetPart, Contribution, EarmarkingCategory, EarmarkingModality, FlowStatus,
            FundingType, Installment,
        },
        dates::parse_date,
        field,
        session::SessionKey,
        text::{self, Id},
    },
    pb,
    store::Versioned,
};

/// Longest free description, in characters.
const MAX_DESCRIPTION: usize = 2000;
/// Longest soft-earmarking destination, in characters.
const MAX_EARMARKED_TO: usize = 200;

wire_enum!(FundingType => FundingType { Assessed, Voluntary });
wire_enum!(BudgetPart => BudgetPart { Administrative, Operational });
wire_enum!(EarmarkingCategory => EarmarkingCategory {
    Unearmarked,
    SoftlyEarmarked,
    Earmarked,
    TightlyEarmarked,
});
wire_enum!(FlowStatus => FlowStatus { Pledge, Commitment });

/// The proto enum names each modality `EARMARKING_MODALITY_{letter}`.
fn modality(value: i32) -> Option<EarmarkingModality> {
    let name = pb::EarmarkingModality::try_from(value).ok()?.as_str_name();
    let letter = name.strip_prefix("EARMARKING_MODALITY_")?;
    let mut chars = letter.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => EarmarkingModality::from_letter(c),
        _ => None,
    }
}

fn modality_message(m: EarmarkingModality) -> pb::EarmarkingModality {
    pb::EarmarkingModality::from_str_name(&format!("EARMARKING_MODALITY_{}", m.letter()))
        .unwrap_or(pb::EarmarkingModality::Unspecified)
}

/// `funding_type` filter values: `ASSESSED`, `VOLUNTARY` (with or without the enum prefix).
pub fn funding_type_filter(raw: &str) -> Option<&'static str> {
    convert::enum_filter(raw, "FUNDING_TYPE_", FundingType::ALL, FundingType::db_name)
}

/// `status` filter values: `PLEDGE`, `COMMITMENT`.
pub fn status_filter(raw: &str) -> Option<&'static str> {
    convert::enum_filter(raw, "FLOW_STATUS_", FlowStatus::ALL, FlowStatus::db_name)
}

/// `earmarking_category` filter values: `1` to `4`, or the names (`SOFTLY_EARMARKED`).
pub fn category_filter(raw: &str) -> Option<&'static str> {
    const CODES: [&str; 4] = ["1", "2", "3", "4"];
    let raw = raw.strip_prefix("EARMARKING_CATEGORY_").unwrap_or(raw);
    EarmarkingCategory::ALL
        .into_iter()
        .zip(CODES)
        .find(|(c, code)| *code == raw || c.api_name().eq_ignore_ascii_case(raw))
        .map(|(_, code)| code)
}

fn optional_name(name: &str, collection: &str, field: &str) -> Parsed<Option<Id>> {
    if name.is_empty() {
        Ok(None)
    } else {
        text::parse_name(name, collection, field).map(Some)
    }
}

fn installments(given: &[pb::Installment], path: &str) -> Parsed<Vec<Installment>> {
    given
        .iter()
        .enumerate()
        .map(|(i, installment)| {
            let at = format!("{path}[{i}]");
            Ok(Installment {
                due_date: parse_date(&installment.due_date, &field(&at, "due_date"))?,
                amount: convert::money(installment.amount.as_ref(), &field(&at, "amount"))?,
            })
        })
        .collect()
}

/// Parses the contribution at `path` of a request, with the id it will have.
pub fn contribution(id: Id, c: Option<&pb::Contribution>, path: &str) -> Parsed<Contribution> {
    let c = resource::required(c, path, "contribution")?;
    let at = |name: &str| field(path, name);
    let donor = text::parse_name(&c.donor, "organizations", &at("donor"))?;
    let funding_type = FundingType::required(
        c.funding_type,
        &at("funding_type"),
        "a funding type (ASSESSED or VOLUNTARY)",
    )?;
    contribution::check_budget_part(
        funding_type,
        BudgetPart::from_wire(c.budget_part),
        &at("budget_part"),
    )?;
    let earmarking = contribution::earmarking(
        funding_type,
        EarmarkingCategory::from_wire(c.earmarking_category),
        modality(c.earmarking_modality),
        path,
    )?;
    let programme = optional_name(&c.programme, "programmes", &at("programme"))?;
    let earmarked_to = text::optional_text(&c.earmarked_to, &at("earmarked_to"), MAX_EARMARKED_TO)?;
    let status = FlowStatus::required(c.status, &at("status"), "a status (PLEDGE or COMMITMENT)")?;
    let total_path = at("total");
    let total = convert::money(c.total.as_ref(), &total_path)?
        .require_positive(&field(&total_path, "amount"))?;
    let installments = installments(&c.installments, &at("installments"))?;
    let agreement_date = parse_date(&c.agreement_date, &at("agreement_date"))?;
    let period_start = parse_date(&c.period_start, &at("period_start"))?;
    let period_end = parse_date(&c.period_end, &at("period_end"))?;
    let announced_at = if c.announced_at.is_empty() {
        None
    } else {
        Some(SessionKey::parse_name(
            &c.announced_at,
            &at("announced_at"),
        )?)
    };
    let description = text::optional_text(&c.description, &at("description"), MAX_DESCRIPTION)?;
    Contribution {
        id,
        donor,
        funding_type,
        earmarking,
        programme,
        earmarked_to,
        status,
        total,
        installments,
        agreement_date,
        period_start,
        period_end,
        announced_at,
        description,
    }
    .check(path)
}

/// The protobuf form of a stored contribution.
pub fn message(v: &Versioned<Contribution>) -> pb::Contribution {
    let c = &v.value;
    versioned_message!(
        v,
        pb::Contribution {
            name: c.name(),
            donor: format!("organizations/{}", c.donor),
            funding_type: c.funding_type.to_wire().into(),
            budget_part: c.budget_part().to_wire().into(),
            earmarking_category: c
                .earmarking
                .map(|e| e.category().to_wire())
                .unwrap_or_default()
                .into(),
            earmarking_modality: c
                .earmarking
                .map(|e| modality_message(e.modality()))
                .unwrap_or_default()
                .into(),
            programme: c
                .programme
                .as_ref()
                .map(|p| format!("programmes/{p}"))
                .unwrap_or_default(),
            earmarked_to: c.earmarked_to.clone(),
            status: c.status.to_wire().into(),
            total: Some(convert::money_message(c.total)),
            installments: c
                .installments
                .iter()
                .map(|i| pb::Installment {
                    due_date: convert::date(i.due_date),
                    amount: Some(convert::money_message(i.amount)),
                })
                .collect(),
            agreement_date: convert::date(c.agreement_date),
            period_start: convert::date(c.period_start),
            period_end: convert::date(c.period_end),
            announced_at: c.announced_at.map(SessionKey::name).unwrap_or_default(),
            description: c.description.clone(),
        }
    )
}
