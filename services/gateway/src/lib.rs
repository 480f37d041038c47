//! The public edge: Telnyx's JSON API over the services' gRPC. Authenticates callers, parses
//! bodies and queries into requests, calls the owning service, and renders answers and errors
//! exactly as the Telnyx SDKs expect them.

mod auth;
mod error;
mod extract;
mod idempotency;
mod routes;
mod state;
mod store;
mod wire;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, MatchedPath};
use axum::routing::{delete, get, post, put};
use axum::serve::ListenerExt;
use axum::{Router, middleware};
use http::Request;
use serde::{Deserialize, Serialize};
use textport_domain::ApiKeyHash;
use textport_platform::CancellationToken;
use textport_platform::config::{DatabaseConfig, ServiceConfig};
use textport_platform::metrics::{ResponseLabels, RouteLabels};
use textport_platform::outbox::{Relay, RelaySettings};
use textport_platform::service::{BoxFuture, Built, Start};
use textport_proto::accounts::v1::account_service_client::AccountServiceClient;
use textport_proto::accounts::v1::messaging_profile_service_client::MessagingProfileServiceClient;
use textport_proto::accounts::v1::notification_service_client::NotificationServiceClient;
use textport_proto::eligibility::v1::campaign_service_client::CampaignServiceClient;
use textport_proto::eligibility::v1::directory_sandbox_service_client::DirectorySandboxServiceClient;
use textport_proto::eligibility::v1::eligibility_service_client::EligibilityServiceClient;
use textport_proto::eligibility::v1::number_directory_service_client::NumberDirectoryServiceClient;
use textport_proto::hosted_order::v1::hosted_number_service_client::HostedNumberServiceClient;
use textport_proto::hosted_order::v1::hosted_order_service_client::HostedOrderServiceClient;
use textport_proto::hosted_order::v1::operator_review_service_client::OperatorReviewServiceClient;
use textport_proto::messaging_port::v1::porting_operator_service_client::PortingOperatorServiceClient;
use textport_proto::messaging_port::v1::porting_order_service_client::PortingOrderServiceClient;
use textport_proto::messaging_port::v1::porting_sandbox_service_client::PortingSandboxServiceClient;
use textport_proto::notifier::v1::notifier_sandbox_service_client::NotifierSandboxServiceClient;
use textport_proto::notifier::v1::notifier_service_client::NotifierServiceClient;
use textport_proto::transfer_approval::v1::transfer_approval_service_client::TransferApprovalServiceClient;
use textport_proto::verification::v1::verification_sandbox_service_client::VerificationSandboxServiceClient;
use tokio::net::TcpListener;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use auth::KeyCache;
use state::AppState;

pub use store::Migrator;

/// The OpenAPI 3.1 document of the routes below.
const OPENAPI: &str = include_str!("../openapi.json");

/// How often expired `Idempotency-Key` records are removed.
const PRUNE_EVERY: Duration = Duration::from_secs(600);

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The public API (`/v2/…`): what the Ingress routes to.
    pub listen: SocketAddr,
    /// The operator and sandbox APIs, on a listener of their own that no Ingress routes to.
    pub admin_listen: SocketAddr,
    /// The gateway's own records (`Idempotency-Key` answers).
    pub database: DatabaseConfig,
    /// Largest request body accepted; larger gets 413.
    pub body_limit_bytes: usize,
    /// How long a resolved API key is trusted without asking accounts again (and so how long a
    /// revoked key may still work on another replica).
    pub key_cache_seconds: u64,
    /// On shutdown, how long `/readyz` answers 503 while requests are still served, so load
    /// balancers stop sending new ones before the gateway stops accepting.
    pub drain_seconds: u64,
}

impl Default for Config {
    fn default() -> Self {
        let service = ServiceConfig::default_for("gateway");
        Self {
            listen: SocketAddr::from(([0, 0, 0, 0], 8080)),
            admin_listen: SocketAddr::from(([0, 0, 0, 0], 8081)),
            database: service.database,
            body_limit_bytes: 1024 * 1024,
            key_cache_seconds: 30,
            drain_seconds: 0,
        }
    }
}

