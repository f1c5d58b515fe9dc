//! The envelope of every mutation: one transaction that
//! 1. claims the client's request_id (a replay returns the stored response and writes nothing;
//!    the same id with another payload is refused),
//! 2. takes the history clock (the instant every version written here is stamped with),
//! 3. records each change's audit event as it is made, and writes them all with one statement
//!    at commit,
//! 4. stores the response and commits, all or nothing.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool, Postgres, Transaction, pool::PoolConnection};

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

/// One change for the audit trail, kept until the envelope commits.
#[derive(Debug, Clone)]
struct Event {
    /// The envelope's instant when the change was recorded (a restamp moves it).
    at: DateTime<Utc>,
    request_id: String,
    resource: String,
    reason: Option<String>,
    before: Option<Value>,
    after: Option<Value>,
}

/// What [`Write`] and [`Batch`] share: the transaction, the history clock, and the audit events
/// recorded so far.
struct Envelope {
    tx: Transaction<'static, Postgres>,
    now: DateTime<Utc>,
    events: Vec<Event>,
}

impl Envelope {
    /// Opens the transaction holding the history lock shared, and reads the clock.
    async fn open(pool: &PgPool) -> Result<Envelope> {
        let mut tx = pool.begin().await?;
        let now: DateTime<Utc> = sqlx::query_scalar!(
            "SELECT clock_timestamp() AS \"now!\" FROM pg_advisory_xact_lock_shared($1)",
            HISTORY_LOCK,
        )
        .fetch_one(&mut *tx)
        .await?;
        Ok(Envelope {
            tx,
            now,
            events: Vec::new(),
        })
    }

    async fn restamp(&mut self) -> Result<DateTime<Utc>> {
        self.now = restamp(&mut self.tx).await?;
        Ok(self.now)
    }

    fn record(
        &mut self,
        request_id: &str,
        resource: &str,
        before: Option<Value>,
        after: Option<Value>,
        reason: Option<&str>,
    ) {
        self.events.push(Event {
            at: self.now,
            request_id: request_id.to_owned(),
            resource: resource.to_owned(),
            reason: reason.map(str::to_owned),
            before,
            after,
        });
    }

    /// Writes the recorded events, in the order they were recorded: the one statement that
    /// writes the audit trail.
    async fn write_events(&mut self, actor: &str, method: &str) -> Result<()> {
        let events = std::mem::take(&mut self.events);
        if events.is_empty() {
            return Ok(());
        }
        sqlx::query!(
            "INSERT INTO audit_events (event_time, actor, method, resource, request_id, reason, before, after)
             SELECT t, $1, $2, r, q, why, b, a
               FROM UNNEST($3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::jsonb[])
                    WITH ORDINALITY AS e (t, r, q, why, b, a, n)
              ORDER BY n",
            actor,
            method,
            &events.iter().map(|e| e.at).collect::<Vec<_>>(),
            &events.iter().map(|e| e.resource.to_owned()).collect::<Vec<_>>(),
            &events.iter().map(|e| e.request_id.to_owned()).collect::<Vec<_>>(),
            &events.iter().map(|e| e.reason.clone()).collect::<Vec<_>>() as &[Option<String>],
            &events.iter().map(|e| e.before.clone()).collect::<Vec<_>>() as &[Option<serde_json::Value>],
            &events.iter().map(|e| e.after.clone()).collect::<Vec<_>>() as &[Option<serde_json::Value>],
        )
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}

/// An open write transaction holding what it claimed: `C` is one call's [`WriteContext`]
/// ([`Write`]) or a batch's claims ([`Batch`]).
pub struct Claimed<C> {
    env: Envelope,
    claim: C,
}

impl<C> Claimed<C> {
    /// The instant every version written in this transaction is stamped with.
    pub fn now(&self) -> DateTime<Utc> {
        self.env.now
    }

    /// Reads the history clock again; see [`restamp`].
    pub async fn restamp(&mut self) -> Result<DateTime<Utc>> {
        self.env.restamp().await
    }

