//! Demo contributions, receipts and measurements: files in the formats `scpf-reports import`
//! reads, read by the imports' own parsers.
//!
//! Each call is sent on its own, under the request id the seed derives from the call's content
//! (not the id an import derives from the line), so that a database seeded before the data
//! became files replays these calls instead of recording them again.

use super::{CONTRIBUTIONS, Connection, MEASUREMENTS, RECEIPTS, Tally, request_id};
use crate::{
    cli::{import, import_measurements, spreadsheet},
    pb::{
        self, contribution_service_client::ContributionServiceClient,
        result_service_client::ResultServiceClient,
    },
};

pub(super) async fn contributions(channel: &Connection, tally: &mut Tally) -> anyhow::Result<()> {
    let mut client = ContributionServiceClient::new(channel.clone());
    for (line, parsed) in import::read_csv(CONTRIBUTIONS.text.as_bytes())? {
        let mut request =
            parsed.map_err(|e| anyhow::anyhow!("{}: {e}", CONTRIBUTIONS.line(line)))?;
        request.request_id = String::new();
        request.request_id = request_id("CreateContribution", &request);
        let id = request.contribution_id.clone();
        tally.record(&id, client.create_contribution(request).await)?;
    }
    Ok(())
}

pub(super) async fn receipts(channel: &Connection, tally: &mut Tally) -> anyhow::Result<()> {
    let mut client = ContributionServiceClient::new(channel.clone());
    let file = std::path::Path::new("demo").join(RECEIPTS.name);
    for (line, row) in spreadsheet::read_receipts(RECEIPTS.text.as_bytes())? {
        let fail = |e: String| anyhow::anyhow!("{}: {e}", RECEIPTS.line(line));
        let (row, _) = row.map_err(fail)?;
        let (parent, receipt) = spreadsheet::given(&row).map_err(fail)?;
        let id = request_id(
            "RecordReceipt",
            &pb::RecordReceiptRequest {
                parent,
                receipt: Some(receipt),
                request_id: String::new(),
            },
        );
        spreadsheet::receipt_row(&mut client, &row, &id, &file)
            .await
            .map_err(fail)?;
        tally.written += 1;
    }
    Ok(())
}

pub(super) async fn measurements(channel: &Connection, tally: &mut Tally) -> anyhow::Result<()> {
    let mut client = ResultServiceClient::new(channel.clone());
    let (rows, errors) = import_measurements::read_from(MEASUREMENTS.text.as_bytes())?;
    if let Some(e) = errors.first() {
        anyhow::bail!("demo/{}: {e}", MEASUREMENTS.name);
    }
    for row in rows {
        let Some(mut request) = row.measurement else {
            continue;
        };
        request.request_id = String::new();
        request.request_id = request_id("RecordMeasurement", &request);
        let parent = request.parent.clone();
        tally.record(&parent, client.record_measurement(request).await)?;
    }
    Ok(())
}
