//! Exact money: ISO 4217 currencies with their minor units, and amounts that never touch
//! floating point.

use std::{fmt, str::FromStr};

use iso_currency::IntoEnumIterator;
use rust_decimal::{Decimal, RoundingStrategy};

use super::{FieldViolation, Parsed, not_empty};

/// The most integer digits any plain decimal of a request may have.
const MAX_INTEGER_DIGITS: usize = 15;

/// Every amount is below a trillion units of its currency (at most 999,999,999,999.99 USD).
/// With rates bounded too (see `exchange_rate`), every converted line and every sum of a report
/// stays far inside what `rust_decimal` and the report's arithmetic can hold.
pub const AMOUNT_LIMIT_DIGITS: u32 = 12;

/// An ISO 4217 currency that has minor units (not gold, not the SDR).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency(iso_currency::Currency);

impl Currency {
    pub const USD: Currency = Currency(iso_currency::Currency::USD);
    pub const CHF: Currency = Currency(iso_currency::Currency::CHF);
    pub const EUR: Currency = Currency(iso_currency::Currency::EUR);

    /// Parses an upper-case ISO 4217 code.
    pub fn parse(code: &str, field: &str) -> Parsed<Currency> {
        not_empty(code, field, "a currency code is required")?;
        iso_currency::Currency::from_code(code)
            .filter(|c| c.exponent().is_some())
            .map(Currency)
            .ok_or_else(|| {
                FieldViolation::new(
                    field,
                    "UNKNOWN_CURRENCY",
                    format!(
                        "{} is not an ISO 4217 currency code with minor units",
                        super::text::quote(code)
                    ),
                )
            })
    }

