//! Reading measurements and their versions.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder, types::Json};

use crate::{
    domain::{
        filter::Filter,
        result::{DimensionValues, Figures, Measurement, MeasurementKey},
        text::Id,
    },
    error::{Error, Result},
    store::{AsOf, Versioned, history::Stamp},
};

#[derive(sqlx::FromRow)]
pub(super) struct Row {
    id: String,
    programme_id: String,
    indicator_id: String,
    period_start: NaiveDate,
    period_end: NaiveDate,
    dimensions: Json<BTreeMap<String, String>>,
    #[sqlx(flatten)]
    stamp: Stamp,
    target: Option<Decimal>,
    actual: Option<Decimal>,
    source: String,
    verified: bool,
    comment: String,
}

impl TryFrom<Row> for Versioned<Measurement> {
    type Error = Error;

    fn try_from(r: Row) -> Result<Self> {
        let corrupt =
            |what: &str| Error::Internal(anyhow::anyhow!("measurement {}: bad {what}", r.id));
        let id = |text: &str, what: &str| Id::parse(text, "id").map_err(|_| corrupt(what));
        let dimensions = DimensionValues::parse(
            r.dimensions.0.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            "dimensions",
        )
        .map_err(|_| corrupt("dimensions"))?;
        let value = Measurement {
            id: id(&r.id, "id")?,
            key: MeasurementKey {
                programme: id(&r.programme_id, "programme id")?,
                indicator: id(&r.indicator_id, "indicator id")?,
                period_start: r.period_start,
                period_end: r.period_end,
                dimensions,
            },
            figures: Figures {
                // NUMERIC(24,6) pads to six decimals; values are kept without trailing zeros.
                target: r.target.map(|v| v.normalize()),
                actual: r.actual.map(|v| v.normalize()),
                source: r.source.clone(),
                verified: r.verified,
                comment: r.comment.clone(),
            },
        };
        Ok(r.stamp.version(value))
    }
}

pub(super) const SELECT: &str = "SELECT m.id, m.programme_id, m.indicator_id, m.period_start,
        m.period_end, m.dimensions, m.created_at, v.revision, v.valid_from, v.target, v.actual,
        v.source, v.verified, v.comment
   FROM measurements m JOIN measurement_versions v ON v.measurement_id = m.id";

/// Reads one measurement of an indicator as of an instant.
pub async fn get(
    conn: &mut PgConnection,
    programme: &Id,
    indicator: &Id,
    id: &Id,
    as_of: AsOf,
) -> Result<Option<Versioned<Measurement>>> {
    let mut qb = QueryBuilder::<Postgres>::new(SELECT);
    qb.push(" WHERE m.id = ")
        .push_bind(id.as_str())
        .push(" AND m.programme_id = ")
        .push_bind(programme.as_str())
        .push(" AND m.indicator_id = ")
        .push_bind(indicator.as_str())
        .push(" AND ");
    as_of.push_predicate(&mut qb, "v");
    qb.build_query_as::<Row>()
        .fetch_optional(conn)
        .await?
        .map(TryInto::try_into)
        .transpose()
}

/// Which measurements a list covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every measurement (`programmes/-/indicators/-`).
    All,
    /// Those of every indicator of one programme (`programmes/{p}/indicators/-`).
    Programme(Id),
    /// Those of one indicator (`programmes/{p}/indicators/{i}`).
    Indicator(Id, Id),
}

/// The position of a measurement in a list: programme, indicator, period start and end,
/// dimension key, id (the list's order, which is unique because the id is last).
pub type Cursor = (String, String, NaiveDate, NaiveDate, String, String);

/// The cursor of a listed measurement.
pub fn cursor(v: &Versioned<Measurement>) -> Cursor {
    let m = &v.value;
    (
        m.key.programme.to_string(),
        m.key.indicator.to_string(),
        m.key.period_start,
        m.key.period_end,
        m.key.dimensions.key(),
        m.id.to_string(),
    )
}

/// Measurements in scope after `after` matching the filter, as of an instant.
pub async fn list(
    pool: &PgPool,
    scope: &Scope,
    filter: &Filter,
    as_of: AsOf,
    after: Option<&Cursor>,
    limit: i64,
) -> Result<Vec<Versioned<Measurement>>> {
    let mut qb = QueryBuilder::<Postgres>::new(SELECT);
    qb.push(" WHERE ");
    as_of.push_predicate(&mut qb, "v");
    match scope {
        Scope::All => {}
        Scope::Programme(p) => {
            qb.push(" AND m.programme_id = ").push_bind(p.to_string());
        }
        Scope::Indicator(p, i) => {
            qb.push(" AND m.programme_id = ")
                .push_bind(p.to_string())
                .push(" AND m.indicator_id = ")
                .push_bind(i.to_string());
        }
    }
    if let Some((p, i, start, end, key, id)) = after {
        qb.push(
            " AND (m.programme_id, m.indicator_id, m.period_start, m.period_end, m.dimension_key, m.id) > (",
        );
        let mut values = qb.separated(", ");
        values.push_bind(p.clone());
        values.push_bind(i.clone());
        values.push_bind(*start);
        values.push_bind(*end);
        values.push_bind(key.clone());
        values.push_bind(id.clone());
        qb.push(")");
    }
    for group in filter.groups() {
        let column = match group.field {
            "period_start" => "m.period_start",
            "period_end" => "m.period_end",
            "verified" => "v.verified",
            other => return Err(super::super::undeclared_filter(other)),
        };
        super::super::push_group(&mut qb, column, &group, "", false)?;
    }
    qb.push(
        " ORDER BY m.programme_id, m.indicator_id, m.period_start, m.period_end, m.dimension_key, m.id LIMIT ",
    )
    .push_bind(limit);
    qb.build_query_as::<Row>()
        .fetch_all(pool)
        .await?
        .into_iter()
        .map(TryInto::try_into)
        .collect()
}
