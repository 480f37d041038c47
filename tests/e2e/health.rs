//! Probes and shutdown: the gateway's `/healthz` answers while the process runs, `/readyz` only
//! while its database and every service it calls answer (neither needs a key); on shutdown a
//! server reports not serving or not ready while it drains, and finishes the calls in flight.

use std::sync::Arc;

use reqwest::Method;
use serde_json::json;
use textport::{Config, Role, Storage};
use textport_domain::SystemClock;
use textport_platform::CancellationToken;
use textport_platform::client::channel;
use textport_platform::config::ServiceConfig;
use textport_platform::db::Schema;
use textport_platform::service::{Downstreams, Start};

use textport_platform::config::DatabaseConfig;
use textport_platform::server::GrpcServer;
use textport_platform::service::ServiceRoutes;
use textport_proto::events::v1::event_sink_service_client::EventSinkServiceClient;
use textport_proto::events::v1::event_sink_service_server::{
    EventSinkService, EventSinkServiceServer,
};
use textport_proto::events::v1::{DeliverRequest, DeliverResponse};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use crate::support::{self, spawn};

#[tokio::test(flavor = "multi_thread")]
async fn a_running_suite_is_alive_and_ready() {
    let suite = spawn().await;
    let alive = suite.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(alive.status, 200, "{}", alive.body);
    assert_eq!(alive.body, json!({"status": "ok"}));
    let ready = suite.call(Method::GET, "/readyz", None, None).await;
    assert_eq!(ready.status, 200, "{}", ready.body);
    assert_eq!(
        ready.body,
        json!({"status": "ready", "checks": {"database": "ok", "accounts": "ok", "eligibility": "ok", "verification": "ok", "notifier": "ok", "hosted_order": "ok", "transfer_approval": "ok", "messaging_port": "ok"}})
    );
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gateway_whose_services_do_not_answer_is_alive_but_not_ready() {
    let role = Role::find("gateway").expect("gateway");
    let storage = Storage::fresh("h");
    let mut downstreams = Downstreams::default();
    for callee in role.calls {
        // Nothing listens there.
        downstreams.insert(callee, channel("http://127.0.0.1:9").expect("channel"));
    }
    let gateway = role
        .build(
            Start {
                config: ServiceConfig {
                    listen: "127.0.0.1:0".parse().expect("address"),
                    database: storage.database(role.section),
                    drain_seconds: 0,
                    settings: Default::default(),
                },
                schema: Schema::Migrate,
                tls: None,
                clock: Arc::new(SystemClock),
                sandbox: false,
                downstreams,
            },
            &Config::default(),
        )
        .await
        .expect("the gateway builds");
    let base = format!("http://{}", gateway.local_addr());
    let shutdown = CancellationToken::new();
    let served = tokio::spawn(gateway.run(shutdown.clone()));
    let http = reqwest::Client::new();

    let alive = http
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("answers");
    assert_eq!(alive.status(), 200);
    let ready = http
        .get(format!("{base}/readyz"))
        .send()
        .await
        .expect("answers");
    assert_eq!(ready.status(), 503);
    let body: serde_json::Value = ready.json().await.expect("JSON");
    assert_eq!(body["status"], "unavailable");
    assert_eq!(body["checks"]["database"], "ok");
    for callee in role.calls {
        assert_eq!(body["checks"][callee], "unavailable", "{body}");
    }

    shutdown.cancel();
    served.await.expect("joins").expect("stops");
    storage.discard().await.expect("removed");
}

/// A sink that takes `delay` to answer, and says when a call has started.
#[derive(Clone)]
struct SlowSink {
    started: Arc<tokio::sync::Notify>,
    delay: std::time::Duration,
}

#[tonic::async_trait]
impl EventSinkService for SlowSink {
    async fn deliver(
        &self,
        _: tonic::Request<DeliverRequest>,
    ) -> Result<tonic::Response<DeliverResponse>, tonic::Status> {
        self.started.notify_one();
        tokio::time::sleep(self.delay).await;
        Ok(tonic::Response::new(DeliverResponse {}))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn on_shutdown_a_grpc_server_drains_reports_not_serving_and_finishes_calls_in_flight() {
    let started = Arc::new(tokio::sync::Notify::new());
    let sink = SlowSink {
        started: started.clone(),
        delay: std::time::Duration::from_millis(2_500),
    };
    let routes = ServiceRoutes::new().add_service(EventSinkServiceServer::new(sink));
    let db = textport_platform::db::connect(&DatabaseConfig {
        url: "sqlite::memory:".to_owned(),
        schema: None,
        max_connections: 1,
    })
    .await
    .expect("database");
    let server = GrpcServer::bind("127.0.0.1:0".parse().expect("address"))
        .await
        .expect("binds");
    let url = format!("http://{}", server.local_addr());
    let shutdown = CancellationToken::new();
    // Long enough for the checks below on a loaded machine; the call in flight outlasts it.
    let drain = std::time::Duration::from_secs(2);
    let served = tokio::spawn(server.serve(routes, db, shutdown.clone(), drain, None));
    let channel = tonic::transport::Endpoint::from_shared(url.clone())
        .expect("url")
        .connect()
        .await
        .expect("connects");

    let mut client = EventSinkServiceClient::new(channel.clone());
    let in_flight = tokio::spawn(async move { client.deliver(DeliverRequest::default()).await });
    started.notified().await;
    shutdown.cancel();

    // While draining: still answering, but NOT_SERVING.
    let mut health = HealthClient::new(channel);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let status = health
            .check(HealthCheckRequest {
                service: String::new(),
            })
            .await
            .expect("health answers while draining")
            .into_inner()
            .status();
        if status == ServingStatus::NotServing {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "still {status:?}");
        tokio::task::yield_now().await;
    }
    in_flight
        .await
        .expect("joins")
        .expect("the call in flight completes");
    served.await.expect("joins").expect("stops cleanly");
    assert!(
        tonic::transport::Endpoint::from_shared(url)
            .expect("url")
            .connect()
            .await
            .is_err(),
        "no longer accepting"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn on_shutdown_the_gateway_is_not_ready_while_it_drains() {
    let mut config = crate::support::plain_config();
    config.gateway.drain_seconds = 3;
    let suite = support::spawn_with(config).await;
    let http = reqwest::Client::new();
    let base = suite.state.gateway_url.clone();
    let stopping = tokio::spawn(suite.stop());
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let ready = http
            .get(format!("{base}/readyz"))
            .send()
            .await
            .expect("answers while draining");
        // Before the gateway drains, the services it calls may already be gone (`unavailable`).
        let status = ready.status();
        let body: serde_json::Value = ready.json().await.expect("JSON");
        if body["status"] == "draining" {
            assert_eq!(status, 503);
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never draining: {body}"
        );
    }
    let alive = http
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("answers");
    assert_eq!(alive.status(), 200, "alive while draining");
    stopping.await.expect("stops");
}
