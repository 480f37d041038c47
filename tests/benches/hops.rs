//! What the gRPC hops cost. The same hosted-eligibility check (K numbers) four ways, phases
//! alternating round by round so machine drift hits all alike:
//!
//! - `public API, one process`: HTTP → gateway → the services' handlers called in the gateway's
//!   process (no network between services). The baseline: the same work done in one process.
//! - `public API, gRPC`: HTTP → gateway → eligibility over loopback gRPC, as `textport up` runs.
//! - `service in memory`: the eligibility service's routes called in this process (protobuf
//!   encoding, no HTTP, JSON or network).
//! - `one gRPC hop`: a gRPC client calling the eligibility service.
//!
//! The load generator shares the machine with the suite. Each figure is the median throughput;
//! each ratio is against the baseline. The caller's key is cached by the gateway after its first call.
//!
//! `cargo bench -p textport-e2e --bench hops -- [--requests N] [--concurrency C] [--numbers K] [--rounds R]`

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use textport::{Config, Storage, Suite, Transport};
use textport_domain::SystemClock;
use textport_eligibility::Eligibility;
use textport_platform::service::{Deps, GrpcService, NoSettings};
use textport_proto::eligibility::v1::CheckHostedEligibilityRequest;
use textport_proto::eligibility::v1::eligibility_service_client::EligibilityServiceClient;

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

async fn start(storage: &Storage, transport: Transport) -> Suite {
    let listen = "127.0.0.1:0".parse().expect("address");
    Suite::start(
        &Config::default(),
        storage,
        listen,
        Arc::new(SystemClock),
        transport,
    )
    .await
    .expect("suite starts")
}

/// One public eligibility check per call, through the given suite's gateway.
fn public_call(
    suite: &Suite,
    body: Vec<u8>,
) -> impl Fn() -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>> + Clone + Send + 'static {
    let http = reqwest::Client::new();
    let url = format!(
        "{}/messaging_hosted_number_orders/eligibility_numbers_check",
        suite.state.api_base_url
    );
    let key = suite.state.accounts[0].api_key.clone();
    move || {
        let request = http
            .post(&url)
            .bearer_auth(&key)
            .header("content-type", "application/json")
            .body(body.clone());
        Box::pin(async move {
            let reply = request.send().await.expect("gateway answers");
            assert!(reply.status().is_success(), "{}", reply.status());
            reply.bytes().await.expect("body arrives");
        })
    }
}

#[tokio::main]
async fn main() {
    let options = options();
    let (grpc_storage, local_storage) = (Storage::fresh("b"), Storage::fresh("b"));
    let grpc_suite = start(&grpc_storage, Transport::Grpc).await;
    let local_suite = start(&local_storage, Transport::InProcess).await;

    // Distinct numbers spread over every magic range, so every rule and the directory are exercised.
    let numbers: Vec<String> = (0..options.numbers)
        .map(|i| format!("+1312555{:04}", i * 1100 / options.numbers.max(1)))
        .collect();
    let body = serde_json::to_vec(&serde_json::json!({ "phone_numbers": numbers })).expect("json");
    let request = CheckHostedEligibilityRequest {
        account_id: grpc_suite.state.accounts[0].id.clone(),
        phone_numbers: numbers,
    };

    let db = textport_platform::db::connect(&grpc_storage.database("eligibility"))
        .await
        .expect("database opens");
    let routes = Eligibility::routes(
        Deps {
            db,
            clock: Arc::new(SystemClock),
            sandbox: true,
            downstreams: Default::default(),
            workers: Default::default(),
        },
        NoSettings::default(),
    )
    .await
    .expect("routes build")
    .routes();
    let in_memory = EligibilityServiceClient::new(textport_platform::client::in_process(routes));
    let address = format!("http://{}", grpc_suite.state.services["eligibility"]);
    let client = EligibilityServiceClient::new(
        textport_platform::client::channel(&address).expect("channel"),
    );
    let public_local = public_call(&local_suite, body.clone());
    let public_grpc = public_call(&grpc_suite, body);

    let mut samples: [Vec<f64>; 4] = Default::default();
    for _ in 0..options.rounds {
        let (n, c) = (options.requests, options.concurrency);
        samples[0].push(throughput(n, c, public_local.clone()).await);
        samples[1].push(throughput(n, c, public_grpc.clone()).await);
        for (sample, client) in [(2, &in_memory), (3, &client)] {
            let (client, check) = (client.clone(), request.clone());
            samples[sample].push(
                throughput(n, c, move || {
                    let (mut client, check) = (client.clone(), check.clone());
                    async move {
                        let expected = check.phone_numbers.len();
                        let answer = client
                            .check_hosted_eligibility(check)
                            .await
                            .expect("checks");
                        assert_eq!(answer.into_inner().results.len(), expected);
                    }
                })
                .await,
            );
        }
    }
    for (suite, storage) in [(grpc_suite, grpc_storage), (local_suite, local_storage)] {
        suite.stop().await.expect("suite stops");
        storage.discard().await.expect("data removed");
    }

    println!(
        "hosted eligibility, {} numbers per check, {} checks per phase, concurrency {}, {} rounds (median checks/s)",
        options.numbers, options.requests, options.concurrency, options.rounds
    );
    let baseline = median(samples[0].clone());
    let names = [
        "public API, one process (baseline)",
        "public API, gRPC",
        "service in memory",
        "one gRPC hop",
    ];
    for (name, values) in names.iter().zip(samples) {
        let value = median(values);
        println!(
            "  {name:<36} {value:>9.0}/s   ratio to baseline {:.2}",
            value / baseline
        );
    }
}
