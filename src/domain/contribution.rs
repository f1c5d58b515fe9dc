//! Contributions: one funding agreement of one donor, its installment schedule, and the rules
//! that tie funding type, budget part, currency and earmarking together.

pub mod receipt;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{
    FieldViolation, Parsed, dates, field,
    money::{Currency, Money},
    session::SessionKey,
    text::Id,
};

/// Longest schedule accepted: far more than any agreement needs, and within the stored position.
pub const MAX_INSTALLMENTS: usize = 1000;

/// Whether the money is assessed on Member States or given voluntarily.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FundingType {
    Assessed,
    Voluntary,
}

impl FundingType {
    pub const ALL: [FundingType; 2] = [Self::Assessed, Self::Voluntary];

    pub fn db_name(self) -> &'static str {
        match self {
            Self::Assessed => "assessed",
            Self::Voluntary => "voluntary",
        }
    }

    pub fn from_db(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.db_name() == name)
    }

    /// The part of the budget this kind of money funds.
    pub fn budget_part(self) -> BudgetPart {
        match self {
            Self::Assessed => BudgetPart::Administrative,
            Self::Voluntary => BudgetPart::Operational,
        }
    }
}

/// The part of the Organization's budget money belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BudgetPart {
    Administrative,
    Operational,
}

impl BudgetPart {
    pub fn db_name(self) -> &'static str {
        match self {
            Self::Administrative => "administrative",
            Self::Operational => "operational",
        }
    }
}

/// Checks the budget part a caller gave against the funding type; unspecified means the part
/// the funding type implies.
pub fn check_budget_part(
    funding_type: FundingType,
    given: Option<BudgetPart>,
    field: &str,
) -> Parsed<BudgetPart> {
    let implied = funding_type.budget_part();
    match given {
        Some(part) if part != implied => Err(FieldViolation::new(
            field,
            "BUDGET_PART_MISMATCH",
            format!(
                "{} contributions fund the {} part of the budget, not the {} part",
                funding_type.db_name(),
                implied.db_name(),
                part.db_name()
            ),
        )),
        _ => Ok(implied),
    }
}

/// IATI EarmarkingCategory: 1 unearmarked to 4 tightly earmarked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EarmarkingCategory {
    Unearmarked,
    SoftlyEarmarked,
    Earmarked,
    TightlyEarmarked,
}

impl EarmarkingCategory {
    pub const ALL: [EarmarkingCategory; 4] = [
        Self::Unearmarked,
        Self::SoftlyEarmarked,
        Self::Earmarked,
        Self::TightlyEarmarked,
    ];

    /// The IATI code, 1 to 4, as stored.
    pub fn code(self) -> i16 {
        match self {
            Self::Unearmarked => 1,
            Self::SoftlyEarmarked => 2,
            Self::Earmarked => 3,
            Self::TightlyEarmarked => 4,
        }
    }

    pub fn from_code(code: i16) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    /// Upper-case name as in the API (`SOFTLY_EARMARKED`).
    pub fn api_name(self) -> &'static str {
        match self {
            Self::Unearmarked => "UNEARMARKED",
            Self::SoftlyEarmarked => "SOFTLY_EARMARKED",
            Self::Earmarked => "EARMARKED",
            Self::TightlyEarmarked => "TIGHTLY_EARMARKED",
        }
    }

    /// Categories 3 and 4 go to a programme, which must then be named.
    pub fn needs_programme(self) -> bool {
        matches!(self, Self::Earmarked | Self::TightlyEarmarked)
    }
}

/// IATI EarmarkingModality: the Grand Bargain letters A to L.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EarmarkingModality(char);

impl EarmarkingModality {
    /// The modality of a letter `A`..=`L`.
    pub fn from_letter(letter: char) -> Option<Self> {
        ('A'..='L').contains(&letter).then_some(Self(letter))
    }

    pub fn letter(self) -> char {
        self.0
    }

    /// The category each modality belongs to: A-C 1, D-F 2, G-H 3, I-L 4.
    pub fn category(self) -> EarmarkingCategory {
        match self.0 {
            'A'..='C' => EarmarkingCategory::Unearmarked,
            'D'..='F' => EarmarkingCategory::SoftlyEarmarked,
            'G' | 'H' => EarmarkingCategory::Earmarked,
            _ => EarmarkingCategory::TightlyEarmarked,
        }
    }
}

