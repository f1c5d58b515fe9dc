//! Traces: OpenTelemetry over OTLP/gRPC when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, nothing
//! otherwise. Spans are `tracing` spans; the OpenTelemetry layer turns them into OTLP spans.
//!
//! RPC attributes follow the OpenTelemetry semantic conventions **v1.40.0** (gRPC server span):
//! `rpc.system.name`, `rpc.method` (`scpf.v1.Service/Method`, or `_OTHER` with
//! `rpc.method_original`), `rpc.response.status_code` (`OK`, `NOT_FOUND`, ...), `error.type` on
//! failures, `network.peer.address` and `network.peer.port`. The span is named after
//! `rpc.method` and has kind SERVER.

use anyhow::Context as _;
use opentelemetry::{
    Context,
    propagation::{Extractor, TextMapPropagator},
    trace::TracerProvider as _,
};
use opentelemetry_sdk::{
    Resource,
    propagation::TraceContextPropagator,
    trace::{SdkTracer, SdkTracerProvider},
};
use tracing_subscriber::registry::LookupSpan;

use crate::config::TelemetrySettings;

/// The semantic-conventions version the span attributes follow.
pub const SEMCONV_VERSION: &str = "1.40.0";

/// A provider exporting to the configured OTLP endpoint, or `None` when there is none. Must be
/// called inside the Tokio runtime (the exporter is a tonic client). Shut it down before exit so
/// that the last spans are sent.
pub fn otlp_provider(settings: &TelemetrySettings) -> anyhow::Result<Option<SdkTracerProvider>> {
    let Some(endpoint) = settings
        .otlp_endpoint
        .as_deref()
        .filter(|e| !e.trim().is_empty())
    else {
        return Ok(None);
    };
    use opentelemetry_otlp::WithExportConfig as _;
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .with_endpoint(endpoint)
        .build()
        .with_context(|| format!("configuring the OTLP exporter for {endpoint}"))?;
    let resource = Resource::builder()
        .with_service_name(settings.otel_service_name.clone())
        .build();
    Ok(Some(
        SdkTracerProvider::builder()
            .with_resource(resource)
            .with_batch_exporter(exporter)
            .build(),
    ))
}

/// The tracer the service's spans are recorded with.
pub fn tracer(provider: &SdkTracerProvider) -> SdkTracer {
    provider.tracer("scpf-reports")
}

/// The `tracing` layer that turns spans into OpenTelemetry spans of `tracer`.
pub fn layer<S>(tracer: SdkTracer) -> tracing_opentelemetry::OpenTelemetryLayer<S, SdkTracer>
where
    S: tracing::Subscriber + for<'span> LookupSpan<'span>,
{
    tracing_opentelemetry::layer()
        .with_tracer(tracer)
        // Only the attributes the conventions name: no source file, line, target or thread.
        .with_location(false)
        .with_target(false)
        .with_threads(false)
        .with_tracked_inactivity(false)
}

/// The remote parent an incoming W3C `traceparent` (and `tracestate`) header names, if any.
pub fn remote_parent(headers: &http::HeaderMap) -> Context {
    TraceContextPropagator::new().extract(&Headers(headers))
}

struct Headers<'a>(&'a http::HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}
