//! Reading at an instant: the as-of predicate and its bound, and settling history so that an
//! instant reads the same forever.

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, QueryBuilder};

use super::write;
use crate::error::{Error, Result};

/// The instant a read looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsOf {
    /// The current versions.
    Now,
    /// The versions in force at this instant.
    At(DateTime<Utc>),
}

impl AsOf {
    /// The bound parameter of the as-of predicate: `infinity` selects exactly the open versions.
    pub fn bound(self) -> AsOfBound {
        AsOfBound(self)
    }

    /// Pushes `alias.valid_from <= T AND (alias.valid_to IS NULL OR alias.valid_to > T)`.
    pub fn push_predicate(self, qb: &mut QueryBuilder<Postgres>, alias: &str) {
        qb.push(format!("{alias}.valid_from <= "))
            .push_bind(self.bound())
            .push(format!(
                " AND ({alias}.valid_to IS NULL OR {alias}.valid_to > "
            ))
            .push_bind(self.bound())
            .push(")");
    }
}

/// An [`AsOf`] as a SQL `timestamptz`, `'infinity'` for now.
#[derive(Debug, Clone, Copy)]
pub struct AsOfBound(AsOf);

impl sqlx::Type<Postgres> for AsOfBound {
    fn type_info() -> sqlx::postgres::PgTypeInfo {
        <DateTime<Utc> as sqlx::Type<Postgres>>::type_info()
    }
}

impl<'q> sqlx::Encode<'q, Postgres> for AsOfBound {
    fn encode_by_ref(
        &self,
        buf: &mut sqlx::postgres::PgArgumentBuffer,
    ) -> std::result::Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        match self.0 {
            AsOf::At(t) => <DateTime<Utc> as sqlx::Encode<Postgres>>::encode_by_ref(&t, buf),
            // PostgreSQL's binary timestamptz encodes +infinity as i64::MAX microseconds.
            AsOf::Now => <i64 as sqlx::Encode<Postgres>>::encode_by_ref(&i64::MAX, buf),
        }
    }
}

/// Waits until every write that could carry a timestamp at or before `as_of` has committed, so
/// that reading as of that instant gives the same answer now and forever. Writers hold the
/// history lock in shared mode for their whole transaction and take their timestamp after
/// acquiring it; taking it here exclusively, for an instant, lets them all finish first.
/// Returns the database clock, beyond which nothing is settled yet.
#[tracing::instrument(name = "store.settle_history", skip_all, fields(db.system.name = "postgresql"))]
pub async fn settle_history(pool: &PgPool) -> Result<DateTime<Utc>> {
    let mut tx = pool.begin().await?;
    sqlx::query!("SELECT pg_advisory_xact_lock($1)", write::HISTORY_LOCK,)
        .execute(&mut *tx)
        .await?;
    let now: DateTime<Utc> = sqlx::query_scalar!("SELECT clock_timestamp() AS \"now!\"",)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(now)
}

/// Resolves a requested read instant: `None` reads the current versions; an instant is settled
/// first and refused when it lies in the future (see [`settle_as_of`]).
pub async fn resolve_as_of(
    pool: &PgPool,
    requested: Option<DateTime<Utc>>,
    field: &str,
) -> Result<AsOf> {
    match requested {
        None => Ok(AsOf::Now),
        Some(_) => Ok(AsOf::At(settle_as_of(pool, requested, field).await?)),
    }
}

/// Settles history (see [`settle_history`]) and answers the instant to read: the requested one,
/// refused with AS_OF_IN_FUTURE (naming `field`) when it lies beyond what is settled, else the
/// settled instant itself. The one place a future instant is refused.
pub async fn settle_as_of(
    pool: &PgPool,
    requested: Option<DateTime<Utc>>,
    field: &str,
) -> Result<DateTime<Utc>> {
    let settled = settle_history(pool).await?;
    match requested {
        Some(at) if at > settled => Err(Error::invalid(
            field,
            "AS_OF_IN_FUTURE",
            format!(
                "{} is in the future; history can only be read up to now",
                at.to_rfc3339()
            ),
        )),
        Some(at) => Ok(at),
        None => Ok(settled),
    }
}
