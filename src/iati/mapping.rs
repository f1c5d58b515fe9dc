//! An activity turned into the domain: the programme it becomes, the contributions its incoming
//! commitments and pledges become, the receipts its incoming funds become, and its indicators
//! with their measurements. References to other resources (organizations, the parent, the
//! programme's own id) are resolved by the caller and passed in.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use super::{
    activity::{Activity, Figure, IndicatorElement, OrgRef, Transaction},
    xml::{Pos, Problem},
};
use crate::domain::{
    FieldViolation,
    contribution::receipt::Receipt,
    contribution::{
        Contribution, Earmarking, EarmarkingCategory, EarmarkingModality, FlowStatus, FundingType,
        Installment,
    },
    programme::{Partner, Programme},
    result::{
        Baseline, DimensionName, DimensionValues, Direction, Figures, Indicator, MeasurementKey,
        NewMeasurement,
    },
    session::SessionKey,
    text::{self, Id},
};

type Read<T> = Result<T, Problem>;

/// A refusal of a domain rule, placed at the element the value came from.
pub(crate) fn at(pos: Pos, element: &str, v: FieldViolation) -> Problem {
    let message = if v.field.is_empty() {
        v.description
    } else {
        format!("{}: {}", v.field, v.description)
    };
    Problem::new(pos, element, v.reason, message)
}

/// The key an organization is resolved by: its id, else its IATI identifier, else its name.
pub fn org_key(org: &OrgRef) -> String {
    match (&org.id, org.reference.is_empty()) {
        (Some(id), _) => format!("id:{id}"),
        (None, false) => format!("ref:{}", org.reference),
        (None, true) => format!("name:{}", org.name),
    }
}

/// An id made from a programme's id and a key, stable across imports: `{programme}-{kind}-{hash}`.
pub fn derived_id(programme: &Id, kind: &str, key: &str) -> Id {
    let digest = Sha256::digest(format!("{programme}|{kind}|{key}"));
    let prefix: String = programme.as_str().chars().take(48).collect();
    let prefix = prefix.trim_end_matches('-');
    let id = format!("{prefix}-{kind}-{}", &hex::encode(digest)[..8]);
    Id::parse(&id, "id").expect("a programme id, a letter and hex digits form an id")
}

/// An id from free text (an IATI identifier, a name): lower case letters, digits and hyphens;
/// a hash keeps long or empty ones apart.
pub fn slug_id(text: &str) -> Id {
    let mut slug = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let mut slug = slug.trim_end_matches('-').to_owned();
    if !slug.starts_with(|c: char| c.is_ascii_lowercase()) {
        slug = format!("iati-{slug}").trim_end_matches('-').to_owned();
    }
    if slug.len() > 63 {
        let digest = hex::encode(Sha256::digest(text.as_bytes()));
        slug = format!("{}-{}", slug[..54].trim_end_matches('-'), &digest[..8]);
    }
    Id::parse(&slug, "id").unwrap_or_else(|_| {
        let digest = hex::encode(Sha256::digest(text.as_bytes()));
        Id::parse(&format!("iati-{}", &digest[..16]), "id").expect("a valid id")
    })
}

/// The programme code: the identifier without its reporting organisation's prefix.
pub fn programme_code(identifier: &str, reporting_ref: &str) -> String {
    let code = identifier
        .strip_prefix(reporting_ref)
        .and_then(|rest| rest.strip_prefix('-'))
        .filter(|rest| !rest.is_empty())
        .unwrap_or(identifier);
    code.chars().take(40).collect::<String>().trim().to_owned()
}

