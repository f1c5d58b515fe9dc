//! ExchangeRateService: monthly rates named for their pair and month, exact to ten decimals,
//! corrected with new revisions that leave past reads unchanged.

mod corrections;
mod lists;
mod refusals;

use scpf_reports::pb::{self, exchange_rate_service_client::ExchangeRateServiceClient};
use sqlx::PgPool;
use tonic::{Code, transport::Channel};

use crate::support::{TestServer, assert_refused, count, ok, rid};

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

async fn names(client: &mut ExchangeRateServiceClient<Channel>, filter: &str) -> Vec<String> {
    ok(client.list_exchange_rates(list(filter)))
        .await
        .exchange_rates
        .into_iter()
        .map(|r| r.name)
        .collect()
}

#[sqlx::test(migrations = false)]
async fn a_rate_is_named_for_its_pair_and_month_and_read_back(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut client = client(&server);
    let created = ok(client.create_exchange_rate(create(pb::ExchangeRate {
        name: "exchangeRates/ignored".into(),
        ..eur_usd()
    })))
    .await;
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

    let read = ok(client.get_exchange_rate(get("exchangeRates/EUR-USD-2025-06", None))).await;
    assert_eq!(read, created);
}

#[sqlx::test(migrations = false)]
async fn rates_are_kept_exactly_to_ten_decimals(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut client = client(&server);
    for (month, given, shown) in [
        ("2025-01", "0.0000010001", "0.0000010001"),
        ("2025-02", "999999.9999999999", "999999.9999999999"),
        ("2025-03", "0.8812345678", "0.8812345678"),
        ("2025-04", "1.50", "1.5"),
        ("2025-05", "2", "2"),
    ] {
        let created =
            ok(client.create_exchange_rate(create(rate("CHF", "USD", month, given)))).await;
        assert_eq!(created.rate, shown, "{given}");
        let read = ok(client.get_exchange_rate(get(&created.name, None))).await;
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
    ok(client.create_exchange_rate(create(eur_usd()))).await;
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
    ok(client.create_exchange_rate(create(rate("EUR", "USD", "2025-07", "1.1")))).await;
}

#[sqlx::test(migrations = false)]
async fn replayed_requests_return_the_same_rate_and_write_once(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut client = client(&server);
    let request = create(eur_usd());
    let first = ok(client.create_exchange_rate(request.clone())).await;
    let second = ok(client.create_exchange_rate(request.clone())).await;
    assert_eq!(first, second);

    let correction = update(pb::ExchangeRate {
        rate: "1.0831".into(),
        ..first.clone()
    });
    let corrected = ok(client.update_exchange_rate(correction.clone())).await;
    // Replayed after it succeeded: the etag it carried is stale now, yet the replay answers.
    let replayed = ok(client.update_exchange_rate(correction)).await;
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
