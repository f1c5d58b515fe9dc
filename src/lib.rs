//! scpf-reports: donor contributions and programme results, brought together into per-session
//! reports for the Standing Committee on Programmes and Finance.
//!
//! Layers, outermost first: [`cli`] parses the command line; [`server`] wires the tonic server;
//! [`telemetry`] and [`auth`] are its tower layers; [`api`] turns protobuf into domain values and
//! back; [`store`] holds every SQL statement; [`domain`] holds the types and rules, with no I/O.
//! See `docs/ARCHITECTURE.md`.

pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod domain;
pub mod error;
pub mod health;
pub mod iati;
pub mod memory;
pub mod methods;
pub mod pb;
pub mod report;
pub mod server;
pub mod store;
pub mod telemetry;
pub mod tls;

pub use error::{Error, Result};
