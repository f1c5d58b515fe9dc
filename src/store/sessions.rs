//! Sessions and their versions.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, Postgres, QueryBuilder};

use super::{
    Statement, Versioned, already_exists,
    history::{self, Kept, Listed, Revision, Stamp},
};
use crate::{
    domain::session::{Body, Session, SessionKey, SessionState},
    error::{Error, Result},
};

/// One row of [`Kept::SELECT`].
#[derive(sqlx::FromRow)]
pub struct Row {
    id: String,
    body: String,
    number: i32,
    #[sqlx(flatten)]
    stamp: Stamp,
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
        Ok(r.stamp.version(value))
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

    /// With the body and number the id is made of.
    async fn insert_identity(&self, conn: &mut PgConnection, now: DateTime<Utc>) -> Result<()> {
        let key = self.key;
        sqlx::query!(
            "INSERT INTO sessions (id, body, number, created_at) VALUES ($1, $2, $3, $4)",
            key.id(),
            key.body.db_name(),
            key.number as i32,
            now,
        )
        .execute(conn)
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
        Ok(())
    }

    async fn insert_version(&self, conn: &mut PgConnection, at: Revision<'_>) -> Result<()> {
        sqlx::query!(
            "INSERT INTO session_versions (session_id, revision, valid_from, start_date, end_date,
                 reporting_period_start, reporting_period_end, status_date, state)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            self.key.id(),
            at.number,
            at.valid_from,
            self.start_date,
            self.end_date,
            self.reporting_period_start,
            self.reporting_period_end,
            self.status_date,
            self.state.db_name(),
        )
        .write(conn)
        .await
    }
}

impl history::Key for SessionKey {
    fn push_values(&self, qb: &mut QueryBuilder<'_, Postgres>) {
        qb.push_bind(self.id());
    }
}

/// Where a page of sessions ends: the start date and id of its last session.
pub type Cursor = (NaiveDate, String);

impl Listed for Session {
    type Cursor = Cursor;
    const ORDER: &'static [&'static str] = &["v.start_date", "s.id"];

    fn cursor(v: &Versioned<Session>) -> Cursor {
        (v.value.start_date, v.value.key.id())
    }

    fn filter_column(field: &str) -> Option<(&'static str, &'static str)> {
        Some(match field {
            "body" => ("s.body", ""),
            "start_date" => ("v.start_date", ""),
            _ => return None,
        })
    }
}
