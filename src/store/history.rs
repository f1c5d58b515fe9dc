//! The versioned-resource backbone. A resource is an identity row (its key and `created_at`,
//! never changed) and a chain of versions (`revision`, `valid_from`, `valid_to`) in a table of
//! its own. Reading one as of an instant, waiting for its other writers, closing its open version
//! and writing the next one are the same for every resource, and live here; a resource says only
//! what is its own through [`Kept`]: its SELECT, its key, and how its version row is written.
//!
//! Creating one (identity row, then first version) is the same too ([`create`]), as is a List
//! ([`list`]): a resource that is read in pages says through [`Listed`] its order, the columns
//! its filter fields compare and its parent's column. A List of a shape of its own starts from
//! [`Kept::SELECT`] and ends with [`fetch_all`].
//!
//! Statements here are composed at run time from the table and column names a resource gives
//! (never from a caller's text), so they cannot be checked by sqlx's `query!` macros; they differ
//! between resources only by those names. What is a resource's own (its version row, its child
//! rows) stays a checked macro in its module.

use std::{collections::HashMap, future::Future};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Serialize, de::DeserializeOwned};
use sqlx::{PgConnection, Postgres, QueryBuilder, postgres::PgRow};

use super::{AsOf, Statement, Versioned, already_exists, write::Write};
use crate::{
    domain::{
        filter::{Filter, Group},
        text::Id,
    },
    error::{Error, Result},
};

/// The key of a resource: one or more columns of its identity row ([`Kept::KEY`]), and those of
/// them its version rows repeat ([`Kept::VERSION_KEY`]).
pub trait Key: Send + Sync {
    /// Pushes the key's values as bound parameters, comma-separated, in the order of the key's
    /// columns (cast where the column's type needs it).
    fn push_values(&self, qb: &mut QueryBuilder<'_, Postgres>);

    /// The same for the columns of [`Kept::VERSION_KEY`]; all of them unless the version rows
    /// hold fewer.
    fn push_version_values(&self, qb: &mut QueryBuilder<'_, Postgres>) {
        self.push_values(qb);
    }
}

impl Key for Id {
    fn push_values(&self, qb: &mut QueryBuilder<'_, Postgres>) {
        qb.push_bind(self.as_str().to_owned());
    }
}

/// A key of two ids: a parent's and the resource's own.
impl Key for (Id, Id) {
    fn push_values(&self, qb: &mut QueryBuilder<'_, Postgres>) {
        qb.push_bind(self.0.as_str().to_owned())
            .push(", ")
            .push_bind(self.1.as_str().to_owned());
    }
}

/// A List's cursor by id.
impl Key for String {
    fn push_values(&self, qb: &mut QueryBuilder<'_, Postgres>) {
        qb.push_bind(self.clone());
    }
}

/// A List's cursor by two ids: a parent's and the resource's own.
impl Key for (String, String) {
    fn push_values(&self, qb: &mut QueryBuilder<'_, Postgres>) {
        qb.push_bind(self.0.clone())
            .push(", ")
            .push_bind(self.1.clone());
    }
}

/// A List's cursor by date, then id.
impl Key for (NaiveDate, String) {
    fn push_values(&self, qb: &mut QueryBuilder<'_, Postgres>) {
        qb.push_bind(self.0).push(", ").push_bind(self.1.clone());
    }
}

/// Where a version stands in its history, as every [`Kept::SELECT`] reads it: `revision`,
/// `created_at` (of the identity row) and `valid_from`. A [`Kept::Row`] holds it flattened.
#[derive(sqlx::FromRow, Clone, Copy)]
pub struct Stamp {
    revision: i32,
    created_at: DateTime<Utc>,
    valid_from: DateTime<Utc>,
}

impl Stamp {
    /// The version of `value` this row stands for.
    pub fn version<T>(self, value: T) -> Versioned<T> {
        Versioned {
            revision: self.revision,
            created_at: self.created_at,
            updated_at: self.valid_from,
            value,
        }
    }
}

/// The version a write makes: its number, the instant it is valid from, and the reason it was
/// written for (kept by the resources whose versions record one).
#[derive(Debug, Clone, Copy)]
pub struct Revision<'a> {
    pub number: i32,
    pub valid_from: DateTime<Utc>,
    pub reason: &'a str,
}

