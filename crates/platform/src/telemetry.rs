//! Logs to stdout (text or JSON, each line with its spans, so with the request's trace id) and traces over OTLP when an
//! endpoint is configured. `init` returns a guard; `shutdown` flushes pending spans.

use opentelemetry::global;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::{LogFormat, TelemetryConfig};

/// Keeps the tracer provider alive; call [`TelemetryGuard::shutdown`] last.
#[must_use = "dropping the guard without shutdown may lose the last spans"]
pub struct TelemetryGuard {
    provider: SdkTracerProvider,
}

impl TelemetryGuard {
    /// Flushes and stops the exporter. Runs on the blocking pool: the batch processor's shutdown
    /// blocks, and would stall (or deadlock) an async worker.
    pub async fn shutdown(self) {
        let provider = self.provider;
        let flushed = tokio::task::spawn_blocking(move || provider.shutdown()).await;
        if let Ok(Err(error)) = flushed {
            eprintln!("telemetry shutdown: {error}");
        }
    }
}

fn env_unset(name: &str) -> bool {
    std::env::var_os(name).is_none_or(|value| value.is_empty())
}

/// Installs the global subscriber and propagator. Must run inside a Tokio runtime (the OTLP
/// exporter needs its reactor). Fails if a global subscriber is already set.
/// `default_service_name` names the spans when `telemetry.service_name` is not configured.
pub fn init(
    config: &TelemetryConfig,
    default_service_name: &str,
) -> anyhow::Result<TelemetryGuard> {
    global::set_text_map_propagator(TraceContextPropagator::new());

    // `telemetry.*` wins when set; otherwise the standard variables, which the SDK reads itself
    // (the resource builder reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES).
    let mut resource = Resource::builder();
    if !config.service_name.is_empty() {
        resource = resource.with_service_name(config.service_name.clone());
    } else if env_unset("OTEL_SERVICE_NAME") {
        resource = resource.with_service_name(default_service_name.to_owned());
    }
    let mut builder = SdkTracerProvider::builder().with_resource(resource.build());
    let endpoint_from_env = !env_unset("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        || !env_unset("OTEL_EXPORTER_OTLP_ENDPOINT");
    if !config.otlp_endpoint.is_empty() || endpoint_from_env {
        let mut exporter = opentelemetry_otlp::SpanExporter::builder().with_tonic();
        if !config.otlp_endpoint.is_empty() {
            exporter = exporter.with_endpoint(config.otlp_endpoint.clone());
        }
        builder = builder.with_batch_exporter(exporter.build()?);
    }
    let provider = builder.build();
    global::set_tracer_provider(provider.clone());
    let otel = tracing_opentelemetry::layer().with_tracer(provider.tracer("textport"));

    let filter =
        EnvFilter::try_from_default_env().or_else(|_| EnvFilter::try_new(&config.log_filter))?;
    let registry = tracing_subscriber::registry().with(filter).with(otel);
    match config.log_format {
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(false)
                    .with_span_list(true),
            )
            .try_init()?,
        LogFormat::Text => registry.with(tracing_subscriber::fmt::layer()).try_init()?,
    }
    Ok(TelemetryGuard { provider })
}
