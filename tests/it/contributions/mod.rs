//! ContributionService: recording, reading, amending and listing contributions.

mod amendments;
pub mod fixtures;
mod import;
mod lists;

use scpf_reports::pb::{self, BudgetPart, EarmarkingCategory, EarmarkingModality};
use sqlx::PgPool;
use tonic::Code;

use crate::support::{all_at_once, assert_each_invalid, assert_refused, ok};
use fixtures::{
    WithCurrency, assessed, belgium, client, count, create, earmarked, get, installment, money,
    setup, with_total,
};

#[sqlx::test(migrations = false)]
async fn the_founding_example_is_recorded_and_read_back(pool: PgPool) {
    let server = setup(&pool).await;
    let mut client = client(&server);
    let created = ok(client.create_contribution(create("belgium-2025-2028", belgium()))).await;
    assert_eq!(created.name, "contributions/belgium-2025-2028");
    assert_eq!((created.revision, created.etag.as_str()), (1, "r1"));
    assert_eq!(created.budget_part, BudgetPart::Operational as i32);
    assert_eq!(created.total, money("EUR", "4000000.00"));
    let schedule: Vec<_> = created
        .installments
        .iter()
        .map(|i| (i.due_date.as_str(), i.amount.clone().unwrap().amount))
        .collect();
    assert_eq!(
        schedule,
        [
            ("2025-06-30", "1000000.00".to_owned()),
            ("2026-06-30", "1000000.00".to_owned()),
            ("2027-06-30", "1000000.00".to_owned()),
            ("2028-06-30", "1000000.00".to_owned()),
        ]
    );
    assert_eq!(created.announced_at, "sessions/36");
    assert!(created.create_time.is_some());

    let read = ok(client.get_contribution(get("contributions/belgium-2025-2028", None))).await;
    assert_eq!(read, created);
}

#[sqlx::test(migrations = false)]
async fn amounts_are_held_at_the_currency_minor_units(pool: PgPool) {
    let server = setup(&pool).await;
    let created =
        ok(client(&server)
            .create_contribution(create("belgium-round", with_total("EUR", "1000000"))))
        .await;
    assert_eq!(created.total, money("EUR", "1000000.00"));
    let jpy = pb::Contribution {
        earmarking_category: EarmarkingCategory::SoftlyEarmarked as i32,
        earmarking_modality: EarmarkingModality::E as i32,
        earmarked_to: "West Africa".into(),
        ..with_total("JPY", "150000000")
    };
    let created = ok(client(&server).create_contribution(create("japan", jpy))).await;
    assert_eq!(created.total, money("JPY", "150000000"));
}

#[sqlx::test(migrations = false)]
async fn a_contribution_without_an_id_is_named_by_the_server(pool: PgPool) {
    let server = setup(&pool).await;
    let mut client = client(&server);
    let request = create("", belgium());
    let created = ok(client.create_contribution(request.clone())).await;
    let id = created.name.strip_prefix("contributions/").unwrap();
    assert!(!id.is_empty());
    // A retry returns the same contribution, not a second one.
    let again = ok(client.create_contribution(request)).await;
    assert_eq!(again.name, created.name);
    assert_eq!(count(&pool, "contributions").await, 1);
}

#[sqlx::test(migrations = false)]
async fn an_unknown_contribution_is_not_found(pool: PgPool) {
    let server = setup(&pool).await;
    let result = client(&server)
        .get_contribution(get("contributions/atlantis", None))
        .await;
    assert_refused(result, Code::NotFound, "NOT_FOUND", None);
}

#[sqlx::test(migrations = false)]
async fn a_taken_id_is_already_exists(pool: PgPool) {
    let server = setup(&pool).await;
    let mut client = client(&server);
    ok(client.create_contribution(create("belgium-2025-2028", belgium()))).await;
    let again = client
        .create_contribution(create("belgium-2025-2028", belgium()))
        .await;
    assert_refused(again, Code::AlreadyExists, "ALREADY_EXISTS", None);
}

