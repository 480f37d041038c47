//! Events that are never lost: pushed through a service's outbox, relayed to the notifier,
//! delivered as signed webhooks to receivers inside the test, retried, failed over, redelivered,
//! and listed in `/v2/webhook_deliveries` — also while the notifier stops and starts and while
//! acknowledgements are lost.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Verifier as _, VerifyingKey};
use http::{HeaderMap, StatusCode};
use prost::Message as _;
use sea_orm::{DatabaseConnection, TransactionTrait};
use sea_orm_migration::{MigrationTrait, MigratorTrait};
use serde_json::{Value, json};
use textport::{Config, Role, Storage};
use textport_domain::{Clock as _, ManualClock, SharedClock, SystemClock};
use textport_platform::client::{Downstream, channel};
use textport_platform::config::{DatabaseConfig, ServiceConfig};
use textport_platform::db::{self, Schema};
use textport_platform::outbox::{self, OutboxEvent, Relay, RelaySettings};
use textport_platform::service::{Downstreams, Start};
use textport_platform::{CancellationToken, sweeper};
use textport_proto::notifier::v1 as pb;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::support::{self, TestSuite};

// === a webhook receiver ===

#[derive(Clone, Debug)]
pub struct Received {
    headers: HeaderMap,
    body: Bytes,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON webhook")
    }
}

#[derive(Default)]
struct ReceiverState {
    log: Mutex<Vec<Received>>,
    /// Statuses to answer, in order; 200 once they run out.
    script: Mutex<VecDeque<u16>>,
    arrived: Notify,
}

/// An HTTP server inside the test that records every POST and answers as scripted.
pub struct Receiver {
    addr: SocketAddr,
    state: Arc<ReceiverState>,
    task: JoinHandle<()>,
}

async fn receive(
    State(state): State<Arc<ReceiverState>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let status = state
        .script
        .lock()
        .expect("lock")
        .pop_front()
        .unwrap_or(200);
    state
        .log
        .lock()
        .expect("lock")
        .push(Received { headers, body });
    state.arrived.notify_waiters();
    StatusCode::from_u16(status).expect("a status")
}

impl Receiver {
    pub async fn start(script: &[u16]) -> Self {
        Self::start_on("127.0.0.1:0".parse().expect("address"), script).await
    }

    async fn start_on(addr: SocketAddr, script: &[u16]) -> Self {
        let state = Arc::new(ReceiverState {
            script: Mutex::new(script.iter().copied().collect()),
            ..ReceiverState::default()
        });
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind(addr).await.expect("binds");
        let addr = listener.local_addr().expect("address");
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serves");
        });
        Self { addr, state, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.log.lock().expect("lock").clone()
    }

    /// Waits (at most 30 s) until `count` requests have arrived; returns them all.
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let arrived = self.state.arrived.notified();
            let log = self.received();
            if log.len() >= count {
                return log;
            }
            assert!(
                tokio::time::timeout_at(deadline, arrived).await.is_ok(),
                "only {} of {count} webhooks arrived",
                log.len()
            );
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A port nothing listens on: connections are refused.
async fn closed_port_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let addr = listener.local_addr().expect("address");
    drop(listener);
    format!("http://{addr}/hook")
}

#[track_caller]
pub fn assert_signed(received: &Received, public_key: &str) {
    let key: [u8; 32] = STANDARD
        .decode(public_key)
        .expect("base64")
        .try_into()
        .expect("32 bytes");
    let key = VerifyingKey::from_bytes(&key).expect("a key");
    let header = |name: &str| {
        received
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{name} header"))
            .to_owned()
    };
    let timestamp = header("telnyx-timestamp");
    let wall = SystemClock.now().timestamp();
    let sent: i64 = timestamp.parse().expect("Unix seconds");
    assert!(
        (wall - sent).abs() <= 300,
        "wall-clock timestamp: {sent} vs {wall}"
    );
    let signature: [u8; 64] = STANDARD
        .decode(header("telnyx-signature-ed25519"))
        .expect("base64")
        .try_into()
        .expect("64 bytes");
    let mut message = format!("{timestamp}|").into_bytes();
    message.extend_from_slice(&received.body);
    key.verify(&message, &Signature::from_bytes(&signature))
        .expect("the signature verifies");
    let mut tampered = message.clone();
    tampered.push(b' ');
    assert!(
        key.verify(&tampered, &Signature::from_bytes(&signature))
            .is_err()
    );
    assert_eq!(header("content-type"), "application/json");
}

// === a service with an outbox ===

struct SourceMigrator;

#[async_trait::async_trait]
impl MigratorTrait for SourceMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(outbox::CreateOutbox)]
    }
}

/// A service's database with an outbox, and its relay to the notifier.
struct Source {
    db: DatabaseConnection,
    config: DatabaseConfig,
    clock: SharedClock,
    waker: outbox::RelayWaker,
    shutdown: CancellationToken,
    relay: JoinHandle<()>,
}

async fn source_db(storage: &Storage, name: &str) -> (DatabaseConnection, DatabaseConfig) {
    let config = storage.database(name);
    let db = db::open::<SourceMigrator>(&config, Schema::Migrate)
        .await
        .expect("source database");
    (db, config)
}