/// How a voluntary contribution is earmarked; the modality always belongs to the category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Earmarking {
    category: EarmarkingCategory,
    modality: EarmarkingModality,
}

impl Earmarking {
    /// Pairs a category and a modality, refusing a modality of another category. `field` names
    /// the modality field.
    pub fn new(
        category: EarmarkingCategory,
        modality: EarmarkingModality,
        field: &str,
    ) -> Parsed<Earmarking> {
        if modality.category() != category {
            return Err(FieldViolation::new(
                field,
                "MODALITY_CATEGORY_MISMATCH",
                format!(
                    "modality {} belongs to category {} ({}), not to category {} ({})",
                    modality.letter(),
                    modality.category().code(),
                    modality.category().api_name(),
                    category.code(),
                    category.api_name()
                ),
            ));
        }
        Ok(Earmarking { category, modality })
    }

    pub fn category(self) -> EarmarkingCategory {
        self.category
    }

    pub fn modality(self) -> EarmarkingModality {
        self.modality
    }
}

/// Flow status as OCHA FTS counts it; "paid" follows from receipts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FlowStatus {
    Pledge,
    Commitment,
}

impl FlowStatus {
    pub const ALL: [FlowStatus; 2] = [Self::Pledge, Self::Commitment];

    pub fn db_name(self) -> &'static str {
        match self {
            Self::Pledge => "pledge",
            Self::Commitment => "commitment",
        }
    }

    pub fn from_db(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.db_name() == name)
    }
}

/// One scheduled payment.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Installment {
    pub due_date: NaiveDate,
    pub amount: Money,
}

/// A funding agreement of one donor. Donor, funding type and currency are its identity and never
/// change; everything else can be amended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    pub id: Id,
    pub donor: Id,
    pub funding_type: FundingType,
    /// `None` for assessed contributions, which are core funding by nature.
    pub earmarking: Option<Earmarking>,
    pub programme: Option<Id>,
    pub earmarked_to: String,
    pub status: FlowStatus,
    pub total: Money,
    pub installments: Vec<Installment>,
    pub agreement_date: NaiveDate,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub announced_at: Option<SessionKey>,
    pub description: String,
}

impl Contribution {
    pub fn name(&self) -> String {
        format!("contributions/{}", self.id)
    }

    pub fn currency(&self) -> Currency {
        self.total.currency()
    }

    pub fn budget_part(&self) -> BudgetPart {
        self.funding_type.budget_part()
    }

    /// Checks the rules that tie fields together. `path` is the request field holding it.
    pub fn check(self, path: &str) -> Parsed<Self> {
        let at = |name: &str| field(path, name);
        match self.funding_type {
            FundingType::Assessed => {
                if self.currency() != Currency::CHF {
                    return Err(FieldViolation::new(
                        field(&at("total"), "currency_code"),
                        "ASSESSED_NOT_IN_CHF",
                        format!("assessed contributions are in CHF, not {}", self.currency()),
                    ));
                }
                let earmarked = [
                    ("programme", self.programme.is_some()),
                    ("earmarked_to", !self.earmarked_to.is_empty()),
                ];
                if let Some((name, _)) = earmarked.iter().find(|(_, set)| *set) {
                    return Err(assessed_earmarked(&at(name)));
                }
            }
            FundingType::Voluntary => {
                let Some(earmarking) = self.earmarking else {
                    return Err(FieldViolation::required(
                        at("earmarking_category"),
                        "a voluntary contribution needs an earmarking category and modality",
                    ));
                };
                let category = earmarking.category();
                if category.needs_programme() && self.programme.is_none() {
                    return Err(FieldViolation::new(
                        at("programme"),
                        "EARMARKED_WITHOUT_PROGRAMME",
                        format!(
                            "category {} ({}) money is earmarked to a programme, which must be named",
                            category.code(),
                            category.api_name()
                        ),
                    ));
                }
                if category == EarmarkingCategory::Unearmarked && self.programme.is_some() {
                    return Err(FieldViolation::new(
                        at("programme"),
                        "UNEARMARKED_WITH_PROGRAMME",
                        "unearmarked money is not tied to a programme; allocate it instead",
                    ));
                }
            }
        }
        dates::check_order(self.period_start, self.period_end, &at("period_end"))?;
        check_schedule(&self.installments, self.total, &at("installments"))?;
        Ok(self)
    }

