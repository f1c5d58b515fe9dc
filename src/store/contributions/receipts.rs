//! Receipts and their versions.

use chrono::{DateTime, NaiveDate, Utc};
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
    store::{AsOf, Versioned, close_version, map_db_error, write::Write},
};

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    contribution_id: String,
    created_at: DateTime<Utc>,
    currency_code: String,
    revision: i32,
    valid_from: DateTime<Utc>,
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
        Ok(Versioned {
            revision: r.revision,
            created_at: r.created_at,
            updated_at: r.valid_from,
            value,
        })
    }
}

const SELECT: &str = "SELECT r.id, r.contribution_id, r.created_at, c.currency_code, v.revision,
        v.valid_from, v.received_date, v.amount, v.reference, v.withdrawn
   FROM receipts r
   JOIN contributions c ON c.id = r.contribution_id
   JOIN receipt_versions v ON v.receipt_id = r.id";

/// The currency of a contribution, or `None` when there is no such contribution.
pub async fn contribution_currency(conn: &mut PgConnection, id: &Id) -> Result<Option<Currency>> {
    let code: Option<String> =
        sqlx::query_scalar("SELECT currency_code FROM contributions WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(conn)
            .await?;
    code.map(|c| stored_currency(&c, id.as_str())).transpose()
}

/// Records a new receipt (revision 1).
pub async fn create(w: &mut Write, receipt: &Receipt) -> Result<Versioned<Receipt>> {
    let now = w.now();
    sqlx::query("INSERT INTO receipts (id, contribution_id, created_at) VALUES ($1, $2, $3)")
        .bind(receipt.id.as_str())
        .bind(receipt.contribution.as_str())
        .bind(now)
        .execute(w.conn())
        .await
        .map_err(|e| crate::store::already_exists(e, "receipts_pkey", &receipt.name()))?;
    insert_version(w.conn(), receipt, 1, "", now).await?;
    Ok(Versioned {
        revision: 1,
        created_at: now,
        updated_at: now,
        value: receipt.clone(),
    })
}

async fn insert_version(
    conn: &mut PgConnection,
    receipt: &Receipt,
    revision: i32,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO receipt_versions (receipt_id, revision, valid_from, received_date, amount,
             reference, withdrawn, reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(receipt.id.as_str())
    .bind(revision)
    .bind(now)
    .bind(receipt.received_date)
    .bind(receipt.amount.amount())
    .bind(&receipt.reference)
    .bind(receipt.withdrawn)
    .bind(reason)
    .execute(conn)
    .await
    .map_err(map_db_error)?;
    Ok(())
}

/// Reads one receipt of one contribution as of an instant.
pub async fn get(
    conn: &mut PgConnection,
    contribution: &Id,
    id: &Id,
    as_of: AsOf,
) -> Result<Option<Versioned<Receipt>>> {
    let mut qb = QueryBuilder::<Postgres>::new(SELECT);
    qb.push(" WHERE r.id = ")
        .push_bind(id.as_str())
        .push(" AND r.contribution_id = ")
        .push_bind(contribution.as_str())
        .push(" AND ");
    as_of.push_predicate(&mut qb, "v");
    qb.build_query_as::<Row>()
        .fetch_optional(conn)
        .await?
        .map(TryInto::try_into)
        .transpose()
}

/// Where a page of receipts starts: after this date and id.
pub type Cursor = (NaiveDate, String);

/// Receipts of one contribution (or of all with `None`) after `after`, by date then id.
pub async fn list(
    pool: &PgPool,
    contribution: Option<&Id>,
    filter: &Filter,
    as_of: AsOf,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<Vec<Versioned<Receipt>>> {
    let mut qb = QueryBuilder::<Postgres>::new(SELECT);
    qb.push(" WHERE ");
    as_of.push_predicate(&mut qb, "v");
    if let Some(contribution) = contribution {
        qb.push(" AND r.contribution_id = ")
            .push_bind(contribution.as_str());
    }
    if let Some((date, id)) = after {
        qb.push(" AND (v.received_date, r.id) > (")
            .push_bind(*date)
            .push(", ")
            .push_bind(id.clone())
            .push(")");
    }
    for group in filter.groups() {
        let column = match group.field {
            "received_date" => "v.received_date",
            "withdrawn" => "v.withdrawn",
            other => return Err(super::super::undeclared_filter(other)),
        };
        super::super::push_group(&mut qb, column, &group, "", false)?;
    }
    qb.push(" ORDER BY v.received_date, r.id LIMIT ")
        .push_bind(limit);
    qb.build_query_as::<Row>()
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
}

/// Writes a new revision of a receipt after `current` (read with [`lock_current`] in the same
/// transaction). Returns `None`, writing nothing, when nothing changed.
pub async fn correct(
    w: &mut Write,
    current: &Versioned<Receipt>,
    receipt: &Receipt,
    reason: &str,
) -> Result<Option<Versioned<Receipt>>> {
    if current.value == *receipt {
        return Ok(None);
    }
    let now = w.now();
    close_version(
        w.conn(),
        "receipt_versions",
        "receipt_id",
        receipt.id.as_str(),
        now,
    )
    .await?;
    let revision = current.revision + 1;
    insert_version(w.conn(), receipt, revision, reason, now).await?;
    Ok(Some(Versioned {
        revision,
        created_at: current.created_at,
        updated_at: now,
        value: receipt.clone(),
    }))
}

/// Reads the current version of a receipt of a contribution and locks it until the transaction
/// ends.
/// Waits for this receipt's other writers, then reads its current version.
pub async fn lock_current(w: &mut Write, contribution: &Id, id: &Id) -> Result<Versioned<Receipt>> {
    let lock = sqlx::query_scalar(
        "SELECT 1 FROM receipts WHERE id = $1 AND contribution_id = $2 FOR UPDATE",
    )
    .bind(id.as_str())
    .bind(contribution.as_str());
    super::super::take_turn(w, lock, &receipt_name(contribution, id)).await?;
    let mut qb = QueryBuilder::<Postgres>::new(SELECT);
    qb.push(" WHERE r.id = ")
        .push_bind(id.as_str())
        .push(" AND r.contribution_id = ")
        .push_bind(contribution.as_str())
        .push(" AND v.valid_to IS NULL");
    qb.build_query_as::<Row>()
        .fetch_optional(w.conn())
        .await?
        .ok_or_else(|| Error::not_found(receipt_name(contribution, id)))?
        .try_into()
}
