//! Measurements: protobuf to domain and back, and the measurement RPCs.

use tonic::{Request, Status};

use super::indicators;
use crate::{
    api::{Api, Caller, convert, resource},
    domain::{
        FieldViolation, Parsed, dates, field,
        filter::{FieldSpec, Filter, Kind},
        result::{
            self, DimensionValues, Figures, Indicator, Measurement, MeasurementKey, NewMeasurement,
        },
        text::{self, Id},
    },
    error::{Error, Result},
    pb,
    store::{
        Versioned,
        results::{
            measurements::{self, Scope},
            record,
        },
    },
};

const MAX_SOURCE: usize = 200;
const MAX_COMMENT: usize = 1000;

const FILTER: &[FieldSpec] = &[
    FieldSpec::new("period_start", Kind::Date),
    FieldSpec::new("period_end", Kind::Date),
    FieldSpec::new("verified", Kind::Bool),
];

/// A RecordMeasurementRequest parsed: the measurement and the etag guarding its correction.
pub struct Recording {
    pub new: NewMeasurement,
    pub etag: String,
}

/// Parses a RecordMeasurementRequest (or one row of an import, which has the same fields).
pub fn recording(req: &pb::RecordMeasurementRequest) -> Parsed<Recording> {
    let (programme, indicator) = indicators::parse_name(&req.parent, "parent")?;
    let path = "measurement";
    let m = resource::required(req.measurement.as_ref(), path, "measurement")?;
    let period_start = dates::parse_date(&m.period_start, &field(path, "period_start"))?;
    let period_end = dates::parse_date(&m.period_end, &field(path, "period_end"))?;
    let dimensions = DimensionValues::parse(
        m.dimensions.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        &field(path, "dimensions"),
    )?;
    let key = MeasurementKey::new(
        programme,
        indicator,
        period_start,
        period_end,
        dimensions,
        path,
    )?;
    let figures = Figures {
        target: result::parse_value(&m.target, &field(path, "target"))?,
        actual: result::parse_value(&m.actual, &field(path, "actual"))?,
        source: text::optional_text(&m.source, &field(path, "source"), MAX_SOURCE)?,
        verified: m.verified,
        comment: text::optional_text(&m.comment, &field(path, "comment"), MAX_COMMENT)?,
    }
    .check(path)?;
    Ok(Recording {
        new: NewMeasurement { key, figures },
        etag: m.etag.clone(),
    })
}

/// The checks a recording needs from the database: its indicator exists and accepts it, and
/// its etag (if any) names the measurement's current revision.
pub fn check(
    r: &Recording,
    indicator: Option<&Indicator>,
    current: Option<&Versioned<Measurement>>,
) -> Result<()> {
    let key = &r.new.key;
    let indicator = indicator.ok_or_else(|| {
        Error::invalid(
            "parent",
            "UNKNOWN_INDICATOR",
            format!("{} does not exist", key.indicator_name()),
        )
    })?;
    r.new.check_against(indicator, "measurement")?;
    match current {
        Some(c) => convert::check_etag(&c.value.name(), &r.etag, c.revision),
        None if r.etag.is_empty() => Ok(()),
        // An etag for a measurement that does not exist yet was read from something else.
        None => Err(Error::StaleEtag {
            name: format!(
                "the measurement of {} for {} to {}",
                key.indicator_name(),
                key.period_start,
                key.period_end
            ),
            given: r.etag.clone(),
            current: "none".to_owned(),
        }),
    }
}

/// The protobuf form of a stored measurement.
pub fn message(v: &Versioned<Measurement>) -> pb::Measurement {
    let m = &v.value;
    let decimal = |d: Option<rust_decimal::Decimal>| d.map(|d| d.to_string()).unwrap_or_default();
    versioned_message!(
        v,
        pb::Measurement {
            name: m.name(),
            period_start: convert::date(m.key.period_start),
            period_end: convert::date(m.key.period_end),
            target: decimal(m.figures.target),
            actual: decimal(m.figures.actual),
            dimensions: m
                .key
                .dimensions
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_owned()))
                .collect(),
            source: m.figures.source.clone(),
            verified: m.figures.verified,
            comment: m.figures.comment.clone(),
        }
    )
}

