//! The tower layer that observes every RPC: a SERVER span (see [`super::traces`] for the
//! attributes) that encloses authentication, the handler and, for streams, the body; and the
//! Prometheus metrics `grpc_server_started_total`, `grpc_server_handled_total` and
//! `grpc_server_handling_seconds` with the usual `grpc_type`, `grpc_service`, `grpc_method` and
//! `grpc_code` labels.
//!
//! An RPC is over when its status is known: from the `grpc-status` trailer at the end of the
//! body, from the headers of a trailers-only answer, or, when the client goes away first, as
//! CANCELLED. Streaming calls are therefore counted when they end.

use std::{
    pin::Pin,
    task::{Context, Poll},
    time::Instant,
};

use futures::future::{BoxFuture, FutureExt};
use http::{HeaderMap, Request, Response};
use http_body::{Body, Frame, SizeHint};
use tonic::{
    Code,
    transport::server::{TcpConnectInfo, TlsConnectInfo},
};
use tower::{Layer, Service};
use tracing::{Instrument, Span, field::Empty};
use tracing_opentelemetry::OpenTelemetrySpanExt;

use super::{metrics as names, traces};
use crate::methods::{self, Method};

/// See the module documentation.
#[derive(Debug, Clone, Copy, Default)]
pub struct ObserveLayer;

impl<S> Layer<S> for ObserveLayer {
    type Service = Observe<S>;

    fn layer(&self, inner: S) -> Observe<S> {
        Observe { inner }
    }
}

/// See [`ObserveLayer`].
#[derive(Debug, Clone)]
pub struct Observe<S> {
    inner: S,
}

impl<S, ReqBody> Service<Request<ReqBody>> for Observe<S>
where
    S: Service<Request<ReqBody>, Response = Response<tonic::body::Body>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<tower::BoxError>,
    ReqBody: Send + 'static,
{
    type Response = Response<tonic::body::Body>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let call = Call::start(&request);
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let span = call.span.clone();
        async move {
            let response = match inner.call(request).await {
                Ok(response) => response,
                // What tonic would answer for a layer's refusal (load shedding: RESOURCE_EXHAUSTED),
                // answered here so that it is counted like any other status.
                Err(err) => tonic::Status::from_error(err.into()).into_http(),
            };
            let (parts, body) = response.into_parts();
            let body = Observed {
                inner: body,
                header_code: grpc_status(&parts.headers),
                call: Some(call),
            };
            Ok(Response::from_parts(parts, tonic::body::Body::new(body)))
        }
        .instrument(span)
        .boxed()
    }
}

/// One RPC in flight.
struct Call {
    method: Option<&'static Method>,
    started: Instant,
    span: Span,
}

impl Call {
    fn start<B>(request: &Request<B>) -> Call {
        let path = request.uri().path();
        let method = methods::catalog().by_path(path);
        let (rpc_method, span_name) = match method {
            Some(m) => (m.full_name.as_str(), m.full_name.as_str()),
            None => ("_OTHER", "grpc"),
        };
        let span = tracing::info_span!(
            "rpc",
            otel.name = span_name,
            otel.kind = "server",
            otel.status_code = Empty,
            rpc.system.name = "grpc",
            rpc.method = rpc_method,
            rpc.method_original = Empty,
            rpc.response.status_code = Empty,
            error.type = Empty,
            network.peer.address = Empty,
            network.peer.port = Empty,
        );
        if method.is_none() {
            span.record("rpc.method_original", path.trim_start_matches('/'));
        }
        if let Some(peer) = peer_address(request) {
            span.record("network.peer.address", peer.ip().to_string());
            span.record("network.peer.port", peer.port());
        }
        // Without an OpenTelemetry layer (no OTLP endpoint) there is no parent to set.
        let _ = span.set_parent(traces::remote_parent(request.headers()));

        let (kind, service, name) = labels(method);
        metrics::counter!(names::STARTED, "grpc_type" => kind, "grpc_service" => service, "grpc_method" => name)
            .increment(1);
        Call {
            method,
            started: Instant::now(),
            span,
        }
    }