/// A resource kept with its history.
pub trait Kept: Clone + PartialEq + Send + Sync + Sized {
    /// Its key.
    type Key: Key;
    /// One row of [`Kept::SELECT`]: a version without its child rows (see
    /// [`Kept::attach_children`]).
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
    fn key(&self) -> Self::Key;

    /// The resource name of a key, `organizations/belgium`: what NOT_FOUND names.
    fn name_of(key: &Self::Key) -> String;

    /// Writes this value's identity row at `now`: its key and `created_at`, ALREADY_EXISTS when
    /// the key is taken (a unique violation of `{IDENTITY}_pkey`). A resource whose identity row
    /// holds more than its key writes its own.
    fn insert_identity(
        &self,
        conn: &mut PgConnection,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<()>> + Send {
        async move {
            let key = self.key();
            let mut qb = QueryBuilder::new(format!(
                "INSERT INTO {} ({}, created_at) VALUES (",
                Self::IDENTITY,
                Self::KEY.join(", ")
            ));
            key.push_values(&mut qb);
            qb.push(", ").push_bind(now).push(")");
            qb.build().execute(conn).await.map_err(|e| {
                already_exists(e, &format!("{}_pkey", Self::IDENTITY), &Self::name_of(&key))
            })?;
            Ok(())
        }
    }

    /// Writes this value's version row as `at`, and its child rows if it has any.
    fn insert_version(
        &self,
        conn: &mut PgConnection,
        at: Revision<'_>,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Reads the child rows of these versions (a contribution's installments, a programme's
    /// partners) and puts them in place, a statement per kind of child whatever the number of
    /// versions. Most resources have none.
    fn attach_children(
        conn: &mut PgConnection,
        versions: &mut [Versioned<Self>],
    ) -> impl Future<Output = Result<()>> + Send {
        let _ = (conn, versions);
        async { Ok(()) }
    }
}

/// What a [`Kept`] resource keyed by its `id` alone says of its key, in its `impl Kept`: the key
/// is the value's `id`, the identity table's key column `id`, and the resource's name
/// `{identity}/{id}`. `kept_by_id!("organizations" as "o", "organization_versions" by
/// "organization_id")` names the identity table and its alias in [`Kept::SELECT`], then the
/// versions table and its column holding the id.
macro_rules! kept_by_id {
    ($identity:literal as $alias:literal, $versions:literal by $version_key:literal) => {
        type Key = $crate::domain::text::Id;
        const IDENTITY: &'static str = $identity;
        const ALIAS: &'static str = $alias;
        const KEY: &'static [&'static str] = &["id"];
        const VERSIONS: &'static str = $versions;
        const VERSION_KEY: &'static [&'static str] = &[$version_key];

        fn key(&self) -> $crate::domain::text::Id {
            self.id.clone()
        }

        fn name_of(id: &$crate::domain::text::Id) -> String {
            format!("{}/{id}", $identity)
        }
    };
}
pub(crate) use kept_by_id;

/// A kept resource read in pages: its List is [`list`].
pub trait Listed: Kept {
    /// Where a page ends: the values of [`Listed::ORDER`] in its last row.
    type Cursor: Key + Serialize + DeserializeOwned;
    /// The columns of the list order, unique together (the key's last).
    const ORDER: &'static [&'static str];
    /// The column holding the parent's id, for a List of one parent's resources.
    const PARENT: Option<&'static str> = None;
    /// Whether a column a filter compares may be NULL, so that `!=` must also match NULL.
    const FILTER_NULLS: bool = false;

    /// The position of a version in the list order.
    fn cursor(v: &Versioned<Self>) -> Self::Cursor;

    /// The column (SQL of this resource's SELECT) a filter field compares, and the cast its
    /// values need (`::smallint`, or empty); `None` for a field it was not told about.
    fn filter_column(field: &str) -> Option<(&'static str, &'static str)> {
        let _ = field;
        None
    }

    /// Pushes ` AND ...` for one group of a List's filter: by default one comparison of
    /// [`Listed::filter_column`]. A resource whose fields are not one column each pushes its own.
    fn push_filter(qb: &mut QueryBuilder<'_, Postgres>, group: &Group<'_>) -> Result<()> {
        let (column, cast) = Self::filter_column(group.field)
            .ok_or_else(|| super::undeclared_filter(group.field))?;
        super::push_group(qb, column, group, cast, Self::FILTER_NULLS)
    }
}

