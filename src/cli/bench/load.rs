//! Driving calls: a fixed number in sequence, or as many as `clients` concurrent callers make in
//! a time, each call's latency in an HDR histogram.

use std::{
    future::Future,
    sync::Arc,
    time::{Duration, Instant},
};

use hdrhistogram::Histogram;

/// Latencies of a run of calls.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Latencies {
    pub calls: u64,
    pub seconds: f64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

fn histogram() -> Histogram<u64> {
    // Microseconds, from 1 µs to 10 minutes, three significant digits.
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("valid histogram bounds")
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1)
}

fn summary(h: &Histogram<u64>, elapsed: Duration) -> Latencies {
    let ms = |v: u64| v as f64 / 1000.0;
    Latencies {
        calls: h.len(),
        seconds: elapsed.as_secs_f64(),
        per_second: h.len() as f64 / elapsed.as_secs_f64().max(1e-9),
        p50_ms: ms(h.value_at_quantile(0.5)),
        p99_ms: ms(h.value_at_quantile(0.99)),
        max_ms: ms(h.max()),
    }
}

/// Makes `calls` calls one after the other.
pub async fn sequential<F, Fut>(calls: u64, mut call: F) -> anyhow::Result<Latencies>
where
    F: FnMut(u64) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let mut h = histogram();
    let started = Instant::now();
    for n in 0..calls {
        let t = Instant::now();
        call(n).await?;
        h.record(micros(t.elapsed()))?;
    }
    Ok(summary(&h, started.elapsed()))
}

/// Runs `clients` callers, each making calls one after the other, for `duration`; caller `c`'s
/// `n`th call is `call(c, n)`.
pub async fn concurrent<F, Fut>(
    clients: usize,
    duration: Duration,
    call: F,
) -> anyhow::Result<Latencies>
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
{
    let call = Arc::new(call);
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::with_capacity(clients);
    for c in 0..clients {
        let call = call.clone();
        tasks.push(tokio::spawn(async move {
            let mut h = histogram();
            let mut n = 0;
            while Instant::now() < deadline {
                let t = Instant::now();
                call(c, n).await?;
                h.record(micros(t.elapsed()))?;
                n += 1;
            }
            anyhow::Ok(h)
        }));
    }
    let mut all = histogram();
    for task in tasks {
        all.add(task.await??)?;
    }
    Ok(summary(&all, started.elapsed()))
}
