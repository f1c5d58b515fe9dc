//! The real server binary as a child process on a port of its own, killed and started again at
//! will, as Kubernetes would run and kill it.

use std::{net::SocketAddr, process::Stdio, time::Duration};

use tokio::process::{Child, Command};
use tonic::transport::{Channel, Endpoint};
use tonic_health::pb::{HealthCheckRequest, health_check_response::ServingStatus};

/// A port nobody listens on now. The server binds it itself, again after every restart.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The server binary: this build's, or `SCPF_TEST_SERVER_BINARY` (another build, to measure a
/// change against the server before it with the same tests).
fn binary() -> String {
    std::env::var("SCPF_TEST_SERVER_BINARY")
        .ok()
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_scpf-reports").to_owned())
}

/// `scpf-reports serve` on a fixed address, restartable on it.
pub struct ServerProcess {
    pub addr: SocketAddr,
    database_url: String,
    env: Vec<(String, String)>,
    child: Option<Child>,
    pub starts: usize,
}

impl ServerProcess {
    /// Starts the binary against `database_url` (already migrated) with extra environment.
    pub async fn start(database_url: &str, env: &[(&str, &str)]) -> ServerProcess {
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let mut server = ServerProcess {
            addr,
            database_url: database_url.to_owned(),
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            child: None,
            starts: 0,
        };
        server.spawn();
        server
    }

    /// Starts the process (again) on the same address.
    pub fn spawn(&mut self) {
        assert!(self.child.is_none(), "the server is already running");
        let child = Command::new(binary())
            .args(["serve", "--listen", &self.addr.to_string()])
            .env("DATABASE_URL", &self.database_url)
            .env("SCPF_MIGRATE", "false")
            .env("SCPF_ALLOW_ANONYMOUS", "true")
            .env("SCPF_METRICS_LISTEN", "127.0.0.1:0")
            .env("SCPF_LOG_FORMAT", "json")
            .env("RUST_LOG", "warn")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("the server binary starts");
        self.child = Some(child);
        self.starts += 1;
    }

    /// The process id of the running server.
    pub fn pid(&self) -> u32 {
        self.child
            .as_ref()
            .and_then(Child::id)
            .expect("the server is running")
    }

    /// SIGKILL: no drain, no goodbye, whatever is in flight.
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.start_kill().expect("SIGKILL is delivered");
            child.wait().await.expect("the killed server is reaped");
        }
    }

    /// A channel that reconnects by itself after every restart.
    pub fn channel(&self) -> Channel {
        Endpoint::from_shared(format!("http://{}", self.addr))
            .unwrap()
            .connect_timeout(Duration::from_secs(1))
            .tcp_nodelay(true)
            .connect_lazy()
    }

    /// Waits until the overall health is SERVING (the process is up and reaches its database).
    pub async fn wait_serving(&self, within: Duration) {
        let started = tokio::time::Instant::now();
        while started.elapsed() < within {
            if overall_health(&self.channel()).await == Some(ServingStatus::Serving) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server was not SERVING within {within:?}");
    }
}

/// The overall health status, or `None` when the server does not answer within a second.
pub async fn overall_health(channel: &Channel) -> Option<ServingStatus> {
    let mut client = tonic_health::pb::health_client::HealthClient::new(channel.clone());
    let mut request = tonic::Request::new(HealthCheckRequest {
        service: String::new(),
    });
    request.set_timeout(Duration::from_secs(1));
    let answer = tokio::time::timeout(Duration::from_secs(2), client.check(request))
        .await
        .ok()?
        .ok()?;
    ServingStatus::try_from(answer.into_inner().status).ok()
}