impl Config {
    /// Where it listens and keeps its data, as every service states it.
    pub fn service(&self) -> ServiceConfig {
        ServiceConfig {
            listen: self.listen,
            database: self.database.clone(),
            drain_seconds: self.drain_seconds,
            settings: Default::default(),
        }
    }
}

/// The gateway, bound, with its database open and a client on every downstream channel.
pub struct Gateway {
    listener: TcpListener,
    local_addr: SocketAddr,
    router: Router,
    admin_listener: TcpListener,
    admin_router: Router,
    state: AppState,
    relay: Option<Relay>,
    drain: Duration,
}

impl Gateway {
    /// `start.config` is where it listens and keeps its data; `operator_key` is the SHA-256 of
    /// the operator API's key (none: the operator API refuses everyone).
    /// `start.config.listen` is the public listener; `admin_listen` the operator and sandbox one.
    pub async fn build(
        start: Start,
        admin_listen: SocketAddr,
        config: &Config,
        operator_key: Option<ApiKeyHash>,
    ) -> anyhow::Result<Self> {
        let db =
            textport_platform::db::open::<Migrator>(&start.config.database, start.schema).await?;
        let accounts = start.downstreams.get("accounts")?;
        let eligibility = start.downstreams.get("eligibility")?;
        let notifier = start.downstreams.get("notifier")?;
        let hosted_order = start.downstreams.get("hosted_order")?;
        let verification = start.downstreams.get("verification")?;
        let transfer_approval = start.downstreams.get("transfer_approval")?;
        let messaging_port = start.downstreams.get("messaging_port")?;
        let relay = if start.sandbox {
            Some(Relay::new(
                "gateway",
                db.clone(),
                start.clock.clone(),
                &start.downstreams,
                &["notifier"],
                RelaySettings::default(),
            )?)
        } else {
            None
        };
        let state = AppState {
            accounts: AccountServiceClient::new(accounts.clone()),
            profiles: MessagingProfileServiceClient::new(accounts.clone()),
            notifications: NotificationServiceClient::new(accounts),
            eligibility: EligibilityServiceClient::new(eligibility.clone()),
            directory: NumberDirectoryServiceClient::new(eligibility.clone()),
            campaigns: CampaignServiceClient::new(eligibility.clone()),
            directory_sandbox: DirectorySandboxServiceClient::new(eligibility),
            notifier: NotifierServiceClient::new(notifier.clone()),
            notifier_sandbox: NotifierSandboxServiceClient::new(notifier),
            hosted_orders: HostedOrderServiceClient::new(hosted_order.clone())
                .max_encoding_message_size(routes::hosted::UPLOAD_BODY_LIMIT),
            hosted_numbers: HostedNumberServiceClient::new(hosted_order.clone()),
            review: OperatorReviewServiceClient::new(hosted_order)
                .max_decoding_message_size(routes::hosted::UPLOAD_BODY_LIMIT),
            verification_sandbox: VerificationSandboxServiceClient::new(verification),
            porting_orders: PortingOrderServiceClient::new(messaging_port.clone()),
            porting_operator: PortingOperatorServiceClient::new(messaging_port.clone()),
            porting_sandbox: PortingSandboxServiceClient::new(messaging_port),
            transfers: TransferApprovalServiceClient::new(transfer_approval),
            key_cache: KeyCache::new(Duration::from_secs(config.key_cache_seconds)),
            operator_key,
            db,
            relay: relay.as_ref().map(Relay::waker),
            clock: start.clock,
            body_limit: config.body_limit_bytes,
            draining: Arc::default(),
            readiness: start
                .downstreams
                .iter()
                .map(|(section, downstream)| (section.to_owned(), downstream.clone()))
                .collect(),
        };
        let listener = TcpListener::bind(start.config.listen).await?;
        let admin_listener = TcpListener::bind(admin_listen).await?;
        Ok(Self {
            local_addr: listener.local_addr()?,
            listener,
            router: edge(public_routes(), state.clone()),
            admin_listener,
            admin_router: edge(admin_routes(start.sandbox), state.clone()),
            state,
            relay,
            drain: Duration::from_secs(start.config.drain_seconds),
        })
    }

    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        tracing::info!(
            addr = %self.local_addr,
            admin = ?self.admin_listener.local_addr().ok(),
            "serving the public and admin APIs"
        );
        let draining = self.state.draining.clone();
        let pruner = tokio::spawn(prune_idempotency_keys(self.state, shutdown.clone()));
        // The relay stops after the last request, so an event accepted during the drain is sent.
        let relay_stop = CancellationToken::new();
        let relay = self
            .relay
            .map(|relay| tokio::spawn(relay.run(relay_stop.clone())));
        let drain = self.drain;
        // The admin listener stops with the public one.
        let admin_stop = CancellationToken::new();
        let admin = tokio::spawn(
            axum::serve(nodelay(self.admin_listener), self.admin_router)
                .with_graceful_shutdown(admin_stop.clone().cancelled_owned())
                .into_future(),
        );
        let served = axum::serve(nodelay(self.listener), self.router)
            .with_graceful_shutdown(async move {
                shutdown.cancelled().await;
                draining.store(true, Ordering::Relaxed);
                tokio::time::sleep(drain).await;
            })
            .await;
        admin_stop.cancel();
        admin.await??;
        pruner.abort();
        relay_stop.cancel();
        if let Some(relay) = relay {
            relay.await?;
        }
        Ok(served?)
    }
}

