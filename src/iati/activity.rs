//! An activity's elements read into typed values. Every value is checked here, once: a wrong
//! one is refused as a [`Problem`] naming its line, column and element, and the whole activity
//! with it. Elements the service does not hold are left unread, so that
//! [`Element::unused`] counts them.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;

use super::xml::{Element, Pos, Problem};
use crate::domain::{
    FieldViolation, dates,
    geo::Country,
    money::{Currency, Money, parse_plain_decimal},
    programme::{PartnerRole, SrfObjective},
    result::{self, Measure, ResultLevel},
    text::Id,
};

/// An organization as an activity names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRef {
    pub at: Pos,
    /// This service's id of it, when the document carries one (`scpf:id`).
    pub id: Option<Id>,
    /// IATI organisation identifier; may be empty.
    pub reference: String,
    /// IATI OrganisationType code; may be empty.
    pub kind: String,
    /// Its name; may be empty when `reference` is not.
    pub name: String,
    /// `scpf:member-state`.
    pub member_state: bool,
    /// `scpf:country`.
    pub country: Option<Country>,
    /// `receiver-activity-id` or `provider-activity-id`: the activity of this organization
    /// the money comes from or goes to (read, not held).
    pub activity: String,
}

/// A participating-org: an organization in a role.
#[derive(Debug, Clone)]
pub struct Participant {
    pub org: OrgRef,
    pub role: PartnerRole,
    /// Put in by an export to satisfy the schema (`scpf:implied`): not a partner.
    pub implied: bool,
}

/// The activity dates, by type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ActivityDates {
    pub planned_start: Option<NaiveDate>,
    pub actual_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    pub actual_end: Option<NaiveDate>,
}

/// A classification with a vocabulary and an optional percentage (region, sector).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classified {
    pub vocabulary: String,
    pub code: String,
    pub percentage: Option<Decimal>,
    pub narrative: String,
}

/// A budget for one period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    pub budget_type: i16,
    pub status: i16,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub value: Money,
    pub value_date: NaiveDate,
}

/// A planned disbursement: one installment when it comes from a donor.
#[derive(Debug, Clone)]
pub struct PlannedDisbursement {
    pub at: Pos,
    /// `scpf:contribution`: the contribution it is an installment of.
    pub contribution: Option<Id>,
    pub period_start: NaiveDate,
    pub value: Money,
    pub provider: Option<OrgRef>,
}

/// What a transaction carries for the contribution it becomes (`scpf:` attributes and
/// `aid-type` earmarking).
#[derive(Debug, Clone, Default)]
pub struct Terms {
    pub earmarking_category: Option<i16>,
    pub earmarking_modality: Option<char>,
    pub earmarked_to: String,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub announced_at: Option<String>,
}

/// A transaction.
#[derive(Debug, Clone)]
pub struct Transaction {
    pub at: Pos,
    /// `scpf:id`: the contribution (incoming commitment or pledge) or receipt it is.
    pub id: Option<Id>,
    /// `scpf:contribution`: for incoming funds, the contribution they were received against.
    pub contribution: Option<Id>,
    pub transaction_type: i16,
    pub reference: String,
    pub date: NaiveDate,
    pub value: Money,
    pub value_date: NaiveDate,
    pub description: String,
    pub provider: Option<OrgRef>,
    pub receiver: Option<OrgRef>,
    pub terms: Terms,
}

impl Transaction {
    /// Money coming in: incoming funds (1), incoming commitment (11), incoming pledge (13).
    pub fn is_incoming(&self) -> bool {
        matches!(self.transaction_type, 1 | 11 | 13)
    }
}

/// One target or actual of a period, for one combination of dimension values.
#[derive(Debug, Clone)]
pub struct Figure {
    pub at: Pos,
    pub value: Option<Decimal>,
    pub dimensions: Vec<(String, String)>,
    pub comment: String,
    /// `scpf:figures`: source and verified flag.
    pub source: Option<String>,
    pub verified: Option<bool>,
}

