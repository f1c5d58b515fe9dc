//! Organizations and their versions.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};

use super::{AsOf, Versioned, already_exists, write::Write};
use crate::{
    domain::{
        filter::Filter,
        geo::Country,
        organization::{Organization, OrganizationKind},
        text::Id,
    },
    error::{Error, Result},
};

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    revision: i32,
    created_at: DateTime<Utc>,
    valid_from: DateTime<Utc>,
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
        Ok(Versioned {
            revision: r.revision,
            created_at: r.created_at,
            updated_at: r.valid_from,
            value,
        })
    }
}

const SELECT: &str = "SELECT o.id, v.revision, o.created_at, v.valid_from, v.display_name, v.kind,
        v.member_state, v.country_code, v.iati_ref
   FROM organizations o JOIN organization_versions v ON v.organization_id = o.id";

/// Records a new organization (revision 1).
pub async fn create(w: &mut Write, org: &Organization) -> Result<Versioned<Organization>> {
    let now = w.now();
    sqlx::query("INSERT INTO organizations (id, created_at) VALUES ($1, $2)")
        .bind(org.id.as_str())
        .bind(now)
        .execute(w.conn())
        .await
        .map_err(|e| already_exists(e, "organizations_pkey", &org.name()))?;
    insert_version(w.conn(), org, 1, now).await?;
    Ok(Versioned {
        revision: 1,
        created_at: now,
        updated_at: now,
        value: org.clone(),
    })
}

async fn insert_version(
    conn: &mut PgConnection,
    org: &Organization,
    revision: i32,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO organization_versions (organization_id, revision, valid_from, display_name,
             kind, member_state, country_code, iati_ref)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(org.id.as_str())
    .bind(revision)
    .bind(now)
    .bind(&org.display_name)
    .bind(org.kind.db_name())
    .bind(org.member_state)
    .bind(org.country.map(Country::code))
    .bind(org.iati_ref.as_deref())
    .execute(conn)
    .await
    .map_err(super::map_db_error)?;
    Ok(())
}

/// Reads one organization as of an instant.
pub async fn get(
    conn: &mut PgConnection,
    id: &Id,
    as_of: AsOf,
) -> Result<Option<Versioned<Organization>>> {
    let mut qb = QueryBuilder::<Postgres>::new(SELECT);
    qb.push(" WHERE o.id = ")
        .push_bind(id.as_str())
        .push(" AND ");
    as_of.push_predicate(&mut qb, "v");
    qb.build_query_as::<Row>()
        .fetch_optional(conn)
        .await?
        .map(TryInto::try_into)
        .transpose()
}

/// Organizations after `after` (by id) matching the filter, as of an instant.
pub async fn list(
    pool: &PgPool,
    filter: &Filter,
    as_of: AsOf,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<Versioned<Organization>>> {
    let mut qb = QueryBuilder::<Postgres>::new(SELECT);
    qb.push(" WHERE ");
    as_of.push_predicate(&mut qb, "v");
    if let Some(after) = after {
        qb.push(" AND o.id > ").push_bind(after.to_owned());
    }
    for group in filter.groups() {
        let column = match group.field {
            "member_state" => "v.member_state",
            "kind" => "v.kind",
            "country_code" => "v.country_code",
            other => return Err(super::undeclared_filter(other)),
        };
        super::push_group(&mut qb, column, &group, "", false)?;
    }
    qb.push(" ORDER BY o.id LIMIT ").push_bind(limit);
    qb.build_query_as::<Row>()
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
}

/// Replaces an organization's fields with a new revision. `check` sees the current version
/// first (for the etag). Returns the version before and after; when nothing changed, both are
/// the current version and nothing is written.
pub async fn update(
    w: &mut Write,
    org: &Organization,
    check: impl FnOnce(&Versioned<Organization>) -> Result<()>,
) -> Result<(Versioned<Organization>, Versioned<Organization>)> {
    let current = lock_current(w, &org.id).await?;
    check(&current)?;
    if current.value == *org {
        return Ok((current.clone(), current));
    }
    let now = w.now();
    super::close_version(
        w.conn(),
        "organization_versions",
        "organization_id",
        org.id.as_str(),
        now,
    )
    .await?;
    let revision = current.revision + 1;
    insert_version(w.conn(), org, revision, now).await?;
    let after = Versioned {
        revision,
        created_at: current.created_at,
        updated_at: now,
        value: org.clone(),
    };
    Ok((current, after))
}

/// Waits for this organization's other writers, then reads its current version.
async fn lock_current(w: &mut Write, id: &Id) -> Result<Versioned<Organization>> {
    let lock = sqlx::query_scalar("SELECT 1 FROM organizations WHERE id = $1 FOR UPDATE")
        .bind(id.as_str());
    super::take_turn(w, lock, &format!("organizations/{id}")).await?;
    let mut qb = QueryBuilder::<Postgres>::new(SELECT);
    qb.push(" WHERE o.id = ")
        .push_bind(id.as_str())
        .push(" AND v.valid_to IS NULL");
    qb.build_query_as::<Row>()
        .fetch_optional(w.conn())
        .await?
        .ok_or_else(|| Error::not_found(format!("organizations/{id}")))?
        .try_into()
}
