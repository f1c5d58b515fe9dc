//! IATI 2.03: documents the tests write themselves, imported, exported (and validated with
//! xmllint against the standard's schema), imported again, and reconciled.

mod cli;
mod export;
mod import;
mod reconcile;
mod spreadsheets;

use scpf_reports::pb::{self, iati_service_client::IatiServiceClient};
use tonic::{Status, transport::Channel};

pub use crate::support::count;
use crate::support::{TestServer, ok};

pub type Client = IatiServiceClient<Channel>;

pub fn client(server: &TestServer) -> Client {
    IatiServiceClient::new(server.channel.clone())
}

/// Sends a document in small chunks (so that elements straddle messages) and returns the
/// summary.
pub async fn import(client: &mut Client, doc: &str) -> Result<pb::ImportIatiResponse, Status> {
    let chunks: Vec<pb::ImportIatiRequest> = doc
        .as_bytes()
        .chunks(97)
        .map(|c| pb::ImportIatiRequest {
            chunk: c.to_vec(),
            ..Default::default()
        })
        .collect();
    client
        .import_iati(tokio_stream::iter(chunks))
        .await
        .map(|r| r.into_inner())
}

/// Exports the programmes named (all when empty) as of now.
pub async fn export(client: &mut Client, programmes: &[&str]) -> String {
    let mut stream = ok(client.export_iati(pb::ExportIatiRequest {
        programmes: programmes.iter().map(|p| p.to_string()).collect(),
        as_of: None,
    }))
    .await;
    let mut out = Vec::new();
    while let Some(chunk) = stream.message().await.unwrap() {
        out.extend(chunk.chunk);
    }
    String::from_utf8(out).unwrap()
}

/// An `iati-activities` document around the given activities.
pub fn document(activities: &[String]) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<iati-activities version=\"2.03\" generated-datetime=\"2025-07-01T00:00:00Z\">\n{}</iati-activities>\n",
        activities.concat()
    )
}

