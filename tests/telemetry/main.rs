//! The trace of one public request, exported over real OTLP/gRPC to a collector run by this test:
//! the gateway's span continues the caller's `traceparent`, and every service's span is a child
//! of the gateway's. An event's trace runs from the request that caused it through the outbox
//! relay into the notifier and its webhook delivery. Health checks leave no spans.

use std::sync::{Arc, Mutex};

use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::trace::v1::Span;
use textport::{Config, Storage, Suite, Transport};
use textport_domain::SystemClock;
use textport_platform::config::TelemetryConfig;
use tonic::{Request, Response, Status};

#[derive(Clone, Default)]
struct Collector {
    spans: Arc<Mutex<Vec<Span>>>,
}

#[tonic::async_trait]
impl TraceService for Collector {
    async fn export(
        &self,
        request: Request<ExportTraceServiceRequest>,
    ) -> Result<Response<ExportTraceServiceResponse>, Status> {
        let mut spans = self.spans.lock().expect("not poisoned");
        for resource in request.into_inner().resource_spans {
            for scope in resource.scope_spans {
                spans.extend(scope.spans);
            }
        }
        Ok(Response::new(ExportTraceServiceResponse {
            partial_success: None,
        }))
    }
}

const CLIENT_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CLIENT_SPAN: &str = "00f067aa0ba902b7";

