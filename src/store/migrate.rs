//! The schema and the reference data it needs.

use sqlx::PgPool;

use crate::domain::{geo::Country, money::Currency};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Applies pending migrations, then brings the ISO reference tables up to date from the crates
/// that maintain them. Safe to run any number of times, and from several replicas at once
/// (sqlx takes an advisory lock).
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    // A migration may rewrite or check whole tables: the statement timeout of serving sessions
    // does not apply to it. The session is taken out of the pool, so the change leaves with it.
    let mut conn = pool.acquire().await?.detach();
    sqlx::query!("SET statement_timeout = 0",)
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
    sqlx::query!(
        "INSERT INTO currencies (code, minor_units, name)
         SELECT * FROM UNNEST($1::text[], $2::smallint[], $3::text[])
         ON CONFLICT (code) DO UPDATE SET minor_units = EXCLUDED.minor_units, name = EXCLUDED.name
         WHERE (currencies.minor_units, currencies.name) IS DISTINCT FROM (EXCLUDED.minor_units, EXCLUDED.name)",
        &currencies.iter().map(|c| c.code().to_owned()).collect::<Vec<_>>(),
        &currencies.iter().map(|c| c.minor_units() as i16).collect::<Vec<_>>(),
        &currencies.iter().map(|c| c.display_name().to_owned()).collect::<Vec<_>>(),
    )
    .execute(&mut *tx)
    .await?;
    let countries: Vec<Country> = Country::all().collect();
    sqlx::query!(
        "INSERT INTO countries (code, name)
         SELECT * FROM UNNEST($1::text[], $2::text[])
         ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name
         WHERE countries.name IS DISTINCT FROM EXCLUDED.name",
        &countries
            .iter()
            .map(|c| c.code().to_owned())
            .collect::<Vec<_>>(),
        &countries
            .iter()
            .map(|c| c.display_name().to_owned())
            .collect::<Vec<_>>(),
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}
