//! ResultService indicators: defined under programmes, versioned, listed across programmes.

use scpf_reports::pb::{
    self, IndicatorDirection, IndicatorMeasure, ResultLevel,
    result_service_client::ResultServiceClient,
};
use sqlx::PgPool;
use tonic::{Code, transport::Channel};

use crate::support::fixtures;
use crate::support::paging::{assert_pages_are_checked, every_name};
use crate::support::{
    TestServer, a_second_before, assert_each_invalid, assert_invalid, assert_refused, count, ok,
    rid,
};

pub fn client(server: &TestServer) -> ResultServiceClient<Channel> {
    ResultServiceClient::new(server.channel.clone())
}

/// Assisted voluntary return from Belgium with Fedasil: over 90,000 returns since 1984.
pub fn returns() -> pb::Indicator {
    pb::Indicator {
        title: "Migrants assisted to return voluntarily from Belgium since 1984".into(),
        description: "With Fedasil".into(),
        result_level: ResultLevel::Output as i32,
        measure: IndicatorMeasure::Unit as i32,
        direction: IndicatorDirection::Increasing as i32,
        cumulative: true,
        baseline: Some(pb::Baseline {
            value: "0".into(),
            date: "1984-01-01".into(),
            comment: "Start of the programme".into(),
        }),
        dimensions: vec!["sex".into(), "age".into(), "country".into()],
        unit: "persons".into(),
        ..Default::default()
    }
}

pub fn create(parent: &str, id: &str, indicator: pb::Indicator) -> pb::CreateIndicatorRequest {
    pb::CreateIndicatorRequest {
        parent: parent.into(),
        indicator_id: id.into(),
        indicator: Some(indicator),
        request_id: rid(),
    }
}

/// A server with the `avr-belgium` programme and its `returns` indicator.
pub async fn with_returns(pool: &PgPool) -> (TestServer, pb::Indicator) {
    let server = TestServer::start(pool.clone()).await;
    fixtures::programme(&server, "avr-belgium", "avr-belgium").await;
    let created = ok(client(&server).create_indicator(create(
        "programmes/avr-belgium",
        "returns",
        returns(),
    )))
    .await;
    (server, created)
}

fn get(name: &str, as_of: Option<prost_types::Timestamp>) -> pb::GetIndicatorRequest {
    pb::GetIndicatorRequest {
        name: name.into(),
        as_of,
    }
}

#[sqlx::test(migrations = false)]
async fn an_indicator_is_created_and_read_back(pool: PgPool) {
    let (server, created) = with_returns(&pool).await;
    assert_eq!(created.name, "programmes/avr-belgium/indicators/returns");
    assert_eq!((created.revision, created.etag.as_str()), (1, "r1"));
    assert_eq!(created.dimensions, ["sex", "age", "country"]);
    let baseline = created.baseline.clone().unwrap();
    assert_eq!(
        (baseline.value.as_str(), baseline.date.as_str()),
        ("0", "1984-01-01")
    );
    assert!(created.create_time.is_some());

    let read = ok(client(&server).get_indicator(get(&created.name, None))).await;
    assert_eq!(read, created);
    assert_eq!(count(&pool, &fixtures::besides("audit_events")).await, 1);
}

#[sqlx::test(migrations = false)]
async fn baseline_values_read_back_without_padding(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    fixtures::programme(&server, "o-remit", "o-remit").await;
    let mut indicator = returns();
    indicator.baseline = Some(pb::Baseline {
        value: "12.50".into(),
        date: "2024-01-01".into(),
        comment: String::new(),
    });
    let created =
        ok(client(&server).create_indicator(create("programmes/o-remit", "cost", indicator))).await;
    let read = ok(client(&server).get_indicator(get(&created.name, None))).await;
    assert_eq!(read.baseline.unwrap().value, "12.5");
    assert_eq!(created.baseline.unwrap().value, "12.5");
}

