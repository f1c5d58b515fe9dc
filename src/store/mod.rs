//! Every SQL statement of the service lives under this module, one file per aggregate.
//!
//! Shared rules:
//! - every write goes through [`write::Write`], which makes it idempotent, stamps it with the
//!   history clock and audits it in the same transaction;
//! - every resource is versioned: reads take an [`AsOf`] and see exactly what was true then;
//! - database refusals are mapped to precise errors here, so the API layer never sees SQLSTATEs.

pub mod allocations;
pub mod audit;
pub mod bench;
pub mod contributions;
pub mod copy;
pub mod exchange_rates;
pub mod history;
pub mod iati;
pub mod member_states;
pub mod organizations;
pub mod programmes;
pub mod refs;
pub mod report_data;
pub mod reports;
pub mod results;
pub mod sessions;
pub mod statistics;
pub mod write;

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, QueryBuilder};

use crate::{
    domain::{
        filter::{Group, Op, Value},
        geo::Country,
        money::Currency,
    },
    error::{Error, Result},
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Applies pending migrations, then brings the ISO reference tables up to date from the crates
/// that maintain them. Safe to run any number of times, and from several replicas at once
/// (sqlx takes an advisory lock).
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    // A migration may rewrite or check whole tables: the statement timeout of serving sessions
    // does not apply to it. The session is taken out of the pool, so the change leaves with it.
    let mut conn = pool.acquire().await?.detach();
    sqlx::query("SET statement_timeout = 0")
        .execute(&mut conn)
        .await?;
    let migrated = MIGRATOR.run(&mut conn).await;
    let _ = sqlx::Connection::close(conn).await;
    migrated?;
    sync_reference_data(pool).await?;
    Ok(())
}

async fn sync_reference_data(pool: &PgPool) -> anyhow::Result<()> {
    let currencies: Vec<Currency> = Currency::all().collect();
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO currencies (code, minor_units, name)
         SELECT * FROM UNNEST($1::text[], $2::smallint[], $3::text[])
         ON CONFLICT (code) DO UPDATE SET minor_units = EXCLUDED.minor_units, name = EXCLUDED.name
         WHERE (currencies.minor_units, currencies.name) IS DISTINCT FROM (EXCLUDED.minor_units, EXCLUDED.name)",
    )
    .bind(currencies.iter().map(|c| c.code()).collect::<Vec<_>>())
    .bind(currencies.iter().map(|c| c.minor_units() as i16).collect::<Vec<_>>())
    .bind(currencies.iter().map(|c| c.display_name()).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;
    let countries: Vec<Country> = Country::all().collect();
    sqlx::query(
        "INSERT INTO countries (code, name)
         SELECT * FROM UNNEST($1::text[], $2::text[])
         ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name
         WHERE countries.name IS DISTINCT FROM EXCLUDED.name",
    )
    .bind(countries.iter().map(|c| c.code()).collect::<Vec<_>>())
    .bind(
        countries
            .iter()
            .map(|c| c.display_name())
            .collect::<Vec<_>>(),
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Answers whether the database is reachable and answering.
pub async fn ping(pool: &PgPool) -> bool {
    sqlx::query("SELECT 1").execute(pool).await.is_ok()
}

/// One version of a resource: its value and where it stands in its history.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<T> {
    /// 1 for the first version; each correction adds one.
    pub revision: i32,
    /// When the resource was first recorded.
    pub created_at: DateTime<Utc>,
    /// When this version was recorded.
    pub updated_at: DateTime<Utc>,
    pub value: T,
}

/// Pushes ` AND ...` for one group of a List's filter (every condition on one field with one
/// operator, which must all hold): `column op $n` for one value, `column op ALL($n)` for several,
/// bound as one array. However many conditions repeat, the statement has one comparison and one
/// parameter per group, so its cost does not grow with them. `cast` converts the bound value to
/// the column's type when needed (`::smallint`; `[]` is added for an array). With `nullable`,
/// `!=` also matches NULL, like `IS DISTINCT FROM`. `column` comes from the store's own table of
/// filter fields, never from the caller's text.
pub(crate) fn push_group(
    qb: &mut QueryBuilder<Postgres>,
    column: &str,
    group: &Group<'_>,
    cast: &str,
    nullable: bool,
) -> Result<()> {
    let op = group.op.sql();
    match (group.values.as_slice(), group.op == Op::Ne && nullable) {
        ([value], false) => {
            qb.push(format!(" AND {column} {op} "));
            push_value(qb, value);
            qb.push(cast);
        }
        ([value], true) => {
            qb.push(format!(" AND {column} IS DISTINCT FROM "));
            push_value(qb, value);
            qb.push(cast);
        }
        (values, false) => {
            qb.push(format!(" AND {column} {op} ALL("));
            push_array(qb, values)?;
            qb.push(format!(
                "{cast}{})",
                if cast.is_empty() { "" } else { "[]" }
            ));
        }
        (values, true) => {
            qb.push(format!(" AND ({column} IS NULL OR {column} <> ALL("));
            push_array(qb, values)?;
            qb.push(format!(
                "{cast}{}))",
                if cast.is_empty() { "" } else { "[]" }
            ));
        }
    }
    Ok(())
}

fn push_value(qb: &mut QueryBuilder<Postgres>, value: &Value) {
    match value {
        Value::Text(t) => qb.push_bind(t.clone()),
        Value::Bool(b) => qb.push_bind(*b),
        Value::Date(d) => qb.push_bind(*d),
        Value::Timestamp(t) => qb.push_bind(*t),
    };
}

/// Binds the values of one group as one array. They share a kind, since they compare one field.
pub(crate) fn push_array(qb: &mut QueryBuilder<Postgres>, values: &[&Value]) -> Result<()> {
    fn all<T>(values: &[&Value], pick: impl Fn(&Value) -> Option<T>) -> Result<Vec<T>> {
        values
            .iter()
            .map(|v| pick(v).ok_or_else(|| undeclared_filter(v)))
            .collect()
    }
    match values.first() {
        Some(Value::Text(_)) => qb.push_bind(all(values, |v| match v {
            Value::Text(t) => Some(t.clone()),
            _ => None,
        })?),
        Some(Value::Bool(_)) => qb.push_bind(all(values, |v| match v {
            Value::Bool(b) => Some(*b),
            _ => None,
        })?),
        Some(Value::Date(_)) => qb.push_bind(all(values, |v| match v {
            Value::Date(d) => Some(*d),
            _ => None,
        })?),
        Some(Value::Timestamp(_)) => qb.push_bind(all(values, |v| match v {
            Value::Timestamp(t) => Some(*t),
            _ => None,
        })?),
        None => return Err(undeclared_filter("an empty group")),
    };
    Ok(())
}

/// A filter field or value a store was not told about. The API declares every field it accepts,
/// so this is a bug, never the caller's mistake.
pub(crate) fn undeclared_filter(what: impl std::fmt::Debug) -> Error {
    Error::Internal(anyhow::anyhow!("filter on {what:?} is not declared"))
}

/// Makes the writers of one resource take turns before a correction: `lock` selects the
/// resource's identity row `FOR UPDATE` (identity rows never change, so the lock is only a
/// turnstile). A writer that waited reads the history clock again, so that its versions come
/// after the one it supersedes. Read the current version after this, in a new statement, so
/// that it is the last writer's. NOT_FOUND (for `name`) when there is no such resource.
pub(crate) async fn take_turn<'q>(
    w: &mut write::Write,
    lock: sqlx::query::QueryScalar<'q, Postgres, i32, sqlx::postgres::PgArguments>,
    name: &str,
) -> Result<DateTime<Utc>> {
    if lock.fetch_optional(w.conn()).await?.is_none() {
        return Err(Error::not_found(name));
    }
    w.restamp().await
}

