//! `textport up`: every service in one process, each on its own loopback port and database,
//! talking real gRPC to the others, plus demo accounts and sandbox numbers.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use serde::Serialize;
use textport_domain::{ApiKey, E164, OffsetClock, SharedClock, SystemClock};
use textport_platform::CancellationToken;
use textport_platform::client::{Downstream, channel, deferred, in_process};
use textport_platform::config::{DatabaseConfig, ServiceConfig};
use textport_platform::db::Schema;
use textport_platform::metrics::MetricsServer;
use textport_platform::secret::new_api_key;
use textport_platform::service::{Built, Downstreams, Start};
use textport_proto::accounts::v1::account_service_client::AccountServiceClient;
use textport_proto::accounts::v1::notification_service_client::NotificationServiceClient;
use textport_proto::accounts::v1::{
    CreateNotificationChannelRequest, CreateNotificationProfileRequest,
    CreateNotificationSettingRequest, EnsureAccountRequest, IssueApiKeyRequest,
    ListNotificationProfilesRequest, NotificationChannelType,
};
use textport_proto::eligibility::v1::directory_sandbox_service_client::DirectorySandboxServiceClient;
use textport_proto::eligibility::v1::{Holding, SeedNumberRequest, SeedNumbersRequest};
use textport_proto::notifier::v1::GetWebhookPublicKeyRequest;
use textport_proto::notifier::v1::notifier_service_client::NotifierServiceClient;
use tokio::task::JoinSet;

use crate::config::{Config, DemoAccount, sha256_hex};
use crate::registry::{ROLES, Role};

const LOOPBACK_ANY_PORT: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 0);

/// The business clock `up` gives every service: with the sandbox on, one clock the sandbox API
/// moves forward for all of them at once; without it, the wall clock.
pub fn business_clock(config: &Config) -> SharedClock {
    if config.sandbox.enabled_in_up() {
        Arc::new(OffsetClock::new())
    } else {
        Arc::new(SystemClock)
    }
}

/// How the services reach each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Real gRPC over loopback, each service on its own port: what `up` runs.
    Grpc,
    /// Each service's handlers called in its caller's process: the same work without the
    /// network hops, the baseline the throughput benchmark compares against.
    InProcess,
}

/// Where the suite's databases live.
#[derive(Debug, Clone)]
pub enum Storage {
    /// A SQLite file per service in this directory.
    SqliteDir(PathBuf),
    /// One PostgreSQL database, a schema per service named `<prefix>_<service>`.
    Postgres { url: String, schema_prefix: String },
}

impl Storage {
    /// Fresh, empty storage for one test or benchmark run: PostgreSQL schemas
    /// `<tag><run id>_<service>` when `TEXTPORT_TEST_DATABASE_URL` is set, else a new SQLite
    /// directory under the system's temporary directory.
    pub fn fresh(tag: &str) -> Self {
        let run = uuid::Uuid::new_v4().simple().to_string();
        match std::env::var("TEXTPORT_TEST_DATABASE_URL") {
            Ok(url) if !url.is_empty() => Storage::Postgres {
                url,
                schema_prefix: format!("{tag}{}", &run[..12]),
            },
            _ => Storage::SqliteDir(std::env::temp_dir().join(format!("textport-{tag}-{run}"))),
        }
    }

    /// Deletes every service's data (test teardown).
    pub async fn discard(&self) -> anyhow::Result<()> {
        for role in ROLES {
            textport_platform::db::discard(&self.database(role.section)).await?;
        }
        if let Storage::SqliteDir(dir) = self {
            let _ = std::fs::remove_dir(dir);
        }
        Ok(())
    }

