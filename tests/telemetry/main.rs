//! The trace of one public request, exported over real OTLP/gRPC to a collector run by this test:
//! the gateway's span continues the caller's `traceparent`, and every service's span is a child
//! of the gateway's. An event's trace runs from the request that caused it through the outbox
//! relay into the notifier and its webhook delivery. Health checks leave no spans.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::trace::v1::Span;
use serde_json::{Value, json};
use textport::suite::DemoAccountState;
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
    webhook(&mut arrived, "textport.trace", |_| true).await;

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
    webhook(
        &mut arrived,
        "messaging_hosted_numbers_orders.created",
        |_| true,
    )
    .await;
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

    // A verification's trace: the gateway, hosted-order, verification checking the code, and
    // the order's `.updated` webhook through the outbox.
    let orders = format!(
        "{}/messaging_hosted_number_orders",
        suite.state.api_base_url
    );
    let order_id = order["data"]["id"].as_str().expect("an id");
    let (status, sent) = call(
        http.post(format!("{orders}/{order_id}/verification_codes")),
        &key,
        None,
        Some(json!({"phone_numbers": ["+13125550002"], "verification_method": "sms"})),
    )
    .await;
    assert_eq!(status, 200, "{sent}");
    let sandbox = suite.state.sandbox_url.as_deref().expect("sandbox on");
    let (status, codes) = call(
        http.get(format!("{sandbox}/verification_codes?order_id={order_id}")),
        &key,
        None,
        None,
    )
    .await;
    assert_eq!(status, 200, "{codes}");
    let code = codes["data"][0]["code"].as_str().expect("a code was sent");
    let (status, validated) = call(
        http.post(format!("{orders}/{order_id}/validation_codes")),
        &key,
        Some(VERIFY_TRACE),
        Some(json!({"verification_codes": [{"phone_number": "+13125550002", "code": code}]})),
    )
    .await;
    assert_eq!(status, 200, "{validated}");
    assert_eq!(validated["data"]["phone_numbers"][0]["status"], "verified");
    webhook(
        &mut arrived,
        "messaging_hosted_numbers_orders.updated",
        |body| body["data"]["payload"]["numbers"][0]["status"] == "ownership_successful",
    )
    .await;

    // An approval's trace: the holder's decision through the gateway, hosted-order and
    // transfer-approval, back through its outbox to hosted-order, and the receiver's webhook.
    let globex = &suite.state.accounts[1];
    let (status, transfer) = call(
        http.post(&orders),
        &key,
        None,
        Some(json!({"phone_numbers": [HELD_BY_GLOBEX], "messaging_profile_id": profile["data"]["id"]})),
    )
    .await;
    assert_eq!(status, 200, "{transfer}");
    let transfer_id = transfer["data"]["id"].as_str().expect("an id");
    let token = approval_token(&http, sandbox, globex, transfer_id).await;
    let (status, approved) = call(
        http.post(format!("{orders}/{transfer_id}/approve?token={token}")),
        &globex.api_key,
        Some(APPROVE_TRACE),
        None,
    )
    .await;
    assert_eq!(status, 200, "{approved}");
    webhook(
        &mut arrived,
        "messaging_hosted_numbers_orders.internal_transfer_approved",
        |_| true,
    )
    .await;

    // A port's trace: the sandbox's FOC through the gateway and messaging-port, eligibility
    // recording the port, and the order's `messaging_changed` webhook through the outbox.
    let porting_orders = format!("{}/porting_orders", suite.state.api_base_url);
    let (status, created) = call(
        http.post(&porting_orders),
        &key,
        None,
        Some(json!({"phone_numbers": [PORTED]})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let porting_id = created["data"][0]["id"].as_str().expect("an id");
    let (status, patched) = call(
        http.patch(format!("{porting_orders}/{porting_id}")),
        &key,
        None,
        Some(
            json!({"messaging": {"enable_messaging": true}, "webhook_url": hook_url,
                    "phone_number_configuration": {"messaging_profile_id": profile["data"]["id"]}}),
        ),
    )
    .await;
    assert_eq!(status, 200, "{patched}");
    let (status, confirmed) = call(
        http.post(format!("{porting_orders}/{porting_id}/actions/confirm")),
        &key,
        None,
        None,
    )
    .await;
    assert_eq!(status, 200, "{confirmed}");
    let (status, ported) = call(
        http.post(format!(
            "{sandbox}/porting_orders/{porting_id}/actions/port"
        )),
        &key,
        Some(PORT_TRACE),
        None,
    )
    .await;
    assert_eq!(status, 200, "{ported}");
    webhook(&mut arrived, "porting_order.messaging_changed", |body| {
        body["data"]["payload"]["messaging"]["messaging_port_status"] == "ported"
    })
    .await;

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
    // Whether `ancestor` is on the way from `span` up to its trace's root.
    let descends = |span: &Span, ancestor: &Span| {
        let mut parent = span.parent_span_id.clone();
        while let Some(up) = spans
            .iter()
            .find(|s| s.span_id == parent && s.trace_id == span.trace_id)
        {
            if up.span_id == ancestor.span_id {
                return true;
            }
            parent = up.parent_span_id.clone();
        }
        false
    };
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
    let validated = in_trace(
        VERIFY_TRACE,
        "textport.gateway POST /v2/messaging_hosted_number_orders/{id}/validation_codes",
    );
    let validate = in_trace(
        VERIFY_TRACE,
        "textport.hosted_order.validate_verification_codes",
    );
    assert_eq!(validate.parent_span_id, validated.span_id);
    assert!(
        descends(
            in_trace(VERIFY_TRACE, "textport.verification.check_codes"),
            validate
        ),
        "verification is called under hosted-order's span"
    );
    in_trace(VERIFY_TRACE, "textport.outbox.relay");
    in_trace(VERIFY_TRACE, "textport.notifier.deliver_webhook");

    let decided = in_trace(
        APPROVE_TRACE,
        "textport.gateway POST /v2/messaging_hosted_number_orders/{id}/approve",
    );
    let decide = in_trace(APPROVE_TRACE, "textport.hosted_order.decide_transfer");
    assert_eq!(decide.parent_span_id, decided.span_id);
    assert!(
        descends(
            in_trace(APPROVE_TRACE, "textport.transfer_approval.decide_transfer"),
            decide
        ),
        "transfer-approval is called under hosted-order's span"
    );
    let hops = |name: &str| {
        spans
            .iter()
            .filter(|s| s.name == name && hex(&s.trace_id) == APPROVE_TRACE)
            .count()
    };
    assert!(
        hops("textport.outbox.relay") >= 2 && hops("textport.events.deliver") >= 2,
        "the decision is relayed to hosted-order, and its webhook to the notifier"
    );
    in_trace(APPROVE_TRACE, "textport.notifier.deliver_webhook");

    let port_request = in_trace(
        PORT_TRACE,
        "textport.gateway POST /sandbox/v1/porting_orders/{id}/actions/{step}",
    );
    let advance = in_trace(PORT_TRACE, "textport.messaging_port.advance_porting_order");
    assert_eq!(advance.parent_span_id, port_request.span_id);
    assert!(
        descends(
            in_trace(PORT_TRACE, "textport.eligibility.port_numbers"),
            advance
        ),
        "eligibility records the port under messaging-port's span"
    );
    in_trace(PORT_TRACE, "textport.outbox.relay");
    in_trace(PORT_TRACE, "textport.notifier.deliver_webhook");

    for span in &spans {
        for attribute in &span.attributes {
            let value = format!("{:?}", attribute.value);
            assert!(
                !value.contains("3125550002")
                    && !value.contains(&HELD_BY_GLOBEX[2..])
                    && !value.contains(&PORTED[2..]),
                "no full phone number in span {}: {attribute:?}",
                span.name
            );
        }
    }
}

const EVENT_TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
const ORDER_TRACE: &str = "5b8aa5a2d2c872e8321cf37308d69df2";
const VERIFY_TRACE: &str = "7d3c1f0a9b2e4c6d8e0f1a2b3c4d5e6f";
const APPROVE_TRACE: &str = "1e2d3c4b5a69788796a5b4c3d2e1f001";
const PORT_TRACE: &str = "9c8b7a6f5e4d3c2b1a09f8e7d6c5b4a3";
/// An ordinary number: its NNID is released at the FOC.
const PORTED: &str = "+13125550042";
/// In the demo directory, globex holds 2100–2199 and allows transfers.
const HELD_BY_GLOBEX: &str = "+13125552105";

/// The token in the newest approval e-mail to `holder` about `order`.
async fn approval_token(
    http: &reqwest::Client,
    sandbox: &str,
    holder: &DemoAccountState,
    order: &str,
) -> String {
    for _ in 0..600 {
        let (status, mail) = call(
            http.get(format!("{sandbox}/mailbox?filter[to]={}", holder.email)),
            &holder.api_key,
            None,
            None,
        )
        .await;
        assert_eq!(status, 200, "{mail}");
        let body = mail["data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["body_text"].as_str())
            .find(|body| body.contains(order));
        if let Some(body) = body {
            let start = body.find("token=").expect("a token in the e-mail") + "token=".len();
            return body[start..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no approval e-mail to {}", holder.email);
}

/// A webhook receiver answering 200; each arriving body is sent on the channel.
async fn webhook_receiver() -> (String, Arrivals) {
    let (sender, arrivals) = tokio::sync::mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
            let sender = sender.clone();
            async move {
                let _ = sender.send(body);
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

type Arrivals = tokio::sync::mpsc::UnboundedReceiver<Value>;

/// Waits (at most 30 s) for a webhook of `event_type` whose body satisfies `wanted`.
async fn webhook(arrivals: &mut Arrivals, event_type: &str, wanted: impl Fn(&Value) -> bool) {
    let arrived = async {
        while let Some(body) = arrivals.recv().await {
            if body["data"]["event_type"] == event_type && wanted(&body) {
                return;
            }
        }
        panic!("the receiver stopped");
    };
    tokio::time::timeout(Duration::from_secs(30), arrived)
        .await
        .unwrap_or_else(|_| panic!("no {event_type} webhook"));
}

/// One public call, in the trace `trace` when given: the status and the JSON body.
async fn call(
    request: reqwest::RequestBuilder,
    key: &str,
    trace: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = request.bearer_auth(key);
    if let Some(trace) = trace {
        request = request.header("traceparent", format!("00-{trace}-{CLIENT_SPAN}-01"));
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let reply = request.send().await.expect("gateway answers");
    let status = reply.status().as_u16();
    let text = reply.text().await.expect("a body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}
