//! The textport binary's library: configuration, the registry of services, the in-process suite
//! (`up`), and running one service (`serve`) or its migrations (`migrate`). Tests drive the
//! suite through this crate.

pub mod config;
pub mod registry;
pub mod suite;

use std::sync::Arc;

use anyhow::Context as _;
use textport_domain::SystemClock;
use textport_platform::CancellationToken;
use textport_platform::client::channel_with;
use textport_platform::db::Schema;
use textport_platform::metrics::MetricsServer;
use textport_platform::service::{Downstreams, Start};

pub use config::Config;
pub use registry::{ROLES, Role};
pub use suite::{Storage, Suite, SuiteState, Transport};

/// Runs one service until `shutdown` fires, with a channel to each service it calls at its
/// `[services]` address. Its schema must be current (`migrate` first).
pub async fn serve(name: &str, config: &Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    let role = Role::find(name)?;
    let tls = config.tls.load()?;
    let mut downstreams = Downstreams::default();
    for callee in role.calls {
        let url = config.service_url(callee)?;
        downstreams.insert(
            callee,
            channel_with(url, tls.as_ref())
                .with_context(|| format!("services.{callee} = {url:?}"))?,
        );
    }
    let start = Start {
        config: role.service_config(config),
        tls,
        schema: Schema::RequireCurrent,
        clock: Arc::new(SystemClock),
        sandbox: config.sandbox.enabled_in_serve(),
        downstreams,
    };
    let built = role.build(start, config).await?;
    let metrics = MetricsServer::bind(config.metrics.listen)
        .await
        .with_context(|| format!("metrics.listen = {}", config.metrics.listen))?;
    let stop_metrics = CancellationToken::new();
    let exposing = tokio::spawn(metrics.run(stop_metrics.clone()));
    let served = built.run(shutdown).await;
    stop_metrics.cancel();
    exposing.await??;
    served.with_context(|| format!("serve {name}"))
}

/// Brings one service's database schema up to date.
pub async fn migrate(name: &str, config: &Config) -> anyhow::Result<()> {
    let role = Role::find(name)?;
    role.migrate(&role.service_config(config).database).await
}
