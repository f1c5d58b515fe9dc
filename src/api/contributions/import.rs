//! ImportContributions: a client stream of rows, written in batches. Each row is parsed into a
//! domain value first (a bad row fails alone and never reaches the database); then a batch is
//! streamed into a staging table with COPY, and claimed, checked against the database and
//! written from there with one statement per step, whatever its number of rows.

use std::collections::HashSet;

use prost::Message;
use tonic::{Request, Response, Status, Streaming};

use super::{message, parse_create};
use crate::{
    api::{Api, Caller, convert, fingerprint, row_failure},
    domain::{contribution::Contribution, text::RequestId},
    error::{Error, Result},
    pb, rpc_method,
    store::{
        Versioned,
        contributions::import::{self, StagedRow},
        statistics::{self, Table},
        write::{Batch, RowClaim, RowOutcome, first_claims},
    },
};

/// Rows written per transaction: large enough that per-statement costs vanish, small enough
/// that a batch's arrays and locks stay modest.
const BATCH_ROWS: usize = 500;

const METHOD: &str = rpc_method!("ContributionService", "ImportContributions");

pub async fn import(
    api: &Api,
    request: Request<Streaming<pb::ImportContributionsRequest>>,
) -> Result<Response<pb::ImportContributionsResponse>, Status> {
    let caller = Caller::of(&request);
    let mut stream = request.into_inner();
    let mut results = Vec::new();
    let mut written = Written::default();
    let mut rows = Vec::with_capacity(BATCH_ROWS);
    while let Some(row) = stream.message().await? {
        rows.push(row);
        if rows.len() == BATCH_ROWS {
            let batch = std::mem::take(&mut rows);
            results.extend(import_batch(api, &caller, batch, &mut written).await);
        }
    }
    if !rows.is_empty() {
        results.extend(import_batch(api, &caller, rows, &mut written).await);
    }
    refresh_statistics(api, written).await;
    let count =
        |keep: fn(&pb::ImportRowResult) -> bool| results.iter().filter(|r| keep(r)).count() as i64;
    Ok(Response::new(pb::ImportContributionsResponse {
        written: count(|r| r.code == 0 && !r.replayed),
        replayed: count(|r| r.code == 0 && r.replayed),
        failed: count(|r| r.code != 0),
        results,
    }))
}

/// Rows an import wrote, per table.
#[derive(Debug, Default)]
struct Written {
    contributions: u64,
    installments: u64,
}

/// The import's last step: fresh statistics for the tables it grew, so that a report generated
/// right after it is planned on what the tables now hold. The rows are committed by then, so a
/// failure here is logged, not returned.
async fn refresh_statistics(api: &Api, written: Written) {
    let tables = [
        (Table::Contributions, written.contributions),
        (Table::ContributionVersions, written.contributions),
        (Table::Installments, written.installments),
    ];
    if let Err(err) = statistics::refresh(api.pool(), &tables).await {
        tracing::warn!(error = %err, "the statistics of the imported tables were not refreshed");
    }
}

/// A row that parsed: its place in the batch and what to write.
struct Valid {
    index: usize,
    row: i64,
    contribution: Contribution,
    request_id: String,
    fingerprint: [u8; 32],
}

fn parse_row(row: &pb::ImportContributionsRequest) -> Result<(Contribution, String, [u8; 32])> {
    let req = row.contribution.as_ref().ok_or_else(|| {
        Error::invalid(
            "contribution",
            "REQUIRED",
            "each row carries a CreateContributionRequest",
        )
    })?;
    // The same checks, in the same order, as a single CreateContribution call.
    let contribution = parse_create(req)?;
    let request_id = RequestId::parse(&req.request_id, "request_id")?;
    Ok((
        contribution,
        request_id.as_str().to_owned(),
        fingerprint(req),
    ))
}

/// One result per row, in order. A database failure fails every row that reached it.
async fn import_batch(
    api: &Api,
    caller: &Caller,
    rows: Vec<pb::ImportContributionsRequest>,
    written: &mut Written,
) -> Vec<pb::ImportRowResult> {
    let mut results: Vec<Option<pb::ImportRowResult>> = vec![None; rows.len()];
    let mut valid = Vec::new();
    for (index, r) in rows.iter().enumerate() {
        match parse_row(r) {
            Ok((contribution, request_id, fingerprint)) => valid.push(Valid {
                index,
                row: r.row,
                contribution,
                request_id,
                fingerprint,
            }),
            Err(err) => results[index] = Some(row_failure(r.row, err)),
        }
    }
    if !valid.is_empty() {
        match write(api, caller, &valid, written).await {
            Ok(written) => {
                for (v, result) in valid.iter().zip(written) {
                    results[v.index] = Some(result);
                }
            }
            Err(err) => {
                let failure = row_failure(0, err);
                for v in &valid {
                    results[v.index] = Some(pb::ImportRowResult {
                        row: v.row,
                        ..failure.clone()
                    });
                }
            }
        }
    }
    results.into_iter().flatten().collect()
}

