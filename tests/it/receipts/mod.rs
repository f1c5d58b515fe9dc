//! Receipts: money received against a contribution, corrected by new revisions.

use scpf_reports::pb;
use sqlx::PgPool;
use tonic::Code;

use crate::support::paging::every;
use crate::{
    contributions::fixtures::{Client, belgium, client, count, create, money, setup},
    support::{assert_each_invalid, assert_invalid, assert_refused, ok, rid},
};

const BELGIUM: &str = "contributions/belgium-2025-2028";

async fn with_belgium(pool: &PgPool) -> (crate::support::TestServer, Client) {
    let server = setup(pool).await;
    let mut client = client(&server);
    ok(client.create_contribution(create("belgium-2025-2028", belgium()))).await;
    (server, client)
}

fn receipt(date: &str, currency: &str, amount: &str) -> pb::Receipt {
    pb::Receipt {
        received_date: date.into(),
        amount: money(currency, amount),
        reference: format!("BNP-{date}"),
        ..Default::default()
    }
}

fn record(parent: &str, receipt: pb::Receipt) -> pb::RecordReceiptRequest {
    pb::RecordReceiptRequest {
        parent: parent.into(),
        receipt: Some(receipt),
        request_id: rid(),
    }
}

fn correct(receipt: pb::Receipt, reason: &str) -> pb::CorrectReceiptRequest {
    pb::CorrectReceiptRequest {
        receipt: Some(receipt),
        reason: reason.into(),
        request_id: rid(),
    }
}

fn get(name: &str, as_of: Option<prost_types::Timestamp>) -> pb::GetReceiptRequest {
    pb::GetReceiptRequest {
        name: name.into(),
        as_of,
    }
}

#[sqlx::test(migrations = false)]
async fn a_receipt_is_recorded_and_read_back(pool: PgPool) {
    let (_server, mut client) = with_belgium(&pool).await;
    let request = record(BELGIUM, receipt("2025-07-15", "EUR", "1000000"));
    let recorded = ok(client.record_receipt(request.clone())).await;
    assert!(
        recorded
            .name
            .starts_with("contributions/belgium-2025-2028/receipts/")
    );
    assert_eq!(recorded.amount, money("EUR", "1000000.00"));
    assert_eq!((recorded.revision, recorded.etag.as_str()), (1, "r1"));
    assert!(!recorded.withdrawn);
    let read = ok(client.get_receipt(get(&recorded.name, None))).await;
    assert_eq!(read, recorded);

    // A retry is the same receipt, not a second one.
    let again = ok(client.record_receipt(request)).await;
    assert_eq!(again, recorded);
    assert_eq!(count(&pool, "receipts").await, 1);
}

#[sqlx::test(migrations = false)]
async fn receipts_of_unknown_contributions_or_names_are_not_found(pool: PgPool) {
    let (_server, mut client) = with_belgium(&pool).await;
    let result = client
        .record_receipt(record(
            "contributions/atlantis",
            receipt("2025-07-15", "EUR", "1.00"),
        ))
        .await;
    assert_refused(result, Code::NotFound, "NOT_FOUND", None);
    let recorded =
        ok(client.record_receipt(record(BELGIUM, receipt("2025-07-15", "EUR", "1.00")))).await;
    let result = client
        .get_receipt(get(&format!("{BELGIUM}/receipts/nothing"), None))
        .await;
    assert_refused(result, Code::NotFound, "NOT_FOUND", None);
    // The receipt's id under another contribution names nothing.
    let id = recorded.name.rsplit('/').next().unwrap();
    let result = client
        .get_receipt(get(&format!("contributions/other/receipts/{id}"), None))
        .await;
    assert_refused(result, Code::NotFound, "NOT_FOUND", None);
    let result = client
        .list_receipts(pb::ListReceiptsRequest {
            parent: "contributions/atlantis".into(),
            ..Default::default()
        })
        .await;
    assert_refused(result, Code::NotFound, "NOT_FOUND", None);
    let result = client.get_receipt(get("receipts/x", None)).await;
    assert_invalid(result, "INVALID_NAME", "name");
}

