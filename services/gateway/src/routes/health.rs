//! `/healthz` (the process answers) and `/readyz` (its database and every service it calls
//! answer), for Kubernetes probes and load balancers. No key needed; no business data shown.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use http::StatusCode;
use serde::Serialize;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use crate::state::AppState;

/// How long one dependency may take to answer a readiness check.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Serialize)]
pub struct Health {
    status: &'static str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    checks: BTreeMap<String, &'static str>,
}

pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok",
        checks: BTreeMap::new(),
    })
}

pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    if state.draining.load(Ordering::Relaxed) {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Health {
                status: "draining",
                checks: BTreeMap::new(),
            }),
        );
    }
    let mut checks = BTreeMap::new();
    let database = tokio::time::timeout(CHECK_TIMEOUT, state.db.ping()).await;
    checks.insert(
        "database".to_owned(),
        if matches!(database, Ok(Ok(()))) {
            "ok"
        } else {
            "unavailable"
        },
    );
    let probes = state
        .readiness
        .iter()
        .map(|(section, downstream)| async move {
            let mut client = HealthClient::new(downstream.clone());
            let check = client.check(HealthCheckRequest {
                service: String::new(),
            });
            let serving = matches!(
                tokio::time::timeout(CHECK_TIMEOUT, check).await,
                Ok(Ok(answer)) if answer.get_ref().status() == ServingStatus::Serving
            );
            (section.clone(), if serving { "ok" } else { "unavailable" })
        });
    checks.extend(futures::future::join_all(probes).await);
    let ready = checks.values().all(|check| *check == "ok");
    (
        if ready {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        },
        Json(Health {
            status: if ready { "ready" } else { "unavailable" },
            checks,
        }),
    )
}
