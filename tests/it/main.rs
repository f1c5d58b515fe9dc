//! Integration tests: the real server on 127.0.0.1:0, the generated client, and a real
//! PostgreSQL database per test (`#[sqlx::test]` creates and drops it).

mod allocations;
mod audit;
mod contributions;
mod exchange_rates;
mod foundation;
mod import_contributions;
mod organizations;
mod programmes;
mod receipts;
mod reports;
mod sessions;
mod support;
