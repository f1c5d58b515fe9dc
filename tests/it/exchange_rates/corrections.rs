//! Corrections: new revisions, etags, and reads as of an earlier instant.

use scpf_reports::{
    domain::{dates::Month, money::Currency},
    pb,
    store::{AsOf, exchange_rates::rate_for},
};
use sqlx::PgPool;
use tonic::Code;

use super::{UN, client, count, create, eur_usd, get, update};
use crate::support::{TestServer, a_second_before, assert_invalid, assert_refused, ok};

#[sqlx::test(migrations = false)]
async fn a_correction_writes_a_new_revision_and_past_reads_keep_the_original_rate(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut client = client(&server);
    let created = ok(client.create_exchange_rate(create(eur_usd()))).await;
    let corrected = ok(client.update_exchange_rate(update(pb::ExchangeRate {
        rate: "1.0831".into(),
        source: "UN operational rates of exchange, corrected".into(),
        ..created.clone()
    })))
    .await;
    assert_eq!((corrected.revision, corrected.etag.as_str()), (2, "r2"));
    assert_eq!(corrected.rate, "1.0831");
    assert_eq!(corrected.create_time, created.create_time);
    assert_ne!(corrected.update_time, created.update_time);

    let then = ok(client.get_exchange_rate(get(&created.name, created.update_time))).await;
    assert_eq!(then, created);
    let now = ok(client.get_exchange_rate(get(&created.name, None))).await;
    assert_eq!(now, corrected);

    let listed_then = ok(client.list_exchange_rates(pb::ListExchangeRatesRequest {
        as_of: created.update_time,
        ..Default::default()
    }))
    .await
    .exchange_rates;
    assert_eq!(listed_then, std::slice::from_ref(&created));

    let before = a_second_before(created.create_time);
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
    let created = ok(client.create_exchange_rate(create(eur_usd()))).await;
    let by_name = ok(client.update_exchange_rate(update(pb::ExchangeRate {
        name: created.name.clone(),
        rate: "1.0824".into(),
        source: UN.into(),
        ..Default::default()
    })))
    .await;
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
    assert_invalid(invalid, "RATE_NOT_POSITIVE", "exchange_rate.rate");
    let unchanged = ok(client.get_exchange_rate(get(&created.name, None))).await;
    assert_eq!(unchanged, by_name);
}

#[sqlx::test(migrations = false)]
async fn a_correction_with_a_stale_etag_is_aborted(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut client = client(&server);
    let created = ok(client.create_exchange_rate(create(eur_usd()))).await;
    ok(client.update_exchange_rate(update(pb::ExchangeRate {
        rate: "1.0831".into(),
        ..created.clone()
    })))
    .await;
    let stale = client
        .update_exchange_rate(update(pb::ExchangeRate {
            rate: "1.0840".into(),
            ..created.clone()
        }))
        .await;
    let status = assert_refused(stale, Code::Aborted, "ETAG_MISMATCH", None);
    assert!(status.message().contains("r2"), "{}", status.message());
    let current = ok(client.get_exchange_rate(get(&created.name, None))).await;
    assert_eq!(current.rate, "1.0831");
}

#[sqlx::test(migrations = false)]
async fn a_correction_that_changes_nothing_keeps_the_revision(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut client = client(&server);
    let created = ok(client.create_exchange_rate(create(eur_usd()))).await;
    let same = ok(client.update_exchange_rate(update(pb::ExchangeRate {
        rate: "1.08230".into(),
        ..created.clone()
    })))
    .await;
    assert_eq!(same, created);
    assert_eq!(count(&pool, "exchange_rate_versions").await, 1);
    assert_eq!(count(&pool, "audit_events").await, 1);
}

#[sqlx::test(migrations = false)]
async fn the_rate_in_force_is_read_for_its_exact_month_as_of_an_instant(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut client = client(&server);
    let created = ok(client.create_exchange_rate(create(eur_usd()))).await;
    ok(client.update_exchange_rate(update(pb::ExchangeRate {
        rate: "1.0831".into(),
        source: "corrected".into(),
        ..created.clone()
    })))
    .await;
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
