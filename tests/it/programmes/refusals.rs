//! Programmes refused, each naming the field that is wrong.

use super::*;

#[sqlx::test(migrations = false)]
async fn invalid_programmes_are_refused_naming_the_field(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    organizations(&server).await;
    let mut programmes = client(&server);
    ok(programmes.create_programme(create("west-africa", bare("WA")))).await;
    let with = |f: &dyn Fn(&mut pb::Programme)| {
        let mut p = o_remit();
        f(&mut p);
        create("o-remit", p)
    };
    let cases: Vec<(&str, pb::CreateProgrammeRequest, &str, &str)> = vec![
        (
            "bad id",
            create("O-REMIT", o_remit()),
            "INVALID_ID",
            "programme_id",
        ),
        ("no id", create("", o_remit()), "REQUIRED", "programme_id"),
        (
            "no programme",
            pb::CreateProgrammeRequest {
                programme: None,
                ..create("o-remit", o_remit())
            },
            "REQUIRED",
            "programme",
        ),
        (
            "no code",
            with(&|p| p.code = " ".into()),
            "REQUIRED",
            "programme.code",
        ),
        (
            "overlong code",
            with(&|p| p.code = "C".repeat(41)),
            "TOO_LONG",
            "programme.code",
        ),
        (
            "no title",
            with(&|p| p.title = String::new()),
            "REQUIRED",
            "programme.title",
        ),
        (
            "overlong title",
            with(&|p| p.title = "t".repeat(301)),
            "TOO_LONG",
            "programme.title",
        ),
        (
            "control characters",
            with(&|p| p.description = "bell\u{7}".into()),
            "INVALID_CHARACTERS",
            "programme.description",
        ),
        (
            "unknown country",
            with(&|p| p.country_codes = vec!["BE".into(), "LU".into(), "XX".into()]),
            "UNKNOWN_COUNTRY",
            "programme.country_codes[2]",
        ),
        (
            "lower case country",
            with(&|p| p.country_codes = vec!["be".into()]),
            "UNKNOWN_COUNTRY",
            "programme.country_codes[0]",
        ),
        (
            "duplicate country",
            with(&|p| p.country_codes = vec!["BE".into(), "LU".into(), "BE".into()]),
            "DUPLICATE_COUNTRY",
            "programme.country_codes[2]",
        ),
        (
            "unknown objective",
            with(&|p| p.srf_objective = 7),
            "UNKNOWN_ENUM_VALUE",
            "programme.srf_objective",
        ),
        (
            "unknown partner organization",
            with(&|p| p.partners = vec![partner("atlantis", PartnerRole::Funding)]),
            "UNKNOWN_ORGANIZATION",
            "programme.partners[0].organization",
        ),
        (
            "partner that is not an organization name",
            with(&|p| {
                p.partners = vec![
                    partner("belgium", PartnerRole::Funding),
                    pb::Partner {
                        organization: "belgium".into(),
                        role: PartnerRole::Funding as i32,
                    },
                ]
            }),
            "INVALID_NAME",
            "programme.partners[1].organization",
        ),
        (
            "partner without a role",
            with(&|p| p.partners = vec![partner("belgium", PartnerRole::Unspecified)]),
            "REQUIRED",
            "programme.partners[0].role",
        ),
        (
            "same partner twice in one role",
            with(&|p| {
                p.partners = vec![
                    partner("belgium", PartnerRole::Funding),
                    partner("belgium", PartnerRole::Funding),
                ]
            }),
            "DUPLICATE_PARTNER",
            "programme.partners[1]",
        ),
        (
            "unknown parent",
            with(&|p| p.parent = "programmes/atlantis".into()),
            "UNKNOWN_PROGRAMME",
            "programme.parent",
        ),
        (
            "parent that is not a programme name",
            with(&|p| p.parent = "organizations/belgium".into()),
            "INVALID_NAME",
            "programme.parent",
        ),
        (
            "its own parent",
            with(&|p| p.parent = "programmes/o-remit".into()),
            "PARENT_CYCLE",
            "programme.parent",
        ),
        (
            "bad start date",
            with(&|p| p.start_date = "2025-13-01".into()),
            "INVALID_DATE",
            "programme.start_date",
        ),
        (
            "ends before it starts",
            with(&|p| p.end_date = "2024-12-31".into()),
            "END_BEFORE_START",
            "programme.end_date",
        ),
        (
            "no request id",
            pb::CreateProgrammeRequest {
                request_id: String::new(),
                ..create("o-remit", o_remit())
            },
            "REQUIRED",
            "request_id",
        ),
    ];
    assert_each_invalid(cases, async |r| programmes.create_programme(r).await).await;
    // Nothing half-written: only west-africa and its own rows exist.
    assert_eq!(count(&pool, "programmes").await, 1);
    assert_eq!(count(&pool, "programme_partners").await, 0);
    assert_eq!(count(&pool, "programme_countries").await, 0);
    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE resource LIKE 'programmes/%'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(audited, 1);
}