    /// The connection to run statements on.
    pub fn conn(&mut self) -> &mut PgConnection {
        &mut self.env.tx
    }
}

/// An open write transaction holding the claimed request_id.
pub type Write = Claimed<WriteContext>;

impl Write {
    /// Opens the transaction and claims the request_id. Concurrent calls with the same id wait
    /// here for the first to finish, then replay its response (or take over if it failed).
    #[tracing::instrument(name = "write.begin", skip_all, fields(db.system.name = "postgresql"))]
    pub async fn begin(pool: &PgPool, ctx: WriteContext) -> Result<Begun> {
        let mut env = Envelope::open(pool).await?;
        let tx = &mut env.tx;
        let claimed = sqlx::query!(
            "INSERT INTO idempotency_keys (request_id, method, fingerprint, actor)
             VALUES ($1, $2, $3, $4) ON CONFLICT (request_id) DO NOTHING",
            &ctx.request_id,
            ctx.method,
            &ctx.fingerprint[..],
            &ctx.actor,
        )
        .execute(&mut **tx)
        .await?
        .rows_affected()
            == 1;
        if !claimed {
            let (method, fingerprint, response): (String, Vec<u8>, Option<Vec<u8>>) =
                sqlx::query_as(
                    "SELECT method, fingerprint, response FROM idempotency_keys WHERE request_id = $1",
                )
                .bind(&ctx.request_id)
                .fetch_one(&mut **tx)
                .await?;
            env.tx.rollback().await?;
            if method != ctx.method || fingerprint != ctx.fingerprint {
                return Err(reused(&ctx.request_id));
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
        // A claim that waited for another call's stamps its versions after that call's.
        env.restamp().await?;
        Ok(Begun::Fresh(Claimed { env, claim: ctx }))
    }

    /// Who is writing.
    pub fn actor(&self) -> &str {
        &self.claim.actor
    }

    /// Who is writing, through which method, under which request_id.
    pub fn context(&self) -> &WriteContext {
        &self.claim
    }

    /// Records one change for the audit trail, stamped with the current instant; the events are
    /// written together at commit, and not at all if the write fails.
    pub fn audit(
        &mut self,
        resource: &str,
        before: Option<Value>,
        after: Option<Value>,
        reason: Option<&str>,
    ) {
        let request_id = &self.claim.request_id;
        self.env.record(request_id, resource, before, after, reason);
    }

    /// Stores the response for replays and commits everything.
    #[tracing::instrument(name = "write.commit", skip_all, fields(db.system.name = "postgresql"))]
    pub async fn commit(mut self, response: &[u8]) -> Result<()> {
        self.env
            .write_events(&self.claim.actor, self.claim.method)
            .await?;
        sqlx::query!(
            "UPDATE idempotency_keys SET response = $2 WHERE request_id = $1",
            &self.claim.request_id,
            response,
        )
        .execute(&mut *self.env.tx)
        .await?;
        self.env.tx.commit().await.map_err(super::map_db_error)
    }
}

/// Advisory lock class of [`RequestLock`] (two-key form, apart from the history lock's key).
const REQUEST_LOCK_CLASS: i32 = 0x7363_7072;

/// Holds one request_id for a write that computes its result before it opens its transaction
/// (a report): a second call with the same id waits here while the first computes, then finds
/// the first's response instead of computing again.
///
/// A session-level advisory lock on a connection of its own. The lock goes with the connection:
/// if the call is abandoned before [`RequestLock::release`], the connection is closed rather
/// than returned to the pool, so the lock never outlives its call.
pub struct RequestLock {
    conn: Option<PoolConnection<Postgres>>,
    request_id: String,
}

impl RequestLock {
    /// Waits for, then takes, the request_id's lock.
    #[tracing::instrument(name = "write.lock_request", skip_all, fields(db.system.name = "postgresql"))]
    pub async fn acquire(pool: &PgPool, request_id: &str) -> Result<RequestLock> {
        let mut conn = pool.acquire().await?;
        sqlx::query!(
            "SELECT pg_advisory_lock($1, hashtext($2))",
            REQUEST_LOCK_CLASS,
            request_id,
        )
        .execute(&mut *conn)
        .await?;
        Ok(RequestLock {
            conn: Some(conn),
            request_id: request_id.to_owned(),
        })
    }

    /// The response of an earlier call with this request_id, if there was one; an earlier call
    /// with another method or payload is refused (REQUEST_ID_REUSED).
    pub async fn earlier(&mut self, ctx: &WriteContext) -> Result<Option<Vec<u8>>> {
        let Some(conn) = self.conn.as_mut() else {
            return Ok(None);
        };
        let found: Option<(String, Vec<u8>, Option<Vec<u8>>)> = sqlx::query_as(
            "SELECT method, fingerprint, response FROM idempotency_keys WHERE request_id = $1",
        )
        .bind(&self.request_id)
        .fetch_optional(&mut **conn)
        .await?;
        let Some((method, fingerprint, response)) = found else {
            return Ok(None);
        };
        if method != ctx.method || fingerprint != ctx.fingerprint {
            return Err(reused(&self.request_id));
        }
        Ok(response)
    }

    /// Gives the lock back and the connection to the pool.
    pub async fn release(mut self) -> Result<()> {
        if let Some(mut conn) = self.conn.take() {
            let unlocked = sqlx::query_scalar!(
                "SELECT pg_advisory_unlock($1, hashtext($2))",
                REQUEST_LOCK_CLASS,
                &self.request_id,
            )
            .fetch_one(&mut *conn)
            .await;
            if unlocked.is_err() {
                conn.close_on_drop();
            }
            unlocked?;
        }
        Ok(())
    }
}

impl Drop for RequestLock {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.as_mut() {
            // Abandoned while holding the lock: closing the session releases it.
            conn.close_on_drop();
        }
    }
}

/// One row's claim in a batch: its request_id and the fingerprint of its payload.
#[derive(Debug, Clone)]
pub struct RowClaim {
    pub request_id: String,
    pub fingerprint: [u8; 32],
}

/// What claiming a row's request_id found.
#[derive(Debug)]
pub enum RowOutcome {
    /// First time seen: write the row in this batch.
    Fresh,
    /// Applied before (in an earlier call); here is its response.
    Replay(Vec<u8>),
    /// The same request_id and payload as an earlier row of this batch: answer as that row does.
    SameAs(usize),
    /// The request_id was used for a different request.
    Reused(Error),
}

/// Whose rows a [`Batch`] writes, and the request_ids it has claimed so far.
pub struct BatchClaims {
    actor: String,
    method: &'static str,
    claimed: Vec<String>,
}

/// The envelope of a bulk import: like [`Write`], but claiming, auditing and storing responses
/// for many rows with one statement each, in one transaction. Rows that fail after being claimed
/// must be [`Batch::release`]d so that their request_id can be used again.
pub type Batch = Claimed<BatchClaims>;

impl Batch {
    /// Opens the transaction and claims every row's request_id at once.
    pub async fn begin(
        pool: &PgPool,
        actor: &str,
        method: &'static str,
        claims: &[RowClaim],
    ) -> Result<(Batch, Vec<RowOutcome>)> {
        let (mut outcomes, unique) = first_claims(claims);
        let mut batch = Batch::open(pool, actor, method).await?;
        let ids: Vec<&str> = unique
            .iter()
            .map(|&i| claims[i].request_id.as_str())
            .collect();
        let fingerprints: Vec<&[u8]> = unique.iter().map(|&i| &claims[i].fingerprint[..]).collect();
        let claimed: Vec<String> = sqlx::query_scalar!(
            "INSERT INTO idempotency_keys (request_id, method, fingerprint, actor)
             SELECT id, $3, fp, $4 FROM UNNEST($1::text[], $2::bytea[]) AS t (id, fp)
             ON CONFLICT (request_id) DO NOTHING
             RETURNING request_id",
            &ids as &[&str],
            &fingerprints as &[&[u8]],
            method,
            actor,
        )
        .fetch_all(&mut *batch.env.tx)
        .await?;
        batch
            .settle(claims, &unique, claimed, &mut outcomes)
            .await?;
        // A writer that waited for another's claim stamps its versions after that one's.
        batch.restamp().await?;
        Ok((batch, outcomes))
    }

