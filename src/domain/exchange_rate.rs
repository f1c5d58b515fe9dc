//! Monthly exchange rates: how many units of a quote currency one unit of a base currency buys
//! in a month (UN operational rates are set monthly).

use std::fmt;

use rust_decimal::Decimal;

use super::{FieldViolation, Parsed, dates::Month, money::Currency};

/// The largest rate has 14 integer digits: the database keeps rates as NUMERIC(24,10).
const MAX_INTEGER_DIGITS: u32 = 14;

/// Which rate: a currency pair and the month it is in force. Its name is
/// `exchangeRates/{BASE}-{QUOTE}-{YYYY}-{MM}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RateKey {
    pub base: Currency,
    pub quote: Currency,
    pub month: Month,
}

impl RateKey {
    /// Builds a key from parsed parts; the quote must differ from the base. `quote_field` is
    /// the field blamed when they are the same.
    pub fn new(base: Currency, quote: Currency, month: Month, quote_field: &str) -> Parsed<Self> {
        if base == quote {
            return Err(FieldViolation::new(
                quote_field,
                "SAME_CURRENCY",
                format!("a rate converts between two currencies; both are {base}"),
            ));
        }
        Ok(RateKey { base, quote, month })
    }

    /// Parses `exchangeRates/EUR-USD-2025-06`.
    pub fn parse_name(name: &str, field: &str) -> Parsed<Self> {
        const PATTERN: &str = "exchangeRates/{BASE}-{QUOTE}-{YYYY}-{MM}";
        if name.is_empty() {
            return Err(FieldViolation::new(
                field,
                "REQUIRED",
                format!("a resource name of the form {PATTERN} is required"),
            ));
        }
        let bad = |why: &str| {
            FieldViolation::new(
                field,
                "INVALID_NAME",
                format!(
                    "{name} is not a resource name of the form {PATTERN}, such as exchangeRates/EUR-USD-2025-06{why}",
                    name = super::text::quote(name)
                ),
            )
        };
        let id = name.strip_prefix("exchangeRates/").ok_or_else(|| bad(""))?;
        let parts: Vec<&str> = id.split('-').collect();
        let [base, quote, year, month] = parts.as_slice() else {
            return Err(bad(""));
        };
        let base = Currency::parse(base, field).map_err(|_| bad(": unknown base currency"))?;
        let quote = Currency::parse(quote, field).map_err(|_| bad(": unknown quote currency"))?;
        let month =
            Month::parse(&format!("{year}-{month}"), field).map_err(|_| bad(": invalid month"))?;
        RateKey::new(base, quote, month, field).map_err(|_| bad(": the currencies are the same"))
    }

    pub fn name(&self) -> String {
        format!("exchangeRates/{self}")
    }
}

/// `EUR-USD-2025-06`: the last part of the name.
impl fmt::Display for RateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", self.base, self.quote, self.month)
    }
}

/// A positive rate with at most 10 decimals and 14 integer digits, held exactly and without
/// trailing zeros (`1.0823`, whatever scale the database returns it with).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rate(Decimal);

impl Rate {
    /// Parses a plain decimal string. Refused: empty, signs, exponents, NaN, zero, more than
    /// 10 decimals or 14 integer digits.
    pub fn parse(text: &str, field: &str) -> Parsed<Rate> {
        let value = super::money::parse_plain_decimal(text, field, "rate")?;
        if value.is_zero() {
            return Err(FieldViolation::new(
                field,
                "RATE_NOT_POSITIVE",
                "the rate must be greater than zero",
            ));
        }
        Rate::from_decimal(value).ok_or_else(|| {
            FieldViolation::new(
                field,
                "AMOUNT_TOO_LARGE",
                format!("the rate has more than {MAX_INTEGER_DIGITS} integer digits"),
            )
        })
    }

    /// A rate from a decimal, or `None` when it is not positive or does not fit.
    pub fn from_decimal(value: Decimal) -> Option<Rate> {
        let limit = Decimal::from(10u64.pow(MAX_INTEGER_DIGITS));
        (value > Decimal::ZERO && value < limit && value.scale() <= 10)
            .then(|| Rate(value.normalize()))
    }

    pub fn value(self) -> Decimal {
        self.0
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A rate as recorded: its key, value and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeRate {
    pub key: RateKey,
    pub rate: Rate,
    /// For example "UN operational rates of exchange"; 1 to 200 characters.
    pub source: String,
}

impl ExchangeRate {
    pub fn name(&self) -> String {
        self.key.name()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_refuse_what_is_not_a_rate() {
        let key = RateKey::parse_name("exchangeRates/EUR-USD-2025-06", "name").unwrap();
        assert_eq!(key.base, Currency::EUR);
        assert_eq!(key.name(), "exchangeRates/EUR-USD-2025-06");
        for bad in [
            "exchangeRates/EUR-USD-2025",
            "exchangeRates/EUR-USD-2025-13",
            "exchangeRates/eur-USD-2025-06",
            "exchangeRates/XXX-USD-2025-06",
            "exchangeRates/EUR-EUR-2025-06",
            "exchangeRates/EUR-USD-2025-06-01",
            "rates/EUR-USD-2025-06",
        ] {
            assert_eq!(
                RateKey::parse_name(bad, "name").unwrap_err().reason,
                "INVALID_NAME",
                "{bad}"
            );
        }
    }

    #[test]
    fn rates_are_positive_exact_and_bounded() {
        assert_eq!(Rate::parse("1.0823", "r").unwrap().to_string(), "1.0823");
        assert_eq!(Rate::parse("1.50000", "r").unwrap().to_string(), "1.5");
        assert_eq!(
            Rate::parse("0.0000000001", "r").unwrap().to_string(),
            "0.0000000001"
        );
        assert!(Rate::parse("99999999999999.9999999999", "r").is_ok());
        for (input, reason) in [
            ("0", "RATE_NOT_POSITIVE"),
            ("0.0000", "RATE_NOT_POSITIVE"),
            ("-1.2", "NEGATIVE_AMOUNT"),
            ("1e3", "INVALID_DECIMAL"),
            ("NaN", "INVALID_DECIMAL"),
            ("", "REQUIRED"),
            ("1.00000000001", "TOO_MANY_DECIMALS"),
            ("100000000000000", "AMOUNT_TOO_LARGE"),
        ] {
            assert_eq!(
                Rate::parse(input, "r").unwrap_err().reason,
                reason,
                "{input:?}"
            );
        }
    }
}
