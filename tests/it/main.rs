//! Integration tests: the real server on 127.0.0.1:0, the generated client, and a real
//! PostgreSQL database per test (`#[sqlx::test]` creates and drops it).
//!
//! A folder per resource (its lists, refusals and imports inside it), a folder per concern that
//! spans them (`server`, `hardening`, `reliability`), and `support`, the one harness every test
//! starts from.

mod allocations;
mod audit;
mod contributions;
mod exchange_rates;
mod hardening;
mod iati;
mod indicators;
mod measurements;
mod member_states;
mod organizations;
mod programmes;
mod receipts;
mod reliability;
mod reports;
mod server;
mod sessions;
mod support;
