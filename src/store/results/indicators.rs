//! Indicators and their versions.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};

use crate::{
    domain::{
        result::{Baseline, DimensionName, Direction, Indicator, Measure, ResultLevel, Usage},
        text::Id,
    },
    error::{Error, Result},
    store::{AsOf, Versioned, already_exists, map_db_error, write::Write},
};

#[derive(sqlx::FromRow)]
pub(super) struct Row {
    programme_id: String,
    id: String,
    revision: i32,
    created_at: DateTime<Utc>,
    valid_from: DateTime<Utc>,
    title: String,
    description: String,
    result_level: String,
    measure: String,
    direction: String,
    cumulative: bool,
    baseline_value: Option<Decimal>,
    baseline_date: Option<NaiveDate>,
    baseline_comment: String,
    dimensions: Vec<String>,
    unit: String,
}

impl TryFrom<Row> for Versioned<Indicator> {
    type Error = Error;

    fn try_from(r: Row) -> Result<Self> {
        let corrupt = |what: &str| {
            Error::Internal(anyhow::anyhow!(
                "indicator {}/{}: bad {what}",
                r.programme_id,
                r.id
            ))
        };
        let value = Indicator {
            programme: Id::parse(&r.programme_id, "programme_id")
                .map_err(|_| corrupt("programme id"))?,
            id: Id::parse(&r.id, "id").map_err(|_| corrupt("id"))?,
            title: r.title.clone(),
            description: r.description.clone(),
            result_level: ResultLevel::from_db(&r.result_level)
                .ok_or_else(|| corrupt("result level"))?,
            measure: Measure::from_db(&r.measure).ok_or_else(|| corrupt("measure"))?,
            direction: Direction::from_db(&r.direction).ok_or_else(|| corrupt("direction"))?,
            cumulative: r.cumulative,
            baseline: Baseline {
                // NUMERIC(24,6) pads to six decimals; values are kept without trailing zeros.
                value: r.baseline_value.map(|v| v.normalize()),
                date: r.baseline_date,
                comment: r.baseline_comment.clone(),
            },
            dimensions: r
                .dimensions
                .iter()
                .map(|d| DimensionName::parse(d, "dimensions").map_err(|_| corrupt("dimension")))
                .collect::<Result<_>>()?,
            unit: r.unit.clone(),
        };
        Ok(Versioned {
            revision: r.revision,
            created_at: r.created_at,
            updated_at: r.valid_from,
            value,
        })
    }
}

pub(super) const SELECT: &str = "SELECT i.programme_id, i.id, v.revision, i.created_at,
        v.valid_from, v.title, v.description, v.result_level, v.measure, v.direction, v.cumulative,
        v.baseline_value, v.baseline_date, v.baseline_comment, v.dimensions, v.unit
   FROM indicators i
   JOIN indicator_versions v ON v.programme_id = i.programme_id AND v.indicator_id = i.id";

/// Records a new indicator (revision 1). The programme must exist.
pub async fn create(w: &mut Write, indicator: &Indicator) -> Result<Versioned<Indicator>> {
    let now = w.now();
    sqlx::query("INSERT INTO indicators (programme_id, id, created_at) VALUES ($1, $2, $3)")
        .bind(indicator.programme.as_str())
        .bind(indicator.id.as_str())
        .bind(now)
        .execute(w.conn())
        .await
        .map_err(|e| already_exists(e, "indicators_pkey", &indicator.name()))?;
    insert_version(w.conn(), indicator, 1, now).await?;
    Ok(Versioned {
        revision: 1,
        created_at: now,
        updated_at: now,
        value: indicator.clone(),
    })
}

async fn insert_version(
    conn: &mut PgConnection,
    indicator: &Indicator,
    revision: i32,
    now: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO indicator_versions (programme_id, indicator_id, revision, valid_from, title,
             description, result_level, measure, direction, cumulative, baseline_value,
             baseline_date, baseline_comment, dimensions, unit)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(indicator.programme.as_str())
    .bind(indicator.id.as_str())
    .bind(revision)
    .bind(now)
    .bind(&indicator.title)
    .bind(&indicator.description)
    .bind(indicator.result_level.db_name())
    .bind(indicator.measure.db_name())
    .bind(indicator.direction.db_name())
    .bind(indicator.cumulative)
    .bind(indicator.baseline.value)
    .bind(indicator.baseline.date)
    .bind(&indicator.baseline.comment)
    .bind(
        indicator
            .dimensions
            .iter()
            .map(|d| d.as_str())
            .collect::<Vec<_>>(),
    )
    .bind(&indicator.unit)
    .execute(conn)
    .await
    .map_err(map_db_error)?;
    Ok(())
}

