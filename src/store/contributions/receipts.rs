//! Receipts and their versions.

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};

use super::stored_currency;
use crate::{
    domain::{
        contribution::receipt::{Receipt, receipt_name},
        filter::Filter,
        money::{Currency, Money},
        text::Id,
    },
    error::{Error, Result},
    store::{
        AsOf, Statement, Versioned,
        history::{self, Kept, Listed, Revision, Stamp},
        map_db_error,
        write::Write,
    },
};

/// One row of [`Kept::SELECT`].
#[derive(sqlx::FromRow)]
pub struct Row {
    id: String,
    contribution_id: String,
    currency_code: String,
    #[sqlx(flatten)]
    stamp: Stamp,
    received_date: NaiveDate,
    amount: Decimal,
    reference: String,
    withdrawn: bool,
}

impl TryFrom<Row> for Versioned<Receipt> {
    type Error = Error;

    fn try_from(r: Row) -> Result<Self> {
        let corrupt = |what: &str| Error::Internal(anyhow::anyhow!("receipt {}: bad {what}", r.id));
        let currency = stored_currency(&r.currency_code, &r.contribution_id)?;
        let value = Receipt {
            id: Id::parse(&r.id, "").map_err(|_| corrupt("id"))?,
            contribution: Id::parse(&r.contribution_id, "").map_err(|_| corrupt("contribution"))?,
            received_date: r.received_date,
            amount: Money::from_decimal(r.amount, currency),
            reference: r.reference.clone(),
            withdrawn: r.withdrawn,
        };
        Ok(r.stamp.version(value))
    }
}

/// A receipt's key: its contribution and its own id. Receipt ids are unique on their own, so
/// its version rows hold only the receipt's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptKey {
    pub contribution: Id,
    pub id: Id,
}

impl history::Key for ReceiptKey {
    fn push_values(&self, qb: &mut QueryBuilder<'_, Postgres>) {
        qb.push_bind(self.contribution.as_str().to_owned())
            .push(", ")
            .push_bind(self.id.as_str().to_owned());
    }

    fn push_version_values(&self, qb: &mut QueryBuilder<'_, Postgres>) {
        qb.push_bind(self.id.as_str().to_owned());
    }
}

impl Kept for Receipt {
    type Key = ReceiptKey;
    type Row = Row;
    const SELECT: &'static str = "SELECT r.id, r.contribution_id, r.created_at, c.currency_code,
            v.revision, v.valid_from, v.received_date, v.amount, v.reference, v.withdrawn
       FROM receipts r
       JOIN contributions c ON c.id = r.contribution_id
       JOIN receipt_versions v ON v.receipt_id = r.id";
    const IDENTITY: &'static str = "receipts";
    const ALIAS: &'static str = "r";
    const KEY: &'static [&'static str] = &["contribution_id", "id"];
    const VERSIONS: &'static str = "receipt_versions";
    const VERSION_KEY: &'static [&'static str] = &["receipt_id"];

    fn key(&self) -> ReceiptKey {
        ReceiptKey {
            contribution: self.contribution.clone(),
            id: self.id.clone(),
        }
    }

    fn name_of(key: &ReceiptKey) -> String {
        receipt_name(&key.contribution, &key.id)
    }

    async fn insert_version(&self, conn: &mut PgConnection, at: Revision<'_>) -> Result<()> {
        sqlx::query!(
            "INSERT INTO receipt_versions (receipt_id, revision, valid_from, received_date, amount,
                 reference, withdrawn, reason)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            self.id.as_str(),
            at.number,
            at.valid_from,
            self.received_date,
            self.amount.amount(),
            &self.reference,
            self.withdrawn,
            at.reason,
        )
        .write(conn)
        .await
    }
}

/// The currency of a contribution, or `None` when there is no such contribution.
pub async fn contribution_currency(conn: &mut PgConnection, id: &Id) -> Result<Option<Currency>> {
    let code: Option<String> = sqlx::query_scalar!(
        "SELECT currency_code FROM contributions WHERE id = $1",
        id.as_str(),
    )
    .fetch_optional(conn)
    .await?;
    code.map(|c| stored_currency(&c, id.as_str())).transpose()
}

