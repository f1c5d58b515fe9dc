//! ImportIati: what each element becomes, what is counted as unused, idempotency on the
//! identifier and last-updated-datetime, and refusals with line, column and element.

use std::collections::BTreeMap;

use scpf_reports::pb::{self, IatiOutcome};
use sqlx::PgPool;

use super::{client, count, document, import, minimal, o_remit};
use crate::support::{TestServer, assert_invalid, ok};

const PROGRAMME: &str = "programmes/xm-dac-47066-be-o-remit";

fn outcomes(r: &pb::ImportIatiResponse) -> Vec<IatiOutcome> {
    r.activities
        .iter()
        .map(|a| IatiOutcome::try_from(a.outcome).unwrap())
        .collect()
}

async fn contributions(server: &TestServer) -> Vec<pb::Contribution> {
    let mut c =
        pb::contribution_service_client::ContributionServiceClient::new(server.channel.clone());
    ok(c.list_contributions(pb::ListContributionsRequest::default()))
        .await
        .contributions
}

#[sqlx::test(migrations = false)]
async fn an_activity_becomes_a_programme_with_its_partners_funding_and_results(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut iati = client(&server);
    let doc = document(&[o_remit(
        "2025-06-30T12:00:00Z",
        "O-REMIT remittances",
        "2000000.00",
        "",
    )]);
    let response = import(&mut iati, &doc).await.unwrap();
    assert_eq!(outcomes(&response), [IatiOutcome::Created], "{response:?}");
    let result = &response.activities[0];
    assert_eq!(result.iati_identifier, "XM-DAC-47066-BE-O-REMIT");
    assert_eq!((result.line, result.column), (3, 1));
    assert_eq!(result.programme, PROGRAMME);
    let unused: BTreeMap<&str, i64> = result
        .unused
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(
        unused,
        BTreeMap::from([
            ("contact-info", 1),
            ("description", 1),
            ("planned-disbursement/@type", 2),
            ("planned-disbursement/period-end", 2),
            ("title/narrative", 1),
            ("transaction/flow-type", 1),
        ])
    );
    assert_eq!(response.unused, result.unused);

    let mut programmes =
        pb::programme_service_client::ProgrammeServiceClient::new(server.channel.clone());
    let p = ok(programmes.get_programme(pb::GetProgrammeRequest {
        name: PROGRAMME.into(),
        as_of: None,
    }))
    .await;
    assert_eq!(p.code, "BE-O-REMIT");
    assert_eq!(p.title, "O-REMIT remittances");
    assert_eq!(
        p.description,
        "Affordable remittances and diaspora investment"
    );
    assert_eq!(p.country_codes, ["ML", "SN"]);
    // The actual start wins over the planned one; there is only a planned end.
    assert_eq!(
        (p.start_date.as_str(), p.end_date.as_str()),
        ("2025-02-01", "2028-12-31")
    );
    let partners: Vec<(String, i32)> = p
        .partners
        .iter()
        .map(|x| (x.organization.clone(), x.role))
        .collect();
    assert_eq!(
        partners,
        [
            (
                "organizations/xm-dac-2-10".to_owned(),
                pb::PartnerRole::Funding as i32
            ),
            (
                "organizations/be-bce-kbo-0123456789".to_owned(),
                pb::PartnerRole::Accountable as i32
            ),
            (
                "organizations/xm-dac-47066".to_owned(),
                pb::PartnerRole::Extending as i32
            ),
            (
                "organizations/diaspora-advisory-board".to_owned(),
                pb::PartnerRole::Implementing as i32
            ),
        ]
    );

    let orgs = ok(server
        .organizations()
        .list_organizations(pb::ListOrganizationsRequest::default()))
    .await
    .organizations;
    let orgs: Vec<(&str, &str, &str, i32)> = orgs
        .iter()
        .map(|o| {
            (
                o.name.as_str(),
                o.display_name.as_str(),
                o.iati_ref.as_str(),
                o.kind,
            )
        })
        .collect();
    use pb::OrganizationKind as K;
    assert_eq!(
        orgs,
        [
            (
                "organizations/be-bce-kbo-0123456789",
                "FPS Foreign Affairs",
                "BE-BCE_KBO-0123456789",
                K::Government as i32
            ),
            (
                "organizations/diaspora-advisory-board",
                "Diaspora Advisory Board",
                "",
                K::NationalNgo as i32
            ),
            (
                "organizations/xm-dac-2-10",
                "Belgium",
                "XM-DAC-2-10",
                K::Government as i32
            ),
            (
                "organizations/xm-dac-47066",
                "International Organization for Migration",
                "XM-DAC-47066",
                K::Multilateral as i32
            ),
            (
                "organizations/xm-dac-918-3",
                "European Commission",
                "XM-DAC-918-3",
                K::Multilateral as i32
            ),
        ]
    );

    let contributions = contributions(&server).await;
    assert_eq!(contributions.len(), 2);
    let commitment = contributions
        .iter()
        .find(|c| c.status == pb::FlowStatus::Commitment as i32)
        .unwrap();
    assert_eq!(commitment.donor, "organizations/xm-dac-2-10");
    assert_eq!(commitment.total.as_ref().unwrap().amount, "2000000.00");
    assert_eq!(commitment.total.as_ref().unwrap().currency_code, "EUR");
    assert_eq!(commitment.programme, PROGRAMME);
    assert_eq!(
        commitment.earmarking_category,
        pb::EarmarkingCategory::TightlyEarmarked as i32
    );
    assert_eq!(
        commitment.earmarking_modality,
        pb::EarmarkingModality::I as i32
    );
    assert_eq!(commitment.agreement_date, "2025-06-25");
    assert_eq!(
        (
            commitment.period_start.as_str(),
            commitment.period_end.as_str()
        ),
        ("2025-02-01", "2028-12-31")
    );
    assert_eq!(commitment.description, "Belgian commitment");
    let schedule: Vec<(&str, &str)> = commitment
        .installments
        .iter()
        .map(|i| {
            (
                i.due_date.as_str(),
                i.amount.as_ref().unwrap().amount.as_str(),
            )
        })
        .collect();
    assert_eq!(
        schedule,
        [("2025-06-30", "1000000.00"), ("2026-06-30", "1000000.00")]
    );
    let pledge = contributions
        .iter()
        .find(|c| c.status == pb::FlowStatus::Pledge as i32)
        .unwrap();
    assert_eq!(pledge.donor, "organizations/xm-dac-918-3");
    assert_eq!(pledge.total.as_ref().unwrap().amount, "250000.00");
    assert_eq!(pledge.total.as_ref().unwrap().currency_code, "USD");
    assert_eq!(
        pledge.earmarking_category,
        pb::EarmarkingCategory::SoftlyEarmarked as i32
    );
    assert_eq!(pledge.earmarking_modality, pb::EarmarkingModality::E as i32);

    let mut c =
        pb::contribution_service_client::ContributionServiceClient::new(server.channel.clone());
    let receipts = ok(c.list_receipts(pb::ListReceiptsRequest {
        parent: commitment.name.clone(),
        ..Default::default()
    }))
    .await
    .receipts;
    assert_eq!(receipts.len(), 1);
    assert_eq!(receipts[0].received_date, "2025-07-15");
    assert_eq!(receipts[0].amount.as_ref().unwrap().amount, "1000000.00");
    assert_eq!(receipts[0].reference, "RCPT-1");

    let mut results = pb::result_service_client::ResultServiceClient::new(server.channel.clone());
    let indicators = ok(results.list_indicators(pb::ListIndicatorsRequest {
        parent: PROGRAMME.into(),
        ..Default::default()
    }))
    .await
    .indicators;
    assert_eq!(indicators.len(), 1);
    let i = &indicators[0];
    assert_eq!(i.name, format!("{PROGRAMME}/indicators/indicator-1"));
    assert_eq!(i.result_level, pb::ResultLevel::Output as i32);
    assert_eq!(i.measure, pb::IndicatorMeasure::Unit as i32);
    assert_eq!(i.direction, pb::IndicatorDirection::Increasing as i32);
    assert_eq!(i.dimensions, ["sex"]);
    let b = i.baseline.as_ref().unwrap();
    assert_eq!(
        (b.value.as_str(), b.date.as_str(), b.comment.as_str()),
        ("1000", "2024-12-31", "Survey 2024")
    );
    let measurements = ok(results.list_measurements(pb::ListMeasurementsRequest {
        parent: i.name.clone(),
        ..Default::default()
    }))
    .await
    .measurements;
    let figures: Vec<(String, &str, &str, &str)> = measurements
        .iter()
        .map(|m| {
            (
                format!("{:?}", m.dimensions),
                m.target.as_str(),
                m.actual.as_str(),
                m.comment.as_str(),
            )
        })
        .collect();
    assert_eq!(
        figures,
        [
            ("{}".to_owned(), "5000", "4200.5", "Provisional"),
            ("{\"sex\": \"female\"}".to_owned(), "2500", "2100", ""),
        ]
    );
    assert!(
        measurements
            .iter()
            .all(|m| m.period_start == "2025-01-01" && m.period_end == "2025-12-31")
    );

    // Budgets and spending are kept with the activity.
    assert_eq!(count(&pool, "iati_budgets").await, 1);
    assert_eq!(count(&pool, "iati_spending").await, 1);
    assert_eq!(count(&pool, "iati_sectors").await, 2);
    assert_eq!(count(&pool, "iati_recipient_regions").await, 1);
}