#[sqlx::test(migrations = false)]
async fn a_qualitative_baseline_may_have_a_date_without_a_value(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    fixtures::programme(&server, "conex", "conex").await;
    let indicator = pb::Indicator {
        measure: IndicatorMeasure::Qualitative as i32,
        baseline: Some(pb::Baseline {
            value: String::new(),
            date: "2023-01-01".into(),
            comment: "No diaspora advisory board yet".into(),
        }),
        cumulative: false,
        ..returns()
    };
    let created =
        ok(client(&server).create_indicator(create("programmes/conex", "board", indicator))).await;
    assert_eq!(created.baseline.unwrap().date, "2023-01-01");
}

#[sqlx::test(migrations = false)]
async fn an_unknown_indicator_is_not_found(pool: PgPool) {
    let (server, _) = with_returns(&pool).await;
    let result = client(&server)
        .get_indicator(get("programmes/avr-belgium/indicators/arrivals", None))
        .await;
    assert_refused(result, Code::NotFound, "NOT_FOUND", None);
}

#[sqlx::test(migrations = false)]
async fn an_indicator_of_an_unknown_programme_is_refused_on_its_parent(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let result = client(&server)
        .create_indicator(create("programmes/atlantis", "returns", returns()))
        .await;
    assert_invalid(result, "UNKNOWN_PROGRAMME", "parent");
    assert_eq!(count(&pool, "indicators").await, 0);
}

#[sqlx::test(migrations = false)]
async fn a_taken_indicator_id_is_already_exists(pool: PgPool) {
    let (server, _) = with_returns(&pool).await;
    let again = client(&server)
        .create_indicator(create("programmes/avr-belgium", "returns", returns()))
        .await;
    assert_refused(again, Code::AlreadyExists, "ALREADY_EXISTS", None);
}

#[sqlx::test(migrations = false)]
async fn the_same_indicator_id_may_be_used_under_another_programme(pool: PgPool) {
    let (server, _) = with_returns(&pool).await;
    fixtures::programme(&server, "conex", "conex").await;
    let other =
        ok(client(&server).create_indicator(create("programmes/conex", "returns", returns())))
            .await;
    assert_eq!(other.name, "programmes/conex/indicators/returns");
}

