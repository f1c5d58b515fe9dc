//! Indicators: what a programme measures, how, and from which baseline (IATI result/indicator).

use std::collections::BTreeSet;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{DimensionName, check_percentage};
use crate::domain::{FieldViolation, Parsed, field, text::Id};

/// IATI ResultType.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResultLevel {
    Output,
    Outcome,
    Impact,
}

impl ResultLevel {
    pub const ALL: [ResultLevel; 3] = [Self::Output, Self::Outcome, Self::Impact];

    pub fn db_name(self) -> &'static str {
        match self {
            Self::Output => "output",
            Self::Outcome => "outcome",
            Self::Impact => "impact",
        }
    }

    pub fn from_db(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.db_name() == name)
    }
}

/// IATI IndicatorMeasure: what kind of number an indicator holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Measure {
    Unit,
    Percentage,
    Nominal,
    Ordinal,
    Qualitative,
}

impl Measure {
    pub const ALL: [Measure; 5] = [
        Self::Unit,
        Self::Percentage,
        Self::Nominal,
        Self::Ordinal,
        Self::Qualitative,
    ];

    pub fn db_name(self) -> &'static str {
        match self {
            Self::Unit => "unit",
            Self::Percentage => "percentage",
            Self::Nominal => "nominal",
            Self::Ordinal => "ordinal",
            Self::Qualitative => "qualitative",
        }
    }

    pub fn from_db(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.db_name() == name)
    }
}

/// Which way is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Increasing,
    Decreasing,
}

impl Direction {
    pub fn db_name(self) -> &'static str {
        match self {
            Self::Increasing => "increasing",
            Self::Decreasing => "decreasing",
        }
    }

    pub fn from_db(name: &str) -> Option<Self> {
        [Self::Increasing, Self::Decreasing]
            .into_iter()
            .find(|d| d.db_name() == name)
    }
}

/// The value an indicator starts from. A value needs its date; a date alone is allowed (IATI
/// baselines of qualitative indicators carry a year and a comment but no value).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Baseline {
    pub value: Option<Decimal>,
    pub date: Option<NaiveDate>,
    pub comment: String,
}

/// An indicator of a programme's results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indicator {
    pub programme: Id,
    pub id: Id,
    pub title: String,
    pub description: String,
    pub result_level: ResultLevel,
    pub measure: Measure,
    pub direction: Direction,
    /// Each actual is a running total since the baseline: the latest actual is the achievement.
    pub cumulative: bool,
    pub baseline: Baseline,
    /// Names of the disaggregation dimensions, in the order the caller gave them.
    pub dimensions: Vec<DimensionName>,
    pub unit: String,
}

/// The most dimensions an indicator may have: reports cross them, and more than a handful are
/// unreadable.
pub const MAX_DIMENSIONS: usize = 8;

/// What the current measurements of an indicator rely on: an update must keep them valid.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Usage {
    /// Dimension names that measurements carry.
    pub dimensions: BTreeSet<String>,
    /// Start of the earliest measured period.
    pub earliest_period_start: Option<NaiveDate>,
    /// The largest target or actual.
    pub largest_value: Option<Decimal>,
}

impl Indicator {
    /// `programmes/{p}/indicators/{i}`.
    pub fn name(&self) -> String {
        indicator_name(&self.programme, &self.id)
    }

    /// Checks the rules that tie fields together. `path` is the request field holding it.
    pub fn check(self, path: &str) -> Parsed<Self> {
        let baseline = field(path, "baseline");
        if self.baseline.value.is_some() && self.baseline.date.is_none() {
            return Err(FieldViolation::new(
                field(&baseline, "date"),
                "BASELINE_WITHOUT_DATE",
                "a baseline value needs the date it was measured",
            ));
        }
        check_percentage(
            self.measure,
            self.baseline.value,
            &field(&baseline, "value"),
        )?;
        if self.dimensions.len() > MAX_DIMENSIONS {
            return Err(FieldViolation::new(
                field(path, "dimensions"),
                "TOO_MANY_DIMENSIONS",
                format!("an indicator has at most {MAX_DIMENSIONS} dimensions"),
            ));
        }
        let mut seen = BTreeSet::new();
        for (i, d) in self.dimensions.iter().enumerate() {
            if !seen.insert(d) {
                return Err(FieldViolation::new(
                    format!("{path}.dimensions[{i}]"),
                    "DUPLICATE_DIMENSION",
                    format!("{d} is listed twice"),
                ));
            }
        }
        Ok(self)
    }