/// The IOM activity for O-REMIT with every element the import maps: partners in each role,
/// dates, countries and regions with percentages, sectors with vocabularies, budgets, a pledge,
/// a commitment with its planned disbursements, incoming funds, spending, and a result with a
/// baseline and disaggregated targets and actuals. `last_updated` and `extra` vary it.
pub fn o_remit(last_updated: &str, title: &str, commitment: &str, extra: &str) -> String {
    format!(
        r#"<iati-activity last-updated-datetime="{last_updated}" default-currency="EUR" xml:lang="en">
  <iati-identifier>XM-DAC-47066-BE-O-REMIT</iati-identifier>
  <reporting-org ref="XM-DAC-47066" type="40"><narrative>International Organization for Migration</narrative></reporting-org>
  <title><narrative>{title}</narrative><narrative xml:lang="fr">Transferts de fonds</narrative></title>
  <description type="1"><narrative>Affordable remittances and diaspora investment</narrative></description>
  <description type="2"><narrative>Objectives</narrative></description>
  <participating-org ref="XM-DAC-2-10" type="10" role="1"><narrative>Belgium</narrative></participating-org>
  <participating-org ref="BE-BCE_KBO-0123456789" type="10" role="2"><narrative>FPS Foreign Affairs</narrative></participating-org>
  <participating-org ref="XM-DAC-47066" type="40" role="3"><narrative>International Organization for Migration</narrative></participating-org>
  <participating-org type="22" role="4"><narrative>Diaspora Advisory Board</narrative></participating-org>
  <activity-status code="2"/>
  <activity-date type="1" iso-date="2025-01-01"/>
  <activity-date type="2" iso-date="2025-02-01"/>
  <activity-date type="3" iso-date="2028-12-31"/>
  <contact-info><organisation><narrative>IOM Brussels</narrative></organisation></contact-info>
  <recipient-country code="SN" percentage="60"/>
  <recipient-country code="ML" percentage="40"/>
  <recipient-region code="289" vocabulary="1" percentage="100"><narrative>South of Sahara</narrative></recipient-region>
  <sector vocabulary="1" code="15190" percentage="100"/>
  <sector vocabulary="98" code="LM" percentage="100"><narrative>Labour mobility</narrative></sector>
  <budget type="1" status="2">
    <period-start iso-date="2025-01-01"/>
    <period-end iso-date="2025-12-31"/>
    <value currency="EUR" value-date="2025-01-01">500000.00</value>
  </budget>
  <planned-disbursement type="1">
    <period-start iso-date="2025-06-30"/>
    <period-end iso-date="2025-06-30"/>
    <value value-date="2025-06-30">{half}</value>
    <provider-org ref="XM-DAC-2-10" type="10"><narrative>Belgium</narrative></provider-org>
  </planned-disbursement>
  <planned-disbursement type="1">
    <period-start iso-date="2026-06-30"/>
    <period-end iso-date="2026-06-30"/>
    <value value-date="2026-06-30">{half}</value>
    <provider-org ref="XM-DAC-2-10" type="10"><narrative>Belgium</narrative></provider-org>
  </planned-disbursement>
  <transaction ref="BE-2025-01">
    <transaction-type code="11"/>
    <transaction-date iso-date="2025-06-25"/>
    <value value-date="2025-06-25">{commitment}</value>
    <description><narrative>Belgian commitment</narrative></description>
    <provider-org ref="XM-DAC-2-10" type="10"><narrative>Belgium</narrative></provider-org>
    <receiver-org ref="XM-DAC-47066" type="40"><narrative>IOM</narrative></receiver-org>
    <flow-type code="10"/>
  </transaction>
  <transaction>
    <transaction-type code="13"/>
    <transaction-date iso-date="2025-03-01"/>
    <value currency="USD" value-date="2025-03-01">250000</value>
    <provider-org ref="XM-DAC-918-3" type="40"><narrative>European Commission</narrative></provider-org>
    <aid-type code="2" vocabulary="2"/>
    <aid-type code="E" vocabulary="3"/>
  </transaction>
  <transaction ref="RCPT-1">
    <transaction-type code="1"/>
    <transaction-date iso-date="2025-07-15"/>
    <value value-date="2025-07-10">{half}</value>
    <provider-org ref="XM-DAC-2-10" type="10"><narrative>Belgium</narrative></provider-org>
  </transaction>
  <transaction>
    <transaction-type code="3"/>
    <transaction-date iso-date="2025-08-01"/>
    <value value-date="2025-08-01">120000.50</value>
    <description><narrative>Grant to the diaspora fund</narrative></description>
    <receiver-org ref="SN-NINEA-123" type="22"><narrative>Senegalese diaspora fund</narrative></receiver-org>
  </transaction>
  <result type="1">
    <title><narrative>Remittances sent through cheaper channels</narrative></title>
    <indicator measure="1" ascending="1">
      <title><narrative>Remittances sent through cheaper channels</narrative></title>
      <baseline year="2024" iso-date="2024-12-31" value="1000"><comment><narrative>Survey 2024</narrative></comment></baseline>
      <period>
        <period-start iso-date="2025-01-01"/>
        <period-end iso-date="2025-12-31"/>
        <target value="5000"/>
        <target value="2500"><dimension name="Sex" value="female"/></target>
        <actual value="4200.5"><comment><narrative>Provisional</narrative></comment></actual>
        <actual value="2100"><dimension name="Sex" value="female"/></actual>
      </period>
    </indicator>
  </result>
  {extra}
</iati-activity>
"#,
        half = half(commitment),
    )
}

/// Half of an amount with two decimals.
fn half(amount: &str) -> String {
    let cents: i64 = amount.replace('.', "").parse().unwrap();
    let half = cents / 2;
    format!("{}.{:02}", half / 100, half % 100)
}

/// A small activity of another reporting organisation, with only what the standard requires.
pub fn minimal(identifier: &str, reporting: &str, title: &str) -> String {
    format!(
        r#"<iati-activity>
  <iati-identifier>{identifier}</iati-identifier>
  <reporting-org ref="{reporting}" type="10"><narrative>Publisher {reporting}</narrative></reporting-org>
  <title><narrative>{title}</narrative></title>
  <description><narrative></narrative></description>
  <participating-org ref="{reporting}" role="1" type="10"/>
  <activity-status code="2"/>
  <activity-date type="1" iso-date="2025-01-01"/>
</iati-activity>
"#
    )
}