/// A period of an indicator.
#[derive(Debug, Clone)]
pub struct Period {
    pub at: Pos,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub targets: Vec<Figure>,
    pub actuals: Vec<Figure>,
}

/// A baseline.
#[derive(Debug, Clone)]
pub struct Baseline {
    pub at: Pos,
    pub date: NaiveDate,
    pub value: Option<Decimal>,
    pub comment: String,
}

/// An indicator of a result.
#[derive(Debug, Clone)]
pub struct IndicatorElement {
    pub at: Pos,
    pub id: Option<Id>,
    pub level: ResultLevel,
    pub measure: Measure,
    pub ascending: bool,
    pub title: String,
    pub description: String,
    pub cumulative: bool,
    pub unit: String,
    /// `scpf:dimensions`: every dimension of the indicator, in order.
    pub dimensions: Option<Vec<String>>,
    pub baseline: Option<Baseline>,
    /// `scpf:baseline-comment`: a baseline without a date.
    pub baseline_comment: String,
    pub periods: Vec<Period>,
}

/// An activity, read.
#[derive(Debug, Clone)]
pub struct Activity {
    pub at: Pos,
    pub identifier: String,
    pub last_updated: Option<DateTime<Utc>>,
    pub default_currency: Option<Currency>,
    pub reporting_org: OrgRef,
    /// `scpf:id`: the programme's id.
    pub id: Option<Id>,
    pub thematic_area: String,
    pub srf_objective: Option<SrfObjective>,
    pub title: String,
    pub description: String,
    pub participants: Vec<Participant>,
    pub status: i16,
    pub dates: ActivityDates,
    pub countries: Vec<(Country, Option<Decimal>)>,
    pub regions: Vec<Classified>,
    pub sectors: Vec<Classified>,
    pub budgets: Vec<Budget>,
    pub planned_disbursements: Vec<PlannedDisbursement>,
    pub transactions: Vec<Transaction>,
    /// `related-activity` of type 1: the parent's identifier.
    pub parent: Option<String>,
    pub indicators: Vec<IndicatorElement>,
    /// SHA-256 of the activity's content, hex.
    pub content_sha256: String,
}

type Read<T> = Result<T, Problem>;

/// A refusal of a value at an element.
fn refuse(e: &Element, path: &str, v: FieldViolation) -> Problem {
    Problem::new(e.at, path, v.reason, v.description)
}

fn required<'a>(e: &'a Element, attr: &str, path: &str) -> Read<&'a str> {
    e.attr(attr)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            Problem::new(
                e.at,
                format!("{path}/@{attr}"),
                "REQUIRED",
                format!("<{}> needs its {attr} attribute", e.name),
            )
        })
}

fn required_child<'a>(e: &'a Element, name: &str, path: &str) -> Read<&'a Element> {
    e.child(name).ok_or_else(|| {
        Problem::new(
            e.at,
            format!("{path}/{name}"),
            "REQUIRED",
            format!("<{}> needs a <{name}> element", e.name),
        )
    })
}

fn date_attr(e: &Element, attr: &str, path: &str) -> Read<NaiveDate> {
    let text = required(e, attr, path)?;
    let at = format!("{path}/@{attr}");
    // xsd:date may carry a time zone; the calendar date is what counts.
    let day = text.get(..10).unwrap_or(text);
    dates::parse_date(day, &at).map_err(|v| refuse(e, &at, v))
}

fn optional_date_attr(e: &Element, attr: &str, path: &str) -> Read<Option<NaiveDate>> {
    match e.attr(attr).map(str::trim).filter(|v| !v.is_empty()) {
        Some(_) => date_attr(e, attr, path).map(Some),
        None => Ok(None),
    }
}

fn bool_attr(e: &Element, attr: &str, path: &str) -> Read<Option<bool>> {
    match e.attr(attr).map(str::trim) {
        None | Some("") => Ok(None),
        Some("1" | "true") => Ok(Some(true)),
        Some("0" | "false") => Ok(Some(false)),
        Some(other) => Err(Problem::new(
            e.at,
            format!("{path}/@{attr}"),
            "INVALID_VALUE",
            format!("{other:?} is not a boolean (true, false, 1 or 0)"),
        )),
    }
}