    /// Checks the donor against the funding type: assessed money comes from Member States.
    pub fn check_donor(&self, donor_is_member_state: bool, path: &str) -> Parsed<()> {
        if self.funding_type == FundingType::Assessed && !donor_is_member_state {
            return Err(FieldViolation::new(
                field(path, "donor"),
                "DONOR_NOT_MEMBER_STATE",
                format!(
                    "organizations/{} is not a Member State; only Member States pay assessed contributions",
                    self.donor
                ),
            ));
        }
        Ok(())
    }

    /// Refuses an amendment that changes the contribution's identity, naming the field.
    pub fn check_same_identity(&self, current: &Contribution, path: &str) -> Parsed<()> {
        let changed = if self.donor != current.donor {
            Some(("donor", "donor"))
        } else if self.funding_type != current.funding_type {
            Some(("funding_type", "funding type"))
        } else if self.currency() != current.currency() {
            Some(("total.currency_code", "currency"))
        } else {
            None
        };
        match changed {
            Some((name, what)) => Err(FieldViolation::new(
                field(path, name),
                "IMMUTABLE_FIELD",
                format!(
                    "the {what} of a contribution cannot change; record a new contribution instead"
                ),
            )),
            None => Ok(()),
        }
    }
}

/// The earmarking of a contribution from what the caller gave: none for assessed money (anything
/// given is refused), a consistent category and modality for voluntary money.
pub fn earmarking(
    funding_type: FundingType,
    category: Option<EarmarkingCategory>,
    modality: Option<EarmarkingModality>,
    path: &str,
) -> Parsed<Option<Earmarking>> {
    let category_field = field(path, "earmarking_category");
    let modality_field = field(path, "earmarking_modality");
    match (funding_type, category, modality) {
        (FundingType::Assessed, None, None) => Ok(None),
        (FundingType::Assessed, Some(_), _) => Err(assessed_earmarked(&category_field)),
        (FundingType::Assessed, None, Some(_)) => Err(assessed_earmarked(&modality_field)),
        (FundingType::Voluntary, None, _) => Err(FieldViolation::required(
            category_field,
            "a voluntary contribution needs an earmarking category (1 to 4)",
        )),
        (FundingType::Voluntary, Some(_), None) => Err(FieldViolation::required(
            modality_field,
            "a voluntary contribution needs an earmarking modality (A to L)",
        )),
        (FundingType::Voluntary, Some(c), Some(m)) => {
            Earmarking::new(c, m, &modality_field).map(Some)
        }
    }
}

fn assessed_earmarked(field: &str) -> FieldViolation {
    FieldViolation::new(
        field,
        "ASSESSED_EARMARKED",
        "assessed contributions are core funding and carry no earmarking",
    )
}

/// A schedule is at least one installment, each positive and in the total's currency, due on
/// strictly increasing dates, summing exactly to the total. `path` is the installments field.
pub fn check_schedule(installments: &[Installment], total: Money, path: &str) -> Parsed<()> {
    if installments.is_empty() {
        return Err(FieldViolation::required(
            path,
            "at least one installment is required",
        ));
    }
    if installments.len() > MAX_INSTALLMENTS {
        return Err(FieldViolation::new(
            path,
            "TOO_LONG",
            format!(
                "has {} installments; at most {MAX_INSTALLMENTS} are allowed",
                installments.len()
            ),
        ));
    }
    let mut sum = Decimal::ZERO;
    let mut previous: Option<NaiveDate> = None;
    for (i, installment) in installments.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let amount = installment.amount;
        if amount.currency() != total.currency() {
            return Err(FieldViolation::new(
                field(&field(&at, "amount"), "currency_code"),
                "CURRENCY_MISMATCH",
                format!(
                    "installments are in the contribution's currency, {}, not {}",
                    total.currency(),
                    amount.currency()
                ),
            ));
        }
        amount.require_positive(&field(&field(&at, "amount"), "amount"))?;
        if previous.is_some_and(|p| installment.due_date <= p) {
            return Err(FieldViolation::new(
                field(&at, "due_date"),
                "INSTALLMENTS_OUT_OF_ORDER",
                "installments are listed by strictly increasing due date",
            ));
        }
        previous = Some(installment.due_date);
        // At most MAX_INSTALLMENTS amounts of at most 15 integer digits: no overflow.
        sum += amount.amount();
    }
    if sum != total.amount() {
        return Err(FieldViolation::new(
            path,
            "INSTALLMENTS_DO_NOT_SUM",
            format!(
                "the installments sum to {} {sum}, not to the total {total}",
                total.currency()
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