/// What an import of receipts checks first, with one statement: the currency of each of these
/// contributions that exists, and the contribution of each of these receipts that exists.
pub async fn known(
    conn: &mut PgConnection,
    contributions: &[&Id],
    receipts: &[&Id],
) -> Result<(HashMap<String, Currency>, HashMap<String, String>)> {
    let (mut currencies, mut held) = (HashMap::new(), HashMap::new());
    if contributions.is_empty() && receipts.is_empty() {
        return Ok((currencies, held));
    }
    let rows: Vec<(bool, String, String)> = sqlx::query_as(
        "SELECT true, id, currency_code FROM contributions WHERE id = ANY($1)
         UNION ALL
         SELECT false, id, contribution_id FROM receipts WHERE id = ANY($2)",
    )
    .bind(contributions.iter().map(|i| i.as_str()).collect::<Vec<_>>())
    .bind(receipts.iter().map(|i| i.as_str()).collect::<Vec<_>>())
    .fetch_all(conn)
    .await?;
    for (contribution, id, value) in rows {
        if contribution {
            let currency = stored_currency(&value, &id)?;
            currencies.insert(id, currency);
        } else {
            held.insert(id, value);
        }
    }
    Ok((currencies, held))
}

/// Records new receipts (revision 1) with two statements whatever their number.
/// ALREADY_EXISTS, writing none of them, when one exists.
pub async fn create_many(w: &mut Write, receipts: &[&Receipt]) -> Result<Vec<Versioned<Receipt>>> {
    if receipts.is_empty() {
        return Ok(Vec::new());
    }
    let now = w.now();
    let ids: Vec<&str> = receipts.iter().map(|r| r.id.as_str()).collect();
    let inserted: Vec<String> = sqlx::query_scalar!(
        "INSERT INTO receipts (id, contribution_id, created_at)
         SELECT id, c, $3 FROM UNNEST($1::text[], $2::text[]) AS t (id, c)
         ON CONFLICT (id) DO NOTHING
         RETURNING id",
        &ids as &[&str],
        &receipts
            .iter()
            .map(|r| r.contribution.as_str())
            .collect::<Vec<_>>() as &[&str],
        now,
    )
    .fetch_all(w.conn())
    .await
    .map_err(map_db_error)?;
    history::refuse_existing(receipts, inserted.len(), |r| {
        inserted.iter().any(|id| id == r.id.as_str())
    })?;
    sqlx::query!(
        "INSERT INTO receipt_versions (receipt_id, revision, valid_from, received_date, amount,
             reference, withdrawn, reason)
         SELECT id, 1, $1, received_date, amount, reference, withdrawn, ''
           FROM UNNEST($2::text[], $3::date[], $4::numeric[], $5::text[], $6::bool[])
             AS t (id, received_date, amount, reference, withdrawn)",
        now,
        &ids as &[&str],
        &receipts.iter().map(|r| r.received_date).collect::<Vec<_>>(),
        &receipts
            .iter()
            .map(|r| r.amount.amount())
            .collect::<Vec<_>>(),
        &receipts
            .iter()
            .map(|r| r.reference.as_str())
            .collect::<Vec<_>>() as &[&str],
        &receipts.iter().map(|r| r.withdrawn).collect::<Vec<_>>(),
    )
    .write(w.conn())
    .await?;
    Ok(receipts.iter().map(|r| history::first(*r, now)).collect())
}

/// Where a page of receipts starts: after this date and id.
pub type Cursor = (NaiveDate, String);

impl Listed for Receipt {
    type Cursor = Cursor;
    const ORDER: &'static [&'static str] = &["v.received_date", "r.id"];
    const PARENT: Option<&'static str> = Some("r.contribution_id");

    fn cursor(v: &Versioned<Receipt>) -> Cursor {
        (v.value.received_date, v.value.id.to_string())
    }

    fn filter_column(field: &str) -> Option<(&'static str, &'static str)> {
        Some(match field {
            "received_date" => ("v.received_date", ""),
            "withdrawn" => ("v.withdrawn", ""),
            _ => return None,
        })
    }
}

/// Every receipt of one contribution as of `as_of`, withdrawn ones included, by date then id.
pub async fn of_contribution(
    conn: &mut PgConnection,
    contribution: &Id,
    as_of: AsOf,
) -> Result<Vec<Versioned<Receipt>>> {
    history::list(
        conn,
        Some(contribution),
        &Filter::default(),
        as_of,
        None,
        None,
    )
    .await
}

/// Receipts of one contribution (or of all with `None`) after `after`, by date then id.
pub async fn list(
    pool: &PgPool,
    contribution: Option<&Id>,
    filter: &Filter,
    as_of: AsOf,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<Vec<Versioned<Receipt>>> {
    let mut conn = pool.acquire().await?;
    history::list(&mut conn, contribution, filter, as_of, after, Some(limit)).await
}
