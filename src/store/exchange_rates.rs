//! Exchange rates and their versions. A rate is identified by its pair and month; a correction
//! is a new revision, so a report regenerated as of its instant converts with the rate it used.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sqlx::{PgConnection, Postgres, QueryBuilder};

use super::{
    AsOf, Statement, Versioned,
    history::{self, Kept, Listed, Revision, Stamp},
};
use crate::{
    domain::{
        dates::Month,
        exchange_rate::{ExchangeRate, Rate, RateKey},
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
    #[sqlx(flatten)]
    stamp: Stamp,
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
        Ok(r.stamp.version(value))
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

    async fn insert_version(&self, conn: &mut PgConnection, at: Revision<'_>) -> Result<()> {
        sqlx::query!(
            "INSERT INTO exchange_rate_versions (base_currency, quote_currency, month, revision,
                 valid_from, rate, source)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            self.key.base.code(),
            self.key.quote.code(),
            self.key.month.first_day(),
            at.number,
            at.valid_from,
            self.rate.value(),
            &self.source,
        )
        .write(conn)
        .await
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

/// A rate's cursor, its pair and month, bound as the identity's columns are typed.
impl history::Key for Cursor {
    fn push_values(&self, qb: &mut QueryBuilder<'_, Postgres>) {
        qb.push_bind(self.0.clone())
            .push("::bpchar, ")
            .push_bind(self.1.clone())
            .push("::bpchar, ")
            .push_bind(self.2);
    }
}

impl Listed for ExchangeRate {
    type Cursor = Cursor;
    const ORDER: &'static [&'static str] = &["e.base_currency", "e.quote_currency", "e.month"];

    fn cursor(v: &Versioned<ExchangeRate>) -> Cursor {
        let key = v.value.key;
        (
            key.base.code().to_owned(),
            key.quote.code().to_owned(),
            key.month.first_day(),
        )
    }

    fn filter_column(field: &str) -> Option<(&'static str, &'static str)> {
        Some(match field {
            "base_currency_code" => ("e.base_currency::text", ""),
            "quote_currency_code" => ("e.quote_currency::text", ""),
            "month" => ("e.month", ""),
            _ => return None,
        })
    }
}
