//! ResultService measurements: recorded under an indicator, corrected as new revisions, read as
//! of any instant, listed across indicators and programmes.

mod import;

use std::collections::BTreeMap;

use scpf_reports::pb::{self, IndicatorMeasure};
use sqlx::PgPool;
use tonic::Code;

use crate::support::paging::assert_pages_are_checked;
use crate::support::{all_at_once, assert_invalid, fixtures, ok};
use crate::{
    indicators::{client, create, returns, with_returns},
    support::{TestServer, assert_each_invalid, assert_refused, count, rid},
};

pub const RETURNS: &str = "programmes/avr-belgium/indicators/returns";

pub fn dims(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Returns assisted in 2025, women.
pub fn women_2025() -> pb::Measurement {
    pb::Measurement {
        period_start: "2025-01-01".into(),
        period_end: "2025-12-31".into(),
        target: "1500".into(),
        actual: "1432".into(),
        dimensions: dims(&[("sex", "female")]),
        source: "Fedasil return statistics".into(),
        verified: true,
        comment: String::new(),
        ..Default::default()
    }
}

pub fn record(parent: &str, m: pb::Measurement) -> pb::RecordMeasurementRequest {
    pb::RecordMeasurementRequest {
        parent: parent.into(),
        measurement: Some(m),
        request_id: rid(),
    }
}

fn get(name: &str, as_of: Option<prost_types::Timestamp>) -> pb::GetMeasurementRequest {
    pb::GetMeasurementRequest {
        name: name.into(),
        as_of,
    }
}

#[sqlx::test(migrations = false)]
async fn a_measurement_is_recorded_and_read_back(pool: PgPool) {
    let (server, _) = with_returns(&pool).await;
    let mut client = client(&server);
    let recorded = ok(client.record_measurement(record(RETURNS, women_2025()))).await;
    assert!(
        recorded
            .name
            .starts_with(&format!("{RETURNS}/measurements/")),
        "{}",
        recorded.name
    );
    assert_eq!((recorded.revision, recorded.etag.as_str()), (1, "r1"));
    assert_eq!(
        (recorded.target.as_str(), recorded.actual.as_str()),
        ("1500", "1432")
    );
    assert_eq!(recorded.dimensions, dims(&[("sex", "female")]));

    let read = ok(client.get_measurement(get(&recorded.name, None))).await;
    assert_eq!(read, recorded);
    let key: String = sqlx::query_scalar("SELECT dimension_key FROM measurements")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(key, "sex=female");
}

#[sqlx::test(migrations = false)]
async fn a_measurement_may_have_only_a_target(pool: PgPool) {
    let (server, _) = with_returns(&pool).await;
    let recorded = ok(client(&server).record_measurement(record(
        RETURNS,
        pb::Measurement {
            actual: String::new(),
            target: "1600.250".into(),
            ..women_2025()
        },
    )))
    .await;
    assert_eq!(
        (recorded.target.as_str(), recorded.actual.as_str()),
        ("1600.25", "")
    );
}

#[sqlx::test(migrations = false)]
async fn recording_the_same_key_again_is_a_correction_and_history_keeps_the_first(pool: PgPool) {
    let (server, _) = with_returns(&pool).await;
    let mut client = client(&server);
    let first = ok(client.record_measurement(record(RETURNS, women_2025()))).await;
    let corrected = ok(client.record_measurement(record(
        RETURNS,
        pb::Measurement {
            actual: "1441".into(),
            etag: first.etag.clone(),
            ..women_2025()
        },
    )))
    .await;
    assert_eq!(corrected.name, first.name);
    assert_eq!((corrected.revision, corrected.actual.as_str()), (2, "1441"));
    assert_eq!(corrected.create_time, first.create_time);

    let then = ok(client.get_measurement(get(&first.name, first.update_time))).await;
    assert_eq!(then, first);
    let listed_then = ok(client.list_measurements(pb::ListMeasurementsRequest {
        parent: RETURNS.into(),
        as_of: first.update_time,
        ..Default::default()
    }))
    .await
    .measurements;
    assert_eq!(listed_then.len(), 1);
    assert_eq!(listed_then[0], first);
    let now = ok(client.get_measurement(get(&first.name, None))).await;
    assert_eq!(now, corrected);
    assert_eq!(count(&pool, "measurements").await, 1);
    assert_eq!(count(&pool, "measurement_versions").await, 2);

    // The correction is audited with what it replaced.
    let before: serde_json::Value = sqlx::query_scalar(
        "SELECT before FROM audit_events WHERE resource = $1 AND before IS NOT NULL",
    )
    .bind(&first.name)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(before["actual"], "1432");
}

#[sqlx::test(migrations = false)]
async fn recording_the_same_figures_again_writes_no_revision(pool: PgPool) {
    let (server, _) = with_returns(&pool).await;
    let mut client = client(&server);
    let first = ok(client.record_measurement(record(RETURNS, women_2025()))).await;
    let again = ok(client.record_measurement(record(RETURNS, women_2025()))).await;
    assert_eq!(again, first);
    assert_eq!(count(&pool, "measurement_versions").await, 1);
}

#[sqlx::test(migrations = false)]
async fn other_periods_and_dimension_values_are_other_measurements(pool: PgPool) {
    let (server, _) = with_returns(&pool).await;
    let mut client = client(&server);
    let mut names = std::collections::BTreeSet::new();
    for m in [
        women_2025(),
        pb::Measurement {
            dimensions: dims(&[("sex", "male")]),
            ..women_2025()
        },
        pb::Measurement {
            dimensions: dims(&[("sex", "female"), ("age", "18-59")]),
            ..women_2025()
        },
        pb::Measurement {
            dimensions: BTreeMap::new(),
            ..women_2025()
        },
        pb::Measurement {
            period_end: "2025-06-30".into(),
            ..women_2025()
        },
    ] {
        let recorded = ok(client.record_measurement(record(RETURNS, m))).await;
        assert_eq!(recorded.revision, 1);
        names.insert(recorded.name);
    }
    assert_eq!(names.len(), 5);
}

#[sqlx::test(migrations = false)]
async fn a_measurement_of_an_unknown_indicator_is_refused_on_its_parent(pool: PgPool) {
    let (server, _) = with_returns(&pool).await;
    let result = client(&server)
        .record_measurement(record(
            "programmes/avr-belgium/indicators/arrivals",
            women_2025(),
        ))
        .await;
    assert_invalid(result, "UNKNOWN_INDICATOR", "parent");
    assert_eq!(count(&pool, "measurements").await, 0);
}

#[sqlx::test(migrations = false)]
async fn an_unknown_measurement_is_not_found(pool: PgPool) {
    let (server, _) = with_returns(&pool).await;
    let mut client = client(&server);
    let recorded = ok(client.record_measurement(record(RETURNS, women_2025()))).await;
    let result = client
        .get_measurement(get(&format!("{RETURNS}/measurements/nothing"), None))
        .await;
    assert_refused(result, Code::NotFound, "NOT_FOUND", None);
    // The id exists, but not under that indicator.
    let elsewhere = recorded.name.replace("/returns/", "/arrivals/");
    let result = client.get_measurement(get(&elsewhere, None)).await;
    assert_refused(result, Code::NotFound, "NOT_FOUND", None);
    let result = client.get_measurement(get(RETURNS, None)).await;
    assert_invalid(result, "INVALID_NAME", "name");
}

#[sqlx::test(migrations = false)]
async fn invalid_measurements_are_refused_naming_the_field(pool: PgPool) {
    let (server, _) = with_returns(&pool).await;
    fixtures::programme(&server, "o-remit", "o-remit").await;
    let mut client = client(&server);
    ok(client.create_indicator(create(
        "programmes/o-remit",
        "digital-share",
        pb::Indicator {
            measure: IndicatorMeasure::Percentage as i32,
            baseline: None,
            cumulative: false,
            dimensions: vec![],
            ..returns()
        },
    )))
    .await;
    let with = |f: fn(&mut pb::Measurement)| {
        let mut m = women_2025();
        f(&mut m);
        record(RETURNS, m)
    };
    let cases: Vec<(&str, pb::RecordMeasurementRequest, &str, &str)> = vec![
        (
            "bad parent",
            record("programmes/avr-belgium", women_2025()),
            "INVALID_NAME",
            "parent",
        ),
        (
            "no measurement",
            pb::RecordMeasurementRequest {
                measurement: None,
                ..record(RETURNS, women_2025())
            },
            "REQUIRED",
            "measurement",
        ),
        (
            "no start",
            with(|m| m.period_start = String::new()),
            "REQUIRED",
            "measurement.period_start",
        ),
        (
            "bad start",
            with(|m| m.period_start = "2025-02-30".into()),
            "INVALID_DATE",
            "measurement.period_start",
        ),
        (
            "end before start",
            with(|m| m.period_end = "2024-12-31".into()),
            "END_BEFORE_START",
            "measurement.period_end",
        ),
        (
            "neither target nor actual",
            with(|m| {
                m.target = String::new();
                m.actual = String::new();
            }),
            "MEASUREMENT_EMPTY",
            "measurement.actual",
        ),
        (
            "actual not a decimal",
            with(|m| m.actual = "1,432".into()),
            "INVALID_DECIMAL",
            "measurement.actual",
        ),
        (
            "negative target",
            with(|m| m.target = "-5".into()),
            "NEGATIVE_AMOUNT",
            "measurement.target",
        ),
        (
            "seven decimals",
            with(|m| m.actual = "1.0000001".into()),
            "TOO_MANY_DECIMALS",
            "measurement.actual",
        ),
        (
            "dimension not of the indicator",
            with(|m| m.dimensions = dims(&[("sex", "female"), ("colour", "blue")])),
            "UNKNOWN_DIMENSION",
            "measurement.dimensions[colour]",
        ),
        (
            "malformed dimension name",
            with(|m| m.dimensions = dims(&[("Sex", "female")])),
            "INVALID_DIMENSION",
            "measurement.dimensions[Sex]",
        ),
        (
            "empty dimension value",
            with(|m| m.dimensions = dims(&[("sex", " ")])),
            "REQUIRED",
            "measurement.dimensions[sex]",
        ),
        (
            "overlong dimension value",
            with(|m| m.dimensions = dims(&[("country", &"x".repeat(101))])),
            "TOO_LONG",
            "measurement.dimensions[country]",
        ),
        (
            "overlong source",
            with(|m| m.source = "s".repeat(201)),
            "TOO_LONG",
            "measurement.source",
        ),
        (
            "overlong comment",
            with(|m| m.comment = "c".repeat(1001)),
            "TOO_LONG",
            "measurement.comment",
        ),
        (
            "period before the baseline",
            with(|m| {
                m.period_start = "1983-01-01".into();
                m.period_end = "1983-12-31".into();
            }),
            "PERIOD_BEFORE_BASELINE",
            "measurement.period_start",
        ),
        (
            "percentage over 100",
            record(
                "programmes/o-remit/indicators/digital-share",
                pb::Measurement {
                    dimensions: BTreeMap::new(),
                    target: "100".into(),
                    actual: "100.01".into(),
                    ..women_2025()
                },
            ),
            "PERCENTAGE_OVER_100",
            "measurement.actual",
        ),
        (
            "no request id",
            pb::RecordMeasurementRequest {
                request_id: String::new(),
                ..record(RETURNS, women_2025())
            },
            "REQUIRED",
            "request_id",
        ),
    ];
    assert_each_invalid(cases, async |r| client.record_measurement(r).await).await;
    assert_eq!(count(&pool, "measurements").await, 0);
    assert_eq!(count(&pool, "measurement_versions").await, 0);
    // Only the two indicators were audited.
    assert_eq!(count(&pool, &fixtures::besides("audit_events")).await, 2);
}

#[sqlx::test(migrations = false)]
async fn a_replayed_recording_returns_the_same_response_and_writes_nothing(pool: PgPool) {
    let (server, _) = with_returns(&pool).await;
    let mut client = client(&server);
    let request = record(RETURNS, women_2025());
    let first = ok(client.record_measurement(request.clone())).await;
    // A correction in between does not change what the replay answers.
    client
        .record_measurement(record(
            RETURNS,
            pb::Measurement {
                actual: "1500".into(),
                ..women_2025()
            },
        ))
        .await
        .unwrap();
    let replay = ok(client.record_measurement(request.clone())).await;
    assert_eq!(replay, first);
    assert_eq!(count(&pool, "measurement_versions").await, 2);

    let reused = client
        .record_measurement(pb::RecordMeasurementRequest {
            measurement: Some(pb::Measurement {
                actual: "9".into(),
                ..women_2025()
            }),
            ..request
        })
        .await;
    assert_refused(reused, Code::FailedPrecondition, "REQUEST_ID_REUSED", None);
}

#[sqlx::test(migrations = false)]
async fn a_correction_with_a_stale_etag_is_aborted(pool: PgPool) {
    let (server, _) = with_returns(&pool).await;
    let mut client = client(&server);
    let first = ok(client.record_measurement(record(RETURNS, women_2025()))).await;
    ok(client.record_measurement(record(
        RETURNS,
        pb::Measurement {
            actual: "1441".into(),
            etag: first.etag.clone(),
            ..women_2025()
        },
    )))
    .await;
    let stale = client
        .record_measurement(record(
            RETURNS,
            pb::Measurement {
                actual: "1450".into(),
                etag: first.etag.clone(),
                ..women_2025()
            },
        ))
        .await;
    let status = assert_refused(stale, Code::Aborted, "ETAG_MISMATCH", None);
    assert!(status.message().contains("r2"), "{}", status.message());

    // An etag for a measurement that does not exist yet cannot be current either.
    let none = client
        .record_measurement(record(
            RETURNS,
            pb::Measurement {
                dimensions: dims(&[("sex", "male")]),
                etag: "r1".into(),
                ..women_2025()
            },
        ))
        .await;
    assert_refused(none, Code::Aborted, "ETAG_MISMATCH", None);
    assert_eq!(count(&pool, "measurements").await, 1);
    assert_eq!(count(&pool, "measurement_versions").await, 2);
}

#[sqlx::test(migrations = false)]
async fn concurrent_recordings_of_one_key_become_successive_revisions(pool: PgPool) {
    let (server, _) = with_returns(&pool).await;
    let mut calls = tokio::task::JoinSet::new();
    for n in 0..20 {
        let mut client = client(&server);
        let request = record(
            RETURNS,
            pb::Measurement {
                actual: (1400 + n).to_string(),
                ..women_2025()
            },
        );
        calls.spawn(async move { client.record_measurement(request).await });
    }
    let mut revisions = Vec::new();
    let mut names = std::collections::BTreeSet::new();
    while let Some(result) = calls.join_next().await {
        let m = result
            .unwrap()
            .expect("every recording succeeds")
            .into_inner();
        revisions.push(m.revision);
        names.insert(m.name);
    }
    revisions.sort();
    assert_eq!(revisions, (1..=20).collect::<Vec<i64>>());
    assert_eq!(names.len(), 1);
    assert_eq!(count(&pool, "measurements").await, 1);
    assert_eq!(count(&pool, "measurement_versions").await, 20);
}

#[sqlx::test(migrations = false)]
async fn concurrent_calls_with_one_request_id_write_once(pool: PgPool) {
    let (server, _) = with_returns(&pool).await;
    let request = record(RETURNS, women_2025());
    let responses = all_at_once(20, || {
        let (mut client, request) = (client(&server), request.clone());
        async move { client.record_measurement(request).await }
    })
    .await;
    assert!(responses.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(count(&pool, "measurement_versions").await, 1);
}

/// Two programmes with two indicators each, three measurements per indicator.
async fn many(pool: &PgPool) -> TestServer {
    let server = TestServer::start(pool.clone()).await;
    let mut client = client(&server);
    for programme in ["conex", "avr-belgium"] {
        fixtures::programme(&server, programme, programme).await;
        for indicator in ["returns", "leaders"] {
            let parent = format!("programmes/{programme}/indicators/{indicator}");
            ok(client.create_indicator(create(
                &format!("programmes/{programme}"),
                indicator,
                returns(),
            )))
            .await;
            for (start, end, verified) in [
                ("2025-01-01", "2025-06-30", true),
                ("2024-01-01", "2024-12-31", false),
                ("2025-07-01", "2025-12-31", false),
            ] {
                ok(client.record_measurement(record(
                    &parent,
                    pb::Measurement {
                        period_start: start.into(),
                        period_end: end.into(),
                        verified,
                        ..women_2025()
                    },
                )))
                .await;
            }
        }
    }
    server
}

/// Every page of a list, as (indicator name, period start) pairs.
async fn list_all(server: &TestServer, parent: &str, filter: &str) -> Vec<(String, String)> {
    let mut client = client(server);
    let mut out = Vec::new();
    let mut token = String::new();
    loop {
        let page = ok(client.list_measurements(pb::ListMeasurementsRequest {
            parent: parent.into(),
            page_size: 2,
            page_token: token.clone(),
            filter: filter.into(),
            as_of: None,
        }))
        .await;
        assert!(page.measurements.len() <= 2);
        for m in page.measurements {
            let indicator = m.name.split("/measurements/").next().unwrap().to_owned();
            out.push((indicator, m.period_start));
        }
        if page.next_page_token.is_empty() {
            return out;
        }
        token = page.next_page_token;
    }
}

#[sqlx::test(migrations = false)]
async fn lists_page_through_wildcard_parents_in_order(pool: PgPool) {
    let server = many(&pool).await;
    let all = list_all(&server, "programmes/-/indicators/-", "").await;
    let mut expected = Vec::new();
    for programme in ["avr-belgium", "conex"] {
        for indicator in ["leaders", "returns"] {
            for start in ["2024-01-01", "2025-01-01", "2025-07-01"] {
                expected.push((
                    format!("programmes/{programme}/indicators/{indicator}"),
                    start.to_owned(),
                ));
            }
        }
    }
    assert_eq!(all, expected);
    let conex = list_all(&server, "programmes/conex/indicators/-", "").await;
    assert_eq!(conex, expected[6..]);
    let one = list_all(&server, "programmes/conex/indicators/returns", "").await;
    assert_eq!(one, expected[9..]);
}

#[sqlx::test(migrations = false)]
async fn lists_filter_on_period_and_verification(pool: PgPool) {
    let server = many(&pool).await;
    let parent = "programmes/-/indicators/-";
    let in_2025 = list_all(&server, parent, r#"period_start >= "2025-01-01""#).await;
    assert_eq!(in_2025.len(), 8);
    assert!(
        in_2025
            .iter()
            .all(|(_, start)| start.as_str() >= "2025-01-01")
    );
    let first_half = list_all(
        &server,
        parent,
        r#"period_start >= "2025-01-01" AND period_end <= "2025-06-30""#,
    )
    .await;
    assert_eq!(first_half.len(), 4);
    let unverified = list_all(&server, parent, "verified = false").await;
    assert_eq!(unverified.len(), 8);
    let verified_2024 = list_all(
        &server,
        parent,
        r#"verified = true AND period_end < "2025-01-01""#,
    )
    .await;
    assert!(verified_2024.is_empty());
}

#[sqlx::test(migrations = false)]
async fn list_requests_are_checked(pool: PgPool) {
    let server = many(&pool).await;
    let mut client = client(&server);
    for (parent, filter, reason, field) in [
        (
            "programmes/-/indicators/returns",
            "",
            "INVALID_NAME",
            "parent",
        ),
        ("programmes/-", "", "INVALID_NAME", "parent"),
        (
            "programmes/Conex/indicators/-",
            "",
            "INVALID_NAME",
            "parent",
        ),
        (
            "programmes/-/indicators/-",
            "colour = red",
            "INVALID_FILTER",
            "filter",
        ),
        (
            "programmes/-/indicators/-",
            "verified > true",
            "INVALID_FILTER",
            "filter",
        ),
        (
            "programmes/-/indicators/-",
            "period_start >= 2025",
            "INVALID_FILTER",
            "filter",
        ),
    ] {
        let result = client
            .list_measurements(pb::ListMeasurementsRequest {
                parent: parent.into(),
                filter: filter.into(),
                ..Default::default()
            })
            .await;
        assert_invalid(result, reason, field);
    }
    assert_pages_are_checked(
        &mut client,
        pb::ListMeasurementsRequest {
            parent: "programmes/-/indicators/-".into(),
            ..Default::default()
        },
        pb::ListMeasurementsRequest {
            parent: "programmes/-/indicators/-".into(),
            filter: "verified = true".into(),
            ..Default::default()
        },
        2,
        4,
    )
    .await;
}

#[sqlx::test(migrations = false)]
async fn an_indicator_update_keeps_its_measurements_valid(pool: PgPool) {
    let (server, indicator) = with_returns(&pool).await;
    let mut client = client(&server);
    ok(client.record_measurement(record(RETURNS, women_2025()))).await;
    let update = |f: fn(&mut pb::Indicator)| {
        let mut i = indicator.clone();
        f(&mut i);
        pb::UpdateIndicatorRequest {
            indicator: Some(i),
            request_id: rid(),
        }
    };
    for (request, reason, field) in [
        (
            update(|i| i.dimensions = vec!["age".into(), "country".into()]),
            "DIMENSION_IN_USE",
            "indicator.dimensions",
        ),
        (
            update(|i| i.baseline.as_mut().unwrap().date = "2025-06-01".into()),
            "MEASUREMENTS_BEFORE_BASELINE",
            "indicator.baseline.date",
        ),
        (
            update(|i| {
                i.measure = IndicatorMeasure::Percentage as i32;
                i.baseline = None;
            }),
            "PERCENTAGE_OVER_100",
            "indicator.measure",
        ),
    ] {
        let result = client.update_indicator(request).await;
        assert_invalid(result, reason, field);
    }
    // A dimension nobody uses can go.
    let fewer = ok(client.update_indicator(update(|i| i.dimensions = vec!["sex".into()]))).await;
    assert_eq!(fewer.dimensions, ["sex"]);
}
