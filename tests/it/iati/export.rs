//! ExportIati: every export validates against the official IATI 2.03 activities schema (with
//! xmllint), and importing an export into an empty database gives back the same data.

use std::{path::PathBuf, str::FromStr};

use scpf_reports::pb::{self, IatiOutcome};
use sqlx::{PgPool, postgres::PgConnectOptions};

use super::{Client, client, document, export, import, o_remit};
use crate::support::{TestServer, ok, rid};

/// Where `scripts/test` caches the IATI 2.03 schemas (`IATI_SCHEMAS` overrides).
fn schemas() -> PathBuf {
    if let Ok(dir) = std::env::var("IATI_SCHEMAS") {
        return PathBuf::from(dir);
    }
    let cache = std::env::var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache"));
    cache.join("scpf-reports/iati-2.03/schemas")
}

/// Validates a document with xmllint against the activities schema; panics with xmllint's
/// words when it is not valid.
pub fn validate(doc: &str) {
    let schema = schemas().join("iati-activities-schema.xsd");
    assert!(
        schema.exists(),
        "{} is missing: scripts/test fetches it (ensure_iati_tools)",
        schema.display()
    );
    let file = std::env::temp_dir().join(format!("iati-export-{}.xml", uuid::Uuid::new_v4()));
    std::fs::write(&file, doc).unwrap();
    let xmllint = std::env::var("XMLLINT").unwrap_or_else(|_| "xmllint".to_owned());
    let output = std::process::Command::new(&xmllint)
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("{xmllint} cannot run ({e}): scripts/test installs it"));
    let _ = std::fs::remove_file(&file);
    assert!(
        output.status.success(),
        "the export does not validate:\n{}\n{doc}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn money(currency: &str, amount: &str) -> Option<pb::Money> {
    Some(pb::Money {
        currency_code: currency.into(),
        amount: amount.into(),
    })
}

