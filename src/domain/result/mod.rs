//! Programme results: indicators (what is measured, from which baseline) and their
//! measurements (target and actual of one period, for one combination of disaggregation values).

pub mod indicator;
pub mod measurement;

use std::fmt;

use rust_decimal::Decimal;

use super::{FieldViolation, Parsed, money::parse_plain_decimal};

pub use indicator::{Baseline, Direction, Indicator, Measure, ResultLevel, Usage};
pub use measurement::{DimensionValues, Figures, Measurement, MeasurementKey, NewMeasurement};

/// Decimals the database keeps for a result value (`numeric(24,6)`).
const VALUE_DECIMALS: u32 = 6;

/// Parses an optional result value (a baseline, target or actual): empty is none; otherwise a
/// plain non-negative decimal with at most six decimals. Trailing zeros are dropped, so that a
/// value reads back exactly as it is stored.
pub fn parse_value(text: &str, field: &str) -> Parsed<Option<Decimal>> {
    if text.is_empty() {
        return Ok(None);
    }
    let value = parse_plain_decimal(text, field, "value")?;
    if value.scale() > VALUE_DECIMALS {
        return Err(FieldViolation::new(
            field,
            "TOO_MANY_DECIMALS",
            format!("a result value has at most {VALUE_DECIMALS} decimals; {text} has more"),
        ));
    }
    Ok(Some(value.normalize()))
}

/// Refuses a percentage over 100.
fn check_percentage(measure: Measure, value: Option<Decimal>, field: &str) -> Parsed<()> {
    match value {
        Some(v) if measure == Measure::Percentage && v > Decimal::ONE_HUNDRED => {
            Err(FieldViolation::new(
                field,
                "PERCENTAGE_OVER_100",
                format!("{v} is over 100, and the indicator measures a percentage"),
            ))
        }
        _ => Ok(()),
    }
}

/// The name of a disaggregation dimension: a lower case letter, then up to 31 lower case
/// letters, digits and underscores (`sex`, `age`, `country`, `return_type`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DimensionName(String);

impl DimensionName {
    pub fn parse(text: &str, field: &str) -> Parsed<DimensionName> {
        let bytes = text.as_bytes();
        let ok = !bytes.is_empty()
            && bytes.len() <= 32
            && bytes[0].is_ascii_lowercase()
            && bytes
                .iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_');
        if ok {
            Ok(DimensionName(text.to_owned()))
        } else {
            Err(FieldViolation::new(
                field,
                "INVALID_DIMENSION",
                format!(
                    "{text} is not a dimension name: use a lower case letter, then up to 31 lower case letters, digits and underscores",
                    text = super::text::quote(text)
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DimensionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_plain_decimals_with_at_most_six_decimals() {
        assert_eq!(parse_value("", "v").unwrap(), None);
        assert_eq!(
            parse_value("90000.500", "v").unwrap().unwrap().to_string(),
            "90000.5"
        );
        assert_eq!(parse_value("0", "v").unwrap().unwrap().to_string(), "0");
        for (input, reason) in [
            ("1.1234567", "TOO_MANY_DECIMALS"),
            ("-1", "NEGATIVE_AMOUNT"),
            ("1e3", "INVALID_DECIMAL"),
        ] {
            assert_eq!(parse_value(input, "v").unwrap_err().reason, reason);
        }
    }

    #[test]
    fn dimension_names_are_short_lower_case_words() {
        for good in ["sex", "age", "country", "return_type", "a1"] {
            assert!(DimensionName::parse(good, "d").is_ok(), "{good}");
        }
        for bad in ["", "Sex", "1age", "age-group", "é", &"a".repeat(33)] {
            assert_eq!(
                DimensionName::parse(bad, "d").unwrap_err().reason,
                "INVALID_DIMENSION",
                "{bad}"
            );
        }
    }
}
