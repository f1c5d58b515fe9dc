//! Stored report revisions. The content is kept byte for byte as generated; the database checks
//! its hash and refuses any change but draft → final. Reads leave the content out unless asked:
//! it can be far larger than everything else.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};

use super::write::Write;
use crate::{
    domain::filter::Filter,
    error::{Error, Result},
};

/// One stored revision.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredReport {
    pub session_id: String,
    pub revision: i32,
    pub as_of: DateTime<Utc>,
    pub state: String,
    /// Canonical JSON of the content; empty when the read left it out.
    pub content: String,
    pub content_sha256: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub finalized_at: Option<DateTime<Utc>>,
    pub finalized_by: Option<String>,
    /// `None` for reports made before status dates were recorded.
    pub status_date: Option<NaiveDate>,
    /// Size of the content in the protobuf encoding; `None` when not recorded.
    pub content_bytes: Option<i64>,
}

impl StoredReport {
    pub fn is_final(&self) -> bool {
        self.state == "final"
    }

    /// The date the figures are stated at. A report made before status dates were recorded
    /// measured them at the date of its as-of instant (UTC).
    pub fn status_date(&self) -> NaiveDate {
        self.status_date.unwrap_or(self.as_of.date_naive())
    }
}

/// The columns of a report without its content.
macro_rules! metadata {
    () => {
        "session_id, revision, as_of, state, '' AS content, content_sha256, created_at,
         created_by, finalized_at, finalized_by, status_date, content_bytes"
    };
}

/// What a new revision stores.
pub struct NewReport<'a> {
    pub as_of: DateTime<Utc>,
    pub status_date: NaiveDate,
    pub content: &'a str,
    pub content_sha256: &'a str,
    pub content_bytes: usize,
}

/// The final report of the session of the same body just before `session` (the highest number
/// below), as it stood at `as_of`: a report finalized later does not count.
pub async fn previous_final(
    conn: &mut PgConnection,
    body: &str,
    number: i32,
    as_of: DateTime<Utc>,
) -> Result<Option<StoredReport>> {
    Ok(sqlx::query_as(
        "SELECT r.* FROM reports r
          WHERE r.session_id = (
                SELECT id FROM sessions
                 WHERE body = $1 AND number < $2 AND created_at <= $3
                 ORDER BY number DESC LIMIT 1)
            AND r.state = 'final' AND r.finalized_at <= $3",
    )
    .bind(body)
    .bind(number)
    .bind(as_of)
    .fetch_optional(conn)
    .await?)
}

/// Stores a new draft revision: the next number for the session. Answers it without its content.
pub async fn insert(w: &mut Write, session_id: &str, new: NewReport<'_>) -> Result<StoredReport> {
    // Lock the session's identity row: revisions of one session are numbered one at a time.
    let locked: Option<String> = sqlx::query_scalar!(
        "SELECT id FROM sessions WHERE id = $1 FOR UPDATE",
        session_id,
    )
    .fetch_optional(w.conn())
    .await?;
    if locked.is_none() {
        return Err(Error::not_found(format!("sessions/{session_id}")));
    }
    let now = w.now();
    let actor = w.actor().to_owned();
    let stored: StoredReport = sqlx::query_as(concat!(
        "INSERT INTO reports (session_id, revision, as_of, state, content, content_sha256,
                              created_at, created_by, status_date, content_bytes)
         SELECT $1, coalesce(max(revision), 0) + 1, $2, 'draft', $3, $4, $5, $6, $7, $8
           FROM reports WHERE session_id = $1
         RETURNING ",
        metadata!()
    ))
    .bind(session_id)
    .bind(new.as_of)
    .bind(new.content)
    .bind(new.content_sha256)
    .bind(now)
    .bind(actor)
    .bind(new.status_date)
    .bind(i64::try_from(new.content_bytes).unwrap_or(i64::MAX))
    .fetch_one(w.conn())
    .await
    .map_err(super::map_db_error)?;
    Ok(stored)
}

