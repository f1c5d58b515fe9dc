//! The gRPC server: services, health, reflection, limits as tower layers, and a graceful,
//! bounded shutdown.
//!
//! The layers every request passes, outermost first: the connection's budget of refused
//! streams (see [`connection`]), telemetry (span and metrics), auth
//! (credential and role, before any handler), admission (the request message first, then a
//! permit of the API's or the probes' concurrency limit; see [`admission`]); tonic's own timeout
//! wraps them all. Connections are bounded too: streams per connection, a handshake deadline,
//! keepalive pings and an idle deadline (see [`connection`]).

mod admission;
mod connection;

use std::{future::Future, net::SocketAddr, sync::Arc};

use anyhow::Context;
use futures::TryStreamExt;
use sqlx::PgPool;
use tokio::{net::TcpListener, sync::watch};
use tonic::{
    service::Routes,
    transport::{Server, ServerTlsConfig, server::TcpIncoming},
};
use tonic_health::ServingStatus;

use crate::{
    api::{Api, PageKey},
    auth::{AuthLayer, Authenticator},
    config::ServerSettings,
    health, pb,
    telemetry::{metrics, rpc::ObserveLayer},
    tls,
};

/// A bound, ready-to-run server. Tests build it on port 0 and read the port back.
pub struct Application {
    listener: TcpListener,
    pool: PgPool,
    settings: ServerSettings,
    page_key: PageKey,
    auth: Arc<Authenticator>,
    tls: Option<ServerTlsConfig>,
    health_listener: Option<TcpListener>,
    metrics: metrics::Endpoint,
}

