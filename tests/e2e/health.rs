//! The gateway's probes: `/healthz` answers while the process runs; `/readyz` only while its
//! database and every service it calls answer. Neither needs a key.

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

use crate::support::spawn;

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
        json!({"status": "ready", "checks": {"database": "ok", "accounts": "ok", "eligibility": "ok", "notifier": "ok"}})
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
                    settings: Default::default(),
                },
                schema: Schema::Migrate,
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