/// The programme an activity becomes, with its resolved id, partners and parent.
pub fn programme(
    a: &Activity,
    id: Id,
    partners: Vec<Partner>,
    parent: Option<Id>,
) -> Read<Programme> {
    let problem = |element: &'static str| move |v: FieldViolation| at(a.at, element, v);
    let mut countries: Vec<_> = a.countries.iter().map(|(c, _)| *c).collect();
    countries.sort();
    let parent = parent.filter(|p| *p != id);
    Programme {
        id,
        code: text::required_text(
            &programme_code(&a.identifier, &a.reporting_org.reference),
            "code",
            40,
        )
        .map_err(problem("iati-identifier"))?,
        title: text::required_text(&a.title, "title", 300).map_err(problem("title/narrative"))?,
        description: text::optional_text(&a.description, "description", 10_000)
            .map_err(problem("description/narrative"))?,
        countries,
        thematic_area: text::optional_text(&a.thematic_area, "thematic_area", 200)
            .map_err(problem("tag"))?,
        srf_objective: a.srf_objective,
        partners,
        parent,
        start_date: a.dates.actual_start.or(a.dates.planned_start),
        end_date: a.dates.actual_end.or(a.dates.planned_end),
    }
    .check("")
    .map_err(problem("activity-date"))
}

/// A contribution an incoming commitment or pledge becomes, with what its transaction said.
#[derive(Debug, Clone)]
pub struct PlannedContribution {
    pub at: Pos,
    pub contribution: Contribution,
    pub transaction_type: i16,
    pub reference: String,
    pub value_date: NaiveDate,
}

/// A receipt incoming funds become.
#[derive(Debug, Clone)]
pub struct PlannedReceipt {
    pub at: Pos,
    pub receipt: Receipt,
    pub value_date: NaiveDate,
}

/// An indicator with the measurements of its periods.
#[derive(Debug, Clone)]
pub struct PlannedIndicator {
    pub at: Pos,
    pub indicator: Indicator,
    pub measurements: Vec<(Pos, NewMeasurement)>,
}

/// Everything an activity's money and results become.
#[derive(Debug, Default)]
pub struct Funding {
    pub contributions: Vec<PlannedContribution>,
    pub receipts: Vec<PlannedReceipt>,
    /// Transactions kept as programme spending (every type but 1, 11 and 13).
    pub spending: Vec<Transaction>,
    /// Elements left out here, by name (incoming funds without a contribution, planned
    /// disbursements that are not installments).
    pub unused: BTreeMap<String, i64>,
}

/// The contributions and receipts of an activity. `donors` resolves each provider-org by
/// [`org_key`].
pub fn funding(a: &Activity, programme: &Id, donors: &HashMap<String, Id>) -> Read<Funding> {
    let mut out = Funding::default();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut used_disbursements = vec![false; a.planned_disbursements.len()];
    let donor_of = |t: &Transaction| -> Read<Id> {
        let provider = t.provider.as_ref().ok_or_else(|| {
            Problem::new(
                t.at,
                "transaction/provider-org",
                "REQUIRED",
                "incoming money needs a provider-org: the donor",
            )
        })?;
        donors.get(&org_key(provider)).cloned().ok_or_else(|| {
            Problem::new(
                provider.at,
                "transaction/provider-org",
                "UNKNOWN_ORGANIZATION",
                "the provider-org names no organization",
            )
        })
    };
    // Commitments and pledges first: receipts are matched against them.
    for t in a
        .transactions
        .iter()
        .filter(|t| matches!(t.transaction_type, 11 | 13))
    {
        let donor = donor_of(t)?;
        let base = if t.reference.is_empty() {
            format!("{}|{donor}|{}", t.transaction_type, t.date)
        } else {
            format!("ref|{}", t.reference)
        };
        let n = seen.entry(base.clone()).or_default();
        *n += 1;
        let id =
            t.id.clone()
                .unwrap_or_else(|| derived_id(programme, "c", &format!("{base}|{n}")));
        let installments = installments(a, t, &id, &donor, &mut used_disbursements);
        let contribution = contribution(a, t, id, donor, programme, installments)?;
        out.contributions.push(PlannedContribution {
            at: t.at,
            contribution,
            transaction_type: t.transaction_type,
            reference: t.reference.clone(),
            value_date: t.value_date,
        });
    }
    for (i, used) in used_disbursements.iter().enumerate() {
        if !used {
            *out.unused
                .entry("planned-disbursement".to_owned())
                .or_default() += 1;
            let _ = i;
        }
    }
    for t in &a.transactions {
        match t.transaction_type {
            11 | 13 => {}
            1 => {
                let donor = donor_of(t)?;
                let Some(contribution) = t
                    .contribution
                    .clone()
                    .or_else(|| receipt_contribution(&out.contributions, &donor, t))
                else {
                    *out.unused.entry("transaction".to_owned()).or_default() += 1;
                    continue;
                };
                let base = format!(
                    "{contribution}|{}|{}|{}",
                    t.date,
                    t.value.amount(),
                    t.reference
                );
                let n = seen.entry(base.clone()).or_default();
                *n += 1;
                let id =
                    t.id.clone()
                        .unwrap_or_else(|| derived_id(programme, "r", &format!("{base}|{n}")));
                let amount = t
                    .value
                    .require_positive("amount")
                    .map_err(|v| at(t.at, "transaction/value", v))?;
                let reference = text::optional_text(&t.reference, "reference", 200)
                    .map_err(|v| at(t.at, "transaction/@ref", v))?;
                out.receipts.push(PlannedReceipt {
                    at: t.at,
                    receipt: Receipt {
                        id,
                        contribution,
                        received_date: t.date,
                        amount,
                        reference,
                        withdrawn: false,
                    },
                    value_date: t.value_date,
                });
            }
            _ => out.spending.push(t.clone()),
        }
    }
    Ok(out)
}

