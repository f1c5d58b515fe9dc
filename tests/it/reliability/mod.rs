//! The reliability suite (issue 9, point 2): the real server binary killed and restarted under
//! writes, its own PostgreSQL stopped under load, deadlines shorter than the work, attacks that
//! once starved or bloated it, the database role the service runs as, and properties of money and
//! page tokens over generated inputs.
//!
//! Every test here is bounded to a few seconds in CI. `SCPF_RELIABILITY_LONG=1` runs the long
//! versions (more writes, more kills, more outages, longer attacks); `PROPTEST_CASES` raises the number of
//! generated cases. RELIABILITY.md records what each proves and the figures of a long run.

mod abuse;
mod cluster;
mod crash;
mod deadline;
mod guard;
mod load;
mod outage;
mod process;
mod properties;
mod roles;

/// Whether the long versions were asked for.
pub fn long() -> bool {
    std::env::var("SCPF_RELIABILITY_LONG").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// `short` in CI, `long` with `SCPF_RELIABILITY_LONG=1`.
pub fn scale(short: usize, long_run: usize) -> usize {
    if long() { long_run } else { short }
}