#[sqlx::test(migrations = false)]
async fn invalid_indicators_are_refused_naming_the_field(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    fixtures::programme(&server, "avr-belgium", "avr-belgium").await;
    let mut client = client(&server);
    let with = |f: fn(&mut pb::Indicator)| {
        let mut i = returns();
        f(&mut i);
        create("programmes/avr-belgium", "returns", i)
    };
    let cases: Vec<(&str, pb::CreateIndicatorRequest, &str, &str)> = vec![
        (
            "bad id",
            create("programmes/avr-belgium", "Returns", returns()),
            "INVALID_ID",
            "indicator_id",
        ),
        (
            "bad parent",
            create("organizations/belgium", "returns", returns()),
            "INVALID_NAME",
            "parent",
        ),
        (
            "no indicator",
            pb::CreateIndicatorRequest {
                indicator: None,
                ..create("programmes/avr-belgium", "returns", returns())
            },
            "REQUIRED",
            "indicator",
        ),
        (
            "empty title",
            with(|i| i.title = " ".into()),
            "REQUIRED",
            "indicator.title",
        ),
        (
            "overlong title",
            with(|i| i.title = "x".repeat(301)),
            "TOO_LONG",
            "indicator.title",
        ),
        (
            "no result level",
            with(|i| i.result_level = 0),
            "REQUIRED",
            "indicator.result_level",
        ),
        (
            "no measure",
            with(|i| i.measure = 0),
            "REQUIRED",
            "indicator.measure",
        ),
        (
            "unknown measure",
            with(|i| i.measure = 99),
            "REQUIRED",
            "indicator.measure",
        ),
        (
            "no direction",
            with(|i| i.direction = 0),
            "REQUIRED",
            "indicator.direction",
        ),
        (
            "baseline without a date",
            with(|i| {
                i.baseline = Some(pb::Baseline {
                    value: "0".into(),
                    ..Default::default()
                })
            }),
            "BASELINE_WITHOUT_DATE",
            "indicator.baseline.date",
        ),
        (
            "baseline not a decimal",
            with(|i| {
                i.baseline = Some(pb::Baseline {
                    value: "90,000".into(),
                    date: "1984-01-01".into(),
                    comment: String::new(),
                })
            }),
            "INVALID_DECIMAL",
            "indicator.baseline.value",
        ),
        (
            "negative baseline",
            with(|i| {
                i.baseline = Some(pb::Baseline {
                    value: "-1".into(),
                    date: "1984-01-01".into(),
                    comment: String::new(),
                })
            }),
            "NEGATIVE_AMOUNT",
            "indicator.baseline.value",
        ),
        (
            "baseline with seven decimals",
            with(|i| {
                i.baseline = Some(pb::Baseline {
                    value: "0.1234567".into(),
                    date: "1984-01-01".into(),
                    comment: String::new(),
                })
            }),
            "TOO_MANY_DECIMALS",
            "indicator.baseline.value",
        ),
        (
            "bad baseline date",
            with(|i| {
                i.baseline = Some(pb::Baseline {
                    value: "0".into(),
                    date: "1984-13-01".into(),
                    comment: String::new(),
                })
            }),
            "INVALID_DATE",
            "indicator.baseline.date",
        ),
        (
            "percentage baseline over 100",
            with(|i| {
                i.measure = IndicatorMeasure::Percentage as i32;
                i.baseline = Some(pb::Baseline {
                    value: "100.5".into(),
                    date: "2020-01-01".into(),
                    comment: String::new(),
                })
            }),
            "PERCENTAGE_OVER_100",
            "indicator.baseline.value",
        ),
        (
            "bad dimension name",
            with(|i| i.dimensions = vec!["sex".into(), "Age group".into()]),
            "INVALID_DIMENSION",
            "indicator.dimensions[1]",
        ),
        (
            "duplicate dimension",
            with(|i| i.dimensions = vec!["sex".into(), "age".into(), "sex".into()]),
            "DUPLICATE_DIMENSION",
            "indicator.dimensions[2]",
        ),
        (
            "too many dimensions",
            with(|i| i.dimensions = (0..9).map(|n| format!("d{n}")).collect()),
            "TOO_MANY_DIMENSIONS",
            "indicator.dimensions",
        ),
        (
            "overlong unit",
            with(|i| i.unit = "u".repeat(41)),
            "TOO_LONG",
            "indicator.unit",
        ),
        (
            "no request id",
            pb::CreateIndicatorRequest {
                request_id: String::new(),
                ..create("programmes/avr-belgium", "returns", returns())
            },
            "REQUIRED",
            "request_id",
        ),
    ];
    assert_each_invalid(cases, async |r| client.create_indicator(r).await).await;
    assert_eq!(count(&pool, "indicators").await, 0);
    assert_eq!(count(&pool, &fixtures::besides("audit_events")).await, 0);
}

#[sqlx::test(migrations = false)]
async fn a_replayed_create_returns_the_same_indicator_and_writes_nothing(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    fixtures::programme(&server, "avr-belgium", "avr-belgium").await;
    let mut client = client(&server);
    let request = create("programmes/avr-belgium", "returns", returns());
    let first = ok(client.create_indicator(request.clone())).await;
    let second = ok(client.create_indicator(request)).await;
    assert_eq!(first, second);
    assert_eq!(count(&pool, "indicator_versions").await, 1);
    assert_eq!(count(&pool, &fixtures::besides("audit_events")).await, 1);
}

#[sqlx::test(migrations = false)]
async fn a_request_id_reused_for_another_indicator_is_refused(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    fixtures::programme(&server, "avr-belgium", "avr-belgium").await;
    let mut client = client(&server);
    let request = create("programmes/avr-belgium", "returns", returns());
    ok(client.create_indicator(request.clone())).await;
    let other = pb::CreateIndicatorRequest {
        indicator_id: "reintegration".into(),
        ..request
    };
    let result = client.create_indicator(other).await;
    assert_refused(result, Code::FailedPrecondition, "REQUEST_ID_REUSED", None);
    assert_eq!(count(&pool, "indicators").await, 1);
}

