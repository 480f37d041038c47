//! What one sweep of messaging-port's activation monitor costs per watched number, as the number
//! of watched numbers grows (1 000, 10 000, 100 000 by default), all measured in one run.
//!
//! The suite runs in this process over loopback gRPC on a manual clock (eligibility's number
//! directory answers the NNIDs; accounts the messaging profile). Beside it the bench builds a
//! messaging-port `App` of its own on its own database, with channels to the suite's eligibility
//! and accounts and a relay that never runs, and calls `work_round` itself, so no background
//! sweeper competes. The watched numbers are porting orders of 1 000 numbers each (created,
//! messaging enabled with the demo account's new profile, confirmed, and ported through the
//! sandbox's `Step::Port`) on the sandbox's magic lines 1700–1899 of exchange 555, whose losing
//! carrier never releases the NNID: every number stays `activating`. Area codes vary (US ones, not
//! N11 nor toll-free) so that every number is distinct.
//!
//! Sizes grow in one run (each adds orders to those of the size before). For each size, after one
//! untimed sweep, each round moves the clock past the poll interval (`nnid_poll`, 30 s) so every
//! order is due, and times `while app.work_round().await? {}`: one sweep over every watched order,
//! each with one `GetNnidStates` call for its numbers. After each sweep (untimed) no order may be
//! left due nor have failed. The clock never passes the first order's watch deadline (30 min),
//! which bounds the rounds. Per-number cost is the median sweep ÷ N; ratios are against the
//! smallest size. Eligibility's server-side `GetNnidStates` time comes from the process's metrics;
//! after each size's sweeps one read of a whole order (`App::get`, which the monitor does once per
//! order and sweep) is timed too.
//!
//! SQLite in a temporary directory, or PostgreSQL schemas when `TEXTPORT_TEST_DATABASE_URL` is set
//! (as the other benches); removed after.
//!
//! `cargo bench -p textport-e2e --bench monitor -- [--sizes 1000,10000,100000] [--rounds R]` (9 rounds by default)

mod load;

use std::sync::Arc;
use std::time::Instant;

use chrono::TimeDelta;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use textport::{Config, Storage, Suite, Transport};
use textport_domain::{AccountId, Clock as _, E164, ManualClock, MessagingProfileId, SystemClock};
use textport_messaging_port::domain::{NumberMessaging, OrderPatch, PortingOrderId};
use textport_messaging_port::store::{self, work};
use textport_messaging_port::{App, Clients, NewOrders, Settings, Step};
use textport_platform::client::channel;
use textport_platform::db::{self, Schema};
use textport_platform::outbox::RelayWaker;
use textport_proto::accounts::v1::messaging_profile_service_client::MessagingProfileServiceClient;
use textport_proto::eligibility::v1::eligibility_service_client::EligibilityServiceClient;
use textport_proto::eligibility::v1::number_directory_service_client::NumberDirectoryServiceClient;

/// Numbers per porting order: the most one request (and one `GetNnidStates` call) takes.
const ORDER_SIZE: usize = 1_000;
/// Reads of the first order timed after each size's sweeps.
const LOADS: usize = 21;

struct Options {
    sizes: Vec<usize>,
    rounds: usize,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let mut sizes: Vec<usize> = args
        .iter()
        .position(|a| a == "--sizes")
        .and_then(|i| args.get(i + 1))
        .map(|list| {
            list.split(',')
                .map(|size| {
                    size.trim()
                        .parse()
                        .expect("--sizes: numbers, comma-separated")
                })
                .collect()
        })
        .unwrap_or_else(|| vec![1_000, 10_000, 100_000]);
    sizes.sort_unstable();
    sizes.dedup();
    assert!(
        sizes.first().is_some_and(|size| *size > 0),
        "--sizes: at least one size above 0"
    );
    Options {
        sizes,
        rounds: load::flag("--rounds", 9).max(1),
    }
}

