//! Reports: assembling a session's report from the data as of an instant and at a status date,
//! comparing reports, rendering them into the formats committee members read, and streaming
//! exports.
//!
//! The report model is the `scpf.v1.ReportContent` message itself: its canonical JSON is what is
//! stored, hashed and exported, so assembling builds that message directly rather than a copy
//! of it.
//!
//! Building, parsing, comparing and rendering a report take time in proportion to its size and
//! never wait on anything: they run through [`off_runtime`], so that the async runtime's worker
//! threads keep answering health checks, signals and other calls meanwhile.

pub mod assemble;
pub mod assessed;
pub mod changes;
pub mod export;
pub mod figures;
pub mod render;

use crate::{
    error::{Error, Result},
    pb,
};

/// Runs `work` on the blocking thread pool and waits for it.
pub async fn off_runtime<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("a report task failed: {e}")))?
}

/// Reads a stored report's content (its canonical JSON) back; `name` says which report.
pub fn parse_content(name: &str, json: &str) -> Result<pb::ReportContent> {
    pb::json::from_str(json).map_err(|e| {
        Error::Internal(anyhow::anyhow!(
            "the stored content of {name} does not parse: {e}"
        ))
    })
}
