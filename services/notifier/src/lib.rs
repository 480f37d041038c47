//! The notifier: takes events from every service's outbox relay (each once, by id), resolves
//! where they go through accounts, and delivers them as Ed25519-signed webhooks with failover and
//! retries, as e-mails and as portal notices; it answers what was delivered.

mod app;
pub mod domain;
mod error;
mod grpc;
mod http;
mod mail;
mod signing;
pub mod store;

use std::sync::Arc;
use std::time::Duration;

use sea_orm::DatabaseConnection;
use serde::Deserialize;
use textport_domain::SharedClock;
use textport_platform::service::{Deps, GrpcService, ServiceRoutes};
use textport_proto::events::v1::event_sink_service_server::EventSinkServiceServer;
use textport_proto::notifier::v1::notifier_sandbox_service_server::NotifierSandboxServiceServer;
use textport_proto::notifier::v1::notifier_service_server::NotifierServiceServer;

pub use error::Error;

use crate::mail::{Email, Mailer, Smtp};
use crate::signing::WebhookSigner;

/// `[notifier]` keys beside `listen` and `database`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Base64 of a 32-byte Ed25519 seed (a Kubernetes Secret), so every replica signs alike;
    /// empty: a key generated once and kept in the notifier's database.
    pub signing_key: String,
    /// `smtp://host:port`, `smtps://user:pass@host`; empty: the sandbox mailbox with the sandbox
    /// on, otherwise e-mails wait in the queue until it is set.
    pub smtp_url: String,
    pub mail_from: String,
    /// An answer slower than this is a failed attempt.
    pub webhook_timeout_ms: u64,
    /// The first retry of a failed round waits about this long; each next one twice as long.
    pub retry_base_ms: u64,
    pub retry_cap_secs: u64,
    /// How long a delivery is retried before it is `failed`.
    pub retry_horizon_secs: u64,
    /// Webhook deliveries in flight at once, per replica.
    pub concurrency: usize,
    /// Deliver to loopback, link-local and private addresses even with the sandbox off.
    pub allow_private_targets: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            signing_key: String::new(),
            smtp_url: String::new(),
            mail_from: "textport <notifications@textport.invalid>".to_owned(),
            webhook_timeout_ms: 2_000,
            retry_base_ms: 5_000,
            retry_cap_secs: 3_600,
            retry_horizon_secs: 24 * 3_600,
            concurrency: 32,
            allow_private_targets: false,
        }
    }
}

/// The service's entry point for the registry.
pub struct Notifier;

impl GrpcService for Notifier {
    type Migrator = store::Migrator;
    type Settings = Settings;
    const EVENT_SINK: bool = true;

    async fn routes(deps: Deps, settings: Settings) -> anyhow::Result<ServiceRoutes> {
        anyhow::ensure!(
            settings.concurrency > 0,
            "notifier.concurrency must be at least 1"
        );
        let mailer: Arc<dyn Mailer> = if !settings.smtp_url.is_empty() {
            Arc::new(Smtp::new(&settings.smtp_url, &settings.mail_from)?)
        } else if deps.sandbox {
            Arc::new(SandboxMailbox {
                db: deps.db.clone(),
                clock: deps.clock.clone(),
            })
        } else {
            tracing::warn!("notifier.smtp_url is not set: e-mails wait in the queue until it is");
            Arc::new(NoMailer)
        };
        let signer = if settings.signing_key.is_empty() {
            let seed =
                store::signing_seed(&deps.db, WebhookSigner::generate_seed()?, deps.clock.now())
                    .await?;
            let seed: [u8; 32] = seed
                .try_into()
                .map_err(|_| anyhow::anyhow!("the stored signing key is not 32 bytes"))?;
            WebhookSigner::from_seed(seed)
        } else {
            WebhookSigner::from_base64_seed(&settings.signing_key)
                .map_err(|error| anyhow::anyhow!("notifier.signing_key: {error}"))?
        };
        let http = http::WebhookClient::new(
            Duration::from_millis(settings.webhook_timeout_ms),
            !(deps.sandbox || settings.allow_private_targets),
        )?;
        let policy = app::Policy {
            retry_base: Duration::from_millis(settings.retry_base_ms),
            retry_cap: Duration::from_secs(settings.retry_cap_secs),
            retry_horizon: Duration::from_secs(settings.retry_horizon_secs),
            concurrency: settings.concurrency,
            poll: Duration::from_millis(250),
            lease: Duration::from_secs(60),
        };
        let accounts = deps.downstreams.get("accounts")?;
        let app = app::App::new(deps.db, deps.clock, accounts, signer, http, mailer, policy);
        let deliveries = app.clone();
        deps.workers
            .spawn(|shutdown| deliveries.run_deliveries(shutdown));
        let emails = app.clone();
        deps.workers.spawn(|shutdown| emails.run_emails(shutdown));
        let api = grpc::NotifierApi::new(app);
        let routes = ServiceRoutes::new()
            .add_service(EventSinkServiceServer::new(api.clone()))
            .add_service(NotifierServiceServer::new(api.clone()));
        Ok(if deps.sandbox {
            routes.add_service(NotifierSandboxServiceServer::new(api))
        } else {
            routes
        })
    }
}

/// Without an SMTP server outside the sandbox, every send fails, so e-mails stay queued (and are
/// retried) instead of being dropped.
struct NoMailer;

#[async_trait::async_trait]
impl Mailer for NoMailer {
    async fn send(&self, _: &Email) -> anyhow::Result<()> {
        anyhow::bail!("no SMTP server is configured (notifier.smtp_url)")
    }
}

/// The sandbox mailer: every e-mail lands in the mailbox the sandbox API reads.
struct SandboxMailbox {
    db: DatabaseConnection,
    clock: SharedClock,
}

#[async_trait::async_trait]
impl Mailer for SandboxMailbox {
    async fn send(&self, email: &Email) -> anyhow::Result<()> {
        store::put_in_mailbox(&self.db, email, self.clock.now()).await?;
        Ok(())
    }
}
