//! ImportContributions: a client stream of rows, written in batches. Each row is parsed into a
//! domain value first (a bad row fails alone and never reaches the database); then a batch is
//! claimed, checked against the database and written with one statement per step, whatever its
//! number of rows.

use std::collections::{HashMap, HashSet};

use prost::Message;
use sqlx::PgConnection;
use tonic::{Request, Response, Status, Streaming};

use super::{message, parse_create};
use crate::{
    api::{Api, Caller, convert, fingerprint, row_failure},
    domain::{contribution::Contribution, text::RequestId},
    error::{Error, Result},
    pb, rpc_method,
    store::{
        Versioned, contributions,
        write::{Batch, BatchAudit, RowClaim, RowOutcome},
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
    let mut rows = Vec::with_capacity(BATCH_ROWS);
    while let Some(row) = stream.message().await? {
        rows.push(row);
        if rows.len() == BATCH_ROWS {
            results.extend(import_batch(api, &caller, std::mem::take(&mut rows)).await);
        }
    }
    if !rows.is_empty() {
        results.extend(import_batch(api, &caller, rows).await);
    }
    let count =
        |keep: fn(&pb::ImportRowResult) -> bool| results.iter().filter(|r| keep(r)).count() as i64;
    Ok(Response::new(pb::ImportContributionsResponse {
        written: count(|r| r.code == 0 && !r.replayed),
        replayed: count(|r| r.code == 0 && r.replayed),
        failed: count(|r| r.code != 0),
        results,
    }))
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
        match write(api, caller, &valid).await {
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

/// Claims, checks and writes the valid rows of a batch in one transaction; returns their
/// results in order.
async fn write(api: &Api, caller: &Caller, valid: &[Valid]) -> Result<Vec<pb::ImportRowResult>> {
    let claims: Vec<RowClaim> = valid
        .iter()
        .map(|v| RowClaim {
            request_id: v.request_id.clone(),
            fingerprint: v.fingerprint,
        })
        .collect();
    let (mut batch, outcomes) = Batch::begin(api.pool(), &caller.actor, METHOD, &claims).await?;
    let now = batch.now();
    let mut results: Vec<Option<pb::ImportRowResult>> = vec![None; valid.len()];
    let fresh: Vec<usize> = outcomes
        .iter()
        .enumerate()
        .filter(|(_, o)| matches!(o, RowOutcome::Fresh))
        .map(|(i, _)| i)
        .collect();

    // Reference checks for the whole batch; a row refused here gives its claim back.
    let candidates: Vec<&Contribution> = fresh.iter().map(|&i| &valid[i].contribution).collect();
    let lookups = Lookups::load(batch.conn(), &candidates).await?;
    let mut refused = Vec::new();
    let mut ids_in_batch = HashSet::new();
    let mut to_write = Vec::new();
    for &i in &fresh {
        let c = &valid[i].contribution;
        let checked = lookups.check(c).and_then(|()| {
            if ids_in_batch.insert(c.id.as_str()) {
                Ok(())
            } else {
                Err(Error::AlreadyExists { name: c.name() })
            }
        });
        match checked {
            Ok(()) => to_write.push(i),
            Err(err) => {
                results[i] = Some(row_failure(valid[i].row, err));
                refused.push(valid[i].request_id.clone());
            }
        }
    }

    let contributions: Vec<&Contribution> =
        to_write.iter().map(|&i| &valid[i].contribution).collect();
    let inserted = contributions::create_many(batch.conn(), &contributions, now).await?;
    let mut audits = Vec::new();
    let mut responses = Vec::new();
    for &i in &to_write {
        let v = &valid[i];
        let name = v.contribution.name();
        if !inserted.contains(v.contribution.id.as_str()) {
            results[i] = Some(row_failure(v.row, Error::AlreadyExists { name }));
            refused.push(v.request_id.clone());
            continue;
        }
        let response = message(&Versioned {
            revision: 1,
            created_at: now,
            updated_at: now,
            value: v.contribution.clone(),
        });
        audits.push(BatchAudit {
            request_id: v.request_id.clone(),
            resource: name.clone(),
            before: None,
            after: Some(convert::canonical_json(&response)),
            reason: None,
        });
        responses.push((v.request_id.clone(), response.encode_to_vec()));
        results[i] = Some(success(v.row, name, false));
    }
    batch.release(&refused).await?;
    batch.audit(&audits).await?;
    batch.commit(&responses).await?;

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

/// What the database knows about the references of a batch, read with one query per kind.
struct Lookups {
    /// Donors that exist, and whether each is a Member State.
    member_states: HashMap<String, bool>,
    programmes: HashSet<String>,
    sessions: HashSet<String>,
}

impl Lookups {
    async fn load(conn: &mut PgConnection, batch: &[&Contribution]) -> Result<Lookups> {
        fn distinct<'a>(values: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
            let mut seen = HashSet::new();
            values.filter(|v| seen.insert(*v)).collect()
        }
        let donors = distinct(batch.iter().map(|c| c.donor.as_str()));
        let programmes = distinct(
            batch
                .iter()
                .filter_map(|c| c.programme.as_ref())
                .map(|p| p.as_str()),
        );
        let session_ids: Vec<String> = batch
            .iter()
            .filter_map(|c| c.announced_at)
            .map(|s| s.id())
            .collect();
        let sessions = distinct(session_ids.iter().map(String::as_str));
        Ok(Lookups {
            member_states: if donors.is_empty() {
                HashMap::new()
            } else {
                contributions::member_states(conn, &donors).await?
            },
            programmes: if programmes.is_empty() {
                HashSet::new()
            } else {
                contributions::existing_programmes(conn, &programmes).await?
            },
            sessions: if sessions.is_empty() {
                HashSet::new()
            } else {
                contributions::existing_sessions(conn, &sessions).await?
            },
        })
    }

    /// The checks of a single call, answered from the look-ups.
    fn check(&self, c: &Contribution) -> Result<()> {
        let missing = |field: &str, reason: &'static str, name: String| {
            Error::invalid(field, reason, format!("{name} does not exist"))
        };
        let Some(&member_state) = self.member_states.get(c.donor.as_str()) else {
            return Err(missing(
                "contribution.donor",
                "UNKNOWN_ORGANIZATION",
                format!("organizations/{}", c.donor),
            ));
        };
        c.check_donor(member_state, "contribution")?;
        if let Some(programme) = &c.programme
            && !self.programmes.contains(programme.as_str())
        {
            return Err(missing(
                "contribution.programme",
                "UNKNOWN_PROGRAMME",
                format!("programmes/{programme}"),
            ));
        }
        if let Some(session) = c.announced_at
            && !self.sessions.contains(&session.id())
        {
            return Err(missing(
                "contribution.announced_at",
                "UNKNOWN_SESSION",
                session.name(),
            ));
        }
        Ok(())
    }
}
