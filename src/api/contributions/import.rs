//! ImportContributions: a client stream of rows, written in batches. Each row is parsed into a
//! domain value first (a bad row fails alone and never reaches the database); then a batch's
//! request_ids are claimed, its claimed rows streamed into a staging table with COPY, checked
//! against the database and written from there with one statement per step, whatever its number
//! of rows. A single CreateContribution is a batch of one.

use std::collections::HashSet;

use prost::Message;
use tonic::{Request, Status, Streaming};

use super::{message, parse_create};
use crate::{
    api::{Api, Caller, convert, decode_stored, fingerprint, row_failure, streamed},
    domain::{contribution::Contribution, text::RequestId},
    error::{Error, Result},
    pb,
    store::{
        contributions::import::{self, StagedRow},
        history,
        statistics::Table,
        write::{Batch, RowClaim, RowOutcome},
    },
};

pub async fn import(
    api: &Api,
    request: Request<Streaming<pb::ImportContributionsRequest>>,
) -> Result<pb::ImportContributionsResponse, Status> {
    streamed::import(api, request, |r| parse_row(&r), write_rows).await
}

/// Rows an import wrote, per table.
#[derive(Debug, Default)]
struct Written {
    contributions: u64,
    installments: u64,
}

impl streamed::Written for Written {
    fn tables(&self) -> Vec<(Table, u64)> {
        vec![
            (Table::Contributions, self.contributions),
            (Table::ContributionVersions, self.contributions),
            (Table::Installments, self.installments),
        ]
    }
}

/// A row that parsed: what to write, under which request_id.
pub(super) struct Valid {
    /// The row number the client gave (0 for a single call).
    pub row: i64,
    pub contribution: Contribution,
    pub request_id: String,
    pub fingerprint: [u8; 32],
}

fn parse_row(row: &pb::ImportContributionsRequest) -> Result<Valid> {
    let req = row.contribution.as_ref().ok_or_else(|| {
        Error::invalid(
            "contribution",
            "REQUIRED",
            "each row carries a CreateContributionRequest",
        )
    })?;
    parse_valid(row.row, req)
}

/// A CreateContributionRequest parsed, in the order a single call checks it: the contribution,
/// then the request_id.
pub(super) fn parse_valid(row: i64, req: &pb::CreateContributionRequest) -> Result<Valid> {
    let contribution = parse_create(req)?;
    let request_id = RequestId::parse(&req.request_id, "request_id")?;
    Ok(Valid {
        row,
        contribution,
        request_id: request_id.as_str().to_owned(),
        fingerprint: fingerprint(req),
    })
}

/// Writes a batch's parsed rows ([`write`]) and answers each, in order, counting what was
/// written.
async fn write_rows(
    api: &Api,
    caller: &Caller,
    valid: &[Valid],
    written: &mut Written,
) -> Result<Vec<pb::ImportRowResult>> {
    let answers = write(api, caller, valid).await?;
    let mut answered: Vec<pb::ImportRowResult> = Vec::with_capacity(valid.len());
    for (v, answer) in valid.iter().zip(answers) {
        let result = match answer {
            Answer::Done { response, replayed } => {
                if !replayed {
                    written.contributions += 1;
                    written.installments += v.contribution.installments.len() as u64;
                }
                streamed::success(v.row, response.name, replayed)
            }
            Answer::Refused(err) => row_failure(v.row, err),
            // Answered as the earlier row of the same request; it wrote nothing itself.
            Answer::SameAs(first) => streamed::same_as(v.row, &answered[first]),
        };
        answered.push(result);
    }
    Ok(answered)
}

/// What writing one row came to.
pub(super) enum Answer {
    /// Written now, or by an earlier call (`replayed`): the contribution as a call answers it.
    Done {
        response: Box<pb::Contribution>,
        replayed: bool,
    },
    Refused(Error),
    /// The same request as the earlier row at this place: answered as that one is.
    SameAs(usize),
}

/// Stages, claims, checks and writes the rows in one transaction, under the caller's method
/// (ImportContributions for a batch, CreateContribution for a single call, a batch of one);
/// answers each row, in order. The error is a failure of every row: nothing was written.
pub(super) async fn write(api: &Api, caller: &Caller, valid: &[Valid]) -> Result<Vec<Answer>> {
    let claims: Vec<RowClaim> = valid
        .iter()
        .map(|v| RowClaim {
            request_id: v.request_id.clone(),
            fingerprint: v.fingerprint,
        })
        .collect();
    let (mut batch, outcomes) =
        Batch::begin(api.pool(), &caller.actor, caller.method, &claims).await?;
    let now = batch.now();
    let fresh: Vec<usize> = (0..valid.len())
        .filter(|&i| matches!(outcomes[i], RowOutcome::Fresh))
        .collect();

    // Every claimed row is staged with the response it will have: a new contribution is
    // revision 1, stamped with the batch's instant. A replay stages nothing.
    let mut responses: Vec<Option<pb::Contribution>> = vec![None; valid.len()];
    for &i in &fresh {
        responses[i] = Some(message(&history::first(&valid[i].contribution, now)));
    }
    let staged: Vec<StagedRow> = fresh
        .iter()
        .map(|&i| StagedRow {
            n: i as i32,
            claim: &claims[i],
            contribution: &valid[i].contribution,
            response: responses[i]
                .as_ref()
                .map(Message::encode_to_vec)
                .unwrap_or_default(),
        })
        .collect();
    if !staged.is_empty() {
        import::stage(&mut batch, &staged).await?;
    }

    // Reference checks of the claimed rows; a row refused here gives its claim back.
    let mut refusals: Vec<Option<Error>> = (0..valid.len()).map(|_| None).collect();
    let fresh: Vec<i32> = fresh.into_iter().map(|i| i as i32).collect();
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
                refusals[r.n as usize] = Some(err);
                refused.push(v.request_id.clone());
            }
        }
    }

    let inserted = import::write(&mut batch, &to_write, now).await?;
    for &n in &to_write {
        let v = &valid[n as usize];
        if inserted.contains(v.contribution.id.as_str()) {
            if let Some(response) = &responses[n as usize] {
                let after = convert::canonical_json(response);
                batch.audit(&v.request_id, &response.name, None, Some(after), None);
            }
        } else {
            let name = v.contribution.name();
            refusals[n as usize] = Some(Error::AlreadyExists { name });
            refused.push(v.request_id.clone());
        }
    }
    batch.release(&refused).await?;
    batch.commit(&[]).await?;

    let mut answers = Vec::with_capacity(valid.len());
    for (i, outcome) in outcomes.into_iter().enumerate() {
        answers.push(match outcome {
            RowOutcome::Fresh => match (refusals[i].take(), responses[i].take()) {
                (Some(err), _) => Answer::Refused(err),
                (None, Some(response)) => Answer::Done {
                    response: Box::new(response),
                    replayed: false,
                },
                (None, None) => Answer::Refused(Error::Internal(anyhow::anyhow!(
                    "an import row has no result"
                ))),
            },
            RowOutcome::Replay(bytes) => match decode_stored::<pb::Contribution>(&bytes) {
                Ok(response) => Answer::Done {
                    response: Box::new(response),
                    replayed: true,
                },
                Err(e) => Answer::Refused(e),
            },
            RowOutcome::Reused(err) => Answer::Refused(err),
            RowOutcome::SameAs(first) => Answer::SameAs(first),
        });
    }
    Ok(answers)
}
