//! Filters are bounded, and repeated conditions on one field are answered set-wise: a filter of
//! many conditions costs one comparison per field, not one subquery per condition.

use std::{collections::BTreeSet, time::Instant};

use scpf_reports::{
    domain::filter::{MAX_CONDITIONS, MAX_LENGTH},
    pb::{self, programme_service_client::ProgrammeServiceClient},
};
use sqlx::PgPool;
use tonic::{Code, transport::Channel};

use crate::support::paging::every_name;
use crate::support::{TestServer, assert_refused, ok, rid};

fn programmes(server: &TestServer) -> ProgrammeServiceClient<Channel> {
    ProgrammeServiceClient::new(server.channel.clone())
}

/// Countries of each programme, by id.
const WORLD: [(&str, &[&str]); 6] = [
    ("benelux", &["BE", "LU", "NL"]),
    ("belgium-only", &["BE"]),
    ("belgium-luxembourg", &["BE", "LU"]),
    ("sahel", &["SN", "ML", "NE"]),
    ("west-africa", &["SN", "ML", "NE", "GM", "GN", "CI"]),
    ("nowhere", &[]),
];

async fn create_world(server: &TestServer) {
    let mut client = programmes(server);
    for (id, countries) in WORLD {
        ok(client.create_programme(pb::CreateProgrammeRequest {
            programme_id: id.into(),
            programme: Some(pb::Programme {
                code: id.to_uppercase(),
                title: format!("Programme {id}"),
                country_codes: countries.iter().map(|c| (*c).to_owned()).collect(),
                ..Default::default()
            }),
            request_id: rid(),
        }))
        .await;
    }
}

async fn listed(server: &TestServer, filter: &str) -> BTreeSet<String> {
    let mut client = programmes(server);
    let request = pb::ListProgrammesRequest {
        filter: filter.to_owned(),
        ..Default::default()
    };
    every_name(&mut client, request, 2)
        .await
        .into_iter()
        .collect()
}

/// What the filter means, computed from the world itself: every `=` country is one the
/// programme has, every `!=` country one it has not.
fn expected(must: &[&str], must_not: &[&str]) -> BTreeSet<String> {
    WORLD
        .iter()
        .filter(|(_, countries)| {
            must.iter().all(|c| countries.contains(c))
                && must_not.iter().all(|c| !countries.contains(c))
        })
        .map(|(id, _)| format!("programmes/{id}"))
        .collect()
}

fn filter(must: &[&str], must_not: &[&str]) -> String {
    must.iter()
        .map(|c| format!("country_code = \"{c}\""))
        .chain(must_not.iter().map(|c| format!("country_code != {c}")))
        .collect::<Vec<_>>()
        .join(" AND ")
}

#[sqlx::test(migrations = false)]
async fn repeated_country_conditions_keep_their_meaning(pool: PgPool) {
    let server = TestServer::start(pool).await;
    create_world(&server).await;
    let cases: [(&[&str], &[&str]); 8] = [
        (&["BE"], &[]),
        (&["BE", "LU"], &[]),
        (&["BE", "LU", "BE", "LU", "BE"], &[]),
        (&["BE"], &["NL"]),
        (&[], &["BE", "SN"]),
        (&["SN", "ML", "NE"], &["GM"]),
        (&["BE", "SN"], &[]),
        (&[], &["BE", "BE", "ML"]),
    ];
    for (must, must_not) in cases {
        let text = filter(must, must_not);
        assert_eq!(
            listed(&server, &text).await,
            expected(must, must_not),
            "{text}"
        );
    }
}

#[sqlx::test(migrations = false)]
async fn a_filter_at_the_condition_cap_is_answered_quickly(pool: PgPool) {
    let server = TestServer::start(pool).await;
    create_world(&server).await;
    // The cap in conditions, cycling through the countries of West Africa, with a few `!=`.
    let west_africa = WORLD[4].1;
    let must: Vec<&str> = west_africa
        .iter()
        .copied()
        .cycle()
        .take(MAX_CONDITIONS - 2)
        .collect();
    let must_not = ["BE", "LU"];
    let text = filter(&must, &must_not);
    assert!(text.chars().count() <= MAX_LENGTH, "{}", text.len());
    let started = Instant::now();
    assert_eq!(
        listed(&server, &text).await,
        expected(&must, &must_not),
        "{text}"
    );
    assert!(
        started.elapsed().as_secs() < 5,
        "took {:?}",
        started.elapsed()
    );
}

#[sqlx::test(migrations = false)]
async fn a_filter_over_its_caps_is_refused_with_the_cap_in_the_message(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut client = programmes(&server);
    let many = vec!["country_code = BE"; MAX_CONDITIONS + 1].join(" AND ");
    let long = format!("country_code = \"{}\"", "B".repeat(MAX_LENGTH));
    // A few hundred conditions: what once held the pool for minutes.
    let hundreds = vec!["country_code = BE"; 400].join(" AND ");
    for (text, cap) in [
        (many, MAX_CONDITIONS),
        (long, MAX_LENGTH),
        (hundreds, MAX_LENGTH),
    ] {
        let status = assert_refused(
            client
                .list_programmes(pb::ListProgrammesRequest {
                    filter: text.clone(),
                    ..Default::default()
                })
                .await,
            Code::InvalidArgument,
            "INVALID_FILTER",
            Some("filter"),
        );
        assert!(
            status.message().contains(&cap.to_string()),
            "{}",
            status.message()
        );
        assert!(status.message().len() < 200, "{}", status.message());
    }
    // Every List reads its filter the same way.
    let mut organizations = server.organizations();
    assert_refused(
        organizations
            .list_organizations(pb::ListOrganizationsRequest {
                filter: vec!["member_state = true"; MAX_CONDITIONS + 1].join(" AND "),
                ..Default::default()
            })
            .await,
        Code::InvalidArgument,
        "INVALID_FILTER",
        Some("filter"),
    );
}

#[sqlx::test(migrations = false)]
async fn repeated_conditions_on_a_single_valued_field_all_hold(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut organizations = server.organizations();
    for (id, country) in [("belgium", "BE"), ("luxembourg", "LU"), ("senegal", "SN")] {
        ok(
            organizations.create_organization(pb::CreateOrganizationRequest {
                organization_id: id.into(),
                organization: Some(pb::Organization {
                    display_name: id.to_uppercase(),
                    kind: pb::OrganizationKind::Government as i32,
                    member_state: true,
                    country_code: country.into(),
                    ..Default::default()
                }),
                request_id: rid(),
            }),
        )
        .await;
    }
    // Two different values of one field cannot both hold.
    assert!(
        organizations_listed(&server, "country_code = BE AND country_code = LU")
            .await
            .is_empty()
    );
    assert_eq!(
        organizations_listed(&server, "country_code = BE AND country_code = \"BE\"").await,
        ["organizations/belgium"]
    );
    assert_eq!(
        organizations_listed(
            &server,
            "country_code != BE AND country_code != LU AND country_code != BE"
        )
        .await,
        ["organizations/senegal"]
    );
}

async fn organizations_listed(server: &TestServer, filter: &str) -> Vec<String> {
    server
        .organizations()
        .list_organizations(pb::ListOrganizationsRequest {
            filter: filter.to_owned(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|s| panic!("{filter}: {s:?}"))
        .into_inner()
        .organizations
        .into_iter()
        .map(|o| o.name)
        .collect()
}