/// Data entered through the API (assisted voluntary return with Fedasil, a sub-programme with
/// no partners and no dates, a contribution with two installments announced at the 36th
/// session, receipts one of them withdrawn, indicators with dimensions and measurements), plus
/// the O-REMIT activity imported from IATI.
pub(super) async fn seed(server: &TestServer, iati: &mut Client) {
    crate::support::fixtures::session(server, 36).await;
    let mut orgs = server.organizations();
    for (id, name, kind, member_state, country, iati_ref) in [
        (
            "belgium",
            "Belgium",
            pb::OrganizationKind::Government,
            true,
            "BE",
            "XM-DAC-2-10",
        ),
        (
            "fedasil",
            "Fedasil",
            pb::OrganizationKind::OtherPublicSector,
            false,
            "BE",
            "",
        ),
    ] {
        ok(orgs.create_organization(pb::CreateOrganizationRequest {
            organization_id: id.into(),
            organization: Some(pb::Organization {
                display_name: name.into(),
                kind: kind as i32,
                member_state,
                country_code: country.into(),
                iati_ref: iati_ref.into(),
                ..Default::default()
            }),
            request_id: rid(),
        }))
        .await;
    }
    let mut programmes =
        pb::programme_service_client::ProgrammeServiceClient::new(server.channel.clone());
    ok(programmes.create_programme(pb::CreateProgrammeRequest {
        programme_id: "avr-belgium".into(),
        programme: Some(pb::Programme {
            code: "AVR-BE".into(),
            title: "Assisted voluntary return from Belgium".into(),
            description: "Over 90,000 returns since 1984 <with> Fedasil & partners".into(),
            country_codes: vec!["BE".into(), "LU".into()],
            thematic_area: "Return and reintegration".into(),
            srf_objective: pb::SrfObjective::SolutionsToDisplacement as i32,
            partners: vec![
                pb::Partner {
                    organization: "organizations/belgium".into(),
                    role: pb::PartnerRole::Funding as i32,
                },
                pb::Partner {
                    organization: "organizations/fedasil".into(),
                    role: pb::PartnerRole::Implementing as i32,
                },
            ],
            start_date: "1984-01-01".into(),
            ..Default::default()
        }),
        request_id: rid(),
    }))
    .await;
    ok(programmes.create_programme(pb::CreateProgrammeRequest {
        programme_id: "avr-counselling".into(),
        programme: Some(pb::Programme {
            code: "AVR-COUNSEL".into(),
            title: "Return counselling".into(),
            parent: "programmes/avr-belgium".into(),
            ..Default::default()
        }),
        request_id: rid(),
    }))
    .await;
    let mut contributions =
        pb::contribution_service_client::ContributionServiceClient::new(server.channel.clone());
    let c = ok(
        contributions.create_contribution(pb::CreateContributionRequest {
            contribution_id: "belgium-avr-2025".into(),
            contribution: Some(pb::Contribution {
                donor: "organizations/belgium".into(),
                funding_type: pb::FundingType::Voluntary as i32,
                earmarking_category: pb::EarmarkingCategory::Earmarked as i32,
                earmarking_modality: pb::EarmarkingModality::G as i32,
                programme: "programmes/avr-belgium".into(),
                earmarked_to: "Voluntary return".into(),
                status: pb::FlowStatus::Commitment as i32,
                total: money("EUR", "1500000.00"),
                installments: vec![
                    pb::Installment {
                        due_date: "2025-03-31".into(),
                        amount: money("EUR", "750000.00"),
                    },
                    pb::Installment {
                        due_date: "2025-09-30".into(),
                        amount: money("EUR", "750000.00"),
                    },
                ],
                agreement_date: "2025-01-15".into(),
                period_start: "2025-01-01".into(),
                period_end: "2025-12-31".into(),
                announced_at: "sessions/36".into(),
                description: "Return and reintegration".into(),
                ..Default::default()
            }),
            request_id: rid(),
        }),
    )
    .await;
    for (date, amount, reference) in [
        ("2025-04-02", "750000.00", "BNP-2025-041"),
        ("2025-05-02", "10.00", "typo"),
    ] {
        ok(contributions.record_receipt(pb::RecordReceiptRequest {
            parent: c.name.clone(),
            receipt: Some(pb::Receipt {
                received_date: date.into(),
                amount: money("EUR", amount),
                reference: reference.into(),
                ..Default::default()
            }),
            request_id: rid(),
        }))
        .await;
    }
    let wrong = ok(contributions.list_receipts(pb::ListReceiptsRequest {
        parent: c.name.clone(),
        ..Default::default()
    }))
    .await
    .receipts
    .into_iter()
    .find(|r| r.reference == "typo")
    .unwrap();
    ok(contributions.correct_receipt(pb::CorrectReceiptRequest {
        receipt: Some(pb::Receipt {
            withdrawn: true,
            ..wrong
        }),
        reason: "recorded twice".into(),
        request_id: rid(),
    }))
    .await;
    let mut results = pb::result_service_client::ResultServiceClient::new(server.channel.clone());
    for (id, level, measure, dims, baseline) in [
        (
            "returns",
            pb::ResultLevel::Output,
            pb::IndicatorMeasure::Unit,
            vec!["sex", "country"],
            Some(("0", "1984-01-01", "since the start")),
        ),
        (
            "satisfaction",
            pb::ResultLevel::Outcome,
            pb::IndicatorMeasure::Percentage,
            vec![],
            None,
        ),
    ] {
        ok(results.create_indicator(pb::CreateIndicatorRequest {
            parent: "programmes/avr-belgium".into(),
            indicator_id: id.into(),
            indicator: Some(pb::Indicator {
                title: format!("Indicator {id}"),
                description: "How many".into(),
                result_level: level as i32,
                measure: measure as i32,
                direction: pb::IndicatorDirection::Increasing as i32,
                cumulative: id == "returns",
                baseline: Some(match baseline {
                    Some((value, date, comment)) => pb::Baseline {
                        value: value.into(),
                        date: date.into(),
                        comment: comment.into(),
                    },
                    None => pb::Baseline {
                        comment: "no baseline survey".into(),
                        ..Default::default()
                    },
                }),
                dimensions: dims.into_iter().map(String::from).collect(),
                unit: if id == "returns" {
                    "persons".into()
                } else {
                    String::new()
                },
                ..Default::default()
            }),
            request_id: rid(),
        }))
        .await;
    }
    for (indicator, dims, target, actual, verified) in [
        ("returns", vec![("sex", "female")], "2000", "1432", true),
        (
            "returns",
            vec![("sex", "male"), ("country", "BE")],
            "",
            "1800.25",
            false,
        ),
        ("returns", vec![], "4000", "", false),
        ("satisfaction", vec![], "80", "87.5", true),
    ] {
        ok(results.record_measurement(pb::RecordMeasurementRequest {
            parent: format!("programmes/avr-belgium/indicators/{indicator}"),
            measurement: Some(pb::Measurement {
                period_start: "2025-01-01".into(),
                period_end: "2025-12-31".into(),
                target: target.into(),
                actual: actual.into(),
                dimensions: dims
                    .into_iter()
                    .map(|(k, v)| (k.into(), v.into()))
                    .collect(),
                source: "Fedasil".into(),
                verified,
                comment: if verified {
                    "checked".into()
                } else {
                    String::new()
                },
                ..Default::default()
            }),
            request_id: rid(),
        }))
        .await;
    }
    let doc = document(&[o_remit("2025-06-30T12:00:00Z", "O-REMIT", "2000000.00", "")]);
    let imported = import(iati, &doc).await.unwrap();
    assert_eq!(imported.failed, 0, "{imported:?}");
}

