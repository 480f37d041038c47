//! Prometheus metrics: one registry per process (`up` runs every service in one, so labels say
//! which call, route, outbox or table a figure is about), served as text on the admin port.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RpcLabels {
    /// `/textport.eligibility.v1.EligibilityService/CheckHostedEligibility`
    pub method: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: String,
    /// The route's pattern (`/v2/messaging_profiles/{id}`), never the path itself.
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResponseLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ErrorLabels {
    /// The error table's reason (`TEXTPORT_VALIDATION`, …).
    pub kind: &'static str,
    /// Where it was answered: `grpc` (a service) or `http` (the public API).
    pub edge: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutboxLabels {
    /// The section of the service whose outbox it is.
    pub outbox: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DestinationLabels {
    pub outbox: &'static str,
    pub destination: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TableLabels {
    pub table: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct AttemptLabels {
    /// `delivered` or `failed`.
    pub outcome: &'static str,
    /// The attempt's error code (`0` when delivered).
    pub error: i32,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

/// Latencies from 1 ms to about 16 s.
fn latency() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

pub struct Metrics {
    registry: Registry,
    pub rpc_requests: Family<RpcLabels, Counter>,
    pub rpc_seconds: Histograms<RpcLabels>,
    pub http_responses: Family<ResponseLabels, Counter>,
    pub http_seconds: Histograms<RouteLabels>,
    pub errors: Family<ErrorLabels, Counter>,
    pub outbox_sent: Family<DestinationLabels, Counter>,
    pub outbox_failures: Family<DestinationLabels, Counter>,
    pub outbox_depth: Family<OutboxLabels, Gauge>,
    pub outbox_lag_seconds: Family<OutboxLabels, Gauge<f64, AtomicU64>>,
    pub sweeper_claimed: Family<TableLabels, Counter>,
    pub webhook_attempts: Family<AttemptLabels, Counter>,
}

impl Metrics {
    fn new() -> Self {
        let mut registry = Registry::with_prefix("textport");
        let metrics = Self {
            rpc_requests: Family::default(),
            rpc_seconds: Family::new_with_constructor(latency),
            http_responses: Family::default(),
            http_seconds: Family::new_with_constructor(latency),
            errors: Family::default(),
            outbox_sent: Family::default(),
            outbox_failures: Family::default(),
            outbox_depth: Family::default(),
            outbox_lag_seconds: Family::default(),
            sweeper_claimed: Family::default(),
            webhook_attempts: Family::default(),
            registry: Registry::default(),
        };
        let m = &metrics;
        registry.register(
            "grpc_server_requests",
            "gRPC calls served, by method",
            m.rpc_requests.clone(),
        );
        registry.register(
            "grpc_server_duration_seconds",
            "gRPC call latency, by method",
            m.rpc_seconds.clone(),
        );
        registry.register(
            "http_responses",
            "Public API responses, by route and status",
            m.http_responses.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Public API latency, by route",
            m.http_seconds.clone(),
        );
        registry.register(
            "errors",
            "Errors answered, by kind of the error table",
            m.errors.clone(),
        );
        registry.register(
            "outbox_sent",
            "Outbox events acknowledged by their destination",
            m.outbox_sent.clone(),
        );
        registry.register(
            "outbox_send_failures",
            "Outbox events whose delivery failed and will be retried",
            m.outbox_failures.clone(),
        );
        registry.register(
            "outbox_depth",
            "Outbox events not yet delivered",
            m.outbox_depth.clone(),
        );
        registry.register(
            "outbox_lag_seconds",
            "Age of the oldest outbox event not yet delivered",
            m.outbox_lag_seconds.clone(),
        );
        registry.register(
            "sweeper_claimed",
            "Due rows claimed, by table",
            m.sweeper_claimed.clone(),
        );
        registry.register(
            "webhook_attempts",
            "Webhook POSTs, by outcome and error code",
            m.webhook_attempts.clone(),
        );
        Self {
            registry,
            ..metrics
        }
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

/// The process's metrics.
pub fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

/// The admin listener: `GET /metrics` in the Prometheus text format.
pub struct MetricsServer {
    listener: TcpListener,
}

impl MetricsServer {
    pub async fn bind(addr: SocketAddr) -> std::io::Result<Self> {
        Ok(Self {
            listener: TcpListener::bind(addr).await?,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub async fn run(self, shutdown: CancellationToken) -> std::io::Result<()> {
        let router = axum::Router::new().route(
            "/metrics",
            axum::routing::get(|| async {
                (
                    [(
                        http::header::CONTENT_TYPE,
                        "application/openmetrics-text; version=1.0.0; charset=utf-8",
                    )],
                    metrics().render(),
                )
            }),
        );
        axum::serve(self.listener, router)
            .with_graceful_shutdown(shutdown.cancelled_owned())
            .await
    }
}
