//! Logs, traces and metrics.
//!
//! - Logs: JSON lines on stderr (one object per event), filtered by `RUST_LOG`.
//! - [`traces`]: OpenTelemetry spans exported over OTLP when an endpoint is configured.
//! - [`metrics`]: the Prometheus recorder and its `/metrics` endpoint.
//! - [`rpc`]: the tower layer that gives every RPC its server span and its gRPC metrics.

pub mod metrics;
pub mod rpc;
pub mod traces;

use opentelemetry_sdk::trace::SdkTracer;
use tracing_subscriber::{EnvFilter, Layer as _, filter::LevelFilter, fmt, prelude::*};

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// One JSON object per line, for log collectors.
    #[default]
    Json,
    /// Human-readable lines, for a terminal.
    Text,
}

/// Installs the global subscriber: logs, and spans to `tracer` when traces are exported. Safe to
/// call more than once: later calls do nothing.
pub fn init(format: LogFormat, tracer: Option<SdkTracer>) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = match format {
        LogFormat::Json => fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .with_writer(std::io::stderr)
            .boxed(),
        LogFormat::Text => fmt::layer().with_writer(std::io::stderr).boxed(),
    };
    // RUST_LOG quiets logs without losing traces: spans keep their own level.
    let spans = tracer.map(|tracer| traces::layer(tracer).with_filter(LevelFilter::INFO));
    let _ = tracing_subscriber::registry()
        .with(logs.with_filter(filter))
        .with(spans)
        .try_init();
}
