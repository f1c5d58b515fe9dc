//! The figures behind a report, aggregated in PostgreSQL as of one instant and at one date.
//!
//! A report has two times. Every query reads the versions in force at `$1`, the as-of instant
//! (what the database knew), and counts what is dated up to `$2`, the status date (the date the
//! financial position is stated at): receipts received, installments due, agreements signed,
//! allocations decided on or before it. Money is summed and converted in SQL with NUMERIC
//! arithmetic:
//! each converted line is `round(amount * rate, minor_units)` (or `/ rate` for a rate quoted the
//! other way), rounded once, half away from zero. The service only adds rounded lines.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::{
    Connection, Encode, PgConnection, Postgres, Type,
    postgres::{PgArguments, PgRow},
    query::{QueryAs, QueryScalar},
};

use crate::error::Result;

/// Runs a report statement with nested-loop joins ruled out.
///
/// The statements read whole tables as of an instant, so hash joins are always the right shape
/// for them. The planner picks a nested loop only when it believes one side holds a row or two,
/// which is what stale statistics (a table loaded since its last ANALYZE, or never analyzed)
/// make it believe; over a hundred thousand real rows such a loop runs for minutes instead of
/// milliseconds. Without it, a wrong estimate costs a hash table sized wrongly, never a
/// quadratic plan. `SET LOCAL` holds for the statement's own transaction only.
///
/// `fetch_by_key` runs a page of an annex the same way: its reads by key are lateral subqueries
/// (`page_ctes`), which stay nested loops whatever the setting, and every other join is then a
/// hash join of sets bounded by the page. Those forced loops carry the planner's penalty for a
/// disabled plan, so the page's estimated cost looks enormous; just-in-time compilation, which
/// that cost would trigger, is turned off for it (it took 0.7 to 3 s per page to compile what
/// then ran in milliseconds).
trait FetchPlanned<T> {
    async fn fetch_planned(self, conn: &mut PgConnection) -> Result<Vec<T>>;
    async fn fetch_by_key(self, conn: &mut PgConnection) -> Result<Vec<T>>;
}

impl<'q, T> FetchPlanned<T> for QueryAs<'q, Postgres, T, PgArguments>
where
    T: Send + Unpin + for<'r> sqlx::FromRow<'r, PgRow>,
{
    async fn fetch_planned(self, conn: &mut PgConnection) -> Result<Vec<T>> {
        fetch_with(
            self,
            conn,
            "SELECT set_config('enable_nestloop', 'off', true)",
        )
        .await
    }

    async fn fetch_by_key(self, conn: &mut PgConnection) -> Result<Vec<T>> {
        fetch_with(
            self,
            conn,
            "SELECT set_config('enable_nestloop', 'off', true), set_config('jit', 'off', true)",
        )
        .await
    }
}

/// Runs `query` in a transaction of its own, after `settings` (`set_config(.., true)` calls,
/// which hold for that transaction only).
async fn fetch_with<'q, T>(
    query: QueryAs<'q, Postgres, T, PgArguments>,
    conn: &mut PgConnection,
    settings: &'static str,
) -> Result<Vec<T>>
where
    T: Send + Unpin + for<'r> sqlx::FromRow<'r, PgRow>,
{
    let mut tx = conn.begin().await?;
    sqlx::query(settings).execute(&mut *tx).await?;
    let rows = query.fetch_all(&mut *tx).await?;
    tx.commit().await?;
    Ok(rows)
}

/// The parameters the report statements share, bound as they number them.
trait Bind<'q>: Sized {
    fn bind_value<V: 'q + Encode<'q, Postgres> + Type<Postgres>>(self, value: V) -> Self;

    /// `$1` the as-of instant, `$2` the status date.
    fn bind_at(self, w: &Window) -> Self {
        self.bind_value(w.as_of).bind_value(w.status_date)
    }

    /// `$1` to `$4`: [`Bind::bind_at`], then the reporting period.
    fn bind_window(self, w: &Window) -> Self {
        self.bind_at(w)
            .bind_value(w.period_start)
            .bind_value(w.period_end)
    }

    /// `$5` the currency money is converted into, `$6` its decimals (`conversion_columns`).
    fn bind_money(self, target: &'q str, minor_units: i32) -> Self {
        self.bind_value(target).bind_value(minor_units)
    }
}

impl<'q, T> Bind<'q> for QueryAs<'q, Postgres, T, PgArguments> {
    fn bind_value<V: 'q + Encode<'q, Postgres> + Type<Postgres>>(self, value: V) -> Self {
        self.bind(value)
    }
}

impl<'q, T> Bind<'q> for QueryScalar<'q, Postgres, T, PgArguments> {
    fn bind_value<V: 'q + Encode<'q, Postgres> + Type<Postgres>>(self, value: V) -> Self {
        self.bind(value)
    }
}

/// The start of the common table expressions: `cv`, the contributions' versions, up to its
/// `WHERE`.
macro_rules! contribution_versions {
    () => {
        concat!(
            "WITH cv AS NOT MATERIALIZED (",
            cv_columns!(),
            " FROM contributions c
              JOIN contribution_versions v ON v.contribution_id = c.id
             WHERE "
        )
    };
}

/// What `cv` selects of a contribution `c` and its version `v`.
macro_rules! cv_columns {
    () => {
        "SELECT c.id, c.donor_id, c.funding_type, c.currency_code, v.revision,
                v.earmarking_category, v.earmarking_modality, v.programme_id, v.status,
                v.total, v.agreement_date, v.announced_session_id, v.period_start,
                v.period_end"
    };
}

/// The end of the common table expressions: `ov`, the organizations' names, and `rates`, the
/// exchange rates, as of `$1`.
macro_rules! names_and_rates {
    () => {
        "ov AS NOT MATERIALIZED (
            SELECT organization_id AS id, display_name
              FROM organization_versions
             WHERE valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1)),
         rates AS NOT MATERIALIZED (
            SELECT base_currency, quote_currency, month, rate, source, revision
              FROM exchange_rate_versions
             WHERE valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1))"
    };
}