    /// Checks that a new version keeps the indicator's current measurements valid.
    pub fn check_usage(&self, usage: &Usage, path: &str) -> Parsed<()> {
        if let Some(missing) = usage
            .dimensions
            .iter()
            .find(|used| !self.dimensions.iter().any(|d| d.as_str() == used.as_str()))
        {
            return Err(FieldViolation::new(
                field(path, "dimensions"),
                "DIMENSION_IN_USE",
                format!("measurements are disaggregated by {missing}; it cannot be removed"),
            ));
        }
        if let (Some(baseline), Some(earliest)) = (self.baseline.date, usage.earliest_period_start)
            && earliest < baseline
        {
            return Err(FieldViolation::new(
                format!("{path}.baseline.date"),
                "MEASUREMENTS_BEFORE_BASELINE",
                format!("a measurement starts on {earliest}, before the baseline date {baseline}"),
            ));
        }
        if self.measure == Measure::Percentage
            && usage
                .largest_value
                .is_some_and(|v| v > Decimal::ONE_HUNDRED)
        {
            return Err(FieldViolation::new(
                field(path, "measure"),
                "PERCENTAGE_OVER_100",
                "measurements hold values over 100; the indicator cannot become a percentage",
            ));
        }
        Ok(())
    }

    /// Whether measurements may carry this dimension.
    pub fn has_dimension(&self, name: &DimensionName) -> bool {
        self.dimensions.contains(name)
    }
}

/// `programmes/{p}/indicators/{i}`.
pub fn indicator_name(programme: &Id, id: &Id) -> String {
    format!("programmes/{programme}/indicators/{id}")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::assert_refused;
    use crate::domain::dates::parse_date;

    /// Returns assisted from Belgium with Fedasil since 1984.
    pub(crate) fn returns() -> Indicator {
        Indicator {
            programme: Id::parse("avr-belgium", "p").unwrap(),
            id: Id::parse("returns", "i").unwrap(),
            title: "Returns assisted since 1984".into(),
            description: String::new(),
            result_level: ResultLevel::Output,
            measure: Measure::Unit,
            direction: Direction::Increasing,
            cumulative: true,
            baseline: Baseline {
                value: Some(Decimal::ZERO),
                date: Some(parse_date("1984-01-01", "d").unwrap()),
                comment: String::new(),
            },
            dimensions: vec![
                DimensionName::parse("sex", "d").unwrap(),
                DimensionName::parse("country", "d").unwrap(),
            ],
            unit: "persons".into(),
        }
    }

    #[test]
    fn a_baseline_value_needs_a_date() {
        let mut i = returns();
        i.baseline.date = None;
        assert_refused(
            i.check("indicator"),
            "indicator.baseline.date",
            "BASELINE_WITHOUT_DATE",
        );
    }

    #[test]
    fn a_percentage_baseline_is_at_most_100() {
        let mut i = returns();
        i.measure = Measure::Percentage;
        i.baseline.value = Some(Decimal::from(101));
        assert_refused(
            i.clone().check("indicator"),
            "indicator.baseline.value",
            "PERCENTAGE_OVER_100",
        );
        i.baseline.value = Some(Decimal::ONE_HUNDRED);
        assert!(i.check("indicator").is_ok());
    }

    #[test]
    fn dimensions_are_not_repeated() {
        let mut i = returns();
        i.dimensions.push(DimensionName::parse("sex", "d").unwrap());
        assert_refused(
            i.check("indicator"),
            "indicator.dimensions[2]",
            "DUPLICATE_DIMENSION",
        );
    }

    #[test]
    fn an_update_keeps_measurements_valid() {
        let i = returns();
        let usage = Usage {
            dimensions: ["sex".to_owned()].into(),
            earliest_period_start: parse_date("2024-01-01", "d").ok(),
            largest_value: Some(Decimal::from(4000)),
        };
        assert!(i.check_usage(&usage, "indicator").is_ok());

        let mut fewer = i.clone();
        fewer.dimensions.remove(0);
        assert_eq!(
            fewer.check_usage(&usage, "indicator").unwrap_err().reason,
            "DIMENSION_IN_USE"
        );
        let mut later = i.clone();
        later.baseline.date = parse_date("2025-01-01", "d").ok();
        assert_eq!(
            later.check_usage(&usage, "indicator").unwrap_err().reason,
            "MEASUREMENTS_BEFORE_BASELINE"
        );
        let mut percent = i;
        percent.measure = Measure::Percentage;
        assert_eq!(
            percent.check_usage(&usage, "indicator").unwrap_err().reason,
            "PERCENTAGE_OVER_100"
        );
    }
}
