//! Creating hosted SMS orders through the public API on PostgreSQL, two ways in one run, phases
//! alternating round by round so machine drift hits both alike:
//!
//! - `public API, one process`: HTTP → gateway → hosted-order → eligibility, every service's
//!   handlers called in the gateway's process (no network between services). The baseline.
//! - `public API, gRPC`: the same with the services reached over loopback gRPC, as `up` runs.
//!
//! Each create is `POST /v2/messaging_hosted_number_orders` with ONE fresh number
//! (`{"phone_numbers": ["+1NPANXXXXXX"]}`) and the demo account's key, on `C` connections. An
//! order reserves its numbers, so every number of the run is new: ten US area codes, exchanges
//! 200–999 but never 555 (the sandbox's magic numbers) nor N11, every line number. Any answer but
//! 200 counts as an error. Each phase has its own suite and its own PostgreSQL schemas
//! (`TEXTPORT_TEST_DATABASE_URL`, else `postgres://postgres@127.0.0.1:5432/test`), removed after.
//! Which phase goes first swaps every round, and after each phase the run waits (untimed) until
//! that suite's hosted-order outbox has sent every `created` event, so no phase's background work
//! spills into the other's.
//!
//! The load generator shares the machine with both suites and PostgreSQL. Throughput is the
//! median over rounds; latency percentiles are over every create of every round; the aim is
//! gRPC ÷ one process (of the medians) ≥ 0.5 with the gRPC p99 under 45 ms. The last table is,
//! per phase, each timed step's mean time per call (server side of each hop, from the process's
//! latency histograms, over the timed runs and their drains) and its calls per create.
//!
//! `cargo bench -p textport-e2e --bench orders -- [--requests N] [--concurrency C] [--rounds R]`

mod load;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use textport::{Config, Storage, Suite, Transport};
use textport_domain::{E164, SystemClock};
use textport_platform::outbox::entity as outbox;

const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
/// What the issue asks of the gateway: at least half the one-process rate, p99 under 45 ms.
const AIM_RATIO: f64 = 0.5;
const AIM_P99_MS: f64 = 45.0;
const WARM_UP: usize = 50;

struct Options {
    requests: usize,
    concurrency: usize,
    rounds: usize,
}

fn options() -> Options {
    Options {
        requests: load::flag("--requests", 2_000),
        concurrency: load::flag("--concurrency", 16),
        rounds: load::flag("--rounds", 5),
    }
}

