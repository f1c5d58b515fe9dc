//! ISO 3166-1 countries, from a maintained crate rather than a list typed by hand.

use std::fmt;

use super::{FieldViolation, Parsed, not_empty};

/// An ISO 3166-1 alpha-2 country code, upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Country(&'static str);

impl Country {
    pub fn parse(code: &str, field: &str) -> Parsed<Country> {
        not_empty(code, field, "a country code is required")?;
        rust_iso3166::from_alpha2(code)
            .map(|c| Country(c.alpha2))
            .ok_or_else(|| {
                FieldViolation::new(
                    field,
                    "UNKNOWN_COUNTRY",
                    format!("{code} is not an ISO 3166-1 alpha-2 country code (upper case, like \"BE\")", code = super::text::quote(code)),
                )
            })
    }

    pub fn parse_optional(code: &str, field: &str) -> Parsed<Option<Country>> {
        if code.is_empty() {
            Ok(None)
        } else {
            Country::parse(code, field).map(Some)
        }
    }

    pub fn code(self) -> &'static str {
        self.0
    }

    /// English short name, for example "Belgium".
    pub fn display_name(self) -> &'static str {
        rust_iso3166::from_alpha2(self.0).map_or(self.0, |c| c.name)
    }

    /// Every country, for the reference table.
    pub fn all() -> impl Iterator<Item = Country> {
        rust_iso3166::ALL.iter().map(|c| Country(c.alpha2))
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_come_from_iso_3166() {
        assert_eq!(Country::parse("BE", "c").unwrap().display_name(), "Belgium");
        assert_eq!(
            Country::parse("be", "c").unwrap_err().reason,
            "UNKNOWN_COUNTRY"
        );
        assert_eq!(
            Country::parse("XX", "c").unwrap_err().reason,
            "UNKNOWN_COUNTRY"
        );
        assert!(Country::all().count() > 240);
    }
}