    pub fn database(&self, service: &str) -> DatabaseConfig {
        match self {
            Storage::SqliteDir(dir) => {
                DatabaseConfig::sqlite_file(&dir.join(format!("{service}.db")))
            }
            Storage::Postgres { url, schema_prefix } => DatabaseConfig {
                url: url.clone(),
                schema: Some(format!("{schema_prefix}_{service}")),
                max_connections: 8,
            },
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DemoAccountState {
    pub name: String,
    pub id: String,
    pub api_key: String,
    pub numbers: String,
    /// Where its internal-transfer requests are e-mailed (the sandbox mailbox in `up`).
    pub email: String,
}

/// What scripts need to drive a running suite (`--state-file`).
#[derive(Debug, Clone, Serialize)]
pub struct SuiteState {
    /// The public listener (`/v2/…`).
    pub gateway_url: String,
    /// The gateway's admin listener: the operator and sandbox APIs.
    pub admin_url: String,
    pub api_base_url: String,
    pub sandbox_url: Option<String>,
    pub operator_url: String,
    /// The operator API's key (`Authorization: Bearer …` on `/operator/v1/…`).
    pub operator_api_key: String,
    /// Each service's address, by role.
    pub services: BTreeMap<&'static str, String>,
    pub accounts: Vec<DemoAccountState>,
    /// Base64 of the raw 32-byte Ed25519 key that verifies our webhooks (the SDKs' `public_key`).
    pub webhook_public_key: String,
    /// `GET` it for every service's metrics (Prometheus text format).
    pub metrics_url: String,
}

/// A running suite. Dropping it does not stop it: call [`Suite::stop`].
pub struct Suite {
    pub state: SuiteState,
    shutdown: CancellationToken,
    tasks: JoinSet<anyhow::Result<()>>,
}

impl Suite {
    /// Builds every service of the registry (migrated, bound) in order, each with channels to
    /// the services it calls, starts them, and provisions the demo accounts. `gateway_listen`
    /// may use port 0. `clock` is every service's business time; an
    /// [`textport_domain::OffsetClock`] (what `up` passes with the sandbox on) is one the sandbox
    /// API moves forward. The gateway is built first: its bound address is what the holder's
    /// approval e-mail links to (`transfer_approval.approval_page_url`, unless configured), and
    /// it calls nothing before it serves, so its channels are connected once the rest is built.
    pub async fn start(
        config: &Config,
        storage: &Storage,
        gateway_listen: SocketAddr,
        clock: SharedClock,
        transport: Transport,
    ) -> anyhow::Result<Self> {
        let operator_key = match &config.demo.operator_api_key {
            Some(key) => ApiKey::parse(key)
                .map_err(|error| anyhow::anyhow!("demo.operator_api_key: {error}"))?,
            None => new_api_key()?,
        };
        let mut config = config.clone();
        config.operator.api_key_sha256 = Some(sha256_hex(&operator_key));
        // The operator and sandbox APIs' listener, on loopback like every service of `up`.
        config.gateway.admin_listen = LOOPBACK_ANY_PORT;
        config.validate()?;
        let sandbox = config.sandbox.enabled_in_up();

        let mut built: Vec<(&Role, Box<dyn Built>)> = Vec::with_capacity(ROLES.len());
        let mut reachable = Downstreams::default();
        let mut later = Vec::new();
        let gateway_first = ROLES
            .iter()
            .filter(|role| !role.grpc)
            .chain(ROLES.iter().filter(|role| role.grpc));
        for role in gateway_first {
            let mut downstreams = Downstreams::default();
            for callee in role.calls {
                let downstream = match reachable.get(callee) {
                    Ok(downstream) => downstream,
                    // An event sink built later (see the registry's order rule).
                    Err(_) => {
                        let (downstream, target) = deferred();
                        later.push((callee, target));
                        downstream
                    }
                };
                downstreams.insert(callee, downstream);
            }
            let listen = if role.grpc {
                LOOPBACK_ANY_PORT
            } else {
                gateway_listen
            };
            let start = Start {
                config: ServiceConfig {
                    listen,
                    database: storage.database(role.section),
                    ..role.service_config(&config)
                },
                // `up` talks plaintext on loopback.
                tls: None,
                schema: Schema::Migrate,
                clock: clock.clone(),
                sandbox,
                downstreams,
            };
            let service = role.build(start, &config).await?;
            if !role.grpc {
                link_approval_page(&mut config, service.local_addr());
            }
            if let Some(routes) = service.routes() {
                let downstream: Downstream = match transport {
                    Transport::Grpc => channel(&format!("http://{}", service.local_addr()))?,
                    Transport::InProcess => in_process(routes),
                };
                reachable.insert(role.section, downstream);
            }
            built.push((role, service));
        }
        for (callee, target) in later {
            target.set(reachable.get(callee)?);
        }

        let shutdown = CancellationToken::new();
        let mut tasks = JoinSet::new();
        let mut services = BTreeMap::new();
        let mut admin = None;
        for (role, service) in built {
            admin = admin.or(service.admin_addr());
            // In process, a service that others call is reached through its routes, not served.
            let called = ROLES
                .iter()
                .any(|caller| caller.calls.contains(&role.section));
            if transport == Transport::Grpc || !called {
                services.insert(role.name, service.local_addr().to_string());
                tasks.spawn(service.run(shutdown.clone()));
            }
        }
        let gateway_url = format!("http://{}", services.get("gateway").context("no gateway")?);
        let admin_url = format!("http://{}", admin.context("no admin listener")?);
        // One registry per process, so one endpoint for every service `up` runs.
        let metrics = MetricsServer::bind(LOOPBACK_ANY_PORT).await?;
        let metrics_url = format!("http://{}/metrics", metrics.local_addr()?);
        tasks.spawn({
            let shutdown = shutdown.clone();
            async move { Ok(metrics.run(shutdown).await?) }
        });
        let mut suite = Self {
            state: SuiteState {
                api_base_url: format!("{gateway_url}/v2"),
                sandbox_url: sandbox.then(|| format!("{admin_url}/sandbox/v1")),
                operator_url: format!("{admin_url}/operator/v1"),
                admin_url,
                operator_api_key: operator_key.expose().to_owned(),
                gateway_url,
                services,
                accounts: Vec::new(),
                webhook_public_key: String::new(),
                metrics_url,
            },
            shutdown,
            tasks,
        };
        match provision_demo(&config, &reachable, sandbox).await {
            Ok(accounts) => suite.state.accounts = accounts,
            Err(error) => {
                suite.stop().await?;
                return Err(error.context("provisioning demo accounts"));
            }
        }
        match webhook_public_key(&reachable).await {
            Ok(key) => suite.state.webhook_public_key = key,
            Err(error) => {
                suite.stop().await?;
                return Err(error.context("reading the webhook public key"));
            }
        }
        Ok(suite)
    }

    /// Runs until `signal` resolves or a service fails, then stops everything.
    pub async fn run_until(
        mut self,
        signal: impl std::future::Future<Output = ()>,
    ) -> anyhow::Result<()> {
        let failed = tokio::select! {
            () = signal => None,
            Some(ended) = self.tasks.join_next() => Some(ended),
        };
        self.shutdown.cancel();
        let mut result = match failed {
            Some(Ok(Ok(()))) => Err(anyhow::anyhow!("a service stopped unexpectedly")),
            Some(Ok(Err(error))) => Err(error),
            Some(Err(panic)) => Err(anyhow::anyhow!("a service panicked: {panic}")),
            None => Ok(()),
        };
        while let Some(ended) = self.tasks.join_next().await {
            if let (Ok(()), Ok(Err(error))) = (&result, ended) {
                result = Err(error);
            }
        }
        result
    }

    /// Stops every service gracefully and waits for them.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        while let Some(ended) = self.tasks.join_next().await {
            ended??;
        }
        Ok(())
    }
}

/// Points the holder's approval link at the gateway's page, unless the configuration names a
/// page of its own.
fn link_approval_page(config: &mut Config, gateway: SocketAddr) {
    const KEY: &str = "approval_page_url";
    let section = config
        .sections
        .entry("transfer_approval".to_owned())
        .or_insert_with(|| ServiceConfig::default_for("transfer_approval"));
    if !section.settings.contains_key(KEY) {
        section
            .settings
            .insert(KEY.to_owned(), format!("http://{gateway}/approve").into());
    }
}

async fn webhook_public_key(reachable: &Downstreams) -> anyhow::Result<String> {
    Ok(NotifierServiceClient::new(reachable.get("notifier")?)
        .get_webhook_public_key(GetWebhookPublicKeyRequest {})
        .await?
        .into_inner()
        .public_key)
}

/// Demo accounts through the accounts API, their numbers through the sandbox directory API:
/// the same calls any client could make. Keys are made here; accounts receives their hashes.
async fn provision_demo(
    config: &Config,
    reachable: &Downstreams,
    sandbox: bool,
) -> anyhow::Result<Vec<DemoAccountState>> {
    let mut accounts = AccountServiceClient::new(reachable.get("accounts")?);
    let mut directory = DirectorySandboxServiceClient::new(reachable.get("eligibility")?);
    let mut notifications = NotificationServiceClient::new(reachable.get("accounts")?);
    let mut provisioned = Vec::with_capacity(config.demo.accounts.len());
    for demo in &config.demo.accounts {
        let account = accounts
            .ensure_account(EnsureAccountRequest {
                name: demo.name.clone(),
            })
            .await?
            .into_inner()
            .account
            .context("accounts answered without an account")?;
        let api_key = match &demo.api_key {
            Some(key) => ApiKey::parse(key).map_err(|e| anyhow::anyhow!("{e}"))?,
            None => new_api_key()?,
        };
        accounts
            .issue_api_key(IssueApiKeyRequest {
                account_id: account.id.clone(),
                label: "demo".to_owned(),
                api_key_sha256: api_key.hash().as_bytes().to_vec(),
                replace_label: true,
            })
            .await
            .with_context(|| format!("issuing the key of demo account {:?}", demo.name))?;
        let email = format!("{}@demo.textport.invalid", demo.name);
        if config.demo.transfer_request_emails {
            notify_transfer_requests(&mut notifications, &account.id, &email)
                .await
                .with_context(|| {
                    format!("the notification settings of demo account {:?}", demo.name)
                })?;
        }
        let numbers = demo_numbers(demo)?;
        if sandbox && !numbers.is_empty() {
            let seeds = numbers
                .iter()
                .map(|number| SeedNumberRequest {
                    phone_number: number.to_string(),
                    holding: Some(Holding::Account as i32),
                    holder_account_id: Some(account.id.clone()),
                    transferable: Some(true),
                    ..SeedNumberRequest::default()
                })
                .collect();
            directory
                .seed_numbers(SeedNumbersRequest { numbers: seeds })
                .await?;
        }
        let range = match (numbers.first(), numbers.last()) {
            (Some(first), Some(last)) if sandbox => format!("{first}–{last}"),
            _ => String::new(),
        };
        provisioned.push(DemoAccountState {
            name: account.name,
            id: account.id,
            api_key: api_key.expose().to_owned(),
            numbers: range,
            email,
        });
    }
    Ok(provisioned)
}

/// The internal-transfer public id of `NotificationEventCondition::InternalTransferRequests`.
const INTERNAL_TRANSFER_REQUESTS: &str = "1f14102b-5920-4180-94bf-cea1fbfbf11d";

/// Gives a demo account, once, an e-mail channel for internal-transfer requests, so a holder's
/// approval e-mail has somewhere to go. An account that has notification profiles is left as
/// its owner set it up.
async fn notify_transfer_requests(
    notifications: &mut NotificationServiceClient<Downstream>,
    account: &str,
    email: &str,
) -> anyhow::Result<()> {
    let existing = notifications
        .list_notification_profiles(ListNotificationProfilesRequest {
            account_id: account.to_owned(),
            page: None,
        })
        .await?
        .into_inner();
    if !existing.profiles.is_empty() {
        return Ok(());
    }
    let profile = notifications
        .create_notification_profile(CreateNotificationProfileRequest {
            account_id: account.to_owned(),
            name: "demo".to_owned(),
        })
        .await?
        .into_inner()
        .profile
        .context("accounts answered without a profile")?;
    let channel = notifications
        .create_notification_channel(CreateNotificationChannelRequest {
            account_id: account.to_owned(),
            notification_profile_id: profile.id.clone(),
            channel_type: NotificationChannelType::Email as i32,
            channel_destination: email.to_owned(),
        })
        .await?
        .into_inner()
        .channel
        .context("accounts answered without a channel")?;
    notifications
        .create_notification_setting(CreateNotificationSettingRequest {
            account_id: account.to_owned(),
            notification_profile_id: profile.id,
            notification_channel_id: Some(channel.id),
            notification_event_condition_id: INTERNAL_TRANSFER_REQUESTS.to_owned(),
        })
        .await?;
    Ok(())
}

/// `number_count` consecutive numbers from `first_number`.
fn demo_numbers(demo: &DemoAccount) -> anyhow::Result<Vec<E164>> {
    let first = E164::parse(&demo.first_number)
        .map_err(|e| anyhow::anyhow!("demo.accounts {:?}: first_number: {e}", demo.name))?;
    let start: u64 = first.as_str()[1..].parse()?;
    (0..u64::from(demo.number_count))
        .map(|i| {
            E164::parse(&format!("+{}", start + i))
                .map_err(|e| anyhow::anyhow!("demo.accounts {:?}: number {i}: {e}", demo.name))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(config: &Config) -> Option<String> {
        config.sections["transfer_approval"]
            .settings
            .get("approval_page_url")
            .and_then(|value| value.as_str().map(str::to_owned))
    }

    #[test]
    fn the_approval_link_points_at_the_gateway_unless_configured() {
        let gateway: SocketAddr = "127.0.0.1:4321".parse().expect("address");
        let mut config = Config::default();
        link_approval_page(&mut config, gateway);
        assert_eq!(
            page(&config).as_deref(),
            Some("http://127.0.0.1:4321/approve")
        );

        let mut configured = Config::default();
        configured
            .sections
            .get_mut("transfer_approval")
            .expect("a section")
            .settings
            .insert(
                "approval_page_url".to_owned(),
                "https://portal.example/approve".into(),
            );
        link_approval_page(&mut configured, gateway);
        assert_eq!(
            page(&configured).as_deref(),
            Some("https://portal.example/approve")
        );
    }
}
