//! Measurements: the target and actual of one period of an indicator, for one combination of
//! disaggregation values. The indicator, the period and the values are the measurement's key:
//! recording the same key again is a correction, a new revision of the same measurement.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{DimensionName, Indicator, check_percentage, indicator::indicator_name};
use crate::domain::{
    FieldViolation, Parsed, dates, field,
    text::{self, Id},
};

/// Longest disaggregation value ("female", "18-59", "BE").
const MAX_VALUE_CHARS: usize = 100;

/// Disaggregation values keyed by dimension name; empty for the total.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DimensionValues(BTreeMap<DimensionName, String>);

impl DimensionValues {
    /// Parses name and value pairs. `path` is the map field: a violation names the entry,
    /// `measurement.dimensions[sex]`.
    pub fn parse<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
        path: &str,
    ) -> Parsed<DimensionValues> {
        let mut values = BTreeMap::new();
        for (name, value) in pairs {
            let entry = format!("{path}[{name}]");
            let name = DimensionName::parse(name, &entry)?;
            let value = text::required_text(value, &entry, MAX_VALUE_CHARS)?;
            values.insert(name, value);
        }
        Ok(DimensionValues(values))
    }

    /// The canonical spelling stored as part of the key: `name=value` pairs sorted by name,
    /// joined by `;`, with `\`, `;` and `=` escaped by a backslash in values. Names cannot hold
    /// them, so two different sets of values never share a key.
    pub fn key(&self) -> String {
        let mut out = String::new();
        for (i, (name, value)) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(';');
            }
            out.push_str(name.as_str());
            out.push('=');
            for c in value.chars() {
                if matches!(c, '\\' | ';' | '=') {
                    out.push('\\');
                }
                out.push(c);
            }
        }
        out
    }

    pub fn iter(&self) -> impl Iterator<Item = (&DimensionName, &str)> {
        self.0.iter().map(|(k, v)| (k, v.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What identifies a measurement: indicator, period and disaggregation values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasurementKey {
    pub programme: Id,
    pub indicator: Id,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub dimensions: DimensionValues,
}

impl MeasurementKey {
    /// A key whose period is checked: the end is not before the start. `path` is the request
    /// field holding the measurement.
    pub fn new(
        programme: Id,
        indicator: Id,
        period_start: NaiveDate,
        period_end: NaiveDate,
        dimensions: DimensionValues,
        path: &str,
    ) -> Parsed<MeasurementKey> {
        dates::check_order(period_start, period_end, &field(path, "period_end"))?;
        Ok(MeasurementKey {
            programme,
            indicator,
            period_start,
            period_end,
            dimensions,
        })
    }

    /// The indicator's resource name.
    pub fn indicator_name(&self) -> String {
        indicator_name(&self.programme, &self.indicator)
    }

    /// The whole key as one string: two keys are equal when their spellings are.
    pub fn spelled(&self) -> String {
        format!(
            "{}|{}|{}|{}",
            self.indicator_name(),
            self.period_start,
            self.period_end,
            self.dimensions.key()
        )
    }
}

/// What a revision of a measurement says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figures {
    pub target: Option<Decimal>,
    pub actual: Option<Decimal>,
    pub source: String,
    pub verified: bool,
    pub comment: String,
}

impl Figures {
    /// A measurement says something: a target, an actual, or both.
    pub fn check(self, path: &str) -> Parsed<Figures> {
        if self.target.is_none() && self.actual.is_none() {
            return Err(FieldViolation::new(
                field(path, "actual"),
                "MEASUREMENT_EMPTY",
                "a measurement needs a target, an actual, or both",
            ));
        }
        Ok(self)
    }
}

/// A measurement to record, before it has an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMeasurement {
    pub key: MeasurementKey,
    pub figures: Figures,
}

impl NewMeasurement {
    /// Checks the measurement against its indicator: only its dimensions, percentages at most
    /// 100, and no period before the baseline.
    pub fn check_against(&self, indicator: &Indicator, path: &str) -> Parsed<()> {
        for (name, _) in self.key.dimensions.iter() {
            if !indicator.has_dimension(name) {
                let known: Vec<&str> = indicator.dimensions.iter().map(|d| d.as_str()).collect();
                return Err(FieldViolation::new(
                    format!("{path}.dimensions[{name}]"),
                    "UNKNOWN_DIMENSION",
                    if known.is_empty() {
                        format!("{} has no dimensions", indicator.name())
                    } else {
                        format!(
                            "{} is not a dimension of {}; its dimensions are: {}",
                            name,
                            indicator.name(),
                            known.join(", ")
                        )
                    },
                ));
            }
        }
        check_percentage(
            indicator.measure,
            self.figures.target,
            &field(path, "target"),
        )?;
        check_percentage(
            indicator.measure,
            self.figures.actual,
            &field(path, "actual"),
        )?;
        if let Some(baseline) = indicator.baseline.date
            && self.key.period_start < baseline
        {
            return Err(FieldViolation::new(
                field(path, "period_start"),
                "PERIOD_BEFORE_BASELINE",
                format!(
                    "the period starts on {}, before the baseline date {baseline}",
                    self.key.period_start
                ),
            ));
        }
        Ok(())
    }
}

/// A recorded measurement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measurement {
    pub id: Id,
    pub key: MeasurementKey,
    pub figures: Figures,
}

