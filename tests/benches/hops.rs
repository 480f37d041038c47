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

mod load;

use std::future::Future;
use std::sync::Arc;

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
    Options {
        requests: load::flag("--requests", 2_000),
        concurrency: load::flag("--concurrency", 16),
        numbers: load::flag("--numbers", 100),
        rounds: load::flag("--rounds", 5),
    }
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
            files_dir: std::env::temp_dir(),
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
        samples[0].push(load::throughput(n, c, public_local.clone()).await);
        samples[1].push(load::throughput(n, c, public_grpc.clone()).await);
        for (sample, client) in [(2, &in_memory), (3, &client)] {
            let (client, check) = (client.clone(), request.clone());
            samples[sample].push(
                load::throughput(n, c, move || {
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

    load::report(
        &format!(
            "hosted eligibility, {} numbers per check, {} checks per phase, concurrency {}, {} rounds (median checks/s)",
            options.numbers, options.requests, options.concurrency, options.rounds
        ),
        &[
            "public API, one process (baseline)",
            "public API, gRPC",
            "service in memory",
            "one gRPC hop",
        ],
        samples.into(),
    );
}
