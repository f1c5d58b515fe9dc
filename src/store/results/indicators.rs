//! Indicators and their versions.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sqlx::{PgConnection, Postgres, QueryBuilder};

use crate::{
    domain::{
        result::{
            Baseline, DimensionName, Direction, Indicator, Measure, ResultLevel, Usage,
            indicator::indicator_name,
        },
        text::Id,
    },
    error::{Error, Result},
    store::{
        Statement, Versioned,
        history::{self, Kept, Listed, Revision, Stamp},
        map_db_error,
        write::Write,
    },
};

/// One row of [`Kept::SELECT`].
#[derive(sqlx::FromRow)]
pub struct Row {
    programme_id: String,
    id: String,
    #[sqlx(flatten)]
    stamp: Stamp,
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
        Ok(r.stamp.version(value))
    }
}

impl Kept for Indicator {
    /// Its programme's id and its own.
    type Key = (Id, Id);
    type Row = Row;
    const SELECT: &'static str = "SELECT i.programme_id, i.id, v.revision, i.created_at,
            v.valid_from, v.title, v.description, v.result_level, v.measure, v.direction,
            v.cumulative, v.baseline_value, v.baseline_date, v.baseline_comment, v.dimensions,
            v.unit
       FROM indicators i
       JOIN indicator_versions v ON v.programme_id = i.programme_id AND v.indicator_id = i.id";
    const IDENTITY: &'static str = "indicators";
    const ALIAS: &'static str = "i";
    const KEY: &'static [&'static str] = &["programme_id", "id"];
    const VERSIONS: &'static str = "indicator_versions";
    const VERSION_KEY: &'static [&'static str] = &["programme_id", "indicator_id"];

    fn key(&self) -> (Id, Id) {
        (self.programme.clone(), self.id.clone())
    }

    fn name_of((programme, id): &(Id, Id)) -> String {
        indicator_name(programme, id)
    }

    async fn insert_version(&self, conn: &mut PgConnection, at: Revision<'_>) -> Result<()> {
        let indicator = self;
        sqlx::query!(
            "INSERT INTO indicator_versions (programme_id, indicator_id, revision, valid_from,
                 title, description, result_level, measure, direction, cumulative,
                 baseline_value, baseline_date, baseline_comment, dimensions, unit)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
            indicator.programme.as_str(),
            indicator.id.as_str(),
            at.number,
            at.valid_from,
            &indicator.title,
            &indicator.description,
            indicator.result_level.db_name(),
            indicator.measure.db_name(),
            indicator.direction.db_name(),
            indicator.cumulative,
            indicator.baseline.value,
            indicator.baseline.date,
            &indicator.baseline.comment,
            &indicator
                .dimensions
                .iter()
                .map(|d| d.as_str().to_owned())
                .collect::<Vec<_>>(),
            &indicator.unit,
        )
        .write(conn)
        .await
    }
}