/// The common table expressions: versions as of `$1`, receipts up to the status date `$2`.
macro_rules! as_of_ctes {
    () => {
        concat!(
            contribution_versions!(),
            "v.valid_from <= $1 AND (v.valid_to IS NULL OR v.valid_to > $1)),
         rv AS NOT MATERIALIZED (
            SELECT r.id, r.contribution_id, v.received_date, v.amount
              FROM receipts r
              JOIN receipt_versions v ON v.receipt_id = r.id
             WHERE v.valid_from <= $1 AND (v.valid_to IS NULL OR v.valid_to > $1)
               AND NOT v.withdrawn AND v.received_date <= $2),
         ",
            names_and_rates!()
        )
    };
}

/// Converts `x.amt` in currency `x.cur` for month `x.m` into the currency `$5` with `$6`
/// decimals: the rate quoted as cur→target, else target→cur (divided), else none.
macro_rules! conversion_columns {
    () => {
        "CASE WHEN x.cur = $5 THEN round(x.amt, $6)
              WHEN d.rate IS NOT NULL THEN round(x.amt * d.rate, $6)
              WHEN i.rate IS NOT NULL THEN round(x.amt / i.rate, $6)
         END AS converted,
         coalesce(d.base_currency, i.base_currency)::text AS rate_base,
         coalesce(d.quote_currency, i.quote_currency)::text AS rate_quote,
         coalesce(d.rate, i.rate) AS rate,
         coalesce(d.source, i.source) AS rate_source,
         coalesce(d.revision, i.revision) AS rate_revision"
    };
}

macro_rules! conversion_joins {
    () => {
        "LEFT JOIN rates d ON x.cur <> $5 AND d.base_currency = x.cur AND d.quote_currency = $5
                         AND d.month = x.m
         LEFT JOIN rates i ON x.cur <> $5 AND d.rate IS NULL AND i.base_currency = $5
                         AND i.quote_currency = x.cur AND i.month = x.m"
    };
}

/// The instant and dates every query is bound to.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// What the database knew.
    pub as_of: DateTime<Utc>,
    /// The date the financial position is stated at.
    pub status_date: NaiveDate,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
}

/// The rate a converted amount used, when it needed one and one existed.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RateRef {
    pub rate_base: Option<String>,
    pub rate_quote: Option<String>,
    pub rate: Option<Decimal>,
    pub rate_source: Option<String>,
    pub rate_revision: Option<i32>,
}

/// One converted line of voluntary money (paid or committed).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MoneyLine {
    pub donor_id: String,
    pub donor_name: String,
    pub earmarking_category: Option<i16>,
    pub earmarking_modality: Option<String>,
    pub currency: String,
    pub month: NaiveDate,
    pub original: Decimal,
    pub converted: Option<Decimal>,
    #[sqlx(flatten)]
    pub rate: RateRef,
}

/// A statement of [`MoneyLine`]s: `x`, the lines to convert per donor, earmarking, currency and
/// month, from `$month` (the month's date, what is summed, from where and which), then their
/// conversion.
macro_rules! money_lines {
    ($month:literal) => {
        concat!(
            as_of_ctes!(),
            ", x AS (
            SELECT cv.donor_id, cv.earmarking_category, cv.earmarking_modality,
                   cv.currency_code::text AS cur,
                   date_trunc('month', ",
            $month,
            "
             GROUP BY 1, 2, 3, 4, 5)
        SELECT x.donor_id, ov.display_name AS donor_name, x.earmarking_category,
               x.earmarking_modality::text AS earmarking_modality, x.cur AS currency,
               x.m AS month, x.amt AS original, ",
            conversion_columns!(),
            " FROM x JOIN ov ON ov.id = x.donor_id ",
            conversion_joins!(),
            " ORDER BY ov.display_name, x.donor_id, x.earmarking_category, x.earmarking_modality,
                   x.cur, x.m"
        )
    };
}

/// Voluntary money received in the period up to the status date, per donor, earmarking,
/// currency and month.
#[tracing::instrument(name = "report_data.paid_lines", skip_all, fields(db.system.name = "postgresql"))]
pub async fn paid_lines(
    conn: &mut PgConnection,
    w: &Window,
    target: &str,
    minor_units: i32,
) -> Result<Vec<MoneyLine>> {
    sqlx::query_as(money_lines!(
        "rv.received_date)::date AS m, sum(rv.amount) AS amt
              FROM rv JOIN cv ON cv.id = rv.contribution_id
             WHERE cv.funding_type = 'voluntary' AND rv.received_date BETWEEN $3 AND $4"
    ))
    .bind_window(w)
    .bind_money(target, minor_units)
    .fetch_planned(conn)
    .await
}

/// Voluntary commitments signed in the period up to the status date, per donor, earmarking,
/// currency and month of signature, converted at that month's rate. Pledges are not among them.
#[tracing::instrument(name = "report_data.committed_lines", skip_all, fields(db.system.name = "postgresql"))]
pub async fn committed_lines(
    conn: &mut PgConnection,
    w: &Window,
    target: &str,
    minor_units: i32,
) -> Result<Vec<MoneyLine>> {
    sqlx::query_as(money_lines!(
        "cv.agreement_date)::date AS m, sum(cv.total) AS amt
              FROM cv
             WHERE cv.funding_type = 'voluntary' AND cv.status = 'commitment'
               AND cv.agreement_date BETWEEN $3 AND $4 AND cv.agreement_date <= $2"
    ))
    .bind_window(w)
    .bind_money(target, minor_units)
    .fetch_planned(conn)
    .await
}

/// A pledge to list (never to count).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Pledge {
    pub contribution_id: String,
    pub donor_id: String,
    pub donor_name: String,
    pub currency: String,
    pub total: Decimal,
    pub agreement_date: NaiveDate,
    pub earmarking_category: Option<i16>,
}

