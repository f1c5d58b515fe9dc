//! Exchange rates and their versions. A rate is identified by its pair and month; a correction
//! is a new revision, so a report regenerated as of its instant converts with the rate it used.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};

use super::{
    AsOf, Versioned, already_exists,
    history::{self, Kept},
    write::Write,
};
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

/// One row of [`Kept::SELECT`].
#[derive(sqlx::FromRow)]
pub struct Row {
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

impl Kept for ExchangeRate {
    type Key = RateKey;
    type Row = Row;
    const SELECT: &'static str = "SELECT e.base_currency, e.quote_currency, e.month, v.revision, e.created_at,
            v.valid_from, v.rate, v.source
       FROM exchange_rates e JOIN exchange_rate_versions v
         ON (v.base_currency, v.quote_currency, v.month) = (e.base_currency, e.quote_currency, e.month)";
    const IDENTITY: &'static str = "exchange_rates";
    const ALIAS: &'static str = "e";
    const KEY: &'static [&'static str] = &["base_currency", "quote_currency", "month"];
    const VERSIONS: &'static str = "exchange_rate_versions";
    const VERSION_KEY: &'static [&'static str] = &["base_currency", "quote_currency", "month"];

    fn key(&self) -> RateKey {
        self.key
    }

    fn name_of(key: &RateKey) -> String {
        key.name()
    }

    async fn insert_version(
        &self,
        conn: &mut PgConnection,
        revision: i32,
        _reason: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query!(
            "INSERT INTO exchange_rate_versions (base_currency, quote_currency, month, revision,
                 valid_from, rate, source)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            self.key.base.code(),
            self.key.quote.code(),
            self.key.month.first_day(),
            revision,
            now,
            self.rate.value(),
            &self.source,
        )
        .execute(conn)
        .await
        .map_err(super::map_db_error)?;
        Ok(())
    }
}

impl history::Key for RateKey {
    fn push_values(&self, qb: &mut QueryBuilder<'_, Postgres>) {
        qb.push_bind(self.base.code().to_owned())
            .push("::bpchar, ")
            .push_bind(self.quote.code().to_owned())
            .push("::bpchar, ")
            .push_bind(self.month.first_day());
    }
}

/// Records the rate of a pair for a month (revision 1); ALREADY_EXISTS when it has one.
pub async fn create(w: &mut Write, rate: &ExchangeRate) -> Result<Versioned<ExchangeRate>> {
    let now = w.now();
    let key = rate.key;
    sqlx::query!(
        "INSERT INTO exchange_rates (base_currency, quote_currency, month, created_at)
         VALUES ($1, $2, $3, $4)",
        key.base.code(),
        key.quote.code(),
        key.month.first_day(),
        now,
    )
    .execute(w.conn())
    .await
    .map_err(|e| already_exists(e, "exchange_rates_pkey", &rate.name()))?;
    rate.insert_version(w.conn(), 1, "", now).await?;
    Ok(history::first(rate, now))
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
    let found = sqlx::query!(
        "SELECT rate, source, revision FROM exchange_rate_versions
          WHERE base_currency = $1::bpchar AND quote_currency = $2::bpchar AND month = $3
            AND valid_from <= $4 AND (valid_to IS NULL OR valid_to > $4)",
        base.code(),
        quote.code(),
        month.first_day(),
        as_of.bound() as _,
    )
    .fetch_optional(conn)
    .await?;
    // Trailing zeros are the column's scale, not part of the rate.
    Ok(found.map(|r| (r.rate.normalize(), r.source, r.revision)))
}

/// Rates after `after` in (base, quote, month) order matching the filter, as of an instant.
pub async fn list(
    pool: &PgPool,
    filter: &Filter,
    as_of: AsOf,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<Vec<Versioned<ExchangeRate>>> {
    let mut qb = QueryBuilder::<Postgres>::new(ExchangeRate::SELECT);
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
    history::fetch_all(qb, &mut *pool.acquire().await?).await
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
