//! Crash: idempotent writes with client retries while the real server binary is SIGKILLed and
//! started again, several times. Afterwards exactly N records, none twice, every acknowledged
//! write present.

use std::{
    sync::{Arc, Mutex, atomic::AtomicBool},
    time::Duration,
};

use sqlx::{ConnectOptions, PgPool};
use tokio::time::Instant;

use super::{
    load::{self, Log, Plan},
    process::ServerProcess,
    scale,
};

#[sqlx::test(migrations = false)]
async fn sigkilled_server_loses_and_doubles_no_acknowledged_write(pool: PgPool) {
    scpf_reports::store::migrate(&pool).await.unwrap();
    let n = scale(300, 5000);
    let kills = scale(5, 40);
    let url = pool.connect_options().to_url_lossy().to_string();
    let mut server = ServerProcess::start(&url, &[]).await;
    server.wait_serving(Duration::from_secs(20)).await;

    let log = Arc::new(Mutex::new(Log::default()));
    let plan = Plan {
        n,
        workers: 8,
        deadline: Duration::from_secs(5),
        pause: Duration::from_millis(20),
        pace: Duration::ZERO,
        give_up: Duration::from_secs(if super::long() { 1200 } else { 90 }),
    };
    let writers = tokio::spawn(load::write_all(
        server.channel(),
        plan,
        Arc::new(AtomicBool::new(false)),
        log.clone(),
    ));

    // Kill whenever some writes have landed since the last start, so that every kill falls in
    // the middle of the load, and start again at once on the same port.
    let started = Instant::now();
    let mut acknowledged_at_kill = Vec::new();
    for kill in 0..kills {
        let before = log.lock().unwrap().acknowledged.len();
        // The writes still to come, shared among the kills still to make and a last stretch
        // without one. A fixed share of n would not do: the writes landing in the random pause
        // before each kill add up, and the writers could finish before the last kills.
        let step = ((n - before) / (kills - kill + 1)).max(1);
        while log.lock().unwrap().acknowledged.len() < before + step {
            assert!(
                !writers.is_finished(),
                "the writers finished before every kill"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // A random instant within the next 100 ms, so that kills hit every stage of a write.
        tokio::time::sleep(Duration::from_millis(rand::random::<u64>() % 100)).await;
        acknowledged_at_kill.push(log.lock().unwrap().acknowledged.len());
        server.kill().await;
        server.spawn();
    }
    assert_eq!(writers.await.expect("the writers finish"), n);
    let elapsed = started.elapsed();
    let log = std::mem::take(&mut *log.lock().unwrap());

    let found = load::assert_exactly_once(&pool, n, &log).await;
    // The kills fell among the writes, and some attempts were cut by them: the test saw crashes.
    assert_eq!(acknowledged_at_kill.len(), kills);
    assert!(
        acknowledged_at_kill.iter().all(|&a| a > 0 && a < n),
        "every kill fell during the load: {acknowledged_at_kill:?}"
    );
    assert!(!log.failures.is_empty(), "no attempt was cut by a kill");
    // Failures are the crashes themselves (transport errors, or the database connection lost with
    // the process), never a refusal such as ALREADY_EXISTS or REQUEST_ID_REUSED on a retry.
    assert!(
        log.refusals().is_empty(),
        "the server refused a retry:\n{}",
        load::describe(&log.refusals())
    );
    println!(
        "crash: {found} records of {n} writes, {} acknowledged, {} attempts, {} kills + restarts, \
         failed attempts by code {:?}, 0 lost, 0 duplicated, {:.1} s",
        log.acknowledged.len(),
        log.attempts,
        server.starts - 1,
        log.codes(),
        elapsed.as_secs_f64()
    );
    server.kill().await;
}