/// What [`pledges`] and [`pledges_of`] select after the common table expressions, before their
/// order.
macro_rules! pledge_select {
    () => {
        " SELECT cv.id AS contribution_id, cv.donor_id, ov.display_name AS donor_name,
                 cv.currency_code::text AS currency, cv.total, cv.agreement_date,
                 cv.earmarking_category
            FROM cv JOIN ov ON ov.id = cv.donor_id
           WHERE cv.funding_type = 'voluntary' AND cv.status = 'pledge'
             AND cv.agreement_date <= $2
             AND (cv.agreement_date BETWEEN $3 AND $4 OR cv.announced_session_id = $5)
           "
    };
}

/// Voluntary pledges announced by the status date, in the period or at the session itself.
#[tracing::instrument(name = "report_data.pledges", skip_all, fields(db.system.name = "postgresql"))]
pub async fn pledges(conn: &mut PgConnection, w: &Window, session_id: &str) -> Result<Vec<Pledge>> {
    sqlx::query_as(concat!(
        as_of_ctes!(),
        pledge_select!(),
        "ORDER BY ov.display_name, cv.donor_id, cv.id"
    ))
    .bind_window(w)
    .bind(session_id)
    .fetch_planned(conn)
    .await
}

/// One Member State's assessed contributions at the status date, in CHF.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Assessed {
    pub donor_id: String,
    pub donor_name: String,
    /// Assessments due before 1 January of the status year.
    pub due_before_year: Decimal,
    /// Assessments of the status year due on or before the status date.
    pub due_in_year: Decimal,
    /// Assessments due in the two years before the status year.
    pub due_two_preceding_years: Decimal,
    /// Receipts before 1 January of the status year.
    pub received_before_year: Decimal,
    /// Receipts from 1 January of the status year to the status date.
    pub received_in_year: Decimal,
}

/// Assessed contributions of every Member State with a standing (scale, Council acts, plans)
/// or with assessed contributions, at the status date `$2` of the year starting `$3`.
#[tracing::instrument(name = "report_data.assessed", skip_all, fields(db.system.name = "postgresql"))]
pub async fn assessed(conn: &mut PgConnection, w: &Window) -> Result<Vec<Assessed>> {
    let year = w.status_date.year();
    let year_start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(w.status_date);
    let two_years_before = NaiveDate::from_ymd_opt(year - 2, 1, 1).unwrap_or(w.status_date);
    sqlx::query_as(concat!(
        as_of_ctes!(),
        ", due AS (
            SELECT cv.donor_id,
                   coalesce(sum(i.amount) FILTER (WHERE i.due_date < $3), 0) AS due_before_year,
                   coalesce(sum(i.amount) FILTER (WHERE i.due_date >= $3 AND i.due_date <= $2), 0)
                       AS due_in_year,
                   coalesce(sum(i.amount) FILTER (WHERE i.due_date >= $4 AND i.due_date < $3), 0)
                       AS due_two_preceding_years
              FROM cv
              JOIN installments i ON i.contribution_id = cv.id AND i.revision = cv.revision
             WHERE cv.funding_type = 'assessed' AND cv.status = 'commitment'
             GROUP BY cv.donor_id),
         paid AS (
            SELECT cv.donor_id,
                   coalesce(sum(rv.amount) FILTER (WHERE rv.received_date < $3), 0)
                       AS received_before_year,
                   coalesce(sum(rv.amount) FILTER (WHERE rv.received_date >= $3), 0)
                       AS received_in_year
              FROM rv JOIN cv ON cv.id = rv.contribution_id
             WHERE cv.funding_type = 'assessed'
             GROUP BY cv.donor_id),
         members AS (
            SELECT organization_id AS id FROM member_state_versions
             WHERE valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1)
            UNION SELECT donor_id FROM due
            UNION SELECT donor_id FROM paid)
        SELECT m.id AS donor_id, ov.display_name AS donor_name,
               coalesce(due.due_before_year, 0) AS due_before_year,
               coalesce(due.due_in_year, 0) AS due_in_year,
               coalesce(due.due_two_preceding_years, 0) AS due_two_preceding_years,
               coalesce(paid.received_before_year, 0) AS received_before_year,
               coalesce(paid.received_in_year, 0) AS received_in_year
          FROM members m
          JOIN ov ON ov.id = m.id
          LEFT JOIN due ON due.donor_id = m.id
          LEFT JOIN paid ON paid.donor_id = m.id
         ORDER BY ov.display_name, m.id"
    ))
    .bind_at(w)
    .bind(year_start)
    .bind(two_years_before)
    .fetch_planned(conn)
    .await
}

/// Receipts on each Member State's assessed contributions up to the status date, summed per
/// day, in date order: what a payment plan is measured against.
#[tracing::instrument(name = "report_data.assessed_receipts", skip_all, fields(db.system.name = "postgresql"))]
pub async fn assessed_receipts(
    conn: &mut PgConnection,
    w: &Window,
) -> Result<Vec<(String, NaiveDate, Decimal)>> {
    sqlx::query_as(concat!(
        as_of_ctes!(),
        " SELECT cv.donor_id, rv.received_date, sum(rv.amount)
            FROM rv JOIN cv ON cv.id = rv.contribution_id
           WHERE cv.funding_type = 'assessed'
           GROUP BY 1, 2
           ORDER BY 1, 2"
    ))
    .bind_at(w)
    .fetch_planned(conn)
    .await
}

/// One installment of a voluntary commitment, with what receipts (settling installments in due
/// order) have paid of it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Installment {
    pub contribution_id: String,
    pub donor_id: String,
    pub donor_name: String,
    pub earmarking_category: Option<i16>,
    pub currency: String,
    pub total: Decimal,
    pub received: Decimal,
    pub due_date: NaiveDate,
    pub amount: Decimal,
    pub paid: Decimal,
    /// True when the schedule falls in more than one calendar year.
    pub multi_year: bool,
    /// The session where the money was announced, when recorded.
    pub announced_session_id: Option<String>,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// `max(total - received, 0)` converted at the rate of the status date's month.
    pub converted: Option<Decimal>,
    #[sqlx(flatten)]
    pub rate: RateRef,
}

