//! Reading the audit trail. The write envelope (`store::write`) writes it, at commit.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgPool, Postgres, QueryBuilder};

use crate::{
    domain::filter::Filter,
    error::{Error, Result},
};

/// One row of the audit trail.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditEvent {
    pub id: i64,
    pub event_time: DateTime<Utc>,
    pub actor: String,
    pub method: String,
    pub resource: String,
    pub request_id: String,
    pub reason: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Reads one event.
pub async fn get(pool: &PgPool, id: i64, name: &str) -> Result<AuditEvent> {
    sqlx::query_as!(
        AuditEvent,
        "SELECT id, event_time, actor, method, resource, request_id, reason, before, after
           FROM audit_events WHERE id = $1",
        id,
    )
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| Error::not_found(name))
}

/// Events after `after_id` that match the filter, oldest first; at most `limit`.
pub async fn list(
    pool: &PgPool,
    filter: &Filter,
    after_id: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEvent>> {
    let mut qb = QueryBuilder::<Postgres>::new("SELECT * FROM audit_events WHERE true");
    if let Some(after) = after_id {
        qb.push(" AND id > ").push_bind(after);
    }
    for group in filter.groups() {
        // Field names come from the fixed list the API accepts, never from the caller's text.
        let column = match group.field {
            "resource" | "actor" | "method" | "request_id" | "event_time" => group.field,
            other => return Err(super::undeclared_filter(other)),
        };
        super::push_group(&mut qb, column, &group, "", false)?;
    }
    qb.push(" ORDER BY id LIMIT ").push_bind(limit);
    Ok(qb.build_query_as().fetch_all(pool).await?)
}
