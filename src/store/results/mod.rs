//! Indicators and their measurements.
//!
//! Locks, so that checks made before a write still hold when it commits: recording
//! measurements holds their indicators' identity rows `FOR NO KEY UPDATE`, and updating an
//! indicator holds its row `FOR UPDATE`. So writers of one indicator's measurements take turns
//! (the second of two first recordings of a key sees the first and becomes a correction rather
//! than a duplicate), and an indicator never changes under a measurement being checked against
//! it, nor a measurement appears under an indicator update checking what its measurements use.
//! Row locks, unlike one advisory lock per key, do not fill PostgreSQL's shared lock table
//! however many rows a batch holds; inserting measurements only takes `FOR KEY SHARE` on the
//! indicator (the foreign key), which these locks let through.
//!
//! Identity rows are locked rather than current versions because a version row is closed by the
//! writer that supersedes it: a waiter locking `valid_to IS NULL` would then find nothing. A
//! writer that may have waited reads the history clock again (`restamp`) before writing, so
//! that its versions start after those it supersedes.

pub mod indicators;
pub mod measurements;
pub mod record;
