//! The textport binary's library: configuration, the in-process suite (`up`), and running one
//! service (`serve`) or its migrations (`migrate`). Tests drive the suite through this crate.

pub mod config;
pub mod suite;

use anyhow::{Context as _, bail};
use textport_domain::{SharedClock, SystemClock};
use textport_platform::CancellationToken;
use textport_platform::db::Schema;

pub use config::Config;
pub use suite::{Storage, Suite, SuiteState, Transport};

/// The roles `serve` and `migrate` accept.
pub const ROLES: &[&str] = &["gateway", "accounts", "eligibility"];

/// Runs one service until `shutdown` fires. Its schema must be current (`migrate` first).
pub async fn serve(role: &str, config: &Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    serve_role(role, config, shutdown)
        .await
        .with_context(|| format!("serve {role}"))
}

async fn serve_role(
    role: &str,
    config: &Config,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let clock: SharedClock = std::sync::Arc::new(SystemClock);
    match role {
        "gateway" => {
            textport_gateway::Gateway::build(&config.gateway, config.sandbox.enabled_in_serve())
                .await?
                .run_until_stopped(shutdown)
                .await
        }
        "accounts" => {
            textport_accounts::Accounts::build(&config.accounts, clock, Schema::RequireCurrent)
                .await?
                .run_until_stopped(shutdown)
                .await
        }
        "eligibility" => {
            textport_eligibility::Eligibility::build(
                &config.eligibility,
                clock,
                config.sandbox.enabled_in_serve(),
                Schema::RequireCurrent,
            )
            .await?
            .run_until_stopped(shutdown)
            .await
        }
        other => bail!(
            "unknown service {other:?}; the services are: {}",
            ROLES.join(", ")
        ),
    }
}

/// Brings one service's database schema up to date.
pub async fn migrate(role: &str, config: &Config) -> anyhow::Result<()> {
    match role {
        "gateway" => Ok(()),
        "accounts" => textport_accounts::migrate(&config.accounts).await,
        "eligibility" => textport_eligibility::migrate(&config.eligibility).await,
        other => bail!(
            "unknown service {other:?}; the services are: {}",
            ROLES.join(", ")
        ),
    }
}
