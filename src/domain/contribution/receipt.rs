//! Receipts: money actually received against a contribution.

use chrono::NaiveDate;

use crate::domain::{
    FieldViolation, Parsed, field,
    money::{Currency, Money},
    text::Id,
};

/// Money received against one contribution, in that contribution's currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub id: Id,
    pub contribution: Id,
    pub received_date: NaiveDate,
    pub amount: Money,
    pub reference: String,
    /// Recorded in error: it then counts for nothing.
    pub withdrawn: bool,
}

impl Receipt {
    pub fn name(&self) -> String {
        receipt_name(&self.contribution, &self.id)
    }

    /// Refuses an amount in another currency than the contribution's. `path` is the receipt field.
    pub fn check_currency(&self, contribution_currency: Currency, path: &str) -> Parsed<()> {
        if self.amount.currency() != contribution_currency {
            return Err(FieldViolation::new(
                field(&field(path, "amount"), "currency_code"),
                "CURRENCY_MISMATCH",
                format!(
                    "receipts are in the contribution's currency, {contribution_currency}, not {}",
                    self.amount.currency()
                ),
            ));
        }
        Ok(())
    }
}

/// `contributions/{contribution_id}/receipts/{receipt_id}`.
pub fn receipt_name(contribution: &Id, receipt: &Id) -> String {
    format!("contributions/{contribution}/receipts/{receipt}")
}
