//! Configuration: one clap struct per command, every option also read from the environment so
//! that a Kubernetes Deployment can set it. Secrets are read from files where they can be, and are
//! wrapped so that they never print.

use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};
use sqlx::{
    PgPool,
    postgres::{PgConnectOptions, PgPoolOptions},
};

/// Where the database is and how many connections to keep.
#[derive(Debug, Clone, clap::Args)]
pub struct DatabaseArgs {
    /// PostgreSQL URL, for example postgres://user@host:5432/scpf_reports.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, value_parser = parse_secret)]
    pub database_url: Option<SecretString>,

    /// File holding the PostgreSQL URL (a mounted Secret); used when --database-url is not given.
    #[arg(long, env = "DATABASE_URL_FILE")]
    pub database_url_file: Option<PathBuf>,

    /// Largest number of pooled database connections.
    #[arg(long, env = "SCPF_DB_POOL_SIZE", default_value_t = 10)]
    pub db_pool_size: u32,

    /// How long to wait for a pooled connection before answering UNAVAILABLE.
    #[arg(long, env = "SCPF_DB_ACQUIRE_TIMEOUT", default_value = "5s", value_parser = humantime::parse_duration)]
    pub db_acquire_timeout: Duration,

    /// Longest time one SQL statement may run before PostgreSQL cancels it (the session's
    /// statement_timeout). `serve` requires it below --request-timeout, so that no query outlives
    /// the call that started it. Migrations run without it.
    #[arg(long, env = "SCPF_DB_STATEMENT_TIMEOUT", default_value = "25s", value_parser = humantime::parse_duration)]
    pub db_statement_timeout: Duration,
}

/// How often a backend busy with a statement checks that its client is still connected
/// (`client_connection_check_interval`, PostgreSQL 14 and later). A call that is cancelled or
/// passes its deadline drops its connection mid-statement; the pool then closes that connection
/// (see [`RELEASE_PING_TIMEOUT`]), and its backend notices within this interval and stops, rather
/// than running on, holding its locks and memory, until the statement timeout.
pub const CLIENT_CHECK_INTERVAL: Duration = Duration::from_millis(500);

/// How long a connection given back to the pool has to answer a ping. One whose call ended
/// while a statement was running is still waiting for that statement, and would keep its place
/// in the pool (and its backend busy) until the statement ends: past this, its socket is dropped
/// (see [`keep_on_release`]).
pub const RELEASE_PING_TIMEOUT: Duration = Duration::from_millis(250);

/// How long the pool waits for the connection that takes the place of a busy one given back.
const REPLACEMENT_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Connection options whose sessions cancel any statement running longer than `timeout` (zero:
/// no limit). The setting travels in the startup packet, so it holds from the first statement of
/// every session, including those the pool opens again after a database restart.
pub fn with_statement_timeout(options: PgConnectOptions, timeout: Duration) -> PgConnectOptions {
    options.options([("statement_timeout", format!("{}ms", timeout.as_millis()))])
}

fn parse_secret(value: &str) -> Result<SecretString, String> {
    Ok(SecretString::from(value.to_owned()))
}

impl DatabaseArgs {
    /// The connection options, from the URL or the file holding it.
    pub fn connect_options(&self) -> anyhow::Result<PgConnectOptions> {
        let url = match (&self.database_url, &self.database_url_file) {
            (Some(url), _) => url.clone(),
            (None, Some(path)) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading the database URL from {}", path.display()))?;
                SecretString::from(text.trim().to_owned())
            }
            (None, None) => anyhow::bail!(
                "no database configured: set DATABASE_URL or DATABASE_URL_FILE (scripts/run finds or starts one)"
            ),
        };
        // The URL may hold a password: never echo it back, not even in an error.
        let options = url
            .expose_secret()
            .parse::<PgConnectOptions>()
            .map_err(|_| anyhow::anyhow!("the database URL is not a valid postgres:// URL"))?;
        let options = options.options([(
            "client_connection_check_interval",
            format!("{}ms", CLIENT_CHECK_INTERVAL.as_millis()),
        )]);
        Ok(with_statement_timeout(options, self.db_statement_timeout))
    }

    /// A pool that connects lazily: the server starts (and reports NOT_SERVING) even when the
    /// database is not reachable yet.
    pub fn lazy_pool(&self) -> anyhow::Result<PgPool> {
        Ok(self
            .pool_options()?
            .connect_lazy_with(self.connect_options()?))
    }

    /// A pool that connects now, for commands that cannot do anything without the database.
    pub async fn connect(&self) -> anyhow::Result<PgPool> {
        let options = self.connect_options()?;
        self.pool_options()?
            .connect_with(options)
            .await
            .context("connecting to the database")
    }

    fn pool_options(&self) -> anyhow::Result<PgPoolOptions> {
        let options = Arc::new(self.connect_options()?);
        Ok(PgPoolOptions::new()
            .max_connections(self.db_pool_size)
            .acquire_timeout(self.db_acquire_timeout)
            .after_release(move |conn, _| {
                let options = options.clone();
                Box::pin(async move { keep_on_release(conn, &options).await })
            }))
    }
}

