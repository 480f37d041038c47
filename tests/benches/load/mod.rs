//! What the benchmarks share: flags, a closed-loop load generator, medians, percentiles and the
//! ratio report.

// Each benchmark compiles this module on its own and uses only part of it.
#![allow(dead_code)]

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// The value after `flag` on the command line (`-- --requests 500`), or `default`.
pub fn flag(flag: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What one phase of [`timed`] measured.
pub struct Timed {
    /// Calls per second over the whole phase.
    pub per_second: f64,
    /// Each call's latency in seconds, in no particular order.
    pub latencies: Vec<f64>,
}

/// Runs `requests` calls of `call` on `concurrency` workers, timing each call.
pub async fn timed<F, Fut>(requests: usize, concurrency: usize, call: F) -> Timed
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (next, call) = (next.clone(), call.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(requests / concurrency.max(1) + 1);
                while next.fetch_add(1, Ordering::Relaxed) < requests {
                    let began = Instant::now();
                    call().await;
                    latencies.push(began.elapsed().as_secs_f64());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(requests);
    for worker in workers {
        latencies.extend(worker.await.expect("worker finishes"));
    }
    Timed {
        per_second: requests as f64 / started.elapsed().as_secs_f64().max(f64::EPSILON),
        latencies,
    }
}

/// Runs `requests` calls of `call` on `concurrency` workers; returns calls per second.
pub async fn throughput<F, Fut>(requests: usize, concurrency: usize, call: F) -> f64
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    timed(requests, concurrency, call).await.per_second
}

pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The nearest-rank `p`th percentile (`p` in 0–100) of `values`; 0 when there are none.
pub fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Prints each phase's median per second and its ratio to the first phase (the baseline).
pub fn report(title: &str, names: &[&str], samples: Vec<Vec<f64>>) {
    println!("{title}");
    let baseline = median(samples[0].clone());
    for (name, values) in names.iter().zip(samples) {
        let value = median(values);
        println!(
            "  {name:<36} {value:>9.0}/s   ratio to baseline {:.2}",
            value / baseline
        );
    }
}

/// Prints each phase's latency percentiles (over every call of every round), in milliseconds.
pub fn report_latency(names: &[&str], latencies: &[Vec<f64>]) {
    println!("latency over every call of every round (ms)");
    for (name, values) in names.iter().zip(latencies) {
        let ms = |p| percentile(values, p) * 1e3;
        println!(
            "  {name:<36} p50 {:>6.1}   p90 {:>6.1}   p99 {:>6.1}   max {:>6.1}",
            ms(50.0),
            ms(90.0),
            ms(99.0),
            ms(100.0)
        );
    }
}
