//! ExchangeRateService: monthly rates named for their pair and month, exact to ten decimals,
//! corrected with new revisions that leave past reads unchanged.

use scpf_reports::{
    domain::{dates::Month, money::Currency},
    pb::{self, exchange_rate_service_client::ExchangeRateServiceClient},
    store::{AsOf, exchange_rates::rate_for},
};
use sqlx::PgPool;
use tonic::{Code, transport::Channel};

use crate::support::{TestServer, assert_refused, rid};

const UN: &str = "UN operational rates of exchange";

fn client(server: &TestServer) -> ExchangeRateServiceClient<Channel> {
    ExchangeRateServiceClient::new(server.channel.clone())
}

fn rate(base: &str, quote: &str, month: &str, value: &str) -> pb::ExchangeRate {
    pb::ExchangeRate {
        base_currency_code: base.into(),
        quote_currency_code: quote.into(),
        month: month.into(),
        rate: value.into(),
        source: UN.into(),
        ..Default::default()
    }
}

fn eur_usd() -> pb::ExchangeRate {
    rate("EUR", "USD", "2025-06", "1.0823")
}

fn create(r: pb::ExchangeRate) -> pb::CreateExchangeRateRequest {
    pb::CreateExchangeRateRequest {
        exchange_rate: Some(r),
        request_id: rid(),
    }
}

fn get(name: &str, as_of: Option<prost_types::Timestamp>) -> pb::GetExchangeRateRequest {
    pb::GetExchangeRateRequest {
        name: name.into(),
        as_of,
    }
}

fn update(r: pb::ExchangeRate) -> pb::UpdateExchangeRateRequest {
    pb::UpdateExchangeRateRequest {
        exchange_rate: Some(r),
        request_id: rid(),
    }
}

fn list(filter: &str) -> pb::ListExchangeRatesRequest {
    pb::ListExchangeRatesRequest {
        filter: filter.into(),
        ..Default::default()
    }
}

