//! ListContributions: filters, pages and as-of reads.

use scpf_reports::pb::{self, EarmarkingCategory, EarmarkingModality, FlowStatus};
use sqlx::PgPool;

use super::fixtures::{
    Client, assessed, belgium, client, create, earmarked, money, setup, with_total,
};
use crate::support::paging::{assert_bad_filter, assert_page_tokens, pages};
use crate::support::{ok, rid};

/// Five agreements of three donors in three currencies: every filter keeps some and drops some.
async fn record_five(client: &mut Client) {
    let luxembourg = pb::Contribution {
        donor: "organizations/luxembourg".into(),
        earmarking_category: EarmarkingCategory::SoftlyEarmarked as i32,
        earmarking_modality: EarmarkingModality::D as i32,
        status: FlowStatus::Pledge as i32,
        agreement_date: "2024-11-05".into(),
        ..with_total("USD", "300000.00")
    };
    let o_remit = pb::Contribution {
        donor: "organizations/european-commission".into(),
        agreement_date: "2025-03-01".into(),
        ..earmarked("programmes/o-remit")
    };
    let conex = pb::Contribution {
        donor: "organizations/european-commission".into(),
        earmarking_category: EarmarkingCategory::TightlyEarmarked as i32,
        earmarking_modality: EarmarkingModality::I as i32,
        programme: "programmes/conex".into(),
        agreement_date: "2026-01-10".into(),
        period_start: "2026-01-01".into(),
        period_end: "2026-12-31".into(),
        ..with_total("EUR", "120000.00")
    };
    let belgium_assessed = pb::Contribution {
        agreement_date: "2025-01-15".into(),
        ..assessed("belgium")
    };
    for (id, c) in [
        ("belgium-2025-2028", belgium()),
        ("belgium-assessed-2025", belgium_assessed),
        ("luxembourg-pledge", luxembourg),
        ("o-remit-2025", o_remit),
        ("conex-2026", conex),
    ] {
        ok(client.create_contribution(create(id, c))).await;
    }
}

async fn names(client: &mut Client, filter: &str) -> Vec<String> {
    client
        .list_contributions(pb::ListContributionsRequest {
            filter: filter.into(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{filter}: {s:?}"))
        .into_inner()
        .contributions
        .into_iter()
        .map(|c| c.name.trim_start_matches("contributions/").to_owned())
        .collect()
}

#[sqlx::test(migrations = false)]
async fn contributions_are_filtered_by_each_documented_field(pool: PgPool) {
    let server = setup(&pool).await;
    let mut client = client(&server);
    record_five(&mut client).await;
    let cases: [(&str, &[&str]); 12] = [
        (
            "",
            &[
                "belgium-2025-2028",
                "belgium-assessed-2025",
                "conex-2026",
                "luxembourg-pledge",
                "o-remit-2025",
            ],
        ),
        (
            r#"donor = "organizations/belgium""#,
            &["belgium-2025-2028", "belgium-assessed-2025"],
        ),
        ("funding_type = ASSESSED", &["belgium-assessed-2025"]),
        ("earmarking_category = 3", &["o-remit-2025"]),
        ("earmarking_category = TIGHTLY_EARMARKED", &["conex-2026"]),
        ("status = PLEDGE", &["luxembourg-pledge"]),
        (
            r#"currency_code = "USD""#,
            &["luxembourg-pledge", "o-remit-2025"],
        ),
        (r#"programme = "programmes/conex""#, &["conex-2026"]),
        (
            r#"programme != "programmes/conex""#,
            &[
                "belgium-2025-2028",
                "belgium-assessed-2025",
                "luxembourg-pledge",
                "o-remit-2025",
            ],
        ),
        (
            r#"agreement_date >= "2025-03-01""#,
            &["belgium-2025-2028", "conex-2026", "o-remit-2025"],
        ),
        (r#"agreement_date < "2025-01-01""#, &["luxembourg-pledge"]),
        (
            r#"donor = "organizations/european-commission" AND agreement_date <= "2025-12-31""#,
            &["o-remit-2025"],
        ),
    ];
    for (filter, expected) in cases {
        assert_eq!(names(&mut client, filter).await, expected, "{filter}");
    }
    for bad in [
        "donor = belgium",
        "colour = red",
        "earmarking_category = 5",
        "agreement_date >= 2025",
    ] {
        assert_bad_filter::<pb::ListContributionsRequest, _>(&mut client, bad).await;
    }
}

#[sqlx::test(migrations = false)]
async fn contributions_page_by_name_and_tokens_are_checked(pool: PgPool) {
    let server = setup(&pool).await;
    let mut client = client(&server);
    record_five(&mut client).await;
    let pages = pages(&mut client, pb::ListContributionsRequest::default(), 2).await;
    assert_eq!(pages.len(), 3);
    let seen: Vec<String> = pages
        .into_iter()
        .flatten()
        .map(|c| {
            // Each contribution carries its own schedule.
            assert!(!c.installments.is_empty(), "{}", c.name);
            c.name
        })
        .collect();
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted);
    assert_eq!(seen.len(), 5);

    assert_page_tokens::<pb::ListContributionsRequest, _>(
        &mut client,
        "status = COMMITMENT",
        "status = PLEDGE",
        2,
        4,
    )
    .await;
}

#[sqlx::test(migrations = false)]
async fn a_list_as_of_an_instant_shows_the_versions_and_schedules_in_force_then(pool: PgPool) {
    let server = setup(&pool).await;
    let mut client = client(&server);
    let created = ok(client.create_contribution(create("belgium-2025-2028", belgium()))).await;
    let mut amended = created.clone();
    amended.status = FlowStatus::Pledge as i32;
    amended.total = money("EUR", "3000000.00");
    amended.installments.pop();
    ok(client.amend_contribution(pb::AmendContributionRequest {
        contribution: Some(amended),
        reason: "Reduced to three years".into(),
        request_id: rid(),
    }))
    .await;
    ok(client.create_contribution(create("later", with_total("EUR", "10.00")))).await;

    let then = ok(client.list_contributions(pb::ListContributionsRequest {
        as_of: created.update_time,
        ..Default::default()
    }))
    .await
    .contributions;
    assert_eq!(then, std::slice::from_ref(&created));
    let committed_then = ok(client.list_contributions(pb::ListContributionsRequest {
        as_of: created.update_time,
        filter: "status = COMMITMENT".into(),
        ..Default::default()
    }))
    .await
    .contributions;
    assert_eq!(committed_then.len(), 1);

    let now = names(&mut client, "status = PLEDGE").await;
    assert_eq!(now, ["belgium-2025-2028"]);
    let current = ok(client.list_contributions(pb::ListContributionsRequest::default()))
        .await
        .contributions;
    assert_eq!(current[0].installments.len(), 3);
    assert_eq!(current.len(), 2);
}
