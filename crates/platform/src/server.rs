//! The gRPC server every service runs: bound first (so port 0 works and the address is known
//! before serving), then served with health that follows the database, reflection, a trace span
//! per call (health and reflection stay out of traces), a per-call timeout and graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::Request;
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;
use tower_http::trace::{MakeSpan, TraceLayer};

use crate::client::{CONNECTION_WINDOW, STREAM_WINDOW};
use crate::metrics::{self, RpcLabels};
use crate::service::{BoxFuture, ServiceRoutes};
use crate::tls::Tls;
use crate::trace_context;

pub const HEALTH_SERVICE: &str = "grpc.health.v1.Health";
pub const REFLECTION_V1: &str = "grpc.reflection.v1.ServerReflection";
pub const REFLECTION_V1ALPHA: &str = "grpc.reflection.v1alpha.ServerReflection";

const CALL_TIMEOUT: Duration = Duration::from_secs(30);
const READINESS_PROBE_EVERY: Duration = Duration::from_secs(5);

pub struct GrpcServer {
    listener: TcpListener,
    local_addr: SocketAddr,
}

impl GrpcServer {
    pub async fn bind(addr: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        Ok(Self {
            listener,
            local_addr,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Serves `routes` until `shutdown` fires; then reports NOT_SERVING for `drain` while still
    /// serving (so callers' load balancing moves away), stops accepting, and finishes in-flight
    /// calls. Health (following `database`) and reflection list exactly the services `routes`
    /// hosts.
    pub async fn serve(
        self,
        routes: ServiceRoutes,
        database: DatabaseConnection,
        shutdown: CancellationToken,
        drain: Duration,
        tls: Option<&Tls>,
    ) -> anyhow::Result<()> {
        let services: Arc<[&'static str]> = routes.names().into();
        let (reporter, health) = tonic_health::server::health_reporter();
        let reflection_v1 = reflection(&services).build_v1()?;
        let reflection_v1alpha = reflection(&services).build_v1alpha()?;
        let routes = routes
            .routes()
            .add_service(health)
            .add_service(reflection_v1)
            .add_service(reflection_v1alpha);

        tracing::info!(addr = %self.local_addr, services = ?services, "serving gRPC");
        let probe = tokio::spawn(follow_database(
            reporter.clone(),
            services.clone(),
            database,
            shutdown.clone(),
        ));
        let mut builder = Server::builder();
        if let Some(tls) = tls {
            builder = builder.tls_config(tls.server())?;
        }
        let result = builder
            .timeout(CALL_TIMEOUT)
            .initial_connection_window_size(CONNECTION_WINDOW)
            .initial_stream_window_size(STREAM_WINDOW)
            .layer(TraceLayer::new_for_grpc().make_span_with(GrpcSpan))
            .layer(tower::layer::layer_fn(RpcMetrics))
            .add_routes(routes)
            .serve_with_incoming_shutdown(
                TcpIncoming::from(self.listener).with_nodelay(Some(true)),
                async move {
                    // The probe reports NOT_SERVING once shutdown fires; it alone writes the
                    // status, so no ping that finishes late can report SERVING again.
                    if let Err(error) = probe.await {
                        tracing::warn!(%error, "the health probe ended abnormally");
                    }
                    tokio::time::sleep(drain).await;
                },
            )
            .await;
        Ok(result?)
    }
}

/// Counts and times every call to a textport service (health and reflection are left out).
#[derive(Clone)]
struct RpcMetrics<S>(S);

impl<S, B> tower::Service<Request<B>> for RpcMetrics<S>
where
    S: tower::Service<Request<B>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<S::Response, S::Error>>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let path = request.uri().path();
        let labels = path.starts_with("/textport.").then(|| RpcLabels {
            method: path.to_owned(),
        });
        let answer = self.0.call(request);
        Box::pin(async move {
            let started = Instant::now();
            let result = answer.await;
            if let Some(labels) = labels {
                let metrics = metrics::metrics();
                metrics.rpc_requests.get_or_create(&labels).inc();
                metrics
                    .rpc_seconds
                    .get_or_create(&labels)
                    .observe(started.elapsed().as_secs_f64());
            }
            result
        })
    }
}

/// The services a server hosts, plus health and reflection themselves.
fn reflection(services: &[&'static str]) -> tonic_reflection::server::Builder<'static> {
    let builder = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(textport_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .with_service_name(HEALTH_SERVICE)
        .with_service_name(REFLECTION_V1)
        .with_service_name(REFLECTION_V1ALPHA);
    services
        .iter()
        .fold(builder, |builder, name| builder.with_service_name(*name))
}

/// SERVING while the database answers a ping, NOT_SERVING while it does not, and NOT_SERVING
/// for good once `shutdown` fires.
async fn follow_database(
    reporter: HealthReporter,
    services: Arc<[&'static str]>,
    database: DatabaseConnection,
    shutdown: CancellationToken,
) {
    let mut last = None;
    loop {
        let ping = tokio::select! {
            () = shutdown.cancelled() => break,
            ping = database.ping() => ping,
        };
        let status = match ping {
            Ok(()) => ServingStatus::Serving,
            Err(error) => {
                tracing::warn!(%error, "database ping failed");
                ServingStatus::NotServing
            }
        };
        if last != Some(status) {
            set_all(&reporter, &services, status).await;
            last = Some(status);
        }
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(READINESS_PROBE_EVERY) => {}
        }
    }
    set_all(&reporter, &services, ServingStatus::NotServing).await;
}

async fn set_all(reporter: &HealthReporter, services: &[&str], status: ServingStatus) {
    reporter.set_service_status("", status).await;
    for service in services {
        reporter.set_service_status(*service, status).await;
    }
}

/// One span per call, named `textport.<service>.<operation>` after the gRPC path, child of the
/// caller's trace. Health and reflection calls get no span.
#[derive(Clone, Copy)]
struct GrpcSpan;

impl<B> MakeSpan<B> for GrpcSpan {
    fn make_span(&mut self, request: &Request<B>) -> tracing::Span {
        let path = request.uri().path();
        let Some(name) = span_name(path) else {
            return tracing::Span::none();
        };
        let span = tracing::info_span!(
            "grpc",
            otel.name = %name,
            otel.kind = "server",
            rpc.system = "grpc",
            rpc.method = %path,
            trace_id = tracing::field::Empty,
        );
        trace_context::adopt_remote_parent(&span, request.headers());
        span
    }
}

/// `/textport.eligibility.v1.EligibilityService/CheckPortability` → `textport.eligibility.check_portability`.
fn span_name(path: &str) -> Option<String> {
    let (service, method) = path.trim_start_matches('/').split_once('/')?;
    let mut parts = service.split('.');
    if parts.next()? != "textport" {
        return None;
    }
    let package = parts.next()?;
    let mut operation = String::with_capacity(method.len() + 4);
    for (i, c) in method.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                operation.push('_');
            }
            operation.push(c.to_ascii_lowercase());
        } else {
            operation.push(c);
        }
    }
    Some(format!("textport.{package}.{operation}"))
}

#[cfg(test)]
mod tests {
    use super::span_name;

    #[test]
    fn spans_are_named_after_package_and_method() {
        assert_eq!(
            span_name("/textport.eligibility.v1.EligibilityService/CheckHostedEligibility")
                .as_deref(),
            Some("textport.eligibility.check_hosted_eligibility")
        );
        assert_eq!(span_name("/grpc.health.v1.Health/Check"), None);
        assert_eq!(
            span_name("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"),
            None
        );
    }
}
