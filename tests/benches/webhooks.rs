//! Signed webhook deliveries per second to a loopback sink, next to a plain unsigned HTTP POST
//! loop in the same run, phases alternating round by round so machine drift hits all alike:
//!
//! - `unsigned POST loop (baseline)`: `C` workers POSTing the same envelope to the sink.
//! - `signed POST loop`: the same, each body signed with Ed25519 over `"{ts}|{body}"` first —
//!   what signing adds.
//! - `notifier, events in → webhooks out`: events handed to the notifier over gRPC in batches;
//!   timed until the sink has them all. Each one is stored once, claimed, enveloped, signed,
//!   POSTed with `notifier.concurrency = C` in flight, and its attempt recorded.
//!
//! The sink, the load and the notifier share the machine. Figures are medians; ratios are
//! against the baseline.
//!
//! `cargo bench -p textport-e2e --bench webhooks -- [--deliveries N] [--concurrency C] [--rounds R]`

mod load;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signer as _, SigningKey};
use prost::Message as _;
use textport::{Config, Role, Storage};
use textport_domain::SystemClock;
use textport_platform::CancellationToken;
use textport_platform::client::channel;
use textport_platform::config::ServiceConfig;
use textport_platform::convert;
use textport_platform::db::Schema;
use textport_platform::service::{Downstreams, Start};
use textport_proto::events::v1::event_sink_service_client::EventSinkServiceClient;
use textport_proto::events::v1::{DeliverRequest, SinkEvent};
use textport_proto::notifier::v1 as pb;
use tokio::sync::Notify;

struct Options {
    deliveries: usize,
    concurrency: usize,
    rounds: usize,
}

fn options() -> Options {
    Options {
        deliveries: load::flag("--deliveries", 4_000),
        concurrency: load::flag("--concurrency", 16),
        rounds: load::flag("--rounds", 3),
    }
}

/// Counts what arrives and answers 200.
struct Sink {
    url: String,
    received: Arc<AtomicUsize>,
    arrived: Arc<Notify>,
}