/// Every number the run may watch, each once: `+1 NPA 555 XXXX`, XXXX in 1700–1899 (the losing
/// carrier never releases the NNID), over the US area codes that are neither N11 nor toll-free.
fn watched_numbers() -> Vec<String> {
    const TOLL_FREE: [u16; 7] = [800, 833, 844, 855, 866, 877, 888];
    (200..=999u16)
        .filter(|npa| npa % 100 != 11 && !TOLL_FREE.contains(npa))
        .flat_map(|npa| (1700..=1899u16).map(move |line| format!("+1{npa}555{line:04}")))
        .filter(|number| E164::parse(number).is_ok_and(|number| number.is_us()))
        .collect()
}

/// Eligibility's `GetNnidStates` in the process's metrics: (seconds, calls) so far.
async fn nnid_lookups(http: &reqwest::Client, url: &str) -> (f64, f64) {
    let text = http
        .get(url)
        .send()
        .await
        .expect("metrics answer")
        .text()
        .await
        .expect("metrics arrive");
    let mut totals = (0.0, 0.0);
    for line in text.lines().filter(|line| line.contains("GetNnidStates")) {
        let Some((name, value)) = line.rsplit_once(' ') else {
            continue;
        };
        let Ok(value) = value.parse::<f64>() else {
            continue;
        };
        if name.contains("grpc_server_duration_seconds_sum") {
            totals.0 += value;
        } else if name.contains("grpc_server_duration_seconds_count") {
            totals.1 += value;
        }
    }
    totals
}

/// The demo account's new messaging profile, through the public API.
async fn profile(suite: &Suite) -> MessagingProfileId {
    let reply: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/messaging_profiles", suite.state.api_base_url))
        .bearer_auth(&suite.state.accounts[0].api_key)
        .json(&serde_json::json!({"name": "monitor bench", "whitelisted_destinations": ["US"]}))
        .send()
        .await
        .expect("gateway answers")
        .error_for_status()
        .expect("profile created")
        .json()
        .await
        .expect("JSON");
    MessagingProfileId::parse(reply["data"]["id"].as_str().expect("id")).expect("profile id")
}

/// One porting order of `numbers`, taken through create, PATCH (messaging on, the profile),
/// confirm and the sandbox's port: its numbers are then watched. Answers its id.
async fn watch(
    app: &App,
    account: AccountId,
    profile: MessagingProfileId,
    numbers: &[String],
) -> PortingOrderId {
    let orders = app
        .create(
            account,
            NewOrders {
                phone_numbers: numbers.to_vec(),
                customer_reference: Some("monitor bench".to_owned()),
                customer_group_reference: None,
            },
        )
        .await
        .expect("draft created");
    assert_eq!(orders.len(), 1, "one carrier and number type: one order");
    let id = orders[0].id;
    let patch = OrderPatch {
        enable_messaging: Some(true),
        messaging_profile_id: Some(Some(profile)),
        ..OrderPatch::default()
    };
    app.update(account, id, patch).await.expect("PATCH");
    app.confirm(account, id).await.expect("confirmed");
    let ported = app.advance(id, Step::Port).await.expect("ported");
    let activating = ported
        .rules
        .numbers
        .iter()
        .filter(|n| n.messaging == NumberMessaging::Activating)
        .count();
    assert_eq!(activating, numbers.len(), "every number is watched");
    id
}

/// Untimed, after a sweep: every order was looked at (none due, none failed) and is still watched.
async fn check_swept(db: &DatabaseConnection, now: chrono::DateTime<chrono::Utc>, orders: u64) {
    let rows = work::Entity::find().count(db).await.expect("work counted");
    let due = work::Entity::find()
        .filter(work::Column::DueAt.lte(now))
        .count(db)
        .await
        .expect("due counted");
    let failed = work::Entity::find()
        .filter(work::Column::Attempts.gt(0))
        .count(db)
        .await
        .expect("failures counted");
    assert_eq!(
        (rows, due, failed),
        (orders, 0, 0),
        "(work rows, due, failed) after a sweep"
    );
}