async fn count(pool: &PgPool, table: &str) -> i64 {
    let sql = match table {
        "exchange_rates" => "SELECT count(*) FROM exchange_rates",
        "exchange_rate_versions" => "SELECT count(*) FROM exchange_rate_versions",
        _ => "SELECT count(*) FROM audit_events",
    };
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

async fn names(client: &mut ExchangeRateServiceClient<Channel>, filter: &str) -> Vec<String> {
    client
        .list_exchange_rates(list(filter))
        .await
        .unwrap()
        .into_inner()
        .exchange_rates
        .into_iter()
        .map(|r| r.name)
        .collect()
}

#[sqlx::test(migrations = false)]
async fn a_rate_is_named_for_its_pair_and_month_and_read_back(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut client = client(&server);
    let created = client
        .create_exchange_rate(create(pb::ExchangeRate {
            name: "exchangeRates/ignored".into(),
            ..eur_usd()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.name, "exchangeRates/EUR-USD-2025-06");
    assert_eq!(
        (
            created.base_currency_code.as_str(),
            created.quote_currency_code.as_str(),
            created.month.as_str()
        ),
        ("EUR", "USD", "2025-06")
    );
    assert_eq!(created.rate, "1.0823");
    assert_eq!(created.source, UN);
    assert_eq!((created.revision, created.etag.as_str()), (1, "r1"));
    assert!(created.create_time.is_some());
    assert_eq!(created.create_time, created.update_time);

    let read = client
        .get_exchange_rate(get("exchangeRates/EUR-USD-2025-06", None))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(read, created);
}

#[sqlx::test(migrations = false)]
async fn rates_are_kept_exactly_to_ten_decimals(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut client = client(&server);
    for (month, given, shown) in [
        ("2025-01", "0.0000000001", "0.0000000001"),
        (
            "2025-02",
            "99999999999999.9999999999",
            "99999999999999.9999999999",
        ),
        ("2025-03", "0.8812345678", "0.8812345678"),
        ("2025-04", "1.50", "1.5"),
        ("2025-05", "2", "2"),
    ] {
        let created = client
            .create_exchange_rate(create(rate("CHF", "USD", month, given)))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(created.rate, shown, "{given}");
        let read = client
            .get_exchange_rate(get(&created.name, None))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(read, created, "{given}");
    }
}

#[sqlx::test(migrations = false)]
async fn an_unknown_rate_is_not_found(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut client = client(&server);
    let missing = client
        .get_exchange_rate(get("exchangeRates/EUR-USD-1999-01", None))
        .await;
    assert_refused(missing, Code::NotFound, "NOT_FOUND", None);
    let correction = client
        .update_exchange_rate(update(pb::ExchangeRate {
            name: "exchangeRates/EUR-USD-1999-01".into(),
            ..rate("EUR", "USD", "1999-01", "1.1")
        }))
        .await;
    assert_refused(correction, Code::NotFound, "NOT_FOUND", None);
}

#[sqlx::test(migrations = false)]
async fn a_second_rate_for_the_same_pair_and_month_already_exists(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut client = client(&server);
    client
        .create_exchange_rate(create(eur_usd()))
        .await
        .unwrap();
    let again = client
        .create_exchange_rate(create(pb::ExchangeRate {
            rate: "1.09".into(),
            ..eur_usd()
        }))
        .await;
    let status = assert_refused(again, Code::AlreadyExists, "ALREADY_EXISTS", None);
    assert!(
        status.message().contains("exchangeRates/EUR-USD-2025-06"),
        "{}",
        status.message()
    );
    // The inverse pair and the next month are other rates.
    client
        .create_exchange_rate(create(rate("USD", "EUR", "2025-06", "0.924")))
        .await
        .unwrap();
    client
        .create_exchange_rate(create(rate("EUR", "USD", "2025-07", "1.1")))
        .await
        .unwrap();
}

#[sqlx::test(migrations = false)]
async fn invalid_rates_are_refused_naming_the_field(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut client = client(&server);
    let with = |f: fn(&mut pb::ExchangeRate)| {
        let mut r = eur_usd();
        f(&mut r);
        create(r)
    };
    let cases: Vec<(&str, pb::CreateExchangeRateRequest, &str, &str)> = vec![
        (
            "negative rate",
            with(|r| r.rate = "-1.0823".into()),
            "NEGATIVE_AMOUNT",
            "exchange_rate.rate",
        ),
        (
            "NaN",
            with(|r| r.rate = "NaN".into()),
            "INVALID_DECIMAL",
            "exchange_rate.rate",
        ),
        (
            "exponent",
            with(|r| r.rate = "1e3".into()),
            "INVALID_DECIMAL",
            "exchange_rate.rate",
        ),
        (
            "empty rate",
            with(|r| r.rate = String::new()),
            "REQUIRED",
            "exchange_rate.rate",
        ),
        (
            "eleven decimals",
            with(|r| r.rate = "1.08230000001".into()),
            "TOO_MANY_DECIMALS",
            "exchange_rate.rate",
        ),
        (
            "zero",
            with(|r| r.rate = "0.000".into()),
            "RATE_NOT_POSITIVE",
            "exchange_rate.rate",
        ),
        (
            "fifteen integer digits",
            with(|r| r.rate = "100000000000000".into()),
            "AMOUNT_TOO_LARGE",
            "exchange_rate.rate",
        ),
        (
            "thousands separator",
            with(|r| r.rate = "1,000.5".into()),
            "INVALID_DECIMAL",
            "exchange_rate.rate",
        ),
        (
            "unknown base currency",
            with(|r| r.base_currency_code = "XXX".into()),
            "UNKNOWN_CURRENCY",
            "exchange_rate.base_currency_code",
        ),
        (
            "lower-case quote currency",
            with(|r| r.quote_currency_code = "usd".into()),
            "UNKNOWN_CURRENCY",
            "exchange_rate.quote_currency_code",
        ),
        (
            "no base currency",
            with(|r| r.base_currency_code = String::new()),
            "REQUIRED",
            "exchange_rate.base_currency_code",
        ),
        (
            "same currency",
            with(|r| r.quote_currency_code = "EUR".into()),
            "SAME_CURRENCY",
            "exchange_rate.quote_currency_code",
        ),
        (
            "month 13",
            with(|r| r.month = "2025-13".into()),
            "INVALID_MONTH",
            "exchange_rate.month",
        ),
        (
            "a date for a month",
            with(|r| r.month = "2025-06-01".into()),
            "INVALID_MONTH",
            "exchange_rate.month",
        ),
        (
            "no month",
            with(|r| r.month = String::new()),
            "REQUIRED",
            "exchange_rate.month",
        ),
        (
            "no source",
            with(|r| r.source = " ".into()),
            "REQUIRED",
            "exchange_rate.source",
        ),
        (
            "overlong source",
            with(|r| r.source = "x".repeat(201)),
            "TOO_LONG",
            "exchange_rate.source",
        ),
        (
            "no rate at all",
            pb::CreateExchangeRateRequest {
                exchange_rate: None,
                request_id: rid(),
            },
            "REQUIRED",
            "exchange_rate",
        ),
        (
            "no request id",
            pb::CreateExchangeRateRequest {
                request_id: String::new(),
                ..create(eur_usd())
            },
            "REQUIRED",
            "request_id",
        ),
    ];
    for (case, request, reason, field) in cases {
        let status = client.create_exchange_rate(request).await.expect_err(case);
        assert_refused::<()>(Err(status), Code::InvalidArgument, reason, Some(field));
    }
    assert_eq!(count(&pool, "exchange_rates").await, 0);
    assert_eq!(count(&pool, "audit_events").await, 0);
}

#[sqlx::test(migrations = false)]
async fn malformed_rate_names_are_refused(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut client = client(&server);
    for (name, reason) in [
        ("", "REQUIRED"),
        ("exchangeRates/EUR-USD-2025", "INVALID_NAME"),
        ("exchangeRates/EUR-USD-2025-13", "INVALID_NAME"),
        ("exchangeRates/EUR-EUR-2025-06", "INVALID_NAME"),
        ("exchangeRates/XXX-USD-2025-06", "INVALID_NAME"),
        ("exchangeRates/eur-usd-2025-06", "INVALID_NAME"),
        ("exchangeRates/EUR-USD-2025-06/x", "INVALID_NAME"),
        ("organizations/belgium", "INVALID_NAME"),
    ] {
        let result = client.get_exchange_rate(get(name, None)).await;
        assert_refused(result, Code::InvalidArgument, reason, Some("name"));
        let result = client
            .update_exchange_rate(update(pb::ExchangeRate {
                name: name.into(),
                ..eur_usd()
            }))
            .await;
        assert_refused(
            result,
            Code::InvalidArgument,
            reason,
            Some("exchange_rate.name"),
        );
    }
}

#[sqlx::test(migrations = false)]
async fn a_correction_writes_a_new_revision_and_past_reads_keep_the_original_rate(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut client = client(&server);
    let created = client
        .create_exchange_rate(create(eur_usd()))
        .await
        .unwrap()
        .into_inner();
    let corrected = client
        .update_exchange_rate(update(pb::ExchangeRate {
            rate: "1.0831".into(),
            source: "UN operational rates of exchange, corrected".into(),
            ..created.clone()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((corrected.revision, corrected.etag.as_str()), (2, "r2"));
    assert_eq!(corrected.rate, "1.0831");
    assert_eq!(corrected.create_time, created.create_time);
    assert_ne!(corrected.update_time, created.update_time);

    let then = client
        .get_exchange_rate(get(&created.name, created.update_time))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(then, created);
    let now = client
        .get_exchange_rate(get(&created.name, None))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(now, corrected);

    let listed_then = client
        .list_exchange_rates(pb::ListExchangeRatesRequest {
            as_of: created.update_time,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .exchange_rates;
    assert_eq!(listed_then, std::slice::from_ref(&created));

    let before = prost_types::Timestamp {
        seconds: created.create_time.unwrap().seconds - 1,
        nanos: 0,
    };
    let result = client
        .get_exchange_rate(get(&created.name, Some(before)))
        .await;
    assert_refused(result, Code::NotFound, "NOT_FOUND", None);
    assert_eq!(count(&pool, "exchange_rate_versions").await, 2);
}

#[sqlx::test(migrations = false)]
async fn a_correction_may_name_the_rate_only_but_cannot_move_it(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut client = client(&server);
    let created = client
        .create_exchange_rate(create(eur_usd()))
        .await
        .unwrap()
        .into_inner();
    let by_name = client
        .update_exchange_rate(update(pb::ExchangeRate {
            name: created.name.clone(),
            rate: "1.0824".into(),
            source: UN.into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (
            by_name.revision,
            by_name.month.as_str(),
            by_name.rate.as_str()
        ),
        (2, "2025-06", "1.0824")
    );

    for (case, moved, field) in [
        (
            "other base",
            pb::ExchangeRate {
                base_currency_code: "CHF".into(),
                ..by_name.clone()
            },
            "exchange_rate.base_currency_code",
        ),
        (
            "other quote",
            pb::ExchangeRate {
                quote_currency_code: "CHF".into(),
                ..by_name.clone()
            },
            "exchange_rate.quote_currency_code",
        ),
        (
            "other month",
            pb::ExchangeRate {
                month: "2025-07".into(),
                ..by_name.clone()
            },
            "exchange_rate.month",
        ),
    ] {
        let status = client
            .update_exchange_rate(update(moved))
            .await
            .expect_err(case);
        let status = assert_refused::<()>(
            Err(status),
            Code::InvalidArgument,
            "NAME_MISMATCH",
            Some(field),
        );
        assert!(
            status.message().contains("exchangeRates/EUR-USD-2025-06"),
            "{case}: {}",
            status.message()
        );
    }
    let invalid = client
        .update_exchange_rate(update(pb::ExchangeRate {
            rate: "0".into(),
            ..by_name.clone()
        }))
        .await;
    assert_refused(
        invalid,
        Code::InvalidArgument,
        "RATE_NOT_POSITIVE",
        Some("exchange_rate.rate"),
    );
    let unchanged = client
        .get_exchange_rate(get(&created.name, None))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(unchanged, by_name);
}

#[sqlx::test(migrations = false)]
async fn a_correction_with_a_stale_etag_is_aborted(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut client = client(&server);
    let created = client
        .create_exchange_rate(create(eur_usd()))
        .await
        .unwrap()
        .into_inner();
    client
        .update_exchange_rate(update(pb::ExchangeRate {
            rate: "1.0831".into(),
            ..created.clone()
        }))
        .await
        .unwrap();
    let stale = client
        .update_exchange_rate(update(pb::ExchangeRate {
            rate: "1.0840".into(),
            ..created.clone()
        }))
        .await;
    let status = assert_refused(stale, Code::Aborted, "ETAG_MISMATCH", None);
    assert!(status.message().contains("r2"), "{}", status.message());
    let current = client
        .get_exchange_rate(get(&created.name, None))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(current.rate, "1.0831");
}

#[sqlx::test(migrations = false)]
async fn a_correction_that_changes_nothing_keeps_the_revision(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut client = client(&server);
    let created = client
        .create_exchange_rate(create(eur_usd()))
        .await
        .unwrap()
        .into_inner();
    let same = client
        .update_exchange_rate(update(pb::ExchangeRate {
            rate: "1.08230".into(),
            ..created.clone()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(same, created);
    assert_eq!(count(&pool, "exchange_rate_versions").await, 1);
    assert_eq!(count(&pool, "audit_events").await, 1);
}

#[sqlx::test(migrations = false)]
async fn replayed_requests_return_the_same_rate_and_write_once(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut client = client(&server);
    let request = create(eur_usd());
    let first = client
        .create_exchange_rate(request.clone())
        .await
        .unwrap()
        .into_inner();
    let second = client
        .create_exchange_rate(request.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first, second);

    let correction = update(pb::ExchangeRate {
        rate: "1.0831".into(),
        ..first.clone()
    });
    let corrected = client
        .update_exchange_rate(correction.clone())
        .await
        .unwrap()
        .into_inner();
    // Replayed after it succeeded: the etag it carried is stale now, yet the replay answers.
    let replayed = client
        .update_exchange_rate(correction)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(corrected, replayed);
    assert_eq!(count(&pool, "exchange_rate_versions").await, 2);
    assert_eq!(count(&pool, "audit_events").await, 2);

    let reused = client
        .create_exchange_rate(pb::CreateExchangeRateRequest {
            exchange_rate: Some(rate("EUR", "CHF", "2025-06", "0.94")),
            ..request
        })
        .await;
    assert_refused(reused, Code::FailedPrecondition, "REQUEST_ID_REUSED", None);
    assert_eq!(count(&pool, "exchange_rates").await, 1);
}

#[sqlx::test(migrations = false)]
async fn rates_are_listed_by_pair_and_month_page_by_page(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut client = client(&server);
    // Recorded out of order on purpose.
    for (base, quote, month) in [
        ("USD", "CHF", "2025-01"),
        ("EUR", "USD", "2025-06"),
        ("EUR", "CHF", "2025-06"),
        ("EUR", "USD", "2024-12"),
        ("CHF", "USD", "2025-06"),
        ("EUR", "USD", "2025-01"),
        ("EUR", "CHF", "2025-01"),
    ] {
        client
            .create_exchange_rate(create(rate(base, quote, month, "1.1")))
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = client
            .list_exchange_rates(pb::ListExchangeRatesRequest {
                page_size: 2,
                page_token: token.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(page.exchange_rates.len() <= 2);
        seen.extend(page.exchange_rates.into_iter().map(|r| r.name));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    let expected: Vec<String> = [
        "CHF-USD-2025-06",
        "EUR-CHF-2025-01",
        "EUR-CHF-2025-06",
        "EUR-USD-2024-12",
        "EUR-USD-2025-01",
        "EUR-USD-2025-06",
        "USD-CHF-2025-01",
    ]
    .iter()
    .map(|id| format!("exchangeRates/{id}"))
    .collect();
    assert_eq!(seen, expected);

    let first = client
        .list_exchange_rates(pb::ListExchangeRatesRequest {
            page_size: 2,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let token = first.next_page_token;
    let other_query = client
        .list_exchange_rates(pb::ListExchangeRatesRequest {
            page_size: 2,
            page_token: token.clone(),
            filter: "base_currency_code = EUR".into(),
            as_of: None,
        })
        .await;
    assert_refused(
        other_query,
        Code::InvalidArgument,
        "PAGE_TOKEN_MISMATCH",
        Some("page_token"),
    );
    let mut tampered = token.into_bytes();
    tampered[4] ^= 1;
    let tampered = client
        .list_exchange_rates(pb::ListExchangeRatesRequest {
            page_size: 2,
            page_token: String::from_utf8_lossy(&tampered).into_owned(),
            ..Default::default()
        })
        .await;
    assert_refused(
        tampered,
        Code::InvalidArgument,
        "INVALID_PAGE_TOKEN",
        Some("page_token"),
    );
    let garbage = client
        .list_exchange_rates(pb::ListExchangeRatesRequest {
            page_token: "not-a-token".into(),
            ..Default::default()
        })
        .await;
    assert_refused(
        garbage,
        Code::InvalidArgument,
        "INVALID_PAGE_TOKEN",
        Some("page_token"),
    );
    let negative = client
        .list_exchange_rates(pb::ListExchangeRatesRequest {
            page_size: -5,
            ..Default::default()
        })
        .await;
    assert_refused(
        negative,
        Code::InvalidArgument,
        "INVALID_PAGE_SIZE",
        Some("page_size"),
    );
}

#[sqlx::test(migrations = false)]
async fn rates_are_filtered_by_currency_and_month(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut client = client(&server);
    for (base, quote, month) in [
        ("EUR", "USD", "2025-01"),
        ("EUR", "USD", "2025-06"),
        ("EUR", "CHF", "2025-06"),
        ("CHF", "USD", "2025-03"),
        ("USD", "CHF", "2025-12"),
    ] {
        client
            .create_exchange_rate(create(rate(base, quote, month, "1.1")))
            .await
            .unwrap();
    }
    let ids = |names: Vec<String>| -> Vec<String> {
        names
            .into_iter()
            .map(|n| n.trim_start_matches("exchangeRates/").to_owned())
            .collect()
    };
    for (filter, expected) in [
        (
            r#"base_currency_code = "EUR""#,
            &["EUR-CHF-2025-06", "EUR-USD-2025-01", "EUR-USD-2025-06"][..],
        ),
        (
            "quote_currency_code = CHF",
            &["EUR-CHF-2025-06", "USD-CHF-2025-12"],
        ),
        (
            "base_currency_code != EUR",
            &["CHF-USD-2025-03", "USD-CHF-2025-12"],
        ),
        (
            r#"month = "2025-06""#,
            &["EUR-CHF-2025-06", "EUR-USD-2025-06"],
        ),
        (
            r#"month >= "2025-03" AND month < "2025-12""#,
            &["CHF-USD-2025-03", "EUR-CHF-2025-06", "EUR-USD-2025-06"],
        ),
        (r#"month > "2025-06""#, &["USD-CHF-2025-12"]),
        (r#"month <= "2025-01""#, &["EUR-USD-2025-01"]),
        (
            r#"base_currency_code = "EUR" AND quote_currency_code = "USD" AND month >= "2025-02""#,
            &["EUR-USD-2025-06"],
        ),
        (r#"quote_currency_code = "JPY""#, &[]),
    ] {
        assert_eq!(ids(names(&mut client, filter).await), expected, "{filter}");
    }
    for bad in [
        r#"base_currency_code = "XXX""#,
        r#"base_currency_code = "eur""#,
        r#"base_currency_code > "EUR""#,
        "month >= 2025",
        r#"month = "2025-06-01""#,
        "rate > 1",
    ] {
        let result = client.list_exchange_rates(list(bad)).await;
        assert_refused(
            result,
            Code::InvalidArgument,
            "INVALID_FILTER",
            Some("filter"),
        );
    }
}

#[sqlx::test(migrations = false)]
async fn the_rate_in_force_is_read_for_its_exact_month_as_of_an_instant(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut client = client(&server);
    let created = client
        .create_exchange_rate(create(eur_usd()))
        .await
        .unwrap()
        .into_inner();
    client
        .update_exchange_rate(update(pb::ExchangeRate {
            rate: "1.0831".into(),
            source: "corrected".into(),
            ..created.clone()
        }))
        .await
        .unwrap();
    let june = Month::parse("2025-06", "m").unwrap();
    let july = Month::parse("2025-07", "m").unwrap();
    let first = created.update_time.unwrap();
    let first = chrono::DateTime::from_timestamp(first.seconds, first.nanos as u32).unwrap();
    let mut conn = pool.acquire().await.unwrap();

    let now = rate_for(&mut conn, Currency::EUR, Currency::USD, june, AsOf::Now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (now.0.to_string(), now.1.as_str(), now.2),
        ("1.0831".to_owned(), "corrected", 2)
    );
    let then = rate_for(
        &mut conn,
        Currency::EUR,
        Currency::USD,
        june,
        AsOf::At(first),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        (then.0.to_string(), then.1.as_str(), then.2),
        ("1.0823".to_owned(), UN, 1)
    );
    // No fallback to another month or to the inverse pair.
    for (base, quote, month) in [
        (Currency::EUR, Currency::USD, july),
        (Currency::USD, Currency::EUR, june),
    ] {
        let none = rate_for(&mut conn, base, quote, month, AsOf::Now)
            .await
            .unwrap();
        assert_eq!(none, None);
    }
}
