//! The SQL of `scpf-reports bench`: the databases it owns, the plain COPY its imports are
//! compared with, the receipts it loads directly (receipts have no bulk path in the API), and
//! the hand-written SQL of a report's totals, the limit a report is compared with.

use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::{Connection, PgConnection, PgPool, postgres::PgConnectOptions};

use super::{Statement, contributions::copy_version_fields, copy::CopyRows};
use crate::{
    domain::contribution::Contribution,
    error::{Error, Result},
};

/// Drops and creates the database `name` on the server of `admin` (a connection to any other
/// database of that server). Only names made of lower-case letters, digits and underscores.
pub async fn recreate_database(admin: &PgConnectOptions, name: &str) -> Result<()> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(Error::Internal(anyhow::anyhow!(
            "{name:?} is not a database name the bench creates"
        )));
    }
    let mut conn = PgConnection::connect_with(admin).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}

/// The time plain COPY takes to write these contributions (identities, versions, schedules)
/// into the same tables, with the same indexes, foreign keys and the deferred check of every
/// schedule's sum, in one transaction. The transaction is then rolled back, leaving the tables
/// as they were, so that the service can import the very same rows afterwards.
pub async fn copy_contributions(pool: &PgPool, contributions: &[Contribution]) -> Result<Duration> {
    let mut identities = CopyRows::new();
    let mut versions = CopyRows::new();
    let mut installments = CopyRows::new();
    let now = Utc::now();
    for c in contributions {
        identities
            .text(c.id.as_str())
            .text(c.donor.as_str())
            .text(c.funding_type.db_name())
            .text(c.currency().code())
            .plain(now.to_rfc3339())
            .end_row();
        versions
            .text(c.id.as_str())
            .plain(1)
            .plain(now.to_rfc3339());
        copy_version_fields(&mut versions, c).text("").end_row();
        for (position, i) in c.installments.iter().enumerate() {
            installments
                .text(c.id.as_str())
                .plain(1)
                .plain(position)
                .plain(i.due_date)
                .plain(i.amount.amount())
                .end_row();
        }
    }
    let mut tx = pool.begin().await?;
    let started = Instant::now();
    identities
        .send(
            &mut tx,
            "COPY contributions (id, donor_id, funding_type, currency_code, created_at) FROM STDIN",
        )
        .await?;
    versions
        .send(
            &mut tx,
            "COPY contribution_versions (contribution_id, revision, valid_from, budget_part,
                 earmarking_category, earmarking_modality, programme_id, earmarked_to, status,
                 total, agreement_date, period_start, period_end, announced_session_id,
                 description, reason) FROM STDIN",
        )
        .await?;
    installments
        .send(
            &mut tx,
            "COPY installments (contribution_id, revision, position, due_date, amount) FROM STDIN",
        )
        .await?;
    // The deferred checks run now, as a commit would run them.
    sqlx::query!("SET CONSTRAINTS ALL IMMEDIATE")
        .write(&mut tx)
        .await?;
    let elapsed = started.elapsed();
    tx.rollback().await?;
    Ok(elapsed)
}

/// One receipt for [`load_receipts`].
pub struct ReceiptRow<'a> {
    pub id: &'a str,
    pub contribution_id: &'a str,
    pub received_date: NaiveDate,
    pub amount: Decimal,
}

