//! AllocationService: unearmarked USD assigned to programmes or to strategic objectives.

mod corrections;
mod lists;
mod refusals;

use scpf_reports::pb::{self, SrfObjective, allocation_service_client::AllocationServiceClient};
use sqlx::PgPool;
use tonic::{Code, transport::Channel};

use crate::support::fixtures;
use crate::support::{TestServer, assert_refused, count, ok, rid};

fn client(server: &TestServer) -> AllocationServiceClient<Channel> {
    AllocationServiceClient::new(server.channel.clone())
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

async fn names(client: &mut AllocationServiceClient<Channel>, filter: &str) -> Vec<String> {
    ok(client.list_allocations(pb::ListAllocationsRequest {
        filter: filter.into(),
        ..Default::default()
    }))
    .await
    .allocations
    .into_iter()
    .map(|a| a.name.trim_start_matches("allocations/").to_owned())
    .collect()
}

#[sqlx::test(migrations = false)]
async fn an_allocation_to_a_programme_is_created_and_read_back(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    fixtures::programme(&server, "o-remit", "o-remit").await;
    let mut client = client(&server);
    let created = ok(client.create_allocation(create("o-remit-2025", to_o_remit()))).await;
    assert_eq!(created.name, "allocations/o-remit-2025");
    assert_eq!(created.allocation_date, "2025-07-15");
    assert_eq!(created.amount, usd("250000.00"));
    assert_eq!(created.programme, "programmes/o-remit");
    assert_eq!(created.srf_objective, SrfObjective::RegularPathways as i32);
    assert_eq!(created.description, "Affordable remittances pilot");
    assert_eq!((created.revision, created.etag.as_str()), (1, "r1"));
    assert!(created.create_time.is_some());

    let read = ok(client.get_allocation(get("allocations/o-remit-2025", None))).await;
    assert_eq!(read, created);
}

#[sqlx::test(migrations = false)]
async fn an_allocation_to_an_objective_needs_no_programme(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut client = client(&server);
    let created = ok(client.create_allocation(create(
        "displacement",
        to_objective("2025-03-01", SrfObjective::SolutionsToDisplacement),
    )))
    .await;
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
    let first = ok(client.create_allocation(request.clone())).await;
    let id = first.name.strip_prefix("allocations/").unwrap();
    assert!(!id.is_empty());
    let retried = ok(client.create_allocation(request.clone())).await;
    assert_eq!(retried, first);
    assert_eq!(count(&pool, "allocations").await, 1);

    // A new request gets a new id.
    let other = ok(client.create_allocation(create(
        "",
        to_objective("2025-03-01", SrfObjective::SavingLives),
    )))
    .await;
    assert_ne!(other.name, first.name);
    let read = ok(client.get_allocation(get(&first.name, None))).await;
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
    ok(client.create_allocation(create("lives", allocation.clone()))).await;
    let again = client.create_allocation(create("lives", allocation)).await;
    assert_refused(again, Code::AlreadyExists, "ALREADY_EXISTS", None);
}

#[sqlx::test(migrations = false)]
async fn replayed_requests_return_the_same_allocation_and_write_once(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut client = client(&server);
    let request = create(
        "lives",
        to_objective("2025-03-01", SrfObjective::SavingLives),
    );
    let first = ok(client.create_allocation(request.clone())).await;
    let second = ok(client.create_allocation(request.clone())).await;
    assert_eq!(first, second);

    let correction = update(pb::Allocation {
        amount: usd("5"),
        ..first.clone()
    });
    let corrected = ok(client.update_allocation(correction.clone())).await;
    let replayed = ok(client.update_allocation(correction)).await;
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