/// A page of a List as of an instant: the resources of `parent` (every one with `None`) after
/// `after` in the list order that match the filter, `limit` of them (all with `None`).
pub async fn list<T: Listed>(
    conn: &mut PgConnection,
    parent: Option<&Id>,
    filter: &Filter,
    as_of: AsOf,
    after: Option<&T::Cursor>,
    limit: Option<i64>,
) -> Result<Vec<Versioned<T>>> {
    let mut qb = QueryBuilder::<Postgres>::new(T::SELECT);
    qb.push(" WHERE ");
    as_of.push_predicate(&mut qb, "v");
    if let Some(parent) = parent {
        let column = T::PARENT.ok_or_else(|| super::undeclared_filter("a parent"))?;
        qb.push(format!(" AND {column} = "))
            .push_bind(parent.as_str().to_owned());
    }
    let order = T::ORDER.join(", ");
    if let Some(after) = after {
        qb.push(format!(" AND ({order}) > ("));
        after.push_values(&mut qb);
        qb.push(")");
    }
    for group in filter.groups() {
        T::push_filter(&mut qb, &group)?;
    }
    qb.push(format!(" ORDER BY {order}"));
    if let Some(limit) = limit {
        qb.push(" LIMIT ").push_bind(limit);
    }
    fetch_all(qb, conn).await
}

/// Records a new resource (revision 1): its identity row, then its first version.
/// ALREADY_EXISTS when its key is taken.
pub async fn create<T: Kept>(w: &mut Write, value: &T) -> Result<Versioned<T>> {
    let now = w.now();
    value.insert_identity(w.conn(), now).await?;
    let at = Revision {
        number: 1,
        valid_from: now,
        reason: "",
    };
    value.insert_version(w.conn(), at).await?;
    Ok(first(value, now))
}

/// ALREADY_EXISTS naming the first of `values` that a create-if-absent statement (`INSERT .. ON
/// CONFLICT DO NOTHING`) did not write: it wrote `written` of them, `is_written` tells which.
pub fn refuse_existing<T: Kept>(
    values: &[&T],
    written: usize,
    is_written: impl Fn(&T) -> bool,
) -> Result<()> {
    if written == values.len() {
        return Ok(());
    }
    let name = values
        .iter()
        .find(|v| !is_written(v))
        .map(|v| T::name_of(&v.key()))
        .unwrap_or_default();
    Err(Error::AlreadyExists { name })
}

/// Child rows read for [`Kept::attach_children`], grouped by the version they belong to: `child`
/// makes each row's child and names its version, `(key, revision)`. Each group keeps the order
/// the rows were read in.
pub fn by_version<R, C>(
    rows: Vec<R>,
    mut child: impl FnMut(R) -> Result<((String, i32), C)>,
) -> Result<HashMap<(String, i32), Vec<C>>> {
    let mut grouped: HashMap<(String, i32), Vec<C>> = HashMap::new();
    for row in rows {
        let (version, c) = child(row)?;
        grouped.entry(version).or_default().push(c);
    }
    Ok(grouped)
}

/// Reads the rows of a SELECT built from [`Kept::SELECT`], with their children.
async fn read<T: Kept>(
    qb: &mut QueryBuilder<'_, Postgres>,
    conn: &mut PgConnection,
) -> Result<Vec<Versioned<T>>> {
    let mut versions = qb
        .build_query_as::<T::Row>()
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect::<Result<Vec<_>>>()?;
    if !versions.is_empty() {
        T::attach_children(conn, &mut versions).await?;
    }
    Ok(versions)
}

