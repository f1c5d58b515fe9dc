//! What the two imports of rows from a client stream share (ImportContributions and
//! ImportMeasurements): the stream read a batch at a time, each row's result, and the last step,
//! fresh statistics for what was written and the counts of the answer.

use tonic::{Status, Streaming};

use crate::{
    api::Api,
    pb,
    store::statistics::{self, Table},
};

/// Rows written per transaction: large enough that per-statement costs vanish, small enough
/// that a batch's arrays and locks stay modest and a failed batch loses little.
pub const BATCH_ROWS: usize = 500;

/// The next rows of the stream, [`BATCH_ROWS`] of them or what is left; `None` once it has ended.
pub async fn next_batch<T>(stream: &mut Streaming<T>) -> Result<Option<Vec<T>>, Status> {
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
pub async fn finish<R: From<Tally>>(
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