/// The contribution of the same donor and currency that incoming funds were most likely
/// received against: a commitment before a pledge, the latest agreed on or before the date.
fn receipt_contribution(
    planned: &[PlannedContribution],
    donor: &Id,
    t: &Transaction,
) -> Option<Id> {
    planned
        .iter()
        .map(|p| &p.contribution)
        .filter(|c| &c.donor == donor && c.currency() == t.value.currency())
        .max_by_key(|c| {
            (
                c.status == FlowStatus::Commitment,
                c.agreement_date <= t.date,
                c.agreement_date,
            )
        })
        .map(|c| c.id.clone())
}

/// The installments of a commitment: the planned disbursements naming it (`scpf:contribution`),
/// else those of its donor in its currency when it is that donor's only commitment in that
/// currency and they add up to its total; else one installment of the total on its date.
fn installments(
    a: &Activity,
    t: &Transaction,
    id: &Id,
    donor: &Id,
    used: &mut [bool],
) -> Vec<Installment> {
    let named: Vec<usize> = a
        .planned_disbursements
        .iter()
        .enumerate()
        .filter(|(_, p)| p.contribution.as_ref() == Some(id))
        .map(|(i, _)| i)
        .collect();
    let chosen = if !named.is_empty() {
        named
    } else {
        let same_donor = |p: &Option<OrgRef>| {
            p.as_ref()
                .is_some_and(|o| t.provider.as_ref().map(org_key) == Some(org_key(o)))
        };
        let only_one = a
            .transactions
            .iter()
            .filter(|o| matches!(o.transaction_type, 11 | 13))
            .filter(|o| o.provider.as_ref().map(org_key) == t.provider.as_ref().map(org_key))
            .filter(|o| o.value.currency() == t.value.currency())
            .count()
            == 1;
        let candidates: Vec<usize> = a
            .planned_disbursements
            .iter()
            .enumerate()
            .filter(|(i, p)| {
                !used[*i]
                    && p.contribution.is_none()
                    && same_donor(&p.provider)
                    && p.value.currency() == t.value.currency()
            })
            .map(|(i, _)| i)
            .collect();
        let sum: rust_decimal::Decimal = candidates
            .iter()
            .map(|&i| a.planned_disbursements[i].value.amount())
            .sum();
        if only_one && !candidates.is_empty() && sum == t.value.amount() {
            candidates
        } else {
            Vec::new()
        }
    };
    let _ = donor;
    if chosen.is_empty() {
        return vec![Installment {
            due_date: t.date,
            amount: t.value,
        }];
    }
    let mut schedule: Vec<Installment> = chosen
        .iter()
        .map(|&i| {
            used[i] = true;
            let p = &a.planned_disbursements[i];
            Installment {
                due_date: p.period_start,
                amount: p.value,
            }
        })
        .collect();
    schedule.sort_by_key(|i| i.due_date);
    schedule
}

