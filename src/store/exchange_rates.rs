//! Exchange rates and their versions. A rate is identified by its pair and month; a correction
//! is a new revision, so a report regenerated as of its instant converts with the rate it used.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};

use super::{AsOf, Versioned, already_exists, write::Write};
use crate::{
    domain::{
        dates::Month,
        exchange_rate::{ExchangeRate, Rate, RateKey},
        filter::Filter,
        money::Currency,
    },
    error::{Error, Result},
};

/// Position of a rate in the list order (base, quote, month), for page tokens.
pub type Cursor = (String, String, NaiveDate);

#[derive(sqlx::FromRow)]
struct Row {
    base_currency: String,
    quote_currency: String,
    month: NaiveDate,
    revision: i32,
    created_at: DateTime<Utc>,
    valid_from: DateTime<Utc>,
    rate: Decimal,
    source: String,
}

impl TryFrom<Row> for Versioned<ExchangeRate> {
    type Error = Error;

    fn try_from(r: Row) -> Result<Self> {
        let corrupt = |what: &str| {
            Error::Internal(anyhow::anyhow!(
                "exchange rate {}-{}-{}: bad {what}",
                r.base_currency,
                r.quote_currency,
                r.month
            ))
        };
        let currency = |code: &str| Currency::parse(code, "").map_err(|_| corrupt("currency"));
        let key = RateKey::new(
            currency(&r.base_currency)?,
            currency(&r.quote_currency)?,
            Month::of(r.month),
            "",
        )
        .map_err(|_| corrupt("pair"))?;
        let value = ExchangeRate {
            key,
            rate: Rate::from_decimal(r.rate).ok_or_else(|| corrupt("rate"))?,
            source: r.source.clone(),
        };
        Ok(Versioned {
            revision: r.revision,
            created_at: r.created_at,
            updated_at: r.valid_from,
            value,
        })
    }
}

const SELECT: &str = "SELECT e.base_currency, e.quote_currency, e.month, v.revision, e.created_at,
        v.valid_from, v.rate, v.source
   FROM exchange_rates e JOIN exchange_rate_versions v
     ON (v.base_currency, v.quote_currency, v.month) = (e.base_currency, e.quote_currency, e.month)";

fn push_key(qb: &mut QueryBuilder<Postgres>, key: &RateKey) {
    qb.push("e.base_currency = ")
        .push_bind(key.base.code())
        .push("::bpchar AND e.quote_currency = ")
        .push_bind(key.quote.code())
        .push("::bpchar AND e.month = ")
        .push_bind(key.month.first_day());
}

