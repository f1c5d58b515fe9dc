//! Per-session reports: every counting rule on hand-computed figures, reproducibility,
//! finalizing, diffs, exports and the scheduled job.

mod annex;
mod article4;
mod changes;
pub mod fixture;
mod founding;
mod job;
mod language;
mod large;
mod lifecycle;
mod money_rules;
mod quality;
mod responses;
mod results;
mod statistics;
mod status;

use rust_decimal::{Decimal, RoundingStrategy};

/// A decimal from the test's own text.
pub fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// The report's one rounding rule, computed here independently: half away from zero.
pub fn cents(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}
