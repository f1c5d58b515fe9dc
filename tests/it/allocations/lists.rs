//! Listing allocations: order, pages and filters.

use scpf_reports::pb::{self, SrfObjective};
use sqlx::PgPool;

use super::{client, create, names, to_objective, usd};
use crate::support::fixtures;
use crate::support::paging::{assert_bad_filter, assert_page_tokens, every_name};
use crate::support::{TestServer, ok};

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
        ok(client.create_allocation(create(id, to_objective(date, SrfObjective::SavingLives))))
            .await;
    }
    let seen = every_name(&mut client, pb::ListAllocationsRequest::default(), 2).await;
    let expected: Vec<String> = ["e", "b", "c", "d", "a", "f"]
        .iter()
        .map(|id| format!("allocations/{id}"))
        .collect();
    assert_eq!(seen, expected);

    assert_page_tokens(&mut client, "", "srf_objective = 1", 2, 4).await;
}

#[sqlx::test(migrations = false)]
async fn allocations_are_filtered_by_programme_objective_and_date(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    fixtures::programme(&server, "o-remit", "o-remit").await;
    fixtures::programme(&server, "conex", "conex").await;
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
        ok(client.create_allocation(create(id, allocation))).await;
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
        assert_bad_filter(&mut client, bad).await;
    }
}