fn contribution(
    a: &Activity,
    t: &Transaction,
    id: Id,
    donor: Id,
    programme: &Id,
    installments: Vec<Installment>,
) -> Read<Contribution> {
    let problem = |element: &'static str| move |v: FieldViolation| at(t.at, element, v);
    let category = t
        .terms
        .earmarking_category
        .and_then(EarmarkingCategory::from_code);
    let modality = t
        .terms
        .earmarking_modality
        .and_then(EarmarkingModality::from_letter);
    // Money given to one activity is, unless it says otherwise, directed to a specific project.
    let (category, modality) = match (category, modality) {
        (Some(c), Some(m)) => (c, m),
        (Some(c), None) => (c, first_modality(c)),
        (None, Some(m)) => (m.category(), m),
        (None, None) => (
            EarmarkingCategory::TightlyEarmarked,
            EarmarkingModality::from_letter('I').expect("I is a modality"),
        ),
    };
    let earmarking =
        Earmarking::new(category, modality, "aid-type").map_err(problem("transaction/aid-type"))?;
    let total = t
        .value
        .require_positive("amount")
        .map_err(problem("transaction/value"))?;
    let first_due = installments.first().map(|i| i.due_date).unwrap_or(t.date);
    let last_due = installments.last().map(|i| i.due_date).unwrap_or(t.date);
    let (start, end) = match (t.terms.period_start, t.terms.period_end) {
        (Some(s), Some(e)) => (s, e),
        _ => {
            let s = a
                .dates
                .actual_start
                .or(a.dates.planned_start)
                .unwrap_or(t.date.min(first_due));
            let e = a
                .dates
                .actual_end
                .or(a.dates.planned_end)
                .unwrap_or(t.date.max(last_due));
            if e >= s {
                (s, e)
            } else {
                (t.date.min(first_due), t.date.max(last_due))
            }
        }
    };
    let announced_at = t
        .terms
        .announced_at
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| SessionKey::parse_name(&format!("sessions/{s}"), "announced_at"))
        .transpose()
        .map_err(problem("transaction/@scpf:announced-at"))?;
    Contribution {
        id,
        donor,
        funding_type: FundingType::Voluntary,
        earmarking: Some(earmarking),
        programme: (category != EarmarkingCategory::Unearmarked).then(|| programme.clone()),
        earmarked_to: text::optional_text(&t.terms.earmarked_to, "earmarked_to", 200)
            .map_err(problem("transaction/@scpf:earmarked-to"))?,
        status: if t.transaction_type == 13 {
            FlowStatus::Pledge
        } else {
            FlowStatus::Commitment
        },
        total,
        installments,
        agreement_date: t.date,
        period_start: start,
        period_end: end,
        announced_at,
        description: text::optional_text(&t.description, "description", 2000)
            .map_err(problem("transaction/description"))?,
    }
    .check("")
    .map_err(problem("transaction"))
}

fn first_modality(c: EarmarkingCategory) -> EarmarkingModality {
    let letter = match c {
        EarmarkingCategory::Unearmarked => 'A',
        EarmarkingCategory::SoftlyEarmarked => 'D',
        EarmarkingCategory::Earmarked => 'G',
        EarmarkingCategory::TightlyEarmarked => 'I',
    };
    EarmarkingModality::from_letter(letter).expect("A, D, G and I are modalities")
}

