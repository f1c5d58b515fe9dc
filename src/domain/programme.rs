//! Programmes: the activities that contributions fund and that report results.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::{FieldViolation, Parsed, dates, field, geo::Country, text::Id};

/// The role a partner plays (IATI OrganisationRole).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PartnerRole {
    Funding,
    Accountable,
    Extending,
    Implementing,
}

impl PartnerRole {
    pub const ALL: [PartnerRole; 4] = [
        Self::Funding,
        Self::Accountable,
        Self::Extending,
        Self::Implementing,
    ];

    /// The stored spelling.
    pub fn db_name(self) -> &'static str {
        match self {
            Self::Funding => "funding",
            Self::Accountable => "accountable",
            Self::Extending => "extending",
            Self::Implementing => "implementing",
        }
    }

    pub fn from_db(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.db_name() == name)
    }
}

/// An organization taking part in a programme, in one role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    pub organization: Id,
    pub role: PartnerRole,
}

/// An objective of the IOM Strategic Results Framework.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SrfObjective {
    /// 1: saving lives and protecting people on the move.
    SavingLives,
    /// 2: driving solutions to displacement.
    SolutionsToDisplacement,
    /// 3: facilitating pathways for regular migration.
    RegularPathways,
}

impl SrfObjective {
    pub const ALL: [SrfObjective; 3] = [
        Self::SavingLives,
        Self::SolutionsToDisplacement,
        Self::RegularPathways,
    ];

    /// The objective's number, as stored.
    pub fn number(self) -> i16 {
        match self {
            Self::SavingLives => 1,
            Self::SolutionsToDisplacement => 2,
            Self::RegularPathways => 3,
        }
    }

    pub fn from_number(n: i16) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.number() == n)
    }
}

/// A programme or project as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Programme {
    pub id: Id,
    /// The code printed in reports, for example "O-REMIT".
    pub code: String,
    pub title: String,
    /// May be empty.
    pub description: String,
    /// Sorted and without duplicates, so that equal programmes compare equal.
    pub countries: Vec<Country>,
    /// May be empty.
    pub thematic_area: String,
    pub srf_objective: Option<SrfObjective>,
    /// In the order the caller gave them.
    pub partners: Vec<Partner>,
    pub parent: Option<Id>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
}

/// The most partners one programme lists: enough for any consortium, and a bound on the rows
/// one request can write.
pub const MAX_PARTNERS: usize = 100;

impl Programme {
    /// Checks the rules that tie fields together. `path` is the request field holding it.
    pub fn check(self, path: &str) -> Parsed<Self> {
        if self.partners.len() > MAX_PARTNERS {
            return Err(FieldViolation::new(
                field(path, "partners"),
                "TOO_LONG",
                format!(
                    "lists {} partners; at most {MAX_PARTNERS} are allowed",
                    self.partners.len()
                ),
            ));
        }
        if self.parent.as_ref() == Some(&self.id) {
            return Err(FieldViolation::new(
                field(path, "parent"),
                "PARENT_CYCLE",
                format!("{} cannot be its own parent", self.name()),
            ));
        }
        if let (Some(start), Some(end)) = (self.start_date, self.end_date) {
            dates::check_order(start, end, &field(path, "end_date"))?;
        }
        let mut seen = BTreeSet::new();
        for (i, p) in self.partners.iter().enumerate() {
            if !seen.insert((&p.organization, p.role)) {
                return Err(FieldViolation::new(
                    format!("{path}.partners[{i}]"),
                    "DUPLICATE_PARTNER",
                    format!(
                        "organizations/{} is already a {} partner",
                        p.organization,
                        p.role.db_name()
                    ),
                ));
            }
        }
        Ok(self)
    }

    pub fn name(&self) -> String {
        format!("programmes/{}", self.id)
    }
}

/// Parses the country codes at `{path}.country_codes`: each must be ISO 3166-1 alpha-2 and
/// appear once. Returns them sorted, the order they are stored and shown in.
pub fn parse_countries(codes: &[String], path: &str) -> Parsed<Vec<Country>> {
    let mut countries = BTreeSet::new();
    for (i, code) in codes.iter().enumerate() {
        let at = format!("{path}.country_codes[{i}]");
        let country = Country::parse(code, &at)?;
        if !countries.insert(country) {
            return Err(FieldViolation::new(
                at,
                "DUPLICATE_COUNTRY",
                format!("{country} is listed more than once"),
            ));
        }
    }
    Ok(countries.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::assert_refused;

    fn programme() -> Programme {
        Programme {
            id: Id::parse("o-remit", "id").unwrap(),
            code: "O-REMIT".into(),
            title: "Affordable remittances and diaspora investment".into(),
            description: String::new(),
            countries: vec![],
            thematic_area: String::new(),
            srf_objective: None,
            partners: vec![],
            parent: None,
            start_date: None,
            end_date: None,
        }
    }

    #[test]
    fn countries_are_known_unique_and_sorted() {
        let codes = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let parsed = parse_countries(&codes(&["SN", "BE", "ML"]), "p").unwrap();
        let parsed: Vec<_> = parsed.into_iter().map(Country::code).collect();
        assert_eq!(parsed, ["BE", "ML", "SN"]);
        assert_refused(
            parse_countries(&codes(&["BE", "LU", "XX"]), "p"),
            "p.country_codes[2]",
            "UNKNOWN_COUNTRY",
        );
        assert_refused(
            parse_countries(&codes(&["BE", "LU", "BE"]), "p"),
            "p.country_codes[2]",
            "DUPLICATE_COUNTRY",
        );
    }

    #[test]
    fn a_programme_is_not_its_own_parent() {
        let p = Programme {
            parent: Some(Id::parse("o-remit", "id").unwrap()),
            ..programme()
        };
        assert_refused(p.check("p"), "p.parent", "PARENT_CYCLE");
    }

    #[test]
    fn a_partner_appears_once_per_role() {
        let partner = |org: &str, role| Partner {
            organization: Id::parse(org, "o").unwrap(),
            role,
        };
        let ok = Programme {
            partners: vec![
                partner("belgium", PartnerRole::Funding),
                partner("belgium", PartnerRole::Accountable),
            ],
            ..programme()
        };
        assert!(ok.clone().check("p").is_ok());
        let twice = Programme {
            partners: vec![
                partner("belgium", PartnerRole::Funding),
                partner("fedasil", PartnerRole::Implementing),
                partner("belgium", PartnerRole::Funding),
            ],
            ..ok
        };
        assert_refused(twice.check("p"), "p.partners[2]", "DUPLICATE_PARTNER");
    }

    #[test]
    fn a_programme_ends_after_it_starts() {
        let d = |s| dates::parse_date(s, "d").unwrap();
        let p = Programme {
            start_date: Some(d("2025-01-01")),
            end_date: Some(d("2024-12-31")),
            ..programme()
        };
        assert_refused(p.check("p"), "p.end_date", "END_BEFORE_START");
    }
}
