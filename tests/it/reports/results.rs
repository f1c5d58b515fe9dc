//! Section 7: achievement against target, by direction, for cumulative and per-period indicators.

use scpf_reports::pb;
use sqlx::PgPool;

use super::{
    d,
    fixture::{World, content},
};
use crate::support::{ok, rid};

struct Indicator<'a> {
    programme: &'a str,
    id: &'a str,
    direction: pb::IndicatorDirection,
    cumulative: bool,
    baseline: (&'a str, &'a str),
    dimensions: &'a [&'a str],
}

async fn indicator(w: &mut World, i: Indicator<'_>) {
    ok(w.results.create_indicator(pb::CreateIndicatorRequest {
        parent: format!("programmes/{}", i.programme),
        indicator_id: i.id.into(),
        indicator: Some(pb::Indicator {
            title: format!("Indicator {}", i.id),
            result_level: pb::ResultLevel::Output.into(),
            measure: pb::IndicatorMeasure::Unit.into(),
            direction: i.direction.into(),
            cumulative: i.cumulative,
            baseline: Some(pb::Baseline {
                value: i.baseline.0.into(),
                date: i.baseline.1.into(),
                comment: String::new(),
            }),
            dimensions: i.dimensions.iter().map(|s| (*s).to_owned()).collect(),
            ..Default::default()
        }),
        request_id: rid(),
    }))
    .await;
}

async fn measure(
    w: &mut World,
    indicator: &str,
    period: (&str, &str),
    target: &str,
    actual: &str,
    dimensions: &[(&str, &str)],
    verified: bool,
) {
    ok(w.results.record_measurement(pb::RecordMeasurementRequest {
        parent: indicator.into(),
        measurement: Some(pb::Measurement {
            period_start: period.0.into(),
            period_end: period.1.into(),
            target: target.into(),
            actual: actual.into(),
            dimensions: dimensions
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            source: "test".into(),
            verified,
            ..Default::default()
        }),
        request_id: rid(),
    }))
    .await;
}

#[sqlx::test(migrations = false)]
async fn achievement_respects_direction_and_cumulative_indicators(pool: PgPool) {
    use pb::IndicatorDirection::{Decreasing, Increasing};
    let mut w = World::start(pool).await;
    w.the_36th().await;
    w.programme("avr", "AVR", pb::SrfObjective::SolutionsToDisplacement)
        .await;
    w.programme("remit", "REMIT", pb::SrfObjective::RegularPathways)
        .await;
    w.programme("conex", "CONEX", pb::SrfObjective::RegularPathways)
        .await;
    indicator(
        &mut w,
        Indicator {
            programme: "avr",
            id: "returns",
            direction: Increasing,
            cumulative: true,
            baseline: ("0", "1984-01-01"),
            dimensions: &[],
        },
    )
    .await;
    indicator(
        &mut w,
        Indicator {
            programme: "remit",
            id: "cost",
            direction: Decreasing,
            cumulative: false,
            baseline: ("7.2", "2022-12-31"),
            dimensions: &[],
        },
    )
    .await;
    indicator(
        &mut w,
        Indicator {
            programme: "conex",
            id: "trained",
            direction: Increasing,
            cumulative: false,
            baseline: ("", ""),
            dimensions: &["sex"],
        },
    )
    .await;

    let returns = "programmes/avr/indicators/returns";
    measure(
        &mut w,
        returns,
        ("2024-07-01", "2024-12-31"),
        "90000",
        "89874",
        &[],
        true,
    )
    .await;
    measure(
        &mut w,
        returns,
        ("2025-01-01", "2025-06-30"),
        "91000",
        "90412",
        &[],
        true,
    )
    .await;
    // After the reporting period: not used.
    measure(
        &mut w,
        returns,
        ("2025-07-01", "2025-12-31"),
        "92000",
        "91200",
        &[],
        true,
    )
    .await;
    measure(
        &mut w,
        "programmes/remit/indicators/cost",
        ("2025-01-01", "2025-06-30"),
        "5.0",
        "5.9",
        &[],
        true,
    )
    .await;
    let trained = "programmes/conex/indicators/trained";
    measure(
        &mut w,
        trained,
        ("2025-01-01", "2025-03-31"),
        "30",
        "28",
        &[],
        true,
    )
    .await;
    measure(
        &mut w,
        trained,
        ("2025-04-01", "2025-06-30"),
        "30",
        "35",
        &[],
        false,
    )
    .await;
    measure(
        &mut w,
        trained,
        ("2025-01-01", "2025-06-30"),
        "",
        "34",
        &[("sex", "female")],
        true,
    )
    .await;
    // Before the reporting period: not summed.
    measure(
        &mut w,
        trained,
        ("2024-10-01", "2024-12-31"),
        "30",
        "31",
        &[],
        true,
    )
    .await;

    let report = w.generate(36, None).await;
    let r = content(&report).programme_results.clone().unwrap();
    let find = |name: &str| {
        r.programmes
            .iter()
            .flat_map(|p| p.indicators.iter())
            .find(|i| i.indicator == name)
            .unwrap_or_else(|| panic!("{name} missing"))
            .clone()
    };
    let pct = |actual: &str, target: &str, baseline: &str| {
        ((d(actual) - d(baseline)) / (d(target) - d(baseline)) * d("100"))
            .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
            .to_string()
    };

    // Cumulative: the latest period ending by 30 June 2025, not a sum.
    let ret = find(returns).total.unwrap();
    assert_eq!(
        (ret.target.as_str(), ret.actual.as_str()),
        ("91000", "90412")
    );
    assert_eq!(ret.achievement, pct("90412", "91000", "0"));

    // Lower is better: from 7.2 towards 5.0, now 5.9 — (7.2 - 5.9) / (7.2 - 5.0).
    let cost = find("programmes/remit/indicators/cost").total.unwrap();
    let expected = ((d("7.2") - d("5.9")) / (d("7.2") - d("5.0")) * d("100"))
        .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    assert_eq!(cost.achievement, expected.to_string());
    assert_eq!(cost.achievement, "59.1");

    // Per period: the two quarters inside the period are summed; one is unverified.
    let t = find(trained);
    let total = t.total.clone().unwrap();
    assert_eq!((total.target.as_str(), total.actual.as_str()), ("60", "63"));
    assert_eq!(total.achievement, pct("63", "60", "0"));
    assert!(!total.verified, "an unverified quarter marks the total");
    assert_eq!(
        (t.period_start.as_str(), t.period_end.as_str()),
        ("2025-01-01", "2025-06-30")
    );
    let female = &t.disaggregation[0];
    assert_eq!(female.dimensions[0].name, "sex");
    assert_eq!(female.dimensions[0].value, "female");
    let f = female.figures.as_ref().unwrap();
    assert_eq!((f.actual.as_str(), f.achievement.as_str()), ("34", ""));

    let quality = content(&report).data_quality.clone().unwrap();
    assert!(
        quality
            .issues
            .iter()
            .any(|i| i.kind == pb::DataQualityKind::UnverifiedResult as i32
                && i.subject
                    .starts_with("programmes/conex/indicators/trained/measurements/")),
        "{quality:?}"
    );
}
