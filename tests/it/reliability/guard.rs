//! What an attack is judged by: the real binary with the chart's limits, a well-behaved client
//! that keeps asking during the attack, and the server's memory read from /proc.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use scpf_reports::pb::{self, session_service_client::SessionServiceClient};
use sqlx::{ConnectOptions, PgPool};
use tokio::time::Instant;
use tonic::transport::{Channel, Endpoint};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

use super::process::ServerProcess;
use crate::support::{token_line, with_token};

/// The viewer's token: the least of the roles, which every attack that needs one uses.
pub const VIEWER: &str = "abuse-viewer-token";

/// The well-behaved client's token: a viewer too, but another principal than the attacker's.
/// (A principal's own calls wait behind each other: the per-caller limit protects other callers
/// from one caller, not a caller from itself.)
pub const BYSTANDER: &str = "abuse-bystander-token";

/// The deadline of the well-behaved client's every call.
pub const PROBE_DEADLINE: Duration = Duration::from_secs(2);

/// The chart's memory limit for the server container (`resources.limits.memory`).
pub const CHART_MEMORY_LIMIT_MIB: u64 = 512;

/// The largest resident set the server may reach during any attack: half the chart's memory
/// limit. Measured: about 40 MiB at rest, 160 MiB at most (eight never-read exports of a large
/// report), 200 MiB with the rest of the suite running beside it.
pub const PEAK_BOUND_MIB: u64 = CHART_MEMORY_LIMIT_MIB / 2;

/// How far above its resident set before the attack the server may stay once the attack is
/// over and a few seconds have passed (allocator caches, pool connections, HTTP/2 state).
pub const SETTLED_MARGIN_MIB: u64 = 40;

/// The limits the chart's values give the server (helm/scpf-reports/values.yaml `config`).
const CHART: [(&str, &str); 8] = [
    ("SCPF_DB_POOL_SIZE", "10"),
    ("SCPF_CONCURRENCY_LIMIT", "256"),
    ("SCPF_CALLER_CONCURRENCY_LIMIT", "4"),
    ("SCPF_PROBE_CONCURRENCY_LIMIT", "32"),
    ("SCPF_HTTP2_MAX_CONCURRENT_STREAMS", "100"),
    ("SCPF_REQUEST_TIMEOUT", "30s"),
    ("SCPF_DB_STATEMENT_TIMEOUT", "25s"),
    ("SCPF_REQUEST_BODY_TIMEOUT", "10s"),
];

/// The server binary under attack.
pub struct Target {
    pub server: ServerProcess,
    _tokens: tempfile::TempDir,
}

impl Target {
    /// Starts the binary on the (migrated) test database with the chart's limits, a tokens file
    /// that knows [`VIEWER`] and [`BYSTANDER`], and `env` on top (timeouts a short test shortens).
    pub async fn start(pool: &PgPool, env: &[(&str, &str)]) -> Target {
        let dir = tempfile::tempdir().unwrap();
        let tokens = dir.path().join("tokens");
        std::fs::write(
            &tokens,
            token_line(VIEWER, "viewer", "dashboards")
                + &token_line(BYSTANDER, "viewer", "another-dashboard"),
        )
        .unwrap();
        let tokens = tokens.to_str().unwrap().to_owned();
        let mut all: Vec<(&str, &str)> = CHART.to_vec();
        all.extend([
            ("SCPF_ALLOW_ANONYMOUS", "false"),
            ("SCPF_AUTH_TOKENS_FILE", tokens.as_str()),
            ("SCPF_HEALTH_INTERVAL", "1s"),
        ]);
        all.extend_from_slice(env);
        let url = pool.connect_options().to_url_lossy().to_string();
        let server = ServerProcess::start(&url, &all).await;
        server.wait_serving(Duration::from_secs(20)).await;
        Target {
            server,
            _tokens: dir,
        }
    }

    /// The server's resident set now, in MiB.
    pub fn rss_mib(&self) -> u64 {
        status_mib(self.server.pid(), "VmRSS")
    }

    /// The largest resident set the server has had since it started, in MiB.
    pub fn peak_mib(&self) -> u64 {
        status_mib(self.server.pid(), "VmHWM")
    }

