//! Sessions and their versions.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};

use super::{
    AsOf, Versioned, already_exists,
    history::{self, Kept},
    write::Write,
};
use crate::{
    domain::{
        filter::Filter,
        session::{Body, Session, SessionKey, SessionState},
    },
    error::{Error, Result},
};

/// One row of [`Kept::SELECT`].
#[derive(sqlx::FromRow)]
pub struct Row {
    id: String,
    body: String,
    number: i32,
    revision: i32,
    created_at: DateTime<Utc>,
    valid_from: DateTime<Utc>,
    start_date: NaiveDate,
    end_date: NaiveDate,
    reporting_period_start: NaiveDate,
    reporting_period_end: NaiveDate,
    status_date: Option<NaiveDate>,
    state: String,
}

impl TryFrom<Row> for Versioned<Session> {
    type Error = Error;

    fn try_from(r: Row) -> Result<Self> {
        let corrupt = |what: &str| Error::Internal(anyhow::anyhow!("session {}: bad {what}", r.id));
        let body = Body::from_db(&r.body).ok_or_else(|| corrupt("body"))?;
        let value = Session {
            key: SessionKey::new(body, r.number.into(), "number").map_err(|_| corrupt("number"))?,
            start_date: r.start_date,
            end_date: r.end_date,
            reporting_period_start: r.reporting_period_start,
            reporting_period_end: r.reporting_period_end,
            status_date: r.status_date,
            state: SessionState::from_db(&r.state).ok_or_else(|| corrupt("state"))?,
        };
        Ok(Versioned {
            revision: r.revision,
            created_at: r.created_at,
            updated_at: r.valid_from,
            value,
        })
    }
}

impl Kept for Session {
    type Key = SessionKey;
    type Row = Row;
    const SELECT: &'static str =
        "SELECT s.id, s.body, s.number, v.revision, s.created_at, v.valid_from,
            v.start_date, v.end_date, v.reporting_period_start, v.reporting_period_end,
            v.status_date, v.state
       FROM sessions s JOIN session_versions v ON v.session_id = s.id";
    const IDENTITY: &'static str = "sessions";
    const ALIAS: &'static str = "s";
    const KEY: &'static [&'static str] = &["id"];
    const VERSIONS: &'static str = "session_versions";
    const VERSION_KEY: &'static [&'static str] = &["session_id"];

    fn key(&self) -> SessionKey {
        self.key
    }

    fn name_of(key: &SessionKey) -> String {
        key.name()
    }

    async fn insert_version(
        &self,
        conn: &mut PgConnection,
        revision: i32,
        _reason: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query!(
            "INSERT INTO session_versions (session_id, revision, valid_from, start_date, end_date,
                 reporting_period_start, reporting_period_end, status_date, state)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            self.key.id(),
            revision,
            now,
            self.start_date,
            self.end_date,
            self.reporting_period_start,
            self.reporting_period_end,
            self.status_date,
            self.state.db_name(),
        )
        .execute(conn)
        .await
        .map_err(super::map_db_error)?;
        Ok(())
    }
}

impl history::Key for SessionKey {
    fn push_values(&self, qb: &mut QueryBuilder<'_, Postgres>) {
        qb.push_bind(self.id());
    }
}

/// Records a new session (revision 1).
pub async fn create(w: &mut Write, session: &Session) -> Result<Versioned<Session>> {
    let now = w.now();
    let key = session.key;
    sqlx::query!(
        "INSERT INTO sessions (id, body, number, created_at) VALUES ($1, $2, $3, $4)",
        key.id(),
        key.body.db_name(),
        key.number as i32,
        now,
    )
    .execute(w.conn())
    .await
    .map_err(|e| {
        // The id is derived from body and number, so either key can be the one that fires.
        let on_body_number =
            e.as_database_error().and_then(|d| d.constraint()) == Some("sessions_body_number_key");
        let constraint = if on_body_number {
            "sessions_body_number_key"
        } else {
            "sessions_pkey"
        };
        already_exists(e, constraint, &key.name())
    })?;
    session.insert_version(w.conn(), 1, "", now).await?;
    Ok(history::first(session, now))
}

/// Where a page of sessions ends: the start date and id of its last session.
pub type Cursor = (NaiveDate, String);

/// The position of a session in the list order.
pub fn cursor(v: &Versioned<Session>) -> Cursor {
    (v.value.start_date, v.value.key.id())
}

/// Sessions after `after` (by start date, then id) matching the filter, as of an instant.
pub async fn list(
    pool: &PgPool,
    filter: &Filter,
    as_of: AsOf,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<Vec<Versioned<Session>>> {
    let mut qb = QueryBuilder::<Postgres>::new(Session::SELECT);
    qb.push(" WHERE ");
    as_of.push_predicate(&mut qb, "v");
    if let Some((start, id)) = after {
        qb.push(" AND (v.start_date, s.id) > (")
            .push_bind(*start)
            .push(", ")
            .push_bind(id.clone())
            .push(")");
    }
    for group in filter.groups() {
        let column = match group.field {
            "body" => "s.body",
            "start_date" => "v.start_date",
            other => return Err(super::undeclared_filter(other)),
        };
        super::push_group(&mut qb, column, &group, "", false)?;
    }
    qb.push(" ORDER BY v.start_date, s.id LIMIT ")
        .push_bind(limit);
    history::fetch_all(qb, &mut *pool.acquire().await?).await
}