/// Whether a connection coming back to the pool may be kept: it must answer a ping within
/// [`RELEASE_PING_TIMEOUT`]. sqlx would otherwise wait, however long, for a statement whose
/// call was dropped to finish before reusing the connection.
///
/// A connection still busy is not closed the way sqlx closes one (a Terminate message, then the
/// TLS close_notify, whose exchange waits behind the running statement, so that over TLS the
/// backend ran on, and kept its place in the pool, until the statement timeout). A new
/// connection takes its place, and the busy one is dropped: its socket closes at once, plain or
/// TLS, and its backend, checking its client every [`CLIENT_CHECK_INTERVAL`], sees it gone and
/// rolls back. When no new connection can be made (the database is down), the busy one is
/// handed to sqlx to close.
pub async fn keep_on_release(
    conn: &mut sqlx::PgConnection,
    options: &PgConnectOptions,
) -> Result<bool, sqlx::Error> {
    use sqlx::Connection;
    match tokio::time::timeout(RELEASE_PING_TIMEOUT, conn.ping()).await {
        Ok(Ok(())) => return Ok(true),
        Ok(Err(_)) => return Ok(false),
        Err(_) => {}
    }
    match tokio::time::timeout(
        REPLACEMENT_CONNECT_TIMEOUT,
        sqlx::PgConnection::connect_with(options),
    )
    .await
    {
        Ok(Ok(fresh)) => {
            drop(std::mem::replace(conn, fresh));
            tracing::debug!("a connection still busy when its call ended was dropped and replaced");
            Ok(true)
        }
        _ => {
            tracing::debug!("a connection still busy when its call ended is closed");
            Ok(false)
        }
    }
}

/// Options of `scpf-reports serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address the gRPC server listens on.
    #[arg(long, env = "SCPF_LISTEN", default_value = "0.0.0.0:50051")]
    pub listen: SocketAddr,

    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Apply pending migrations before serving.
    #[arg(long, env = "SCPF_MIGRATE", default_value_t = true, action = clap::ArgAction::Set)]
    pub migrate: bool,

    #[command(flatten)]
    pub server: ServerSettings,
}

/// Limits and timings of the gRPC server itself.
#[derive(Debug, Clone, clap::Args)]
pub struct ServerSettings {
    /// Longest time one call may run; a client's shorter grpc-timeout wins.
    #[arg(long, env = "SCPF_REQUEST_TIMEOUT", default_value = "30s", value_parser = humantime::parse_duration)]
    pub request_timeout: Duration,

    /// Largest request or response message, in bytes.
    #[arg(long, env = "SCPF_MAX_MESSAGE_BYTES", default_value_t = 4 * 1024 * 1024)]
    pub max_message_bytes: usize,

    /// API calls served at once across all connections; further calls are shed with
    /// RESOURCE_EXHAUSTED. A call counts once its request message has arrived, until its response
    /// ends or the request timeout has passed.
    #[arg(long, env = "SCPF_CONCURRENCY_LIMIT", default_value_t = 256)]
    pub concurrency_limit: usize,

    /// API calls one caller (one token's or certificate's principal) may have running at once;
    /// its further calls wait for one of them to end, within their deadline, holding no permit
    /// of the concurrency limit meanwhile. Each running call holds at most one pooled database
    /// connection at a time, so keep this below SCPF_DB_POOL_SIZE: one caller then never holds
    /// the whole pool while others wait. 0: no limit. Not applied with SCPF_ALLOW_ANONYMOUS,
    /// where every caller is the same identity.
    #[arg(long, env = "SCPF_CALLER_CONCURRENCY_LIMIT", default_value_t = 4)]
    pub caller_concurrency_limit: usize,

    /// Health and reflection handlers running at once: a limit of their own, so that neither
    /// they nor the API can starve the other.
    #[arg(long, env = "SCPF_PROBE_CONCURRENCY_LIMIT", default_value_t = 32)]
    pub probe_concurrency_limit: usize,

    /// Longest wait for a call's request message, or for the next message of a streamed request;
    /// then the call ends with DEADLINE_EXCEEDED. A call holds no permit while its request is
    /// awaited.
    #[arg(long, env = "SCPF_REQUEST_BODY_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub request_body_timeout: Duration,

    /// Streams (calls) one HTTP/2 connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS).
    #[arg(long, env = "SCPF_HTTP2_MAX_CONCURRENT_STREAMS", default_value_t = 100)]
    pub http2_max_concurrent_streams: u32,

    /// Time a new connection has to finish its TLS handshake and send the HTTP/2 preface before
    /// it is closed.
    #[arg(long, env = "SCPF_HANDSHAKE_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub handshake_timeout: Duration,

    /// How long a connection may stay silent before the server pings it (HTTP/2 keepalive).
    #[arg(long, env = "SCPF_HTTP2_KEEPALIVE_INTERVAL", default_value = "30s", value_parser = humantime::parse_duration)]
    pub http2_keepalive_interval: Duration,

