//! Calendar dates (`YYYY-MM-DD`), months (`YYYY-MM`) and date ranges.

use std::{fmt, ops::RangeInclusive};

use chrono::{Datelike, NaiveDate};

use super::{FieldViolation, Parsed, not_empty};

/// The years a date, month or instant may fall in: the organization's history and its foreseeable
/// planning, and nothing a typing slip (`0000`, `9999`) would produce.
pub const YEARS: RangeInclusive<i32> = 1945..=2200;

/// Refuses a date outside [`YEARS`].
pub fn check_year(date: NaiveDate, field: &str) -> Parsed<NaiveDate> {
    if YEARS.contains(&date.year()) {
        Ok(date)
    } else {
        Err(FieldViolation::new(
            field,
            "DATE_OUT_OF_RANGE",
            format!(
                "{date} is outside the years {} to {} this service accepts",
                YEARS.start(),
                YEARS.end()
            ),
        ))
    }
}

/// Parses a required `YYYY-MM-DD` date.
pub fn parse_date(text: &str, field: &str) -> Parsed<NaiveDate> {
    not_empty(text, field, "a date (YYYY-MM-DD) is required")?;
    // chrono accepts years with more or fewer digits; a report date has exactly ten characters.
    if text.len() != 10 {
        return Err(invalid_date(text, field));
    }
    let date =
        NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| invalid_date(text, field))?;
    check_year(date, field)
}

/// Parses a date that may be empty.
pub fn parse_optional_date(text: &str, field: &str) -> Parsed<Option<NaiveDate>> {
    if text.is_empty() {
        Ok(None)
    } else {
        parse_date(text, field).map(Some)
    }
}

fn invalid_date(text: &str, field: &str) -> FieldViolation {
    FieldViolation::new(
        field,
        "INVALID_DATE",
        format!(
            "{} is not a calendar date of the form YYYY-MM-DD",
            super::text::quote(text)
        ),
    )
}

/// Checks that `end` is not before `start`; the violation names the end field.
pub fn check_order(start: NaiveDate, end: NaiveDate, end_field: &str) -> Parsed<()> {
    if end < start {
        Err(FieldViolation::new(
            end_field,
            "END_BEFORE_START",
            format!("ends on {end}, before it starts on {start}"),
        ))
    } else {
        Ok(())
    }
}

/// A calendar month, the period an exchange rate is in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(NaiveDate);

impl Month {
    /// Parses `YYYY-MM`.
    pub fn parse(text: &str, field: &str) -> Parsed<Month> {
        let bad = || {
            FieldViolation::new(
                field,
                "INVALID_MONTH",
                format!(
                    "{} is not a month of the form YYYY-MM",
                    super::text::quote(text)
                ),
            )
        };
        not_empty(text, field, "a month (YYYY-MM) is required")?;
        if text.len() != 7 {
            return Err(bad());
        }
        let first =
            NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d").map_err(|_| bad())?;
        check_year(first, field).map(Month)
    }

    /// The month a date falls in.
    pub fn of(date: NaiveDate) -> Month {
        Month(date.with_day(1).expect("day 1 exists"))
    }

    /// First day of the month, as stored in the database.
    pub fn first_day(self) -> NaiveDate {
        self.0
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::assert_refused;

    #[test]
    fn dates_are_strict() {
        assert!(parse_date("2025-06-25", "d").is_ok());
        for bad in ["2025-6-25", "25-06-2025", "2025-02-30", "20250-01-01", "x"] {
            assert_eq!(
                parse_date(bad, "d").unwrap_err().reason,
                "INVALID_DATE",
                "{bad}"
            );
        }
        assert_eq!(Month::parse("2025-06", "m").unwrap().to_string(), "2025-06");
        assert_eq!(
            Month::parse("2025-13", "m").unwrap_err().reason,
            "INVALID_MONTH"
        );
    }

    #[test]
    fn years_outside_the_range_are_refused() {
        for bad in ["0000-01-01", "9999-12-31", "1944-12-31", "2201-01-01"] {
            assert_eq!(
                parse_date(bad, "d").unwrap_err().reason,
                "DATE_OUT_OF_RANGE",
                "{bad}"
            );
        }
        assert!(parse_date("1945-01-01", "d").is_ok());
        assert!(parse_date("2200-12-31", "d").is_ok());
        assert_eq!(
            Month::parse("9999-01", "m").unwrap_err().reason,
            "DATE_OUT_OF_RANGE"
        );
    }

    #[test]
    fn an_end_before_its_start_is_refused() {
        let d = |s| parse_date(s, "d").unwrap();
        assert!(check_order(d("2025-01-01"), d("2025-01-01"), "end").is_ok());
        assert_refused(
            check_order(d("2025-01-02"), d("2025-01-01"), "end"),
            "end",
            "END_BEFORE_START",
        );
    }
}