fn code_attr(e: &Element, attr: &str, path: &str, allowed: &[i16]) -> Read<i16> {
    let text = required(e, attr, path)?;
    text.parse::<i16>()
        .ok()
        .filter(|c| allowed.contains(c))
        .ok_or_else(|| {
            let allowed: Vec<String> = allowed.iter().map(i16::to_string).collect();
            Problem::new(
                e.at,
                format!("{path}/@{attr}"),
                "UNKNOWN_CODE",
                format!("{text:?} is not one of {}", allowed.join(", ")),
            )
        })
}

fn id_attr(e: &Element, attr: &str, path: &str) -> Read<Option<Id>> {
    match e.attr(attr) {
        None => Ok(None),
        Some(text) => {
            let at = format!("{path}/@{attr}");
            Id::parse(text.trim(), &at)
                .map(Some)
                .map_err(|v| refuse(e, &at, v))
        }
    }
}

/// The text of an element's narratives in the activity's language: the first narrative
/// without `xml:lang` or in `lang`, else the first one. The others stay unused.
pub fn narrative(e: &Element, lang: Option<&str>) -> String {
    let chosen = e
        .children
        .iter()
        .filter(|n| n.name == "narrative")
        .find(|n| match n.attr_unmarked("xml:lang") {
            None => true,
            Some(l) => Some(l) == lang,
        })
        .or_else(|| e.children.iter().find(|n| n.name == "narrative"));
    match chosen {
        Some(n) => {
            n.attr("xml:lang");
            n.mark_used();
            n.text().to_owned()
        }
        None => String::new(),
    }
}

fn percentage(e: &Element, path: &str) -> Read<Option<Decimal>> {
    let Some(text) = e
        .attr("percentage")
        .map(str::trim)
        .filter(|t| !t.is_empty())
    else {
        return Ok(None);
    };
    let at = format!("{path}/@percentage");
    let value = parse_plain_decimal(text, &at, "percentage").map_err(|v| refuse(e, &at, v))?;
    if value > Decimal::ONE_HUNDRED || value.scale() > 6 {
        return Err(Problem::new(
            e.at,
            at,
            "INVALID_PERCENTAGE",
            format!("{text} is not a percentage from 0 to 100 with at most six decimals"),
        ));
    }
    Ok(Some(value.normalize()))
}

/// A `value` element in the currency it names, or the activity's default.
fn money(e: &Element, path: &str, default: Option<Currency>) -> Read<(Money, NaiveDate)> {
    let currency = match e.attr("currency").map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => {
            let at = format!("{path}/@currency");
            Currency::parse(code, &at).map_err(|v| refuse(e, &at, v))?
        }
        None => default.ok_or_else(|| {
            Problem::new(
                e.at,
                format!("{path}/@currency"),
                "REQUIRED",
                "the value has no currency and the activity no default-currency",
            )
        })?,
    };
    let amount = Money::parse(e.text(), currency, path).map_err(|v| refuse(e, path, v))?;
    let value_date = date_attr(e, "value-date", path)?;
    Ok((amount, value_date))
}

fn org(e: &Element, path: &str, lang: Option<&str>) -> Read<OrgRef> {
    let reference = e.attr("ref").unwrap_or_default().trim().to_owned();
    let name = narrative(e, lang);
    let country = match e.attr("scpf:country") {
        Some(code) => {
            let at = format!("{path}/@scpf:country");
            Some(Country::parse(code.trim(), &at).map_err(|v| refuse(e, &at, v))?)
        }
        None => None,
    };
    Ok(OrgRef {
        at: e.at,
        id: id_attr(e, "scpf:id", path)?,
        reference,
        kind: e.attr("type").unwrap_or_default().trim().to_owned(),
        name,
        member_state: bool_attr(e, "scpf:member-state", path)?.unwrap_or(false),
        country,
        activity: e
            .attr_unmarked("receiver-activity-id")
            .or_else(|| e.attr_unmarked("provider-activity-id"))
            .unwrap_or_default()
            .trim()
            .to_owned(),
    })
}