    /// The three-letter code.
    pub fn code(self) -> &'static str {
        // `code()` returns a `&'static str` in iso_currency.
        self.0.code()
    }

    /// Number of decimals of the minor unit: JPY 0, USD 2, KWD 3.
    pub fn minor_units(self) -> u32 {
        u32::from(self.0.exponent().unwrap_or(0))
    }

    /// Every currency with minor units, for the reference table.
    pub fn all() -> impl Iterator<Item = Currency> {
        iso_currency::Currency::iter()
            .filter(|c| c.exponent().is_some())
            .map(Currency)
    }

    /// English name, for example "Euro".
    pub fn display_name(self) -> String {
        self.0.name().to_owned()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A non-negative amount in one currency, held at exactly the currency's minor units
/// (`1000000` EUR is stored and shown as `1000000.00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

impl Money {
    /// Parses a decimal string in a currency. Refused: empty, signs, exponents, NaN and infinity,
    /// thousands separators, more decimals than the currency has, a trillion units or more.
    pub fn parse(amount: &str, currency: Currency, field: &str) -> Parsed<Money> {
        let text = amount;
        let amount = parse_plain_decimal(amount, field, "amount")?;
        if amount >= Decimal::from(10u64.pow(AMOUNT_LIMIT_DIGITS)) {
            return Err(FieldViolation::new(
                field,
                "AMOUNT_TOO_LARGE",
                format!(
                    "the amount {} is above the largest accepted, {}",
                    super::text::quote(text),
                    Money::largest(currency)
                ),
            ));
        }
        let allowed = currency.minor_units();
        if amount.scale() > allowed {
            return Err(FieldViolation::new(
                field,
                "TOO_MANY_DECIMALS",
                format!(
                    "{} allows {allowed} decimal(s); {amount} has {}",
                    currency.code(),
                    amount.scale()
                ),
            ));
        }
        Ok(Money::from_decimal(amount, currency))
    }

    /// Builds from a decimal already known to fit the currency (read back from the database).
    /// Extra decimals are rounded half away from zero, the rounding used in every report.
    pub fn from_decimal(amount: Decimal, currency: Currency) -> Money {
        let mut amount = amount.round_dp_with_strategy(
            currency.minor_units(),
            RoundingStrategy::MidpointAwayFromZero,
        );
        amount.rescale(currency.minor_units());
        Money { amount, currency }
    }

    /// The largest amount accepted in a currency: 999999999999.99 USD, 999999999999 JPY.
    pub fn largest(currency: Currency) -> Money {
        let limit = Decimal::from(10u64.pow(AMOUNT_LIMIT_DIGITS));
        Money::from_decimal(limit - Decimal::new(1, currency.minor_units()), currency)
    }

    pub fn amount(&self) -> Decimal {
        self.amount
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    /// Refuses a zero amount where only a positive one makes sense.
    pub fn require_positive(self, field: &str) -> Parsed<Money> {
        if self.amount.is_zero() {
            Err(FieldViolation::new(
                field,
                "AMOUNT_NOT_POSITIVE",
                "the amount must be greater than zero",
            ))
        } else {
            Ok(self)
        }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.currency.code(), self.amount)
    }
}

/// Parses a non-negative decimal written plainly: digits, optionally a point and more digits.
/// `what` names the value in messages ("amount", "rate", "value").
pub fn parse_plain_decimal(text: &str, field: &str, what: &str) -> Parsed<Decimal> {
    let invalid = |why: String| FieldViolation::new(field, "INVALID_DECIMAL", why);
    if text.is_empty() {
        return Err(FieldViolation::required(
            field,
            format!("the {what} is empty"),
        ));
    }
    if text.starts_with('-') {
        return Err(FieldViolation::new(
            field,
            "NEGATIVE_AMOUNT",
            format!("the {what} {} is negative", super::text::quote(text)),
        ));
    }
    let (integer, fraction) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(integer) || fraction.is_some_and(|f| !digits(f)) {
        let lower = text.to_ascii_lowercase();
        let why = if lower.contains("nan") || lower.contains("inf") {
            format!("the {what} {} is not a number", super::text::quote(text))
        } else if lower.contains('e') {
            format!(
                "the {what} {} uses exponent notation; write it out in full",
                super::text::quote(text)
            )
        } else {
            format!(
                "the {what} {} is not a plain decimal such as 1234.50",
                super::text::quote(text)
            )
        };
        return Err(invalid(why));
    }
    if integer.trim_start_matches('0').len() > MAX_INTEGER_DIGITS {
        return Err(FieldViolation::new(
            field,
            "AMOUNT_TOO_LARGE",
            format!("the {what} has more than {MAX_INTEGER_DIGITS} integer digits"),
        ));
    }
    if fraction.is_some_and(|f| f.len() > 10) {
        return Err(FieldViolation::new(
            field,
            "TOO_MANY_DECIMALS",
            format!("the {what} has more than 10 decimals"),
        ));
    }
    Decimal::from_str(text).map_err(|_| {
        invalid(format!(
            "the {what} {} is not a decimal",
            super::text::quote(text)
        ))
    })
}

/// Rounds to the minor units of a currency, half away from zero: the one rounding rule of every
/// report line.
pub fn round_to_currency(value: Decimal, currency: Currency) -> Decimal {
    Money::from_decimal(value, currency).amount()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(s: &str) -> Parsed<Money> {
        Money::parse(s, Currency::USD, "amount")
    }

    #[test]
    fn amounts_are_held_at_the_currency_minor_units() {
        assert_eq!(usd("1000000").unwrap().amount().to_string(), "1000000.00");
        let jpy = Currency::parse("JPY", "c").unwrap();
        assert_eq!(
            Money::parse("1500", jpy, "a").unwrap().amount().to_string(),
            "1500"
        );
    }

    #[test]
    fn refusals_name_their_reason() {
        for (input, reason) in [
            ("", "REQUIRED"),
            ("-1", "NEGATIVE_AMOUNT"),
            ("1.001", "TOO_MANY_DECIMALS"),
            ("NaN", "INVALID_DECIMAL"),
            ("inf", "INVALID_DECIMAL"),
            ("1e5", "INVALID_DECIMAL"),
            ("1,000", "INVALID_DECIMAL"),
            ("+1", "INVALID_DECIMAL"),
            (".5", "INVALID_DECIMAL"),
            ("1234567890123456", "AMOUNT_TOO_LARGE"),
            ("1000000000000", "AMOUNT_TOO_LARGE"),
            ("999999999999999.99", "AMOUNT_TOO_LARGE"),
        ] {
            assert_eq!(usd(input).unwrap_err().reason, reason, "{input:?}");
        }
    }

    #[test]
    fn the_largest_amount_is_just_below_a_trillion() {
        assert_eq!(
            usd("999999999999.99").unwrap(),
            Money::largest(Currency::USD)
        );
        assert_eq!(
            Money::largest(Currency::USD).to_string(),
            "USD 999999999999.99"
        );
        let jpy = Currency::parse("JPY", "c").unwrap();
        assert_eq!(Money::largest(jpy).to_string(), "JPY 999999999999");
        let err = usd(&"9".repeat(15)).unwrap_err();
        assert!(err.description.contains("999999999999.99"), "{err:?}");
    }

    #[test]
    fn decimals_follow_the_currency() {
        let kwd = Currency::parse("KWD", "c").unwrap();
        let jpy = Currency::parse("JPY", "c").unwrap();
        assert!(Money::parse("1.125", kwd, "a").is_ok());
        assert_eq!(
            Money::parse("1.5", jpy, "a").unwrap_err().reason,
            "TOO_MANY_DECIMALS"
        );
        assert_eq!(
            Currency::parse("XAU", "c").unwrap_err().reason,
            "UNKNOWN_CURRENCY"
        );
        assert_eq!(
            Currency::parse("usd", "c").unwrap_err().reason,
            "UNKNOWN_CURRENCY"
        );
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(round_to_currency(d("0.125"), Currency::USD), d("0.13"));
        assert_eq!(round_to_currency(d("0.135"), Currency::USD), d("0.14"));
    }
}