#[sqlx::test(migrations = false)]
async fn invalid_contributions_are_refused_naming_the_field(pool: PgPool) {
    let server = setup(&pool).await;
    let mut client = client(&server);
    let with = |f: &dyn Fn(&mut pb::Contribution)| {
        let mut c = belgium();
        f(&mut c);
        create("c", c)
    };
    let total = |currency: &str, amount: &str| create("c", with_total(currency, amount));
    let cases: Vec<(&str, pb::CreateContributionRequest, &str, &str)> = vec![
        (
            "negative amount",
            total("EUR", "-1000.00"),
            "NEGATIVE_AMOUNT",
            "contribution.total.amount",
        ),
        (
            "JPY with decimals",
            total("JPY", "1000.5"),
            "TOO_MANY_DECIMALS",
            "contribution.total.amount",
        ),
        (
            "USD with three decimals",
            total("USD", "1000.125"),
            "TOO_MANY_DECIMALS",
            "contribution.total.amount",
        ),
        (
            "KWD with four decimals",
            total("KWD", "1000.1250"),
            "TOO_MANY_DECIMALS",
            "contribution.total.amount",
        ),
        (
            "NaN",
            total("EUR", "NaN"),
            "INVALID_DECIMAL",
            "contribution.total.amount",
        ),
        (
            "infinity",
            total("EUR", "Infinity"),
            "INVALID_DECIMAL",
            "contribution.total.amount",
        ),
        (
            "exponent",
            total("EUR", "1e6"),
            "INVALID_DECIMAL",
            "contribution.total.amount",
        ),
        (
            "empty amount",
            total("EUR", ""),
            "REQUIRED",
            "contribution.total.amount",
        ),
        (
            "zero",
            total("EUR", "0.00"),
            "AMOUNT_NOT_POSITIVE",
            "contribution.total.amount",
        ),
        (
            "unknown currency",
            total("XYZ", "1000.00"),
            "UNKNOWN_CURRENCY",
            "contribution.total.currency_code",
        ),
        (
            "end before start",
            with(&|c| c.period_end = "2024-12-31".into()),
            "END_BEFORE_START",
            "contribution.period_end",
        ),
        (
            "installments not summing",
            with(&|c| {
                c.installments.pop();
            }),
            "INSTALLMENTS_DO_NOT_SUM",
            "contribution.installments",
        ),
        (
            "no installments",
            with(&|c| c.installments.clear()),
            "REQUIRED",
            "contribution.installments",
        ),
        (
            "installment in another currency",
            with(&|c| c.installments[1] = installment("2026-06-30", "USD", "1000000.00")),
            "CURRENCY_MISMATCH",
            "contribution.installments[1].amount.currency_code",
        ),
        (
            "installments out of order",
            with(&|c| c.installments.swap(0, 1)),
            "INSTALLMENTS_OUT_OF_ORDER",
            "contribution.installments[1].due_date",
        ),
        (
            "installment with a bad date",
            with(&|c| c.installments[0].due_date = "2025-02-30".into()),
            "INVALID_DATE",
            "contribution.installments[0].due_date",
        ),
        (
            "earmarked without programme",
            create("c", earmarked("")),
            "EARMARKED_WITHOUT_PROGRAMME",
            "contribution.programme",
        ),
        (
            "overlong description",
            with(&|c| c.description = "x".repeat(2001)),
            "TOO_LONG",
            "contribution.description",
        ),
        (
            "modality of another category",
            with(&|c| c.earmarking_modality = EarmarkingModality::G as i32),
            "MODALITY_CATEGORY_MISMATCH",
            "contribution.earmarking_modality",
        ),
        (
            "voluntary without a category",
            with(&|c| c.earmarking_category = 0),
            "REQUIRED",
            "contribution.earmarking_category",
        ),
        (
            "assessed not in CHF",
            create("c", assessed("belgium").with_currency("EUR")),
            "ASSESSED_NOT_IN_CHF",
            "contribution.total.currency_code",
        ),
        (
            "assessed with earmarking",
            create(
                "c",
                pb::Contribution {
                    earmarking_category: EarmarkingCategory::Unearmarked as i32,
                    ..assessed("belgium")
                },
            ),
            "ASSESSED_EARMARKED",
            "contribution.earmarking_category",
        ),
        (
            "assessed in the operational part",
            create(
                "c",
                pb::Contribution {
                    budget_part: BudgetPart::Operational as i32,
                    ..assessed("belgium")
                },
            ),
            "BUDGET_PART_MISMATCH",
            "contribution.budget_part",
        ),
        (
            "voluntary in the administrative part",
            with(&|c| c.budget_part = BudgetPart::Administrative as i32),
            "BUDGET_PART_MISMATCH",
            "contribution.budget_part",
        ),
        (
            "no funding type",
            with(&|c| c.funding_type = 0),
            "REQUIRED",
            "contribution.funding_type",
        ),
        (
            "no status",
            with(&|c| c.status = 0),
            "REQUIRED",
            "contribution.status",
        ),
        (
            "no agreement date",
            with(&|c| c.agreement_date.clear()),
            "REQUIRED",
            "contribution.agreement_date",
        ),
        (
            "no period start",
            with(&|c| c.period_start.clear()),
            "REQUIRED",
            "contribution.period_start",
        ),
        (
            "a malformed session",
            with(&|c| c.announced_at = "sessions/thirty-six".into()),
            "INVALID_NAME",
            "contribution.announced_at",
        ),
        (
            "a malformed donor",
            with(&|c| c.donor = "belgium".into()),
            "INVALID_NAME",
            "contribution.donor",
        ),
        (
            "bad id",
            create("Belgium 2025", belgium()),
            "INVALID_ID",
            "contribution_id",
        ),
        (
            "no request id",
            pb::CreateContributionRequest {
                request_id: String::new(),
                ..create("c", belgium())
            },
            "REQUIRED",
            "request_id",
        ),
    ];
    assert_each_invalid(cases, async |r| client.create_contribution(r).await).await;
    // No refusal left anything behind: the three organizations of the setup are the only writes.
    for table in ["contributions", "installments"] {
        assert_eq!(count(&pool, table).await, 0, "{table}");
    }
    for table in ["idempotency_keys", "audit_events"] {
        assert_eq!(
            count(&pool, &crate::support::fixtures::besides(table)).await,
            3,
            "{table}"
        );
    }
}
#[sqlx::test(migrations = false)]
async fn references_must_exist_and_assessed_money_comes_from_member_states(pool: PgPool) {
    let server = setup(&pool).await;
    let mut client = client(&server);
    let cases: Vec<(&str, pb::Contribution, &str, &str)> = vec![
        (
            "unknown donor",
            pb::Contribution {
                donor: "organizations/atlantis".into(),
                ..belgium()
            },
            "UNKNOWN_ORGANIZATION",
            "contribution.donor",
        ),
        (
            "unknown programme",
            earmarked("programmes/atlantis-fund"),
            "UNKNOWN_PROGRAMME",
            "contribution.programme",
        ),
        (
            "unknown session",
            pb::Contribution {
                announced_at: "sessions/99".into(),
                ..belgium()
            },
            "UNKNOWN_SESSION",
            "contribution.announced_at",
        ),
        (
            "assessed from a donor that is not a Member State",
            assessed("european-commission"),
            "DONOR_NOT_MEMBER_STATE",
            "contribution.donor",
        ),
    ];
    for (case, contribution, reason, field) in cases {
        let status = client
            .create_contribution(create("c", contribution))
            .await
            .expect_err(case);
        assert_refused::<()>(Err(status), Code::InvalidArgument, reason, Some(field));
    }
    assert_eq!(count(&pool, "contributions").await, 0);

    let assessed =
        ok(client.create_contribution(create("belgium-assessed-2025", assessed("belgium")))).await;
    assert_eq!(assessed.budget_part, BudgetPart::Administrative as i32);
    assert_eq!(assessed.earmarking_category, 0);
    let earmarked =
        ok(client.create_contribution(create("o-remit-2025", earmarked("programmes/o-remit"))))
            .await;
    assert_eq!(earmarked.programme, "programmes/o-remit");
}

