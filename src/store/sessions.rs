//! Sessions and their versions.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};

use super::{AsOf, Versioned, already_exists, write::Write};
use crate::{
    domain::{
        filter::Filter,
        session::{Body, Session, SessionKey, SessionState},
    },
    error::{Error, Result},
};

#[derive(sqlx::FromRow)]
struct Row {
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

const SELECT: &str = "SELECT s.id, s.body, s.number, v.revision, s.created_at, v.valid_from,
        v.start_date, v.end_date, v.reporting_period_start, v.reporting_period_end,
        v.status_date, v.state
   FROM sessions s JOIN session_versions v ON v.session_id = s.id";

/// Records a new session (revision 1).
pub async fn create(w: &mut Write, session: &Session) -> Result<Versioned<Session>> {
    let now = w.now();
    let key = session.key;
    sqlx::query("INSERT INTO sessions (id, body, number, created_at) VALUES ($1, $2, $3, $4)")
        .bind(key.id())
        .bind(key.body.db_name())
        .bind(key.number as i32)
        .bind(now)
        .execute(w.conn())
        .await
        .map_err(|e| {
            // The id is derived from body and number, so either key can be the one that fires.
            let on_body_number = e.as_database_error().and_then(|d| d.constraint())
                == Some("sessions_body_number_key");
            let constraint = if on_body_number {
                "sessions_body_number_key"
            } else {
                "sessions_pkey"
            };
            already_exists(e, constraint, &key.name())
        })?;
    insert_version(w.conn(), session, 1, now).await?;
    Ok(Versioned {
        revision: 1,
        created_at: now,
        updated_at: now,
        value: session.clone(),
    })
}

async fn insert_version(
    conn: &mut PgConnection,
    session: &Session,
    revision: i32,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO session_versions (session_id, revision, valid_from, start_date, end_date,
             reporting_period_start, reporting_period_end, status_date, state)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(session.key.id())
    .bind(revision)
    .bind(now)
    .bind(session.start_date)
    .bind(session.end_date)
    .bind(session.reporting_period_start)
    .bind(session.reporting_period_end)
    .bind(session.status_date)
    .bind(session.state.db_name())
    .execute(conn)
    .await
    .map_err(super::map_db_error)?;
    Ok(())
}

/// Reads one session as of an instant.
pub async fn get(
    conn: &mut PgConnection,
    key: SessionKey,
    as_of: AsOf,
) -> Result<Option<Versioned<Session>>> {
    let mut qb = QueryBuilder::<Postgres>::new(SELECT);
    qb.push(" WHERE s.id = ").push_bind(key.id()).push(" AND ");
    as_of.push_predicate(&mut qb, "v");
    qb.build_query_as::<Row>()
        .fetch_optional(conn)
        .await?
        .map(TryInto::try_into)
        .transpose()
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
    let mut qb = QueryBuilder::<Postgres>::new(SELECT);
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
    qb.build_query_as::<Row>()
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
}

/// Replaces a session's dates and state with a new revision. `check` sees the current version
/// first (for the etag). Returns the version before and after; when nothing changed, both are
/// the current version and nothing is written.
pub async fn update(
    w: &mut Write,
    session: &Session,
    check: impl FnOnce(&Versioned<Session>) -> Result<()>,
) -> Result<(Versioned<Session>, Versioned<Session>)> {
    let current = lock_current(w, session.key).await?;
    check(&current)?;
    if current.value == *session {
        return Ok((current.clone(), current));
    }
    let now = w.now();
    let id = session.key.id();
    super::close_version(w.conn(), "session_versions", "session_id", &id, now).await?;
    let revision = current.revision + 1;
    insert_version(w.conn(), session, revision, now).await?;
    let after = Versioned {
        revision,
        created_at: current.created_at,
        updated_at: now,
        value: session.clone(),
    };
    Ok((current, after))
}

/// Waits for this session's other writers, then reads its current version.
async fn lock_current(w: &mut Write, key: SessionKey) -> Result<Versioned<Session>> {
    let lock = sqlx::query_scalar("SELECT 1 FROM sessions WHERE id = $1 FOR UPDATE").bind(key.id());
    super::take_turn(w, lock, &key.name()).await?;
    let mut qb = QueryBuilder::<Postgres>::new(SELECT);
    qb.push(" WHERE s.id = ")
        .push_bind(key.id())
        .push(" AND v.valid_to IS NULL");
    qb.build_query_as::<Row>()
        .fetch_optional(w.conn())
        .await?
        .ok_or_else(|| Error::not_found(key.name()))?
        .try_into()
}