/// The next `limit` voluntary contributions by id after `after` (from the start when `None`):
/// the keyset pages the exports' annexes are read in. Identities are never deleted, so the same
/// pages come back whenever this runs; which of them a report lists is decided as of its instant
/// by the queries below.
#[tracing::instrument(name = "report_data.contribution_page", skip_all, fields(db.system.name = "postgresql"))]
pub async fn contribution_page(
    conn: &mut PgConnection,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM contributions
          WHERE funding_type = 'voluntary' AND ($1::text IS NULL OR id > $1)
          ORDER BY id LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// The installments of `cv`'s version, for a `CROSS JOIN LATERAL` from a row of a page: read
/// through `installments_pkey`, never by a join the planner could turn into a scan of them all.
macro_rules! installments_by_key {
    () => {
        "SELECT i.position, i.due_date, i.amount
           FROM installments i
          WHERE i.contribution_id = cv.id AND i.revision = cv.revision
         OFFSET 0"
    };
}

/// The common table expressions of [`as_of_ctes`] for the contributions of the array parameter
/// `$ids` only: a page of an annex reads its own rows through the primary keys, whatever the size
/// of the tables and whatever the planner believes of them.
///
/// Every row is reached by its key from a row of the page: the contribution through
/// `contributions_pkey`, its versions through `contribution_versions_pkey`, its receipts
/// through `receipts_contribution` and their versions through `receipt_versions_pkey`, each
/// donor's names through `organization_versions_pkey`, and (`installments_by_key`) a version's
/// installments through `installments_pkey`. Each
/// lookup is a lateral subquery with `OFFSET 0` that names the key alone: the planner can
/// neither flatten it into a join (and hash-join a sequential scan of the whole table, or, in
/// the generic plan a prepared statement gets from its sixth run on a connection, aggregate
/// again for every row of the page) nor push the as-of condition into it (and intersect the
/// as-of index, every version of every contribution, with the key once per row: what it did
/// with stale statistics, BENCHMARKS.md, "Annex pages without statistics"). A key has a few
/// versions; the one in force is picked from them outside. The three sets are `MATERIALIZED`
/// and read with nested loops off (`fetch_by_key`): each is computed once, its size bounded by
/// the page, and joined to the others by hash, so a wrong estimate costs a hash table sized
/// wrongly, never a scan per row.
macro_rules! page_ctes {
    ($ids:literal) => {
        concat!(
            "WITH cv AS MATERIALIZED (",
            cv_columns!(),
            " FROM unnest(",
            $ids,
            "::text[]) AS page (id)
             CROSS JOIN LATERAL (
                SELECT c.* FROM contributions c WHERE c.id = page.id OFFSET 0) c
             CROSS JOIN LATERAL (
                SELECT v.* FROM contribution_versions v WHERE v.contribution_id = c.id
                OFFSET 0) v
             WHERE v.valid_from <= $1 AND (v.valid_to IS NULL OR v.valid_to > $1)),
         rv AS MATERIALIZED (
            SELECT r.id, r.contribution_id, v.received_date, v.amount
              FROM cv
             CROSS JOIN LATERAL (
                SELECT r.id, r.contribution_id FROM receipts r WHERE r.contribution_id = cv.id
                OFFSET 0) r
             CROSS JOIN LATERAL (
                SELECT v.* FROM receipt_versions v WHERE v.receipt_id = r.id
                OFFSET 0) v
             WHERE v.valid_from <= $1 AND (v.valid_to IS NULL OR v.valid_to > $1)
               AND NOT v.withdrawn AND v.received_date <= $2),
         ov AS MATERIALIZED (
            SELECT d.id, v.display_name
              FROM (SELECT DISTINCT donor_id AS id FROM cv) d
             CROSS JOIN LATERAL (
                SELECT v.* FROM organization_versions v WHERE v.organization_id = d.id
                OFFSET 0) v
             WHERE v.valid_from <= $1 AND (v.valid_to IS NULL OR v.valid_to > $1))"
        )
    };
}

/// Installments of the multi-year voluntary commitments among `ids` signed by the status date,
/// and the overdue installments of every other one (due on or before the status date and not
/// fully paid at it), in contribution-id and schedule order: one page of the exports' annexes of
/// schedules and overdue installments, computed as the stored report's sums are.
#[tracing::instrument(name = "report_data.installments_of", skip_all, fields(db.system.name = "postgresql"))]
pub async fn installments_of(
    conn: &mut PgConnection,
    w: &Window,
    target: &str,
    minor_units: i32,
    ids: &[String],
) -> Result<Vec<Installment>> {
    sqlx::query_as(concat!(
        page_ctes!("$7"),
        ", rates AS MATERIALIZED (
            SELECT base_currency, quote_currency, month, rate, source, revision
              FROM exchange_rate_versions
             WHERE month = date_trunc('month', $2::date)::date
               AND (base_currency = $5 OR quote_currency = $5)
               AND valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1)),
         inst AS (
            SELECT cv.id AS contribution_id, cv.donor_id, cv.earmarking_category,
                   cv.currency_code::text AS cur, cv.total, i.position, i.due_date, i.amount,
                   cv.announced_session_id, cv.period_start, cv.period_end,
                   sum(i.amount) OVER (PARTITION BY cv.id ORDER BY i.due_date, i.position)
                       AS running,
                   date_part('year', min(i.due_date) OVER (PARTITION BY cv.id))
                       <> date_part('year', max(i.due_date) OVER (PARTITION BY cv.id))
                       AS multi_year
              FROM cv
             CROSS JOIN LATERAL (",
        installments_by_key!(),
        ") i
             WHERE cv.funding_type = 'voluntary' AND cv.status = 'commitment'
               AND cv.agreement_date <= $2),
         paid AS (
            SELECT contribution_id, sum(amount) AS received FROM rv GROUP BY contribution_id),
         x AS (
            SELECT inst.*, coalesce(paid.received, 0) AS received,
                   least(greatest(coalesce(paid.received, 0) - (inst.running - inst.amount), 0),
                         inst.amount) AS paid,
                   greatest(inst.total - coalesce(paid.received, 0), 0) AS amt,
                   date_trunc('month', $2::date)::date AS m
              FROM inst
              LEFT JOIN paid ON paid.contribution_id = inst.contribution_id)
        SELECT x.contribution_id, x.donor_id, ov.display_name AS donor_name,
               x.earmarking_category, x.cur AS currency, x.total, x.received, x.due_date,
               x.amount, x.paid, x.multi_year, x.announced_session_id, x.period_start,
               x.period_end, ",
        conversion_columns!(),
        " FROM x JOIN ov ON ov.id = x.donor_id ",
        conversion_joins!(),
        " WHERE x.multi_year OR (x.paid < x.amount AND x.due_date <= $2)
          ORDER BY x.contribution_id, x.due_date, x.position"
    ))
    .bind_window(w)
    .bind_money(target, minor_units)
    .bind(ids)
    .fetch_by_key(conn)
    .await
}