/// Small answers go out at once rather than waiting on Nagle's algorithm.
fn nodelay(listener: TcpListener) -> impl axum::serve::Listener<Io = impl Send, Addr = SocketAddr> {
    listener.tap_io(|stream| {
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "TCP_NODELAY not set");
        }
    })
}

impl Built for Gateway {
    fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    fn admin_addr(&self) -> Option<SocketAddr> {
        self.admin_listener.local_addr().ok()
    }

    fn routes(&self) -> Option<tonic::service::Routes> {
        None
    }

    fn run(self: Box<Self>, shutdown: CancellationToken) -> BoxFuture<'static, anyhow::Result<()>> {
        Box::pin(self.run_until_stopped(shutdown))
    }
}

async fn prune_idempotency_keys(state: AppState, shutdown: CancellationToken) {
    loop {
        match store::prune(&state.db, state.clock.now()).await {
            Ok(0) => {}
            Ok(pruned) => tracing::debug!(pruned, "expired idempotency keys removed"),
            Err(error) => tracing::warn!(%error, "idempotency keys not pruned"),
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(PRUNE_EVERY) => {}
        }
    }
}

/// The public listener's routes: `/v2/…`, the approval page and the probes.
fn public_routes() -> Router<AppState> {
    use routes::{
        approval, campaigns, eligibility, health, hosted, notifications, porting, profiles,
        transfer_policy, webhooks,
    };
    Router::new()
        .route("/approve", get(approval::page).post(approval::decide))
        .route(
            "/v2/messaging_hosted_number_orders",
            get(hosted::list).post(hosted::create),
        )
        .route(
            "/v2/messaging_hosted_number_orders/{id}",
            get(hosted::retrieve).delete(hosted::delete),
        )
        .route(
            "/v2/messaging_hosted_number_orders/{id}/verification_codes",
            post(hosted::verification_codes),
        )
        .route(
            "/v2/messaging_hosted_number_orders/{id}/validation_codes",
            post(hosted::validation_codes),
        )
        .route(
            "/v2/messaging_hosted_number_orders/{id}/actions/file_upload",
            post(hosted::file_upload).layer(DefaultBodyLimit::max(hosted::UPLOAD_BODY_LIMIT)),
        )
        .route(
            "/v2/messaging_hosted_number_orders/{id}/actions/retry",
            post(hosted::retry),
        )
        .route(
            "/v2/messaging_hosted_number_orders/{id}/approve",
            post(hosted::approve),
        )
        .route(
            "/v2/messaging_hosted_number_orders/{id}/reject",
            post(hosted::reject),
        )
        .route(
            "/v2/messaging_hosted_number_orders/{id}/timeline",
            get(hosted::timeline),
        )
        .route(
            "/v2/messaging_hosted_number_orders/{id}/loa_template",
            get(hosted::loa_template),
        )
        .route(
            "/v2/internal_transfer_policy",
            get(transfer_policy::retrieve).put(transfer_policy::update),
        )
        .route("/v2/messaging_hosted_numbers", get(hosted::list_numbers))
        .route(
            "/v2/messaging_hosted_numbers/{id}",
            get(hosted::retrieve_number)
                .patch(hosted::update_number)
                .delete(hosted::delete_number),
        )
        .route(
            "/v2/messaging_profiles/{id}/phone_numbers",
            get(hosted::profile_numbers),
        )
        .route("/v2/openapi.json", get(openapi))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/v2/webhook_deliveries", get(webhooks::list_deliveries))
        .route(
            "/v2/webhook_deliveries/{id}",
            get(webhooks::retrieve_delivery),
        )
        .route(
            "/v2/webhook_deliveries/{id}/actions/redeliver",
            post(webhooks::redeliver),
        )
        .route("/v2/portal_notices", get(webhooks::list_notices))
        .route(
            "/v2/portal_notices/{id}/actions/mark_read",
            post(webhooks::mark_notice_read),
        )
        .route(
            "/v2/messaging_hosted_number_orders/eligibility_numbers_check",
            post(eligibility::check_hosted_eligibility),
        )
        .route(
            "/v2/portability_checks",
            post(eligibility::check_portability),
        )
        .route(
            "/v2/porting_orders",
            get(porting::list).post(porting::create),
        )
        .route(
            "/v2/porting_orders/{id}",
            get(porting::retrieve)
                .patch(porting::update)
                .delete(porting::delete),
        )
        .route(
            "/v2/porting_orders/{id}/actions/confirm",
            post(porting::confirm),
        )
        .route(
            "/v2/porting_orders/{id}/actions/cancel",
            post(porting::cancel),
        )
        .route("/v2/porting_phone_numbers", get(porting::list_numbers))
        .route(
            "/v2/messaging_profiles",
            get(profiles::list).post(profiles::create),
        )
        .route(
            "/v2/messaging_profiles/{id}",
            get(profiles::retrieve)
                .patch(profiles::update)
                .delete(profiles::delete),
        )
        .route(
            "/v2/10dlc/phone_number_campaigns",
            get(campaigns::list).post(campaigns::create),
        )
        .route(
            "/v2/10dlc/phone_number_campaigns/{phone_number}",
            get(campaigns::retrieve)
                .put(campaigns::update)
                .delete(campaigns::delete),
        )
        .route(
            "/v2/notification_profiles",
            get(notifications::list_profiles).post(notifications::create_profile),
        )
        .route(
            "/v2/notification_profiles/{id}",
            get(notifications::retrieve_profile)
                .patch(notifications::update_profile)
                .delete(notifications::delete_profile),
        )
        .route(
            "/v2/notification_channels",
            get(notifications::list_channels).post(notifications::create_channel),
        )
        .route(
            "/v2/notification_channels/{id}",
            get(notifications::retrieve_channel)
                .patch(notifications::update_channel)
                .delete(notifications::delete_channel),
        )
        .route(
            "/v2/notification_event_conditions",
            get(notifications::list_conditions),
        )
        .route(
            "/v2/notification_settings",
            get(notifications::list_settings).post(notifications::create_setting),
        )
        .route(
            "/v2/notification_settings/{id}",
            get(notifications::retrieve_setting).delete(notifications::delete_setting),
        )
}

