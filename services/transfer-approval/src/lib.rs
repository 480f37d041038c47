//! The transfer-approval service: the holder's decision on an internal transfer of hosted
//! numbers. Hosted-order opens one request per holder (`OpenTransfers` to this service's event
//! sink); the holder gets a one-time token by e-mail (through the notifier) and approves or
//! rejects with it within the approval window; when the window lapses, the sweeper approves it
//! automatically (or rejects it, by the holder's policy), exactly once. A holder's policy may
//! also approve requests as they open. Every change goes back to hosted-order as
//! `TransferChanged`.

mod app;
pub mod domain;
mod error;
mod events;
mod grpc;
pub mod store;

use std::time::Duration;

use anyhow::Context as _;
use serde::Deserialize;
use textport_platform::outbox::{Relay, RelaySettings};
use textport_platform::service::{Deps, GrpcService, ServiceRoutes};
use textport_proto::events::v1::event_sink_service_server::EventSinkServiceServer;
use textport_proto::transfer_approval::v1::transfer_approval_service_server::TransferApprovalServiceServer;
use url::Url;

pub use error::Error;

use domain::MAX_WINDOW_HOURS;

/// `[transfer_approval]` keys beside `listen` and `database`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// How long a holder has to decide; then the transfer is approved automatically.
    pub approval_window_hours: u64,
    /// The page the holder's e-mail links to; `order_id` and `token` are added to its query.
    pub approval_page_url: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            approval_window_hours: 72,
            approval_page_url: "http://localhost:8080/approve".to_owned(),
        }
    }
}

impl Settings {
    fn policy(&self) -> anyhow::Result<app::Policy> {
        let window_hours = u32::try_from(self.approval_window_hours)
            .ok()
            .filter(|hours| (1..=MAX_WINDOW_HOURS).contains(hours))
            .with_context(|| {
                format!("transfer_approval.approval_window_hours must be 1 to {MAX_WINDOW_HOURS}")
            })?;
        let approval_page =
            Url::parse(&self.approval_page_url).context("transfer_approval.approval_page_url")?;
        anyhow::ensure!(
            matches!(approval_page.scheme(), "http" | "https"),
            "transfer_approval.approval_page_url must be an http or https URL"
        );
        Ok(app::Policy {
            window_hours,
            approval_page,
            sweep_poll: Duration::from_millis(500),
            lease: Duration::from_secs(60),
        })
    }
}

/// The service's entry point for the registry.
pub struct TransferApproval;

impl GrpcService for TransferApproval {
    type Migrator = store::Migrator;
    type Settings = Settings;
    /// Hosted-order opens and cancels transfers through its outbox.
    const EVENT_SINK: bool = true;

    async fn routes(deps: Deps, settings: Settings) -> anyhow::Result<ServiceRoutes> {
        let policy = settings.policy()?;
        let relay = Relay::new(
            "transfer_approval",
            deps.db.clone(),
            deps.clock.clone(),
            &deps.downstreams,
            &["notifier", "hosted_order"],
            RelaySettings::default(),
        )?;
        let app = app::App::new(deps.db, deps.clock, relay.waker(), policy);
        deps.workers.spawn(|shutdown| relay.run(shutdown));
        let sweeper = app.clone();
        deps.workers.spawn(|shutdown| sweeper.run_windows(shutdown));
        let api = grpc::TransferApprovalApi::new(app);
        Ok(ServiceRoutes::new()
            .add_service(EventSinkServiceServer::new(api.clone()))
            .add_service(TransferApprovalServiceServer::new(api)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_make_a_72_hour_window_and_a_local_page() {
        let policy = Settings::default().policy().expect("valid defaults");
        assert_eq!(policy.window_hours, 72);
        assert_eq!(
            policy.approval_page.as_str(),
            "http://localhost:8080/approve"
        );
    }

    #[test]
    fn windows_out_of_range_and_pages_that_are_not_web_pages_are_refused() {
        let refused = |settings: Settings| settings.policy().expect_err("refused").to_string();
        for hours in [0, u64::from(MAX_WINDOW_HOURS) + 1, u64::MAX] {
            assert!(
                refused(Settings {
                    approval_window_hours: hours,
                    ..Settings::default()
                })
                .contains("approval_window_hours")
            );
        }
        for url in ["not a url", "mailto:holder@example.com"] {
            assert!(
                refused(Settings {
                    approval_page_url: url.to_owned(),
                    ..Settings::default()
                })
                .contains("approval_page_url")
            );
        }
    }
}
