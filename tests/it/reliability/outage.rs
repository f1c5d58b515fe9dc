//! Database outage: the test's own PostgreSQL stopped and started under load. While it is down,
//! every call is answered UNAVAILABLE within its deadline (never INTERNAL, never a hang) and
//! health is NOT_SERVING; within 5 s of its return the server writes again; nothing is lost.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use scpf_reports::pb::{self, organization_service_client::OrganizationServiceClient};
use sqlx::{Connection, PgConnection, PgPool};
use tokio::time::Instant;
use tonic::{Code, transport::Channel};
use tonic_health::pb::health_check_response::ServingStatus;

use super::{
    cluster::Cluster,
    load::{self, Failure, Log, Plan},
    process::{ServerProcess, overall_health},
    scale,
};

/// The deadline every client call carries.
const DEADLINE: Duration = Duration::from_secs(4);
/// How long the server waits for a database connection before UNAVAILABLE; below DEADLINE.
const ACQUIRE_TIMEOUT: &str = "2s";
/// How often the server checks its database.
const HEALTH_INTERVAL: &str = "1s";
/// How soon after the database's return writes must succeed again.
const RECOVERY: Duration = Duration::from_secs(5);

/// Reads (ListOrganizations) in a loop until `stop`, logging every failure.
async fn read_loop(channel: Channel, stop: Arc<AtomicBool>, log: Arc<Mutex<Log>>) {
    let mut client = OrganizationServiceClient::new(channel);
    while !stop.load(Ordering::SeqCst) {
        let mut call = tonic::Request::new(pb::ListOrganizationsRequest {
            page_size: 10,
            ..Default::default()
        });
        call.set_timeout(DEADLINE);
        let began = Instant::now();
        let result = client.list_organizations(call).await;
        let elapsed = began.elapsed();
        {
            let mut log = log.lock().unwrap();
            log.attempts += 1;
            log.slowest = log.slowest.max(elapsed);
            if let Err(status) = result {
                use tonic_types::StatusExt;
                log.failures.push(Failure {
                    code: status.code(),
                    reason: status.get_details_error_info().map(|i| i.reason),
                    message: status.message().chars().take(200).collect(),
                    elapsed,
                });
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// What health answered, and when (`None`: no answer).
type HealthLog = Arc<Mutex<Vec<(Instant, Option<ServingStatus>)>>>;

/// Polls health every 100 ms until `stop`, logging (when, status).
async fn health_loop(channel: Channel, stop: Arc<AtomicBool>, seen: HealthLog) {
    while !stop.load(Ordering::SeqCst) {
        let status = overall_health(&channel).await;
        seen.lock().unwrap().push((Instant::now(), status));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn wait_for_acknowledgement_after(
    log: &Mutex<Log>,
    after: Instant,
    within: Duration,
) -> Duration {
    let deadline = after + within + Duration::from_secs(30);
    loop {
        if let Some(at) = log
            .lock()
            .unwrap()
            .acknowledged_at
            .iter()
            .find(|&&at| at > after)
        {
            return *at - after;
        }
        assert!(
            Instant::now() < deadline,
            "no write succeeded after the database came back"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn database_outages_answer_unavailable_and_lose_nothing() {
    let cluster = Cluster::start();
    let mut admin = PgConnection::connect(&cluster.url("postgres"))
        .await
        .unwrap();
    sqlx::query("CREATE DATABASE scpf")
        .execute(&mut admin)
        .await
        .unwrap();
    admin.close().await.unwrap();
    let url = cluster.url("scpf");
    let pool = PgPool::connect(&url).await.unwrap();
    scpf_reports::store::migrate(&pool).await.unwrap();
    pool.close().await;

    let server = ServerProcess::start(
        &url,
        &[
            ("SCPF_DB_ACQUIRE_TIMEOUT", ACQUIRE_TIMEOUT),
            ("SCPF_HEALTH_INTERVAL", HEALTH_INTERVAL),
        ],
    )
    .await;
    server.wait_serving(Duration::from_secs(20)).await;

    let outages = scale(2, 12);
    let stop = Arc::new(AtomicBool::new(false));
    let writes = Arc::new(Mutex::new(Log::default()));
    let reads = Arc::new(Mutex::new(Log::default()));
    let health = Arc::new(Mutex::new(Vec::new()));
    let plan = Plan {
        n: usize::MAX,
        workers: 4,
        deadline: DEADLINE,
        pause: Duration::from_millis(100),
        pace: Duration::from_millis(20),
        give_up: Duration::from_secs(60 + 30 * outages as u64),
    };
    let writers = tokio::spawn(load::write_all(
        server.channel(),
        plan,
        stop.clone(),
        writes.clone(),
    ));
    let readers: Vec<_> = (0..2)
        .map(|_| tokio::spawn(read_loop(server.channel(), stop.clone(), reads.clone())))
        .collect();
    let watcher = tokio::spawn(health_loop(server.channel(), stop.clone(), health.clone()));

    let mut recoveries = Vec::new();
    let mut downtime = Duration::ZERO;
    for outage in 0..outages {
        // Let the load run with the database up for a moment.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let mode = if outage % 2 == 0 { "fast" } else { "immediate" };
        let down = Instant::now();
        cluster.stop(mode);
        let down_for = Duration::from_millis(3000 + rand::random::<u64>() % 1000);
        tokio::time::sleep(down_for).await;
        cluster.start_again();
        let back = Instant::now();
        downtime += back - down;
        // Health was NOT_SERVING while the database was down.
        assert!(
            health.lock().unwrap().iter().any(|(at, status)| *at > down
                && *at < back
                && *status == Some(ServingStatus::NotServing)),
            "health never said NOT_SERVING during outage {outage} ({mode})"
        );
        let recovered = wait_for_acknowledgement_after(&writes, back, RECOVERY).await;
        assert!(
            recovered <= RECOVERY,
            "writes resumed {recovered:?} after the database came back (outage {outage}, {mode})"
        );
        recoveries.push(recovered);
    }
    // Health is SERVING again after the last return.
    let last_back = Instant::now();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop.store(true, Ordering::SeqCst);
    let n = writers.await.unwrap();
    for reader in readers {
        reader.await.unwrap();
    }
    watcher.await.unwrap();
    assert!(
        health
            .lock()
            .unwrap()
            .iter()
            .any(|(at, status)| *at > last_back && *status == Some(ServingStatus::Serving)),
        "health SERVING again after the last outage"
    );

    let writes = std::mem::take(&mut *writes.lock().unwrap());
    let reads = std::mem::take(&mut *reads.lock().unwrap());
    for (what, log) in [("write", &writes), ("read", &reads)] {
        assert!(!log.failures.is_empty(), "no {what} saw the outages");
        let wrong: Vec<&Failure> = log
            .failures
            .iter()
            .filter(|f| f.code != Code::Unavailable)
            .collect();
        assert!(
            wrong.is_empty(),
            "{what}s answered other than UNAVAILABLE during the outages:\n{}",
            load::describe(&wrong)
        );
        assert!(
            log.slowest <= DEADLINE + Duration::from_millis(500),
            "a {what} took {:?}, past its deadline of {DEADLINE:?}",
            log.slowest
        );
    }
    let pool = PgPool::connect(&url).await.unwrap();
    let found = load::assert_exactly_once(&pool, n, &writes).await;
    println!(
        "outage: {outages} outages ({:.1} s down in all), {found} records of {n} writes, \
         {} write and {} read attempts, {} write and {} read failures all UNAVAILABLE, \
         slowest call {:.2} s (deadline {:.0} s), writes again {:?} after each return, 0 lost",
        downtime.as_secs_f64(),
        writes.attempts,
        reads.attempts,
        writes.failures.len(),
        reads.failures.len(),
        writes.slowest.max(reads.slowest).as_secs_f64(),
        DEADLINE.as_secs_f64(),
        recoveries
            .iter()
            .map(|d| format!("{:.2}s", d.as_secs_f64()))
            .collect::<Vec<_>>(),
    );
    pool.close().await;
    drop(server);
}