/// The audit form of a measurement version.
pub fn audit_json(v: &Versioned<Measurement>) -> serde_json::Value {
    convert::canonical_json(&message(v))
}

pub async fn record(
    api: &Api,
    request: Request<pb::RecordMeasurementRequest>,
) -> Result<pb::Measurement, Status> {
    let (caller, req) = Caller::split(request);
    let recording = recording(&req)?;
    let response = api
        .mutate(&caller, &req.request_id, &req, async |w| {
            let rows = [&recording.new];
            let locked = record::lock(w.conn(), &rows).await?;
            let now = w.restamp().await?;
            let recorded = locked
                .record(w.conn(), now, |_, i, c| check(&recording, i, c))
                .await?
                .pop()
                .ok_or_else(|| {
                    Error::Internal(anyhow::anyhow!("a recording without a result"))
                })??;
            let response = message(&recorded.after);
            if recorded.changed() {
                w.audit(
                    &response.name,
                    recorded.before.as_ref().map(audit_json),
                    Some(convert::canonical_json(&response)),
                    None,
                );
            }
            Ok(response)
        })
        .await?;
    Ok(response)
}

/// Parses `programmes/{p}/indicators/{i}/measurements/{m}` into its ids.
fn parse_name(name: &str, field: &str) -> Parsed<[Id; 3]> {
    text::parse_nested_name(name, &["programmes", "indicators", "measurements"], field)
}

pub async fn get(
    api: &Api,
    request: Request<pb::GetMeasurementRequest>,
) -> Result<pb::Measurement, Status> {
    let req = request.into_inner();
    let [programme, indicator, id] = parse_name(&req.name, "name")?;
    let as_of = api.read_instant(req.as_of.as_ref(), "as_of").await?;
    let mut conn = api.pool().acquire().await.map_err(Error::from)?;
    let found = measurements::get(&mut conn, &programme, &indicator, &id, as_of)
        .await?
        .ok_or_else(|| Error::not_found(&req.name))?;
    Ok(message(&found))
}

/// Parses the parent of a list: one indicator, every indicator of a programme, or all.
fn scope(parent: &str, field: &str) -> Parsed<Scope> {
    if parent == "programmes/-/indicators/-" {
        return Ok(Scope::All);
    }
    if let Some(programme) = parent
        .strip_prefix("programmes/")
        .and_then(|rest| rest.strip_suffix("/indicators/-"))
    {
        return Id::parse(programme, field)
            .map(Scope::Programme)
            .map_err(|_| {
                FieldViolation::new(
                    field,
                    "INVALID_NAME",
                    format!(
                        "{parent} is not of the form programmes/{{id}}/indicators/-",
                        parent = crate::domain::text::quote(parent)
                    ),
                )
            });
    }
    let (programme, indicator) = indicators::parse_name(parent, field).map_err(|e| {
        if e.reason == "INVALID_NAME" {
            FieldViolation::new(
                field,
                "INVALID_NAME",
                format!(
                    "{parent} is not programmes/{{id}}/indicators/{{id}}, programmes/{{id}}/indicators/- or programmes/-/indicators/-",
                    parent = crate::domain::text::quote(parent)
                ),
            )
        } else {
            e
        }
    })?;
    Ok(Scope::Indicator(programme, indicator))
}

pub async fn list(
    api: &Api,
    request: Request<pb::ListMeasurementsRequest>,
) -> Result<pb::ListMeasurementsResponse, Status> {
    let req = request.into_inner();
    let scope = scope(&req.parent, "parent")?;
    let filter = Filter::parse(&req.filter, FILTER, "filter")?;
    let query = format!("{}|{}", filter.canonical(), req.parent);
    let (rows, next_page_token) = api
        .list_page(
            &req,
            "ListMeasurements",
            Some(query),
            async |as_of, after: Option<&measurements::Cursor>, limit| {
                measurements::list(api.pool(), &scope, &filter, as_of, after, limit).await
            },
            measurements::cursor,
        )
        .await?;
    Ok(pb::ListMeasurementsResponse {
        measurements: rows.iter().map(message).collect(),
        next_page_token,
    })
}