/// Pushes `(c1, c2) = ($1, $2)` for a key, the columns prefixed with `alias.` when one is given.
fn push_key<T: Kept>(
    qb: &mut QueryBuilder<'_, Postgres>,
    columns: &[&str],
    alias: &str,
    key: &T::Key,
    version: bool,
) {
    let columns: Vec<String> = columns
        .iter()
        .map(|c| match alias {
            "" => (*c).to_owned(),
            alias => format!("{alias}.{c}"),
        })
        .collect();
    qb.push(format!("({}) = (", columns.join(", ")));
    if version {
        key.push_version_values(qb);
    } else {
        key.push_values(qb);
    }
    qb.push(")");
}

/// A SELECT of one resource by key, before its version predicate: `... WHERE (o.id) = ($1) AND `.
fn select_one<T: Kept>(key: &T::Key) -> QueryBuilder<'static, Postgres> {
    let mut qb = QueryBuilder::new(T::SELECT);
    qb.push(" WHERE ");
    push_key::<T>(&mut qb, T::KEY, T::ALIAS, key, false);
    qb.push(" AND ");
    qb
}

/// Runs a SELECT built from [`Kept::SELECT`] and reads every row, with its children.
pub async fn fetch_all<T: Kept>(
    mut qb: QueryBuilder<'_, Postgres>,
    conn: &mut PgConnection,
) -> Result<Vec<Versioned<T>>> {
    read(&mut qb, conn).await
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
    Ok(read(&mut qb, conn).await?.pop())
}

/// Waits for this resource's other writers (see [`take_turn`]), then reads its current version.
/// NOT_FOUND when there is no such resource.
pub async fn lock_current<T: Kept>(w: &mut Write, key: &T::Key) -> Result<Versioned<T>> {
    let mut lock = QueryBuilder::new(format!("SELECT 1 FROM {} WHERE ", T::IDENTITY));
    push_key::<T>(&mut lock, T::KEY, "", key, false);
    lock.push(" FOR UPDATE");
    take_turn(w, lock.build_query_scalar(), &T::name_of(key)).await?;
    let mut qb = select_one::<T>(key);
    qb.push("v.valid_to IS NULL");
    read(&mut qb, w.conn())
        .await?
        .pop()
        .ok_or_else(|| Error::not_found(T::name_of(key)))
}

/// Closes the open version of a resource at `now`: the only change history ever accepts.
pub async fn close<T: Kept>(
    conn: &mut PgConnection,
    key: &T::Key,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut qb = QueryBuilder::new(format!("UPDATE {} SET valid_to = ", T::VERSIONS));
    qb.push_bind(now).push(" WHERE ");
    push_key::<T>(&mut qb, T::VERSION_KEY, "", key, true);
    qb.push(" AND valid_to IS NULL");
    qb.build().write(conn).await
}

/// Writes `value` as the revision after `current` (read with [`lock_current`] in the same
/// transaction), for `reason`. Returns `None`, writing nothing, when nothing changed.
pub async fn revise<T: Kept>(
    w: &mut Write,
    current: &Versioned<T>,
    value: &T,
    reason: &str,
) -> Result<Option<Versioned<T>>> {
    if current.value == *value {
        return Ok(None);
    }
    let now = w.now();
    close::<T>(w.conn(), &value.key(), now).await?;
    let at = Revision {
        number: current.revision + 1,
        valid_from: now,
        reason,
    };
    value.insert_version(w.conn(), at).await?;
    Ok(Some(Versioned {
        revision: at.number,
        created_at: current.created_at,
        updated_at: now,
        value: value.clone(),
    }))
}

/// Makes the writers of one resource take turns before a correction: `lock` selects the
/// resource's identity row `FOR UPDATE` (identity rows never change, so the lock is only a
/// turnstile). A writer that waited reads the history clock again, so that its versions come
/// after the one it supersedes. Read the current version after this, in a new statement, so
/// that it is the last writer's. NOT_FOUND (for `name`) when there is no such resource.
async fn take_turn<'q>(
    w: &mut Write,
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
    qb.build().write(conn).await
}