async fn sink() -> Sink {
    let received = Arc::new(AtomicUsize::new(0));
    let arrived = Arc::new(Notify::new());
    let (count, notify) = (received.clone(), arrived.clone());
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |_body: axum::body::Bytes| {
            let (count, notify) = (count.clone(), notify.clone());
            async move {
                count.fetch_add(1, Ordering::Relaxed);
                notify.notify_waiters();
                http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let url = format!("http://{}/hook", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serves") });
    Sink {
        url,
        received,
        arrived,
    }
}

impl Sink {
    async fn wait_for(&self, total: usize) {
        loop {
            let arrived = self.arrived.notified();
            if self.received.load(Ordering::Relaxed) >= total {
                return;
            }
            let _ = tokio::time::timeout(Duration::from_millis(100), arrived).await;
        }
    }
}

fn payload() -> String {
    serde_json::json!({
        "order_id": "5b2e8f3c-1111-4222-8333-944455556666",
        "order_status": "pending",
        "profile_id": "4001767e-ce0f-4cae-9d5f-0d5e636e7809",
        "user_id": "7d1c0b7e-aaaa-4bbb-8ccc-000000000001",
        "numbers": [{"value": "+13125550001", "status": "pending"}],
        "decision": "pending",
        "approval_deadline": null
    })
    .to_string()
}

/// A POST of `body` to `url`, signed when `key` is given.
fn post_call(
    url: String,
    body: Vec<u8>,
    key: Option<SigningKey>,
) -> impl Fn() -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>> + Clone + Send + 'static {
    let http = reqwest::Client::new();
    move || {
        let mut request = http
            .post(&url)
            .header("content-type", "application/json")
            .body(body.clone());
        if let Some(key) = &key {
            let timestamp = chrono::Utc::now().timestamp();
            let mut message = format!("{timestamp}|").into_bytes();
            message.extend_from_slice(&body);
            request = request
                .header(
                    "telnyx-signature-ed25519",
                    STANDARD.encode(key.sign(&message).to_bytes()),
                )
                .header("telnyx-timestamp", timestamp.to_string());
        }
        Box::pin(async move {
            let reply = request.send().await.expect("sink answers");
            assert!(reply.status().is_success(), "{}", reply.status());
        })
    }
}

#[tokio::main]
async fn main() {
    let options = options();
    let sink = sink().await;
    let storage = Storage::fresh("b");
    let role = Role::find("notifier").expect("notifier");
    let mut config = ServiceConfig {
        listen: "127.0.0.1:0".parse().expect("address"),
        database: storage.database(role.section),
        drain_seconds: 0,
        settings: Default::default(),
    };
    config.settings.insert(
        "concurrency".to_owned(),
        figment::value::Value::from(options.concurrency as u64),
    );
    let mut downstreams = Downstreams::default();
    // Events without a condition or profile never ask accounts.
    downstreams.insert("accounts", channel("http://127.0.0.1:9").expect("channel"));
    let notifier = role
        .build(
            Start {
                config,
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
    let address = format!("http://{}", notifier.local_addr());
    let shutdown = CancellationToken::new();
    let served = tokio::spawn(notifier.run(shutdown.clone()));
    let client = EventSinkServiceClient::new(channel(&address).expect("channel"));

    let payload = payload();
    let envelope = serde_json::to_vec(&serde_json::json!({
        "data": {"event_type": "messaging_hosted_numbers_orders.updated", "id": uuid::Uuid::now_v7().to_string(),
                 "occurred_at": "2026-11-23T10:00:00.123456Z", "payload": serde_json::from_str::<serde_json::Value>(&payload).expect("json"),
                 "record_type": "event"},
        "meta": {"attempt": 1, "delivered_to": sink.url}
    }))
    .expect("json");
    let key = SigningKey::from_bytes(&[7; 32]);
    let unsigned = post_call(sink.url.clone(), envelope.clone(), None);
    let signed = post_call(sink.url.clone(), envelope, Some(key));

    let mut samples: [Vec<f64>; 3] = Default::default();
    for _ in 0..options.rounds {
        let (n, c) = (options.deliveries, options.concurrency);
        samples[0].push(load::throughput(n, c, unsigned.clone()).await);
        samples[1].push(load::throughput(n, c, signed.clone()).await);

        let before = sink.received.load(Ordering::Relaxed);
        let started = Instant::now();
        for batch in (0..n).collect::<Vec<_>>().chunks(500) {
            let events = batch
                .iter()
                .map(|_| SinkEvent {
                    id: uuid::Uuid::now_v7().to_string(),
                    kind: pb::EVENT_KIND.to_owned(),
                    body: pb::Event {
                        // No notification condition: the notifier needs nothing from accounts.
                        event_type: "textport.bench".to_owned(),
                        account_id: "7d1c0b7e-aaaa-4bbb-8ccc-000000000001".to_owned(),
                        payload_json: payload.clone(),
                        resource_id: None,
                        messaging_profile_id: None,
                        webhook_urls: vec![sink.url.clone()],
                        email: None,
                        portal: None,
                    }
                    .encode_to_vec(),
                    occurred_at: Some(convert::timestamp(chrono::Utc::now())),
                    traceparent: String::new(),
                })
                .collect();
            client
                .clone()
                .deliver(DeliverRequest { events })
                .await
                .expect("the notifier takes the events");
        }
        sink.wait_for(before + n).await;
        samples[2].push(n as f64 / started.elapsed().as_secs_f64());
    }
    shutdown.cancel();
    served.await.expect("joins").expect("stops");
    storage.discard().await.expect("data removed");

    load::report(
        &format!(
            "webhooks to a loopback sink, {} per phase, {} in flight, {} rounds (median deliveries/s)",
            options.deliveries, options.concurrency, options.rounds
        ),
        &[
            "unsigned POST loop (baseline)",
            "signed POST loop",
            "notifier, events in → webhooks out",
        ],
        samples.into(),
    );
}