fn relay_to(notifier: Downstream) -> Downstreams {
    let mut downstreams = Downstreams::default();
    downstreams.insert("notifier", notifier);
    downstreams
}

fn fast_relay() -> RelaySettings {
    RelaySettings {
        poll: Duration::from_millis(50),
        backoff_base: Duration::from_millis(20),
        backoff_cap: Duration::from_millis(200),
        ..RelaySettings::default()
    }
}

impl Source {
    async fn start(storage: &Storage, notifier: Downstream, clock: SharedClock) -> Self {
        let (db, config) = source_db(storage, "source").await;
        let relay = Relay::new(
            "source",
            db.clone(),
            clock.clone(),
            &relay_to(notifier),
            &["notifier"],
            fast_relay(),
        )
        .expect("relay");
        let waker = relay.waker();
        let shutdown = CancellationToken::new();
        let relay = tokio::spawn(relay.run(shutdown.clone()));
        Self {
            db,
            config,
            clock,
            waker,
            shutdown,
            relay,
        }
    }

    /// Writes `events` in one transaction, as a use case does, and wakes the relay.
    async fn push(&self, events: Vec<pb::Event>) -> Vec<uuid::Uuid> {
        let txn = self.db.begin().await.expect("begins");
        let mut ids = Vec::new();
        for event in events {
            let id = outbox::push(
                &txn,
                self.clock.now(),
                OutboxEvent {
                    destination: "notifier",
                    kind: pb::EVENT_KIND,
                    body: event.encode_to_vec(),
                },
            )
            .await
            .expect("pushed");
            ids.push(id);
        }
        txn.commit().await.expect("commits");
        self.waker.wake();
        ids
    }

    async fn stop(self) {
        self.shutdown.cancel();
        self.relay.await.expect("relay stops");
        db::discard(&self.config).await.expect("source removed");
    }
}

/// Where a test event's webhook goes.
enum To {
    Profile(String),
    Urls(Vec<String>),
}

fn event(account_id: &str, event_type: &str, payload: Value, to: To) -> pb::Event {
    let (messaging_profile_id, webhook_urls) = match to {
        To::Profile(profile) => (Some(profile), Vec::new()),
        To::Urls(urls) => (None, urls),
    };
    pb::Event {
        event_type: event_type.to_owned(),
        account_id: account_id.to_owned(),
        payload_json: payload.to_string(),
        resource_id: payload["order_id"].as_str().map(str::to_owned),
        messaging_profile_id,
        webhook_urls,
        email: None,
        portal: None,
    }
}

fn to_urls(urls: &[String]) -> To {
    To::Urls(urls.to_vec())
}

fn notifier_channel(suite: &TestSuite) -> Downstream {
    channel(&format!("http://{}", suite.state.services["notifier"])).expect("channel")
}

/// A suite on a manual clock whose notifier gives up after `horizon_hours`.
async fn timed_suite(horizon_hours: u64) -> (TestSuite, ManualClock) {
    let clock = ManualClock::starting_at(SystemClock.now());
    let mut config = support::plain_config();
    let notifier = config
        .sections
        .get_mut("notifier")
        .expect("notifier section");
    notifier.settings.insert(
        "retry_horizon_secs".to_owned(),
        figment::value::Value::from(horizon_hours * 3_600),
    );
    let suite = support::spawn_timed(config, Storage::fresh("t"), Arc::new(clock.clone())).await;
    (suite, clock)
}

