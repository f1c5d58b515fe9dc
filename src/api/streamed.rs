//! What the two imports of rows from a client stream share (ImportContributions and
//! ImportMeasurements): the stream read a batch at a time, each row parsed alone and the parsed
//! rows of a batch written together, each row's result, and the last step, fresh statistics for
//! what was written and the counts of the answer.

use tonic::{Request, Status, Streaming};

use crate::{
    api::{Api, Caller, row_failure},
    error::Result,
    pb,
    store::statistics::{self, Table},
};

/// An import of rows from a client stream (`rpcs!` names a function that calls it): a batch at
/// a time, each row parsed by `parse` (a row that does not parse fails alone and never reaches
/// the database), then the batch's parsed rows written by `write` in one transaction, which
/// answers each of them in order and counts in `W` what it wrote; then [`finish`].
pub async fn import<R: Row, P, W: Written + Default, Answer: From<Tally>>(
    api: &Api,
    request: Request<Streaming<R>>,
    parse: impl Fn(R) -> Result<P>,
    write: impl AsyncFn(&Api, &Caller, &[P], &mut W) -> Result<Vec<pb::ImportRowResult>>,
) -> Result<Answer, Status> {
    let (caller, mut stream) = Caller::split(request);
    let mut results = Vec::new();
    let mut written = W::default();
    while let Some(rows) = next_batch(&mut stream).await? {
        let mut answers: Vec<Option<pb::ImportRowResult>> = vec![None; rows.len()];
        let mut parsed = Vec::new();
        // Where each parsed row stands in the batch, and its number.
        let mut places = Vec::new();
        for (index, r) in rows.into_iter().enumerate() {
            let row = r.row();
            match parse(r) {
                Ok(p) => {
                    parsed.push(p);
                    places.push((index, row));
                }
                Err(err) => answers[index] = Some(row_failure(row, err)),
            }
        }
        if !parsed.is_empty() {
            let written_now = match write(api, &caller, &parsed, &mut written).await {
                Ok(answered) => answered,
                // Nothing of the batch was written: every row that reached it failed with it.
                Err(err) => {
                    let failure = row_failure(0, err);
                    places
                        .iter()
                        .map(|&(_, row)| pb::ImportRowResult {
                            row,
                            ..failure.clone()
                        })
                        .collect()
                }
            };
            for ((index, _), answer) in places.into_iter().zip(written_now) {
                answers[index] = Some(answer);
            }
        }
        results.extend(answers.into_iter().flatten());
    }
    Ok(finish(api, &written, results).await)
}

/// A message of an import's client stream: one row, numbered by the client.
pub trait Row {
    /// The number the client gave the row.
    fn row(&self) -> i64;
}

impl Row for pb::ImportContributionsRequest {
    fn row(&self) -> i64 {
        self.row
    }
}

impl Row for pb::ImportMeasurementsRequest {
    fn row(&self) -> i64 {
        self.row
    }
}

/// Rows written per transaction: large enough that per-statement costs vanish, small enough
/// that a batch's arrays and locks stay modest and a failed batch loses little.
pub const BATCH_ROWS: usize = 500;

/// The next rows of the stream, [`BATCH_ROWS`] of them or what is left; `None` once it has ended.
async fn next_batch<T>(stream: &mut Streaming<T>) -> Result<Option<Vec<T>>, Status> {
    let mut rows = Vec::new();
    while rows.len() < BATCH_ROWS {
        match stream.message().await? {
            Some(row) => rows.push(row),
            None => break,
        }
    }
    Ok((!rows.is_empty()).then_some(rows))
}

/// Rows an import wrote, per table.
pub trait Written {
    /// The tables the import grew, each with the rows it added.
    fn tables(&self) -> Vec<(Table, u64)>;
}

/// The result of a row that was written now, or by an earlier call (`replayed`), as `name`.
pub fn success(row: i64, name: String, replayed: bool) -> pb::ImportRowResult {
    pb::ImportRowResult {
        row,
        name,
        replayed,
        ..Default::default()
    }
}

/// The result of a row whose request is the same as the one of an earlier row of the stream: the
/// earlier row's, as a replay when that one was written.
pub fn same_as(row: i64, earlier: &pb::ImportRowResult) -> pb::ImportRowResult {
    pb::ImportRowResult {
        row,
        replayed: earlier.code == 0,
        ..earlier.clone()
    }
}

/// An import's answer: each row's result, and how many were written, replayed and refused.
pub struct Tally {
    pub written: i64,
    pub replayed: i64,
    pub failed: i64,
    pub results: Vec<pb::ImportRowResult>,
}

impl Tally {
    fn of(results: Vec<pb::ImportRowResult>) -> Tally {
        let count = |keep: fn(&pb::ImportRowResult) -> bool| {
            results.iter().filter(|r| keep(r)).count() as i64
        };
        Tally {
            written: count(|r| r.code == 0 && !r.replayed),
            replayed: count(|r| r.code == 0 && r.replayed),
            failed: count(|r| r.code != 0),
            results,
        }
    }
}

/// An import's last step: fresh statistics for the tables it grew, so that a report generated
/// right after it is planned on what the tables now hold, then its answer. The rows are
/// committed by then, so a failure to refresh is logged, not returned.
async fn finish<R: From<Tally>>(
    api: &Api,
    written: &impl Written,
    results: Vec<pb::ImportRowResult>,
) -> R {
    if let Err(err) = statistics::refresh(api.pool(), &written.tables()).await {
        tracing::warn!(error = %err, "the statistics of the imported tables were not refreshed");
    }
    Tally::of(results).into()
}

impl From<Tally> for pb::ImportContributionsResponse {
    fn from(t: Tally) -> Self {
        pb::ImportContributionsResponse {
            written: t.written,
            replayed: t.replayed,
            failed: t.failed,
            results: t.results,
        }
    }
}

impl From<Tally> for pb::ImportMeasurementsResponse {
    fn from(t: Tally) -> Self {
        pb::ImportMeasurementsResponse {
            written: t.written,
            replayed: t.replayed,
            failed: t.failed,
            results: t.results,
        }
    }
}
