//! The planner's statistics after a bulk write.
//!
//! A report's plan depends on what PostgreSQL believes the tables hold. Autovacuum refreshes
//! that belief only once a minute at best, so a report generated right after a large import
//! would be planned on the old picture (or none, for a table never analyzed), and a hash join
//! can turn into a nested loop over millions of rows. An import therefore analyzes, in its last
//! step, every table it grew noticeably.

use sqlx::PgPool;

use crate::error::Result;

/// A table a bulk write adds rows to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Contributions,
    ContributionVersions,
    Installments,
    Measurements,
    MeasurementVersions,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Contributions => "contributions",
            Table::ContributionVersions => "contribution_versions",
            Table::Installments => "installments",
            Table::Measurements => "measurements",
            Table::MeasurementVersions => "measurement_versions",
        }
    }
}

/// Analyzes each table that was never analyzed, or to which `written` rows add at least a tenth
/// of what its statistics say it holds (autovacuum's own default threshold, applied now rather
/// than at its next round). Small imports into large tables cost nothing here.
///
/// Returns the tables analyzed.
#[tracing::instrument(name = "statistics.refresh", skip_all, fields(db.system.name = "postgresql"))]
pub async fn refresh(pool: &PgPool, written: &[(Table, u64)]) -> Result<Vec<Table>> {
    let mut analyzed = Vec::new();
    let mut conn = pool.acquire().await?;
    for &(table, rows) in written {
        if rows == 0 {
            continue;
        }
        // -1 until the table is first analyzed or vacuumed.
        let believed: f32 =
            sqlx::query_scalar("SELECT reltuples FROM pg_class WHERE oid = $1::regclass")
                .bind(table.name())
                .fetch_one(&mut *conn)
                .await?;
        if believed < 0.0 || rows as f64 * 10.0 >= f64::from(believed) {
            // Through the schema owner's function: only an owner may ANALYZE (migration 0010).
            sqlx::query("SELECT analyze_imported($1)")
                .bind(table.name())
                .execute(&mut *conn)
                .await?;
            analyzed.push(table);
        }
    }
    Ok(analyzed)
}