/// A dimension name as IATI publishers write it ("Sex", "Age group") in the service's form
/// (`sex`, `age_group`).
pub fn dimension_name(name: &str, pos: Pos, element: &str) -> Read<DimensionName> {
    let mut out = String::new();
    for c in name.trim().chars() {
        match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' => out.push(c.to_ascii_lowercase()),
            ' ' | '-' | '_' | '/' if !out.ends_with('_') && !out.is_empty() => out.push('_'),
            _ => {}
        }
    }
    let out = out.trim_end_matches('_');
    DimensionName::parse(out, "dimension").map_err(|v| {
        at(
            pos,
            element,
            FieldViolation::new(
                "dimension/@name",
                v.reason,
                format!("{name:?}: {}", v.description),
            ),
        )
    })
}

/// The indicators of an activity with their measurements.
pub fn indicators(
    a: &Activity,
    programme: &Id,
) -> Read<(Vec<PlannedIndicator>, BTreeMap<String, i64>)> {
    let mut out = Vec::new();
    let mut unused = BTreeMap::new();
    for (n, i) in a.indicators.iter().enumerate() {
        out.push(indicator(i, n + 1, programme, &mut unused)?);
    }
    Ok((out, unused))
}

fn indicator(
    i: &IndicatorElement,
    n: usize,
    programme: &Id,
    unused: &mut BTreeMap<String, i64>,
) -> Read<PlannedIndicator> {
    let problem = |element: &'static str| move |v: FieldViolation| at(i.at, element, v);
    let id = i.id.clone().unwrap_or_else(|| {
        Id::parse(&format!("indicator-{n}"), "id").expect("indicator-n is an id")
    });
    let figures = || {
        i.periods
            .iter()
            .flat_map(|p| p.targets.iter().chain(&p.actuals))
    };
    let dimensions: Vec<DimensionName> = match &i.dimensions {
        Some(names) => names
            .iter()
            .map(|d| dimension_name(d, i.at, "result/indicator/@scpf:dimensions"))
            .collect::<Read<_>>()?,
        None => {
            let mut names: Vec<DimensionName> = Vec::new();
            for f in figures() {
                for (name, _) in &f.dimensions {
                    let d = dimension_name(name, f.at, "result/indicator/period/dimension")?;
                    if !names.contains(&d) {
                        names.push(d);
                    }
                }
            }
            names
        }
    };
    let baseline = match &i.baseline {
        Some(b) => Baseline {
            value: b.value,
            date: Some(b.date),
            comment: text::optional_text(&b.comment, "comment", 1000)
                .map_err(|v| at(b.at, "result/indicator/baseline/comment", v))?,
        },
        None => Baseline {
            value: None,
            date: None,
            comment: text::optional_text(&i.baseline_comment, "comment", 1000)
                .map_err(problem("result/indicator/@scpf:baseline-comment"))?,
        },
    };
    let indicator = Indicator {
        programme: programme.clone(),
        id: id.clone(),
        title: text::required_text(&i.title, "title", 300)
            .map_err(problem("result/indicator/title"))?,
        description: text::optional_text(&i.description, "description", 5000)
            .map_err(problem("result/indicator/description"))?,
        result_level: i.level,
        measure: i.measure,
        direction: if i.ascending {
            Direction::Increasing
        } else {
            Direction::Decreasing
        },
        cumulative: i.cumulative,
        baseline,
        dimensions,
        unit: text::optional_text(&i.unit, "unit", 40)
            .map_err(problem("result/indicator/@scpf:unit"))?,
    }
    .check("")
    .map_err(|v| {
        let element = if v.field.starts_with("baseline") {
            "result/indicator/baseline"
        } else {
            "result/indicator"
        };
        at(i.baseline.as_ref().map_or(i.at, |b| b.at), element, v)
    })?;

    let mut measurements = Vec::new();
    for p in &i.periods {
        // Target and actual of the same dimension values make one measurement.
        let mut by_key: BTreeMap<String, (DimensionValues, Option<&Figure>, Option<&Figure>)> =
            BTreeMap::new();
        for (is_target, f) in p
            .targets
            .iter()
            .map(|f| (true, f))
            .chain(p.actuals.iter().map(|f| (false, f)))
        {
            let element = if is_target {
                "result/indicator/period/target"
            } else {
                "result/indicator/period/actual"
            };
            let mut pairs = Vec::new();
            for (name, value) in &f.dimensions {
                pairs.push((dimension_name(name, f.at, element)?, value.clone()));
            }
            let values = DimensionValues::parse(
                pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                "dimension",
            )
            .map_err(|v| at(f.at, element, v))?;
            let entry = by_key
                .entry(values.key())
                .or_insert_with(|| (values, None, None));
            let slot = if is_target {
                &mut entry.1
            } else {
                &mut entry.2
            };
            if slot.is_some() {
                return Err(Problem::new(
                    f.at,
                    element,
                    "DUPLICATE_FIGURE",
                    "a period gives two figures for the same dimension values",
                ));
            }
            *slot = Some(f);
        }
        for (_, (values, target, actual)) in by_key {
            let source_of = |f: Option<&Figure>| f.and_then(|f| f.source.clone());
            let verified_of = |f: Option<&Figure>| f.and_then(|f| f.verified);
            let target_value = target.and_then(|f| f.value);
            let actual_value = actual.and_then(|f| f.value);
            if target_value.is_none() && actual_value.is_none() {
                *unused
                    .entry("result/indicator/period".to_owned())
                    .or_default() += 1;
                continue;
            }
            let comment = actual
                .map(|f| f.comment.clone())
                .filter(|c| !c.is_empty())
                .or_else(|| target.map(|f| f.comment.clone()))
                .unwrap_or_default();
            let pos = actual.or(target).map_or(p.at, |f| f.at);
            let element = if actual.is_some() {
                "result/indicator/period/actual"
            } else {
                "result/indicator/period/target"
            };
            let key =
                MeasurementKey::new(programme.clone(), id.clone(), p.start, p.end, values, "")
                    .map_err(|v| at(p.at, "result/indicator/period/period-end", v))?;
            let figures = Figures {
                target: target_value,
                actual: actual_value,
                source: text::optional_text(
                    &source_of(actual)
                        .or_else(|| source_of(target))
                        .unwrap_or_default(),
                    "source",
                    200,
                )
                .map_err(|v| at(pos, element, v))?,
                verified: verified_of(actual)
                    .or_else(|| verified_of(target))
                    .unwrap_or(false),
                comment: text::optional_text(&comment, "comment", 1000)
                    .map_err(|v| at(pos, element, v))?,
            }
            .check("")
            .map_err(|v| at(pos, element, v))?;
            let m = NewMeasurement { key, figures };
            m.check_against(&indicator, "")
                .map_err(|v| at(pos, element, v))?;
            measurements.push((pos, m));
        }
    }
    Ok(PlannedIndicator {
        at: i.at,
        indicator,
        measurements,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_ids_and_long_ones_stay_distinct() {
        assert_eq!(
            slug_id("XM-DAC-47066-BE-O-REMIT").as_str(),
            "xm-dac-47066-be-o-remit"
        );
        assert_eq!(slug_id("44000-P123").as_str(), "iati-44000-p123");
        let long = "X".repeat(80);
        let a = slug_id(&format!("{long}-1"));
        let b = slug_id(&format!("{long}-2"));
        assert!(a.as_str().len() <= 63);
        assert_ne!(a, b);
    }

    #[test]
    fn the_code_drops_the_reporting_organisation() {
        assert_eq!(
            programme_code("XM-DAC-47066-O-REMIT", "XM-DAC-47066"),
            "O-REMIT"
        );
        assert_eq!(programme_code("GB-1-123", "XM-DAC-47066"), "GB-1-123");
    }

    #[test]
    fn dimension_names_are_normalised() {
        let name = |s| dimension_name(s, Pos::START, "d").map(|d| d.to_string());
        assert_eq!(name("Sex").unwrap(), "sex");
        assert_eq!(name("Age group").unwrap(), "age_group");
        assert_eq!(name("1st").unwrap_err().reason, "INVALID_DIMENSION");
    }
}
