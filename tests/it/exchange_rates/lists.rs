//! Listing rates: order, pages and filters.

use scpf_reports::pb;
use sqlx::PgPool;

use super::{client, create, list, names, rate};
use crate::support::paging::{assert_page_tokens, every_name};
use crate::support::{TestServer, assert_invalid, ok};

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
        ok(client.create_exchange_rate(create(rate(base, quote, month, "1.1")))).await;
    }
    let seen = every_name(&mut client, pb::ListExchangeRatesRequest::default(), 2).await;
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

    assert_page_tokens(&mut client, "", "base_currency_code = EUR", 2, 4).await;
    let garbage = client
        .list_exchange_rates(pb::ListExchangeRatesRequest {
            page_token: "not-a-token".into(),
            ..Default::default()
        })
        .await;
    assert_invalid(garbage, "INVALID_PAGE_TOKEN", "page_token");
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
        ok(client.create_exchange_rate(create(rate(base, quote, month, "1.1")))).await;
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
        assert_invalid(result, "INVALID_FILTER", "filter");
    }
}