/// Closes the open version of one resource at `now`: the only change history ever accepts.
/// `table` and `key_column` are names from this module, never caller input.
pub(crate) async fn close_version(
    conn: &mut sqlx::PgConnection,
    table: &'static str,
    key_column: &'static str,
    key: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut qb = QueryBuilder::<Postgres>::new(format!("UPDATE {table} SET valid_to = "));
    qb.push_bind(now)
        .push(format!(" WHERE {key_column} = "))
        .push_bind(key.to_owned())
        .push(" AND valid_to IS NULL");
    qb.build().execute(conn).await.map_err(map_db_error)?;
    Ok(())
}

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
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(write::HISTORY_LOCK)
        .execute(&mut *tx)
        .await?;
    let now: DateTime<Utc> = sqlx::query_scalar("SELECT clock_timestamp()")
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(now)
}

/// Resolves a requested read instant: `None` reads the current versions; an instant is settled
/// first (see [`settle_history`]) and refused when it lies in the future.
pub async fn resolve_as_of(
    pool: &PgPool,
    requested: Option<DateTime<Utc>>,
    field: &str,
) -> Result<AsOf> {
    let Some(at) = requested else {
        return Ok(AsOf::Now);
    };
    let now = settle_history(pool).await?;
    if at > now {
        return Err(Error::invalid(
            field,
            "AS_OF_IN_FUTURE",
            format!(
                "{} is in the future; history can only be read up to now",
                at.to_rfc3339()
            ),
        ));
    }
    Ok(AsOf::At(at))
}

/// The SQLSTATE of a database error, if it is one.
fn sqlstate(err: &sqlx::Error) -> Option<String> {
    err.as_database_error()
        .and_then(|e| e.code())
        .map(|c| c.into_owned())
}

/// The constraint a database error names, if any.
fn constraint(err: &sqlx::Error) -> Option<&str> {
    err.as_database_error().and_then(|e| e.constraint())
}

/// Maps a unique violation on `constraint_name` to ALREADY_EXISTS for `name`; other errors pass.
pub(crate) fn already_exists(err: sqlx::Error, constraint_name: &str, name: &str) -> Error {
    if sqlstate(&err).as_deref() == Some("23505") && constraint(&err) == Some(constraint_name) {
        Error::AlreadyExists {
            name: name.to_owned(),
        }
    } else {
        map_db_error(err)
    }
}

/// Maps the refusals the schema itself raises to precise errors. The API validates first, so these
/// are a backstop; they still give the client a reason rather than INTERNAL.
pub(crate) fn map_db_error(err: sqlx::Error) -> Error {
    match sqlstate(&err).as_deref() {
        Some("SC001") => Error::FailedPrecondition {
            reason: "HISTORY_IS_IMMUTABLE",
            message: err
                .as_database_error()
                .map(|e| e.message().to_owned())
                .unwrap_or_default(),
        },
        Some("SC002") => Error::FailedPrecondition {
            reason: "REPORT_ALREADY_FINAL",
            message: "a final report never changes".to_owned(),
        },
        Some("SC003") => Error::invalid(
            "installments",
            "INSTALLMENTS_DO_NOT_SUM",
            "the installments do not sum to the total",
        ),
        Some("23503") => Error::FailedPrecondition {
            reason: "REFERENCE_NOT_FOUND",
            message: format!(
                "a referenced resource does not exist ({})",
                constraint(&err).unwrap_or("foreign key")
            ),
        },
        Some("23514") => Error::FailedPrecondition {
            reason: "CONSTRAINT_VIOLATED",
            message: format!(
                "the database refused the values ({})",
                constraint(&err).unwrap_or("check")
            ),
        },
        _ => Error::from(err),
    }
}