/// The pledges among `ids` that [`pledges`] lists, in contribution-id order: one page of the
/// exports' annex of pledges.
#[tracing::instrument(name = "report_data.pledges_of", skip_all, fields(db.system.name = "postgresql"))]
pub async fn pledges_of(
    conn: &mut PgConnection,
    w: &Window,
    session_id: &str,
    ids: &[String],
) -> Result<Vec<Pledge>> {
    sqlx::query_as(concat!(
        page_ctes!("$6"),
        pledge_select!(),
        "ORDER BY cv.id"
    ))
    .bind_window(w)
    .bind(session_id)
    .bind(ids)
    .fetch_by_key(conn)
    .await
}

/// An allocation of unearmarked money decided in the period, up to the status date.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Allocation {
    pub id: String,
    pub allocation_date: NaiveDate,
    pub amount: Decimal,
    pub programme_id: Option<String>,
    pub programme_code: Option<String>,
    pub srf_objective: Option<i16>,
    pub programme_objective: Option<i16>,
    pub description: String,
}

#[tracing::instrument(name = "report_data.allocations", skip_all, fields(db.system.name = "postgresql"))]
pub async fn allocations(conn: &mut PgConnection, w: &Window) -> Result<Vec<Allocation>> {
    sqlx::query_as(
        "SELECT a.id, v.allocation_date, v.amount, v.programme_id, pv.code AS programme_code,
                v.srf_objective, pv.srf_objective AS programme_objective, v.description
           FROM allocations a
           JOIN allocation_versions v ON v.allocation_id = a.id
           LEFT JOIN programme_versions pv ON pv.programme_id = v.programme_id
                AND pv.valid_from <= $1 AND (pv.valid_to IS NULL OR pv.valid_to > $1)
          WHERE v.valid_from <= $1 AND (v.valid_to IS NULL OR v.valid_to > $1)
            AND v.allocation_date BETWEEN $3 AND $4 AND v.allocation_date <= $2
          ORDER BY v.allocation_date, a.id",
    )
    .bind_window(w)
    .fetch_planned(conn)
    .await
}

/// An indicator with its programme, as of the report's instant.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Indicator {
    pub programme_id: String,
    pub programme_code: String,
    pub programme_title: String,
    pub programme_objective: Option<i16>,
    pub indicator_id: String,
    pub title: String,
    pub result_level: String,
    pub measure: String,
    pub direction: String,
    pub cumulative: bool,
    pub unit: String,
    pub baseline_value: Option<Decimal>,
    pub baseline_date: Option<NaiveDate>,
}

#[tracing::instrument(name = "report_data.indicators", skip_all, fields(db.system.name = "postgresql"))]
pub async fn indicators(conn: &mut PgConnection, w: &Window) -> Result<Vec<Indicator>> {
    sqlx::query_as(
        "SELECT pv.programme_id, pv.code AS programme_code, pv.title AS programme_title,
                pv.srf_objective AS programme_objective, iv.indicator_id, iv.title,
                iv.result_level, iv.measure, iv.direction, iv.cumulative, iv.unit,
                iv.baseline_value, iv.baseline_date
           FROM programme_versions pv
           JOIN indicator_versions iv ON iv.programme_id = pv.programme_id
          WHERE pv.valid_from <= $1 AND (pv.valid_to IS NULL OR pv.valid_to > $1)
            AND iv.valid_from <= $1 AND (iv.valid_to IS NULL OR iv.valid_to > $1)
          ORDER BY pv.code, pv.programme_id, iv.indicator_id",
    )
    .bind(w.as_of)
    .fetch_planned(conn)
    .await
}

/// The figures of one indicator for one combination of disaggregation values: for a cumulative
/// indicator the latest period ending by the end of the reporting period; otherwise the sums
/// over the periods inside the reporting period.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResultFigures {
    pub programme_id: String,
    pub indicator_id: String,
    pub dimension_key: String,
    pub dimensions: serde_json::Value,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub target: Option<Decimal>,
    pub actual: Option<Decimal>,
    pub verified: bool,
    /// Ids of the unverified measurements behind these figures.
    pub unverified: Vec<String>,
}

#[tracing::instrument(name = "report_data.result_figures", skip_all, fields(db.system.name = "postgresql"))]
pub async fn result_figures(conn: &mut PgConnection, w: &Window) -> Result<Vec<ResultFigures>> {
    sqlx::query_as(
        "WITH iv AS (
            SELECT programme_id, indicator_id, cumulative FROM indicator_versions
             WHERE valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1)),
         mv AS (
            SELECT m.id, m.programme_id, m.indicator_id, m.period_start, m.period_end,
                   m.dimensions, m.dimension_key, v.target, v.actual, v.verified, iv.cumulative
              FROM measurements m
              JOIN measurement_versions v ON v.measurement_id = m.id
              JOIN iv ON iv.programme_id = m.programme_id AND iv.indicator_id = m.indicator_id
             WHERE v.valid_from <= $1 AND (v.valid_to IS NULL OR v.valid_to > $1)
               AND m.period_end <= $3),
         latest AS (
            SELECT DISTINCT ON (programme_id, indicator_id, dimension_key)
                   programme_id, indicator_id, dimension_key, dimensions, period_start,
                   period_end, target, actual, verified,
                   CASE WHEN verified THEN ARRAY[]::text[] ELSE ARRAY[id] END AS unverified
              FROM mv WHERE cumulative
             ORDER BY programme_id, indicator_id, dimension_key, period_end DESC,
                      period_start DESC, id),
         summed AS (
            SELECT programme_id, indicator_id, dimension_key,
                   (array_agg(dimensions))[1] AS dimensions,
                   min(period_start) AS period_start, max(period_end) AS period_end,
                   sum(target) AS target, sum(actual) AS actual, bool_and(verified) AS verified,
                   coalesce(array_agg(id ORDER BY id) FILTER (WHERE NOT verified),
                            ARRAY[]::text[]) AS unverified
              FROM mv WHERE NOT cumulative AND period_start >= $2
             GROUP BY programme_id, indicator_id, dimension_key)
        SELECT * FROM latest
        UNION ALL
        SELECT * FROM summed
        ORDER BY programme_id, indicator_id, dimension_key",
    )
    .bind(w.as_of)
    .bind(w.period_start)
    .bind(w.period_end)
    .fetch_planned(conn)
    .await
}

