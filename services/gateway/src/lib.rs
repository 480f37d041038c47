//! The public edge: Telnyx's JSON API over the services' gRPC. Authenticates callers, parses
//! bodies and queries into requests, calls the owning service, and renders answers and errors
//! exactly as the Telnyx SDKs expect them.

mod auth;
mod error;
mod extract;
mod routes;
mod state;

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, MatchedPath};
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use axum::{Router, middleware};
use http::Request;
use serde::{Deserialize, Serialize};
use textport_platform::CancellationToken;
use textport_platform::client::{Downstream, channel};
use textport_proto::accounts::v1::account_service_client::AccountServiceClient;
use textport_proto::accounts::v1::messaging_profile_service_client::MessagingProfileServiceClient;
use textport_proto::eligibility::v1::directory_sandbox_service_client::DirectorySandboxServiceClient;
use textport_proto::eligibility::v1::eligibility_service_client::EligibilityServiceClient;
use textport_proto::eligibility::v1::number_directory_service_client::NumberDirectoryServiceClient;
use tokio::net::TcpListener;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use auth::KeyCache;
use state::AppState;

/// The OpenAPI 3.1 document of the routes below.
const OPENAPI: &str = include_str!("../openapi.json");

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub listen: SocketAddr,
    pub accounts_url: String,
    pub eligibility_url: String,
    /// Largest request body accepted; larger gets 413.
    pub body_limit_bytes: usize,
    /// How long a resolved API key is trusted without asking accounts again.
    pub key_cache_seconds: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([0, 0, 0, 0], 8080)),
            accounts_url: "http://accounts:50051".to_owned(),
            eligibility_url: "http://eligibility:50051".to_owned(),
            body_limit_bytes: 1024 * 1024,
            key_cache_seconds: 30,
        }
    }
}

/// The gateway, bound, with its channels to every downstream built (they connect on first use).
pub struct Gateway {
    listener: TcpListener,
    router: Router,
}

/// The services the gateway calls.
#[derive(Clone)]
pub struct Downstreams {
    pub accounts: Downstream,
    pub eligibility: Downstream,
}

impl Gateway {
    /// The gateway with a network channel to each downstream service at its configured URL.
    pub async fn build(config: &Config, sandbox: bool) -> anyhow::Result<Self> {
        let downstreams = Downstreams {
            accounts: channel(&config.accounts_url)?,
            eligibility: channel(&config.eligibility_url)?,
        };
        Self::with_downstreams(config, sandbox, downstreams).await
    }

    pub async fn with_downstreams(
        config: &Config,
        sandbox: bool,
        downstreams: Downstreams,
    ) -> anyhow::Result<Self> {
        let Downstreams {
            accounts,
            eligibility,
        } = downstreams;
        let state = AppState {
            accounts: AccountServiceClient::new(accounts.clone()),
            profiles: MessagingProfileServiceClient::new(accounts),
            eligibility: EligibilityServiceClient::new(eligibility.clone()),
            directory: NumberDirectoryServiceClient::new(eligibility.clone()),
            directory_sandbox: DirectorySandboxServiceClient::new(eligibility),
            key_cache: KeyCache::new(Duration::from_secs(config.key_cache_seconds)),
        };
        let listener = TcpListener::bind(config.listen).await?;
        Ok(Self {
            listener,
            router: router(state, sandbox, config.body_limit_bytes),
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        tracing::info!(addr = %self.listener.local_addr()?, "serving the public API");
        // Small answers go out at once rather than waiting on Nagle's algorithm.
        let listener = self.listener.tap_io(|stream| {
            if let Err(error) = stream.set_nodelay(true) {
                tracing::debug!(%error, "TCP_NODELAY not set");
            }
        });
        axum::serve(listener, self.router)
            .with_graceful_shutdown(shutdown.cancelled_owned())
            .await?;
        Ok(())
    }
}

fn router(state: AppState, sandbox: bool, body_limit: usize) -> Router {
    use routes::{eligibility, profiles, sandbox as sbx};
    let mut authenticated = Router::new()
        .route(
            "/v2/messaging_hosted_number_orders/eligibility_numbers_check",
            post(eligibility::check_hosted_eligibility),
        )
        .route(
            "/v2/portability_checks",
            post(eligibility::check_portability),
        )
        .route(
            "/v2/messaging_profiles",
            get(profiles::list).post(profiles::create),
        )
        .route(
            "/v2/messaging_profiles/{id}",
            get(profiles::retrieve)
                .patch(profiles::update)
                .delete(profiles::delete),
        );
    let mut public = Router::new().route("/v2/openapi.json", get(openapi));
    if sandbox {
        authenticated = authenticated.route(
            "/sandbox/v1/numbers/{phone_number}",
            get(sbx::get_number).put(sbx::seed_number),
        );
        public = public.route("/sandbox/v1/magic_numbers", get(sbx::magic_numbers));
    }
    let authenticated = authenticated.route_layer(middleware::from_fn_with_state(
        state.clone(),
        auth::require_api_key,
    ));

    public
        .merge(authenticated)
        .fallback(error::route_not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .with_state(state)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn(error::render_errors))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(http_span))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

async fn openapi() -> impl axum::response::IntoResponse {
    ([(http::header::CONTENT_TYPE, "application/json")], OPENAPI)
}

/// One span per request, named `textport.gateway <METHOD> <route>`, continuing the caller's trace.
fn http_span<B>(request: &Request<B>) -> tracing::Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str);
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let span = tracing::info_span!(
        "http",
        otel.name = %format!("textport.gateway {} {route}", request.method()),
        otel.kind = "server",
        http.request.method = %request.method(),
        http.route = route,
        request_id,
        account_id = tracing::field::Empty,
        trace_id = tracing::field::Empty,
    );
    textport_platform::trace_context::adopt_remote_parent(&span, request.headers());
    span
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_openapi_document_is_json_of_version_3_1() {
        let doc: serde_json::Value = serde_json::from_str(super::OPENAPI).expect("valid JSON");
        assert_eq!(doc["openapi"], "3.1.0");
    }
}