/// Records the rate of a pair for a month (revision 1); ALREADY_EXISTS when it has one.
pub async fn create(w: &mut Write, rate: &ExchangeRate) -> Result<Versioned<ExchangeRate>> {
    let now = w.now();
    let key = rate.key;
    sqlx::query(
        "INSERT INTO exchange_rates (base_currency, quote_currency, month, created_at)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(key.base.code())
    .bind(key.quote.code())
    .bind(key.month.first_day())
    .bind(now)
    .execute(w.conn())
    .await
    .map_err(|e| already_exists(e, "exchange_rates_pkey", &rate.name()))?;
    insert_version(w.conn(), rate, 1, now).await?;
    Ok(Versioned {
        revision: 1,
        created_at: now,
        updated_at: now,
        value: rate.clone(),
    })
}

async fn insert_version(
    conn: &mut PgConnection,
    rate: &ExchangeRate,
    revision: i32,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO exchange_rate_versions (base_currency, quote_currency, month, revision,
             valid_from, rate, source)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(rate.key.base.code())
    .bind(rate.key.quote.code())
    .bind(rate.key.month.first_day())
    .bind(revision)
    .bind(now)
    .bind(rate.rate.value())
    .bind(&rate.source)
    .execute(conn)
    .await
    .map_err(super::map_db_error)?;
    Ok(())
}

/// Reads one rate as of an instant.
pub async fn get(
    conn: &mut PgConnection,
    key: &RateKey,
    as_of: AsOf,
) -> Result<Option<Versioned<ExchangeRate>>> {
    let mut qb = QueryBuilder::<Postgres>::new(SELECT);
    qb.push(" WHERE ");
    push_key(&mut qb, key);
    qb.push(" AND ");
    as_of.push_predicate(&mut qb, "v");
    qb.build_query_as::<Row>()
        .fetch_optional(conn)
        .await?
        .map(TryInto::try_into)
        .transpose()
}

/// The rate in force for exactly this pair and month as of an instant, with its source and
/// revision, so that a conversion can record which rate it used. There is no fallback to another
/// month or to the inverse pair: a missing rate is `None`, for the caller to report.
pub async fn rate_for(
    conn: &mut PgConnection,
    base: Currency,
    quote: Currency,
    month: Month,
    as_of: AsOf,
) -> Result<Option<(Decimal, String, i32)>> {
    let found: Option<(Decimal, String, i32)> = sqlx::query_as(
        "SELECT rate, source, revision FROM exchange_rate_versions
          WHERE base_currency = $1::bpchar AND quote_currency = $2::bpchar AND month = $3
            AND valid_from <= $4 AND (valid_to IS NULL OR valid_to > $4)",
    )
    .bind(base.code())
    .bind(quote.code())
    .bind(month.first_day())
    .bind(as_of.bound())
    .fetch_optional(conn)
    .await?;
    // Trailing zeros are the column's scale, not part of the rate.
    Ok(found.map(|(rate, source, revision)| (rate.normalize(), source, revision)))
}

/// Rates after `after` in (base, quote, month) order matching the filter, as of an instant.
pub async fn list(
    pool: &PgPool,
    filter: &Filter,
    as_of: AsOf,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<Vec<Versioned<ExchangeRate>>> {
    let mut qb = QueryBuilder::<Postgres>::new(SELECT);
    qb.push(" WHERE ");
    as_of.push_predicate(&mut qb, "v");
    if let Some((base, quote, month)) = after {
        qb.push(" AND (e.base_currency, e.quote_currency, e.month) > (")
            .push_bind(base.clone())
            .push("::bpchar, ")
            .push_bind(quote.clone())
            .push("::bpchar, ")
            .push_bind(*month)
            .push(")");
    }
    for group in filter.groups() {
        let column = match group.field {
            "base_currency_code" => "e.base_currency::text",
            "quote_currency_code" => "e.quote_currency::text",
            "month" => "e.month",
            other => return Err(super::undeclared_filter(other)),
        };
        super::push_group(&mut qb, column, &group, "", false)?;
    }
    qb.push(" ORDER BY e.base_currency, e.quote_currency, e.month LIMIT ")
        .push_bind(limit);
    qb.build_query_as::<Row>()
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
}

/// The position of a rate in the list order.
pub fn cursor(rate: &ExchangeRate) -> Cursor {
    let key = rate.key;
    (
        key.base.code().to_owned(),
        key.quote.code().to_owned(),
        key.month.first_day(),
    )
}

/// Corrects a rate's value or source with a new revision. `check` sees the current version
/// first (for the etag). Returns the version before and after; when nothing changed, both are
/// the current version and nothing is written.
pub async fn update(
    w: &mut Write,
    rate: &ExchangeRate,
    check: impl FnOnce(&Versioned<ExchangeRate>) -> Result<()>,
) -> Result<(Versioned<ExchangeRate>, Versioned<ExchangeRate>)> {
    let current = lock_current(w, &rate.key).await?;
    check(&current)?;
    if current.value == *rate {
        return Ok((current.clone(), current));
    }
    let now = w.now();
    close_version(w.conn(), &rate.key, now).await?;
    let revision = current.revision + 1;
    insert_version(w.conn(), rate, revision, now).await?;
    let after = Versioned {
        revision,
        created_at: current.created_at,
        updated_at: now,
        value: rate.clone(),
    };
    Ok((current, after))
}

/// Closes the open version of a rate. `store::close_version` takes a one-column key; a rate's
/// key has three.
async fn close_version(conn: &mut PgConnection, key: &RateKey, now: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "UPDATE exchange_rate_versions SET valid_to = $4
          WHERE base_currency = $1::bpchar AND quote_currency = $2::bpchar AND month = $3
            AND valid_to IS NULL",
    )
    .bind(key.base.code())
    .bind(key.quote.code())
    .bind(key.month.first_day())
    .bind(now)
    .execute(conn)
    .await
    .map_err(super::map_db_error)?;
    Ok(())
}

/// Waits for this rate's other writers, then reads its current version.
async fn lock_current(w: &mut Write, key: &RateKey) -> Result<Versioned<ExchangeRate>> {
    let lock = sqlx::query_scalar(
        "SELECT 1 FROM exchange_rates
          WHERE base_currency = $1::bpchar AND quote_currency = $2::bpchar AND month = $3
            FOR UPDATE",
    )
    .bind(key.base.code())
    .bind(key.quote.code())
    .bind(key.month.first_day());
    super::take_turn(w, lock, &key.name()).await?;
    let mut qb = QueryBuilder::<Postgres>::new(SELECT);
    qb.push(" WHERE ");
    push_key(&mut qb, key);
    qb.push(" AND v.valid_to IS NULL");
    qb.build_query_as::<Row>()
        .fetch_optional(w.conn())
        .await?
        .ok_or_else(|| Error::not_found(key.name()))?
        .try_into()
}