/// A contribution with something doubtful about it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Doubt {
    /// `overpaid` or `pledge_with_receipts`.
    pub kind: String,
    pub contribution_id: String,
    pub donor_id: String,
    pub donor_name: String,
    pub currency: String,
    pub total: Decimal,
    pub received: Decimal,
}

/// What [`doubts`] and [`doubts_of`] select after the common table expressions.
macro_rules! doubt_select {
    () => {
        ", paid AS (
            SELECT contribution_id, sum(amount) AS received FROM rv GROUP BY contribution_id),
         c AS (
            SELECT cv.id, cv.status, cv.total, cv.currency_code, cv.donor_id,
                   ov.display_name AS donor_name, paid.received
              FROM cv JOIN ov ON ov.id = cv.donor_id
              JOIN paid ON paid.contribution_id = cv.id
             WHERE cv.funding_type = 'voluntary')
        SELECT kind, id AS contribution_id, donor_id, donor_name,
               currency_code::text AS currency, total, received
          FROM (
            SELECT 'overpaid' AS kind, c.* FROM c WHERE c.received > c.total
            UNION ALL
            SELECT 'pledge_with_receipts', c.* FROM c WHERE c.status = 'pledge' AND c.received > 0
          ) doubtful
         ORDER BY kind, contribution_id"
    };
}

/// Voluntary contributions whose data is doubtful at the status date: received beyond their
/// total, or pledges with money received. (Earmarked money without a programme cannot be
/// recorded: categories 3 and 4 must name one, and category 2 needs none.)
#[tracing::instrument(name = "report_data.doubts", skip_all, fields(db.system.name = "postgresql"))]
pub async fn doubts(conn: &mut PgConnection, w: &Window) -> Result<Vec<Doubt>> {
    sqlx::query_as(concat!(as_of_ctes!(), doubt_select!()))
        .bind_at(w)
        .fetch_planned(conn)
        .await
}

/// The doubts of [`doubts`] among the contributions `ids`: one page of the exports' annex of
/// data-quality entries.
#[tracing::instrument(name = "report_data.doubts_of", skip_all, fields(db.system.name = "postgresql"))]
pub async fn doubts_of(conn: &mut PgConnection, w: &Window, ids: &[String]) -> Result<Vec<Doubt>> {
    sqlx::query_as(concat!(page_ctes!("$3"), doubt_select!()))
        .bind_at(w)
        .bind(ids)
        .fetch_by_key(conn)
        .await
}

/// One installment of a voluntary contribution agreed by a status date, with what receipts up to
/// that date (settling installments in due order) have paid of it: what "changes since the
/// previous session" compares, contribution by contribution.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScheduleRow {
    pub contribution_id: String,
    pub donor_id: String,
    pub donor_name: String,
    /// `pledge` or `commitment`.
    pub status: String,
    pub currency: String,
    pub total: Decimal,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// `None` for a contribution without installments.
    pub due_date: Option<NaiveDate>,
    pub amount: Option<Decimal>,
    pub paid: Option<Decimal>,
}

/// What [`schedule_rows_of`] selects after the common table expressions.
macro_rules! schedule_select {
    () => {
        concat!(
            ", inst AS (
            SELECT cv.id, i.position, i.due_date, i.amount,
                   sum(i.amount) OVER (PARTITION BY cv.id ORDER BY i.due_date, i.position)
                       AS running
              FROM cv
             CROSS JOIN LATERAL (",
            installments_by_key!(),
            ") i
             WHERE cv.funding_type = 'voluntary' AND cv.agreement_date <= $2),
         paid AS (
            SELECT contribution_id, sum(amount) AS received FROM rv GROUP BY contribution_id)
        SELECT cv.id AS contribution_id, cv.donor_id, ov.display_name AS donor_name,
               cv.status::text AS status, cv.currency_code::text AS currency, cv.total,
               cv.period_start, cv.period_end, inst.due_date, inst.amount,
               least(greatest(coalesce(paid.received, 0) - (inst.running - inst.amount), 0),
                     inst.amount) AS paid
          FROM cv
          JOIN ov ON ov.id = cv.donor_id
          LEFT JOIN inst ON inst.id = cv.id
          LEFT JOIN paid ON paid.contribution_id = cv.id
         WHERE cv.funding_type = 'voluntary' AND cv.agreement_date <= $2
         ORDER BY cv.id, inst.due_date, inst.position"
        )
    };
}

/// Every voluntary contribution (pledge or commitment) among `ids` agreed by `status_date`, as
/// known at `as_of`, with its installments and what was paid of each by `status_date`; by
/// contribution, then in due order: one page of section 8's contribution changes and of the
/// exports' annex of them.
#[tracing::instrument(name = "report_data.schedule_rows_of", skip_all, fields(db.system.name = "postgresql"))]
pub async fn schedule_rows_of(
    conn: &mut PgConnection,
    as_of: DateTime<Utc>,
    status_date: NaiveDate,
    ids: &[String],
) -> Result<Vec<ScheduleRow>> {
    sqlx::query_as(concat!(page_ctes!("$3"), schedule_select!()))
        .bind(as_of)
        .bind(status_date)
        .bind(ids)
        .fetch_by_key(conn)
        .await
}