#[sqlx::test(migrations = false)]
async fn every_export_validates_against_the_iati_schema(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut iati = client(&server);
    seed(&server, &mut iati).await;
    let all = export(&mut iati, &[]).await;
    validate(&all);
    // Parents come before their children; the imported activity keeps its identifier and
    // published date, value dates and reporting organisation.
    let order: Vec<usize> = [
        "XM-DAC-47066-AVR-BE<",
        "XM-DAC-47066-AVR-COUNSEL<",
        "XM-DAC-47066-BE-O-REMIT<",
    ]
    .iter()
    .map(|id| {
        all.find(id)
            .unwrap_or_else(|| panic!("{id} missing from\n{all}"))
    })
    .collect();
    assert!(order[0] < order[1], "{all}");
    assert!(
        all.contains("last-updated-datetime=\"2025-06-30T12:00:00Z\""),
        "{all}"
    );
    assert!(
        all.contains("<value currency=\"EUR\" value-date=\"2025-07-10\">1000000.00</value>"),
        "{all}"
    );
    assert!(
        all.contains("<related-activity ref=\"XM-DAC-47066-AVR-BE\" type=\"1\"/>"),
        "{all}"
    );
    assert!(
        !all.contains("typo"),
        "a withdrawn receipt is not published:\n{all}"
    );
    let one = export(&mut iati, &["programmes/avr-counselling"]).await;
    validate(&one);
    assert_eq!(one.matches("<iati-activity ").count(), 1);
}