fn success(row: i64, name: String, replayed: bool) -> pb::ImportRowResult {
    pb::ImportRowResult {
        row,
        name,
        replayed,
        ..Default::default()
    }
}

/// Stages, claims, checks and writes the valid rows of a batch in one transaction; returns their
/// results in order.
async fn write(
    api: &Api,
    caller: &Caller,
    valid: &[Valid],
    written: &mut Written,
) -> Result<Vec<pb::ImportRowResult>> {
    let claims: Vec<RowClaim> = valid
        .iter()
        .map(|v| RowClaim {
            request_id: v.request_id.clone(),
            fingerprint: v.fingerprint,
        })
        .collect();
    let (mut outcomes, unique) = first_claims(&claims);
    let mut batch = Batch::open(api.pool(), &caller.actor, METHOD).await?;
    let now = batch.now();

    // Every row that may be written is staged with the response and audit event it will have.
    let staged: Vec<StagedRow> = unique
        .iter()
        .map(|&i| {
            let contribution = &valid[i].contribution;
            let response = message(&Versioned {
                revision: 1,
                created_at: now,
                updated_at: now,
                value: contribution.clone(),
            });
            StagedRow {
                n: i as i32,
                claim: &claims[i],
                contribution,
                audit_after: convert::canonical_json(&response),
                response: response.encode_to_vec(),
            }
        })
        .collect();
    import::stage(&mut batch, &staged).await?;
    let claimed = import::claim(&mut batch).await?;
    batch
        .settle(&claims, &unique, claimed, &mut outcomes)
        .await?;

    // Reference checks of the claimed rows; a row refused here gives its claim back.
    let mut results: Vec<Option<pb::ImportRowResult>> = vec![None; valid.len()];
    let fresh: Vec<i32> = (0..valid.len())
        .filter(|&i| matches!(outcomes[i], RowOutcome::Fresh))
        .map(|i| i as i32)
        .collect();
    let references = import::references(&mut batch, &fresh).await?;
    let mut refused = Vec::new();
    let mut ids_in_batch = HashSet::new();
    let mut to_write = Vec::new();
    for r in &references {
        let v = &valid[r.n as usize];
        let c = &v.contribution;
        let checked = super::check_references(c, r).and_then(|()| {
            if ids_in_batch.insert(c.id.as_str()) {
                Ok(())
            } else {
                Err(Error::AlreadyExists { name: c.name() })
            }
        });
        match checked {
            Ok(()) => to_write.push(r.n),
            Err(err) => {
                results[r.n as usize] = Some(row_failure(v.row, err));
                refused.push(v.request_id.clone());
            }
        }
    }

    let inserted = import::write(&mut batch, &to_write, now).await?;
    for &n in &to_write {
        let v = &valid[n as usize];
        let name = v.contribution.name();
        results[n as usize] = Some(if inserted.contains(v.contribution.id.as_str()) {
            success(v.row, name, false)
        } else {
            refused.push(v.request_id.clone());
            row_failure(v.row, Error::AlreadyExists { name })
        });
    }
    batch.release(&refused).await?;
    batch.commit(&[]).await?;
    written.contributions += inserted.len() as u64;
    written.installments += to_write
        .iter()
        .map(|&n| &valid[n as usize].contribution)
        .filter(|c| inserted.contains(c.id.as_str()))
        .map(|c| c.installments.len() as u64)
        .sum::<u64>();

    for (i, outcome) in outcomes.into_iter().enumerate() {
        let row = valid[i].row;
        results[i] = match outcome {
            RowOutcome::Fresh => continue,
            RowOutcome::Replay(bytes) => Some(match pb::Contribution::decode(bytes.as_slice()) {
                Ok(earlier) => success(row, earlier.name, true),
                Err(e) => row_failure(
                    row,
                    Error::Internal(anyhow::anyhow!("stored response does not decode: {e}")),
                ),
            }),
            RowOutcome::Reused(err) => Some(row_failure(row, err)),
            // Answered as the earlier row of the same request; it wrote nothing itself.
            RowOutcome::SameAs(first) => results[first].clone().map(|r| pb::ImportRowResult {
                row,
                replayed: r.code == 0,
                ..r
            }),
        };
    }
    results
        .into_iter()
        .map(|r| r.ok_or_else(|| Error::Internal(anyhow::anyhow!("an import row has no result"))))
        .collect()
}