impl Application {
    /// Binds the listener. The pool may be lazy: the server starts even when the database is
    /// down, and says so through the health service.
    pub async fn build(
        listen: SocketAddr,
        pool: PgPool,
        settings: ServerSettings,
    ) -> anyhow::Result<Self> {
        let tls = tls::server_config(&settings.tls)?;
        if let Some(config) = &tls {
            // Parses the certificate and key now, so that a bad file stops the start.
            Server::builder()
                .tls_config(config.clone())
                .context("configuring TLS")?;
        }
        let mutual_tls = settings.tls.tls_client_ca_file.is_some();
        let auth = Arc::new(Authenticator::from_settings(&settings.auth, mutual_tls)?);
        let listener = TcpListener::bind(listen)
            .await
            .with_context(|| format!("binding {listen}"))?;
        let health_listener = match settings.tls.health_listen {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("binding the health port {addr}"))?,
            ),
            None => {
                if mutual_tls {
                    tracing::warn!(
                        "mutual TLS without SCPF_HEALTH_LISTEN: probes cannot reach the health service"
                    );
                }
                None
            }
        };
        let metrics = metrics::Endpoint::bind(settings.telemetry.metrics_listen).await?;
        let page_key = match &settings.page_token_key_file {
            Some(path) => {
                PageKey::new(std::fs::read(path).with_context(|| {
                    format!("reading the page token key from {}", path.display())
                })?)
            }
            None => {
                tracing::warn!(
                    "no page token key configured: page tokens will not work across replicas or restarts"
                );
                PageKey::random()
            }
        };
        Ok(Self {
            listener,
            pool,
            settings,
            page_key,
            auth,
            tls,
            health_listener,
            metrics,
        })
    }

    /// The address actually bound (the port is chosen by the system when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// The address of the plaintext health port, when one is configured.
    pub fn health_addr(&self) -> Option<SocketAddr> {
        self.health_listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
    }

    /// The address of the Prometheus endpoint.
    pub fn metrics_addr(&self) -> SocketAddr {
        self.metrics.local_addr()
    }

    /// Serves until `shutdown` completes, then turns NOT_SERVING, stops accepting connections,
    /// and lets in-flight calls finish for at most the grace period.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
        let Application {
            listener,
            pool,
            settings,
            page_key,
            auth,
            tls,
            health_listener,
            metrics,
        } = self;
        let limits = admission::Limits {
            calls: settings.concurrency_limit,
            // Anonymous callers cannot be told apart: one lane would serialize them all.
            per_caller: if auth.is_anonymous() {
                0
            } else {
                settings.caller_concurrency_limit
            },
            probes: settings.probe_concurrency_limit,
            body_timeout: settings.request_body_timeout,
            max_message_bytes: settings.max_message_bytes,
            request_timeout: settings.request_timeout,
        };
        let api = Api::new(pool.clone(), page_key, settings.max_message_bytes);
        let (reporter, health_service) = tonic_health::server::health_reporter();
        let (routes, services) = routes(&api, &settings)?;
        health::set_all(&reporter, &services, ServingStatus::NotServing).await;
        reporter
            .set_service_status(health::LIVENESS, ServingStatus::Serving)
            .await;

        // The side ports live until this function returns (dropping `_done` stops them), so that
        // probes and scrapes keep answering while calls drain.
        let (_done, done) = watch::channel(());
        tokio::spawn(metrics.serve(pool.clone(), done.clone()));
        let connections = connection::Connections::default();
        if let Some(listener) = health_listener {
            let mut done = done.clone();
            tokio::spawn(
                bounded(Server::builder(), &settings)
                    .layer(connection::RefusalLayer::new(connections.clone()))
                    .layer(admission::AdmissionLayer::new(limits))
                    .add_service(health_service.clone())
                    .serve_with_incoming_shutdown(
                        incoming(listener, &settings, &connections),
                        async move {
                            let _ = done.changed().await;
                        },
                    ),
            );
        }

        let (stop_tx, stop_rx) = watch::channel(false);
        let follower = tokio::spawn(health::follow_database(
            health::own_pool(&pool, settings.health_interval),
            reporter.clone(),
            services.clone(),
            settings.health_interval,
            stop_rx.clone(),
        ));
        tokio::spawn(
            auth.clone()
                .follow_tokens_file(settings.auth.auth_reload_interval, stop_rx.clone()),
        );
        let (drain_tx, drain_rx) = tokio::sync::oneshot::channel::<()>();
        let mut builder = Server::builder();
        if let Some(config) = tls {
            builder = builder
                .tls_config(config.timeout(settings.handshake_timeout))
                .context("configuring TLS")?;
        }
        let server = bounded(builder, &settings)
            .timeout(settings.request_timeout)
            .layer(connection::RefusalLayer::new(connections.clone()))
            .layer(ObserveLayer)
            .layer(AuthLayer::new(auth))
            .layer(admission::AdmissionLayer::new(limits))
            .add_routes(routes)
            .add_service(health_service)
            .serve_with_incoming_shutdown(incoming(listener, &settings, &connections), async {
                let _ = drain_rx.await;
            });
        tokio::pin!(server);

        tokio::select! {
            result = &mut server => {
                let _ = stop_tx.send(true);
                return result.context("the gRPC server failed");
            }
            () = shutdown => {}
        }

        tracing::info!(grace = ?settings.shutdown_grace, "shutting down: draining in-flight calls");
        let _ = stop_tx.send(true);
        let _ = follower.await;
        health::set_all(&reporter, &services, ServingStatus::NotServing).await;
        let _ = drain_tx.send(());
        match tokio::time::timeout(settings.shutdown_grace, server).await {
            Ok(result) => result.context("the gRPC server failed while draining")?,
            Err(_) => tracing::warn!("grace period over: closing the remaining calls"),
        }
        tracing::info!("stopped");
        Ok(())
    }
}

/// The HTTP/2 limits of a server: streams per connection and keepalive pings.
fn bounded(builder: Server, settings: &ServerSettings) -> Server {
    builder
        .max_concurrent_streams(settings.http2_max_concurrent_streams)
        .http2_keepalive_interval(Some(settings.http2_keepalive_interval))
        .http2_keepalive_timeout(Some(settings.http2_keepalive_timeout))
}

