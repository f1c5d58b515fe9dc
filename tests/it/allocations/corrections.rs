//! Updates: new revisions, etags, and reads as of an earlier instant.

use scpf_reports::pb::{self, SrfObjective};
use sqlx::PgPool;
use tonic::Code;

use super::{client, count, create, get, to_o_remit, to_objective, update, usd};
use crate::support::fixtures;
use crate::support::{TestServer, assert_refused, ok};

#[sqlx::test(migrations = false)]
async fn an_update_writes_a_new_revision_and_past_reads_keep_the_original(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    fixtures::programme(&server, "o-remit", "o-remit").await;
    fixtures::programme(&server, "conex", "conex").await;
    let mut client = client(&server);
    let created = ok(client.create_allocation(create("diaspora", to_o_remit()))).await;
    let changed = ok(client.update_allocation(update(pb::Allocation {
        amount: usd("300000.25"),
        programme: "programmes/conex".into(),
        srf_objective: SrfObjective::Unspecified as i32,
        description: String::new(),
        ..created.clone()
    })))
    .await;
    assert_eq!((changed.revision, changed.etag.as_str()), (2, "r2"));
    assert_eq!(changed.amount, usd("300000.25"));
    assert_eq!(changed.programme, "programmes/conex");
    assert_eq!(changed.srf_objective, SrfObjective::Unspecified as i32);
    assert_eq!(changed.create_time, created.create_time);

    let then = ok(client.get_allocation(get(&created.name, created.update_time))).await;
    assert_eq!(then, created);
    let listed_then = ok(client.list_allocations(pb::ListAllocationsRequest {
        as_of: created.update_time,
        ..Default::default()
    }))
    .await
    .allocations;
    assert_eq!(listed_then, std::slice::from_ref(&created));
    let now = ok(client.get_allocation(get(&created.name, None))).await;
    assert_eq!(now, changed);
    assert_eq!(count(&pool, "allocation_versions").await, 2);
    assert_eq!(count(&pool, &fixtures::besides("audit_events")).await, 2);
}

#[sqlx::test(migrations = false)]
async fn an_update_with_a_stale_etag_is_aborted(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut client = client(&server);
    let created = ok(client.create_allocation(create(
        "lives",
        to_objective("2025-03-01", SrfObjective::SavingLives),
    )))
    .await;
    ok(client.update_allocation(update(pb::Allocation {
        amount: usd("5"),
        ..created.clone()
    })))
    .await;
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
    let unguarded = ok(client.update_allocation(update(pb::Allocation {
        amount: usd("7"),
        etag: String::new(),
        ..created
    })))
    .await;
    assert_eq!(unguarded.revision, 3);
}