#[sqlx::test(migrations = false)]
async fn invalid_updates_are_refused_naming_the_field(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    organizations(&server).await;
    let mut programmes = client(&server);
    let created = ok(programmes.create_programme(create("o-remit", o_remit()))).await;
    let with = |f: &dyn Fn(&mut pb::Programme)| {
        let mut p = created.clone();
        f(&mut p);
        update(p)
    };
    let cases: Vec<(&str, pb::UpdateProgrammeRequest, &str, &str)> = vec![
        (
            "no name",
            with(&|p| p.name = String::new()),
            "REQUIRED",
            "programme.name",
        ),
        (
            "bad name",
            with(&|p| p.name = "programmes/O-REMIT".into()),
            "INVALID_NAME",
            "programme.name",
        ),
        (
            "another collection",
            with(&|p| p.name = "organizations/o-remit".into()),
            "INVALID_NAME",
            "programme.name",
        ),
        (
            "unknown partner organization",
            with(&|p| p.partners.push(partner("atlantis", PartnerRole::Extending))),
            "UNKNOWN_ORGANIZATION",
            "programme.partners[2].organization",
        ),
        (
            "unknown country",
            with(&|p| p.country_codes.push("ZZ".into())),
            "UNKNOWN_COUNTRY",
            "programme.country_codes[2]",
        ),
        (
            "ends before it starts",
            with(&|p| p.start_date = "2030-01-01".into()),
            "END_BEFORE_START",
            "programme.end_date",
        ),
    ];
    assert_each_invalid(cases, async |r| programmes.update_programme(r).await).await;
    assert_eq!(count(&pool, "programme_versions").await, 1);
    assert_eq!(count(&pool, "programme_partners").await, 2);
}

#[sqlx::test(migrations = false)]
async fn a_parent_that_would_close_a_loop_is_refused(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut programmes = client(&server);
    let region = ok(programmes.create_programme(create("west-africa", bare("WA")))).await;
    ok(programmes.create_programme(create(
        "senegal",
        pb::Programme {
            parent: "programmes/west-africa".into(),
            ..bare("SN")
        },
    )))
    .await;
    ok(programmes.create_programme(create(
        "dakar",
        pb::Programme {
            parent: "programmes/senegal".into(),
            ..bare("DKR")
        },
    )))
    .await;
    for parent in [
        "programmes/dakar",
        "programmes/senegal",
        "programmes/west-africa",
    ] {
        let result = programmes
            .update_programme(update(pb::Programme {
                parent: parent.into(),
                ..region.clone()
            }))
            .await;
        assert_invalid(result, "PARENT_CYCLE", "programme.parent");
    }
    assert_eq!(count(&pool, "programme_versions").await, 3);

    // Moving a branch elsewhere in the tree is fine.
    let sahel = ok(programmes.create_programme(create("sahel", bare("SAHEL")))).await;
    let moved = ok(programmes.update_programme(update(pb::Programme {
        parent: "programmes/dakar".into(),
        ..sahel
    })))
    .await;
    assert_eq!(moved.parent, "programmes/dakar");
}
