//! No input is INTERNAL: NUL characters, bytes that are not a message, absurd amounts, rates and
//! years are refused as INVALID_ARGUMENT naming the field; and a refusal stays small whatever the
//! size of what it refuses.

use bytes::Bytes;
use prost::Message;
use prost_reflect::{DescriptorPool, DynamicMessage, Kind, MessageDescriptor, Value};
use scpf_reports::{
    methods,
    pb::{
        self, contribution_service_client::ContributionServiceClient,
        exchange_rate_service_client::ExchangeRateServiceClient,
        session_service_client::SessionServiceClient,
    },
};
use sqlx::PgPool;
use tonic::{Code, Status};
use tonic_types::StatusExt;

use crate::support::paging::assert_bad_filter;
use crate::{
    support::raw,
    support::{TestServer, assert_invalid, assert_refused, ok, rid},
};

fn descriptors() -> DescriptorPool {
    let mut pool = DescriptorPool::decode(pb::FILE_DESCRIPTOR_SET).unwrap();
    for set in [
        tonic_health::pb::FILE_DESCRIPTOR_SET,
        tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET,
        tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET,
    ] {
        pool.decode_file_descriptor_set(set).unwrap();
    }
    pool
}

/// A message with `x\0y` in every string field, nested messages filled the same way.
fn poisoned(descriptor: MessageDescriptor, depth: usize) -> DynamicMessage {
    let mut message = DynamicMessage::new(descriptor.clone());
    for field in descriptor.fields() {
        if field.is_map() {
            continue;
        }
        let value = match field.kind() {
            Kind::String => Value::String("x\0y".into()),
            Kind::Message(inner)
                if depth < 3 && !inner.full_name().starts_with("google.protobuf.") =>
            {
                Value::Message(poisoned(inner, depth + 1))
            }
            _ => continue,
        };
        if field.is_list() {
            message.set_field(&field, Value::List(vec![value]));
        } else {
            message.set_field(&field, value);
        }
    }
    message
}

/// Did the call end in a way a client can act on, and not as a server fault?
fn not_a_fault(result: &Result<(), Status>) -> bool {
    !matches!(
        result.as_ref().map_err(Status::code),
        Err(Code::Internal | Code::Unknown | Code::DataLoss)
    )
}

#[sqlx::test(migrations = false)]
async fn a_nul_in_any_string_of_any_request_is_invalid_argument(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let descriptors = descriptors();
    let mut checked = 0;
    for method in methods::catalog().all() {
        let input = descriptors
            .get_service_by_name(&method.service)
            .and_then(|s| s.methods().find(|m| m.name() == method.name))
            .unwrap_or_else(|| panic!("{} is described", method.full_name))
            .input();
        let bytes = Bytes::from(poisoned(input, 0).encode_to_vec());
        if !bytes.contains(&0) {
            continue; // no string to poison
        }
        let result = raw::call_bytes(&server.channel, method, bytes, None).await;
        if method.is_api() {
            let status = result.expect_err(&method.full_name);
            assert_eq!(
                status.code(),
                Code::InvalidArgument,
                "{}: {status:?}",
                method.full_name
            );
            let info = status.get_details_error_info().expect("ErrorInfo");
            assert_eq!(info.reason, "INVALID_CHARACTERS", "{}", method.full_name);
            let violation = &status
                .get_details_bad_request()
                .expect("BadRequest")
                .field_violations[0];
            assert!(!violation.field.is_empty(), "{}", method.full_name);
            checked += 1;
        } else {
            assert!(not_a_fault(&result), "{}: {result:?}", method.full_name);
        }
    }
    assert!(checked > 30, "only {checked} methods were tried");

    // The filter of every List, the first place a NUL was found to hurt.
    let status = ContributionServiceClient::new(server.channel.clone())
        .list_contributions(pb::ListContributionsRequest {
            filter: "donor = \"organizations/bel\0gium\"".into(),
            ..Default::default()
        })
        .await;
    assert_invalid(status, "INVALID_CHARACTERS", "filter");
}