/// The installments of voluntary commitments signed by the status date, computed once per
/// report: section 5 and the overdue installments of section 9 are read from them.
///
/// Each row is one installment with what receipts up to the status date have paid of it
/// (`paid`, receipts settling installments in due order), its schedule's unpaid balance
/// (`balance`) and whether the schedule falls in more than one year. The table lives in the
/// transaction of [`schedules`] only (`ON COMMIT DROP`; a rolled-back or abandoned transaction
/// drops it too), so the four statements that read it see one computation of every schedule as
/// of the instant instead of each making its own.
const SCHEDULES_TABLE: &str = "CREATE TEMP TABLE report_installments (
        contribution_id text     NOT NULL,
        donor_id        text     NOT NULL,
        cur             text     NOT NULL,
        total           numeric  NOT NULL,
        position        smallint NOT NULL,
        due_date        date     NOT NULL,
        amount          numeric  NOT NULL,
        multi_year      boolean  NOT NULL,
        paid            numeric  NOT NULL,
        balance         numeric  NOT NULL
    ) ON COMMIT DROP";

/// What [`SCHEDULES_TABLE`] holds, as of `$1` and at the status date `$2`.
const SCHEDULES_FILL: &str = concat!(
    "INSERT INTO report_installments (contribution_id, donor_id, cur, total, position, due_date,
                                      amount, multi_year, paid, balance) ",
    as_of_ctes!(),
    ", inst AS (
        SELECT cv.id AS contribution_id, cv.donor_id, cv.currency_code::text AS cur,
               cv.total, i.position, i.due_date, i.amount,
               sum(i.amount) OVER (PARTITION BY cv.id ORDER BY i.due_date, i.position)
                   AS running,
               date_part('year', min(i.due_date) OVER (PARTITION BY cv.id))
                   <> date_part('year', max(i.due_date) OVER (PARTITION BY cv.id))
                   AS multi_year
          FROM cv
          JOIN installments i ON i.contribution_id = cv.id AND i.revision = cv.revision
         WHERE cv.funding_type = 'voluntary' AND cv.status = 'commitment'
           AND cv.agreement_date <= $2),
     paid AS (
        SELECT contribution_id, sum(amount) AS received FROM rv GROUP BY contribution_id)
    SELECT inst.contribution_id, inst.donor_id, inst.cur, inst.total, inst.position,
           inst.due_date, inst.amount, inst.multi_year,
           least(greatest(coalesce(paid.received, 0) - (inst.running - inst.amount), 0),
                 inst.amount),
           greatest(inst.total - coalesce(paid.received, 0), 0)
      FROM inst
      LEFT JOIN paid ON paid.contribution_id = inst.contribution_id"
);

/// The as-of common table expressions (for the donors' names and the rates) and `y`, the rows
/// of [`SCHEDULES_TABLE`].
macro_rules! schedule_ctes {
    () => {
        concat!(
            as_of_ctes!(),
            ", y AS NOT MATERIALIZED (SELECT * FROM report_installments)"
        )
    };
}

/// One donor's unpaid multi-year installments due in one year, in the target currency at the
/// rate of the status date's month.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MultiYearCell {
    pub donor_id: String,
    pub donor_name: String,
    pub year: i32,
    /// Sum of each installment's unpaid amount converted and rounded, over those with a rate.
    pub converted: Decimal,
    /// Whether any of the donor's multi-year installments of that year has a rate.
    pub with_rate: bool,
    /// Whether any of them is not fully paid at the status date.
    pub unpaid: bool,
}

/// The multi-year schedules' donor-by-year cells and per-currency balances, and the overdue
/// installments (due on or before the status date, not fully paid at it): what the report keeps
/// of the schedules, whatever their number.
pub struct Schedules {
    /// Section 5's donor-by-year table, in donor-name order.
    pub cells: Vec<MultiYearCell>,
    /// Section 5's balances per currency, in currency order.
    pub currencies: Vec<MultiYearCurrency>,
    /// How many distinct overdue entries there are.
    pub overdue: i64,
    /// The overdue installments of the first `subjects` contributions by id (bytewise), from
    /// which the report's sample is taken.
    pub overdue_sample: Vec<Installment>,
}

/// Computes the installments once ([`SCHEDULES_TABLE`]), then section 5 and the overdue
/// installments from them, in one transaction with nested loops ruled out (see
/// [`FetchPlanned`]); amounts are converted into `target` with `minor_units` decimals at the rate
/// of the status date's month.
#[tracing::instrument(name = "report_data.schedules", skip_all, fields(db.system.name = "postgresql"))]
pub async fn schedules(
    conn: &mut PgConnection,
    w: &Window,
    target: &str,
    minor_units: i32,
    subjects: i64,
) -> Result<Schedules> {
    let mut tx = conn.begin().await?;
    sqlx::query("SET LOCAL enable_nestloop = off")
        .execute(&mut *tx)
        .await?;
    sqlx::query(SCHEDULES_TABLE).execute(&mut *tx).await?;
    sqlx::query(SCHEDULES_FILL)
        .bind(w.as_of)
        .bind(w.status_date)
        .execute(&mut *tx)
        .await?;
    // The planner knows nothing of a table made a moment ago: give it the rows' statistics.
    sqlx::query("ANALYZE report_installments")
        .execute(&mut *tx)
        .await?;
    let schedules = Schedules {
        cells: multi_year_cells(&mut tx, w, target, minor_units).await?,
        currencies: multi_year_currencies(&mut tx, w, target, minor_units).await?,
        overdue: overdue_count(&mut tx, w).await?,
        overdue_sample: overdue_sample(&mut tx, w, subjects).await?,
    };
    tx.commit().await?;
    Ok(schedules)
}