#[sqlx::test(migrations = false)]
async fn the_same_file_again_writes_nothing(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut iati = client(&server);
    let doc = document(&[
        o_remit("2025-06-30T12:00:00Z", "O-REMIT", "2000000.00", ""),
        minimal("GB-GOV-1-300", "GB-GOV-1", "A UK activity"),
    ]);
    let first = import(&mut iati, &doc).await.unwrap();
    assert_eq!(
        outcomes(&first),
        [IatiOutcome::Created, IatiOutcome::Created]
    );
    assert_eq!(first.written, 2);
    let tables = [
        "programme_versions",
        "organization_versions",
        "contribution_versions",
        "receipt_versions",
        "indicator_versions",
        "measurement_versions",
        "iati_activity_versions",
        "audit_events",
        "idempotency_keys",
    ];
    let mut before = Vec::new();
    for t in tables {
        before.push(count(&pool, t).await);
    }
    let again = import(&mut iati, &doc).await.unwrap();
    assert_eq!(
        outcomes(&again),
        [IatiOutcome::Unchanged, IatiOutcome::Unchanged]
    );
    assert_eq!((again.written, again.unchanged), (0, 2));
    let mut after = Vec::new();
    for t in tables {
        after.push(count(&pool, t).await);
    }
    assert_eq!(before, after);
}

