//! Demo programmes of the IOM office for Belgium and Luxembourg, their indicators and results.

use super::{Connection, Tally, request_id};
use crate::pb::{
    self, programme_service_client::ProgrammeServiceClient,
    result_service_client::ResultServiceClient,
};

fn partner(organization: &str, role: pb::PartnerRole) -> pb::Partner {
    pb::Partner {
        organization: format!("organizations/{organization}"),
        role: role.into(),
    }
}

pub(super) async fn programmes(channel: &Connection, tally: &mut Tally) -> anyhow::Result<()> {
    use pb::{PartnerRole::*, SrfObjective::*};
    let mut client = ProgrammeServiceClient::new(channel.clone());
    let rows: Vec<(&str, pb::Programme)> = vec![
        ("o-remit", pb::Programme {
            code: "O-REMIT".into(),
            title: "O-REMIT: affordable remittances and diaspora investment".into(),
            description: "Lowers the cost of remittances and channels diaspora savings into investment in countries of origin.".into(),
            country_codes: vec!["BE".into(), "LU".into(), "CD".into(), "MA".into(), "SN".into()],
            thematic_area: "Labour mobility and diaspora".into(),
            srf_objective: RegularPathways.into(),
            partners: vec![
                partner("belgium", Funding),
                partner("diaspora-advisory-board", Accountable),
                partner("iom", Implementing),
            ],
            start_date: "2023-01-01".into(),
            end_date: "2027-12-31".into(),
            ..Default::default()
        }),
        ("conex", pb::Programme {
            code: "CONEX".into(),
            title: "Conex: training diaspora leaders".into(),
            description: "Trains diaspora organisation leaders in Belgium and Luxembourg to run development projects.".into(),
            country_codes: vec!["BE".into(), "LU".into()],
            thematic_area: "Labour mobility and diaspora".into(),
            srf_objective: RegularPathways.into(),
            partners: vec![
                partner("belgium", Funding),
                partner("diaspora-advisory-board", Accountable),
                partner("iom", Implementing),
            ],
            start_date: "2022-01-01".into(),
            end_date: "2026-12-31".into(),
            ..Default::default()
        }),
        ("avr-fedasil", pb::Programme {
            code: "AVR-BE".into(),
            title: "Assisted voluntary return and reintegration from Belgium, with Fedasil".into(),
            description: "Voluntary return from Belgium with reintegration support, run with Fedasil since 1984.".into(),
            country_codes: vec!["BE".into()],
            thematic_area: "Return and reintegration".into(),
            srf_objective: SolutionsToDisplacement.into(),
            partners: vec![
                partner("belgium", Funding),
                partner("fedasil", Implementing),
            ],
            start_date: "1984-01-01".into(),
            ..Default::default()
        }),
        ("ukraine-early-recovery", pb::Programme {
            code: "UA-ER".into(),
            title: "Early recovery in Ukraine".into(),
            description: "Repairs housing and restores livelihoods in war-affected communities.".into(),
            country_codes: vec!["UA".into()],
            thematic_area: "Transition and recovery".into(),
            srf_objective: SolutionsToDisplacement.into(),
            partners: vec![
                partner("belgium", Funding),
                partner("norway", Funding),
                partner("iom", Implementing),
            ],
            start_date: "2023-01-01".into(),
            end_date: "2026-12-31".into(),
            ..Default::default()
        }),
        ("west-africa", pb::Programme {
            code: "WA-CRMD".into(),
            title: "Climate resilience and migration data governance in West Africa".into(),
            description: "Six countries: community climate adaptation and national migration data systems.".into(),
            country_codes: ["SN", "ML", "NE", "BF", "GN", "MR"].map(String::from).to_vec(),
            thematic_area: "Climate, environment and migration data".into(),
            srf_objective: SavingLives.into(),
            partners: vec![
                partner("belgium", Funding),
                partner("japan", Funding),
                partner("iom", Implementing),
            ],
            start_date: "2022-07-01".into(),
            end_date: "2026-06-30".into(),
            ..Default::default()
        }),
    ];
    for (id, programme) in rows {
        let mut request = pb::CreateProgrammeRequest {
            programme_id: id.into(),
            programme: Some(programme),
            request_id: String::new(),
        };
        request.request_id = request_id("CreateProgramme", &request);
        tally.record(id, client.create_programme(request).await)?;
    }
    Ok(())
}