    /// Waits up to `within` for the resident set to come back to `at_most` MiB; returns it.
    pub async fn settle(&self, at_most: u64, within: Duration) -> u64 {
        let started = Instant::now();
        loop {
            let rss = self.rss_mib();
            if rss <= at_most || started.elapsed() >= within {
                return rss;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// A field of /proc/<pid>/status, in MiB (rounded up).
pub fn status_mib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
        .trim()
        .parse()
        .unwrap();
    kib.div_ceil(1024)
}

/// `request` with the viewer's token and `deadline`.
pub fn as_viewer<T>(message: T, deadline: Duration) -> tonic::Request<T> {
    with_token(message, VIEWER, deadline)
}

/// What the well-behaved client saw.
#[derive(Debug, Default)]
pub struct Probed {
    /// GetSession and health calls made.
    pub calls: usize,
    /// Calls made on a connection opened during the attack.
    pub on_new_connections: usize,
    pub slowest: Duration,
    /// Every call that failed, was not SERVING, or took longer than [`PROBE_DEADLINE`].
    pub failures: Vec<String>,
}

/// A viewer asking for `session` and for health, again and again, from a thread and a runtime of
/// its own (so that its clock runs whatever the attackers do). Every fifth round it connects
/// anew, as a client starting during the attack would.
pub struct Prober {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<Probed>,
}

impl Prober {
    pub fn start(addr: std::net::SocketAddr, session: &str) -> Prober {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let session = session.to_owned();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(probe(addr, session, stopped))
        });
        Prober { stop, thread }
    }

    /// Lets the prober run for `time` (blocking this thread), then stops it.
    fn finish_after(self, time: Duration) -> Probed {
        std::thread::sleep(time);
        self.finish()
    }

    /// Stops asking and returns what was seen.
    pub fn finish(self) -> Probed {
        self.stop.store(true, Ordering::SeqCst);
        self.thread.join().expect("the prober does not panic")
    }
}

fn endpoint(addr: std::net::SocketAddr) -> Endpoint {
    Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect_timeout(PROBE_DEADLINE)
        .tcp_nodelay(true)
}

async fn probe(addr: std::net::SocketAddr, session: String, stop: Arc<AtomicBool>) -> Probed {
    let mut seen = Probed::default();
    let established: Channel = endpoint(addr).connect().await.unwrap();
    let mut round = 0usize;
    while !stop.load(Ordering::SeqCst) {
        round += 1;
        let fresh = round.is_multiple_of(5);
        let asked = Instant::now();
        let channel = if fresh {
            match tokio::time::timeout(PROBE_DEADLINE, endpoint(addr).connect()).await {
                Ok(Ok(channel)) => channel,
                other => {
                    seen.failures
                        .push(format!("round {round}: a new connection failed: {other:?}"));
                    continue;
                }
            }
        } else {
            established.clone()
        };
        let got = tokio::time::timeout(
            PROBE_DEADLINE,
            SessionServiceClient::new(channel.clone()).get_session(with_token(
                pb::GetSessionRequest {
                    name: session.clone(),
                    ..Default::default()
                },
                BYSTANDER,
                PROBE_DEADLINE,
            )),
        )
        .await;
        note(
            &mut seen,
            round,
            "GetSession",
            asked,
            match got {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(status)) => Err(format!("{status:?}")),
                Err(_) => Err("no answer within the deadline".into()),
            },
        );
        let asked = Instant::now();
        let mut check = tonic::Request::new(HealthCheckRequest::default());
        check.set_timeout(PROBE_DEADLINE);
        let health =
            tokio::time::timeout(PROBE_DEADLINE, HealthClient::new(channel).check(check)).await;
        note(
            &mut seen,
            round,
            "health",
            asked,
            match health {
                Ok(Ok(answer)) if answer.get_ref().status == ServingStatus::Serving as i32 => {
                    Ok(())
                }
                Ok(Ok(answer)) => Err(format!("status {}", answer.get_ref().status)),
                Ok(Err(status)) => Err(format!("{status:?}")),
                Err(_) => Err("no answer within the deadline".into()),
            },
        );
        if fresh {
            seen.on_new_connections += 2;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    seen
}

fn note(seen: &mut Probed, round: usize, what: &str, asked: Instant, result: Result<(), String>) {
    let took = asked.elapsed();
    seen.calls += 1;
    seen.slowest = seen.slowest.max(took);
    match result {
        Err(why) => seen
            .failures
            .push(format!("round {round}: {what} after {took:?}: {why}")),
        Ok(()) if took > PROBE_DEADLINE => seen
            .failures
            .push(format!("round {round}: {what} took {took:?}")),
        Ok(()) => {}
    }
}

/// What one attack did to the server, checked against the bounds above.
pub struct Held {
    pub before_mib: u64,
    pub peak_mib: u64,
    pub after_mib: u64,
    /// From the end of the attack until the resident set was back under its bound.
    pub settled_in: Duration,
    pub probed: Probed,
}

impl Held {
    /// Asserts that the well-behaved client was served throughout and memory stayed bounded.
    pub fn assert_held(&self, attack: &str) {
        self.assert_served_within_bound(attack);
        assert!(
            self.after_mib <= self.before_mib + SETTLED_MARGIN_MIB,
            "{attack}: the server stayed at {} MiB after the attack ({} MiB before)",
            self.after_mib,
            self.before_mib
        );
    }

    /// Asserts that the well-behaved client was served throughout and the peak stayed under
    /// [`PEAK_BOUND_MIB`].
    pub fn assert_served_within_bound(&self, attack: &str) {
        assert!(
            self.probed.calls >= 4 && self.probed.on_new_connections >= 2,
            "{attack}: the well-behaved client made too few calls: {:?}",
            self.probed
        );
        assert!(
            self.probed.failures.is_empty(),
            "{attack}: the well-behaved client was not served ({} of {} calls):\n{}",
            self.probed.failures.len(),
            self.probed.calls,
            self.probed.failures.join("\n")
        );
        assert!(
            self.peak_mib <= PEAK_BOUND_MIB,
            "{attack}: the server reached {} MiB (bound {PEAK_BOUND_MIB} MiB, chart limit \
             {CHART_MEMORY_LIMIT_MIB} MiB)",
            self.peak_mib
        );
    }

    pub fn figures(&self) -> String {
        format!(
            "well-behaved client: {} calls ({} on new connections), 0 failed, slowest {:?}; \
             RSS {} MiB before, peak {} MiB, {} MiB {:.1} s after",
            self.probed.calls,
            self.probed.on_new_connections,
            self.probed.slowest,
            self.before_mib,
            self.peak_mib,
            self.after_mib,
            self.settled_in.as_secs_f64()
        )
    }
}

/// Runs `attack` against `target` for as long as it takes, with the prober asking for `session`
/// meanwhile; then waits for memory to settle and returns the figures.
pub async fn under_attack<F: std::future::Future>(
    target: &Target,
    session: &str,
    attack: F,
) -> (F::Output, Held) {
    under_attack_settling(target, session, Duration::from_secs(10), attack).await
}

/// [`under_attack`], waiting at most `settle` for memory to come back.
pub async fn under_attack_settling<F: std::future::Future>(
    target: &Target,
    session: &str,
    settle: Duration,
    attack: F,
) -> (F::Output, Held) {
    // A few calls first, so that "before" counts the pool and buffers a served client needs.
    Prober::start(target.server.addr, session).finish_after(Duration::from_millis(500));
    let before_mib = target.rss_mib();
    let prober = Prober::start(target.server.addr, session);
    let output = attack.await;
    let probed = prober.finish();
    let peak_mib = target.peak_mib();
    let ended = Instant::now();
    let after_mib = target.settle(before_mib + SETTLED_MARGIN_MIB, settle).await;
    let settled_in = ended.elapsed();
    (
        output,
        Held {
            before_mib,
            peak_mib,
            after_mib,
            settled_in,
            probed,
        },
    )
}

/// The short and long attack durations.
pub fn attack_time() -> Duration {
    Duration::from_secs(super::scale(3, 60) as u64)
}
