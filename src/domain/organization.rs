//! Organizations: donors, Member States and partners.

use super::{FieldViolation, Parsed, geo::Country, text::Id};

/// What kind of organization (IATI OrganisationType).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrganizationKind {
    Government,
    OtherPublicSector,
    InternationalNgo,
    NationalNgo,
    Multilateral,
    Foundation,
    PrivateSector,
    Academic,
    Other,
}

impl OrganizationKind {
    pub const ALL: [OrganizationKind; 9] = [
        Self::Government,
        Self::OtherPublicSector,
        Self::InternationalNgo,
        Self::NationalNgo,
        Self::Multilateral,
        Self::Foundation,
        Self::PrivateSector,
        Self::Academic,
        Self::Other,
    ];

    /// The stored spelling.
    pub fn db_name(self) -> &'static str {
        match self {
            Self::Government => "government",
            Self::OtherPublicSector => "other_public_sector",
            Self::InternationalNgo => "international_ngo",
            Self::NationalNgo => "national_ngo",
            Self::Multilateral => "multilateral",
            Self::Foundation => "foundation",
            Self::PrivateSector => "private_sector",
            Self::Academic => "academic",
            Self::Other => "other",
        }
    }

    pub fn from_db(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.db_name() == name)
    }

    /// IATI OrganisationType code.
    pub fn iati_code(self) -> &'static str {
        match self {
            Self::Government => "10",
            Self::OtherPublicSector => "15",
            Self::InternationalNgo => "21",
            Self::NationalNgo => "22",
            Self::Multilateral => "40",
            Self::Foundation => "60",
            Self::PrivateSector => "70",
            Self::Academic => "80",
            Self::Other => "90",
        }
    }
}

/// An organization as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: Id,
    pub display_name: String,
    pub kind: OrganizationKind,
    pub member_state: bool,
    pub country: Option<Country>,
    pub iati_ref: Option<String>,
}

impl Organization {
    /// Checks the rules that tie fields together. `path` is the request field holding it.
    pub fn check(self, path: &str) -> Parsed<Self> {
        if self.member_state
            && (self.kind != OrganizationKind::Government || self.country.is_none())
        {
            return Err(FieldViolation::new(
                super::field(path, "member_state"),
                "MEMBER_STATE_NOT_A_COUNTRY",
                "a Member State is a government with a country code",
            ));
        }
        Ok(self)
    }

    pub fn name(&self) -> String {
        format!("organizations/{}", self.id)
    }
}
