//! Indicators: protobuf to domain and back, and the indicator RPCs.

use tonic::{Request, Status};

use crate::{
    api::{
        Api, Caller,
        convert::{self, Wire},
        refs, resource,
    },
    domain::{
        Parsed, dates, field,
        filter::Filter,
        result::{self, Baseline, DimensionName, Direction, Indicator, Measure, ResultLevel},
        text::{self, Id},
    },
    error::Result,
    pb,
    store::{Versioned, refs::Target, results::indicators},
};

const MAX_TITLE: usize = 300;
const MAX_DESCRIPTION: usize = 5000;
const MAX_BASELINE_COMMENT: usize = 1000;
const MAX_UNIT: usize = 40;

wire_enum!(ResultLevel => ResultLevel { Output, Outcome, Impact });
wire_enum!(Measure => IndicatorMeasure {
    Unit,
    Percentage,
    Nominal,
    Ordinal,
    Qualitative,
});
wire_enum!(Direction => IndicatorDirection { Increasing, Decreasing });

fn baseline(b: Option<&pb::Baseline>, path: &str) -> Parsed<Baseline> {
    let Some(b) = b else {
        return Ok(Baseline::default());
    };
    Ok(Baseline {
        value: result::parse_value(&b.value, &field(path, "value"))?,
        date: dates::parse_optional_date(&b.date, &field(path, "date"))?,
        comment: text::optional_text(&b.comment, &field(path, "comment"), MAX_BASELINE_COMMENT)?,
    })
}

/// Parses the indicator at `path` of a request, with the ids it will have.
fn indicator(programme: Id, id: Id, i: Option<&pb::Indicator>, path: &str) -> Parsed<Indicator> {
    let i = resource::required(i, path, "indicator")?;
    let dimensions = i
        .dimensions
        .iter()
        .enumerate()
        .map(|(n, d)| DimensionName::parse(d, &format!("{path}.dimensions[{n}]")))
        .collect::<Parsed<Vec<_>>>()?;
    Indicator {
        programme,
        id,
        title: text::required_text(&i.title, &field(path, "title"), MAX_TITLE)?,
        description: text::optional_text(
            &i.description,
            &field(path, "description"),
            MAX_DESCRIPTION,
        )?,
        result_level: ResultLevel::required(
            i.result_level,
            &field(path, "result_level"),
            "a result level",
        )?,
        measure: Measure::required(i.measure, &field(path, "measure"), "a measure")?,
        direction: Direction::required(i.direction, &field(path, "direction"), "a direction")?,
        cumulative: i.cumulative,
        baseline: baseline(i.baseline.as_ref(), &field(path, "baseline"))?,
        dimensions,
        unit: text::optional_text(&i.unit, &field(path, "unit"), MAX_UNIT)?,
    }
    .check(path)
}

/// The protobuf form of a stored indicator.
pub fn message(v: &Versioned<Indicator>) -> pb::Indicator {
    let i = &v.value;
    let b = &i.baseline;
    let has_baseline = b.value.is_some() || b.date.is_some() || !b.comment.is_empty();
    versioned_message!(
        v,
        pb::Indicator {
            name: i.name(),
            title: i.title.clone(),
            description: i.description.clone(),
            result_level: i.result_level.to_wire().into(),
            measure: i.measure.to_wire().into(),
            direction: i.direction.to_wire().into(),
            cumulative: i.cumulative,
            baseline: has_baseline.then(|| pb::Baseline {
                value: b.value.map(|v| v.to_string()).unwrap_or_default(),
                date: convert::optional_date(b.date),
                comment: b.comment.clone(),
            }),
            dimensions: i.dimensions.iter().map(|d| d.to_string()).collect(),
            unit: i.unit.clone(),
        }
    )
}

/// Parses `programmes/{p}/indicators/{i}` into its ids.
pub fn parse_name(name: &str, field: &str) -> Parsed<(Id, Id)> {
    let [programme, id] = text::parse_nested_name(name, &["programmes", "indicators"], field)?;
    Ok((programme, id))
}

pub async fn create(
    api: &Api,
    request: Request<pb::CreateIndicatorRequest>,
) -> Result<pb::Indicator, Status> {
    let (caller, req) = Caller::split(request);
    let programme = text::parse_name(&req.parent, "programmes", "parent")?;
    let id = Id::parse(&req.indicator_id, "indicator_id")?;
    let indicator = indicator(programme, id, req.indicator.as_ref(), "indicator")?;
    Ok(api
        .create_checked(&caller, &req.request_id, &req, &indicator, async |w| {
            refs::require(w.conn(), Target::Programme, &req.parent, "parent").await?;
            Ok(())
        })
        .await?)
}

pub async fn list(
    api: &Api,
    request: Request<pb::ListIndicatorsRequest>,
) -> Result<pb::ListIndicatorsResponse, Status> {
    let req = request.into_inner();
    let programme = text::parse_parent_or_wildcard(&req.parent, "programmes", "parent")?;
    let query = Some(req.parent.to_string());
    let (indicators, next_page_token) = api
        .list_of::<Indicator>(
            &req,
            "ListIndicators",
            query,
            programme.as_ref(),
            &Filter::default(),
        )
        .await?;
    Ok(pb::ListIndicatorsResponse {
        indicators,
        next_page_token,
    })
}

pub async fn update(
    api: &Api,
    request: Request<pb::UpdateIndicatorRequest>,
) -> Result<pb::Indicator, Status> {
    let (caller, req) = Caller::split(request);
    let given = resource::required(req.indicator.as_ref(), "indicator", "indicator")?;
    let (programme, id) = parse_name(&given.name, "indicator.name")?;
    let indicator = indicator(programme, id, Some(given), "indicator")?;
    let etag = given.etag.clone();
    let response = api
        .mutate(&caller, &req.request_id, &req, async |w| {
            let name = indicator.name();
            let (before, after) = indicators::update(w, &indicator, |current, usage| {
                convert::check_etag(&name, &etag, current.revision)?;
                indicator.check_usage(usage, "indicator")?;
                Ok(())
            })
            .await?;
            let response = message(&after);
            if before.revision != after.revision {
                crate::api::audit_changed(w, &name, &message(&before), &response, None);
            }
            Ok(response)
        })
        .await?;
    Ok(response)
}

shown!(Indicator => pb::Indicator);
