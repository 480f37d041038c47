//! The messaging-port service: porting orders from draft to ported, and the messaging
//! activation that follows voice. At the FOC eligibility records the port in its number
//! directory (the losing carriers are asked to hand the NNIDs over); each number's messaging is
//! then watched there until our NNID shows, by work rows the sweeper claims, so the watch
//! survives restarts and spreads over replicas. Webhooks go through the outbox to the notifier.

mod app;
pub mod domain;
mod error;
mod events;
mod grpc;
pub mod store;

use std::time::Duration;

use anyhow::Context as _;
use chrono::TimeDelta;
use serde::Deserialize;
use textport_platform::outbox::{Relay, RelaySettings};
use textport_platform::service::{Deps, GrpcService, ServiceRoutes};
use textport_proto::accounts::v1::messaging_profile_service_client::MessagingProfileServiceClient;
use textport_proto::eligibility::v1::eligibility_service_client::EligibilityServiceClient;
use textport_proto::eligibility::v1::number_directory_service_client::NumberDirectoryServiceClient;
use textport_proto::messaging_port::v1::porting_operator_service_server::PortingOperatorServiceServer;
use textport_proto::messaging_port::v1::porting_order_service_server::PortingOrderServiceServer;
use textport_proto::messaging_port::v1::porting_sandbox_service_server::PortingSandboxServiceServer;

pub use app::{App, Clients, NewOrders, Policy, Step};
pub use error::Error;

/// `[messaging_port]` keys beside `listen` and `database`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// After the FOC, how long a number may wait for our NNID before its messaging is an
    /// exception (it is still watched: a late release ports it).
    pub nnid_watch_seconds: u64,
    /// How often a watched number's NNID is looked at in the directory.
    pub nnid_poll_seconds: u64,
    /// How long messaging may lag voice before `porting_order.messaging_diverged`.
    pub divergence_alert_seconds: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            nnid_watch_seconds: 1800,
            nnid_poll_seconds: 30,
            divergence_alert_seconds: 7200,
        }
    }
}

impl Settings {
    pub fn policy(&self) -> anyhow::Result<Policy> {
        let seconds = |value: u64, key: &str| {
            i64::try_from(value)
                .ok()
                .and_then(TimeDelta::try_seconds)
                .filter(|delta| *delta > TimeDelta::zero())
                .with_context(|| {
                    format!("messaging_port.{key} must be a positive number of seconds")
                })
        };
        Ok(Policy {
            nnid_watch: seconds(self.nnid_watch_seconds, "nnid_watch_seconds")?,
            nnid_poll: seconds(self.nnid_poll_seconds, "nnid_poll_seconds")?,
            divergence_alert: seconds(self.divergence_alert_seconds, "divergence_alert_seconds")?,
            sweep_poll: Duration::from_millis(500),
            lease: Duration::from_secs(60),
        })
    }
}

/// The service's entry point for the registry.
pub struct MessagingPort;

impl GrpcService for MessagingPort {
    type Migrator = store::Migrator;
    type Settings = Settings;
    const EVENT_SINK: bool = false;

    async fn routes(deps: Deps, settings: Settings) -> anyhow::Result<ServiceRoutes> {
        let policy = settings.policy()?;
        let eligibility = deps.downstreams.get("eligibility")?;
        let clients = Clients {
            eligibility: EligibilityServiceClient::new(eligibility.clone()),
            directory: NumberDirectoryServiceClient::new(eligibility),
            profiles: MessagingProfileServiceClient::new(deps.downstreams.get("accounts")?),
        };
        let relay = Relay::new(
            "messaging_port",
            deps.db.clone(),
            deps.clock.clone(),
            &deps.downstreams,
            &["notifier"],
            RelaySettings::default(),
        )?;
        let app = App::new(deps.db, deps.clock, clients, relay.waker(), policy);
        deps.workers.spawn(|shutdown| relay.run(shutdown));
        let monitor = app.clone();
        deps.workers.spawn(|shutdown| monitor.run_work(shutdown));
        let api = grpc::PortingApi::new(app);
        let routes = ServiceRoutes::new()
            .add_service(PortingOrderServiceServer::new(api.clone()))
            .add_service(PortingOperatorServiceServer::new(api.clone()));
        // The simulated porting network exists only with the sandbox on.
        Ok(if deps.sandbox {
            routes.add_service(PortingSandboxServiceServer::new(api))
        } else {
            routes
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_make_a_policy_and_zero_is_refused_naming_the_key() {
        let policy = Settings::default().policy().expect("valid defaults");
        assert_eq!(policy.nnid_watch, TimeDelta::minutes(30));
        let refused = Settings {
            nnid_poll_seconds: 0,
            ..Settings::default()
        }
        .policy()
        .expect_err("refused")
        .to_string();
        assert!(refused.contains("nnid_poll_seconds"), "{refused}");
    }
}
