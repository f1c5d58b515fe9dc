//! Integration tests: the real server on 127.0.0.1:0, the generated client, and a real
//! PostgreSQL database per test (`#[sqlx::test]` creates and drops it).

mod audit;
mod foundation;
mod import_measurements;
mod indicators;
mod measurements;
mod organizations;
mod support;
