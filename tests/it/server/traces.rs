//! Traces: each RPC is one SERVER span named after its method, with the RPC attributes of the
//! pinned semantic conventions, continuing the caller's W3C trace; database work nests inside.
//!
//! The spans go to an in-memory exporter through a subscriber set for this test's thread only;
//! `#[sqlx::test]` runs the test and the server it starts on that one thread.

use std::time::Duration;

use opentelemetry::{
    Value,
    trace::{SpanId, SpanKind, Status, TraceId},
};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use scpf_reports::{
    pb::{self, organization_service_client::OrganizationServiceClient},
    telemetry::traces,
};
use sqlx::PgPool;
use tonic::Code;
use tracing_subscriber::prelude::*;

use crate::support::fixtures;
use crate::support::{TestServer, ok};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID: &str = "00f067aa0ba902b7";

fn traced<T>(message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.metadata_mut().insert(
        "traceparent",
        format!("00-{TRACE_ID}-{PARENT_ID}-01").parse().unwrap(),
    );
    request
}

fn attribute(span: &SpanData, key: &str) -> Option<Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.clone())
}

/// Waits for the exporter to hold a span named `name` (the server closes a span just after the
/// client has its answer).
async fn span_named(exporter: &InMemorySpanExporter, name: &str) -> SpanData {
    for _ in 0..50 {
        if let Some(span) = exporter
            .get_finished_spans()
            .unwrap()
            .into_iter()
            .find(|s| s.name == name)
        {
            return span;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "no span {name} among {:?}",
        exporter
            .get_finished_spans()
            .unwrap()
            .iter()
            .map(|s| s.name.clone())
            .collect::<Vec<_>>()
    );
}

#[sqlx::test(migrations = false)]
async fn a_call_is_one_server_span_in_the_callers_trace(pool: PgPool) {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let subscriber = tracing_subscriber::registry().with(traces::layer(traces::tracer(&provider)));
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = TestServer::start(pool).await;
    let mut orgs = OrganizationServiceClient::new(server.channel.clone());
    ok(orgs.create_organization(traced(fixtures::belgium()))).await;

    let span = span_named(&exporter, "scpf.v1.OrganizationService/CreateOrganization").await;
    assert_eq!(span.span_kind, SpanKind::Server);
    assert_eq!(
        span.span_context.trace_id(),
        TraceId::from_hex(TRACE_ID).unwrap()
    );
    assert_eq!(span.parent_span_id, SpanId::from_hex(PARENT_ID).unwrap());
    assert!(span.parent_span_is_remote);
    assert_eq!(attribute(&span, "rpc.system.name"), Some("grpc".into()));
    assert_eq!(
        attribute(&span, "rpc.method"),
        Some("scpf.v1.OrganizationService/CreateOrganization".into())
    );
    assert_eq!(
        attribute(&span, "rpc.response.status_code"),
        Some("OK".into())
    );
    assert_eq!(attribute(&span, "error.type"), None);
    assert!(attribute(&span, "network.peer.address").is_some());

    let begin = span_named(&exporter, "write.begin").await;
    assert_eq!(begin.parent_span_id, span.span_context.span_id());
    assert_eq!(begin.span_context.trace_id(), span.span_context.trace_id());

    // A caller's mistake is recorded as its code, without marking the server span as failed.
    let err = orgs
        .get_organization(traced(pb::GetOrganizationRequest {
            name: "organizations/nowhere".into(),
            ..Default::default()
        }))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let span = span_named(&exporter, "scpf.v1.OrganizationService/GetOrganization").await;
    assert_eq!(
        attribute(&span, "rpc.response.status_code"),
        Some("NOT_FOUND".into())
    );
    assert_eq!(attribute(&span, "error.type"), Some("NOT_FOUND".into()));
    assert_eq!(span.status, Status::Unset);
    server.stop().await;
}
