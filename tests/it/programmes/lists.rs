//! Listing programmes: order, pages, page tokens and filters.

use super::*;
use crate::support::paging::{assert_page_tokens, every};

#[sqlx::test(migrations = false)]
async fn programmes_are_listed_by_name_a_page_at_a_time(pool: PgPool) {
    let server = TestServer::start(pool).await;
    organizations(&server).await;
    let mut programmes = client(&server);
    // Each programme has its own partners and countries, so a page that mixed them up shows.
    let countries = ["BE", "LU", "SN", "ML", "NE", "GM", "UA"];
    for (i, country) in countries.iter().enumerate().rev() {
        ok(programmes.create_programme(create(
            &format!("project-{i}"),
            pb::Programme {
                country_codes: vec![(*country).into()],
                partners: if i % 2 == 0 {
                    vec![partner("belgium", PartnerRole::Funding)]
                } else {
                    vec![
                        partner("fedasil", PartnerRole::Implementing),
                        partner("enabel", PartnerRole::Extending),
                    ]
                },
                ..bare(&format!("P{i}"))
            },
        )))
        .await;
    }
    let seen = every(&mut programmes, pb::ListProgrammesRequest::default(), 3).await;
    let want: Vec<String> = (0..7).map(|i| format!("programmes/project-{i}")).collect();
    assert_eq!(names(&seen), want);
    for (i, p) in seen.iter().enumerate() {
        assert_eq!(p.country_codes, [countries[i]], "{}", p.name);
        assert_eq!(
            p.partners.len(),
            if i % 2 == 0 { 1 } else { 2 },
            "{}",
            p.name
        );
        assert_eq!(p.code, format!("P{i}"));
    }
}

#[sqlx::test(migrations = false)]
async fn page_tokens_sizes_and_filters_are_checked(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut programmes = client(&server);
    for i in 0..4 {
        ok(programmes.create_programme(create(
            &format!("project-{i}"),
            pb::Programme {
                country_codes: vec!["BE".into()],
                ..bare(&format!("P{i}"))
            },
        )))
        .await;
    }
    assert_page_tokens(
        &mut programmes,
        "country_code = BE",
        "country_code = LU",
        2,
        5,
    )
    .await;

    for bad in [
        "title = x",
        "country_code = XX",
        "country_code > BE",
        "srf_objective = 4",
        "srf_objective = FLYING",
        "parent = west-africa",
        "parent = \"organizations/belgium\"",
    ] {
        let result = programmes.list_programmes(list(bad)).await;
        assert_invalid(result, "INVALID_FILTER", "filter");
    }

    for bad in [
        "programmes/",
        "programmes/O-REMIT",
        "o-remit",
        "programmes/a/b",
    ] {
        let result = programmes.get_programme(get(bad)).await;
        assert_invalid(result, "INVALID_NAME", "name");
    }
}

#[sqlx::test(migrations = false)]
async fn programmes_are_filtered_by_country_objective_and_parent(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let mut programmes = client(&server);
    let recorded: [(&str, &[&str], SrfObjective, &str); 4] = [
        ("west-africa", &["SN", "ML"], SrfObjective::SavingLives, ""),
        (
            "senegal",
            &["SN"],
            SrfObjective::SolutionsToDisplacement,
            "programmes/west-africa",
        ),
        (
            "mali",
            &["ML"],
            SrfObjective::Unspecified,
            "programmes/west-africa",
        ),
        ("o-remit", &["BE"], SrfObjective::RegularPathways, ""),
    ];
    for (id, countries, objective, parent) in recorded {
        ok(programmes.create_programme(create(
            id,
            pb::Programme {
                country_codes: countries.iter().map(|c| (*c).into()).collect(),
                srf_objective: objective as i32,
                parent: parent.into(),
                ..bare(id)
            },
        )))
        .await;
    }
    let cases: &[(&str, &[&str])] = &[
        (
            "country_code = \"SN\"",
            &["programmes/senegal", "programmes/west-africa"],
        ),
        (
            "country_code != SN",
            &["programmes/mali", "programmes/o-remit"],
        ),
        ("srf_objective = 3", &["programmes/o-remit"]),
        ("srf_objective = SAVING_LIVES", &["programmes/west-africa"]),
        (
            "srf_objective = SRF_OBJECTIVE_SOLUTIONS_TO_DISPLACEMENT",
            &["programmes/senegal"],
        ),
        (
            "srf_objective != 3",
            &[
                "programmes/mali",
                "programmes/senegal",
                "programmes/west-africa",
            ],
        ),
        (
            "parent = \"programmes/west-africa\"",
            &["programmes/mali", "programmes/senegal"],
        ),
        (
            "parent = \"\"",
            &["programmes/o-remit", "programmes/west-africa"],
        ),
        (
            "parent != \"programmes/west-africa\"",
            &["programmes/o-remit", "programmes/west-africa"],
        ),
        (
            "parent = \"programmes/west-africa\" AND country_code = ML",
            &["programmes/mali"],
        ),
    ];
    for (filter, want) in cases {
        let got = ok(programmes.list_programmes(list(filter)))
            .await
            .programmes;
        assert_eq!(names(&got), *want, "{filter}");
    }
}