/// Accepted connections, without Nagle's algorithm, closed when they stay silent too long, and
/// read from more slowly when too many of their streams are refused.
fn incoming(
    listener: TcpListener,
    settings: &ServerSettings,
    connections: &connection::Connections,
) -> impl futures::Stream<Item = std::io::Result<connection::Deadlined<tokio::net::TcpStream>>> + use<>
{
    let deadlines = connection::Deadlines {
        handshake: settings.handshake_timeout,
        // A live client answers a keepalive ping at least once per interval.
        idle: settings.handshake_timeout
            + settings.http2_keepalive_interval
            + settings.http2_keepalive_timeout,
    };
    let connections = connections.clone();
    no_delay(listener).map_ok(move |io| connection::Deadlined::new(io, deadlines, &connections))
}

/// Accepted connections with Nagle's algorithm off. tonic applies its own `tcp_nodelay` only to
/// listeners it binds itself; without it, a response written in several pieces waits for the
/// client's delayed acknowledgement (about 40 ms a call).
fn no_delay(listener: TcpListener) -> TcpIncoming {
    TcpIncoming::from(listener).with_nodelay(Some(true))
}

/// Every scpf.v1 service plus reflection, with explicit message size limits; and the names
/// whose health is reported.
fn routes(api: &Api, settings: &ServerSettings) -> anyhow::Result<(Routes, Vec<&'static str>)> {
    use pb::{
        allocation_service_server::AllocationServiceServer,
        audit_service_server::AuditServiceServer,
        contribution_service_server::ContributionServiceServer,
        exchange_rate_service_server::ExchangeRateServiceServer,
        iati_service_server::IatiServiceServer,
        member_state_service_server::MemberStateServiceServer,
        organization_service_server::OrganizationServiceServer,
        programme_service_server::ProgrammeServiceServer,
        report_service_server::ReportServiceServer, result_service_server::ResultServiceServer,
        session_service_server::SessionServiceServer,
    };
    let limit = settings.max_message_bytes;
    macro_rules! service {
        ($server:ident) => {
            $server::new(api.clone())
                .max_decoding_message_size(limit)
                .max_encoding_message_size(limit)
        };
    }
    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        // google.rpc.Status, ErrorInfo and BadRequest, so that grpcurl can print error details.
        .register_encoded_file_descriptor_set(tonic_types::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_types::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;

    let services = vec![
        <OrganizationServiceServer<Api> as tonic::server::NamedService>::NAME,
        <AuditServiceServer<Api> as tonic::server::NamedService>::NAME,
        <ReportServiceServer<Api> as tonic::server::NamedService>::NAME,
        <ExchangeRateServiceServer<Api> as tonic::server::NamedService>::NAME,
        <MemberStateServiceServer<Api> as tonic::server::NamedService>::NAME,
        <AllocationServiceServer<Api> as tonic::server::NamedService>::NAME,
        <SessionServiceServer<Api> as tonic::server::NamedService>::NAME,
        <ProgrammeServiceServer<Api> as tonic::server::NamedService>::NAME,
        <ContributionServiceServer<Api> as tonic::server::NamedService>::NAME,
        <ResultServiceServer<Api> as tonic::server::NamedService>::NAME,
        <IatiServiceServer<Api> as tonic::server::NamedService>::NAME,
    ];
    let routes = Routes::new(service!(OrganizationServiceServer))
        .add_service(service!(AuditServiceServer))
        .add_service(service!(ReportServiceServer))
        .add_service(service!(ExchangeRateServiceServer))
        .add_service(service!(MemberStateServiceServer))
        .add_service(service!(AllocationServiceServer))
        .add_service(service!(SessionServiceServer))
        .add_service(service!(ProgrammeServiceServer))
        .add_service(service!(ContributionServiceServer))
        .add_service(service!(ResultServiceServer))
        .add_service(service!(IatiServiceServer))
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha);
    Ok((routes, services))
}

/// Completes on SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("SIGINT received"),
        () = terminate => tracing::info!("SIGTERM received"),
    }
}