#[sqlx::test(migrations = false)]
async fn bytes_that_are_not_a_message_are_invalid_argument_with_a_reason(pool: PgPool) {
    let server = TestServer::start(pool).await;
    // Field 1, length-delimited, 5 bytes long; only one follows.
    let truncated = Bytes::from_static(&[0x0a, 0x05, 0x41]);
    for method in methods::catalog().all() {
        let result = raw::call_bytes(&server.channel, method, truncated.clone(), None).await;
        // Reflection ends its stream quietly on a message it cannot read: not a fault either.
        if method.service.starts_with("grpc.reflection.") && result.is_ok() {
            continue;
        }
        let status = result.expect_err(&method.full_name);
        assert_eq!(
            status.code(),
            Code::InvalidArgument,
            "{}: {status:?}",
            method.full_name
        );
        let info = status
            .get_details_error_info()
            .unwrap_or_else(|| panic!("{}: no ErrorInfo in {status:?}", method.full_name));
        assert_eq!(info.reason, "MALFORMED_MESSAGE", "{}", method.full_name);
        assert_eq!(info.domain, "scpf-reports");
    }
    // The server is unharmed.
    let mut health = server.health();
    assert!(
        health
            .check(tonic_health::pb::HealthCheckRequest::default())
            .await
            .is_ok()
    );
}

fn rate(value: &str) -> pb::CreateExchangeRateRequest {
    pb::CreateExchangeRateRequest {
        exchange_rate: Some(pb::ExchangeRate {
            base_currency_code: "EUR".into(),
            quote_currency_code: "USD".into(),
            month: "2025-06".into(),
            rate: value.into(),
            source: "UN operational rates of exchange".into(),
            ..Default::default()
        }),
        request_id: rid(),
    }
}

#[sqlx::test(migrations = false)]
async fn absurd_rates_amounts_and_years_are_refused_at_the_edge(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut rates = ExchangeRateServiceClient::new(server.channel.clone());
    for value in ["99999999999999.9999999999", "0.0000000001", "1000001"] {
        assert_invalid(
            rates.create_exchange_rate(rate(value)).await,
            "RATE_OUT_OF_RANGE",
            "exchange_rate.rate",
        );
    }
    for month in ["0000-01", "9999-12"] {
        let mut request = rate("1.08");
        request.exchange_rate.as_mut().unwrap().month = month.into();
        assert_invalid(
            rates.create_exchange_rate(request).await,
            "DATE_OUT_OF_RANGE",
            "exchange_rate.month",
        );
    }
    // The bounds themselves are accepted.
    for (month, value) in [("2025-01", "0.000001"), ("2025-02", "1000000")] {
        let mut request = rate(value);
        request.exchange_rate.as_mut().unwrap().month = month.into();
        ok(rates.create_exchange_rate(request)).await;
    }

    let mut contributions = ContributionServiceClient::new(server.channel.clone());
    let contribution = |total: &str, agreement_date: &str| pb::CreateContributionRequest {
        contribution_id: "huge".into(),
        contribution: Some(pb::Contribution {
            donor: "organizations/belgium".into(),
            funding_type: pb::FundingType::Voluntary as i32,
            budget_part: pb::BudgetPart::Operational as i32,
            earmarking_category: 1,
            earmarking_modality: pb::EarmarkingModality::A as i32,
            status: pb::FlowStatus::Commitment as i32,
            total: Some(pb::Money {
                currency_code: "USD".into(),
                amount: total.into(),
            }),
            agreement_date: agreement_date.into(),
            period_start: "2025-01-01".into(),
            period_end: "2025-12-31".into(),
            ..Default::default()
        }),
        request_id: rid(),
    };
    for total in ["999999999999999.99", "1000000000000.00"] {
        let status = assert_refused(
            contributions
                .create_contribution(contribution(total, "2025-06-25"))
                .await,
            Code::InvalidArgument,
            "AMOUNT_TOO_LARGE",
            Some("contribution.total.amount"),
        );
        assert!(
            status.message().contains("999999999999.99"),
            "{}",
            status.message()
        );
    }
    for date in ["0000-01-01", "9999-12-31"] {
        assert_refused(
            contributions
                .create_contribution(contribution("1000.00", date))
                .await,
            Code::InvalidArgument,
            "DATE_OUT_OF_RANGE",
            Some("contribution.agreement_date"),
        );
    }

    let mut sessions = SessionServiceClient::new(server.channel.clone());
    assert_bad_filter(&mut sessions, "start_date >= \"0000-01-01\"").await;
}

