//! Integration tests: the real server on 127.0.0.1:0, the generated client, and a real
//! PostgreSQL database per test (`#[sqlx::test]` creates and drops it).

mod allocations;
mod audit;
mod auth;
mod contributions;
mod exchange_rates;
mod fixtures;
mod foundation;
mod hardening;
mod iati;
mod indicators;
mod measurements;
mod member_states;
mod metrics;
mod organizations;
mod programmes;
mod raw;
mod readme;
mod receipts;
mod reliability;
mod reports;
mod sessions;
mod sockets;
mod support;
mod tls;
mod traces;
