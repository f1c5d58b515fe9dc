//! AllocationService: unearmarked USD assigned to programmes or to strategic objectives.

use scpf_reports::pb::{self, SrfObjective, allocation_service_client::AllocationServiceClient};
use sqlx::PgPool;
use tonic::{Code, transport::Channel};

use crate::support::{TestServer, assert_refused, rid};

fn client(server: &TestServer) -> AllocationServiceClient<Channel> {
    AllocationServiceClient::new(server.channel.clone())
}

/// Records a programme straight in the database: these tests need one to point at, not the
/// programme API.
async fn insert_programme(pool: &PgPool, id: &str) {
    sqlx::query("INSERT INTO programmes (id, created_at) VALUES ($1, clock_timestamp())")
        .bind(id)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO programme_versions (programme_id, revision, valid_from, code, title,
             description, thematic_area, srf_objective)
         VALUES ($1, 1, clock_timestamp(), upper($1), $1, '', 'diaspora', 3)",
    )
    .bind(id)
    .execute(pool)
    .await
    .unwrap();
}

fn usd(amount: &str) -> Option<pb::Money> {
    Some(pb::Money {
        currency_code: "USD".into(),
        amount: amount.into(),
    })
}

fn to_o_remit() -> pb::Allocation {
    pb::Allocation {
        allocation_date: "2025-07-15".into(),
        amount: usd("250000"),
        programme: "programmes/o-remit".into(),
        srf_objective: SrfObjective::RegularPathways as i32,
        description: "Affordable remittances pilot".into(),
        ..Default::default()
    }
}

fn to_objective(date: &str, objective: SrfObjective) -> pb::Allocation {
    pb::Allocation {
        allocation_date: date.into(),
        amount: usd("100000.50"),
        srf_objective: objective as i32,
        ..Default::default()
    }
}

fn create(id: &str, a: pb::Allocation) -> pb::CreateAllocationRequest {
    pb::CreateAllocationRequest {
        allocation_id: id.into(),
        allocation: Some(a),
        request_id: rid(),
    }
}

fn get(name: &str, as_of: Option<prost_types::Timestamp>) -> pb::GetAllocationRequest {
    pb::GetAllocationRequest {
        name: name.into(),
        as_of,
    }
}

fn update(a: pb::Allocation) -> pb::UpdateAllocationRequest {
    pb::UpdateAllocationRequest {
        allocation: Some(a),
        request_id: rid(),
    }
}

