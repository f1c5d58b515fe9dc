//! The envelope of every mutation: one transaction that
//! 1. claims the client's request_id (a replay returns the stored response and writes nothing;
//!    the same id with another payload is refused),
//! 2. takes the history clock (the instant every version written here is stamped with),
//! 3. audits each change,
//! 4. stores the response and commits, all or nothing.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

use crate::error::{Error, Result};

/// Advisory lock key of the history clock ("scpf" in ASCII). Writers hold it shared; reading as
/// of an instant takes it exclusively for a moment (see `store::settle_history`).
pub const HISTORY_LOCK: i64 = 0x7363_7066;

/// Who is writing, through which method, and under which idempotency key.
#[derive(Debug, Clone)]
pub struct WriteContext {
    /// Identity of the caller, written into the audit trail.
    pub actor: String,
    /// Full RPC method, for example `scpf.v1.OrganizationService/CreateOrganization`.
    pub method: &'static str,
    /// The client's request_id.
    pub request_id: String,
    /// SHA-256 of the encoded request: the same id with a different payload is refused.
    pub fingerprint: [u8; 32],
}

/// The outcome of claiming a request_id.
pub enum Begun {
    /// First time this request_id is seen: do the work in this transaction.
    Fresh(Write),
    /// The request was applied before; here is the response it produced.
    Replay(Vec<u8>),
}

/// An open write transaction holding the claimed request_id.
pub struct Write {
    tx: Transaction<'static, Postgres>,
    now: DateTime<Utc>,
    ctx: WriteContext,
}

impl Write {
    /// Opens the transaction and claims the request_id. Concurrent calls with the same id wait
    /// here for the first to finish, then replay its response (or take over if it failed).
    pub async fn begin(pool: &PgPool, ctx: WriteContext) -> Result<Begun> {
        let mut tx = pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock_shared($1)")
            .bind(HISTORY_LOCK)
            .execute(&mut *tx)
            .await?;
        let claimed = sqlx::query(
            "INSERT INTO idempotency_keys (request_id, method, fingerprint, actor)
             VALUES ($1, $2, $3, $4) ON CONFLICT (request_id) DO NOTHING",
        )
        .bind(&ctx.request_id)
        .bind(ctx.method)
        .bind(&ctx.fingerprint[..])
        .bind(&ctx.actor)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !claimed {
            let (method, fingerprint, response): (String, Vec<u8>, Option<Vec<u8>>) =
                sqlx::query_as(
                    "SELECT method, fingerprint, response FROM idempotency_keys WHERE request_id = $1",
                )
                .bind(&ctx.request_id)
                .fetch_one(&mut *tx)
                .await?;
            tx.rollback().await?;
            if method != ctx.method || fingerprint != ctx.fingerprint {
                return Err(Error::FailedPrecondition {
                    reason: "REQUEST_ID_REUSED",
                    message: format!(
                        "request_id {:?} was already used for a different request ({method}); use a new request_id for a new request",
                        ctx.request_id
                    ),
                });
            }
            // A claimed key always has its response: both are written in one transaction.
            let response = response.ok_or_else(|| {
                Error::Internal(anyhow::anyhow!(
                    "idempotency key {:?} has no response",
                    ctx.request_id
                ))
            })?;
            return Ok(Begun::Replay(response));
        }
        let now: DateTime<Utc> = sqlx::query_scalar("SELECT clock_timestamp()")
            .fetch_one(&mut *tx)
            .await?;
        Ok(Begun::Fresh(Write { tx, now, ctx }))
    }

    /// The instant every version written in this transaction is stamped with.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// The connection to run statements on.
    pub fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    /// Who is writing.
    pub fn actor(&self) -> &str {
        &self.ctx.actor
    }

    /// Records one change in the audit trail.
    pub async fn audit(
        &mut self,
        resource: &str,
        before: Option<Value>,
        after: Option<Value>,
        reason: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_events (event_time, actor, method, resource, request_id, reason, before, after)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(self.now)
        .bind(&self.ctx.actor)
        .bind(self.ctx.method)
        .bind(resource)
        .bind(&self.ctx.request_id)
        .bind(reason)
        .bind(before)
        .bind(after)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Stores the response for replays and commits everything.
    pub async fn commit(mut self, response: &[u8]) -> Result<()> {
        sqlx::query("UPDATE idempotency_keys SET response = $2 WHERE request_id = $1")
            .bind(&self.ctx.request_id)
            .bind(response)
            .execute(&mut *self.tx)
            .await?;
        self.tx.commit().await.map_err(super::map_db_error)
    }
}
