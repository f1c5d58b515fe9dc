//! Invalid allocations and names are refused before anything is written.

use scpf_reports::pb::{self, SrfObjective};
use sqlx::PgPool;
use tonic::Code;

use super::{client, count, create, get, to_o_remit, to_objective, update};
use crate::support::fixtures;
use crate::support::{TestServer, assert_each_invalid, assert_invalid, assert_refused, ok};

#[sqlx::test(migrations = false)]
async fn invalid_allocations_are_refused_naming_the_field(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    fixtures::programme(&server, "o-remit", "o-remit").await;
    let mut client = client(&server);
    let with = |f: fn(&mut pb::Allocation)| {
        let mut a = to_o_remit();
        f(&mut a);
        create("a", a)
    };
    let money = |code: &str, amount: &str| {
        Some(pb::Money {
            currency_code: code.into(),
            amount: amount.into(),
        })
    };
    let amount_is = |code: &str, amount: &str| {
        let mut a = to_o_remit();
        a.amount = money(code, amount);
        create("a", a)
    };
    let cases: Vec<(&str, pb::CreateAllocationRequest, &str, &str)> = vec![
        (
            "negative",
            amount_is("USD", "-5"),
            "NEGATIVE_AMOUNT",
            "allocation.amount.amount",
        ),
        (
            "NaN",
            amount_is("USD", "NaN"),
            "INVALID_DECIMAL",
            "allocation.amount.amount",
        ),
        (
            "exponent",
            amount_is("USD", "1e3"),
            "INVALID_DECIMAL",
            "allocation.amount.amount",
        ),
        (
            "empty amount",
            amount_is("USD", ""),
            "REQUIRED",
            "allocation.amount.amount",
        ),
        (
            "three decimals in USD",
            amount_is("USD", "1.234"),
            "TOO_MANY_DECIMALS",
            "allocation.amount.amount",
        ),
        (
            "zero",
            amount_is("USD", "0.00"),
            "AMOUNT_NOT_POSITIVE",
            "allocation.amount.amount",
        ),
        (
            "too large",
            amount_is("USD", "1234567890123456"),
            "AMOUNT_TOO_LARGE",
            "allocation.amount.amount",
        ),
        (
            "JPY with decimals",
            amount_is("JPY", "1500.5"),
            "CURRENCY_NOT_ALLOWED",
            "allocation.amount.currency_code",
        ),
        (
            "EUR",
            amount_is("EUR", "1000"),
            "CURRENCY_NOT_ALLOWED",
            "allocation.amount.currency_code",
        ),
        (
            "unknown currency",
            amount_is("XXX", "1000"),
            "UNKNOWN_CURRENCY",
            "allocation.amount.currency_code",
        ),
        (
            "no currency",
            amount_is("", "1000"),
            "REQUIRED",
            "allocation.amount.currency_code",
        ),
        (
            "no amount",
            with(|a| a.amount = None),
            "REQUIRED",
            "allocation.amount",
        ),
        (
            "no date",
            with(|a| a.allocation_date = String::new()),
            "REQUIRED",
            "allocation.allocation_date",
        ),
        (
            "impossible date",
            with(|a| a.allocation_date = "2025-02-30".into()),
            "INVALID_DATE",
            "allocation.allocation_date",
        ),
        (
            "unknown programme",
            with(|a| a.programme = "programmes/atlantis".into()),
            "UNKNOWN_PROGRAMME",
            "allocation.programme",
        ),
        (
            "not a programme name",
            with(|a| a.programme = "organizations/belgium".into()),
            "INVALID_NAME",
            "allocation.programme",
        ),
        (
            "no destination",
            with(|a| {
                a.programme = String::new();
                a.srf_objective = SrfObjective::Unspecified as i32;
            }),
            "ALLOCATION_WITHOUT_DESTINATION",
            "allocation.srf_objective",
        ),
        (
            "objective out of range",
            with(|a| a.srf_objective = 7),
            "UNKNOWN_ENUM_VALUE",
            "allocation.srf_objective",
        ),
        (
            "overlong description",
            with(|a| a.description = "x".repeat(1001)),
            "TOO_LONG",
            "allocation.description",
        ),
        (
            "bad id",
            create("O-REMIT", to_o_remit()),
            "INVALID_ID",
            "allocation_id",
        ),
        (
            "no allocation",
            pb::CreateAllocationRequest {
                allocation: None,
                ..create("a", to_o_remit())
            },
            "REQUIRED",
            "allocation",
        ),
        (
            "no request id",
            pb::CreateAllocationRequest {
                request_id: String::new(),
                ..create("a", to_o_remit())
            },
            "REQUIRED",
            "request_id",
        ),
    ];
    assert_each_invalid(cases, async |r| client.create_allocation(r).await).await;
    assert_eq!(count(&pool, "allocations").await, 0);
    assert_eq!(count(&pool, &fixtures::besides("audit_events")).await, 0);
    // A description of exactly 1000 characters is fine.
    client
        .create_allocation(with(|a| a.description = "x".repeat(1000)))
        .await
        .unwrap();
}

#[sqlx::test(migrations = false)]
async fn malformed_allocation_names_are_refused(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut client = client(&server);
    for (name, reason) in [
        ("", "REQUIRED"),
        ("allocations/", "INVALID_NAME"),
        ("allocations/Big", "INVALID_NAME"),
        ("allocations/a/b", "INVALID_NAME"),
        ("programmes/o-remit", "INVALID_NAME"),
    ] {
        let result = client.get_allocation(get(name, None)).await;
        assert_invalid(result, reason, "name");
        let result = client
            .update_allocation(update(pb::Allocation {
                name: name.into(),
                ..to_objective("2025-03-01", SrfObjective::SavingLives)
            }))
            .await;
        assert_refused(
            result,
            Code::InvalidArgument,
            reason,
            Some("allocation.name"),
        );
    }
}

#[sqlx::test(migrations = false)]
async fn an_update_is_validated_like_a_create(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    fixtures::programme(&server, "o-remit", "o-remit").await;
    let mut client = client(&server);
    let created = ok(client.create_allocation(create("diaspora", to_o_remit()))).await;
    let unknown = client
        .update_allocation(update(pb::Allocation {
            programme: "programmes/atlantis".into(),
            ..created.clone()
        }))
        .await;
    assert_invalid(unknown, "UNKNOWN_PROGRAMME", "allocation.programme");
    let in_chf = client
        .update_allocation(update(pb::Allocation {
            amount: Some(pb::Money {
                currency_code: "CHF".into(),
                amount: "1000".into(),
            }),
            ..created.clone()
        }))
        .await;
    assert_invalid(
        in_chf,
        "CURRENCY_NOT_ALLOWED",
        "allocation.amount.currency_code",
    );
    let nowhere = client
        .update_allocation(update(pb::Allocation {
            programme: String::new(),
            srf_objective: SrfObjective::Unspecified as i32,
            ..created.clone()
        }))
        .await;
    assert_invalid(
        nowhere,
        "ALLOCATION_WITHOUT_DESTINATION",
        "allocation.srf_objective",
    );
    assert_eq!(count(&pool, "allocation_versions").await, 1);
}
