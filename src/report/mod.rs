//! Reports: assembling a session's report from the data as of an instant, comparing reports,
//! and rendering them into the formats committee members read.
//!
//! The report model is the `scpf.v1.ReportContent` message itself: its canonical JSON is what is
//! stored, hashed and exported, so assembling builds that message directly rather than a copy
//! of it.

pub mod assemble;
pub mod assessed;
pub mod figures;
pub mod render;
