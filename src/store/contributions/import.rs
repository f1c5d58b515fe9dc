//! ImportContributions' writes. A batch's claimed rows are streamed with COPY into a staging
//! table of the transaction's own (temporary, emptied at commit), then checked and written from
//! it with one statement per step, whatever the number of rows: the database receives the rows once,
//! in its fastest input format, and every later step is a join with the staging table.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use crate::{
    domain::contribution::Contribution,
    error::Result,
    store::{
        contributions::copy_version_fields,
        copy::CopyRows,
        map_db_error,
        write::{Batch, RowClaim},
    },
};

/// Created once per database connection; `ON COMMIT DELETE ROWS` empties it at the end of each
/// batch, and a rolled-back batch leaves nothing in it either.
const STAGING: &str = "DO $$ BEGIN
    IF to_regclass('pg_temp.contribution_import') IS NULL THEN
        CREATE TEMP TABLE contribution_import (
            n             integer  NOT NULL,
            request_id    text     NOT NULL,
            fingerprint   bytea    NOT NULL,
            id            text     NOT NULL,
            donor         text     NOT NULL,
            funding_type  text     NOT NULL,
            currency      text     NOT NULL,
            budget_part   text     NOT NULL,
            category      smallint,
            modality      text,
            programme     text,
            earmarked_to  text     NOT NULL,
            status        text     NOT NULL,
            total         numeric  NOT NULL,
            agreement_date date    NOT NULL,
            period_start  date     NOT NULL,
            period_end    date     NOT NULL,
            session       text,
            description   text     NOT NULL,
            due_dates     date[]   NOT NULL,
            amounts       numeric[] NOT NULL,
            resource      text     NOT NULL,
            response      bytea    NOT NULL
        ) ON COMMIT DELETE ROWS;
    END IF;
END $$";

const COPY: &str = "COPY contribution_import (n, request_id, fingerprint, id, donor, funding_type,
    currency, budget_part, category, modality, programme, earmarked_to, status, total,
    agreement_date, period_start, period_end, session, description, due_dates, amounts, resource,
    response) FROM STDIN";

/// One row to stage: the contribution, its claim, and what the row answers if it is written (known before writing: a new contribution is revision 1, stamped with the batch's
/// instant).
pub struct StagedRow<'a> {
    /// The row's place among the rows staged, to name it in later steps.
    pub n: i32,
    pub claim: &'a RowClaim,
    pub contribution: &'a Contribution,
    /// The encoded response stored for replays.
    pub response: Vec<u8>,
}

/// What the database knows about one staged row's references.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct References {
    pub n: i32,
    /// Whether the donor is a Member State; `None` when there is no such organization.
    pub member_state: Option<bool>,
    /// Whether the programme named exists (true when none is named).
    pub programme_known: bool,
    /// Whether the session named exists (true when none is named).
    pub session_known: bool,
}

/// Streams the rows into the staging table.
pub async fn stage(batch: &mut Batch, rows: &[StagedRow<'_>]) -> Result<()> {
    sqlx::query(STAGING).execute(batch.conn()).await?;
    let mut copy = CopyRows::new();
    for r in rows {
        let c = r.contribution;
        copy.plain(r.n)
            .text(&r.claim.request_id)
            .bytes(&r.claim.fingerprint)
            .text(c.id.as_str())
            .text(c.donor.as_str())
            .text(c.funding_type.db_name())
            .text(c.currency().code());
        copy_version_fields(&mut copy, c)
            .plain_array(c.installments.iter().map(|i| i.due_date))
            .plain_array(c.installments.iter().map(|i| i.amount.amount()))
            .text(&c.name())
            .bytes(&r.response);
        copy.end_row();
    }
    copy.send(batch.conn(), COPY).await?;
    Ok(())
}

/// The references of the staged rows `ns`: the donor as it is now, the programme, the session.
pub async fn references(batch: &mut Batch, ns: &[i32]) -> Result<Vec<References>> {
    if ns.is_empty() {
        return Ok(Vec::new());
    }
    Ok(sqlx::query_as(
        "SELECT s.n, o.member_state,
                s.programme IS NULL OR EXISTS (SELECT 1 FROM programmes p WHERE p.id = s.programme)
                    AS programme_known,
                s.session IS NULL OR EXISTS (SELECT 1 FROM sessions x WHERE x.id = s.session)
                    AS session_known
           FROM contribution_import s
           LEFT JOIN organization_versions o
                  ON o.organization_id = s.donor AND o.valid_to IS NULL
          WHERE s.n = ANY($1)
          ORDER BY s.n",
    )
    .bind(ns)
    .fetch_all(batch.conn())
    .await?)
}

/// Writes the staged rows `ns` (revision 1 of each contribution, its schedule and its stored
/// response) with one statement, stamped `now`. Returns the ids written: an id
/// that already exists is skipped, so a concurrent writer of the same id never fails the batch.
pub async fn write(batch: &mut Batch, ns: &[i32], now: DateTime<Utc>) -> Result<HashSet<String>> {
    if ns.is_empty() {
        return Ok(HashSet::new());
    }
    let written: Vec<String> = sqlx::query_scalar(
        "WITH created AS (
            INSERT INTO contributions (id, donor_id, funding_type, currency_code, created_at)
            SELECT id, donor, funding_type, currency, $1 FROM contribution_import
             WHERE n = ANY($2)
            ON CONFLICT (id) DO NOTHING
            RETURNING id),
         w AS (
            SELECT s.* FROM contribution_import s JOIN created USING (id) WHERE s.n = ANY($2)),
         versions AS (
            INSERT INTO contribution_versions (contribution_id, revision, valid_from, budget_part,
                earmarking_category, earmarking_modality, programme_id, earmarked_to, status,
                total, agreement_date, period_start, period_end, announced_session_id,
                description, reason)
            SELECT id, 1, $1, budget_part, category, modality, programme, earmarked_to, status,
                   total, agreement_date, period_start, period_end, session, description, ''
              FROM w),
         schedules AS (
            INSERT INTO installments (contribution_id, revision, position, due_date, amount)
            SELECT w.id, 1, (i.position - 1)::smallint, i.due_date, i.amount
              FROM w, unnest(w.due_dates, w.amounts) WITH ORDINALITY AS i (due_date, amount, position)),
         answered AS (
            UPDATE idempotency_keys k SET response = w.response
              FROM w WHERE k.request_id = w.request_id)
         SELECT id FROM created",
    )
    .bind(now)
    .bind(ns)
    .fetch_all(batch.conn())
    .await
    .map_err(map_db_error)?;
    Ok(written.into_iter().collect())
}