/// Reads one indicator as of an instant.
pub async fn get(
    conn: &mut PgConnection,
    programme: &Id,
    id: &Id,
    as_of: AsOf,
) -> Result<Option<Versioned<Indicator>>> {
    let mut qb = QueryBuilder::<Postgres>::new(SELECT);
    qb.push(" WHERE i.programme_id = ")
        .push_bind(programme.as_str())
        .push(" AND i.id = ")
        .push_bind(id.as_str())
        .push(" AND ");
    as_of.push_predicate(&mut qb, "v");
    qb.build_query_as::<Row>()
        .fetch_optional(conn)
        .await?
        .map(TryInto::try_into)
        .transpose()
}

/// The position of an indicator in a list: programme id, then indicator id.
pub type Cursor = (String, String);

/// Indicators of one programme (or of all), after `after`, as of an instant.
pub async fn list(
    pool: &PgPool,
    programme: Option<&Id>,
    as_of: AsOf,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<Vec<Versioned<Indicator>>> {
    let mut qb = QueryBuilder::<Postgres>::new(SELECT);
    qb.push(" WHERE ");
    as_of.push_predicate(&mut qb, "v");
    if let Some(programme) = programme {
        qb.push(" AND i.programme_id = ")
            .push_bind(programme.as_str());
    }
    if let Some((programme, id)) = after {
        qb.push(" AND (i.programme_id, i.id) > (")
            .push_bind(programme.clone())
            .push(", ")
            .push_bind(id.clone())
            .push(")");
    }
    qb.push(" ORDER BY i.programme_id, i.id LIMIT ")
        .push_bind(limit);
    qb.build_query_as::<Row>()
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
}

/// Replaces an indicator's fields with a new revision. `check` sees the current version (for
/// the etag) and what its measurements rely on. Returns the version before and after; when
/// nothing changed, both are the current version and nothing is written.
pub async fn update(
    w: &mut Write,
    indicator: &Indicator,
    check: impl FnOnce(&Versioned<Indicator>, &Usage) -> Result<()>,
) -> Result<(Versioned<Indicator>, Versioned<Indicator>)> {
    let name = indicator.name();
    if !lock(w.conn(), &indicator.programme, &indicator.id).await? {
        return Err(Error::not_found(&name));
    }
    // The lock may have waited for another update: stamp this one after it.
    let now = w.restamp().await?;
    let current = get(w.conn(), &indicator.programme, &indicator.id, AsOf::Now)
        .await?
        .ok_or_else(|| Error::not_found(&name))?;
    let usage = usage(w.conn(), &indicator.programme, &indicator.id).await?;
    check(&current, &usage)?;
    if current.value == *indicator {
        return Ok((current.clone(), current));
    }
    // The key has two columns, so the one-column `store::close_version` does not fit.
    sqlx::query(
        "UPDATE indicator_versions SET valid_to = $3
          WHERE programme_id = $1 AND indicator_id = $2 AND valid_to IS NULL",
    )
    .bind(indicator.programme.as_str())
    .bind(indicator.id.as_str())
    .bind(now)
    .execute(w.conn())
    .await
    .map_err(map_db_error)?;
    let revision = current.revision + 1;
    insert_version(w.conn(), indicator, revision, now).await?;
    let after = Versioned {
        revision,
        created_at: current.created_at,
        updated_at: now,
        value: indicator.clone(),
    };
    Ok((current, after))
}

/// Locks the indicator's identity row for an update; false when there is no such indicator.
async fn lock(conn: &mut PgConnection, programme: &Id, id: &Id) -> Result<bool> {
    let found: Option<i32> = sqlx::query_scalar(
        "SELECT 1 FROM indicators WHERE programme_id = $1 AND id = $2 FOR UPDATE",
    )
    .bind(programme.as_str())
    .bind(id.as_str())
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// What the current measurements of an indicator rely on.
async fn usage(conn: &mut PgConnection, programme: &Id, id: &Id) -> Result<Usage> {
    let (dimensions, earliest, largest): (Option<Vec<String>>, Option<NaiveDate>, Option<Decimal>) =
        sqlx::query_as(
            "SELECT (SELECT array_agg(DISTINCT d) FROM measurements m,
                            jsonb_object_keys(m.dimensions) AS d
                      WHERE m.programme_id = $1 AND m.indicator_id = $2),
                    (SELECT min(period_start) FROM measurements
                      WHERE programme_id = $1 AND indicator_id = $2),
                    (SELECT max(greatest(v.target, v.actual))
                       FROM measurements m
                       JOIN measurement_versions v ON v.measurement_id = m.id AND v.valid_to IS NULL
                      WHERE m.programme_id = $1 AND m.indicator_id = $2)",
        )
        .bind(programme.as_str())
        .bind(id.as_str())
        .fetch_one(conn)
        .await?;
    Ok(Usage {
        dimensions: dimensions.unwrap_or_default().into_iter().collect(),
        earliest_period_start: earliest,
        largest_value: largest,
    })
}