fn value_decimal(e: &Element, path: &str) -> Read<Option<Decimal>> {
    let text = e.attr("value").map(str::trim).unwrap_or_default();
    let at = format!("{path}/@value");
    result::parse_value(text, &at).map_err(|v| refuse(e, &at, v))
}

fn parse_datetime(e: &Element, path: &str) -> Read<Option<DateTime<Utc>>> {
    let Some(text) = e.attr("last-updated-datetime").map(str::trim) else {
        return Ok(None);
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    // xsd:dateTime without a time zone: read as UTC.
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .map(|t| Some(t.and_utc()))
        .map_err(|_| {
            Problem::new(
                e.at,
                format!("{path}/@last-updated-datetime"),
                "INVALID_TIMESTAMP",
                format!("{text:?} is not a date and time such as 2025-06-25T10:00:00Z"),
            )
        })
}

/// Reads an activity. The activity's language (`xml:lang`) picks the narratives read.
pub fn read(e: &Element) -> Read<Activity> {
    let path = "iati-activity";
    let lang = e.attr("xml:lang").map(str::to_owned);
    let lang = lang.as_deref();
    let identifier_element = required_child(e, "iati-identifier", path)?;
    let identifier = identifier_element.text().to_owned();
    if identifier.is_empty() || identifier.chars().count() > 500 {
        return Err(Problem::new(
            identifier_element.at,
            "iati-identifier",
            "REQUIRED",
            "an activity needs an iati-identifier of 1 to 500 characters",
        ));
    }
    let default_currency = match e.attr("default-currency").map(str::trim) {
        Some(code) if !code.is_empty() => {
            let at = format!("{path}/@default-currency");
            Some(Currency::parse(code, &at).map_err(|v| refuse(e, &at, v))?)
        }
        _ => None,
    };
    let reporting = required_child(e, "reporting-org", path)?;
    let reporting_org = org(reporting, "reporting-org", lang)?;
    if reporting_org.reference.is_empty() {
        required(reporting, "ref", "reporting-org")?;
    }
    let srf_objective = match e.attr("scpf:srf-objective") {
        Some(text) => Some(
            text.trim()
                .parse::<i16>()
                .ok()
                .and_then(SrfObjective::from_number)
                .ok_or_else(|| {
                    Problem::new(
                        e.at,
                        "iati-activity/@scpf:srf-objective",
                        "UNKNOWN_CODE",
                        format!("{text:?} is not 1, 2 or 3"),
                    )
                })?,
        ),
        None => None,
    };
    let title = required_child(e, "title", path)?;
    let description = e
        .children
        .iter()
        .filter(|d| d.name == "description")
        .find(|d| matches!(d.attr_unmarked("type").map(str::trim), None | Some("1")))
        .map(|d| {
            d.mark_used();
            d.attr("type");
            narrative(d, lang)
        })
        .unwrap_or_default();

    let mut participants = Vec::new();
    for p in e.children_named("participating-org") {
        let role = match code_attr(p, "role", "participating-org", &[1, 2, 3, 4])? {
            1 => PartnerRole::Funding,
            2 => PartnerRole::Accountable,
            3 => PartnerRole::Extending,
            _ => PartnerRole::Implementing,
        };
        let implied = bool_attr(p, "scpf:implied", "participating-org")?.unwrap_or(false);
        participants.push(Participant {
            org: org(p, "participating-org", lang)?,
            role,
            implied,
        });
    }
    let status = match e.child("activity-status") {
        Some(s) => code_attr(s, "code", "activity-status", &[1, 2, 3, 4, 5, 6])?,
        None => 2,
    };
    let mut dates = ActivityDates::default();
    for d in e.children_named("activity-date") {
        if bool_attr(d, "scpf:implied", "activity-date")?.unwrap_or(false) {
            d.mark_all_used();
            continue;
        }
        let kind = code_attr(d, "type", "activity-date", &[1, 2, 3, 4])?;
        let date = Some(date_attr(d, "iso-date", "activity-date")?);
        match kind {
            1 => dates.planned_start = date,
            2 => dates.actual_start = date,
            3 => dates.planned_end = date,
            _ => dates.actual_end = date,
        }
    }
    let mut countries = Vec::new();
    for c in e.children_named("recipient-country") {
        let code = required(c, "code", "recipient-country")?;
        let country = Country::parse(code, "recipient-country/@code")
            .map_err(|v| refuse(c, "recipient-country/@code", v))?;
        if countries.iter().any(|(k, _)| *k == country) {
            return Err(Problem::new(
                c.at,
                "recipient-country",
                "DUPLICATE_COUNTRY",
                format!("{country} is listed more than once"),
            ));
        }
        countries.push((country, percentage(c, "recipient-country")?));
    }
    let mut regions = Vec::new();
    for r in e.children_named("recipient-region") {
        regions.push(Classified {
            vocabulary: r.attr("vocabulary").unwrap_or("1").trim().to_owned(),
            code: required(r, "code", "recipient-region")?.to_owned(),
            percentage: percentage(r, "recipient-region")?,
            narrative: narrative(r, lang),
        });
    }
    let mut sectors = Vec::new();
    for s in e.children_named("sector") {
        sectors.push(Classified {
            vocabulary: s.attr("vocabulary").unwrap_or("1").trim().to_owned(),
            code: required(s, "code", "sector")?.to_owned(),
            percentage: percentage(s, "sector")?,
            narrative: narrative(s, lang),
        });
    }
    let mut thematic_area = String::new();
    for t in e.children.iter().filter(|t| t.name == "tag") {
        if t.attr_unmarked("vocabulary-uri") == Some(super::writer::THEMATIC_AREA_URI) {
            t.mark_used();
            t.attr("vocabulary");
            t.attr("vocabulary-uri");
            t.attr("code");
            thematic_area = narrative(t, lang);
        }
    }
    let mut budgets = Vec::new();
    for b in e.children_named("budget") {
        let (value, value_date) = money(
            required_child(b, "value", "budget")?,
            "budget/value",
            default_currency,
        )?;
        let period_start = date_attr(
            required_child(b, "period-start", "budget")?,
            "iso-date",
            "budget/period-start",
        )?;
        let end = required_child(b, "period-end", "budget")?;
        let period_end = date_attr(end, "iso-date", "budget/period-end")?;
        dates::check_order(period_start, period_end, "budget/period-end")
            .map_err(|v| refuse(end, "budget/period-end", v))?;
        budgets.push(Budget {
            budget_type: match b.attr("type") {
                Some(_) => code_attr(b, "type", "budget", &[1, 2])?,
                None => 1,
            },
            status: match b.attr("status") {
                Some(_) => code_attr(b, "status", "budget", &[1, 2])?,
                None => 1,
            },
            period_start,
            period_end,
            value,
            value_date,
        });
    }
    let mut planned_disbursements = Vec::new();
    for p in e.children_named("planned-disbursement") {
        let path = "planned-disbursement";
        let (value, _) = money(
            required_child(p, "value", path)?,
            "planned-disbursement/value",
            default_currency,
        )?;
        let start = required_child(p, "period-start", path)?;
        planned_disbursements.push(PlannedDisbursement {
            at: p.at,
            contribution: id_attr(p, "scpf:contribution", path)?,
            period_start: date_attr(start, "iso-date", "planned-disbursement/period-start")?,
            value,
            provider: p
                .child("provider-org")
                .map(|o| org(o, "planned-disbursement/provider-org", lang))
                .transpose()?,
        });
    }
    let mut transactions = Vec::new();
    for t in e.children_named("transaction") {
        transactions.push(transaction(t, default_currency, lang)?);
    }
    let parent = e
        .children
        .iter()
        .filter(|r| r.name == "related-activity")
        .find(|r| r.attr_unmarked("type").map(str::trim) == Some("1"))
        .map(|r| {
            r.mark_used();
            r.attr("type");
            r.attr("ref").unwrap_or_default().trim().to_owned()
        })
        .filter(|r| !r.is_empty());
    let mut indicators = Vec::new();
    for r in e.children_named("result") {
        results(r, lang, &mut indicators)?;
    }
    Ok(Activity {
        at: e.at,
        identifier,
        last_updated: parse_datetime(e, path)?,
        default_currency,
        reporting_org,
        id: id_attr(e, "scpf:id", path)?,
        thematic_area,
        srf_objective,
        title: narrative(title, lang),
        description,
        participants,
        status,
        dates,
        countries,
        regions,
        sectors,
        budgets,
        planned_disbursements,
        transactions,
        parent,
        indicators,
        content_sha256: hex::encode(e.content_sha256()),
    })
}

fn transaction(t: &Element, default: Option<Currency>, lang: Option<&str>) -> Read<Transaction> {
    let path = "transaction";
    let transaction_type = code_attr(
        required_child(t, "transaction-type", path)?,
        "code",
        "transaction/transaction-type",
        &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13],
    )?;
    let date = date_attr(
        required_child(t, "transaction-date", path)?,
        "iso-date",
        "transaction/transaction-date",
    )?;
    let (value, value_date) = money(
        required_child(t, "value", path)?,
        "transaction/value",
        default,
    )?;
    let mut terms = Terms {
        earmarked_to: t
            .attr("scpf:earmarked-to")
            .unwrap_or_default()
            .trim()
            .to_owned(),
        period_start: optional_date_attr(t, "scpf:period-start", path)?,
        period_end: optional_date_attr(t, "scpf:period-end", path)?,
        announced_at: t.attr("scpf:announced-at").map(|s| s.trim().to_owned()),
        ..Terms::default()
    };
    if matches!(transaction_type, 1 | 11 | 13) {
        for a in t.children.iter().filter(|a| a.name == "aid-type") {
            match a.attr_unmarked("vocabulary").map(str::trim) {
                Some("2") => {
                    a.attr("vocabulary");
                    a.mark_used();
                    terms.earmarking_category =
                        Some(code_attr(a, "code", "transaction/aid-type", &[1, 2, 3, 4])?);
                }
                Some("3") => {
                    a.attr("vocabulary");
                    a.mark_used();
                    let code = required(a, "code", "transaction/aid-type")?;
                    let mut letters = code.chars();
                    terms.earmarking_modality = match (letters.next(), letters.next()) {
                        (Some(c @ 'A'..='L'), None) => Some(c),
                        _ => {
                            return Err(Problem::new(
                                a.at,
                                "transaction/aid-type/@code",
                                "UNKNOWN_CODE",
                                format!("{code:?} is not an earmarking modality (A to L)"),
                            ));
                        }
                    };
                }
                _ => {}
            }
        }
    }
    Ok(Transaction {
        at: t.at,
        id: id_attr(t, "scpf:id", path)?,
        contribution: id_attr(t, "scpf:contribution", path)?,
        transaction_type,
        reference: t.attr("ref").unwrap_or_default().trim().to_owned(),
        date,
        value,
        value_date,
        description: t
            .child("description")
            .map(|d| narrative(d, lang))
            .unwrap_or_default(),
        provider: t
            .child("provider-org")
            .map(|o| org(o, "transaction/provider-org", lang))
            .transpose()?,
        receiver: t
            .child("receiver-org")
            .map(|o| org(o, "transaction/receiver-org", lang))
            .transpose()?,
        terms,
    })
}