    fn finish(self, code: Code) {
        let (kind, service, name) = labels(self.method);
        metrics::counter!(names::HANDLED, "grpc_type" => kind, "grpc_service" => service,
            "grpc_method" => name, "grpc_code" => prometheus_code(code))
        .increment(1);
        metrics::histogram!(names::HANDLING_SECONDS, "grpc_type" => kind, "grpc_service" => service,
            "grpc_method" => name)
        .record(self.started.elapsed().as_secs_f64());

        let status = semconv_code(code);
        self.span.record("rpc.response.status_code", status);
        if code != Code::Ok {
            self.span.record("error.type", status);
        }
        if is_server_error(code) {
            self.span.record("otel.status_code", "error");
        }
        // The span ends when its last handle, this one, is dropped.
    }
}

fn labels(method: Option<&'static Method>) -> (&'static str, &'static str, &'static str) {
    match method {
        Some(m) => (m.streaming.label(), m.service.as_str(), m.name.as_str()),
        // Unknown paths share one series: a caller cannot create label values at will.
        None => ("unknown", "unknown", "unknown"),
    }
}

fn peer_address<B>(request: &Request<B>) -> Option<std::net::SocketAddr> {
    let extensions = request.extensions();
    extensions
        .get::<TcpConnectInfo>()
        .and_then(|i| i.remote_addr())
        .or_else(|| {
            extensions
                .get::<TlsConnectInfo<TcpConnectInfo>>()
                .and_then(|i| i.get_ref().remote_addr())
        })
}

fn grpc_status(headers: &HeaderMap) -> Option<Code> {
    headers
        .get("grpc-status")
        .map(|v| Code::from_bytes(v.as_bytes()))
}

/// A response body that reports the call's status when the body ends or is dropped.
struct Observed<B> {
    inner: B,
    header_code: Option<Code>,
    call: Option<Call>,
}

impl<B> Observed<B> {
    fn finish(&mut self, code: Code) {
        if let Some(call) = self.call.take() {
            call.finish(code);
        }
    }
}

impl<B> Body for Observed<B>
where
    B: Body + Unpin,
{
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        // A streaming handler does its work while the body is polled: keep it inside the span.
        let span = self.call.as_ref().map(|c| c.span.clone());
        let _entered = span.as_ref().map(Span::enter);
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(code) = frame.trailers_ref().and_then(grpc_status) {
                    self.finish(code);
                }
            }
            Poll::Ready(Some(Err(_))) => self.finish(Code::Internal),
            Poll::Ready(None) => {
                let code = self.header_code.unwrap_or(Code::Unknown);
                self.finish(code);
            }
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl<B> Drop for Observed<B> {
    fn drop(&mut self) {
        // A trailers-only answer (every refusal) is never polled; otherwise the client left.
        let code = self.header_code.unwrap_or(Code::Cancelled);
        self.finish(code);
    }
}

/// `grpc_code` as Prometheus' gRPC exporters spell it (`OK`, `NotFound`, ...), so that
/// existing dashboards work.
pub fn prometheus_code(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "Canceled",
        Code::Unknown => "Unknown",
        Code::InvalidArgument => "InvalidArgument",
        Code::DeadlineExceeded => "DeadlineExceeded",
        Code::NotFound => "NotFound",
        Code::AlreadyExists => "AlreadyExists",
        Code::PermissionDenied => "PermissionDenied",
        Code::ResourceExhausted => "ResourceExhausted",
        Code::FailedPrecondition => "FailedPrecondition",
        Code::Aborted => "Aborted",
        Code::OutOfRange => "OutOfRange",
        Code::Unimplemented => "Unimplemented",
        Code::Internal => "Internal",
        Code::Unavailable => "Unavailable",
        Code::DataLoss => "DataLoss",
        Code::Unauthenticated => "Unauthenticated",
    }
}

/// `rpc.response.status_code` as the semantic conventions spell it (`OK`, `NOT_FOUND`, ...).
pub fn semconv_code(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

/// The codes the conventions count as server errors (span status ERROR); the others are the
/// caller's doing.
fn is_server_error(code: Code) -> bool {
    matches!(
        code,
        Code::Unknown
            | Code::DeadlineExceeded
            | Code::Unimplemented
            | Code::Internal
            | Code::Unavailable
            | Code::DataLoss
    )
}