#[sqlx::test(migrations = false)]
async fn a_newer_activity_writes_new_versions_and_an_older_one_is_stale(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut iati = client(&server);
    // One file holding the same activity twice, the second newer: both apply, in order.
    let doc = document(&[
        o_remit("2025-06-30T12:00:00Z", "O-REMIT", "2000000.00", ""),
        o_remit(
            "2025-09-30T12:00:00Z",
            "O-REMIT (revised)",
            "3000000.00",
            "",
        ),
    ]);
    let response = import(&mut iati, &doc).await.unwrap();
    assert_eq!(
        outcomes(&response),
        [IatiOutcome::Created, IatiOutcome::Updated]
    );
    let p = ok(
        pb::programme_service_client::ProgrammeServiceClient::new(server.channel.clone())
            .get_programme(pb::GetProgrammeRequest {
                name: PROGRAMME.into(),
                as_of: None,
            }),
    )
    .await;
    assert_eq!((p.title.as_str(), p.revision), ("O-REMIT (revised)", 2));
    let contributions = contributions(&server).await;
    let commitment = contributions
        .iter()
        .find(|c| c.status == pb::FlowStatus::Commitment as i32)
        .unwrap();
    assert_eq!(commitment.total.as_ref().unwrap().amount, "3000000.00");
    assert_eq!(commitment.revision, 2);
    // The pledge did not change: still its first revision.
    let pledge = contributions
        .iter()
        .find(|c| c.status == pb::FlowStatus::Pledge as i32)
        .unwrap();
    assert_eq!(pledge.revision, 1);
    assert_eq!(count(&pool, "iati_activity_versions").await, 2);

    // An older version arriving later changes nothing.
    let older = document(&[o_remit(
        "2025-01-01T00:00:00Z",
        "O-REMIT (old)",
        "1000000.00",
        "",
    )]);
    let stale = import(&mut iati, &older).await.unwrap();
    assert_eq!(outcomes(&stale), [IatiOutcome::Stale]);
    assert_eq!(stale.stale, 1);
    assert_eq!(count(&pool, "programme_versions").await, 2);

    // The same last-updated-datetime is the same activity, whatever the bytes say.
    let same_time = document(&[o_remit(
        "2025-09-30T12:00:00Z",
        "O-REMIT (edited)",
        "3000000.00",
        "",
    )]);
    let unchanged = import(&mut iati, &same_time).await.unwrap();
    assert_eq!(outcomes(&unchanged), [IatiOutcome::Unchanged]);
    assert_eq!(count(&pool, "programme_versions").await, 2);
}

