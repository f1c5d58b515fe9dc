//! Indicators and their measurements.
//!
//! Locks, so that checks made before a write still hold when it commits:
//! - recording a measurement takes a transaction advisory lock per measurement key (indicator,
//!   period, dimension values), so that writers of one key take turns and the second of two
//!   first recordings becomes a correction rather than a duplicate;
//! - it then holds the indicator's identity row `FOR SHARE`, and updating an indicator holds it
//!   `FOR UPDATE`, so that an indicator never changes under a measurement being checked against
//!   it (and its check of the measurements in use sees them all).
//!
//! Identity rows are locked rather than current versions because a version row is closed by the
//! writer that supersedes it: a waiter locking `valid_to IS NULL` would then find nothing. A
//! writer that may have waited reads the history clock again (`restamp`) before writing, so
//! that its versions start after those it supersedes.

pub mod indicators;
pub mod measurements;
pub mod record;
