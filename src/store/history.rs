//! The versioned-resource backbone. A resource is an identity row (its key and `created_at`,
//! never changed) and a chain of versions (`revision`, `valid_from`, `valid_to`) in a table of
//! its own. Reading one as of an instant, waiting for its other writers, closing its open version
//! and writing the next one are the same for every resource, and live here; a resource says only
//! what is its own through [`Kept`]: its SELECT, its key, and how its version row is written.
//!
//! Lists stay with each resource: their filters and orders differ honestly. They start from
//! [`Kept::SELECT`] and end with [`fetch_all`].

use std::future::Future;

use chrono::{DateTime, Utc};
use sqlx::{Executor, PgConnection, Postgres, QueryBuilder, postgres::PgRow};

use super::{AsOf, Versioned, map_db_error, take_turn, write::Write};
use crate::{
    domain::text::Id,
    error::{Error, Result},
};

/// The key of a resource: one or more columns, the same in its identity and its version rows
/// (under the names [`Kept::KEY`] and [`Kept::VERSION_KEY`]).
pub trait Key: Sync {
    /// Pushes the key's values as bound parameters, comma-separated, in the order of the key's
    /// columns (cast where the column's type needs it).
    fn push_values(&self, qb: &mut QueryBuilder<'_, Postgres>);
}

impl Key for Id {
    fn push_values(&self, qb: &mut QueryBuilder<'_, Postgres>) {
        qb.push_bind(self.as_str().to_owned());
    }
}

/// A resource kept with its history.
pub trait Kept: Clone + PartialEq + Send + Sync + Sized {
    /// Its key.
    type Key: Key + ?Sized;
    /// One row of [`Kept::SELECT`].
    type Row: for<'r> sqlx::FromRow<'r, PgRow>
        + Send
        + Unpin
        + TryInto<Versioned<Self>, Error = Error>;
    /// `SELECT ... FROM identity ALIAS JOIN versions v ON ...`: every column of a [`Kept::Row`].
    const SELECT: &'static str;
    /// The identity table.
    const IDENTITY: &'static str;
    /// The identity table's alias in [`Kept::SELECT`].
    const ALIAS: &'static str;
    /// The key's columns in the identity table.
    const KEY: &'static [&'static str];
    /// The versions table.
    const VERSIONS: &'static str;
    /// The key's columns in the versions table, in the same order.
    const VERSION_KEY: &'static [&'static str];

    /// This value's key.
    fn key(&self) -> &Self::Key;

    /// The resource name of a key, `organizations/belgium`: what NOT_FOUND names.
    fn name_of(key: &Self::Key) -> String;

    /// Writes this value's version row: `revision`, valid from `now`.
    fn insert_version(
        &self,
        conn: &mut PgConnection,
        revision: i32,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<()>> + Send;
}

/// Pushes `(c1, c2) = ($1, $2)` for a key, the columns prefixed with `alias.` when one is given.
fn push_key<T: Kept>(
    qb: &mut QueryBuilder<'_, Postgres>,
    columns: &[&str],
    alias: &str,
    key: &T::Key,
) {
    let columns: Vec<String> = columns
        .iter()
        .map(|c| match alias {
            "" => (*c).to_owned(),
            alias => format!("{alias}.{c}"),
        })
        .collect();
    qb.push(format!("({}) = (", columns.join(", ")));
    key.push_values(qb);
    qb.push(")");
}

/// A SELECT of one resource by key, before its version predicate: `... WHERE (o.id) = ($1) AND `.
fn select_one<T: Kept>(key: &T::Key) -> QueryBuilder<'static, Postgres> {
    let mut qb = QueryBuilder::new(T::SELECT);
    qb.push(" WHERE ");
    push_key::<T>(&mut qb, T::KEY, T::ALIAS, key);
    qb.push(" AND ");
    qb
}

/// Runs a SELECT built from [`Kept::SELECT`] and reads every row.
pub async fn fetch_all<'c, T: Kept>(
    mut qb: QueryBuilder<'_, Postgres>,
    executor: impl Executor<'c, Database = Postgres>,
) -> Result<Vec<Versioned<T>>> {
    qb.build_query_as::<T::Row>()
        .fetch_all(executor)
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
}

/// The first version of a resource just recorded at `now`.
pub fn first<T>(value: &T, now: DateTime<Utc>) -> Versioned<T>
where
    T: Clone,
{
    Versioned {
        revision: 1,
        created_at: now,
        updated_at: now,
        value: value.clone(),
    }
}

/// One resource as of an instant; `None` when it did not exist then.
pub async fn get<T: Kept>(
    conn: &mut PgConnection,
    key: &T::Key,
    as_of: AsOf,
) -> Result<Option<Versioned<T>>> {
    let mut qb = select_one::<T>(key);
    as_of.push_predicate(&mut qb, "v");
    qb.build_query_as::<T::Row>()
        .fetch_optional(conn)
        .await?
        .map(TryInto::try_into)
        .transpose()
}

/// Waits for this resource's other writers (see [`take_turn`]), then reads its current version.
/// NOT_FOUND when there is no such resource.
pub async fn lock_current<T: Kept>(w: &mut Write, key: &T::Key) -> Result<Versioned<T>> {
    let mut lock = QueryBuilder::new(format!("SELECT 1 FROM {} WHERE ", T::IDENTITY));
    push_key::<T>(&mut lock, T::KEY, "", key);
    lock.push(" FOR UPDATE");
    take_turn(w, lock.build_query_scalar(), &T::name_of(key)).await?;
    let mut qb = select_one::<T>(key);
    qb.push("v.valid_to IS NULL");
    qb.build_query_as::<T::Row>()
        .fetch_optional(w.conn())
        .await?
        .ok_or_else(|| Error::not_found(T::name_of(key)))?
        .try_into()
}

/// Closes the open version of a resource at `now`: the only change history ever accepts.
pub async fn close<T: Kept>(
    conn: &mut PgConnection,
    key: &T::Key,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut qb = QueryBuilder::new(format!("UPDATE {} SET valid_to = ", T::VERSIONS));
    qb.push_bind(now).push(" WHERE ");
    push_key::<T>(&mut qb, T::VERSION_KEY, "", key);
    qb.push(" AND valid_to IS NULL");
    qb.build().execute(conn).await.map_err(map_db_error)?;
    Ok(())
}

/// Replaces a resource's fields with a new revision. `check` sees the current version first (for
/// the etag). Returns the version before and after; when nothing changed, both are the current
/// version and nothing is written.
pub async fn update<T: Kept>(
    w: &mut Write,
    value: &T,
    check: impl FnOnce(&Versioned<T>) -> Result<()>,
) -> Result<(Versioned<T>, Versioned<T>)> {
    let current = lock_current::<T>(w, value.key()).await?;
    check(&current)?;
    if current.value == *value {
        return Ok((current.clone(), current));
    }
    let now = w.now();
    close::<T>(w.conn(), value.key(), now).await?;
    let revision = current.revision + 1;
    value.insert_version(w.conn(), revision, now).await?;
    let after = Versioned {
        revision,
        created_at: current.created_at,
        updated_at: now,
        value: value.clone(),
    };
    Ok((current, after))
}