/// Reads one revision, with its content or without.
pub async fn get(
    conn: &mut PgConnection,
    session_id: &str,
    revision: i32,
    with_content: bool,
) -> Result<Option<StoredReport>> {
    let sql = if with_content {
        "SELECT * FROM reports WHERE session_id = $1 AND revision = $2"
    } else {
        concat!(
            "SELECT ",
            metadata!(),
            " FROM reports WHERE session_id = $1 AND revision = $2"
        )
    };
    Ok(sqlx::query_as(sql)
        .bind(session_id)
        .bind(revision)
        .fetch_optional(conn)
        .await?)
}

/// The content of one revision (its canonical JSON), if the revision exists.
pub async fn content(
    conn: &mut PgConnection,
    session_id: &str,
    revision: i32,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar!(
        "SELECT content FROM reports WHERE session_id = $1 AND revision = $2",
        session_id,
        revision,
    )
    .fetch_optional(conn)
    .await?)
}

/// Where a listing continues: after this session (by id) and revision (newest first).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Cursor {
    pub session_id: String,
    pub revision: i32,
}

/// Lists revisions ordered by session id, newest revision first, without their content.
pub async fn list(
    pool: &PgPool,
    session_id: Option<&str>,
    filter: &Filter,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<Vec<StoredReport>> {
    let mut qb =
        QueryBuilder::<Postgres>::new(concat!("SELECT ", metadata!(), " FROM reports WHERE true"));
    if let Some(session_id) = session_id {
        qb.push(" AND session_id = ")
            .push_bind(session_id.to_owned());
    }
    for group in filter.groups() {
        match group.field {
            "state" => super::push_group(&mut qb, "state", &group, "", false)?,
            other => return Err(super::undeclared_filter(other)),
        }
    }
    if let Some(after) = after {
        qb.push(" AND (session_id > ")
            .push_bind(after.session_id.clone())
            .push(" OR (session_id = ")
            .push_bind(after.session_id.clone())
            .push(" AND revision < ")
            .push_bind(after.revision)
            .push("))");
    }
    qb.push(" ORDER BY session_id, revision DESC LIMIT ")
        .push_bind(limit);
    Ok(qb.build_query_as().fetch_all(pool).await?)
}

/// Makes a draft final, after `check` has seen it (for the etag). A session has one final
/// report: finalizing a second is refused.
pub async fn finalize(
    w: &mut Write,
    session_id: &str,
    revision: i32,
    check: impl FnOnce(&StoredReport) -> Result<()>,
) -> Result<StoredReport> {
    let name = format!("sessions/{session_id}/reports/{revision}");
    let current: StoredReport = sqlx::query_as(concat!(
        "SELECT ",
        metadata!(),
        " FROM reports WHERE session_id = $1 AND revision = $2 FOR UPDATE"
    ))
    .bind(session_id)
    .bind(revision)
    .fetch_optional(w.conn())
    .await?
    .ok_or_else(|| Error::not_found(&name))?;
    check(&current)?;
    if current.is_final() {
        return Err(Error::FailedPrecondition {
            reason: "REPORT_ALREADY_FINAL",
            message: format!("{name} is already final"),
        });
    }
    let now = w.now();
    let actor = w.actor().to_owned();
    sqlx::query_as(concat!(
        "UPDATE reports SET state = 'final', finalized_at = $3, finalized_by = $4
          WHERE session_id = $1 AND revision = $2 RETURNING ",
        metadata!()
    ))
    .bind(session_id)
    .bind(revision)
    .bind(now)
    .bind(actor)
    .fetch_one(w.conn())
    .await
    .map_err(|e| {
        if e.as_database_error().and_then(|d| d.constraint()) == Some("reports_one_final") {
            Error::FailedPrecondition {
                reason: "SESSION_ALREADY_HAS_FINAL_REPORT",
                message: format!(
                    "sessions/{session_id} already has a final report; a session has one report of record"
                ),
            }
        } else {
            super::map_db_error(e)
        }
    })
}