/// Every resource of a server, without what only says when and how often it was written.
async fn data(server: &TestServer) -> Vec<String> {
    let ch = || server.channel.clone();
    let mut out = Vec::new();
    let mut programmes = ok(
        pb::programme_service_client::ProgrammeServiceClient::new(ch())
            .list_programmes(pb::ListProgrammesRequest::default()),
    )
    .await
    .programmes;
    for p in &mut programmes {
        (p.revision, p.etag, p.create_time, p.update_time) = (0, String::new(), None, None);
        out.push(format!("{p:?}"));
    }
    let mut orgs = ok(server
        .organizations()
        .list_organizations(pb::ListOrganizationsRequest::default()))
    .await
    .organizations;
    for o in &mut orgs {
        (o.revision, o.etag, o.create_time, o.update_time) = (0, String::new(), None, None);
        out.push(format!("{o:?}"));
    }
    let mut c = pb::contribution_service_client::ContributionServiceClient::new(ch());
    let mut contributions = ok(c.list_contributions(pb::ListContributionsRequest::default()))
        .await
        .contributions;
    for x in &mut contributions {
        (x.revision, x.etag, x.create_time, x.update_time) = (0, String::new(), None, None);
        out.push(format!("{x:?}"));
    }
    let mut receipts = ok(c.list_receipts(pb::ListReceiptsRequest {
        parent: "contributions/-".into(),
        ..Default::default()
    }))
    .await
    .receipts;
    receipts.retain(|r| !r.withdrawn);
    for r in &mut receipts {
        (r.revision, r.etag, r.create_time, r.update_time) = (0, String::new(), None, None);
        out.push(format!("{r:?}"));
    }
    let mut results = pb::result_service_client::ResultServiceClient::new(ch());
    let mut indicators = ok(results.list_indicators(pb::ListIndicatorsRequest {
        parent: "programmes/-".into(),
        ..Default::default()
    }))
    .await
    .indicators;
    for i in &mut indicators {
        (i.revision, i.etag, i.create_time, i.update_time) = (0, String::new(), None, None);
        out.push(format!("{i:?}"));
    }
    let mut measurements = ok(results.list_measurements(pb::ListMeasurementsRequest {
        parent: "programmes/-/indicators/-".into(),
        ..Default::default()
    }))
    .await
    .measurements;
    for m in &mut measurements {
        // Measurement ids are assigned by the server: the indicator, period and dimension
        // values identify one.
        let indicator = m.name.rsplit_once("/measurements/").unwrap().0.to_owned();
        m.name = indicator;
        (m.revision, m.etag, m.create_time, m.update_time) = (0, String::new(), None, None);
        out.push(format!("{m:?}"));
    }
    out.sort();
    out
}

/// A second, empty database beside the test's own, and its pool.
pub(super) async fn second_database(pool: &PgPool) -> (PgPool, String) {
    let name: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(pool)
        .await
        .unwrap();
    // Names are cut at 63 bytes: a suffix could make the same name again.
    let other = format!(
        "iati_copy_{}",
        &uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, name.as_bytes())
            .simple()
            .to_string()[..16]
    );
    let drop = format!("DROP DATABASE IF EXISTS \"{other}\"");
    let create = format!("CREATE DATABASE \"{other}\"");
    sqlx::QueryBuilder::<sqlx::Postgres>::new(drop)
        .build()
        .execute(pool)
        .await
        .unwrap();
    sqlx::QueryBuilder::<sqlx::Postgres>::new(create)
        .build()
        .execute(pool)
        .await
        .unwrap();
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let options = PgConnectOptions::from_str(&url).unwrap().database(&other);
    (PgPool::connect_with(options).await.unwrap(), other)
}

#[sqlx::test(migrations = false)]
async fn importing_an_export_gives_back_the_same_data(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut iati = client(&server);
    seed(&server, &mut iati).await;
    let first = export(&mut iati, &[]).await;

    let (copy_pool, copy_name) = second_database(&pool).await;
    let copy = TestServer::start(copy_pool.clone()).await;
    crate::support::fixtures::session(&copy, 36).await;
    let mut copy_iati = client(&copy);
    let imported = import(&mut copy_iati, &first).await.unwrap();
    assert!(
        imported
            .activities
            .iter()
            .all(|a| a.outcome == IatiOutcome::Created as i32),
        "{imported:?}"
    );
    // What an export writes only for the schema's sake is not taken for data.
    assert_eq!(imported.unused, Default::default(), "{imported:?}");
    assert_eq!(data(&server).await, data(&copy).await);
    let second = export(&mut copy_iati, &[]).await;
    assert_eq!(first, second);

    // Importing the export into the database it came from changes none of its data.
    let before = data(&server).await;
    let again = import(&mut iati, &first).await.unwrap();
    assert_eq!(again.failed, 0, "{again:?}");
    assert_eq!(data(&server).await, before);

    copy.stop().await;
    copy_pool.close().await;
    let drop = format!("DROP DATABASE IF EXISTS \"{copy_name}\" WITH (FORCE)");
    sqlx::QueryBuilder::<sqlx::Postgres>::new(drop)
        .build()
        .execute(&pool)
        .await
        .unwrap();
}
