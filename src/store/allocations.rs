//! Allocations of unearmarked funds and their versions.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sqlx::PgConnection;

use super::{
    Statement, Versioned,
    history::{self, Kept, Listed, Revision, Stamp},
};
use crate::{
    domain::{
        allocation::{Allocation, SrfObjective},
        money::{Currency, Money},
        text::Id,
    },
    error::{Error, Result},
};

/// Position of an allocation in the list order (date, then id), for page tokens.
pub type Cursor = (NaiveDate, String);

/// One row of [`Kept::SELECT`].
#[derive(sqlx::FromRow)]
pub struct Row {
    id: String,
    #[sqlx(flatten)]
    stamp: Stamp,
    allocation_date: NaiveDate,
    amount: Decimal,
    currency_code: String,
    programme_id: Option<String>,
    srf_objective: Option<i16>,
    description: String,
}

impl TryFrom<Row> for Versioned<Allocation> {
    type Error = Error;

    fn try_from(r: Row) -> Result<Self> {
        let corrupt =
            |what: &str| Error::Internal(anyhow::anyhow!("allocation {}: bad {what}", r.id));
        let currency = Currency::parse(&r.currency_code, "").map_err(|_| corrupt("currency"))?;
        let value = Allocation {
            id: Id::parse(&r.id, "id").map_err(|_| corrupt("id"))?,
            allocation_date: r.allocation_date,
            amount: Money::from_decimal(r.amount, currency),
            programme: r
                .programme_id
                .as_deref()
                .map(|p| Id::parse(p, "programme").map_err(|_| corrupt("programme")))
                .transpose()?,
            srf_objective: r
                .srf_objective
                .map(|n| SrfObjective::from_number(n).ok_or_else(|| corrupt("srf_objective")))
                .transpose()?,
            description: r.description.clone(),
        };
        Ok(r.stamp.version(value))
    }
}

impl Kept for Allocation {
    type Row = Row;
    const SELECT: &'static str =
        "SELECT a.id, v.revision, a.created_at, v.valid_from, v.allocation_date,
            v.amount, v.currency_code, v.programme_id, v.srf_objective, v.description
       FROM allocations a JOIN allocation_versions v ON v.allocation_id = a.id";
    history::kept_by_id!("allocations" as "a", "allocation_versions" by "allocation_id");

    async fn insert_version(&self, conn: &mut PgConnection, at: Revision<'_>) -> Result<()> {
        sqlx::query!(
            "INSERT INTO allocation_versions (allocation_id, revision, valid_from, allocation_date,
                 amount, currency_code, programme_id, srf_objective, description)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            self.id.as_str(),
            at.number,
            at.valid_from,
            self.allocation_date,
            self.amount.amount(),
            self.amount.currency().code(),
            self.programme.as_ref().map(Id::as_str),
            self.srf_objective.map(SrfObjective::number),
            &self.description,
        )
        .write(conn)
        .await
    }
}

/// Filter values: `programme` is a resource name (empty for "no programme"); `srf_objective`
/// is the objective's number as text, `0` for none.
impl Listed for Allocation {
    type Cursor = Cursor;
    const ORDER: &'static [&'static str] = &["v.allocation_date", "a.id"];

    fn cursor(v: &Versioned<Allocation>) -> Cursor {
        (v.value.allocation_date, v.value.id.to_string())
    }

    fn filter_column(field: &str) -> Option<(&'static str, &'static str)> {
        Some(match field {
            // NULL-safe, so that `programme = ""` finds allocations to an objective only.
            "programme" => ("coalesce('programmes/' || v.programme_id, '')", ""),
            "srf_objective" => ("coalesce(v.srf_objective, 0)", "::smallint"),
            "allocation_date" => ("v.allocation_date", ""),
            _ => return None,
        })
    }
}
