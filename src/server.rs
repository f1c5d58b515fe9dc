//! The gRPC server: services, health, reflection, limits as tower layers, and a graceful,
//! bounded shutdown.

use std::{future::Future, net::SocketAddr};

use anyhow::Context;
use sqlx::PgPool;
use tokio::{net::TcpListener, sync::watch};
use tokio_stream::wrappers::TcpListenerStream;
use tonic::{service::Routes, transport::Server};
use tonic_health::ServingStatus;
use tower::{limit::GlobalConcurrencyLimitLayer, load_shed::LoadShedLayer};

use crate::{
    api::{Api, PageKey},
    config::ServerSettings,
    health, pb,
};

/// A bound, ready-to-run server. Tests build it on port 0 and read the port back.
pub struct Application {
    listener: TcpListener,
    pool: PgPool,
    settings: ServerSettings,
    page_key: PageKey,
}

impl Application {
    /// Binds the listener. The pool may be lazy: the server starts even when the database is
    /// down, and says so through the health service.
    pub async fn build(
        listen: SocketAddr,
        pool: PgPool,
        settings: ServerSettings,
    ) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(listen)
            .await
            .with_context(|| format!("binding {listen}"))?;
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
        })
    }

    /// The address actually bound (the port is chosen by the system when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until `shutdown` completes, then turns NOT_SERVING, stops accepting connections,
    /// and lets in-flight calls finish for at most the grace period.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
        let Application {
            listener,
            pool,
            settings,
            page_key,
        } = self;
        let api = Api::new(pool.clone(), page_key);
        let (reporter, health_service) = tonic_health::server::health_reporter();
        let (routes, services) = routes(&api, &settings)?;
        health::set_all(&reporter, &services, ServingStatus::NotServing).await;

        let (stop_tx, stop_rx) = watch::channel(false);
        let follower = tokio::spawn(health::follow_database(
            pool,
            reporter.clone(),
            services.clone(),
            settings.health_interval,
            stop_rx,
        ));

        let (drain_tx, drain_rx) = tokio::sync::oneshot::channel::<()>();
        let server = Server::builder()
            .timeout(settings.request_timeout)
            .layer(LoadShedLayer::new())
            .layer(GlobalConcurrencyLimitLayer::new(settings.concurrency_limit))
            .add_routes(routes)
            .add_service(health_service)
            .serve_with_incoming_shutdown(TcpListenerStream::new(listener), async {
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

/// Every scpf.v1 service plus reflection, with explicit message size limits; and the names
/// whose health is reported.
fn routes(api: &Api, settings: &ServerSettings) -> anyhow::Result<(Routes, Vec<&'static str>)> {
    use pb::{
        audit_service_server::AuditServiceServer,
        organization_service_server::OrganizationServiceServer,
        result_service_server::ResultServiceServer,
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
        .build_v1()?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;

    let services = vec![
        <OrganizationServiceServer<Api> as tonic::server::NamedService>::NAME,
        <AuditServiceServer<Api> as tonic::server::NamedService>::NAME,
        <ResultServiceServer<Api> as tonic::server::NamedService>::NAME,
    ];
    let routes = Routes::new(service!(OrganizationServiceServer))
        .add_service(service!(AuditServiceServer))
        .add_service(service!(ResultServiceServer))
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
