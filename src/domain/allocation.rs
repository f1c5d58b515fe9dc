//! Allocations of unearmarked funds to programmes and strategic objectives (the "use of
//! unearmarked funding" section of a report).

use chrono::NaiveDate;

use super::{
    FieldViolation, Parsed, field,
    money::{Currency, Money},
    text::Id,
};

pub use super::programme::SrfObjective;

/// An allocation as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    pub id: Id,
    pub allocation_date: NaiveDate,
    /// Always USD: unearmarked funds are managed in the Operational Part's currency.
    pub amount: Money,
    /// Id of the programme receiving the money.
    pub programme: Option<Id>,
    pub srf_objective: Option<SrfObjective>,
    /// May be empty.
    pub description: String,
}

impl Allocation {
    /// Checks the rules that tie fields together. `path` is the request field holding it.
    pub fn check(self, path: &str) -> Parsed<Self> {
        if self.amount.currency() != Currency::USD {
            return Err(not_usd(self.amount.currency(), path));
        }
        if self.programme.is_none() && self.srf_objective.is_none() {
            return Err(FieldViolation::new(
                field(path, "srf_objective"),
                "ALLOCATION_WITHOUT_DESTINATION",
                "an allocation goes to a programme or to a Strategic Results Framework objective; give one",
            ));
        }
        Ok(self)
    }

    pub fn name(&self) -> String {
        format!("allocations/{}", self.id)
    }
}

/// The refusal of an amount in another currency than USD; `path` holds the allocation.
pub fn not_usd(currency: Currency, path: &str) -> FieldViolation {
    FieldViolation::new(
        field(&field(path, "amount"), "currency_code"),
        "CURRENCY_NOT_ALLOWED",
        format!(
            "unearmarked funds are allocated in USD, the Operational Part's currency, not {currency}"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::assert_refused;

    fn allocation() -> Allocation {
        Allocation {
            id: Id::parse("a", "id").unwrap(),
            allocation_date: NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
            amount: Money::parse("250000", Currency::USD, "amount").unwrap(),
            programme: None,
            srf_objective: Some(SrfObjective::RegularPathways),
            description: String::new(),
        }
    }

    #[test]
    fn an_allocation_needs_a_destination() {
        assert!(allocation().check("allocation").is_ok());
        assert_refused(
            Allocation {
                srf_objective: None,
                ..allocation()
            }
            .check("allocation"),
            "allocation.srf_objective",
            "ALLOCATION_WITHOUT_DESTINATION",
        );
    }

    #[test]
    fn an_allocation_is_in_usd() {
        assert_refused(
            Allocation {
                amount: Money::parse("1", Currency::EUR, "amount").unwrap(),
                ..allocation()
            }
            .check("allocation"),
            "allocation.amount.currency_code",
            "CURRENCY_NOT_ALLOWED",
        );
    }

    #[test]
    fn objectives_are_numbered_one_to_three() {
        for o in SrfObjective::ALL {
            assert_eq!(SrfObjective::from_number(o.number()), Some(o));
        }
        assert_eq!(SrfObjective::from_number(0), None);
    }
}
