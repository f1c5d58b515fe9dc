//! Reconcile: a donor's publication against the contributions and receipts recorded.

use scpf_reports::pb;
use sqlx::PgPool;

use super::{client, document, import, o_remit};
use crate::support::{TestServer, ok};

/// Belgium's own publication: a commitment and two disbursements to IOM for O-REMIT, money to
/// someone else (left out), and a disbursement in a currency no contribution has.
pub fn belgian_publication() -> String {
    r#"<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03">
<iati-activity default-currency="EUR">
  <iati-identifier>XM-DAC-2-10-DIASPORA</iati-identifier>
  <reporting-org ref="XM-DAC-2-10" type="10"><narrative>Belgium</narrative></reporting-org>
  <title><narrative>Diaspora and remittances</narrative></title>
  <transaction>
    <transaction-type code="2"/>
    <transaction-date iso-date="2025-06-20"/>
    <value value-date="2025-06-20">2000000.00</value>
    <receiver-org ref="XM-DAC-47066" receiver-activity-id="XM-DAC-47066-BE-O-REMIT"/>
  </transaction>
  <transaction>
    <transaction-type code="3"/>
    <transaction-date iso-date="2025-07-01"/>
    <value value-date="2025-07-01">1000000.00</value>
    <receiver-org ref="XM-DAC-47066"/>
  </transaction>
  <transaction>
    <transaction-type code="3"/>
    <transaction-date iso-date="2026-07-01"/>
    <value value-date="2026-07-01">900000.00</value>
    <receiver-org ref="XM-DAC-47066"/>
  </transaction>
  <transaction>
    <transaction-type code="3"/>
    <transaction-date iso-date="2025-08-01"/>
    <value value-date="2025-08-01">70000.00</value>
    <receiver-org ref="XM-DAC-41114"><narrative>UNDP</narrative></receiver-org>
  </transaction>
  <transaction>
    <transaction-type code="3"/>
    <transaction-date iso-date="2025-09-01"/>
    <value currency="USD" value-date="2025-09-01">50000.00</value>
    <receiver-org ref="XM-DAC-47066"/>
  </transaction>
</iati-activity>
</iati-activities>
"#
    .to_owned()
}

/// Imports O-REMIT (Belgium commits EUR 2,000,000: EUR 1,000,000 due mid-2025 and mid-2026, and
/// EUR 1,000,000 received in July 2025) and returns the commitment's name.
pub async fn recorded(server: &TestServer) -> String {
    let mut iati = client(server);
    let doc = document(&[o_remit("2025-06-30T12:00:00Z", "O-REMIT", "2000000.00", "")]);
    assert_eq!(import(&mut iati, &doc).await.unwrap().failed, 0);
    ok(
        pb::contribution_service_client::ContributionServiceClient::new(server.channel.clone())
            .list_contributions(pb::ListContributionsRequest {
                filter: "status = COMMITMENT".into(),
                ..Default::default()
            }),
    )
    .await
    .contributions[0]
        .name
        .clone()
}

fn line(l: &pb::ReconciliationLine) -> Vec<String> {
    vec![
        l.donor.clone(),
        l.contribution.clone(),
        l.year.to_string(),
        l.currency_code.clone(),
        l.donor_committed.clone(),
        l.recorded_due.clone(),
        l.committed_difference.clone(),
        l.donor_disbursed.clone(),
        l.recorded_received.clone(),
        l.received_difference.clone(),
        format!(
            "{:?}",
            pb::ReconciliationMatch::try_from(l.r#match).unwrap()
        ),
    ]
}

#[sqlx::test(migrations = false)]
async fn each_contribution_and_year_shows_both_sides_and_the_differences(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let commitment = recorded(&server).await;
    let doc = belgian_publication();
    let mut iati = client(&server);
    let chunks: Vec<pb::ReconcileRequest> = doc
        .as_bytes()
        .chunks(50)
        .enumerate()
        .map(|(i, c)| pb::ReconcileRequest {
            chunk: c.to_vec(),
            receiver_ref: if i == 0 {
                "XM-DAC-47066".into()
            } else {
                String::new()
            },
            as_of: None,
        })
        .collect();
    let response = ok(iati.reconcile(tokio_stream::iter(chunks))).await;
    let lines: Vec<Vec<String>> = response.lines.iter().map(line).collect();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let donor = "organizations/xm-dac-2-10";
    assert_eq!(
        lines,
        [
            s(&[
                donor,
                &commitment,
                "2025",
                "EUR",
                "2000000.00",
                "1000000.00",
                "1000000.00",
                "1000000.00",
                "1000000.00",
                "0.00",
                "Both"
            ]),
            s(&[
                donor,
                &commitment,
                "2026",
                "EUR",
                "0.00",
                "1000000.00",
                "-1000000.00",
                "900000.00",
                "0.00",
                "900000.00",
                "Both"
            ]),
            s(&[
                donor,
                "",
                "2025",
                "USD",
                "0.00",
                "0.00",
                "0.00",
                "50000.00",
                "0.00",
                "50000.00",
                "DonorOnly"
            ]),
        ]
    );
    assert_eq!(response.lines[0].donor_activities, ["XM-DAC-2-10-DIASPORA"]);
    assert!(
        response.lines[2].note.contains("no contribution in USD"),
        "{:?}",
        response.lines[2]
    );
    assert!(response.problems.is_empty());
}

#[sqlx::test(migrations = false)]
async fn a_donor_the_service_does_not_know_is_listed_apart(pool: PgPool) {
    let server = TestServer::start(pool).await;
    let doc = belgian_publication().replace("XM-DAC-2-10", "XM-DAC-12-1");
    let mut iati = client(&server);
    let response = ok(iati.reconcile(tokio_stream::iter([pb::ReconcileRequest {
        chunk: doc.into_bytes(),
        ..Default::default()
    }])))
    .await;
    assert!(response.lines.iter().all(|l| l.contribution.is_empty()
        && l.donor == "XM-DAC-12-1"
        && l.r#match == pb::ReconciliationMatch::DonorOnly as i32));
    assert_eq!(response.lines.len(), 3, "{:?}", response.lines);
}
