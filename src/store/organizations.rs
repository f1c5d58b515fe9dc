//! Organizations and their versions.

use sqlx::PgConnection;

use super::{
    Statement, Versioned,
    history::{self, Kept, Listed, Revision, Stamp},
    write::Write,
};
use crate::{
    domain::{
        geo::Country,
        organization::{Organization, OrganizationKind},
        text::Id,
    },
    error::{Error, Result},
};

/// One row of [`Kept::SELECT`].
#[derive(sqlx::FromRow)]
pub struct Row {
    id: String,
    #[sqlx(flatten)]
    stamp: Stamp,
    display_name: String,
    kind: String,
    member_state: bool,
    country_code: Option<String>,
    iati_ref: Option<String>,
}

impl TryFrom<Row> for Versioned<Organization> {
    type Error = Error;

    fn try_from(r: Row) -> Result<Self> {
        let corrupt =
            |what: &str| Error::Internal(anyhow::anyhow!("organization {}: bad {what}", r.id));
        let value = Organization {
            id: Id::parse(&r.id, "id").map_err(|_| corrupt("id"))?,
            display_name: r.display_name.clone(),
            kind: OrganizationKind::from_db(&r.kind).ok_or_else(|| corrupt("kind"))?,
            member_state: r.member_state,
            country: r
                .country_code
                .as_deref()
                .map(|c| Country::parse(c, "country_code").map_err(|_| corrupt("country")))
                .transpose()?,
            iati_ref: r.iati_ref.clone(),
        };
        Ok(r.stamp.version(value))
    }
}

impl Kept for Organization {
    type Row = Row;
    const SELECT: &'static str = "SELECT o.id, v.revision, o.created_at, v.valid_from,
            v.display_name, v.kind, v.member_state, v.country_code, v.iati_ref
       FROM organizations o JOIN organization_versions v ON v.organization_id = o.id";
    history::kept_by_id!("organizations" as "o", "organization_versions" by "organization_id");

    async fn insert_version(&self, conn: &mut PgConnection, at: Revision<'_>) -> Result<()> {
        sqlx::query!(
            "INSERT INTO organization_versions (organization_id, revision, valid_from,
                 display_name, kind, member_state, country_code, iati_ref)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            self.id.as_str(),
            at.number,
            at.valid_from,
            &self.display_name,
            self.kind.db_name(),
            self.member_state,
            self.country.map(Country::code),
            self.iati_ref.as_deref(),
        )
        .write(conn)
        .await
    }
}

impl Listed for Organization {
    type Cursor = String;
    const ORDER: &'static [&'static str] = &["o.id"];

    fn cursor(v: &Versioned<Organization>) -> String {
        v.value.id.to_string()
    }

    fn filter_column(field: &str) -> Option<(&'static str, &'static str)> {
        Some(match field {
            "member_state" => ("v.member_state", ""),
            "kind" => ("v.kind", ""),
            "country_code" => ("v.country_code", ""),
            _ => return None,
        })
    }
}

/// Records a new organization (revision 1).
pub async fn create(w: &mut Write, org: &Organization) -> Result<Versioned<Organization>> {
    history::create(w, org).await
}
