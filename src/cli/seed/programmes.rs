//! Demo programmes of the IOM office for Belgium and Luxembourg, and their indicators.

use serde::Deserialize;

use super::{Connection, INDICATORS, PROGRAMMES, Tally, enum_field, list, pairs, request_id};
use crate::pb::{
    self, programme_service_client::ProgrammeServiceClient,
    result_service_client::ResultServiceClient,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProgrammeRow {
    programme_id: String,
    code: String,
    title: String,
    description: String,
    country_codes: String,
    thematic_area: String,
    srf_objective: String,
    /// `organization=ROLE;...`
    partners: String,
    start_date: String,
    end_date: String,
}

pub(super) async fn programmes(channel: &Connection, tally: &mut Tally) -> anyhow::Result<()> {
    let mut client = ProgrammeServiceClient::new(channel.clone());
    for row in PROGRAMMES.rows::<ProgrammeRow>()? {
        let partners = pairs(&row.partners)?
            .into_iter()
            .map(|(organization, role)| {
                Ok(pb::Partner {
                    organization: format!("organizations/{organization}"),
                    role: enum_field(&role, "PARTNER_ROLE_", pb::PartnerRole::from_str_name)?,
                })
            })
            .collect::<anyhow::Result<_>>()?;
        let mut request = pb::CreateProgrammeRequest {
            programme_id: row.programme_id,
            programme: Some(pb::Programme {
                code: row.code,
                title: row.title,
                description: row.description,
                country_codes: list(&row.country_codes),
                thematic_area: row.thematic_area,
                srf_objective: enum_field(
                    &row.srf_objective,
                    "SRF_OBJECTIVE_",
                    pb::SrfObjective::from_str_name,
                )?,
                partners,
                start_date: row.start_date,
                end_date: row.end_date,
                ..Default::default()
            }),
            request_id: String::new(),
        };
        request.request_id = request_id("CreateProgramme", &request);
        let id = request.programme_id.clone();
        tally.record(&id, client.create_programme(request).await)?;
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IndicatorRow {
    programme: String,
    indicator_id: String,
    title: String,
    result_level: String,
    measure: String,
    direction: String,
    cumulative: bool,
    baseline_value: String,
    baseline_date: String,
    dimensions: String,
    unit: String,
}

pub(super) async fn indicators(channel: &Connection, tally: &mut Tally) -> anyhow::Result<()> {
    let mut client = ResultServiceClient::new(channel.clone());
    for row in INDICATORS.rows::<IndicatorRow>()? {
        let mut request = pb::CreateIndicatorRequest {
            parent: format!("programmes/{}", row.programme),
            indicator_id: row.indicator_id,
            indicator: Some(pb::Indicator {
                title: row.title,
                result_level: enum_field(
                    &row.result_level,
                    "RESULT_LEVEL_",
                    pb::ResultLevel::from_str_name,
                )?,
                measure: enum_field(
                    &row.measure,
                    "INDICATOR_MEASURE_",
                    pb::IndicatorMeasure::from_str_name,
                )?,
                direction: enum_field(
                    &row.direction,
                    "INDICATOR_DIRECTION_",
                    pb::IndicatorDirection::from_str_name,
                )?,
                cumulative: row.cumulative,
                baseline: Some(pb::Baseline {
                    value: row.baseline_value,
                    date: row.baseline_date,
                    comment: String::new(),
                }),
                dimensions: list(&row.dimensions),
                unit: row.unit,
                ..Default::default()
            }),
            request_id: String::new(),
        };
        request.request_id = request_id("CreateIndicator", &request);
        let id = request.indicator_id.clone();
        tally.record(&id, client.create_indicator(request).await)?;
    }
    Ok(())
}
