//! Monthly exchange rates: how many units of a quote currency one unit of a base currency buys
//! in a month (UN operational rates are set monthly).

use std::fmt;

use rust_decimal::Decimal;

use super::{FieldViolation, Parsed, dates::Month, money::Currency};

/// The smallest rate accepted, 0.000001: a millionth of the quote currency per unit of base.
pub const MIN_RATE: Decimal = Decimal::from_parts(1, 0, 0, false, 6);

/// The largest rate accepted, 1,000,000. Together with the bound on amounts (below a trillion),
/// a converted amount stays below 10^18 whichever way a rate is applied.
pub const MAX_RATE: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);

/// The most decimals a rate may have (the database keeps NUMERIC(24,10)).
pub const MAX_RATE_DECIMALS: u32 = 10;

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
            return Err(FieldViolation::required(
                field,
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

/// A rate within [`MIN_RATE`] and [`MAX_RATE`] with at most 10 decimals, held exactly and without
/// trailing zeros (`1.0823`, whatever scale the database returns it with).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rate(Decimal);

impl Rate {
    /// Parses a plain decimal string. Refused: empty, signs, exponents, NaN, zero, more than
    /// 10 decimals, below 0.000001 or above 1000000.
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
                "RATE_OUT_OF_RANGE",
                format!(
                    "the rate {} is outside {MIN_RATE} to {MAX_RATE}",
                    super::text::quote(text)
                ),
            )
        })
    }

    /// A rate from a decimal, or `None` when it is out of range or has too many decimals.
    pub fn from_decimal(value: Decimal) -> Option<Rate> {
        let value = value.normalize();
        (MIN_RATE..=MAX_RATE)
            .contains(&value)
            .then_some(value)
            .filter(|v| v.scale() <= MAX_RATE_DECIMALS)
            .map(Rate)
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
            Rate::parse("0.000001", "r").unwrap().to_string(),
            "0.000001"
        );
        assert_eq!(Rate::parse("1000000", "r").unwrap().to_string(), "1000000");
        for (input, reason) in [
            ("0", "RATE_NOT_POSITIVE"),
            ("0.0000", "RATE_NOT_POSITIVE"),
            ("-1.2", "NEGATIVE_AMOUNT"),
            ("1e3", "INVALID_DECIMAL"),
            ("NaN", "INVALID_DECIMAL"),
            ("", "REQUIRED"),
            ("1.00000000001", "TOO_MANY_DECIMALS"),
            ("100000000000000", "RATE_OUT_OF_RANGE"),
            ("0.0000000001", "RATE_OUT_OF_RANGE"),
            ("0.00000099", "RATE_OUT_OF_RANGE"),
            ("1000000.0000000001", "RATE_OUT_OF_RANGE"),
            ("99999999999999.9999999999", "RATE_OUT_OF_RANGE"),
        ] {
            assert_eq!(
                Rate::parse(input, "r").unwrap_err().reason,
                reason,
                "{input:?}"
            );
        }
    }
}