#[sqlx::test(migrations = false)]
async fn invalid_receipts_are_refused_naming_the_field(pool: PgPool) {
    let (_server, mut client) = with_belgium(&pool).await;
    let cases: Vec<(&str, pb::RecordReceiptRequest, &str, &str)> = vec![
        (
            "another currency",
            record(BELGIUM, receipt("2025-07-15", "USD", "1000.00")),
            "CURRENCY_MISMATCH",
            "receipt.amount.currency_code",
        ),
        (
            "negative amount",
            record(BELGIUM, receipt("2025-07-15", "EUR", "-5.00")),
            "NEGATIVE_AMOUNT",
            "receipt.amount.amount",
        ),
        (
            "zero",
            record(BELGIUM, receipt("2025-07-15", "EUR", "0")),
            "AMOUNT_NOT_POSITIVE",
            "receipt.amount.amount",
        ),
        (
            "too many decimals",
            record(BELGIUM, receipt("2025-07-15", "EUR", "5.001")),
            "TOO_MANY_DECIMALS",
            "receipt.amount.amount",
        ),
        (
            "no date",
            record(BELGIUM, receipt("", "EUR", "5.00")),
            "REQUIRED",
            "receipt.received_date",
        ),
        (
            "overlong reference",
            record(
                BELGIUM,
                pb::Receipt {
                    reference: "x".repeat(201),
                    ..receipt("2025-07-15", "EUR", "5.00")
                },
            ),
            "TOO_LONG",
            "receipt.reference",
        ),
        (
            "malformed parent",
            record("belgium", receipt("2025-07-15", "EUR", "5.00")),
            "INVALID_NAME",
            "parent",
        ),
    ];
    assert_each_invalid(cases, async |r| client.record_receipt(r).await).await;
    assert_eq!(count(&pool, "receipts").await, 0);
}

#[sqlx::test(migrations = false)]
async fn a_correction_is_a_new_revision_and_the_earlier_one_stays_readable(pool: PgPool) {
    let (server, mut client) = with_belgium(&pool).await;
    let recorded =
        ok(client.record_receipt(record(BELGIUM, receipt("2025-07-15", "EUR", "1000000.00"))))
            .await;
    let fixed = pb::Receipt {
        received_date: "2025-07-16".into(),
        amount: money("EUR", "999980.00"),
        ..recorded.clone()
    };
    let request = correct(fixed, "Bank charges deducted; value date corrected");
    let request_id = request.request_id.clone();
    let corrected = ok(client.correct_receipt(request)).await;
    assert_eq!((corrected.revision, corrected.etag.as_str()), (2, "r2"));
    assert_eq!(corrected.amount, money("EUR", "999980.00"));

    let then = ok(client.get_receipt(get(&recorded.name, recorded.update_time))).await;
    assert_eq!(then, recorded);
    let listed_then = ok(client.list_receipts(pb::ListReceiptsRequest {
        parent: BELGIUM.into(),
        as_of: recorded.update_time,
        ..Default::default()
    }))
    .await
    .receipts;
    assert_eq!(listed_then, std::slice::from_ref(&recorded));

    let events = ok(server
        .audit()
        .list_audit_events(pb::ListAuditEventsRequest {
            filter: format!("request_id = \"{request_id}\""),
            ..Default::default()
        }))
    .await
    .audit_events;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].resource, recorded.name);
    assert_eq!(
        events[0].reason,
        "Bank charges deducted; value date corrected"
    );
    assert_eq!(
        events[0].method,
        "scpf.v1.ContributionService/CorrectReceipt"
    );

    // Correcting to the same values writes nothing.
    let versions = count(&pool, "receipt_versions").await;
    let same = ok(client.correct_receipt(correct(corrected.clone(), "Checked"))).await;
    assert_eq!(same, corrected);
    assert_eq!(count(&pool, "receipt_versions").await, versions);
}

#[sqlx::test(migrations = false)]
async fn a_correction_with_a_stale_etag_is_aborted(pool: PgPool) {
    let (_server, mut client) = with_belgium(&pool).await;
    let recorded =
        ok(client.record_receipt(record(BELGIUM, receipt("2025-07-15", "EUR", "1000000.00"))))
            .await;
    ok(client.correct_receipt(correct(
        pb::Receipt {
            reference: "BNP-123".into(),
            ..recorded.clone()
        },
        "Reference",
    )))
    .await;
    let stale = pb::Receipt {
        reference: "BNP-456".into(),
        ..recorded
    };
    let result = client.correct_receipt(correct(stale, "Reference")).await;
    assert_refused(result, Code::Aborted, "ETAG_MISMATCH", None);
}