    /// How long the server waits for the answer to a keepalive ping before closing the
    /// connection. A connection from which nothing arrives for the handshake timeout plus the
    /// keepalive interval plus this is closed as well.
    #[arg(long, env = "SCPF_HTTP2_KEEPALIVE_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub http2_keepalive_timeout: Duration,

    /// How long in-flight calls may take to finish after SIGTERM before the process exits anyway.
    #[arg(long, env = "SCPF_SHUTDOWN_GRACE", default_value = "20s", value_parser = humantime::parse_duration)]
    pub shutdown_grace: Duration,

    /// How often the health service checks the database.
    #[arg(long, env = "SCPF_HEALTH_INTERVAL", default_value = "5s", value_parser = humantime::parse_duration)]
    pub health_interval: Duration,

    /// File holding the key that signs page tokens (a mounted Secret), so that tokens work across
    /// replicas and restarts. Without it a random key is made at start.
    #[arg(long, env = "SCPF_PAGE_TOKEN_KEY_FILE")]
    pub page_token_key_file: Option<PathBuf>,

    #[command(flatten)]
    pub auth: AuthSettings,

    #[command(flatten)]
    pub tls: TlsSettings,

    #[command(flatten)]
    pub telemetry: TelemetrySettings,
}

/// Who may call: bearer tokens and certificate subjects, each with a role (see `auth`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AuthSettings {
    /// File of token hashes and certificate subjects with their roles (a mounted Secret); read
    /// again whenever its content changes.
    #[arg(long, env = "SCPF_AUTH_TOKENS_FILE")]
    pub auth_tokens_file: Option<PathBuf>,

    /// How often the tokens file is checked for changes.
    #[arg(long, env = "SCPF_AUTH_RELOAD_INTERVAL", default_value = "5s", value_parser = humantime::parse_duration)]
    pub auth_reload_interval: Duration,

    /// Serve without credentials when neither a tokens file nor a client CA is configured:
    /// every caller is `anonymous` with the admin role. For local development only.
    #[arg(long, env = "SCPF_ALLOW_ANONYMOUS", value_parser = clap::builder::BoolishValueParser::new())]
    pub allow_anonymous: bool,
}

/// TLS on the gRPC port, and mutual TLS when a client CA is given.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TlsSettings {
    /// Server certificate chain (PEM); with --tls-key-file, the gRPC port speaks TLS only.
    #[arg(long, env = "SCPF_TLS_CERT_FILE", requires = "tls_key_file")]
    pub tls_cert_file: Option<PathBuf>,

    /// Private key of the server certificate (PEM).
    #[arg(long, env = "SCPF_TLS_KEY_FILE", requires = "tls_cert_file")]
    pub tls_key_file: Option<PathBuf>,

    /// CA certificate (PEM) that signs client certificates: every client must then present
    /// one, and its subject CN is the caller's identity.
    #[arg(long, env = "SCPF_TLS_CLIENT_CA_FILE", requires = "tls_cert_file")]
    pub tls_client_ca_file: Option<PathBuf>,

    /// Plaintext address serving only grpc.health.v1, for probes that cannot present a client
    /// certificate.
    #[arg(long, env = "SCPF_HEALTH_LISTEN")]
    pub health_listen: Option<SocketAddr>,
}

/// Metrics and traces.
#[derive(Debug, Clone, clap::Args)]
pub struct TelemetrySettings {
    /// Address of the Prometheus endpoint (`GET /metrics`, plain HTTP).
    #[arg(long, env = "SCPF_METRICS_LISTEN", default_value = "0.0.0.0:9090")]
    pub metrics_listen: SocketAddr,

    /// OTLP/gRPC collector to send traces to (for example http://otel-collector:4317); no
    /// traces are exported without it.
    #[arg(long, env = "OTEL_EXPORTER_OTLP_ENDPOINT")]
    pub otlp_endpoint: Option<String>,

    /// `service.name` of the exported traces.
    #[arg(long, env = "OTEL_SERVICE_NAME", default_value = "scpf-reports")]
    pub otel_service_name: String,
}

impl Default for TelemetrySettings {
    fn default() -> Self {
        Self {
            metrics_listen: SocketAddr::from(([0, 0, 0, 0], 9090)),
            otlp_endpoint: None,
            otel_service_name: "scpf-reports".to_owned(),
        }
    }
}

impl ServerSettings {
    /// The settings used when nothing is configured (tests start from these).
    pub fn defaults() -> Self {
        Self {
            request_timeout: Duration::from_secs(30),
            max_message_bytes: 4 * 1024 * 1024,
            concurrency_limit: 256,
            caller_concurrency_limit: 4,
            probe_concurrency_limit: 32,
            request_body_timeout: Duration::from_secs(10),
            http2_max_concurrent_streams: 100,
            handshake_timeout: Duration::from_secs(10),
            http2_keepalive_interval: Duration::from_secs(30),
            http2_keepalive_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(20),
            health_interval: Duration::from_secs(5),
            page_token_key_file: None,
            auth: AuthSettings {
                auth_reload_interval: Duration::from_secs(5),
                ..AuthSettings::default()
            },
            tls: TlsSettings::default(),
            telemetry: TelemetrySettings::default(),
        }
    }
}
