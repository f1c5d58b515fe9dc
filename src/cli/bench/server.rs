//! The server under measurement: this same binary's `serve`, in a process of its own, so that
//! its memory is its own and the bench's client work does not share its threads.

use std::{
    io::Write as _,
    net::SocketAddr,
    path::PathBuf,
    process::Stdio,
    time::{Duration, Instant},
};

use anyhow::Context;
use secrecy::SecretString;
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    process::{Child, Command},
};
use tonic::{service::interceptor::InterceptedService, transport::Channel};
use uuid::Uuid;

use crate::{
    auth,
    cli::client::{Connection, Credential},
};

/// The statement timeout of the bench's server: as long as its request timeout allows, since
/// `serve` requires it below the request timeout.
fn statement_timeout(request_timeout: Duration) -> Duration {
    request_timeout
        .saturating_sub(Duration::from_secs(10))
        .max(request_timeout / 2)
}

/// A running `scpf-reports serve`, stopped when dropped.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    pub metrics: SocketAddr,
    token: SecretString,
    _tokens: tempfile::NamedTempFile,
}

impl Server {
    /// Starts the server on free loopback ports against `database_url` (migrating it), with a
    /// token of its own, and waits until it serves.
    pub async fn start(
        program: &PathBuf,
        database_url: &str,
        request_timeout: Duration,
        log: &std::path::Path,
    ) -> anyhow::Result<Server> {
        let mut log = std::fs::File::create(log)
            .with_context(|| format!("creating the server's log {}", log.display()))?;
        let token = SecretString::from(Uuid::new_v4().simple().to_string());
        let mut tokens = tempfile::NamedTempFile::new().context("creating the tokens file")?;
        writeln!(tokens, "{} admin bench", auth::hash_token(&token))?;
        let mut child = Command::new(program)
            .args(["--log-format", "json", "serve", "--listen", "127.0.0.1:0"])
            .env("DATABASE_URL", database_url)
            .env("SCPF_METRICS_LISTEN", "127.0.0.1:0")
            .env("SCPF_AUTH_TOKENS_FILE", tokens.path())
            .env("SCPF_MIGRATE", "true")
            // Every client of the bench calls with the one token: the throughput measured is
            // the server's, not one caller's share of it.
            .env("SCPF_CALLER_CONCURRENCY_LIMIT", "0")
            .env(
                "SCPF_REQUEST_TIMEOUT",
                humantime::format_duration(request_timeout).to_string(),
            )
            // A report's statements grow with the contributions: at the largest step one of
            // them can outlast the 25 s a deployment allows it, and the report would fail
            // instead of being measured. The request timeout still bounds each call.
            .env(
                "SCPF_DB_STATEMENT_TIMEOUT",
                humantime::format_duration(statement_timeout(request_timeout)).to_string(),
            )
            // Room for the largest report (its Report message is returned whole).
            .env("SCPF_MAX_MESSAGE_BYTES", (256 * 1024 * 1024).to_string())
            .env("RUST_LOG", "info,scpf_reports::telemetry=warn")
            .env_remove("SCPF_HEALTH_LISTEN")
            .env_remove("SCPF_TLS_CERT_FILE")
            .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", program.display()))?;
        let stderr = child.stderr.take().context("the server's standard error")?;
        let mut lines = BufReader::new(stderr).lines();
        let deadline = Instant::now() + Duration::from_secs(60);
        let (addr, metrics) = loop {
            let line = tokio::time::timeout_at(
                tokio::time::Instant::from_std(deadline),
                lines.next_line(),
            )
            .await
            .context("the server did not start within 60 s")??
            .context("the server stopped before serving")?;
            let _ = writeln!(log, "{line}");
            let Ok(event) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            if event["message"] == "serving gRPC" {
                let field = |name: &str| -> anyhow::Result<SocketAddr> {
                    event[name]
                        .as_str()
                        .and_then(|a| a.parse().ok())
                        .with_context(|| format!("no {name} in {line}"))
                };
                break (field("address")?, field("metrics")?);
            }
            if event["level"] == "ERROR" {
                anyhow::bail!("the server failed to start: {line}");
            }
        };
        // Keeps its log, and the server never blocks on a full pipe.
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                let _ = writeln!(log, "{line}");
            }
        });
        Ok(Server {
            child,
            addr,
            metrics,
            token,
            _tokens: tokens,
        })
    }

    /// A connection carrying the server's token.
    pub async fn connect(&self) -> anyhow::Result<Connection> {
        let channel = Channel::from_shared(format!("http://{}", self.addr))?
            .tcp_nodelay(true)
            .connect()
            .await
            .context("connecting to the server")?;
        let credential = Credential::bearer(&self.token, Duration::from_secs(3600))?;
        Ok(InterceptedService::new(channel, credential))
    }

    /// `n` connections, for calls that should not share one HTTP/2 connection.
    pub async fn connections(&self, n: usize) -> anyhow::Result<Vec<Connection>> {
        let mut all = Vec::with_capacity(n);
        for _ in 0..n {
            all.push(self.connect().await?);
        }
        Ok(all)
    }

    fn pid(&self) -> anyhow::Result<u32> {
        self.child.id().context("the server has stopped")
    }

    /// Forgets the peak of the server's resident memory, so that the next reading is the peak
    /// since now.
    pub fn reset_peak_memory(&self) -> anyhow::Result<()> {
        std::fs::write(format!("/proc/{}/clear_refs", self.pid()?), "5")
            .context("resetting the server's peak memory (Linux /proc/PID/clear_refs)")
    }

    /// The peak of the server's resident memory since it started or was last reset, in bytes.
    pub fn peak_memory(&self) -> anyhow::Result<u64> {
        self.memory_field("VmHWM:")
    }

    /// The server's resident memory now, in bytes.
    pub fn memory(&self) -> anyhow::Result<u64> {
        self.memory_field("VmRSS:")
    }

    fn memory_field(&self, name: &str) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()?))?;
        let kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .with_context(|| format!("no {name} in /proc/PID/status"))?;
        Ok(kib * 1024)
    }

    /// The server's own count and total time of the calls of `method`
    /// (`grpc_server_handling_seconds`), read from its metrics endpoint.
    pub async fn handling(&self, method: &str) -> anyhow::Result<(f64, f64)> {
        let mut stream = tokio::net::TcpStream::connect(self.metrics).await?;
        stream.set_nodelay(true)?;
        stream
            .write_all(b"GET /metrics HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
            .await?;
        let mut text = String::new();
        stream.read_to_string(&mut text).await?;
        let value = |metric: &str| -> f64 {
            text.lines()
                .filter(|l| {
                    l.starts_with(metric) && l.contains(&format!("grpc_method=\"{method}\""))
                })
                .filter_map(|l| l.rsplit_once(' ').and_then(|(_, v)| v.parse::<f64>().ok()))
                .sum()
        };
        Ok((
            value("grpc_server_handling_seconds_count"),
            value("grpc_server_handling_seconds_sum"),
        ))
    }
}