/// The admin listener's routes, which no Ingress routes to: the operator API and, with the
/// sandbox on, the sandbox API (and the probes).
fn admin_routes(sandbox: bool) -> Router<AppState> {
    use routes::{health, hosted, operator, porting, sandbox as sbx, webhooks};
    let router = Router::new()
        .route(
            "/operator/v1/hosted_number_orders/awaiting_review",
            get(hosted::awaiting_review),
        )
        .route(
            "/operator/v1/hosted_number_orders/{id}/actions/accept",
            post(hosted::accept),
        )
        .route(
            "/operator/v1/hosted_number_orders/{id}/actions/fail",
            post(hosted::fail),
        )
        .route(
            "/operator/v1/hosted_number_orders/{id}/documents/{document}",
            get(hosted::document),
        )
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route(
            "/operator/v1/accounts",
            get(operator::list_accounts).post(operator::create_account),
        )
        .route("/operator/v1/accounts/{id}", get(operator::get_account))
        .route(
            "/operator/v1/accounts/{id}/api_keys",
            get(operator::list_api_keys).post(operator::issue_api_key),
        )
        .route(
            "/operator/v1/api_keys/{id}",
            delete(operator::revoke_api_key),
        )
        .route(
            "/operator/v1/porting_exceptions",
            get(porting::list_exceptions),
        )
        .route(
            "/operator/v1/porting_orders/{id}/phone_numbers/{phone_number}/actions/override_nnid",
            post(porting::override_nnid),
        )
        .route(
            "/operator/v1/porting_orders/{id}/phone_numbers/{phone_number}/actions/give_up",
            post(porting::give_up),
        );
    if !sandbox {
        return router;
    }
    router
        .route("/sandbox/v1/magic_numbers", get(sbx::magic_numbers))
        .route("/sandbox/v1/webhook_public_key", get(webhooks::public_key))
        .route("/sandbox/v1/events", post(webhooks::emit_event))
        .route("/sandbox/v1/mailbox", get(webhooks::mailbox))
        .route("/sandbox/v1/verification_codes", get(sbx::sent_codes))
        .route(
            "/sandbox/v1/events/{id}/webhook_deliveries",
            get(webhooks::event_deliveries),
        )
        .route(
            "/sandbox/v1/numbers/{phone_number}",
            get(sbx::get_number).put(sbx::seed_number),
        )
        .route("/sandbox/v1/clock", get(sbx::clock))
        .route("/sandbox/v1/clock/advance", post(sbx::advance_clock))
        .route(
            "/sandbox/v1/porting_orders/{id}/actions/{step}",
            post(porting::advance),
        )
        .route(
            "/sandbox/v1/numbers/{phone_number}/nnid",
            put(porting::set_nnid),
        )
}

