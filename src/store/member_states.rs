//! Member States' standings and their versions. One version holds the whole standing as a JSON
//! document (decimals as strings), so a report reads a Member State's scale, Council acts and
//! payment plans as they were known at its instant in one row.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder, types::Json};

use super::{
    AsOf, Versioned, already_exists,
    history::{self, Kept},
    write::Write,
};
use crate::{
    domain::{
        member_state::{MemberState, Standing},
        text::Id,
    },
    error::{Error, Result},
};

/// One row of [`Kept::SELECT`].
#[derive(sqlx::FromRow)]
pub struct Row {
    organization_id: String,
    revision: i32,
    created_at: DateTime<Utc>,
    valid_from: DateTime<Utc>,
    standing: Json<Standing>,
}

impl TryFrom<Row> for Versioned<MemberState> {
    type Error = Error;

    fn try_from(r: Row) -> Result<Self> {
        let id = Id::parse(&r.organization_id, "").map_err(|_| {
            Error::Internal(anyhow::anyhow!(
                "member state {}: bad id",
                r.organization_id
            ))
        })?;
        Ok(Versioned {
            revision: r.revision,
            created_at: r.created_at,
            updated_at: r.valid_from,
            value: MemberState {
                id,
                standing: r.standing.0,
            },
        })
    }
}

impl Kept for MemberState {
    type Key = Id;
    type Row = Row;
    const SELECT: &'static str =
        "SELECT m.organization_id, v.revision, m.created_at, v.valid_from, v.standing
       FROM member_states m JOIN member_state_versions v ON v.organization_id = m.organization_id";
    const IDENTITY: &'static str = "member_states";
    const ALIAS: &'static str = "m";
    const KEY: &'static [&'static str] = &["organization_id"];
    const VERSIONS: &'static str = "member_state_versions";
    const VERSION_KEY: &'static [&'static str] = &["organization_id"];

    fn key(&self) -> Id {
        self.id.clone()
    }

    fn name_of(key: &Id) -> String {
        MemberState::name_of(key)
    }

    async fn insert_version(
        &self,
        conn: &mut PgConnection,
        revision: i32,
        _reason: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query!(
            "INSERT INTO member_state_versions (organization_id, revision, valid_from, standing)
             VALUES ($1, $2, $3, $4)",
            self.id.as_str(),
            revision,
            now,
            Json(&self.standing) as _,
        )
        .execute(conn)
        .await
        .map_err(super::map_db_error)?;
        Ok(())
    }
}

/// Whether the organization is, now, a Member State (`None` when it does not exist).
pub async fn is_member_state(conn: &mut PgConnection, id: &Id) -> Result<Option<bool>> {
    Ok(sqlx::query_scalar!(
        "SELECT member_state FROM organization_versions
          WHERE organization_id = $1 AND valid_to IS NULL",
        id.as_str(),
    )
    .fetch_optional(conn)
    .await?)
}

/// Records a Member State's standing (revision 1).
pub async fn create(w: &mut Write, m: &MemberState) -> Result<Versioned<MemberState>> {
    let now = w.now();
    sqlx::query!(
        "INSERT INTO member_states (organization_id, created_at) VALUES ($1, $2)",
        m.id.as_str(),
        now,
    )
    .execute(w.conn())
    .await
    .map_err(|e| already_exists(e, "member_states_pkey", &m.name()))?;
    m.insert_version(w.conn(), 1, "", now).await?;
    Ok(history::first(m, now))
}

/// Standings after `after` (by organization id), as of an instant; every one when `limit` is
/// `None` (a report reads them all: there are a few hundred Member States at most).
pub async fn list(
    pool: &PgPool,
    as_of: AsOf,
    after: Option<&str>,
    limit: Option<i64>,
) -> Result<Vec<Versioned<MemberState>>> {
    let mut conn = pool.acquire().await?;
    list_on(&mut conn, as_of, after, limit).await
}

/// [`list`] on a given connection (a report's snapshot transaction).
pub async fn list_on(
    conn: &mut PgConnection,
    as_of: AsOf,
    after: Option<&str>,
    limit: Option<i64>,
) -> Result<Vec<Versioned<MemberState>>> {
    let mut qb = QueryBuilder::<Postgres>::new(MemberState::SELECT);
    qb.push(" WHERE ");
    as_of.push_predicate(&mut qb, "v");
    if let Some(after) = after {
        qb.push(" AND m.organization_id > ")
            .push_bind(after.to_owned());
    }
    qb.push(" ORDER BY m.organization_id");
    if let Some(limit) = limit {
        qb.push(" LIMIT ").push_bind(limit);
    }
    history::fetch_all(qb, conn).await
}