pub async fn create_profile(suite: &TestSuite, key: &str, urls: (&str, Option<&str>)) -> String {
    let reply = suite
        .post(
            "/v2/messaging_profiles",
            key,
            json!({"name": "hooks", "whitelisted_destinations": ["US"], "webhook_url": urls.0, "webhook_failover_url": urls.1}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["data"]["id"].as_str().expect("id").to_owned()
}

/// Polls the public API (at most 30 s) until the event's delivery satisfies `done`.
async fn delivery_where(
    suite: &TestSuite,
    key: &str,
    event_id: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let reply = suite
            .get(
                &format!("/v2/webhook_deliveries?filter[event_id]={event_id}"),
                key,
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        if let Some(found) = reply.body["data"].as_array().and_then(|d| d.first())
            && done(found)
        {
            return found.clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not there yet: {}",
            reply.body
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn delivery_with_status(suite: &TestSuite, key: &str, event_id: &str, status: &str) -> Value {
    delivery_where(suite, key, event_id, |delivery| {
        delivery["status"] == status
    })
    .await
}

/// Waits until the delivery has recorded `count` attempts, so moving the clock next cannot race
/// the scheduling of its next round.
async fn attempts_recorded(suite: &TestSuite, key: &str, event_id: &str, count: usize) -> Value {
    delivery_where(suite, key, event_id, |delivery| {
        delivery["attempts"].as_array().map(Vec::len) == Some(count)
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn an_event_through_an_outbox_arrives_signed_in_the_public_envelope() {
    let suite = support::spawn().await;
    let acme = suite.acme().clone();
    let receiver = Receiver::start(&[]).await;
    let profile = create_profile(&suite, &acme.api_key, (&receiver.url(), None)).await;
    let source = Source::start(
        &suite.storage,
        notifier_channel(&suite),
        Arc::new(SystemClock),
    )
    .await;

    let payload = json!({"order_id": "5b2e8f3c-1111-4222-8333-944455556666", "order_status": "pending", "numbers": [{"value": "+13125550001", "status": "pending"}]});
    let ids = source
        .push(vec![event(
            &acme.id,
            "messaging_hosted_numbers_orders.created",
            payload.clone(),
            To::Profile(profile),
        )])
        .await;

    let received = receiver.wait_for(1).await;
    assert_signed(&received[0], &suite.state.webhook_public_key);
    let body = received[0].json();
    assert_eq!(body["data"]["id"], ids[0].to_string());
    assert_eq!(body["data"]["record_type"], "event");
    assert_eq!(
        body["data"]["event_type"],
        "messaging_hosted_numbers_orders.created"
    );
    assert_eq!(body["data"]["payload"], payload);
    assert!(
        body["data"]["occurred_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
    assert_eq!(
        body["meta"],
        json!({"attempt": 1, "delivered_to": receiver.url()})
    );

    let delivery =
        delivery_with_status(&suite, &acme.api_key, &ids[0].to_string(), "delivered").await;
    assert_eq!(delivery["record_type"], "webhook_delivery");
    assert_eq!(delivery["user_id"], acme.id);
    assert_eq!(delivery["webhook"]["id"], ids[0].to_string());
    assert_eq!(delivery["webhook"]["payload"], payload);
    assert_eq!(delivery["attempts"][0]["status"], "delivered");
    assert_eq!(delivery["attempts"][0]["http"]["response"]["status"], 200);
    assert_eq!(
        delivery["attempts"][0]["http"]["request"]["url"],
        receiver.url()
    );
    // Another account does not see it.
    let other = suite
        .get(
            &format!(
                "/v2/webhook_deliveries/{}",
                delivery["id"].as_str().expect("id")
            ),
            &suite.globex().api_key,
        )
        .await;
    other.assert_error(404, "10005");

    source.stop().await;
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_attempts_are_retried_until_delivered_and_each_is_listed_and_redelivery_keeps_the_id()
 {
    let (suite, clock) = timed_suite(24).await;
    let acme = suite.acme().clone();
    let receiver = Receiver::start(&[500, 500, 503]).await;
    let source = Source::start(
        &suite.storage,
        notifier_channel(&suite),
        Arc::new(clock.clone()),
    )
    .await;
    let order = "7d1c0b7e-aaaa-4bbb-8ccc-000000000001";
    let ids = source
        .push(vec![event(
            &acme.id,
            "messaging_hosted_numbers_orders.updated",
            json!({"order_id": order, "order_status": "loa_file_successful"}),
            to_urls(&[receiver.url()]),
        )])
        .await;

    for seen in 1..=3 {
        attempts_recorded(&suite, &acme.api_key, &ids[0].to_string(), seen).await;
        // Past the longest backoff (1 h), so the next round is due.
        clock.advance(chrono::Duration::hours(2));
    }
    let received = receiver.wait_for(4).await;
    let attempts: Vec<u64> = received
        .iter()
        .map(|r| r.json()["meta"]["attempt"].as_u64().expect("attempt"))
        .collect();
    assert_eq!(attempts, [1, 2, 3, 4]);
    assert!(
        received
            .iter()
            .all(|r| r.json()["data"]["id"] == ids[0].to_string())
    );

    let delivery =
        delivery_with_status(&suite, &acme.api_key, &ids[0].to_string(), "delivered").await;
    let statuses: Vec<(&str, u64)> = delivery["attempts"]
        .as_array()
        .expect("attempts")
        .iter()
        .map(|a| {
            (
                a["status"].as_str().expect("status"),
                a["http"]["response"]["status"].as_u64().expect("code"),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("delivered", 200),
            ("failed", 503),
            ("failed", 500),
            ("failed", 500)
        ]
    );
    assert_eq!(delivery["resource_id"], order);

    // The filters Telnyx documents, and ours.
    let key = &acme.api_key;
    for (query, expected) in [
        ("filter[status][eq]=delivered".to_owned(), 1),
        ("filter[status][eq]=failed".to_owned(), 0),
        (format!("filter[resource_id]={order}"), 1),
        ("filter[event_type]=porting_order.status_changed,messaging_hosted_numbers_orders.updated".to_owned(), 1),
        ("filter[event_type]=porting_order.status_changed".to_owned(), 0),
        (format!("filter[webhook][contains]={}", receiver.addr), 1),
        ("filter[webhook][contains]=nowhere.example".to_owned(), 0),
        ("filter[started_at][gte]=2000-01-01T00:00:00Z&filter[finished_at][lte]=2999-01-01T00:00:00Z".to_owned(), 1),
        ("filter[started_at][gte]=2999-01-01T00:00:00Z".to_owned(), 0),
    ] {
        let reply = suite.get(&format!("/v2/webhook_deliveries?{query}"), key).await;
        assert_eq!(reply.status, 200, "{query}: {}", reply.body);
        assert_eq!(reply.body["meta"]["total_results"], expected, "{query}: {}", reply.body);
    }
    suite
        .get("/v2/webhook_deliveries?filter[status][eq]=gone", key)
        .await
        .assert_error(400, "10032");
    let bad_time = suite
        .get(
            "/v2/webhook_deliveries?filter[started_at][gte]=yesterday",
            key,
        )
        .await;
    bad_time.assert_error(400, "10015");
    assert_eq!(
        bad_time.error_source("parameter"),
        Some("filter[started_at][gte]")
    );

    // Redelivery: a fresh attempt, signed afresh, with the same event id.
    let id = delivery["id"].as_str().expect("id");
    let reply = suite
        .call(
            reqwest::Method::POST,
            &format!("/v2/webhook_deliveries/{id}/actions/redeliver"),
            Some(key),
            None,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let again = receiver.wait_for(5).await;
    assert_eq!(again[4].json()["data"]["id"], ids[0].to_string());
    assert_eq!(again[4].json()["meta"]["attempt"], 5);
    assert_signed(&again[4], &suite.state.webhook_public_key);
    let redelivered = suite
        .get(&format!("/v2/webhook_deliveries/{id}"), key)
        .await;
    assert_eq!(
        redelivered.body["data"]["attempts"]
            .as_array()
            .map(Vec::len),
        Some(5)
    );
    suite
        .call(
            reqwest::Method::POST,
            &format!("/v2/webhook_deliveries/{id}/actions/redeliver"),
            Some(&suite.globex().api_key),
            None,
        )
        .await
        .assert_error(404, "10005");

    source.stop().await;
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_down_primary_fails_over_and_a_receiver_that_never_answers_2xx_is_failed_at_the_horizon()
{
    let (suite, clock) = timed_suite(3).await;
    let acme = suite.acme().clone();
    let failover = Receiver::start(&[]).await;
    let primary = closed_port_url().await;
    let refusing = Receiver::start(&[500; 64]).await;
    let source = Source::start(
        &suite.storage,
        notifier_channel(&suite),
        Arc::new(clock.clone()),
    )
    .await;
    let ids = source
        .push(vec![
            event(
                &acme.id,
                "porting_order.status_changed",
                json!({"id": "po-1"}),
                to_urls(&[primary.clone(), failover.url()]),
            ),
            event(
                &acme.id,
                "porting_order.status_changed",
                json!({"id": "po-2"}),
                to_urls(&[refusing.url()]),
            ),
        ])
        .await;

    let received = failover.wait_for(1).await;
    assert_eq!(
        received[0].json()["meta"],
        json!({"attempt": 2, "delivered_to": failover.url()})
    );
    assert_signed(&received[0], &suite.state.webhook_public_key);
    let delivered =
        delivery_with_status(&suite, &acme.api_key, &ids[0].to_string(), "delivered").await;
    assert_eq!(delivered["attempts"][1]["http"]["request"]["url"], primary);
    assert_eq!(delivered["attempts"][1]["status"], "failed");
    assert_eq!(
        delivered["attempts"][1]["errors"],
        json!([2]),
        "connection refused"
    );
    assert!(delivered["attempts"][1]["http"]["response"].is_null());

    // Rounds every ≤ 1 h until the 3 h horizon, then `failed` for good.
    let refused = ids[1].to_string();
    for seen in 1.. {
        // A round is over once its attempt is listed; the delivery shows its new state with it.
        let delivery = delivery_where(&suite, &acme.api_key, &refused, |delivery| {
            delivery["attempts"].as_array().map(Vec::len) == Some(seen)
                && (delivery["status"] == "failed" || delivery["next_attempt_at"].is_string())
        })
        .await;
        if delivery["status"] == "failed" {
            assert!(delivery["finished_at"].is_string());
            assert!(delivery["next_attempt_at"].is_null());
            assert!(seen >= 3, "gave up after {seen} attempts");
            break;
        }
        assert!(
            seen < 20,
            "still retrying after {seen} attempts: {delivery}"
        );
        assert!(delivery["next_attempt_at"].is_string());
        clock.advance(chrono::Duration::minutes(61));
    }

    source.stop().await;
    suite.stop().await;
}

// === faults ===

/// The notifier of the registry on its own, on `listen`, with its data in `storage`.
async fn start_notifier(
    storage: &Storage,
    listen: SocketAddr,
) -> (
    SocketAddr,
    CancellationToken,
    JoinHandle<anyhow::Result<()>>,
) {
    let role = Role::find("notifier").expect("notifier");
    let mut downstreams = Downstreams::default();
    // Events without a condition or profile never ask accounts.
    downstreams.insert("accounts", channel("http://127.0.0.1:9").expect("channel"));
    let built = role
        .build(
            Start {
                config: ServiceConfig {
                    listen,
                    database: storage.database(role.section),
                    drain_seconds: 0,
                    settings: Default::default(),
                },
                schema: Schema::Migrate,
                tls: None,
                clock: Arc::new(SystemClock),
                sandbox: true,
                downstreams,
            },
            &Config::default(),
        )
        .await
        .expect("notifier builds");
    let addr = built.local_addr();
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(built.run(shutdown.clone()));
    (addr, shutdown, task)
}

/// Of what `receiver` got, how often each event id arrived.
fn arrivals(receiver: &Receiver) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for received in receiver.received() {
        *counts
            .entry(
                received.json()["data"]["id"]
                    .as_str()
                    .expect("id")
                    .to_owned(),
            )
            .or_insert(0) += 1;
    }
    counts
}

#[tokio::test(flavor = "multi_thread")]
async fn nothing_is_lost_when_the_notifier_stops_mid_stream_or_acknowledgements_are_lost() {
    let storage = Storage::fresh("f");
    let receiver = Receiver::start(&[]).await;
    let (addr, shutdown, task) =
        start_notifier(&storage, "127.0.0.1:0".parse().expect("address")).await;
    let account = uuid::Uuid::new_v4().to_string();
    let events = |range: std::ops::Range<u32>| -> Vec<pb::Event> {
        range
            .map(|n| {
                event(
                    &account,
                    "textport.test",
                    json!({"n": n}),
                    to_urls(&[receiver.url()]),
                )
            })
            .collect()
    };

    // Acknowledgements of the first three calls are lost after the notifier took the events: the
    // relay cannot mark them and sends them again.
    let lost = Arc::new(std::sync::atomic::AtomicUsize::new(3));
    let notifier = channel(&format!("http://{addr}")).expect("channel");
    let flaky = {
        let lost = lost.clone();
        Downstream::new(tower::service_fn(
            move |request: http::Request<tonic::body::Body>| {
                let notifier = notifier.clone();
                let lost = lost.clone();
                async move {
                    let answer = tower::ServiceExt::oneshot(notifier, request).await?;
                    if lost
                        .fetch_update(
                            std::sync::atomic::Ordering::SeqCst,
                            std::sync::atomic::Ordering::SeqCst,
                            |n| n.checked_sub(1),
                        )
                        .is_ok()
                    {
                        return Ok(tonic::Status::unavailable("acknowledgement lost").into_http());
                    }
                    Ok(answer)
                }
            },
        ))
    };
    let source = Source::start(&storage, flaky, Arc::new(SystemClock)).await;
    let mut pushed = Vec::new();
    // One batch at a time, so each is at least one call and every lost acknowledgement is spent.
    for batch in 0..5 {
        pushed.extend(source.push(events(batch * 20..batch * 20 + 20)).await);
        receiver.wait_for(pushed.len()).await;
    }

    // The notifier stops while events keep coming, and starts again on the same data.
    shutdown.cancel();
    task.await.expect("joins").expect("stops cleanly");
    for batch in 5..10 {
        pushed.extend(source.push(events(batch * 20..batch * 20 + 20)).await);
    }
    let (_, shutdown, task) = start_notifier(&storage, addr).await;
    receiver.wait_for(200).await;

    let counts = arrivals(&receiver);
    assert_eq!(counts.len(), 200, "every event arrived");
    for id in &pushed {
        assert_eq!(counts.get(&id.to_string()), Some(&1), "{id} arrived once");
    }
    assert_eq!(
        lost.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "acknowledgements were lost"
    );
    for received in receiver.received().iter().take(3) {
        assert_signed(received, &public_key_of(addr).await);
    }

    shutdown.cancel();
    task.await.expect("joins").expect("stops cleanly");
    source.stop().await;
    storage.discard().await.expect("removed");
}

async fn public_key_of(addr: SocketAddr) -> String {
    textport_proto::notifier::v1::notifier_service_client::NotifierServiceClient::new(
        channel(&format!("http://{addr}")).expect("channel"),
    )
    .get_webhook_public_key(pb::GetWebhookPublicKeyRequest {})
    .await
    .expect("answers")
    .into_inner()
    .public_key
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relay_that_dies_after_claiming_gives_its_rows_back_when_the_lease_runs_out() {
    let storage = Storage::fresh("f");
    let receiver = Receiver::start(&[]).await;
    let (addr, shutdown, task) =
        start_notifier(&storage, "127.0.0.1:0".parse().expect("address")).await;
    let clock = ManualClock::starting_at(SystemClock.now());
    let (db, config) = source_db(&storage, "source").await;
    let account = uuid::Uuid::new_v4().to_string();
    let txn = db.begin().await.expect("begins");
    for n in 0..10 {
        let body = event(
            &account,
            "textport.test",
            json!({"n": n}),
            to_urls(&[receiver.url()]),
        )
        .encode_to_vec();
        outbox::push(
            &txn,
            clock.now(),
            OutboxEvent {
                destination: "notifier",
                kind: pb::EVENT_KIND,
                body,
            },
        )
        .await
        .expect("pushed");
    }
    txn.commit().await.expect("commits");

    // A relay claims every row and dies before sending or marking anything.
    let lease = RelaySettings::default().lease;
    let claimed = sweeper::claim::<outbox::entity::Entity>(
        &db,
        clock.now(),
        lease,
        100,
        sea_orm::Condition::all(),
    )
    .await
    .expect("claims");
    assert_eq!(claimed.rows.len(), 10);
    let relay = Relay::new(
        "source",
        db.clone(),
        Arc::new(clock.clone()),
        &relay_to(channel(&format!("http://{addr}")).expect("channel")),
        &["notifier"],
        fast_relay(),
    )
    .expect("relay");
    assert!(
        !relay.round().await.expect("a round"),
        "nothing is due while the lease holds"
    );
    assert!(receiver.received().is_empty());

    clock.advance(chrono::Duration::from_std(lease).expect("lease") + chrono::Duration::seconds(1));
    relay.round().await.expect("a round");
    receiver.wait_for(10).await;
    assert!(arrivals(&receiver).values().all(|n| *n == 1));
    assert!(!relay.round().await.expect("a round"));

    // Delivered rows are kept for a day, then removed.
    use sea_orm::{EntityTrait as _, PaginatorTrait as _};
    relay.housekeeping().await.expect("prunes");
    assert_eq!(
        outbox::entity::Entity::find()
            .count(&db)
            .await
            .expect("counts"),
        10
    );
    clock.advance(chrono::Duration::hours(25));
    relay.housekeeping().await.expect("prunes");
    assert_eq!(
        outbox::entity::Entity::find()
            .count(&db)
            .await
            .expect("counts"),
        0
    );

    shutdown.cancel();
    task.await.expect("joins").expect("stops cleanly");
    db::discard(&config).await.expect("removed");
    storage.discard().await.expect("removed");
}

/// Two relays and two bare sweepers over one database (PostgreSQL with
/// `TEXTPORT_TEST_DATABASE_URL`): every row is handled exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_relays_and_two_sweepers_handle_each_of_1000_due_rows_exactly_once() {
    let storage = Storage::fresh("c");
    let (db, config) = source_db(&storage, "source").await;
    let clock: SharedClock = Arc::new(SystemClock);
    let push_rows = |count: u32| {
        let db = db.clone();
        let clock = clock.clone();
        async move {
            let txn = db.begin().await.expect("begins");
            let mut ids = Vec::new();
            for n in 0..count {
                ids.push(
                    outbox::push(
                        &txn,
                        clock.now(),
                        OutboxEvent {
                            destination: "sink",
                            kind: "test",
                            body: n.to_be_bytes().to_vec(),
                        },
                    )
                    .await
                    .expect("pushed"),
                );
            }
            txn.commit().await.expect("commits");
            ids
        }
    };

    // Relays: a sink that counts every event id it is given.
    let seen: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let sink = CountingSink(seen.clone());
    let routes = textport_platform::service::ServiceRoutes::new().add_service(
        textport_proto::events::v1::event_sink_service_server::EventSinkServiceServer::new(sink),
    );
    let mut downstreams = Downstreams::default();
    downstreams.insert(
        "sink",
        textport_platform::client::in_process(routes.routes()),
    );
    let ids = push_rows(1_000).await;
    let settings = RelaySettings {
        batch: 50,
        ..fast_relay()
    };
    let relays: Vec<Relay> = (0..2)
        .map(|_| {
            Relay::new(
                "source",
                db.clone(),
                clock.clone(),
                &downstreams,
                &["sink"],
                settings.clone(),
            )
            .expect("relay")
        })
        .collect();
    let rounds = relays
        .iter()
        .map(|relay| async move { while relay.round().await.expect("a round") {} });
    futures::future::join_all(rounds).await;
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 1_000);
    for id in &ids {
        assert_eq!(seen.get(&id.to_string()), Some(&1), "{id} sent once");
    }

    // Bare sweepers: claim, then finish under the claim.
    let due_again = push_rows(1_000).await;
    let handled: Arc<Mutex<Vec<uuid::Uuid>>> = Arc::default();
    let sweepers = (0..2).map(|_| {
        let db = db.clone();
        let handled = handled.clone();
        let clock = clock.clone();
        tokio::spawn(async move {
            loop {
                let claim = sweeper::claim::<outbox::entity::Entity>(
                    &db,
                    clock.now(),
                    Duration::from_secs(60),
                    37,
                    sea_orm::Condition::all(),
                )
                .await
                .expect("claims");
                if claim.rows.is_empty() {
                    return;
                }
                for row in &claim.rows {
                    use sea_orm::{EntityTrait as _, QueryFilter as _};
                    let done = outbox::entity::Entity::update_many()
                        .col_expr(
                            outbox::entity::Column::DueAt,
                            sea_orm::sea_query::Expr::value(
                                Option::<chrono::DateTime<chrono::Utc>>::None,
                            ),
                        )
                        .filter(claim.owns::<outbox::entity::Entity>(row.id))
                        .exec(&db)
                        .await
                        .expect("finishes");
                    assert_eq!(done.rows_affected, 1, "the claim still holds");
                    handled.lock().expect("lock").push(row.id);
                }
            }
        })
    });
    for sweeper in futures::future::join_all(sweepers).await {
        sweeper.expect("joins");
    }
    let mut handled = handled.lock().expect("lock").clone();
    handled.sort();
    let mut expected = due_again.clone();
    expected.sort();
    assert_eq!(handled, expected, "each row handled exactly once");

    db::discard(&config).await.expect("removed");
}

#[derive(Clone)]
struct CountingSink(Arc<Mutex<HashMap<String, usize>>>);

#[tonic::async_trait]
impl textport_proto::events::v1::event_sink_service_server::EventSinkService for CountingSink {
    async fn deliver(
        &self,
        request: tonic::Request<textport_proto::events::v1::DeliverRequest>,
    ) -> Result<tonic::Response<textport_proto::events::v1::DeliverResponse>, tonic::Status> {
        let mut seen = self.0.lock().expect("lock");
        for event in request.into_inner().events {
            *seen.entry(event.id).or_insert(0) += 1;
        }
        Ok(tonic::Response::new(
            textport_proto::events::v1::DeliverResponse {},
        ))
    }
}

// === where the settings send events ===

const HOSTED_SMS_ORDER_UPDATES: &str = "2d6fce63-cacc-4b9d-8db5-6640e9409cde";
const PORT_IN_NOTIFICATIONS: &str = "666e8bdb-a1e0-4dd9-b1cc-e3abcef9b8db";

/// A notification profile with one channel selected for `condition`; returns nothing but the
/// setting's existence.
pub async fn select(suite: &TestSuite, key: &str, condition: &str, kind: &str, destination: &str) {
    let profile = suite
        .post(
            "/v2/notification_profiles",
            key,
            json!({"name": format!("{kind} {condition}")}),
        )
        .await;
    let profile = profile.body["data"]["id"]
        .as_str()
        .expect("profile")
        .to_owned();
    let channel = suite
        .post(
            "/v2/notification_channels",
            key,
            json!({"notification_profile_id": profile, "channel_type_id": kind, "channel_destination": destination}),
        )
        .await;
    let channel = channel.body["data"]["id"]
        .as_str()
        .expect("channel")
        .to_owned();
    let setting = suite
        .post(
            "/v2/notification_settings",
            key,
            json!({"notification_profile_id": profile, "notification_channel_id": channel, "notification_event_condition_id": condition}),
        )
        .await;
    assert_eq!(setting.status, 200, "{}", setting.body);
}

async fn emit(suite: &TestSuite, key: &str, body: Value) -> String {
    let reply = suite.post("/sandbox/v1/events", key, body).await;
    assert_eq!(reply.status, 202, "{}", reply.body);
    assert_eq!(reply.body["data"]["record_type"], "sandbox_event");
    reply.body["data"]["id"]
        .as_str()
        .expect("event id")
        .to_owned()
}

/// Polls (at most 30 s) until `path` lists at least `count` entries.
pub async fn listed(suite: &TestSuite, key: &str, path: &str, count: usize) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let reply = suite.get(path, key).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        let data = reply.body["data"].as_array().cloned().unwrap_or_default();
        if data.len() >= count {
            return data;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{path}: {}",
            reply.body
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_settings_add_their_channels_and_a_portal_notice_and_an_orders_url_replaces_the_port_in_channels()
 {
    let suite = support::spawn().await;
    let key = suite.acme().api_key.clone();
    let (profile_hook, channel_hook, order_hook, port_in_hook) = (
        Receiver::start(&[]).await,
        Receiver::start(&[]).await,
        Receiver::start(&[]).await,
        Receiver::start(&[]).await,
    );
    let profile = create_profile(&suite, &key, (&profile_hook.url(), None)).await;
    select(
        &suite,
        &key,
        HOSTED_SMS_ORDER_UPDATES,
        "webhook",
        &channel_hook.url(),
    )
    .await;
    select(
        &suite,
        &key,
        HOSTED_SMS_ORDER_UPDATES,
        "email",
        "ops@acme.example",
    )
    .await;
    select(
        &suite,
        &key,
        PORT_IN_NOTIFICATIONS,
        "webhook",
        &port_in_hook.url(),
    )
    .await;
    select(
        &suite,
        &key,
        PORT_IN_NOTIFICATIONS,
        "email",
        "porting@acme.example",
    )
    .await;

    // A hosted-order event: the profile's URL, the selected webhook channel, the e-mail channel,
    // and a portal notice.
    let hosted = emit(
        &suite,
        &key,
        json!({"event_type": "messaging_hosted_numbers_orders.updated", "messaging_profile_id": profile,
               "resource_id": "order-1", "payload": {"order_id": "order-1", "order_status": "pending"}}),
    )
    .await;
    for receiver in [&profile_hook, &channel_hook] {
        let received = receiver.wait_for(1).await;
        assert_eq!(received[0].json()["data"]["id"], hosted);
        assert_signed(&received[0], &suite.state.webhook_public_key);
    }
    let mail = listed(
        &suite,
        &key,
        "/sandbox/v1/mailbox?filter[to]=ops@acme.example",
        1,
    )
    .await;
    assert_eq!(
        mail[0]["subject"],
        "textport: messaging_hosted_numbers_orders.updated for order-1"
    );
    assert_eq!(mail[0]["event_id"], hosted);
    let notices = listed(&suite, &key, "/v2/portal_notices?filter[read]=false", 1).await;
    assert_eq!(notices[0]["event_id"], hosted);
    let deliveries = listed(
        &suite,
        &key,
        &format!("/sandbox/v1/events/{hosted}/webhook_deliveries"),
        2,
    )
    .await;
    assert_eq!(deliveries.len(), 2);

    // A porting event with the order's own URL: that URL only, no port-in channel or e-mail; the
    // notice stays.
    let porting = emit(
        &suite,
        &key,
        json!({"event_type": "porting_order.status_changed", "webhook_urls": [order_hook.url()], "payload": {"id": "po-1"}}),
    )
    .await;
    assert_eq!(
        order_hook.wait_for(1).await[0].json()["data"]["id"],
        porting
    );
    let routed = listed(
        &suite,
        &key,
        &format!("/sandbox/v1/events/{porting}/webhook_deliveries"),
        1,
    )
    .await;
    assert_eq!(routed.len(), 1, "the order's URL only: {routed:?}");
    listed(&suite, &key, "/v2/portal_notices", 2).await;
    // Without the order's URL: the port-in channels.
    let unrouted = emit(
        &suite,
        &key,
        json!({"event_type": "porting_order.status_changed", "payload": {"id": "po-2"}}),
    )
    .await;
    assert_eq!(
        port_in_hook.wait_for(1).await[0].json()["data"]["id"],
        unrouted
    );
    let mail = listed(
        &suite,
        &key,
        "/sandbox/v1/mailbox?filter[to]=porting@acme.example",
        1,
    )
    .await;
    assert_eq!(
        mail.len(),
        1,
        "only the event without an order URL was e-mailed"
    );
    assert_eq!(mail[0]["event_id"], unrouted);
    assert_eq!(port_in_hook.received().len(), 1);

    // Bad input names its field.
    let bad = suite
        .post(
            "/sandbox/v1/events",
            &key,
            json!({"event_type": "Not Valid"}),
        )
        .await;
    bad.assert_error(400, "10015");
    assert_eq!(bad.error_source("pointer"), Some("/event_type"));
    let url = suite
        .post(
            "/sandbox/v1/events",
            &key,
            json!({"event_type": "x.y", "webhook_urls": ["ftp://nope"]}),
        )
        .await;
    assert_eq!(url.error_source("pointer"), Some("/webhook_urls/0"));

    suite.stop().await;
}

/// Two notifiers on one database (PostgreSQL with `TEXTPORT_TEST_DATABASE_URL`): their delivery
/// workers claim from the same table, and every webhook goes out exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_notifiers_on_one_database_deliver_each_webhook_once() {
    let storage = Storage::fresh("f");
    let receiver = Receiver::start(&[]).await;
    let any_port = || "127.0.0.1:0".parse().expect("address");
    let (first, stop_first, first_task) = start_notifier(&storage, any_port()).await;
    let (second, stop_second, second_task) = start_notifier(&storage, any_port()).await;
    let account = uuid::Uuid::new_v4().to_string();
    let events = |range: std::ops::Range<u32>| -> Vec<pb::Event> {
        range
            .map(|n| {
                event(
                    &account,
                    "textport.test",
                    json!({"n": n}),
                    to_urls(&[receiver.url()]),
                )
            })
            .collect()
    };
    // Half the events reach each notifier; both workers take whatever is due.
    let to_first = Source::start(
        &storage,
        channel(&format!("http://{first}")).expect("channel"),
        Arc::new(SystemClock),
    )
    .await;
    let (db, config) = source_db(&storage, "source2").await;
    let relay = Relay::new(
        "source2",
        db.clone(),
        Arc::new(SystemClock),
        &relay_to(channel(&format!("http://{second}")).expect("channel")),
        &["notifier"],
        fast_relay(),
    )
    .expect("relay");
    let relay_stop = CancellationToken::new();
    let relay_task = tokio::spawn(relay.run(relay_stop.clone()));
    let mut pushed = to_first.push(events(0..150)).await;
    let txn = db.begin().await.expect("begins");
    for event in events(150..300) {
        pushed.push(
            outbox::push(
                &txn,
                SystemClock.now(),
                OutboxEvent {
                    destination: "notifier",
                    kind: pb::EVENT_KIND,
                    body: event.encode_to_vec(),
                },
            )
            .await
            .expect("pushed"),
        );
    }
    txn.commit().await.expect("commits");

    receiver.wait_for(300).await;
    let counts = arrivals(&receiver);
    assert_eq!(counts.len(), 300);
    for id in &pushed {
        assert_eq!(counts.get(&id.to_string()), Some(&1), "{id} delivered once");
    }

    relay_stop.cancel();
    relay_task.await.expect("relay stops");
    to_first.stop().await;
    for (stop, task) in [(stop_first, first_task), (stop_second, second_task)] {
        stop.cancel();
        task.await.expect("joins").expect("stops cleanly");
    }
    db::discard(&config).await.expect("removed");
    storage.discard().await.expect("removed");
}
