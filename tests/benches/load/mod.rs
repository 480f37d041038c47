//! What the benchmarks share: flags, a closed-loop load generator, medians and the ratio report.

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

/// Runs `requests` calls of `call` on `concurrency` workers; returns calls per second.
pub async fn throughput<F, Fut>(requests: usize, concurrency: usize, call: F) -> f64
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
                while next.fetch_add(1, Ordering::Relaxed) < requests {
                    call().await;
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.expect("worker finishes");
    }
    requests as f64 / started.elapsed().as_secs_f64().max(f64::EPSILON)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
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