/// Section 5's donor-by-year table summed in PostgreSQL, one row per donor and year of the
/// multi-year installments' due dates, in donor-name order.
#[tracing::instrument(name = "report_data.multi_year_cells", skip_all, fields(db.system.name = "postgresql"))]
async fn multi_year_cells(
    conn: &mut PgConnection,
    w: &Window,
    target: &str,
    minor_units: i32,
) -> Result<Vec<MultiYearCell>> {
    Ok(sqlx::query_as(concat!(
        schedule_ctes!(),
        ", x AS (
            SELECT y.donor_id, y.cur, y.due_date, y.paid, y.amount,
                   greatest(y.amount - y.paid, 0) AS amt,
                   date_trunc('month', $2::date)::date AS m
              FROM y WHERE y.multi_year),
         c AS (
            SELECT x.donor_id, date_part('year', x.due_date)::int AS year, x.paid < x.amount
                       AS unpaid, ",
        conversion_columns!(),
        " FROM x ",
        conversion_joins!(),
        ")
        SELECT c.donor_id, ov.display_name AS donor_name, c.year,
               coalesce(sum(c.converted), 0) AS converted,
               bool_or(c.converted IS NOT NULL) AS with_rate, bool_or(c.unpaid) AS unpaid
          FROM c JOIN ov ON ov.id = c.donor_id
         GROUP BY 1, 2, 3
         ORDER BY ov.display_name, c.donor_id, c.year"
    ))
    .bind_window(w)
    .bind_money(target, minor_units)
    .fetch_all(conn)
    .await?)
}

/// The multi-year schedules of one currency: how many, their outstanding balances converted
/// (each rounded), whether one with a balance has no rate, and the rate of the status date's
/// month.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MultiYearCurrency {
    pub currency: String,
    pub schedules: i64,
    /// Sum of the schedules' converted balances, over those with a rate.
    pub converted: Decimal,
    /// A schedule with a balance has no rate.
    pub missing_rate: bool,
    #[sqlx(flatten)]
    pub rate: RateRef,
}

/// Section 5's balances per currency: each multi-year schedule's outstanding balance converted
/// and rounded, summed per currency.
#[tracing::instrument(name = "report_data.multi_year_currencies", skip_all, fields(db.system.name = "postgresql"))]
async fn multi_year_currencies(
    conn: &mut PgConnection,
    w: &Window,
    target: &str,
    minor_units: i32,
) -> Result<Vec<MultiYearCurrency>> {
    Ok(sqlx::query_as(concat!(
        schedule_ctes!(),
        ", x AS (
            SELECT DISTINCT y.contribution_id, y.cur, y.balance AS amt,
                   date_trunc('month', $2::date)::date AS m
              FROM y WHERE y.multi_year),
         c AS (
            SELECT x.cur, x.amt, ",
        conversion_columns!(),
        " FROM x ",
        conversion_joins!(),
        ")
        SELECT c.cur AS currency, count(*) AS schedules,
               coalesce(sum(c.converted), 0) AS converted,
               bool_or(c.converted IS NULL AND c.amt <> 0) AS missing_rate,
               min(c.rate_base) AS rate_base, min(c.rate_quote) AS rate_quote,
               min(c.rate) AS rate, min(c.rate_source) AS rate_source,
               min(c.rate_revision) AS rate_revision
          FROM c
         GROUP BY c.cur
         ORDER BY c.cur"
    ))
    .bind_window(w)
    .bind_money(target, minor_units)
    .fetch_all(conn)
    .await?)
}

/// How many distinct overdue entries there are at the status date.
#[tracing::instrument(name = "report_data.overdue_count", skip_all, fields(db.system.name = "postgresql"))]
async fn overdue_count(conn: &mut PgConnection, w: &Window) -> Result<i64> {
    Ok(sqlx::query_scalar(concat!(
        schedule_ctes!(),
        " SELECT count(DISTINCT (y.contribution_id, y.due_date, y.amount - y.paid))
            FROM y WHERE y.paid < y.amount AND y.due_date <= $2"
    ))
    .bind_at(w)
    .fetch_one(conn)
    .await?)
}

/// The overdue installments of the first `subjects` contributions by id (bytewise).
#[tracing::instrument(name = "report_data.overdue_sample", skip_all, fields(db.system.name = "postgresql"))]
async fn overdue_sample(
    conn: &mut PgConnection,
    w: &Window,
    subjects: i64,
) -> Result<Vec<Installment>> {
    Ok(sqlx::query_as(concat!(
        schedule_ctes!(),
        ", first AS (
            SELECT DISTINCT y.contribution_id COLLATE \"C\" AS contribution_id FROM y
             WHERE y.paid < y.amount AND y.due_date <= $2
             ORDER BY 1 LIMIT $3)
        SELECT y.contribution_id, y.donor_id, ov.display_name AS donor_name,
               NULL::smallint AS earmarking_category, y.cur AS currency, y.total,
               0::numeric AS received, y.due_date, y.amount, y.paid, false AS multi_year,
               NULL::text AS announced_session_id, y.due_date AS period_start,
               y.due_date AS period_end, NULL::numeric AS converted,
               NULL::text AS rate_base, NULL::text AS rate_quote, NULL::numeric AS rate,
               NULL::text AS rate_source, NULL::int AS rate_revision
          FROM y JOIN first ON first.contribution_id = y.contribution_id
          JOIN ov ON ov.id = y.donor_id
         WHERE y.paid < y.amount AND y.due_date <= $2
         ORDER BY y.contribution_id COLLATE \"C\", y.due_date, y.position"
    ))
    .bind_at(w)
    .bind(subjects)
    .fetch_all(conn)
    .await?)
}

/// The country of every government known at the as-of instant, `(organization id, ISO
/// 3166-1 alpha-2 code)` by id: what lets a report name Member States and donor governments in
/// its reader's language. Bounded by the number of countries.
#[tracing::instrument(name = "report_data.countries", skip_all, fields(db.system.name = "postgresql"))]
pub async fn countries(conn: &mut PgConnection, w: &Window) -> Result<Vec<(String, String)>> {
    sqlx::query_as(
        "SELECT organization_id, country_code::text
           FROM organization_versions
          WHERE valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1)
            AND kind = 'government' AND country_code IS NOT NULL
          ORDER BY organization_id",
    )
    .bind(w.as_of)
    .fetch_all(conn)
    .await
    .map_err(Into::into)
}