/// Fresh PostgreSQL schemas `<prefix>_<service>` for one suite.
fn postgres() -> Storage {
    let url = std::env::var("TEXTPORT_TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
    let run = uuid::Uuid::new_v4().simple().to_string();
    Storage::Postgres {
        url,
        schema_prefix: format!("bo{}", &run[..12]),
    }
}

/// Every number of the run, each handed out once: valid US NANP numbers outside the sandbox's
/// magic exchange 555 (and the N11 service codes), area codes taking turns.
struct Numbers {
    next: AtomicUsize,
    exchanges: Vec<u16>,
}

const AREA_CODES: [&str; 10] = [
    "312", "206", "415", "617", "202", "303", "512", "646", "702", "919",
];

impl Numbers {
    fn new() -> Self {
        Self {
            next: AtomicUsize::new(0),
            exchanges: (200..=999)
                .filter(|exchange| *exchange != 555 && exchange % 100 != 11)
                .collect(),
        }
    }

    fn fresh(&self) -> String {
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        let (area, rest) = (AREA_CODES[i % AREA_CODES.len()], i / AREA_CODES.len());
        let exchange = self
            .exchanges
            .get(rest / 10_000)
            .expect("fewer than 79 million numbers a run");
        let number = format!("+1{area}{exchange}{:04}", rest % 10_000);
        debug_assert!(E164::parse(&number).is_ok_and(|n| n.is_us()), "{number}");
        number
    }

    fn used(&self) -> usize {
        self.next.load(Ordering::Relaxed)
    }
}

/// Answers other than 200 (or no answer), with the first few for the report.
#[derive(Default)]
struct Errors {
    count: AtomicUsize,
    first: Mutex<Vec<String>>,
}

impl Errors {
    fn record(&self, what: String) {
        self.count.fetch_add(1, Ordering::Relaxed);
        let mut first = self.first.lock().expect("not poisoned");
        if first.len() < 5 {
            first.push(what);
        }
    }
}

type Call = Pin<Box<dyn Future<Output = ()> + Send>>;

/// One order of one fresh number per call, through the given suite's gateway.
fn create_call(
    suite: &Suite,
    numbers: Arc<Numbers>,
    errors: Arc<Errors>,
) -> impl Fn() -> Call + Clone + Send + 'static {
    let http = reqwest::Client::new();
    let url = format!(
        "{}/messaging_hosted_number_orders",
        suite.state.api_base_url
    );
    let key = suite.state.accounts[0].api_key.clone();
    move || {
        let number = numbers.fresh();
        let request = http
            .post(&url)
            .bearer_auth(&key)
            .header("content-type", "application/json")
            .body(format!(r#"{{"phone_numbers":["{number}"]}}"#));
        let errors = errors.clone();
        Box::pin(async move {
            match request.send().await {
                Ok(reply) => {
                    let status = reply.status();
                    let body = reply.bytes().await;
                    if status != http::StatusCode::OK {
                        let body = body.map(|b| String::from_utf8_lossy(&b).into_owned());
                        errors.record(format!("{number}: {status} {}", body.unwrap_or_default()));
                    } else if let Err(error) = body {
                        errors.record(format!("{number}: body: {error}"));
                    }
                }
                Err(error) => errors.record(format!("{number}: {error}")),
            }
        })
    }
}

/// One suite under test.
struct Phase {
    name: &'static str,
    storage: Storage,
    suite: Suite,
    /// Its hosted-order schema, to see the outbox drain.
    orders_db: DatabaseConnection,
    call: Arc<dyn Fn() -> Call + Send + Sync>,
    errors: Arc<Errors>,
    per_second: Vec<f64>,
    latencies: Vec<f64>,
    /// Summed metric deltas over this phase's timed runs: (sum, count) by series.
    steps: BTreeMap<String, (f64, f64)>,
    drain_seconds: f64,
}

impl Phase {
    async fn start(name: &'static str, transport: Transport, numbers: Arc<Numbers>) -> Self {
        let storage = postgres();
        let suite = Suite::start(
            &Config::default(),
            &storage,
            "127.0.0.1:0".parse().expect("address"),
            Arc::new(SystemClock),
            transport,
        )
        .await
        .expect("suite starts");
        let orders_db = textport_platform::db::connect(&storage.database("hosted_order"))
            .await
            .expect("database opens");
        let errors = Arc::new(Errors::default());
        let call = create_call(&suite, numbers, errors.clone());
        Self {
            name,
            storage,
            suite,
            orders_db,
            call: Arc::new(call),
            errors,
            per_second: Vec::new(),
            latencies: Vec::new(),
            steps: BTreeMap::new(),
            drain_seconds: 0.0,
        }
    }

    fn caller(&self) -> impl Fn() -> Call + Clone + Send + 'static {
        let call = self.call.clone();
        move || call()
    }

    /// Untimed: until every `created` event of this suite has left its outbox.
    async fn drain(&mut self) {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            let pending = outbox::Entity::find()
                .filter(outbox::Column::DeliveredAt.is_null())
                .count(&self.orders_db)
                .await
                .expect("outbox counts");
            if pending == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.drain_seconds += started.elapsed().as_secs_f64();
    }
}

/// Every latency histogram's running (sum, count) in the process's metrics, by series.
async fn snapshot(http: &reqwest::Client, url: &str) -> BTreeMap<String, (f64, f64)> {
    let text = http
        .get(url)
        .send()
        .await
        .expect("metrics answer")
        .text()
        .await
        .expect("metrics arrive");
    let mut series = BTreeMap::<String, (f64, f64)>::new();
    for line in text.lines().filter(|line| !line.starts_with('#')) {
        let Some((name, value)) = line.rsplit_once(' ') else {
            continue;
        };
        let Ok(value) = value.parse::<f64>() else {
            continue;
        };
        if let Some((metric, labels)) = name.split_once("_duration_seconds_sum") {
            series.entry(step_name(metric, labels)).or_default().0 = value;
        } else if let Some((metric, labels)) = name.split_once("_duration_seconds_count") {
            series.entry(step_name(metric, labels)).or_default().1 = value;
        }
    }
    series
}

/// `gRPC HostedOrderService/CreateHostedOrder`, `HTTP POST /v2/messaging_hosted_number_orders`.
fn step_name(metric: &str, labels: &str) -> String {
    let label = |key: &str| {
        labels
            .split(&format!("{key}=\""))
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or("")
            .to_owned()
    };
    if metric.ends_with("grpc_server") {
        let method = label("method");
        let short = method.rsplit('.').next().unwrap_or(&method).to_owned();
        format!("gRPC server {short}")
    } else {
        format!("HTTP gateway {} {}", label("method"), label("route"))
    }
}

fn add_delta(
    steps: &mut BTreeMap<String, (f64, f64)>,
    before: &BTreeMap<String, (f64, f64)>,
    after: BTreeMap<String, (f64, f64)>,
) {
    for (name, (sum, count)) in after {
        let (sum0, count0) = before.get(&name).copied().unwrap_or_default();
        if count > count0 {
            let step = steps.entry(name).or_default();
            step.0 += sum - sum0;
            step.1 += count - count0;
        }
    }
}

#[tokio::main]
async fn main() {
    let options = options();
    let (n, c) = (options.requests, options.concurrency);
    let numbers = Arc::new(Numbers::new());
    let mut phases = [
        Phase::start(
            "public API, one process (baseline)",
            Transport::InProcess,
            numbers.clone(),
        )
        .await,
        Phase::start("public API, gRPC", Transport::Grpc, numbers.clone()).await,
    ];
    // One registry per process: either suite's endpoint shows both.
    let metrics_url = phases[0].suite.state.metrics_url.clone();
    let http = reqwest::Client::new();

    // Keys cached, connections and pools open: not timed.
    for phase in &mut phases {
        load::timed(WARM_UP, c, phase.caller()).await;
        phase.drain().await;
        phase.drain_seconds = 0.0;
    }
    for round in 0..options.rounds {
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for index in order {
            let phase = &mut phases[index];
            let before = snapshot(&http, &metrics_url).await;
            let run = load::timed(n, c, phase.caller()).await;
            phase.drain().await;
            add_delta(
                &mut phase.steps,
                &before,
                snapshot(&http, &metrics_url).await,
            );
            println!(
                "round {}  {:<36} {:>7.0}/s   p99 {:>6.1} ms",
                round + 1,
                phase.name,
                run.per_second,
                load::percentile(&run.latencies, 99.0) * 1e3
            );
            phase.per_second.push(run.per_second);
            phase.latencies.extend(run.latencies);
        }
    }

    let names: Vec<&str> = phases.iter().map(|phase| phase.name).collect();
    println!();
    load::report(
        &format!(
            "hosted SMS orders of one fresh number each on PostgreSQL, {n} creates per phase, \
             concurrency {c}, {} rounds (median creates/s)",
            options.rounds
        ),
        &names,
        phases
            .iter()
            .map(|phase| phase.per_second.clone())
            .collect(),
    );
    let latencies: Vec<Vec<f64>> = phases.iter().map(|phase| phase.latencies.clone()).collect();
    load::report_latency(&names, &latencies);

    let ratio =
        load::median(phases[1].per_second.clone()) / load::median(phases[0].per_second.clone());
    let p99 = load::percentile(&phases[1].latencies, 99.0) * 1e3;
    let met = ratio >= AIM_RATIO && p99 < AIM_P99_MS;
    println!(
        "aim (gRPC ÷ one process ≥ {AIM_RATIO:.2}, gRPC p99 < {AIM_P99_MS:.0} ms): ratio {ratio:.2} \
         {}, p99 {p99:.1} ms {} → {}",
        if ratio >= AIM_RATIO { "ok" } else { "MISSED" },
        if p99 < AIM_P99_MS { "ok" } else { "MISSED" },
        if met { "met" } else { "NOT met" },
    );

    let mut failed = 0;
    for phase in &phases {
        let count = phase.errors.count.load(Ordering::Relaxed);
        failed += count;
        println!(
            "errors (answers other than 200), {:<36} {count} of {} creates{}",
            phase.name,
            WARM_UP + n * options.rounds,
            if count == 0 {
                String::new()
            } else {
                format!(": {:?}", phase.errors.first.lock().expect("not poisoned"))
            }
        );
    }
    println!("distinct numbers ordered: {}", numbers.used());

    let creates = (n * options.rounds) as f64;
    println!("mean time per call of each timed step, server side (ms), and calls per create");
    for phase in &phases {
        println!(
            "  {} (untimed outbox drain after its phases: {:.1} s)",
            phase.name, phase.drain_seconds
        );
        for (name, (sum, count)) in &phase.steps {
            println!(
                "    {name:<72} {:>7.2} ms   {:>5.2}/create",
                sum / count * 1e3,
                count / creates
            );
        }
    }

    for phase in phases {
        let Phase {
            storage,
            suite,
            orders_db,
            ..
        } = phase;
        drop(orders_db);
        suite.stop().await.expect("suite stops");
        storage.discard().await.expect("data removed");
    }
    if failed > 0 {
        std::process::exit(1);
    }
}
