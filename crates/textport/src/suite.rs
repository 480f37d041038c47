//! `textport up`: every service in one process, each on its own loopback port and database,
//! talking real gRPC to the others, plus demo accounts and sandbox numbers.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use serde::Serialize;
use textport_accounts::Accounts;
use textport_domain::{E164, SharedClock};
use textport_eligibility::Eligibility;
use textport_gateway::{Downstreams, Gateway};
use textport_platform::CancellationToken;
use textport_platform::client::{channel, in_process};
use textport_platform::config::{DatabaseConfig, ServiceConfig};
use textport_platform::db::Schema;
use textport_proto::accounts::v1::account_service_client::AccountServiceClient;
use textport_proto::accounts::v1::{EnsureAccountRequest, IssueApiKeyRequest};
use textport_proto::eligibility::v1::directory_sandbox_service_client::DirectorySandboxServiceClient;
use textport_proto::eligibility::v1::{Holding, SeedNumberRequest, SeedNumbersRequest};
use tokio::task::JoinSet;

use crate::config::{Config, DemoAccount};

const LOOPBACK_ANY_PORT: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 0);

/// How the gateway reaches the services.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Real gRPC over loopback, each service on its own port: what `up` runs.
    Grpc,
    /// Each service's handlers called in the gateway's process: the same work without the network
    /// hops, the baseline the throughput benchmark compares against.
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

/// The services that keep a database.
const DATABASES: [&str; 2] = ["accounts", "eligibility"];

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
        for service in DATABASES {
            textport_platform::db::discard(&self.database(service)).await?;
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
}

/// What scripts need to drive a running suite (`--state-file`).
#[derive(Debug, Clone, Serialize)]
pub struct SuiteState {
    pub gateway_url: String,
    pub api_base_url: String,
    pub sandbox_url: Option<String>,
    pub services: BTreeMap<&'static str, String>,
    pub accounts: Vec<DemoAccountState>,
}

/// A running suite. Dropping it does not stop it: call [`Suite::stop`].
pub struct Suite {
    pub state: SuiteState,
    shutdown: CancellationToken,
    tasks: JoinSet<anyhow::Result<()>>,
}

impl Suite {
    /// Builds every service (bound, migrated), starts them, provisions the demo accounts.
    /// `gateway_listen` may use port 0.
    pub async fn start(
        config: &Config,
        storage: &Storage,
        gateway_listen: SocketAddr,
        clock: SharedClock,
        transport: Transport,
    ) -> anyhow::Result<Self> {
        config.demo.validate()?;
        let sandbox = config.sandbox.enabled_in_up();
        let service = |name: &str| ServiceConfig {
            listen: LOOPBACK_ANY_PORT,
            database: storage.database(name),
        };
        let [accounts_db, eligibility_db] = DATABASES;
        let accounts = Accounts::build(&service(accounts_db), clock.clone(), Schema::Migrate)
            .await
            .context("starting accounts")?;
        let eligibility =
            Eligibility::build(&service(eligibility_db), clock, sandbox, Schema::Migrate)
                .await
                .context("starting eligibility")?;
        let url = |addr: SocketAddr| format!("http://{addr}");
        let gateway_config = textport_gateway::Config {
            listen: gateway_listen,
            accounts_url: url(accounts.local_addr()),
            eligibility_url: url(eligibility.local_addr()),
            ..config.gateway.clone()
        };
        let downstreams = match transport {
            Transport::Grpc => Downstreams {
                accounts: channel(&gateway_config.accounts_url)?,
                eligibility: channel(&gateway_config.eligibility_url)?,
            },
            Transport::InProcess => Downstreams {
                accounts: in_process(accounts.routes()),
                eligibility: in_process(eligibility.routes()),
            },
        };
        let gateway = Gateway::with_downstreams(&gateway_config, sandbox, downstreams.clone())
            .await
            .context("starting gateway")?;
        let gateway_url = url(gateway.local_addr()?);
        let mut services = BTreeMap::from([("gateway", gateway.local_addr()?.to_string())]);

        let shutdown = CancellationToken::new();
        let mut tasks = JoinSet::new();
        if transport == Transport::Grpc {
            services.insert("accounts", accounts.local_addr().to_string());
            services.insert("eligibility", eligibility.local_addr().to_string());
            tasks.spawn(accounts.run_until_stopped(shutdown.clone()));
            tasks.spawn(eligibility.run_until_stopped(shutdown.clone()));
        }
        tasks.spawn(gateway.run_until_stopped(shutdown.clone()));

        let mut suite = Self {
            state: SuiteState {
                api_base_url: format!("{gateway_url}/v2"),
                sandbox_url: sandbox.then(|| format!("{gateway_url}/sandbox/v1")),
                gateway_url,
                services,
                accounts: Vec::new(),
            },
            shutdown,
            tasks,
        };
        match provision_demo(config, &downstreams, sandbox).await {
            Ok(accounts) => suite.state.accounts = accounts,
            Err(error) => {
                suite.stop().await?;
                return Err(error.context("provisioning demo accounts"));
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

/// Demo accounts through the accounts API, their numbers through the sandbox directory API:
/// the same calls any client could make.
async fn provision_demo(
    config: &Config,
    downstreams: &Downstreams,
    sandbox: bool,
) -> anyhow::Result<Vec<DemoAccountState>> {
    let mut accounts = AccountServiceClient::new(downstreams.accounts.clone());
    let mut directory = DirectorySandboxServiceClient::new(downstreams.eligibility.clone());
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
        let api_key = accounts
            .issue_api_key(IssueApiKeyRequest {
                account_id: account.id.clone(),
                label: "demo".to_owned(),
                api_key: demo.api_key.clone(),
            })
            .await
            .with_context(|| format!("issuing the key of demo account {:?}", demo.name))?
            .into_inner()
            .api_key;
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
            api_key,
            numbers: range,
        });
    }
    Ok(provisioned)
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