fn results(r: &Element, lang: Option<&str>, into: &mut Vec<IndicatorElement>) -> Read<()> {
    let level = match code_attr(r, "type", "result", &[1, 2, 3, 9])? {
        1 => ResultLevel::Output,
        2 => ResultLevel::Outcome,
        3 => ResultLevel::Impact,
        // "Other" results have no level the service knows: left unused, counted.
        _ => {
            r.mark_unused();
            return Ok(());
        }
    };
    let title = r
        .child_unmarked("title")
        .map(|t| t.peek_narrative())
        .unwrap_or_default();
    for i in r.children_named("indicator") {
        let path = "result/indicator";
        let measure = match code_attr(i, "measure", path, &[1, 2, 3, 4, 5])? {
            1 => Measure::Unit,
            2 => Measure::Percentage,
            3 => Measure::Nominal,
            4 => Measure::Ordinal,
            _ => Measure::Qualitative,
        };
        let indicator_title = narrative(required_child(i, "title", path)?, lang);
        let baseline = match i.child("baseline") {
            Some(b) => {
                let date = match optional_date_attr(b, "iso-date", "result/indicator/baseline")? {
                    Some(d) => {
                        b.attr("year");
                        d
                    }
                    None => {
                        let year = required(b, "year", "result/indicator/baseline")?;
                        year.parse::<i32>()
                            .ok()
                            .and_then(|y| NaiveDate::from_ymd_opt(y, 1, 1))
                            .ok_or_else(|| {
                                Problem::new(
                                    b.at,
                                    "result/indicator/baseline/@year",
                                    "INVALID_DATE",
                                    format!("{year:?} is not a year"),
                                )
                            })?
                    }
                };
                Some(Baseline {
                    at: b.at,
                    date,
                    value: value_decimal(b, "result/indicator/baseline")?,
                    comment: b
                        .child("comment")
                        .map(|c| narrative(c, lang))
                        .unwrap_or_default(),
                })
            }
            None => None,
        };
        let mut periods = Vec::new();
        for p in i.children_named("period") {
            let ppath = "result/indicator/period";
            let start = date_attr(
                required_child(p, "period-start", ppath)?,
                "iso-date",
                "result/indicator/period/period-start",
            )?;
            let end_element = required_child(p, "period-end", ppath)?;
            let end = date_attr(
                end_element,
                "iso-date",
                "result/indicator/period/period-end",
            )?;
            dates::check_order(start, end, "result/indicator/period/period-end")
                .map_err(|v| refuse(end_element, "result/indicator/period/period-end", v))?;
            let figures = |name: &str| -> Read<Vec<Figure>> {
                p.children_named(name)
                    .map(|f| figure(f, &format!("{ppath}/{name}"), lang))
                    .collect()
            };
            periods.push(Period {
                at: p.at,
                start,
                end,
                targets: figures("target")?,
                actuals: figures("actual")?,
            });
        }
        let dimensions = i
            .attr("scpf:dimensions")
            .map(|d| d.split_whitespace().map(str::to_owned).collect::<Vec<_>>());
        let result_title_used = title == indicator_title;
        if result_title_used && let Some(t) = r.child("title") {
            t.mark_all_used();
        }
        into.push(IndicatorElement {
            at: i.at,
            id: id_attr(i, "scpf:id", path)?,
            level,
            measure,
            ascending: bool_attr(i, "ascending", path)?.unwrap_or(true),
            title: indicator_title,
            description: i
                .child("description")
                .map(|d| narrative(d, lang))
                .unwrap_or_default(),
            cumulative: bool_attr(i, "scpf:cumulative", path)?.unwrap_or(false),
            unit: i.attr("scpf:unit").unwrap_or_default().trim().to_owned(),
            dimensions,
            baseline,
            baseline_comment: i
                .attr("scpf:baseline-comment")
                .unwrap_or_default()
                .trim()
                .to_owned(),
            periods,
        });
    }
    Ok(())
}

fn figure(f: &Element, path: &str, lang: Option<&str>) -> Read<Figure> {
    let mut dimensions = Vec::new();
    for d in f.children_named("dimension") {
        let name = required(d, "name", &format!("{path}/dimension"))?;
        let value = required(d, "value", &format!("{path}/dimension"))?;
        dimensions.push((name.to_owned(), value.to_owned()));
    }
    let (source, verified) = match f.child("scpf:figures") {
        Some(x) => (
            Some(x.attr("source").unwrap_or_default().trim().to_owned()),
            bool_attr(x, "verified", &format!("{path}/scpf:figures"))?,
        ),
        None => (None, None),
    };
    Ok(Figure {
        at: f.at,
        value: value_decimal(f, path)?,
        dimensions,
        comment: f
            .child("comment")
            .map(|c| narrative(c, lang))
            .unwrap_or_default(),
        source,
        verified,
    })
}