#[sqlx::test(migrations = false)]
async fn a_replayed_create_returns_the_same_response_and_writes_nothing(pool: PgPool) {
    let server = setup(&pool).await;
    let mut client = client(&server);
    let request = create("belgium-2025-2028", belgium());
    let first = ok(client.create_contribution(request.clone())).await;
    let audits = count(&pool, "audit_events").await;
    let second = ok(client.create_contribution(request)).await;
    assert_eq!(first, second);
    assert_eq!(count(&pool, "audit_events").await, audits);
    assert_eq!(count(&pool, "contribution_versions").await, 1);
}

#[sqlx::test(migrations = false)]
async fn a_request_id_reused_for_another_contribution_is_refused(pool: PgPool) {
    let server = setup(&pool).await;
    let mut client = client(&server);
    let request = create("belgium-2025-2028", belgium());
    ok(client.create_contribution(request.clone())).await;
    let other = pb::CreateContributionRequest {
        contribution_id: "belgium-2029".into(),
        ..request
    };
    let result = client.create_contribution(other).await;
    assert_refused(result, Code::FailedPrecondition, "REQUEST_ID_REUSED", None);
}

#[sqlx::test(migrations = false)]
async fn fifty_concurrent_creates_with_one_request_id_write_one_contribution(pool: PgPool) {
    let server = setup(&pool).await;
    // No id: a second write would have made a second contribution with a new id.
    let request = create("", belgium());
    let responses = all_at_once(50, || {
        let (mut client, request) = (client(&server), request.clone());
        async move { client.create_contribution(request).await }
    })
    .await;
    assert!(responses.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(count(&pool, "contributions").await, 1);
    assert_eq!(count(&pool, "installments").await, 4);
}