    /// Opens the transaction, holding the history lock, without claiming anything yet.
    async fn open(pool: &PgPool, actor: &str, method: &'static str) -> Result<Batch> {
        Ok(Claimed {
            env: Envelope::open(pool).await?,
            claim: BatchClaims {
                actor: actor.to_owned(),
                method,
                claimed: Vec::new(),
            },
        })
    }

    /// Takes note of the request_ids a claiming statement inserted (`claimed`, among the
    /// `unique` rows of [`first_claims`]) and turns the outcome of every other unique row into a
    /// replay of its stored response or a refusal.
    async fn settle(
        &mut self,
        claims: &[RowClaim],
        unique: &[usize],
        claimed: Vec<String>,
        outcomes: &mut [RowOutcome],
    ) -> Result<()> {
        let fresh: std::collections::HashSet<&str> = claimed.iter().map(String::as_str).collect();
        let earlier: Vec<&str> = unique
            .iter()
            .map(|&i| claims[i].request_id.as_str())
            .filter(|id| !fresh.contains(id))
            .collect();
        if !earlier.is_empty() {
            let first_of: std::collections::HashMap<&str, usize> = unique
                .iter()
                .map(|&i| (claims[i].request_id.as_str(), i))
                .collect();
            let rows: Vec<StoredKey> = sqlx::query_as(
                "SELECT request_id, method, fingerprint, response FROM idempotency_keys
                 WHERE request_id = ANY($1)",
            )
            .bind(&earlier)
            .fetch_all(&mut *self.env.tx)
            .await?;
            for StoredKey {
                request_id,
                method: stored_method,
                fingerprint,
                response,
            } in rows
            {
                let i = first_of[request_id.as_str()];
                outcomes[i] = match response {
                    Some(bytes)
                        if stored_method == self.claim.method
                            && fingerprint == claims[i].fingerprint =>
                    {
                        RowOutcome::Replay(bytes)
                    }
                    _ => RowOutcome::Reused(reused(&request_id)),
                };
            }
        }
        self.claim.claimed.extend(claimed);
        Ok(())
    }

