//! Invalid rates and names are refused before anything is written.

use sqlx::PgPool;
use tonic::Code;

use super::{client, count, create, eur_usd, get, update};
use crate::support::{TestServer, assert_each_invalid, assert_invalid, assert_refused, rid};
use scpf_reports::pb;

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
            "above a million",
            with(|r| r.rate = "1000000.0000000001".into()),
            "RATE_OUT_OF_RANGE",
            "exchange_rate.rate",
        ),
        (
            "below a millionth",
            with(|r| r.rate = "0.0000000001".into()),
            "RATE_OUT_OF_RANGE",
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
    assert_each_invalid(cases, async |r| client.create_exchange_rate(r).await).await;
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
        assert_invalid(result, reason, "name");
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