#[sqlx::test(migrations = false)]
async fn several_reporting_organisations_in_one_file(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut iati = client(&server);
    let doc = document(&[
        minimal("GB-GOV-1-300", "GB-GOV-1", "UK activity"),
        minimal("DE-1-2025-7", "DE-1", "German activity"),
    ]);
    let response = import(&mut iati, &doc).await.unwrap();
    assert_eq!(
        outcomes(&response),
        [IatiOutcome::Created, IatiOutcome::Created]
    );
    let programmes = ok(pb::programme_service_client::ProgrammeServiceClient::new(
        server.channel.clone(),
    )
    .list_programmes(pb::ListProgrammesRequest::default()))
    .await
    .programmes;
    let codes: Vec<(&str, &str)> = programmes
        .iter()
        .map(|p| (p.name.as_str(), p.code.as_str()))
        .collect();
    assert_eq!(
        codes,
        [
            ("programmes/de-1-2025-7", "2025-7"),
            ("programmes/gb-gov-1-300", "300")
        ]
    );
    let reporting: Vec<String> = sqlx::query_scalar(
        "SELECT reporting_org_ref FROM iati_activity_versions ORDER BY programme_id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(reporting, ["DE-1", "GB-GOV-1"]);
}

#[sqlx::test(migrations = false)]
async fn a_malformed_activity_is_refused_with_its_position_and_the_others_import(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut iati = client(&server);
    let broken = "<iati-activity>\n  <iati-identifier>BROKEN-1</iati-identifier>\n  <title><narrative>Broken</narative></title>\n</iati-activity>\n".to_owned();
    let doc = document(&[
        minimal("GB-GOV-1-1", "GB-GOV-1", "First"),
        broken,
        minimal("GB-GOV-1-3", "GB-GOV-1", "Third"),
    ]);
    let first_lines = minimal("GB-GOV-1-1", "GB-GOV-1", "First").lines().count() as i64;
    let response = import(&mut iati, &doc).await.unwrap();
    assert_eq!(
        outcomes(&response),
        [
            IatiOutcome::Created,
            IatiOutcome::Failed,
            IatiOutcome::Created
        ]
    );
    let failed = &response.activities[1];
    let problem = failed.problem.as_ref().unwrap();
    // The document's two header lines, the first activity, then the broken one's third line.
    let line = 2 + first_lines + 3;
    assert_eq!(
        (
            problem.line,
            problem.column,
            problem.element.as_str(),
            problem.reason.as_str()
        ),
        (line, 27, "narative", "MALFORMED_XML"),
        "{problem:?}"
    );
    assert_eq!((failed.line, failed.column), (line - 2, 1));
    assert_eq!(count(&pool, "programmes").await, 2);
    assert_eq!(response.failed, 1);
}

#[sqlx::test(migrations = false)]
async fn a_wrong_value_refuses_the_whole_activity(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut iati = client(&server);
    // EUR has two decimals: the commitment's value is wrong, and nothing of the activity stays.
    let doc = document(&[o_remit(
        "2025-06-30T12:00:00Z",
        "O-REMIT",
        "2000000.001",
        "",
    )]);
    let response = import(&mut iati, &doc).await.unwrap();
    assert_eq!(outcomes(&response), [IatiOutcome::Failed]);
    let problem = response.activities[0].problem.as_ref().unwrap();
    let line = doc
        .lines()
        .position(|l| l.contains(">2000000.001<"))
        .unwrap() as i64
        + 1;
    assert_eq!(
        (
            problem.line,
            problem.column,
            problem.element.as_str(),
            problem.reason.as_str()
        ),
        (line, 5, "transaction/value", "TOO_MANY_DECIMALS"),
        "{problem:?}"
    );
    for table in [
        "programmes",
        "organizations",
        "contributions",
        "receipts",
        "indicators",
        "iati_activities",
        "audit_events",
        "idempotency_keys",
    ] {
        assert_eq!(count(&pool, table).await, 0, "{table}");
    }
}

#[sqlx::test(migrations = false)]
async fn a_value_without_any_currency_is_refused(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut iati = client(&server);
    let doc = document(
        &[o_remit("2025-06-30T12:00:00Z", "O-REMIT", "2000000.00", "")
            .replace(" default-currency=\"EUR\"", "")],
    );
    let response = import(&mut iati, &doc).await.unwrap();
    let problem = response.activities[0].problem.as_ref().unwrap();
    assert_eq!(
        (problem.element.as_str(), problem.reason.as_str()),
        ("planned-disbursement/value/@currency", "REQUIRED")
    );
}

#[sqlx::test(migrations = false)]
async fn a_document_that_is_not_iati_is_refused(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut iati = client(&server);
    let status = import(&mut iati, "<?xml version=\"1.0\"?>\n<html><body/></html>").await;
    let status = assert_invalid(status, "NOT_IATI_ACTIVITIES", "chunk");
    assert!(
        status.message().contains("line 2, column 1"),
        "{}",
        status.message()
    );
    let status = import(&mut iati, "").await;
    assert_invalid(status, "NO_ACTIVITIES", "chunk");
}

#[sqlx::test(migrations = false)]
async fn every_write_of_an_activity_is_audited_when_and_under_the_request_it_was_made(
    pool: PgPool,
) {
    let server = TestServer::start(pool.clone()).await;
    let mut iati = client(&server);
    let first = document(&[o_remit("2025-06-30T12:00:00Z", "O-REMIT", "2000000.00", "")]);
    let newer = document(&[o_remit(
        "2025-07-31T12:00:00Z",
        "O-REMIT renewed",
        "2400000.00",
        "",
    )]);
    let mut written = 0;
    for doc in [&first, &newer] {
        let response = import(&mut iati, doc).await.unwrap();
        written += response.activities[0].resources_written;
    }
    // One event per resource written, no more, no fewer.
    assert_eq!(count(&pool, "audit_events").await, written);
    // Each measurement version has its event: the same instant, and the version it corrected.
    let unaudited: Vec<(String, i32)> = sqlx::query_as(
        "SELECT v.measurement_id, v.revision FROM measurement_versions v
          WHERE NOT EXISTS (
                SELECT 1 FROM audit_events e
                 WHERE e.resource LIKE '%/measurements/' || v.measurement_id
                   AND e.event_time = v.valid_from
                   AND (e.before IS NULL) = (v.revision = 1)
                   AND e.after IS NOT NULL)",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(unaudited, []);
    // The programme's versions too, and every event carries its activity's request_id.
    let programme_events: Vec<(bool, bool)> = sqlx::query_as(
        "SELECT e.before IS NULL, e.event_time = v.valid_from
           FROM audit_events e JOIN programme_versions v
             ON e.resource = 'programmes/' || v.programme_id AND e.after->>'revision' = v.revision::text
          ORDER BY e.id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(programme_events, [(true, true), (false, true)]);
    let request_ids: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT request_id FROM audit_events ORDER BY 1")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(request_ids.len(), 2);
    assert!(
        request_ids.iter().all(|r| r.starts_with("iati:")),
        "{request_ids:?}"
    );
}

/// The organizations of an activity are looked up together before any is written: one the
/// activity creates is found by the elements after it, and an id it takes is not taken again.
#[sqlx::test(migrations = false)]
async fn organizations_an_activity_creates_are_found_by_its_later_elements(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut iati = client(&server);
    let activity = |identifier: &str| {
        format!(
            r#"<iati-activity>
  <iati-identifier>{identifier}</iati-identifier>
  <reporting-org ref="XM-DAC-47066" type="40"><narrative>IOM</narrative></reporting-org>
  <title><narrative>Partners</narrative></title>
  <participating-org type="22" role="4"><narrative>Xm new 2</narrative></participating-org>
  <participating-org ref="XM-NEW-2" type="22" role="1"><narrative>Another one</narrative></participating-org>
  <participating-org type="22" role="2"><narrative>Xm new 2</narrative></participating-org>
  <activity-status code="2"/>
  <activity-date type="1" iso-date="2025-01-01"/>
</iati-activity>
"#
        )
    };
    let first = import(&mut iati, &document(&[activity("XM-DAC-47066-P-1")]))
        .await
        .unwrap();
    assert_eq!(outcomes(&first), [IatiOutcome::Created], "{first:?}");
    // Three elements, two organizations: the name is taken by the first, so the ref's own id
    // is derived from it.
    let orgs = ok(server
        .organizations()
        .list_organizations(pb::ListOrganizationsRequest::default()))
    .await
    .organizations;
    let orgs: Vec<(String, String, String)> = orgs
        .into_iter()
        .map(|o| (o.name, o.display_name, o.iati_ref))
        .collect();
    assert_eq!(orgs.len(), 2, "{orgs:?}");
    assert_eq!(
        orgs[0],
        (
            "organizations/xm-new-2".to_owned(),
            "Xm new 2".to_owned(),
            String::new()
        )
    );
    assert!(
        orgs[1].0.starts_with("organizations/xm-new-2-o-"),
        "{orgs:?}"
    );
    assert_eq!(
        (orgs[1].1.as_str(), orgs[1].2.as_str()),
        ("Another one", "XM-NEW-2")
    );
    assert_eq!(count(&pool, "organizations").await, 2);
    // Another activity naming them finds both and creates none.
    let second = import(&mut iati, &document(&[activity("XM-DAC-47066-P-2")]))
        .await
        .unwrap();
    assert_eq!(outcomes(&second), [IatiOutcome::Created], "{second:?}");
    assert_eq!(count(&pool, "organizations").await, 2);
    let mut programmes =
        pb::programme_service_client::ProgrammeServiceClient::new(server.channel.clone());
    for p in ["xm-dac-47066-p-1", "xm-dac-47066-p-2"] {
        let p = ok(programmes.get_programme(pb::GetProgrammeRequest {
            name: format!("programmes/{p}"),
            as_of: None,
        }))
        .await;
        let partners: Vec<&str> = p.partners.iter().map(|x| x.organization.as_str()).collect();
        assert_eq!(
            partners,
            [
                "organizations/xm-new-2",
                orgs[1].0.as_str(),
                "organizations/xm-new-2"
            ]
        );
    }
}

/// A newer version revises the indicators that changed, creates those that are new, leaves the
/// others alone, and is refused whole when a change would orphan measurements already recorded.
#[sqlx::test(migrations = false)]
async fn a_newer_version_revises_changed_indicators_and_creates_new_ones(pool: PgPool) {
    let server = TestServer::start(pool.clone()).await;
    let mut iati = client(&server);
    let first = document(&[o_remit("2025-06-30T12:00:00Z", "O-REMIT", "2000000.00", "")]);
    assert_eq!(
        outcomes(&import(&mut iati, &first).await.unwrap()),
        [IatiOutcome::Created]
    );
    let indicators = async || -> Vec<(String, i32, String)> {
        sqlx::query_as(
            "SELECT indicator_id, revision, title FROM indicator_versions
              WHERE valid_to IS NULL ORDER BY indicator_id",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
    };
    let old_title = "<title><narrative>Remittances sent through cheaper channels</narrative></title>\n      <baseline";
    let second_result = r#"<result type="2">
    <title><narrative>Investment</narrative></title>
    <indicator measure="1" ascending="1">
      <title><narrative>Diaspora investors</narrative></title>
    </indicator>
  </result>"#;
    let newer = document(&[o_remit(
        "2025-07-31T12:00:00Z",
        "O-REMIT",
        "2000000.00",
        second_result,
    )
    .replace(
        old_title,
        "<title><narrative>Remittances through cheaper channels</narrative></title>\n      <baseline",
    )]);
    assert!(newer.contains("Remittances through cheaper channels"));
    let response = import(&mut iati, &newer).await.unwrap();
    assert_eq!(outcomes(&response), [IatiOutcome::Updated], "{response:?}");
    assert_eq!(
        indicators().await,
        [
            (
                "indicator-1".to_owned(),
                2,
                "Remittances through cheaper channels".to_owned()
            ),
            ("indicator-2".to_owned(), 1, "Diaspora investors".to_owned()),
        ]
    );
    // The same again with a later date and no change to the indicators: none is revised.
    let same = newer.replace("2025-07-31T12:00:00Z", "2025-08-31T12:00:00Z");
    let response = import(&mut iati, &same).await.unwrap();
    assert_eq!(outcomes(&response), [IatiOutcome::Updated], "{response:?}");
    assert_eq!(count(&pool, "indicator_versions").await, 3);

    // Without its figures by sex, the first indicator would lose a dimension its recorded
    // measurements use: the whole activity is refused.
    let without_sex: String = same
        .replace("2025-08-31T12:00:00Z", "2025-09-30T12:00:00Z")
        .lines()
        .filter(|l| !l.contains("<dimension name=\"Sex\""))
        .map(|l| format!("{l}\n"))
        .collect();
    let versions_before = count(&pool, "programme_versions").await;
    let response = import(&mut iati, &without_sex).await.unwrap();
    assert_eq!(outcomes(&response), [IatiOutcome::Failed], "{response:?}");
    let problem = response.activities[0].problem.as_ref().unwrap();
    assert_eq!(
        (problem.element.as_str(), problem.reason.as_str()),
        ("result/indicator", "DIMENSION_IN_USE"),
        "{problem:?}"
    );
    assert_eq!(count(&pool, "indicator_versions").await, 3);
    assert_eq!(count(&pool, "programme_versions").await, versions_before);
}