struct IndicatorRow {
    programme: &'static str,
    id: &'static str,
    title: &'static str,
    level: pb::ResultLevel,
    direction: pb::IndicatorDirection,
    cumulative: bool,
    baseline: (&'static str, &'static str),
    dimensions: &'static [&'static str],
    unit: &'static str,
}

struct MeasurementRow {
    indicator: &'static str,
    period: (&'static str, &'static str),
    target: &'static str,
    actual: &'static str,
    dimensions: &'static [(&'static str, &'static str)],
    source: &'static str,
    verified: bool,
}

pub(super) async fn results(channel: &Connection, tally: &mut Tally) -> anyhow::Result<()> {
    use pb::{IndicatorDirection::*, ResultLevel::*};
    let mut client = ResultServiceClient::new(channel.clone());
    let indicators = [
        IndicatorRow {
            programme: "avr-fedasil",
            id: "returns",
            title: "Voluntary returns assisted from Belgium since 1984",
            level: Output,
            direction: Increasing,
            cumulative: true,
            baseline: ("0", "1984-01-01"),
            dimensions: &[],
            unit: "persons",
        },
        IndicatorRow {
            programme: "avr-fedasil",
            id: "reintegration",
            title: "Returnees receiving reintegration assistance",
            level: Outcome,
            direction: Increasing,
            cumulative: false,
            baseline: ("", ""),
            dimensions: &["sex"],
            unit: "persons",
        },
        IndicatorRow {
            programme: "conex",
            id: "leaders-trained",
            title: "Diaspora leaders trained",
            level: Output,
            direction: Increasing,
            cumulative: false,
            baseline: ("", ""),
            dimensions: &["sex"],
            unit: "persons",
        },
        IndicatorRow {
            programme: "o-remit",
            id: "remittance-cost",
            title: "Average cost of sending 200 EUR, in percent",
            level: Outcome,
            direction: Decreasing,
            cumulative: false,
            baseline: ("7.2", "2022-12-31"),
            dimensions: &[],
            unit: "percent",
        },
        IndicatorRow {
            programme: "ukraine-early-recovery",
            id: "housing-restored",
            title: "Households with restored housing",
            level: Outcome,
            direction: Increasing,
            cumulative: true,
            baseline: ("0", "2023-01-01"),
            dimensions: &[],
            unit: "households",
        },
        IndicatorRow {
            programme: "west-africa",
            id: "data-strategies",
            title: "National migration data strategies adopted",
            level: Outcome,
            direction: Increasing,
            cumulative: true,
            baseline: ("0", "2022-07-01"),
            dimensions: &[],
            unit: "countries",
        },
    ];
    for ind in &indicators {
        let mut request = pb::CreateIndicatorRequest {
            parent: format!("programmes/{}", ind.programme),
            indicator_id: ind.id.into(),
            indicator: Some(pb::Indicator {
                title: ind.title.into(),
                result_level: ind.level.into(),
                measure: if ind.unit == "percent" {
                    pb::IndicatorMeasure::Percentage
                } else {
                    pb::IndicatorMeasure::Unit
                }
                .into(),
                direction: ind.direction.into(),
                cumulative: ind.cumulative,
                baseline: Some(pb::Baseline {
                    value: ind.baseline.0.into(),
                    date: ind.baseline.1.into(),
                    comment: String::new(),
                }),
                dimensions: ind.dimensions.iter().map(|d| (*d).to_owned()).collect(),
                unit: ind.unit.into(),
                ..Default::default()
            }),
            request_id: String::new(),
        };
        request.request_id = request_id("CreateIndicator", &request);
        tally.record(ind.id, client.create_indicator(request).await)?;
    }

    const FEDASIL: &str = "Fedasil return statistics";
    const IOM: &str = "IOM programme monitoring";
    let measurements = [
        MeasurementRow {
            indicator: "avr-fedasil/returns",
            period: ("2024-01-01", "2024-06-30"),
            target: "89500",
            actual: "89310",
            dimensions: &[],
            source: FEDASIL,
            verified: true,
        },
        MeasurementRow {
            indicator: "avr-fedasil/returns",
            period: ("2024-07-01", "2024-12-31"),
            target: "90000",
            actual: "89874",
            dimensions: &[],
            source: FEDASIL,
            verified: true,
        },
        MeasurementRow {
            indicator: "avr-fedasil/returns",
            period: ("2025-01-01", "2025-06-30"),
            target: "91000",
            actual: "90412",
            dimensions: &[],
            source: FEDASIL,
            verified: false,
        },
        MeasurementRow {
            indicator: "avr-fedasil/reintegration",
            period: ("2025-01-01", "2025-06-30"),
            target: "600",
            actual: "548",
            dimensions: &[],
            source: IOM,
            verified: true,
        },
        MeasurementRow {
            indicator: "avr-fedasil/reintegration",
            period: ("2025-01-01", "2025-06-30"),
            target: "",
            actual: "231",
            dimensions: &[("sex", "female")],
            source: IOM,
            verified: true,
        },
        MeasurementRow {
            indicator: "avr-fedasil/reintegration",
            period: ("2025-01-01", "2025-06-30"),
            target: "",
            actual: "317",
            dimensions: &[("sex", "male")],
            source: IOM,
            verified: true,
        },
        MeasurementRow {
            indicator: "conex/leaders-trained",
            period: ("2025-01-01", "2025-03-31"),
            target: "30",
            actual: "28",
            dimensions: &[],
            source: IOM,
            verified: true,
        },
        MeasurementRow {
            indicator: "conex/leaders-trained",
            period: ("2025-04-01", "2025-06-30"),
            target: "30",
            actual: "35",
            dimensions: &[],
            source: IOM,
            verified: true,
        },
        MeasurementRow {
            indicator: "conex/leaders-trained",
            period: ("2025-01-01", "2025-06-30"),
            target: "",
            actual: "34",
            dimensions: &[("sex", "female")],
            source: IOM,
            verified: true,
        },
        MeasurementRow {
            indicator: "conex/leaders-trained",
            period: ("2025-01-01", "2025-06-30"),
            target: "",
            actual: "29",
            dimensions: &[("sex", "male")],
            source: IOM,
            verified: true,
        },
        MeasurementRow {
            indicator: "o-remit/remittance-cost",
            period: ("2025-01-01", "2025-06-30"),
            target: "5.0",
            actual: "5.9",
            dimensions: &[],
            source: "World Bank Remittance Prices Worldwide",
            verified: true,
        },
        MeasurementRow {
            indicator: "ukraine-early-recovery/housing-restored",
            period: ("2023-01-01", "2025-06-30"),
            target: "4000",
            actual: "3620",
            dimensions: &[],
            source: IOM,
            verified: true,
        },
        MeasurementRow {
            indicator: "west-africa/data-strategies",
            period: ("2022-07-01", "2025-06-30"),
            target: "6",
            actual: "4",
            dimensions: &[],
            source: IOM,
            verified: true,
        },
    ];
    for m in &measurements {
        let (programme, indicator) = m.indicator.split_once('/').unwrap_or_default();
        let mut request = pb::RecordMeasurementRequest {
            parent: format!("programmes/{programme}/indicators/{indicator}"),
            measurement: Some(pb::Measurement {
                period_start: m.period.0.into(),
                period_end: m.period.1.into(),
                target: m.target.into(),
                actual: m.actual.into(),
                dimensions: m
                    .dimensions
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
                source: m.source.into(),
                verified: m.verified,
                ..Default::default()
            }),
            request_id: String::new(),
        };
        request.request_id = request_id("RecordMeasurement", &request);
        tally.record(m.indicator, client.record_measurement(request).await)?;
    }
    Ok(())
}
