//! Every SQL statement of the service lives under this module, one file per aggregate.
//!
//! Shared rules:
//! - every write goes through [`write::Write`], which makes it idempotent, stamps it with the
//!   history clock and audits it in the same transaction;
//! - every resource is versioned: reads take an [`AsOf`] and see exactly what was true then;
//! - database refusals are mapped to precise errors here, so the API layer never sees SQLSTATEs.
//!
//! Beside the aggregates: `as_of.rs` (reading at an instant, settling history), `history.rs` (the
//! versioned-resource backbone), `filters.rs` (List filters as bound SQL), `db_error.rs`
//! (database refusals as errors), `migrate.rs` (schema and reference data), `write.rs` (the
//! write envelope).

pub mod allocations;
mod as_of;
pub mod audit;
pub mod bench;
pub mod contributions;
pub mod copy;
mod db_error;
pub mod exchange_rates;
mod filters;
pub mod history;
pub mod iati;
pub mod member_states;
mod migrate;
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
use sqlx::PgPool;

pub use as_of::{AsOf, AsOfBound, resolve_as_of, settle_as_of, settle_history};
pub(crate) use db_error::{Statement, already_exists, map_db_error};
pub(crate) use filters::{push_group, undeclared_filter};
pub(crate) use history::close_version;
pub use migrate::migrate;

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