/// The database holds the same bounds, whoever writes to it.
#[sqlx::test(migrations = false)]
async fn the_database_refuses_what_the_edge_refuses(pool: PgPool) {
    scpf_reports::store::migrate(&pool).await.unwrap();
    sqlx::query(
        "INSERT INTO exchange_rates (base_currency, quote_currency, month, created_at)
         VALUES ('EUR', 'USD', '2025-06-01', now())",
    )
    .execute(&pool)
    .await
    .unwrap();
    for (rate, constraint) in [
        ("99999999999999.9999999999", Some("rate_within_bounds")),
        ("0.0000000001", Some("rate_within_bounds")),
        ("1.0823", None),
    ] {
        let inserted = sqlx::query(
            "INSERT INTO exchange_rate_versions
                 (base_currency, quote_currency, month, revision, valid_from, rate, source)
             VALUES ('EUR', 'USD', '2025-06-01', 1, now(), $1::numeric, 'test')",
        )
        .bind(rate)
        .execute(&pool)
        .await;
        match constraint {
            Some(name) => {
                let err = inserted.expect_err(rate);
                let db = err.as_database_error().unwrap();
                assert_eq!(db.code().as_deref(), Some("23514"), "{rate}");
                assert_eq!(db.constraint(), Some(name), "{rate}");
            }
            None => {
                inserted.unwrap();
            }
        }
    }
    let constraints: Vec<String> = sqlx::query_scalar(
        "SELECT conname::text FROM pg_constraint WHERE conname LIKE '%below_a_trillion' ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        constraints,
        [
            "allocation_amount_below_a_trillion",
            "contribution_total_below_a_trillion",
            "installment_amount_below_a_trillion",
            "receipt_amount_below_a_trillion",
        ]
    );
}

/// Trailers carry the message and the details: both stay small.
fn trailer_bytes(status: &Status) -> usize {
    status.message().len() + status.details().len()
}

#[sqlx::test(migrations = false)]
async fn a_huge_input_gives_a_small_refusal(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let huge = "x".repeat(10_000);
    let mut organizations = server.organizations();
    let mut refusals = Vec::new();
    refusals.push(
        organizations
            .create_organization(pb::CreateOrganizationRequest {
                organization_id: huge.clone(),
                organization: Some(pb::Organization {
                    display_name: "Belgium".into(),
                    kind: pb::OrganizationKind::Government as i32,
                    ..Default::default()
                }),
                request_id: rid(),
            })
            .await
            .unwrap_err(),
    );
    refusals.push(
        organizations
            .create_organization(pb::CreateOrganizationRequest {
                organization_id: "belgium".into(),
                organization: Some(pb::Organization {
                    display_name: huge.clone(),
                    kind: pb::OrganizationKind::Government as i32,
                    ..Default::default()
                }),
                request_id: rid(),
            })
            .await
            .unwrap_err(),
    );
    refusals.push(
        organizations
            .get_organization(pb::GetOrganizationRequest {
                name: format!("organizations/{huge}"),
                as_of: None,
            })
            .await
            .unwrap_err(),
    );
    refusals.push(
        ExchangeRateServiceClient::new(server.channel.clone())
            .create_exchange_rate(rate(&format!("1.{huge}")))
            .await
            .unwrap_err(),
    );
    refusals.push(
        SessionServiceClient::new(server.channel.clone())
            .get_session(pb::GetSessionRequest {
                name: huge.clone(),
                ..Default::default()
            })
            .await
            .unwrap_err(),
    );
    refusals.push(
        ContributionServiceClient::new(server.channel.clone())
            .list_contributions(pb::ListContributionsRequest {
                filter: format!("donor = \"{}\"", &huge[..1000]),
                ..Default::default()
            })
            .await
            .unwrap_err(),
    );
    for status in &refusals {
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        assert!(
            trailer_bytes(status) < 1024,
            "{} bytes of trailers: {}",
            trailer_bytes(status),
            status.message()
        );
    }
}