    /// Gives back the claims of rows that were refused after claiming.
    pub async fn release(&mut self, request_ids: &[String]) -> Result<()> {
        if request_ids.is_empty() {
            return Ok(());
        }
        sqlx::query!(
            "DELETE FROM idempotency_keys WHERE request_id = ANY($1) AND response IS NULL",
            request_ids,
        )
        .execute(&mut *self.env.tx)
        .await?;
        Ok(())
    }

    /// Records one change of the row claimed with `request_id` for the audit trail, stamped with
    /// the current instant; written with the batch's other events at commit.
    pub fn audit(
        &mut self,
        request_id: &str,
        resource: &str,
        before: Option<Value>,
        after: Option<Value>,
        reason: Option<&str>,
    ) {
        self.env.record(request_id, resource, before, after, reason);
    }

    /// Stores each written row's response for replays and commits everything.
    pub async fn commit(mut self, responses: &[(String, Vec<u8>)]) -> Result<()> {
        self.env
            .write_events(&self.claim.actor, self.claim.method)
            .await?;
        if !responses.is_empty() {
            sqlx::query!(
                "UPDATE idempotency_keys k SET response = t.response
                   FROM UNNEST($1::text[], $2::bytea[]) AS t (request_id, response)
                  WHERE k.request_id = t.request_id",
                &responses
                    .iter()
                    .map(|(id, _)| id.as_str())
                    .collect::<Vec<_>>() as &[&str],
                &responses
                    .iter()
                    .map(|(_, r)| r.as_slice())
                    .collect::<Vec<_>>() as &[&[u8]],
            )
            .execute(&mut *self.env.tx)
            .await?;
        }
        // Claims still without a response belong to rows that failed without being released:
        // drop them rather than leave request_ids that could never be replayed.
        let unanswered = std::mem::take(&mut self.claim.claimed);
        self.release(&unanswered).await?;
        self.env.tx.commit().await.map_err(super::map_db_error)
    }
}

/// Sorts a batch's claims before any is made: the first row of each request_id is to be claimed
/// (`RowOutcome::Fresh` for now); a later row with the same request_id and payload answers as
/// that first row, one with another payload is refused. Returns the outcomes and the rows to
/// claim, in request_id order: every batch claims in that one order, so two batches that share
/// request_ids wait for each other at most once instead of in a cycle.
pub fn first_claims(claims: &[RowClaim]) -> (Vec<RowOutcome>, Vec<usize>) {
    let mut outcomes = Vec::with_capacity(claims.len());
    let mut first_of: std::collections::HashMap<&str, usize> = Default::default();
    let mut unique = Vec::new();
    for (i, claim) in claims.iter().enumerate() {
        match first_of.get(claim.request_id.as_str()) {
            Some(&first) if claims[first].fingerprint == claim.fingerprint => {
                outcomes.push(RowOutcome::SameAs(first));
            }
            Some(_) => outcomes.push(RowOutcome::Reused(reused(&claim.request_id))),
            None => {
                first_of.insert(&claim.request_id, i);
                unique.push(i);
                outcomes.push(RowOutcome::Fresh);
            }
        }
    }
    unique.sort_by(|&a, &b| claims[a].request_id.cmp(&claims[b].request_id));
    (outcomes, unique)
}

/// A writer that waited for a lock (a row, a key) reads the clock again before writing, so that
/// its versions are stamped after those of the writer it waited for: the instant taken at the
/// start may be earlier than theirs. Reads settled before the first instant stay settled, since
/// the history lock is still held.
async fn restamp(tx: &mut Transaction<'static, Postgres>) -> Result<DateTime<Utc>> {
    Ok(sqlx::query_scalar!("SELECT clock_timestamp() AS \"now!\"",)
        .fetch_one(&mut **tx)
        .await?)
}

#[derive(sqlx::FromRow)]
struct StoredKey {
    request_id: String,
    method: String,
    fingerprint: Vec<u8>,
    response: Option<Vec<u8>>,
}

/// The request_id was used before for another request. What that request was is not said: it
/// may have been another caller's.
fn reused(request_id: &str) -> Error {
    Error::FailedPrecondition {
        reason: "REQUEST_ID_REUSED",
        message: format!(
            "request_id {} was already used for a different request; use a new request_id for a new request",
            crate::domain::text::quote(request_id)
        ),
    }
}
