//! Hosted-eligibility checks three ways, on the same running suite and the same database:
//! in one process (the eligibility handler called directly), over one gRPC hop, and through the
//! public API (HTTP → gateway → accounts/eligibility over gRPC → database). Phases alternate
//! round by round so machine drift hits all three alike; the report gives each median throughput
//! and its ratio to the in-process baseline.
//!
//! `cargo bench -p textport-e2e --bench hops -- [--requests N] [--concurrency C] [--numbers K] [--rounds R]`

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use textport::{Config, Storage, Suite};
use textport_domain::SystemClock;
use textport_eligibility::{Directory, SandboxRouting};
use textport_proto::eligibility::v1::CheckHostedEligibilityRequest;
use textport_proto::eligibility::v1::eligibility_service_client::EligibilityServiceClient;
use textport_proto::eligibility::v1::eligibility_service_server::EligibilityService;

struct Options {
    requests: usize,
    concurrency: usize,
    numbers: usize,
    rounds: usize,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str, default: usize| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    Options {
        requests: value("--requests", 2_000),
        concurrency: value("--concurrency", 16),
        numbers: value("--numbers", 100),
        rounds: value("--rounds", 5),
    }
}

/// Runs `requests` calls of `call` on `concurrency` workers; returns calls per second.
async fn throughput<F, Fut>(requests: usize, concurrency: usize, call: F) -> f64
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

#[tokio::main]
async fn main() {
    let options = options();
    let dir =
        std::env::temp_dir().join(format!("textport-bench-{}", uuid::Uuid::new_v4().simple()));
    let storage = match std::env::var("TEXTPORT_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Storage::Postgres {
            url,
            schema_prefix: format!("b{}", &uuid::Uuid::new_v4().simple().to_string()[..12]),
        },
        _ => Storage::SqliteDir(dir),
    };
    let suite = Suite::start(
        &Config::default(),
        &storage,
        "127.0.0.1:0".parse().expect("address"),
        Arc::new(SystemClock),
    )
    .await
    .expect("suite starts");
    let account = suite.state.accounts[0].clone();
    // Distinct numbers spread over every magic range, so every rule and the directory are exercised.
    let numbers: Vec<String> = (0..options.numbers)
        .map(|i| format!("+1312555{:04}", i * 1100 / options.numbers.max(1)))
        .collect();
    let request = CheckHostedEligibilityRequest {
        account_id: account.id.clone(),
        phone_numbers: numbers.clone(),
    };

    let db = textport_platform::db::connect(&storage.database("eligibility"))
        .await
        .expect("database opens");
    let in_process = Arc::new(Directory::new(
        db,
        Arc::new(SandboxRouting),
        Arc::new(SystemClock),
    ));
    let grpc = EligibilityServiceClient::new(
        textport_platform::client::channel(&format!(
            "http://{}",
            suite.state.services["eligibility"]
        ))
        .expect("channel"),
    );
    let http = reqwest::Client::new();
    let url = format!(
        "{}/messaging_hosted_number_orders/eligibility_numbers_check",
        suite.state.api_base_url
    );
    let body = serde_json::to_vec(&serde_json::json!({ "phone_numbers": numbers })).expect("json");

    let (mut local, mut one_hop, mut public) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..options.rounds {
        let (directory, request) = (in_process.clone(), request.clone());
        local.push(
            throughput(options.requests, options.concurrency, move || {
                let (directory, request) = (directory.clone(), request.clone());
                async move {
                    let expected = request.phone_numbers.len();
                    let results = directory
                        .check_hosted_eligibility(tonic::Request::new(request))
                        .await
                        .expect("checks");
                    assert_eq!(results.into_inner().results.len(), expected);
                }
            })
            .await,
        );
        let (client, request) = (grpc.clone(), request.clone());
        one_hop.push(
            throughput(options.requests, options.concurrency, move || {
                let (mut client, request) = (client.clone(), request.clone());
                async move {
                    client
                        .check_hosted_eligibility(request)
                        .await
                        .expect("checks");
                }
            })
            .await,
        );
        let (http, url, body, key) = (
            http.clone(),
            url.clone(),
            body.clone(),
            account.api_key.clone(),
        );
        public.push(
            throughput(options.requests, options.concurrency, move || {
                let (http, url, body, key) = (http.clone(), url.clone(), body.clone(), key.clone());
                async move {
                    let reply = http
                        .post(url)
                        .bearer_auth(key)
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await
                        .expect("answers");
                    assert!(reply.status().is_success());
                    reply.bytes().await.expect("body");
                }
            })
            .await,
        );
    }
    suite.stop().await.expect("suite stops");
    storage.discard().await.expect("data removed");

    let baseline = median(local.clone());
    println!(
        "hosted eligibility, {} numbers per check, {} checks per phase, concurrency {}, {} rounds (median checks/s)",
        options.numbers, options.requests, options.concurrency, options.rounds
    );
    for (name, samples) in [
        ("in one process", local),
        ("one gRPC hop", one_hop),
        ("public API (HTTP + 2 gRPC hops)", public),
    ] {
        let value = median(samples);
        println!(
            "  {name:<34} {value:>9.0}/s   ratio to in-process {:.2}",
            value / baseline
        );
    }
}