/// Writes receipts (revision 1, in force from now) with COPY, then analyzes their tables.
pub async fn load_receipts(pool: &PgPool, receipts: &[ReceiptRow<'_>]) -> Result<()> {
    let mut tx = pool.begin().await?;
    let now = sqlx::query_scalar!(r#"SELECT clock_timestamp() AS "now!""#)
        .fetch_one(&mut *tx)
        .await?;
    let mut identities = CopyRows::new();
    let mut versions = CopyRows::new();
    for r in receipts {
        identities
            .text(r.id)
            .text(r.contribution_id)
            .plain(now.to_rfc3339())
            .end_row();
        versions
            .text(r.id)
            .plain(1)
            .plain(now.to_rfc3339())
            .plain(r.received_date)
            .plain(r.amount)
            .text("bench")
            .plain(false)
            .text("")
            .end_row();
    }
    identities
        .send(
            &mut tx,
            "COPY receipts (id, contribution_id, created_at) FROM STDIN",
        )
        .await?;
    versions
        .send(
            &mut tx,
            "COPY receipt_versions (receipt_id, revision, valid_from, received_date, amount,
                 reference, withdrawn, reason) FROM STDIN",
        )
        .await?;
    tx.commit().await?;
    sqlx::query!("ANALYZE receipts, receipt_versions")
        .execute(pool)
        .await?;
    Ok(())
}

/// The main totals of a session's report, computed by one hand-written statement.
#[derive(Debug, Clone, PartialEq, serde::Serialize, sqlx::FromRow)]
pub struct Totals {
    /// Voluntary money received in the period, in dollars: the sum of the rounded lines.
    pub paid: Decimal,
    /// Voluntary commitments signed in the period, in dollars.
    pub committed: Decimal,
    /// Assessed contributions due by the as-of date, in francs.
    pub assessed_due: Decimal,
    /// Received against assessed contributions by the as-of date, in francs.
    pub assessed_received: Decimal,
    /// What multi-year voluntary commitments have left to receive, in their own currencies.
    pub multi_year_outstanding: Decimal,
    /// The sum of the actual values of the measurements ending in the period.
    pub results_actual: Decimal,
}

/// Computes [`Totals`] as of `as_of` for the reporting period, and the time the statement took.
/// It reads the same versions and applies the same conversion (each line, per donor, earmarking,
/// currency and month, rounded once to cents) as the report, with nothing else around it.
pub async fn report_totals(
    pool: &PgPool,
    as_of: DateTime<Utc>,
    period: (NaiveDate, NaiveDate),
) -> Result<(Totals, Duration)> {
    let mut conn = pool.acquire().await?;
    let started = Instant::now();
    let totals = sqlx::query_as!(
        Totals,
        r#"WITH cv AS (
            SELECT c.id, c.donor_id, c.funding_type, c.currency_code::text AS cur, v.revision,
                   v.earmarking_category AS cat, v.earmarking_modality AS modality, v.status,
                   v.total, v.agreement_date
              FROM contributions c
              JOIN contribution_versions v ON v.contribution_id = c.id
             WHERE v.valid_from <= $1 AND (v.valid_to IS NULL OR v.valid_to > $1)),
         rv AS (
            SELECT r.contribution_id, v.received_date, v.amount
              FROM receipts r
              JOIN receipt_versions v ON v.receipt_id = r.id
             WHERE v.valid_from <= $1 AND (v.valid_to IS NULL OR v.valid_to > $1)
               AND NOT v.withdrawn AND v.received_date <= $2),
         rates AS (
            SELECT base_currency::text AS cur, month, rate
              FROM exchange_rate_versions
             WHERE quote_currency = 'USD' AND valid_from <= $1
               AND (valid_to IS NULL OR valid_to > $1)),
         paid AS (
            SELECT cv.donor_id, cv.cat, cv.modality, cv.cur,
                   date_trunc('month', rv.received_date)::date AS m, sum(rv.amount) AS amt
              FROM rv JOIN cv ON cv.id = rv.contribution_id
             WHERE cv.funding_type = 'voluntary' AND rv.received_date BETWEEN $3 AND $4
             GROUP BY 1, 2, 3, 4, 5),
         committed AS (
            SELECT cv.donor_id, cv.cat, cv.modality, cv.cur,
                   date_trunc('month', cv.agreement_date)::date AS m, sum(cv.total) AS amt
              FROM cv
             WHERE cv.funding_type = 'voluntary' AND cv.status = 'commitment'
               AND cv.agreement_date BETWEEN $3 AND $4 AND cv.agreement_date <= $2
             GROUP BY 1, 2, 3, 4, 5),
         schedules AS (
            SELECT cv.id, cv.funding_type, cv.status, cv.total,
                   sum(i.amount) FILTER (WHERE i.due_date <= $2) AS due,
                   count(DISTINCT date_part('year', i.due_date)) > 1 AS multi_year
              FROM cv JOIN installments i ON i.contribution_id = cv.id AND i.revision = cv.revision
             GROUP BY cv.id, cv.funding_type, cv.status, cv.total),
         received AS (
            SELECT contribution_id, sum(amount) AS amount FROM rv GROUP BY contribution_id)
        SELECT
            (SELECT coalesce(sum(CASE WHEN p.cur = 'USD' THEN round(p.amt, 2)
                                      ELSE round(p.amt * r.rate, 2) END), 0)
               FROM paid p LEFT JOIN rates r ON r.cur = p.cur AND r.month = p.m) AS "paid!",
            (SELECT coalesce(sum(CASE WHEN c.cur = 'USD' THEN round(c.amt, 2)
                                      ELSE round(c.amt * r.rate, 2) END), 0)
               FROM committed c LEFT JOIN rates r ON r.cur = c.cur AND r.month = c.m)
                AS "committed!",
            (SELECT coalesce(sum(s.due), 0) FROM schedules s
              WHERE s.funding_type = 'assessed' AND s.status = 'commitment') AS "assessed_due!",
            (SELECT coalesce(sum(x.amount), 0) FROM received x
               JOIN schedules s ON s.id = x.contribution_id
              WHERE s.funding_type = 'assessed') AS "assessed_received!",
            (SELECT coalesce(sum(greatest(s.total - coalesce(x.amount, 0), 0)), 0)
               FROM schedules s LEFT JOIN received x ON x.contribution_id = s.id
              WHERE s.funding_type = 'voluntary' AND s.status = 'commitment' AND s.multi_year)
                AS "multi_year_outstanding!",
            (SELECT coalesce(sum(v.actual), 0)
               FROM measurements m JOIN measurement_versions v ON v.measurement_id = m.id
              WHERE v.valid_from <= $1 AND (v.valid_to IS NULL OR v.valid_to > $1)
                AND m.period_end BETWEEN $3 AND $4) AS "results_actual!""#,
        as_of,
        as_of.date_naive(),
        period.0,
        period.1,
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok((totals, started.elapsed()))
}

/// The PostgreSQL server's version string.
pub async fn server_version(pool: &PgPool) -> Result<String> {
    Ok(sqlx::query_scalar!(r#"SELECT version() AS "version!""#)
        .fetch_one(pool)
        .await?)
}
