//! Prometheus metrics: one process-wide recorder, and a plain HTTP endpoint (`GET /metrics`) on
//! its own port, bound with the server and stopped with it.
//!
//! The recorder is global (the `metrics` macros write to it from anywhere), so several servers in
//! one process (the tests) share it; each serves the same registry on its own port.

use std::{net::SocketAddr, sync::OnceLock, time::Duration};

use anyhow::Context;
use bytes::Bytes;
use http::{Method, Response, StatusCode, header::CONTENT_TYPE};
use http_body_util::Full;
use hyper::{server::conn::http1, service::service_fn};
use hyper_util::rt::TokioIo;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sqlx::PgPool;
use tokio::{net::TcpListener, sync::watch};

/// Seconds: from a millisecond read to the default 30 s request timeout and a little beyond.
const RPC_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// Seconds: assembling a report reads every section, so it is slower than a call.
const REPORT_BUCKETS: &[f64] = &[
    0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0,
];

pub const STARTED: &str = "grpc_server_started_total";
pub const HANDLED: &str = "grpc_server_handled_total";
pub const HANDLING_SECONDS: &str = "grpc_server_handling_seconds";
pub const REPORT_SECONDS: &str = "scpf_report_generation_seconds";
pub const EXPORT_BYTES: &str = "scpf_report_export_bytes_total";
pub const POOL_CONNECTIONS: &str = "scpf_db_pool_connections";
pub const POOL_IDLE: &str = "scpf_db_pool_idle_connections";

/// The process-wide recorder, installed on first use.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(HANDLING_SECONDS.into()), RPC_BUCKETS)
            .and_then(|b| {
                b.set_buckets_for_metric(Matcher::Full(REPORT_SECONDS.into()), REPORT_BUCKETS)
            })
            .expect("the bucket lists are not empty");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed: /metrics will stay empty");
        }
        describe();
        handle
    })
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(STARTED, "RPCs started on the server.");
    describe_counter!(
        HANDLED,
        "RPCs completed on the server, whatever their status."
    );
    describe_histogram!(
        HANDLING_SECONDS,
        Unit::Seconds,
        "Time from an RPC's start to its status, on the server."
    );
    describe_histogram!(
        REPORT_SECONDS,
        Unit::Seconds,
        "Time to assemble a report's sections from the database."
    );
    describe_counter!(
        EXPORT_BYTES,
        Unit::Bytes,
        "Bytes of exported reports handed to their streams (made as clients read them)."
    );
    describe_gauge!(POOL_CONNECTIONS, "Open database connections in the pool.");
    describe_gauge!(POOL_IDLE, "Idle database connections in the pool.");
}

/// The bound metrics endpoint, not yet serving.
pub struct Endpoint {
    listener: TcpListener,
}

impl Endpoint {
    /// Installs the recorder and binds the endpoint's address.
    pub async fn bind(addr: SocketAddr) -> anyhow::Result<Endpoint> {
        handle();
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding the metrics endpoint {addr}"))?;
        Ok(Endpoint { listener })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Answers scrapes until `stop`'s sender is dropped, reading the pool's gauges at each scrape, and
    /// keeps the recorder's histograms drained meanwhile.
    pub async fn serve(self, pool: PgPool, mut stop: watch::Receiver<()>) {
        let handle = handle().clone();
        let mut upkeep = tokio::time::interval(Duration::from_secs(5));
        loop {
            let stream = tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, _)) => stream,
                    Err(err) => {
                        tracing::warn!(error = %err, "metrics endpoint: accept failed");
                        continue;
                    }
                },
                _ = upkeep.tick() => {
                    handle.run_upkeep();
                    continue;
                }
                _ = stop.changed() => return,
            };
            // Scrapes are small, but a reply in two segments would still wait for a delayed ACK.
            let _ = stream.set_nodelay(true);
            let handle = handle.clone();
            let pool = pool.clone();
            let service = service_fn(move |request: http::Request<hyper::body::Incoming>| {
                let response = scrape(&handle, &pool, request.method(), request.uri().path());
                async move { Ok::<_, std::convert::Infallible>(response) }
            });
            tokio::spawn(async move {
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    }
}

fn scrape(
    handle: &PrometheusHandle,
    pool: &PgPool,
    method: &Method,
    path: &str,
) -> Response<Full<Bytes>> {
    let answer = |status: StatusCode, body: String| {
        let mut response = Response::new(Full::new(Bytes::from(body)));
        *response.status_mut() = status;
        response
    };
    if path != "/metrics" {
        return answer(StatusCode::NOT_FOUND, "see /metrics\n".into());
    }
    if method != Method::GET {
        return answer(StatusCode::METHOD_NOT_ALLOWED, String::new());
    }
    metrics::gauge!(POOL_CONNECTIONS).set(f64::from(pool.size()));
    metrics::gauge!(POOL_IDLE).set(pool.num_idle() as f64);
    let mut response = answer(StatusCode::OK, handle.render());
    response.headers_mut().insert(
        CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}