impl Measurement {
    /// `programmes/{p}/indicators/{i}/measurements/{id}`.
    pub fn name(&self) -> String {
        format!("{}/measurements/{}", self.key.indicator_name(), self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::assert_refused;
    use crate::domain::{dates::parse_date, result::indicator::tests::returns};

    fn values(pairs: &[(&str, &str)]) -> DimensionValues {
        DimensionValues::parse(pairs.iter().copied(), "measurement.dimensions").unwrap()
    }

    fn measurement(start: &str, dimensions: &[(&str, &str)], actual: i64) -> NewMeasurement {
        let i = returns();
        NewMeasurement {
            key: MeasurementKey::new(
                i.programme,
                i.id,
                parse_date(start, "s").unwrap(),
                parse_date("2025-12-31", "e").unwrap(),
                values(dimensions),
                "measurement",
            )
            .unwrap(),
            figures: Figures {
                target: None,
                actual: Some(Decimal::from(actual)),
                source: "Fedasil".into(),
                verified: true,
                comment: String::new(),
            },
        }
    }

    #[test]
    fn the_dimension_key_is_sorted_and_escaped() {
        assert_eq!(
            values(&[("sex", "female"), ("age", "18-59")]).key(),
            "age=18-59;sex=female"
        );
        assert_eq!(values(&[("age", "a;b=c\\d")]).key(), r"age=a\;b\=c\\d");
        // Values that would collide without escaping do not.
        assert_ne!(
            values(&[("age", "x;sex=y")]).key(),
            values(&[("age", "x"), ("sex", "y")]).key()
        );
        assert_eq!(values(&[]).key(), "");
    }

    #[test]
    fn dimension_values_are_checked_per_entry() {
        assert_refused(
            DimensionValues::parse([("sex", "")], "m.dimensions"),
            "m.dimensions[sex]",
            "REQUIRED",
        );
        let long = "x".repeat(101);
        let err = DimensionValues::parse([("sex", long.as_str())], "m.dimensions").unwrap_err();
        assert_eq!(err.reason, "TOO_LONG");
        assert_refused(
            DimensionValues::parse([("Sex", "f")], "m.dimensions"),
            "m.dimensions[Sex]",
            "INVALID_DIMENSION",
        );
    }

    #[test]
    fn a_measurement_fits_its_indicator() {
        let indicator = returns();
        assert!(
            measurement("2025-01-01", &[("sex", "female")], 4000)
                .check_against(&indicator, "measurement")
                .is_ok()
        );
        assert_refused(
            measurement("2025-01-01", &[("age", "18-59")], 1)
                .check_against(&indicator, "measurement"),
            "measurement.dimensions[age]",
            "UNKNOWN_DIMENSION",
        );
        assert_refused(
            measurement("1983-01-01", &[], 1).check_against(&indicator, "measurement"),
            "measurement.period_start",
            "PERIOD_BEFORE_BASELINE",
        );
        let mut percent = indicator;
        percent.measure = super::super::Measure::Percentage;
        assert_refused(
            measurement("2025-01-01", &[], 101).check_against(&percent, "measurement"),
            "measurement.actual",
            "PERCENTAGE_OVER_100",
        );
    }

    #[test]
    fn an_empty_measurement_is_refused() {
        let figures = Figures {
            target: None,
            actual: None,
            source: String::new(),
            verified: false,
            comment: String::new(),
        };
        assert_eq!(
            figures.check("measurement").unwrap_err().reason,
            "MEASUREMENT_EMPTY"
        );
    }
}