/// One size's measurements.
struct Size {
    numbers: usize,
    orders: usize,
    setup_seconds: f64,
    /// Each timed sweep's seconds.
    sweeps: Vec<f64>,
    /// `work_round` calls per sweep.
    calls: usize,
    /// Eligibility's `GetNnidStates`, server side, over the timed sweeps: (seconds, calls).
    lookups: (f64, f64),
    /// The median time of reading one full order (`App::get`), as the monitor does once a sweep.
    load_seconds: f64,
}

#[tokio::main]
async fn main() {
    let options = options();
    let largest = *options.sizes.last().expect("a size");
    let numbers = watched_numbers();
    assert!(
        largest <= numbers.len(),
        "at most {} distinct watched numbers (magic lines 1700–1899 over the US area codes)",
        numbers.len()
    );
    let policy = Settings::default().policy().expect("the default policy");
    let step = policy.nnid_poll + TimeDelta::seconds(1);
    let sweeps = options.sizes.len() * (options.rounds + 1);
    assert!(
        step * i32::try_from(sweeps).expect("few sweeps") < policy.nnid_watch,
        "{sweeps} sweeps of {} s each would pass the watch deadline ({} min): fewer --rounds",
        step.num_seconds(),
        policy.nnid_watch.num_minutes()
    );

    let clock = ManualClock::starting_at(SystemClock.now());
    let storage = Storage::fresh("bm");
    let suite = Suite::start(
        &Config::default(),
        &storage,
        "127.0.0.1:0".parse().expect("address"),
        Arc::new(clock.clone()),
        Transport::Grpc,
    )
    .await
    .expect("suite starts");
    // Not the suite's own messaging-port database: this App's, beside it.
    let database = storage.database("messaging_port_bench");
    let db = db::open::<store::Migrator>(&database, Schema::Migrate)
        .await
        .expect("database opens");
    let address = |role: &str| format!("http://{}", suite.state.services[role]);
    let eligibility = channel(&address("eligibility")).expect("channel");
    let clients = Clients {
        eligibility: EligibilityServiceClient::new(eligibility.clone()),
        directory: NumberDirectoryServiceClient::new(eligibility),
        profiles: MessagingProfileServiceClient::new(
            channel(&address("accounts")).expect("channel"),
        ),
    };
    let app = App::new(
        db.clone(),
        Arc::new(clock.clone()),
        clients,
        RelayWaker::default(),
        policy.clone(),
    );
    let account = AccountId::parse(&suite.state.accounts[0].id).expect("account id");
    let profile = profile(&suite).await;
    let http = reqwest::Client::new();
    let metrics_url = suite.state.metrics_url.clone();
    let engine = match &storage {
        Storage::SqliteDir(_) => "SQLite",
        Storage::Postgres { .. } => "PostgreSQL",
    };

    let mut sizes: Vec<Size> = Vec::new();
    let mut watched = 0;
    let mut orders = 0;
    let mut first = None;
    for &size in &options.sizes {
        let started = Instant::now();
        while watched < size {
            let count = ORDER_SIZE.min(size - watched);
            let id = watch(&app, account, profile, &numbers[watched..watched + count]).await;
            first.get_or_insert(id);
            watched += count;
            orders += 1;
            if orders % 10 == 0 || watched == size {
                println!(
                    "set up {watched} of {size} watched numbers ({orders} orders, {:.0} s)",
                    started.elapsed().as_secs_f64()
                );
            }
        }
        let setup_seconds = started.elapsed().as_secs_f64();
        let mut result = Size {
            numbers: size,
            orders,
            setup_seconds,
            sweeps: Vec::new(),
            calls: 0,
            lookups: (0.0, 0.0),
            load_seconds: 0.0,
        };
        // The first sweep is untimed: pools open, pages cached.
        for round in 0..=options.rounds {
            clock.advance(step);
            let before = nnid_lookups(&http, &metrics_url).await;
            let started = Instant::now();
            let mut calls = 1;
            while app.work_round().await.expect("a monitor round") {
                calls += 1;
            }
            let seconds = started.elapsed().as_secs_f64();
            let after = nnid_lookups(&http, &metrics_url).await;
            check_swept(&db, clock.now(), orders as u64).await;
            assert_eq!(
                after.1 - before.1,
                orders as f64,
                "one GetNnidStates call per order"
            );
            if round == 0 {
                continue;
            }
            println!(
                "{size:>7} watched  round {round}  sweep {:>8.1} ms  {:>6.2} µs a number",
                seconds * 1e3,
                seconds / size as f64 * 1e6
            );
            result.sweeps.push(seconds);
            result.calls = calls;
            result.lookups.0 += after.0 - before.0;
            result.lookups.1 += after.1 - before.1;
        }
        // What one read of a whole order costs at this size (untimed above, for the report).
        let first = first.expect("an order");
        let mut loads = Vec::new();
        for _ in 0..LOADS {
            let started = Instant::now();
            app.get(None, first).await.expect("order read");
            loads.push(started.elapsed().as_secs_f64());
        }
        result.load_seconds = load::median(loads);
        sizes.push(result);
    }

    println!();
    println!(
        "activation monitor on {engine}: one sweep over every watched order (orders of \
         {ORDER_SIZE} numbers, one GetNnidStates call each), {} rounds per size after one \
         untimed sweep",
        options.rounds
    );
    println!(
        "  {:>7} {:>6} {:>7}   {:>29}   {:>11} {:>9}   {:>22}",
        "watched",
        "orders",
        "rounds",
        "sweep min / median / max (ms)",
        "µs a number",
        "ratio",
        "GetNnidStates µs/number"
    );
    let per_number = |size: &Size| load::median(size.sweeps.clone()) / size.numbers as f64;
    let baseline = per_number(&sizes[0]);
    for size in &sizes {
        let min = size.sweeps.iter().copied().fold(f64::INFINITY, f64::min);
        let max = size.sweeps.iter().copied().fold(0.0, f64::max);
        let median = load::median(size.sweeps.clone());
        // Each timed sweep looks up every watched number once.
        let lookups_per_number = size.lookups.0 / (size.sweeps.len() * size.numbers) as f64;
        println!(
            "  {:>7} {:>6} {:>7}   {:>9.1} / {:>8.1} / {:>8.1}   {:>11.2} {:>9.2}   {:>22.2}",
            size.numbers,
            size.orders,
            size.sweeps.len(),
            min * 1e3,
            median * 1e3,
            max * 1e3,
            per_number(size) * 1e6,
            per_number(size) / baseline,
            lookups_per_number * 1e6,
        );
    }
    println!(
        "ratio: µs a number against the {} figure; GetNnidStates: eligibility's server-side \
         time per number looked up",
        sizes[0].numbers
    );
    for size in &sizes {
        println!(
            "  {:>7} watched: set up in {:.0} s (added orders only), {} work rounds a sweep; \
             one read of the first order (App::get, as the monitor reads each order once a \
             sweep) {:.2} ms",
            size.numbers,
            size.setup_seconds,
            size.calls,
            size.load_seconds * 1e3
        );
    }

    // Every number still watched: no deadline passed during the run.
    let (_, still) = store::list_numbers(
        &db,
        account,
        &store::NumberFilter {
            messaging: Some(vec![NumberMessaging::Activating]),
            ..store::NumberFilter::default()
        },
        textport_domain::Page::new(Some(1), Some(1)).expect("page"),
    )
    .await
    .expect("numbers counted");
    assert_eq!(still, watched as u64, "every number still activating");

    drop(app);
    db.close().await.expect("database closes");
    suite.stop().await.expect("suite stops");
    db::discard(&database).await.expect("bench data removed");
    storage.discard().await.expect("data removed");
}