/// Every listener's layers around its routes.
fn edge(routes: Router<AppState>, state: AppState) -> Router {
    let body_limit = state.body_limit;
    // Outermost last: request id → trace span → error rendering → authentication →
    // idempotency → the route.
    routes
        .fallback(error::route_not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            idempotency::middleware,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .with_state(state)
        .layer(middleware::from_fn(error::render_errors))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(middleware::from_fn(observe))
        .layer(TraceLayer::new_for_http().make_span_with(http_span))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

async fn openapi() -> impl axum::response::IntoResponse {
    ([(http::header::CONTENT_TYPE, "application/json")], OPENAPI)
}

/// Counts and times each response by route and status, and tells the caller which trace to
/// look for (`x-trace-id`, 32 hex digits) when traces are on.
async fn observe(
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    let trace_id = textport_platform::trace_context::trace_id(&tracing::Span::current());
    let route = RouteLabels {
        method: request.method().to_string(),
        route: request
            .extensions()
            .get::<MatchedPath>()
            .map_or("unmatched", MatchedPath::as_str)
            .to_owned(),
    };
    let started = std::time::Instant::now();
    let mut response = next.run(request).await;
    let metrics = textport_platform::metrics::metrics();
    metrics
        .http_seconds
        .get_or_create(&route)
        .observe(started.elapsed().as_secs_f64());
    metrics
        .http_responses
        .get_or_create(&ResponseLabels {
            method: route.method,
            route: route.route,
            status: response.status().as_u16(),
        })
        .inc();
    if let Some(value) = trace_id.and_then(|id| http::HeaderValue::from_str(&id).ok()) {
        response.headers_mut().insert("x-trace-id", value);
    }
    response
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