#[sqlx::test(migrations = false)]
async fn a_correction_needs_a_reason_and_keeps_the_currency(pool: PgPool) {
    let (_server, mut client) = with_belgium(&pool).await;
    let recorded =
        ok(client.record_receipt(record(BELGIUM, receipt("2025-07-15", "EUR", "1000000.00"))))
            .await;
    let result = client.correct_receipt(correct(recorded.clone(), "")).await;
    assert_invalid(result, "REQUIRED", "reason");
    let result = client
        .correct_receipt(correct(
            pb::Receipt {
                amount: money("USD", "1000000.00"),
                ..recorded.clone()
            },
            "Currency",
        ))
        .await;
    assert_invalid(result, "CURRENCY_MISMATCH", "receipt.amount.currency_code");
    let unknown = pb::Receipt {
        name: format!("{BELGIUM}/receipts/nothing"),
        ..recorded
    };
    let result = client.correct_receipt(correct(unknown, "Why")).await;
    assert_refused(result, Code::NotFound, "NOT_FOUND", None);
}

#[sqlx::test(migrations = false)]
async fn a_withdrawn_receipt_is_kept_and_marked(pool: PgPool) {
    let (_server, mut client) = with_belgium(&pool).await;
    let recorded =
        ok(client.record_receipt(record(BELGIUM, receipt("2025-07-15", "EUR", "1000000.00"))))
            .await;
    let withdrawn = ok(client.correct_receipt(correct(
        pb::Receipt {
            withdrawn: true,
            ..recorded.clone()
        },
        "Recorded twice",
    )))
    .await;
    assert!(withdrawn.withdrawn);
    let listed = |filter: &str| pb::ListReceiptsRequest {
        parent: BELGIUM.into(),
        filter: filter.into(),
        ..Default::default()
    };
    let active = ok(client.list_receipts(listed("withdrawn = false")))
        .await
        .receipts;
    assert!(active.is_empty());
    let all = ok(client.list_receipts(listed("withdrawn = true")))
        .await
        .receipts;
    assert_eq!(all, [withdrawn]);
}

#[sqlx::test(migrations = false)]
async fn receipts_are_listed_by_date_for_one_or_every_contribution(pool: PgPool) {
    let (_server, mut client) = with_belgium(&pool).await;
    ok(client.create_contribution(create(
        "luxembourg-2025",
        pb::Contribution {
            donor: "organizations/luxembourg".into(),
            ..belgium()
        },
    )))
    .await;
    let luxembourg = "contributions/luxembourg-2025";
    for (parent, date) in [
        (BELGIUM, "2026-07-01"),
        (luxembourg, "2025-08-01"),
        (BELGIUM, "2025-07-15"),
        (luxembourg, "2027-01-10"),
        (BELGIUM, "2027-07-01"),
    ] {
        ok(client.record_receipt(record(parent, receipt(date, "EUR", "1000000.00")))).await;
    }
    let list =
        |parent: &str, filter: &str, page_size: i32, page_token: String| pb::ListReceiptsRequest {
            parent: parent.into(),
            filter: filter.into(),
            page_size,
            page_token,
            as_of: None,
        };
    let dates = |receipts: &[pb::Receipt]| -> Vec<String> {
        receipts.iter().map(|r| r.received_date.clone()).collect()
    };

    let belgium = ok(client.list_receipts(list(BELGIUM, "", 0, String::new())))
        .await
        .receipts;
    assert_eq!(dates(&belgium), ["2025-07-15", "2026-07-01", "2027-07-01"]);
    assert!(belgium.iter().all(|r| r.name.starts_with(BELGIUM)));

    let every = every(
        &mut client,
        list("contributions/-", "", 0, String::new()),
        2,
    )
    .await;
    assert_eq!(
        dates(&every),
        [
            "2025-07-15",
            "2025-08-01",
            "2026-07-01",
            "2027-01-10",
            "2027-07-01"
        ]
    );

    let recent = ok(client.list_receipts(list(
        "contributions/-",
        r#"received_date >= "2026-01-01" AND received_date < "2027-07-01""#,
        0,
        String::new(),
    )))
    .await
    .receipts;
    assert_eq!(dates(&recent), ["2026-07-01", "2027-01-10"]);

    let first = ok(client.list_receipts(list("contributions/-", "", 2, String::new()))).await;
    let result = client
        .list_receipts(list(BELGIUM, "", 2, first.next_page_token))
        .await;
    assert_invalid(result, "PAGE_TOKEN_MISMATCH", "page_token");
    let result = client
        .list_receipts(list(BELGIUM, "amount > 5", 0, String::new()))
        .await;
    assert_invalid(result, "INVALID_FILTER", "filter");
}
