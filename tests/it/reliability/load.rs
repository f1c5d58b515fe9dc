//! Idempotent writes with client retries: each item is written with the same request_id until
//! the server acknowledges it, as a careful client does; every attempt is logged.

use std::{
    collections::BTreeMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use scpf_reports::pb::{self, organization_service_client::OrganizationServiceClient};
use sqlx::PgPool;
use tokio::time::Instant;
use tonic::{Code, Status, transport::Channel};
use tonic_types::StatusExt;

/// The organization id of item `i`.
pub fn org_id(i: usize) -> String {
    format!("org-{i:06}")
}

fn request(i: usize) -> pb::CreateOrganizationRequest {
    pb::CreateOrganizationRequest {
        organization_id: org_id(i),
        organization: Some(pb::Organization {
            display_name: format!("Organization {i}"),
            kind: pb::OrganizationKind::Other as i32,
            ..Default::default()
        }),
        // The same id on every retry of item i: a retry after a lost answer replays it.
        request_id: format!("reliability-write-{i}"),
    }
}

/// One attempt that did not succeed.
#[derive(Debug, Clone)]
pub struct Failure {
    pub code: Code,
    /// `ErrorInfo.reason` when the server itself answered; `None` for a transport failure.
    pub reason: Option<String>,
    pub message: String,
    pub elapsed: Duration,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:?} ({}) after {:?}: {}",
            self.code,
            self.reason.as_deref().unwrap_or("no ErrorInfo"),
            self.elapsed,
            self.message
        )
    }
}

/// Lists failures one per line, for assertion messages.
pub fn describe(failures: &[&Failure]) -> String {
    failures
        .iter()
        .map(|f| f.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// What the writers saw.
#[derive(Debug, Default)]
pub struct Log {
    /// Items the server acknowledged, with the resource name it answered.
    pub acknowledged: BTreeMap<usize, String>,
    pub attempts: usize,
    pub failures: Vec<Failure>,
    /// The longest any attempt took.
    pub slowest: Duration,
    /// When each acknowledgement arrived, in order.
    pub acknowledged_at: Vec<Instant>,
}

impl Log {
    /// Failures counted by gRPC code.
    pub fn codes(&self) -> BTreeMap<String, usize> {
        let mut codes = BTreeMap::new();
        for f in &self.failures {
            *codes.entry(format!("{:?}", f.code)).or_default() += 1;
        }
        codes
    }

    /// Failures answered by the server (with an ErrorInfo), other than "database unavailable".
    pub fn refusals(&self) -> Vec<&Failure> {
        self.failures
            .iter()
            .filter(|f| {
                f.reason
                    .as_deref()
                    .is_some_and(|r| r != "DATABASE_UNAVAILABLE")
            })
            .collect()
    }
}

/// How the writers write.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Items to write at most (fewer when stopped first).
    pub n: usize,
    /// Concurrent clients.
    pub workers: usize,
    /// The deadline of each attempt.
    pub deadline: Duration,
    /// Wait after a failed attempt before the retry.
    pub pause: Duration,
    /// Wait after an acknowledged write before the next item.
    pub pace: Duration,
    /// Longest the whole run may take.
    pub give_up: Duration,
}

/// Writes items `0..plan.n` with concurrent clients on `channel`, until all are written or
/// `stop` is set; an item under way is always finished. A failed attempt is retried with the
/// same request_id until the item is acknowledged. Returns how many items were started.
pub async fn write_all(
    channel: Channel,
    plan: Plan,
    stop: Arc<AtomicBool>,
    log: Arc<Mutex<Log>>,
) -> usize {
    let Plan {
        n,
        workers,
        deadline,
        pause,
        pace,
        give_up,
    } = plan;
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let (channel, next, log, stop) = (channel.clone(), next.clone(), log.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut client = OrganizationServiceClient::new(channel);
            loop {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= n {
                    return;
                }
                loop {
                    assert!(
                        started.elapsed() < give_up,
                        "item {i} was not acknowledged within {give_up:?}"
                    );
                    let mut call = tonic::Request::new(request(i));
                    call.set_timeout(deadline);
                    let began = Instant::now();
                    let result = client.create_organization(call).await;
                    let elapsed = began.elapsed();
                    let acknowledged = {
                        let mut log = log.lock().unwrap();
                        log.attempts += 1;
                        log.slowest = log.slowest.max(elapsed);
                        match result {
                            Ok(answer) => {
                                log.acknowledged.insert(i, answer.into_inner().name);
                                log.acknowledged_at.push(Instant::now());
                                true
                            }
                            Err(status) => {
                                log.failures.push(failure(&status, elapsed));
                                false
                            }
                        }
                    };
                    if acknowledged {
                        tokio::time::sleep(pace).await;
                        break;
                    }
                    tokio::time::sleep(pause).await;
                }
            }
        }));
    }
    for task in tasks {
        task.await.expect("a writer panicked");
    }
    next.load(Ordering::SeqCst).min(n)
}

fn failure(status: &Status, elapsed: Duration) -> Failure {
    Failure {
        code: status.code(),
        reason: status.get_details_error_info().map(|i| i.reason),
        message: status.message().chars().take(200).collect(),
        elapsed,
    }
}

/// Checks the database against the log: exactly items `0..n`, each once, every acknowledged one
/// present with the name it was acknowledged with, one version, one audit event, one stored
/// response each. Returns the number of organizations found.
pub async fn assert_exactly_once(pool: &PgPool, n: usize, log: &Log) -> usize {
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM organizations ORDER BY id")
        .fetch_all(pool)
        .await
        .unwrap();
    let expected: Vec<String> = (0..n).map(org_id).collect();
    assert_eq!(ids.len(), n, "organizations written");
    assert_eq!(ids, expected, "exactly the items written, each once");
    for (i, name) in &log.acknowledged {
        assert_eq!(name, &format!("organizations/{}", org_id(*i)));
    }
    assert_eq!(log.acknowledged.len(), n, "every item was acknowledged");
    let count = |sql: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(pool)
            .await
            .unwrap() as usize
    };
    assert_eq!(
        count("SELECT count(*) FROM organization_versions").await,
        n,
        "one version per organization: no write was applied twice"
    );
    assert_eq!(
        count("SELECT count(*) FROM audit_events WHERE method LIKE '%CreateOrganization'").await,
        n,
        "one audit event per organization"
    );
    assert_eq!(
        count("SELECT count(DISTINCT resource) FROM audit_events WHERE method LIKE '%CreateOrganization'").await,
        n
    );
    assert_eq!(
        count("SELECT count(*) FROM idempotency_keys WHERE request_id LIKE 'reliability-write-%' AND response IS NOT NULL").await,
        n,
        "one stored response per request_id"
    );
    ids.len()
}
