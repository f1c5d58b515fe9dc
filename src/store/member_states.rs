//! Member States' standings and their versions. One version holds the whole standing as a JSON
//! document (decimals as strings), so a report reads a Member State's scale, Council acts and
//! payment plans as they were known at its instant in one row.

use sqlx::{PgConnection, types::Json};

use super::{
    AsOf, Statement, Versioned,
    history::{self, Kept, Listed, Revision, Stamp},
};
use crate::{
    domain::{
        filter::Filter,
        member_state::{MemberState, Standing},
        text::Id,
    },
    error::{Error, Result},
};

/// One row of [`Kept::SELECT`].
#[derive(sqlx::FromRow)]
pub struct Row {
    organization_id: String,
    #[sqlx(flatten)]
    stamp: Stamp,
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
        Ok(r.stamp.version(MemberState {
            id,
            standing: r.standing.0,
        }))
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

    async fn insert_version(&self, conn: &mut PgConnection, at: Revision<'_>) -> Result<()> {
        sqlx::query!(
            "INSERT INTO member_state_versions (organization_id, revision, valid_from, standing)
             VALUES ($1, $2, $3, $4)",
            self.id.as_str(),
            at.number,
            at.valid_from,
            Json(&self.standing) as _,
        )
        .write(conn)
        .await
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

impl Listed for MemberState {
    type Cursor = String;
    const ORDER: &'static [&'static str] = &["m.organization_id"];

    fn cursor(v: &Versioned<MemberState>) -> String {
        v.value.id.to_string()
    }
}

/// Every standing as of an instant, in the list order (a report reads them all: there are a few
/// hundred Member States at most), on a given connection (a report's snapshot transaction).
pub async fn list_on(
    conn: &mut PgConnection,
    as_of: AsOf,
    after: Option<&str>,
    limit: Option<i64>,
) -> Result<Vec<Versioned<MemberState>>> {
    let after = after.map(str::to_owned);
    history::list(conn, None, &Filter::default(), as_of, after.as_ref(), limit).await
}