async fn count(pool: &PgPool, table: &str) -> i64 {
    let sql = match table {
        "allocations" => "SELECT count(*) FROM allocations",
        "allocation_versions" => "SELECT count(*) FROM allocation_versions",
        _ => "SELECT count(*) FROM audit_events",
    };
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

async fn names(client: &mut AllocationServiceClient<Channel>, filter: &str) -> Vec<String> {
    client
        .list_allocations(pb::ListAllocationsRequest {
            filter: filter.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .allocations
        .into_iter()
        .map(|a| a.name.trim_start_matches("allocations/").to_owned())
        .collect()
}

#[sqlx::test(migrations = false)]
async fn an_allocation_to_a_programme_is_created_and_read_back(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    insert_programme(&pool, "o-remit").await;
    let mut client = client(&server);
    let created = client
        .create_allocation(create("o-remit-2025", to_o_remit()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.name, "allocations/o-remit-2025");
    assert_eq!(created.allocation_date, "2025-07-15");
    assert_eq!(created.amount, usd("250000.00"));
    assert_eq!(created.programme, "programmes/o-remit");
    assert_eq!(created.srf_objective, SrfObjective::RegularPathways as i32);
    assert_eq!(created.description, "Affordable remittances pilot");
    assert_eq!((created.revision, created.etag.as_str()), (1, "r1"));
    assert!(created.create_time.is_some());

    let read = client
        .get_allocation(get("allocations/o-remit-2025", None))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(read, created);
}

#[sqlx::test(migrations = false)]
async fn an_allocation_to_an_objective_needs_no_programme(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut client = client(&server);
    let created = client
        .create_allocation(create(
            "displacement",
            to_objective("2025-03-01", SrfObjective::SolutionsToDisplacement),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.programme, "");
    assert_eq!(
        created.srf_objective,
        SrfObjective::SolutionsToDisplacement as i32
    );
    assert_eq!(created.amount, usd("100000.50"));
    assert_eq!(created.description, "");
}

#[sqlx::test(migrations = false)]
async fn an_allocation_without_an_id_gets_one_and_a_retry_replays_it(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut client = client(&server);
    let request = create("", to_objective("2025-03-01", SrfObjective::SavingLives));
    let first = client
        .create_allocation(request.clone())
        .await
        .unwrap()
        .into_inner();
    let id = first.name.strip_prefix("allocations/").unwrap();
    assert!(!id.is_empty());
    let retried = client
        .create_allocation(request.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(retried, first);
    assert_eq!(count(&pool, "allocations").await, 1);

    // A new request gets a new id.
    let other = client
        .create_allocation(create(
            "",
            to_objective("2025-03-01", SrfObjective::SavingLives),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_ne!(other.name, first.name);
    let read = client
        .get_allocation(get(&first.name, None))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(read, first);
}

#[sqlx::test(migrations = false)]
async fn an_unknown_allocation_is_not_found(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut client = client(&server);
    let missing = client
        .get_allocation(get("allocations/nowhere", None))
        .await;
    assert_refused(missing, Code::NotFound, "NOT_FOUND", None);
    let correction = client
        .update_allocation(update(pb::Allocation {
            name: "allocations/nowhere".into(),
            ..to_objective("2025-03-01", SrfObjective::SavingLives)
        }))
        .await;
    assert_refused(correction, Code::NotFound, "NOT_FOUND", None);
}

#[sqlx::test(migrations = false)]
async fn a_taken_id_already_exists(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut client = client(&server);
    let allocation = to_objective("2025-03-01", SrfObjective::SavingLives);
    client
        .create_allocation(create("lives", allocation.clone()))
        .await
        .unwrap();
    let again = client.create_allocation(create("lives", allocation)).await;
    assert_refused(again, Code::AlreadyExists, "ALREADY_EXISTS", None);
}

#[sqlx::test(migrations = false)]
async fn invalid_allocations_are_refused_naming_the_field(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    insert_programme(&pool, "o-remit").await;
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
            "INVALID_ENUM",
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
    for (case, request, reason, field) in cases {
        let status = client.create_allocation(request).await.expect_err(case);
        assert_refused::<()>(Err(status), Code::InvalidArgument, reason, Some(field));
    }
    assert_eq!(count(&pool, "allocations").await, 0);
    assert_eq!(count(&pool, "audit_events").await, 0);
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
        assert_refused(result, Code::InvalidArgument, reason, Some("name"));
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
async fn an_update_writes_a_new_revision_and_past_reads_keep_the_original(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    insert_programme(&pool, "o-remit").await;
    insert_programme(&pool, "conex").await;
    let mut client = client(&server);
    let created = client
        .create_allocation(create("diaspora", to_o_remit()))
        .await
        .unwrap()
        .into_inner();
    let changed = client
        .update_allocation(update(pb::Allocation {
            amount: usd("300000.25"),
            programme: "programmes/conex".into(),
            srf_objective: SrfObjective::Unspecified as i32,
            description: String::new(),
            ..created.clone()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((changed.revision, changed.etag.as_str()), (2, "r2"));
    assert_eq!(changed.amount, usd("300000.25"));
    assert_eq!(changed.programme, "programmes/conex");
    assert_eq!(changed.srf_objective, SrfObjective::Unspecified as i32);
    assert_eq!(changed.create_time, created.create_time);

    let then = client
        .get_allocation(get(&created.name, created.update_time))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(then, created);
    let listed_then = client
        .list_allocations(pb::ListAllocationsRequest {
            as_of: created.update_time,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .allocations;
    assert_eq!(listed_then, std::slice::from_ref(&created));
    let now = client
        .get_allocation(get(&created.name, None))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(now, changed);
    assert_eq!(count(&pool, "allocation_versions").await, 2);
    assert_eq!(count(&pool, "audit_events").await, 2);
}

#[sqlx::test(migrations = false)]
async fn an_update_is_validated_like_a_create(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    insert_programme(&pool, "o-remit").await;
    let mut client = client(&server);
    let created = client
        .create_allocation(create("diaspora", to_o_remit()))
        .await
        .unwrap()
        .into_inner();
    let unknown = client
        .update_allocation(update(pb::Allocation {
            programme: "programmes/atlantis".into(),
            ..created.clone()
        }))
        .await;
    assert_refused(
        unknown,
        Code::InvalidArgument,
        "UNKNOWN_PROGRAMME",
        Some("allocation.programme"),
    );
    let in_chf = client
        .update_allocation(update(pb::Allocation {
            amount: Some(pb::Money {
                currency_code: "CHF".into(),
                amount: "1000".into(),
            }),
            ..created.clone()
        }))
        .await;
    assert_refused(
        in_chf,
        Code::InvalidArgument,
        "CURRENCY_NOT_ALLOWED",
        Some("allocation.amount.currency_code"),
    );
    let nowhere = client
        .update_allocation(update(pb::Allocation {
            programme: String::new(),
            srf_objective: SrfObjective::Unspecified as i32,
            ..created.clone()
        }))
        .await;
    assert_refused(
        nowhere,
        Code::InvalidArgument,
        "ALLOCATION_WITHOUT_DESTINATION",
        Some("allocation.srf_objective"),
    );
    assert_eq!(count(&pool, "allocation_versions").await, 1);
}

#[sqlx::test(migrations = false)]
async fn an_update_with_a_stale_etag_is_aborted(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut client = client(&server);
    let created = client
        .create_allocation(create(
            "lives",
            to_objective("2025-03-01", SrfObjective::SavingLives),
        ))
        .await
        .unwrap()
        .into_inner();
    client
        .update_allocation(update(pb::Allocation {
            amount: usd("5"),
            ..created.clone()
        }))
        .await
        .unwrap();
    let stale = client
        .update_allocation(update(pb::Allocation {
            amount: usd("6"),
            ..created.clone()
        }))
        .await;
    let status = assert_refused(stale, Code::Aborted, "ETAG_MISMATCH", None);
    assert!(status.message().contains("r2"), "{}", status.message());
    let unknown_etag = client
        .update_allocation(update(pb::Allocation {
            amount: usd("6"),
            etag: "whatever".into(),
            ..created.clone()
        }))
        .await;
    assert_refused(unknown_etag, Code::Aborted, "ETAG_MISMATCH", None);
    // Without an etag the write is not guarded.
    let unguarded = client
        .update_allocation(update(pb::Allocation {
            amount: usd("7"),
            etag: String::new(),
            ..created
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(unguarded.revision, 3);
}

#[sqlx::test(migrations = false)]
async fn replayed_requests_return_the_same_allocation_and_write_once(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut client = client(&server);
    let request = create(
        "lives",
        to_objective("2025-03-01", SrfObjective::SavingLives),
    );
    let first = client
        .create_allocation(request.clone())
        .await
        .unwrap()
        .into_inner();
    let second = client
        .create_allocation(request.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first, second);

    let correction = update(pb::Allocation {
        amount: usd("5"),
        ..first.clone()
    });
    let corrected = client
        .update_allocation(correction.clone())
        .await
        .unwrap()
        .into_inner();
    let replayed = client
        .update_allocation(correction)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(corrected, replayed);
    assert_eq!(count(&pool, "allocation_versions").await, 2);
    assert_eq!(count(&pool, "audit_events").await, 2);

    let reused = client
        .create_allocation(pb::CreateAllocationRequest {
            allocation_id: "other".into(),
            ..request
        })
        .await;
    assert_refused(reused, Code::FailedPrecondition, "REQUEST_ID_REUSED", None);
    assert_eq!(count(&pool, "allocations").await, 1);
}

#[sqlx::test(migrations = false)]
async fn allocations_are_listed_by_date_then_name_page_by_page(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut client = client(&server);
    for (id, date) in [
        ("c", "2025-02-01"),
        ("a", "2025-03-01"),
        ("b", "2025-02-01"),
        ("e", "2024-12-31"),
        ("d", "2025-02-01"),
        ("f", "2025-03-01"),
    ] {
        client
            .create_allocation(create(id, to_objective(date, SrfObjective::SavingLives)))
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = client
            .list_allocations(pb::ListAllocationsRequest {
                page_size: 2,
                page_token: token.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        assert!(page.allocations.len() <= 2);
        seen.extend(page.allocations.into_iter().map(|a| a.name));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    let expected: Vec<String> = ["e", "b", "c", "d", "a", "f"]
        .iter()
        .map(|id| format!("allocations/{id}"))
        .collect();
    assert_eq!(seen, expected);

    let first = client
        .list_allocations(pb::ListAllocationsRequest {
            page_size: 2,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let other_query = client
        .list_allocations(pb::ListAllocationsRequest {
            page_size: 2,
            page_token: first.next_page_token.clone(),
            filter: "srf_objective = 1".into(),
            as_of: None,
        })
        .await;
    assert_refused(
        other_query,
        Code::InvalidArgument,
        "PAGE_TOKEN_MISMATCH",
        Some("page_token"),
    );
    let mut tampered = first.next_page_token.into_bytes();
    tampered[4] ^= 1;
    let tampered = client
        .list_allocations(pb::ListAllocationsRequest {
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
    let negative = client
        .list_allocations(pb::ListAllocationsRequest {
            page_size: -1,
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
async fn allocations_are_filtered_by_programme_objective_and_date(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    insert_programme(&pool, "o-remit").await;
    insert_programme(&pool, "conex").await;
    let mut client = client(&server);
    let to = |programme: &str, objective: SrfObjective, date: &str| pb::Allocation {
        allocation_date: date.into(),
        amount: usd("1000"),
        programme: programme.into(),
        srf_objective: objective as i32,
        ..Default::default()
    };
    for (id, allocation) in [
        (
            "remit-1",
            to(
                "programmes/o-remit",
                SrfObjective::RegularPathways,
                "2025-01-10",
            ),
        ),
        (
            "remit-2",
            to(
                "programmes/o-remit",
                SrfObjective::RegularPathways,
                "2025-07-10",
            ),
        ),
        (
            "conex-1",
            to("programmes/conex", SrfObjective::Unspecified, "2025-04-01"),
        ),
        ("lives", to("", SrfObjective::SavingLives, "2025-06-30")),
    ] {
        client
            .create_allocation(create(id, allocation))
            .await
            .unwrap();
    }
    for (filter, expected) in [
        (
            r#"programme = "programmes/o-remit""#,
            &["remit-1", "remit-2"][..],
        ),
        (r#"programme = "programmes/nothing""#, &[]),
        (r#"programme = """#, &["lives"]),
        (
            r#"programme != "programmes/o-remit""#,
            &["conex-1", "lives"],
        ),
        ("srf_objective = 3", &["remit-1", "remit-2"]),
        ("srf_objective = REGULAR_PATHWAYS", &["remit-1", "remit-2"]),
        ("srf_objective = SRF_OBJECTIVE_SAVING_LIVES", &["lives"]),
        ("srf_objective = 0", &["conex-1"]),
        ("srf_objective != 3", &["conex-1", "lives"]),
        (
            r#"allocation_date >= "2025-04-01""#,
            &["conex-1", "lives", "remit-2"],
        ),
        (
            r#"allocation_date > "2025-04-01" AND allocation_date <= "2025-06-30""#,
            &["lives"],
        ),
        (
            r#"programme = "programmes/o-remit" AND allocation_date < "2025-06-01""#,
            &["remit-1"],
        ),
    ] {
        assert_eq!(names(&mut client, filter).await, expected, "{filter}");
    }
    for bad in [
        "srf_objective = 4",
        "srf_objective > 1",
        "allocation_date >= 2025",
        r#"programme > "programmes/a""#,
        "amount > 5",
    ] {
        let result = client
            .list_allocations(pb::ListAllocationsRequest {
                filter: bad.into(),
                ..Default::default()
            })
            .await;
        assert_refused(
            result,
            Code::InvalidArgument,
            "INVALID_FILTER",
            Some("filter"),
        );
    }
}