/// Records new indicators (revision 1) of one programme with two statements whatever their
/// number. ALREADY_EXISTS, writing none of them, when one exists.
pub async fn create_many(
    w: &mut Write,
    indicators: &[&Indicator],
) -> Result<Vec<Versioned<Indicator>>> {
    if indicators.is_empty() {
        return Ok(Vec::new());
    }
    let now = w.now();
    let programmes: Vec<&str> = indicators.iter().map(|i| i.programme.as_str()).collect();
    let ids: Vec<&str> = indicators.iter().map(|i| i.id.as_str()).collect();
    let inserted: Vec<(String, String)> = sqlx::query_as(
        "INSERT INTO indicators (programme_id, id, created_at)
         SELECT p, i, $3 FROM UNNEST($1::text[], $2::text[]) AS t (p, i)
         ON CONFLICT (programme_id, id) DO NOTHING
         RETURNING programme_id, id",
    )
    .bind(&programmes)
    .bind(&ids)
    .bind(now)
    .fetch_all(w.conn())
    .await
    .map_err(map_db_error)?;
    history::refuse_existing(indicators, inserted.len(), |i| {
        inserted
            .iter()
            .any(|(p, id)| p == i.programme.as_str() && id == i.id.as_str())
    })?;
    let each = |f: fn(&Indicator) -> &str| indicators.iter().map(|i| f(i)).collect::<Vec<_>>();
    sqlx::query!(
        "INSERT INTO indicator_versions (programme_id, indicator_id, revision, valid_from,
             title, description, result_level, measure, direction, cumulative,
             baseline_value, baseline_date, baseline_comment, dimensions, unit)
         SELECT p, i, 1, $1, title, description, level, measure, direction, cumulative,
                baseline_value, baseline_date, baseline_comment,
                ARRAY(SELECT jsonb_array_elements_text(dimensions)), unit
           FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                       $8::text[], $9::bool[], $10::numeric[], $11::date[], $12::text[],
                       $13::jsonb[], $14::text[])
             AS t (p, i, title, description, level, measure, direction, cumulative,
                   baseline_value, baseline_date, baseline_comment, dimensions, unit)",
        now,
        &programmes as &[&str],
        &ids as &[&str],
        &each(|i| &i.title) as &[&str],
        &each(|i| &i.description) as &[&str],
        &each(|i| i.result_level.db_name()) as &[&str],
        &each(|i| i.measure.db_name()) as &[&str],
        &each(|i| i.direction.db_name()) as &[&str],
        &indicators.iter().map(|i| i.cumulative).collect::<Vec<_>>(),
        &indicators
            .iter()
            .map(|i| i.baseline.value)
            .collect::<Vec<_>>() as &[Option<Decimal>],
        &indicators
            .iter()
            .map(|i| i.baseline.date)
            .collect::<Vec<_>>() as &[Option<NaiveDate>],
        &each(|i| &i.baseline.comment) as &[&str],
        &indicators
            .iter()
            .map(|i| serde_json::json!(i.dimensions.iter().map(|d| d.as_str()).collect::<Vec<_>>()))
            .collect::<Vec<_>>(),
        &each(|i| &i.unit) as &[&str],
    )
    .write(w.conn())
    .await?;
    Ok(indicators.iter().map(|i| history::first(*i, now)).collect())
}

/// The current versions of these indicators of one programme, with one statement; those that do
/// not exist are left out.
pub async fn current_of(
    conn: &mut PgConnection,
    programme: &Id,
    ids: &[&Id],
) -> Result<Vec<Versioned<Indicator>>> {
    let mut qb = QueryBuilder::<Postgres>::new(Indicator::SELECT);
    qb.push(" WHERE i.programme_id = ")
        .push_bind(programme.as_str().to_owned())
        .push(" AND i.id = ANY(")
        .push_bind(
            ids.iter()
                .map(|i| i.as_str().to_owned())
                .collect::<Vec<_>>(),
        )
        .push(") AND v.valid_to IS NULL");
    history::fetch_all(qb, conn).await
}

/// The position of an indicator in a list: programme id, then indicator id.
pub type Cursor = (String, String);

impl Listed for Indicator {
    type Cursor = Cursor;
    const ORDER: &'static [&'static str] = &["i.programme_id", "i.id"];
    const PARENT: Option<&'static str> = Some("i.programme_id");

    fn cursor(v: &Versioned<Indicator>) -> Cursor {
        (v.value.programme.to_string(), v.value.id.to_string())
    }
}

/// Replaces an indicator's fields with a new revision. `check` sees the current version (for
/// the etag) and what its measurements rely on. Returns the version before and after; when
/// nothing changed, both are the current version and nothing is written.
pub async fn update(
    w: &mut Write,
    indicator: &Indicator,
    check: impl FnOnce(&Versioned<Indicator>, &Usage) -> Result<()>,
) -> Result<(Versioned<Indicator>, Versioned<Indicator>)> {
    let current = history::lock_current::<Indicator>(w, &indicator.key()).await?;
    let usage = usage(w.conn(), &indicator.programme, &indicator.id).await?;
    check(&current, &usage)?;
    let after = history::revise(w, &current, indicator, "")
        .await?
        .unwrap_or_else(|| current.clone());
    Ok((current, after))
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