#[sqlx::test(migrations = false)]
async fn concurrent_creates_of_one_indicator_write_it_once(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    fixtures::programme(&server, "avr-belgium", "avr-belgium").await;
    let same = create("programmes/avr-belgium", "returns", returns());
    let mut calls = tokio::task::JoinSet::new();
    for n in 0..20 {
        let mut client = client(&server);
        // Half repeat one request; half are different requests for the same id.
        let request = if n % 2 == 0 {
            same.clone()
        } else {
            create("programmes/avr-belgium", "returns", returns())
        };
        calls.spawn(async move { client.create_indicator(request).await });
    }
    let mut created = Vec::new();
    while let Some(result) = calls.join_next().await {
        match result.unwrap() {
            Ok(r) => created.push(r.into_inner()),
            Err(status) => assert_eq!(status.code(), Code::AlreadyExists, "{status:?}"),
        }
    }
    assert!(!created.is_empty());
    assert!(created.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(count(&pool, "indicator_versions").await, 1);
    assert_eq!(count(&pool, &fixtures::besides("audit_events")).await, 1);
}

#[sqlx::test(migrations = false)]
async fn an_update_writes_a_revision_and_a_stale_etag_is_aborted(pool: PgPool) {
    let (server, created) = with_returns(&pool).await;
    let mut client = client(&server);
    let updated = ok(client.update_indicator(pb::UpdateIndicatorRequest {
        indicator: Some(pb::Indicator {
            title: "Voluntary returns from Belgium since 1984".into(),
            ..created.clone()
        }),
        request_id: rid(),
    }))
    .await;
    assert_eq!((updated.revision, updated.etag.as_str()), (2, "r2"));
    assert_eq!(updated.create_time, created.create_time);

    let stale = client
        .update_indicator(pb::UpdateIndicatorRequest {
            indicator: Some(pb::Indicator {
                unit: "people".into(),
                ..created.clone()
            }),
            request_id: rid(),
        })
        .await;
    let status = assert_refused(stale, Code::Aborted, "ETAG_MISMATCH", None);
    assert!(status.message().contains("r2"), "{}", status.message());

    // Without an etag the update is unconditional; an unchanged one writes nothing.
    let unchanged = ok(client.update_indicator(pb::UpdateIndicatorRequest {
        indicator: Some(pb::Indicator {
            etag: String::new(),
            ..updated.clone()
        }),
        request_id: rid(),
    }))
    .await;
    assert_eq!(unchanged, updated);
    assert_eq!(count(&pool, "indicator_versions").await, 2);
    assert_eq!(count(&pool, &fixtures::besides("audit_events")).await, 2);
}

#[sqlx::test(migrations = false)]
async fn updating_an_unknown_indicator_is_not_found(pool: PgPool) {
    let (server, created) = with_returns(&pool).await;
    let result = client(&server)
        .update_indicator(pb::UpdateIndicatorRequest {
            indicator: Some(pb::Indicator {
                name: "programmes/avr-belgium/indicators/arrivals".into(),
                ..created
            }),
            request_id: rid(),
        })
        .await;
    assert_refused(result, Code::NotFound, "NOT_FOUND", None);
}

#[sqlx::test(migrations = false)]
async fn an_update_checks_the_fields_like_a_create(pool: PgPool) {
    let (server, created) = with_returns(&pool).await;
    let mut client = client(&server);
    let result = client
        .update_indicator(pb::UpdateIndicatorRequest {
            indicator: Some(pb::Indicator {
                name: "programmes/avr-belgium".into(),
                ..created.clone()
            }),
            request_id: rid(),
        })
        .await;
    assert_invalid(result, "INVALID_NAME", "indicator.name");
    let result = client
        .update_indicator(pb::UpdateIndicatorRequest {
            indicator: Some(pb::Indicator {
                direction: 0,
                ..created
            }),
            request_id: rid(),
        })
        .await;
    assert_invalid(result, "REQUIRED", "indicator.direction");
}

#[sqlx::test(migrations = false)]
async fn reads_as_of_an_instant_return_the_indicator_as_it_was(pool: PgPool) {
    let (server, created) = with_returns(&pool).await;
    let mut client = client(&server);
    ok(client.update_indicator(pb::UpdateIndicatorRequest {
        indicator: Some(pb::Indicator {
            title: "Renamed".into(),
            dimensions: vec![
                "sex".into(),
                "age".into(),
                "country".into(),
                "region".into(),
            ],
            ..created.clone()
        }),
        request_id: rid(),
    }))
    .await;
    let then = ok(client.get_indicator(get(&created.name, created.update_time))).await;
    assert_eq!(then, created);
    let listed_then = ok(client.list_indicators(pb::ListIndicatorsRequest {
        parent: "programmes/-".into(),
        as_of: created.update_time,
        ..Default::default()
    }))
    .await;
    assert_eq!(listed_then.indicators.len(), 1);
    assert_eq!(listed_then.indicators[0], created);

    let before = a_second_before(created.create_time);
    let result = client.get_indicator(get(&created.name, Some(before))).await;
    assert_refused(result, Code::NotFound, "NOT_FOUND", None);
}

#[sqlx::test(migrations = false)]
async fn lists_page_through_one_programme_or_all(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut client = client(&server);
    for programme in ["o-remit", "conex", "avr-belgium"] {
        fixtures::programme(&server, programme, programme).await;
        for id in ["c", "a", "b"] {
            ok(client.create_indicator(create(&format!("programmes/{programme}"), id, returns())))
                .await;
        }
    }
    let list_all = async |client: &mut ResultServiceClient<Channel>, parent: &str| {
        let request = pb::ListIndicatorsRequest {
            parent: parent.into(),
            ..Default::default()
        };
        every_name(client, request, 2).await
    };
    let all = list_all(&mut client, "programmes/-").await;
    let mut expected = Vec::new();
    for programme in ["avr-belgium", "conex", "o-remit"] {
        for id in ["a", "b", "c"] {
            expected.push(format!("programmes/{programme}/indicators/{id}"));
        }
    }
    assert_eq!(all, expected);
    let conex = list_all(&mut client, "programmes/conex").await;
    assert_eq!(conex, expected[3..6]);
    assert!(
        list_all(&mut client, "programmes/atlantis")
            .await
            .is_empty()
    );

    assert_pages_are_checked(
        &mut client,
        pb::ListIndicatorsRequest {
            parent: "programmes/-".into(),
            ..Default::default()
        },
        pb::ListIndicatorsRequest {
            parent: "programmes/conex".into(),
            ..Default::default()
        },
        2,
        4,
    )
    .await;
    let bad_parent = client
        .list_indicators(pb::ListIndicatorsRequest {
            parent: "programmes".into(),
            ..Default::default()
        })
        .await;
    assert_invalid(bad_parent, "INVALID_NAME", "parent");
}

#[sqlx::test(migrations = false)]
async fn concurrent_updates_of_an_indicator_become_successive_revisions(pool: PgPool) {
    let (server, created) = with_returns(&pool).await;
    let mut calls = tokio::task::JoinSet::new();
    for n in 0..10 {
        let mut client = client(&server);
        let request = pb::UpdateIndicatorRequest {
            indicator: Some(pb::Indicator {
                title: format!("Returns, version {n}"),
                etag: String::new(),
                ..created.clone()
            }),
            request_id: rid(),
        };
        calls.spawn(async move { client.update_indicator(request).await });
    }
    let mut revisions = Vec::new();
    while let Some(result) = calls.join_next().await {
        revisions.push(
            result
                .unwrap()
                .expect("every update succeeds")
                .into_inner()
                .revision,
        );
    }
    revisions.sort();
    assert_eq!(revisions, (2..=11).collect::<Vec<i64>>());
}
