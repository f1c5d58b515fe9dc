//! ImportMeasurements: many RecordMeasurement rows from one stream, in batches. Each row succeeds
//! or fails on its own and is idempotent through its own request_id; each batch costs a fixed
//! number of statements, whatever its size.

use prost::Message;
use tonic::{Request, Status, Streaming};

use super::measurements::{self, Recording};
use crate::{
    api::{Api, Caller, convert, decode_stored, fingerprint, row_failure, streamed},
    domain::text::RequestId,
    error::{Error, Result},
    pb,
    store::{
        results::record::{self, Recorded},
        statistics::Table,
        write::{Batch, RowClaim, RowOutcome},
    },
};

pub async fn import(
    api: &Api,
    request: Request<Streaming<pb::ImportMeasurementsRequest>>,
) -> Result<pb::ImportMeasurementsResponse, Status> {
    streamed::import(api, request, parse_row, write_batch).await
}

/// Rows an import wrote, per table.
#[derive(Debug, Default)]
struct Written {
    measurements: u64,
    versions: u64,
}

impl streamed::Written for Written {
    fn tables(&self) -> Vec<(Table, u64)> {
        vec![
            (Table::Measurements, self.measurements),
            (Table::MeasurementVersions, self.versions),
        ]
    }
}

/// A row that parsed: ready to be claimed and checked against the database.
struct ParsedRow {
    row: i64,
    request_id: String,
    fingerprint: [u8; 32],
    recording: Recording,
}

/// Parses a row as a single RecordMeasurement is parsed.
fn parse_row(r: pb::ImportMeasurementsRequest) -> Result<ParsedRow> {
    // A row without its request reads as an empty one, refused like an empty single call.
    let req = r.measurement.unwrap_or_default();
    let recording = measurements::recording(&req)?;
    let request_id = RequestId::parse(&req.request_id, "request_id")?;
    Ok(ParsedRow {
        row: r.row,
        request_id: request_id.as_str().to_owned(),
        fingerprint: fingerprint(&req),
        recording,
    })
}

/// Claims, checks and writes the parsed rows of a batch in one transaction. The error is a
/// failure of the whole batch (the transaction is rolled back).
async fn write_batch(
    api: &Api,
    caller: &Caller,
    parsed: &[ParsedRow],
    written: &mut Written,
) -> Result<Vec<pb::ImportRowResult>> {
    let claims: Vec<RowClaim> = parsed
        .iter()
        .map(|p| RowClaim {
            request_id: p.request_id.clone(),
            fingerprint: p.fingerprint,
        })
        .collect();
    let (mut batch, outcomes) =
        Batch::begin(api.pool(), &caller.actor, caller.method, &claims).await?;

    let fresh: Vec<usize> = outcomes
        .iter()
        .enumerate()
        .filter(|(_, o)| matches!(o, RowOutcome::Fresh))
        .map(|(i, _)| i)
        .collect();
    let rows: Vec<_> = fresh.iter().map(|&i| &parsed[i].recording.new).collect();
    let locked = record::lock(batch.conn(), &rows).await?;
    let now = batch.restamp().await?;
    let recorded = locked
        .record(batch.conn(), now, |j, indicator, current| {
            measurements::check(&parsed[fresh[j]].recording, indicator, current)
        })
        .await?;
    let (mut measurements, mut versions) = (0, 0);
    for r in recorded.iter().flatten() {
        measurements += u64::from(r.before.is_none());
        versions += u64::from(r.changed());
    }
    let mut recorded: Vec<Option<Result<Recorded>>> = recorded.into_iter().map(Some).collect();

    let mut answers: Vec<pb::ImportRowResult> = Vec::with_capacity(parsed.len());
    let mut release = Vec::new();
    let mut responses = Vec::new();
    let mut next_fresh = 0;
    for (i, outcome) in outcomes.into_iter().enumerate() {
        let p = &parsed[i];
        let answer = match outcome {
            RowOutcome::Fresh => {
                let result = recorded[next_fresh].take().ok_or_else(|| {
                    Error::Internal(anyhow::anyhow!("row {} was recorded twice", p.row))
                })?;
                next_fresh += 1;
                match result {
                    Ok(r) => {
                        let response = measurements::message(&r.after);
                        if r.changed() {
                            batch.audit(
                                &p.request_id,
                                &response.name,
                                r.before.as_ref().map(measurements::audit_json),
                                Some(convert::canonical_json(&response)),
                                None,
                            );
                        }
                        responses.push((p.request_id.clone(), response.encode_to_vec()));
                        streamed::success(p.row, response.name, false)
                    }
                    Err(refused) => {
                        release.push(p.request_id.clone());
                        row_failure(p.row, refused)
                    }
                }
            }
            RowOutcome::Replay(bytes) => {
                let response: pb::Measurement = decode_stored(&bytes)?;
                streamed::success(p.row, response.name, true)
            }
            // The same request sent twice in one stream: the second is a replay of the first.
            RowOutcome::SameAs(first) => streamed::same_as(p.row, &answers[first]),
            RowOutcome::Reused(refused) => row_failure(p.row, refused),
        };
        answers.push(answer);
    }
    batch.release(&release).await?;
    batch.commit(&responses).await?;
    written.measurements += measurements;
    written.versions += versions;
    Ok(answers)
}