#[tokio::test(flavor = "multi_thread")]
async fn one_request_is_one_trace_across_every_hop() {
    let collector = Collector::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let endpoint = format!("http://{}", listener.local_addr().expect("address"));
    let server = tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(TraceServiceServer::new(collector.clone()))
            .serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener)),
    );

    let telemetry = textport_platform::telemetry::init(
        &TelemetryConfig {
            otlp_endpoint: endpoint,
            ..TelemetryConfig::default()
        },
        "textport",
    )
    .expect("telemetry starts");
    let dir = std::env::temp_dir().join(format!(
        "textport-telemetry-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let storage = Storage::SqliteDir(dir.clone());
    let suite = Suite::start(
        &Config::default(),
        &storage,
        "127.0.0.1:0".parse().expect("address"),
        Arc::new(SystemClock),
        Transport::Grpc,
    )
    .await
    .expect("suite starts");
    let reply = reqwest::Client::new()
        .post(format!(
            "{}/messaging_hosted_number_orders/eligibility_numbers_check",
            suite.state.api_base_url
        ))
        .bearer_auth(&suite.state.accounts[0].api_key)
        .header("traceparent", format!("00-{CLIENT_TRACE}-{CLIENT_SPAN}-01"))
        .json(&serde_json::json!({"phone_numbers": ["+13125550001"]}))
        .send()
        .await
        .expect("gateway answers");
    assert_eq!(reply.status(), 200);
    assert_eq!(
        reply
            .headers()
            .get("x-trace-id")
            .and_then(|v| v.to_str().ok()),
        Some(CLIENT_TRACE),
        "the trace id goes back to the caller"
    );
    let eligibility = tonic::transport::Endpoint::from_shared(format!(
        "http://{}",
        suite.state.services["eligibility"]
    ))
    .expect("address")
    .connect()
    .await
    .expect("connects");
    let health = tonic_health::pb::health_client::HealthClient::new(eligibility)
        .check(tonic_health::pb::HealthCheckRequest {
            service: String::new(),
        })
        .await
        .expect("health answers");
    assert_eq!(
        health.into_inner().status(),
        tonic_health::pb::health_check_response::ServingStatus::Serving
    );

    // An event's trace: the request that caused it, the relay that sent it from the outbox, the
    // notifier taking it, and its webhook delivery.
    let (hook_url, mut arrived) = webhook_receiver().await;
    let reply = reqwest::Client::new()
        .post(format!(
            "{}/events",
            suite.state.sandbox_url.as_deref().expect("sandbox on")
        ))
        .bearer_auth(&suite.state.accounts[0].api_key)
        .header("traceparent", format!("00-{EVENT_TRACE}-{CLIENT_SPAN}-01"))
        .json(&serde_json::json!({"event_type": "textport.trace", "webhook_urls": [hook_url]}))
        .send()
        .await
        .expect("gateway answers");
    assert_eq!(reply.status(), 202);
    tokio::time::timeout(std::time::Duration::from_secs(30), arrived.recv())
        .await
        .expect("the webhook arrives")
        .expect("the receiver runs");

    // A hosted order's trace: the create through the gateway, hosted-order and eligibility's
    // reservation, and its `.created` webhook through the outbox; the timeline records it.
    let key = suite.state.accounts[0].api_key.clone();
    let http = reqwest::Client::new();
    let profile: serde_json::Value = http
        .post(format!("{}/messaging_profiles", suite.state.api_base_url))
        .bearer_auth(&key)
        .json(&serde_json::json!({"name": "traced", "whitelisted_destinations": ["US"], "webhook_url": hook_url}))
        .send()
        .await
        .expect("gateway answers")
        .json()
        .await
        .expect("JSON");
    let reply = http
        .post(format!("{}/messaging_hosted_number_orders", suite.state.api_base_url))
        .bearer_auth(&key)
        .header("traceparent", format!("00-{ORDER_TRACE}-{CLIENT_SPAN}-01"))
        .json(&serde_json::json!({"phone_numbers": ["+13125550002"], "messaging_profile_id": profile["data"]["id"]}))
        .send()
        .await
        .expect("gateway answers");
    assert_eq!(reply.status(), 200);
    let order: serde_json::Value = reply.json().await.expect("JSON");
    tokio::time::timeout(std::time::Duration::from_secs(30), arrived.recv())
        .await
        .expect("the order's webhook arrives")
        .expect("the receiver runs");
    let timeline: serde_json::Value = http
        .get(format!(
            "{}/messaging_hosted_number_orders/{}/timeline",
            suite.state.api_base_url,
            order["data"]["id"].as_str().expect("an id")
        ))
        .bearer_auth(&key)
        .send()
        .await
        .expect("gateway answers")
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        timeline["data"]["order"][0]["trace_id"], ORDER_TRACE,
        "the timeline names the trace of each step: {timeline}"
    );

    suite.stop().await.expect("suite stops");
    telemetry.shutdown().await;
    server.abort();
    storage.discard().await.expect("data removed");

    let spans = collector.spans.lock().expect("not poisoned").clone();
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let in_trace = |trace: &str, name: &str| {
        spans
            .iter()
            .find(|s| s.name == name && hex(&s.trace_id) == trace)
            .unwrap_or_else(|| {
                panic!(
                    "no span {name} in trace {trace}; got {:?}",
                    spans.iter().map(|s| &s.name).collect::<Vec<_>>()
                )
            })
    };
    let named = |name: &str| in_trace(CLIENT_TRACE, name);
    let gateway =
        named("textport.gateway POST /v2/messaging_hosted_number_orders/eligibility_numbers_check");
    assert_eq!(
        hex(&gateway.parent_span_id),
        CLIENT_SPAN,
        "the gateway continues the caller's trace"
    );
    for child in [
        "textport.accounts.authenticate_api_key",
        "textport.eligibility.check_hosted_eligibility",
    ] {
        assert_eq!(
            named(child).parent_span_id,
            gateway.span_id,
            "{child} is a child of the gateway's span"
        );
    }
    assert!(
        !spans
            .iter()
            .any(|s| s.name.contains("health") || s.name.contains("Health")),
        "health checks are not traced"
    );

    let emitted = in_trace(EVENT_TRACE, "textport.gateway POST /sandbox/v1/events");
    assert_eq!(hex(&emitted.parent_span_id), CLIENT_SPAN);
    let relay = in_trace(EVENT_TRACE, "textport.outbox.relay");
    assert_eq!(
        relay.parent_span_id, emitted.span_id,
        "the relay continues the change's trace"
    );
    assert_eq!(
        in_trace(EVENT_TRACE, "textport.events.deliver").parent_span_id,
        relay.span_id,
        "the notifier takes the event under the relay's span"
    );
    assert_eq!(
        in_trace(EVENT_TRACE, "textport.notifier.deliver_webhook").parent_span_id,
        emitted.span_id,
        "the webhook delivery continues the change's trace"
    );

    let created = in_trace(
        ORDER_TRACE,
        "textport.gateway POST /v2/messaging_hosted_number_orders",
    );
    let hosted = in_trace(ORDER_TRACE, "textport.hosted_order.create_hosted_order");
    assert_eq!(
        hosted.parent_span_id, created.span_id,
        "hosted-order is the gateway's child"
    );
    let reserve = in_trace(ORDER_TRACE, "textport.eligibility.reserve_for_order");
    assert!(
        spans
            .iter()
            .any(|s| s.span_id == reserve.parent_span_id && hex(&s.trace_id) == ORDER_TRACE),
        "eligibility's reservation has its parent in the order's trace"
    );
    in_trace(ORDER_TRACE, "textport.outbox.relay");
    in_trace(ORDER_TRACE, "textport.notifier.deliver_webhook");
    for span in &spans {
        for attribute in &span.attributes {
            let value = format!("{:?}", attribute.value);
            assert!(
                !value.contains("3125550002"),
                "no full phone number in span {}: {attribute:?}",
                span.name
            );
        }
    }
}

const EVENT_TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
const ORDER_TRACE: &str = "5b8aa5a2d2c872e8321cf37308d69df2";

/// A webhook receiver answering 200; each arrival is sent on the channel.
async fn webhook_receiver() -> (String, tokio::sync::mpsc::UnboundedReceiver<()>) {
    let (sender, arrivals) = tokio::sync::mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let sender = sender.clone();
            async move {
                let _ = sender.send(());
                http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let url = format!("http://{}/hook", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serves") });
    (url, arrivals)
}
