//! Every service of the suite, one row each: its role name (`textport serve <role>`), its
//! configuration section, the services it calls, and how to migrate and build it. `serve`,
//! `migrate`, `up`, the state file and the test harness all read this list; adding a service
//! is adding its row (callees before callers).

use anyhow::Context as _;
use textport_accounts::Accounts;
use textport_eligibility::Eligibility;
use textport_hosted_order::HostedOrder;
use textport_messaging_port::MessagingPort;
use textport_notifier::Notifier;
use textport_platform::config::{DatabaseConfig, ServiceConfig};
use textport_platform::service::{BoxFuture, Built, BuiltGrpc, GrpcService, Start, migrate};
use textport_transfer_approval::TransferApproval;
use textport_verification::Verification;

use crate::config::Config;

type Build = for<'a> fn(Start, &'a Config) -> BoxFuture<'a, anyhow::Result<Box<dyn Built>>>;

pub struct Role {
    /// `textport serve <name>`, `services.<name>` in Helm (kebab-case).
    pub name: &'static str,
    /// Its configuration section and its key in `[services]` (snake_case).
    pub section: &'static str,
    /// The sections of the services it calls; each gets one long-lived channel, built at boot.
    pub calls: &'static [&'static str],
    /// Whether it serves gRPC (every service but the gateway).
    pub grpc: bool,
    /// Whether outbox relays send it events (it serves `EventSinkService`).
    pub event_sink: bool,
    migrate: for<'a> fn(&'a DatabaseConfig) -> BoxFuture<'a, anyhow::Result<()>>,
    /// Parses the service's own settings from its section, to refuse a bad key at load.
    check_settings: fn(&ServiceConfig) -> anyhow::Result<()>,
    build: Build,
}

/// Callees before callers, so `up` can hand each service its downstreams. The one exception is an
/// event sink that itself calls its caller (transfer decisions flow back to hosted-order): it may
/// come later, and `up` connects that downstream once the sink is built.
pub const ROLES: &[Role] = &[
    grpc::<Accounts>("accounts", "accounts", &[]),
    grpc::<Eligibility>("eligibility", "eligibility", &[]),
    grpc::<Verification>("verification", "verification", &[]),
    grpc::<Notifier>("notifier", "notifier", &["accounts"]),
    grpc::<TransferApproval>(
        "transfer-approval",
        "transfer_approval",
        &["accounts", "notifier", "hosted_order"],
    ),
    grpc::<HostedOrder>(
        "hosted-order",
        "hosted_order",
        &[
            "accounts",
            "eligibility",
            "verification",
            "notifier",
            "transfer_approval",
        ],
    ),
    grpc::<MessagingPort>(
        "messaging-port",
        "messaging_port",
        &["accounts", "eligibility", "notifier"],
    ),
    Role {
        name: "gateway",
        section: "gateway",
        calls: &[
            "accounts",
            "eligibility",
            "verification",
            "notifier",
            "hosted_order",
            "transfer_approval",
            "messaging_port",
        ],
        grpc: false,
        event_sink: false,
        migrate: migrate_boxed::<textport_gateway::Migrator>,
        check_settings: |_| Ok(()),
        build: build_gateway,
    },
];

const fn grpc<S: GrpcService>(
    name: &'static str,
    section: &'static str,
    calls: &'static [&'static str],
) -> Role {
    Role {
        name,
        section,
        calls,
        grpc: true,
        event_sink: S::EVENT_SINK,
        migrate: migrate_boxed::<S::Migrator>,
        check_settings: check_settings::<S>,
        build: build_grpc::<S>,
    }
}

fn migrate_boxed<M: sea_orm_migration::MigratorTrait + 'static>(
    database: &DatabaseConfig,
) -> BoxFuture<'_, anyhow::Result<()>> {
    Box::pin(migrate::<M>(database))
}

fn check_settings<S: GrpcService>(config: &ServiceConfig) -> anyhow::Result<()> {
    config.settings::<S::Settings>()?;
    Ok(())
}

fn build_grpc<S: GrpcService>(
    start: Start,
    _: &Config,
) -> BoxFuture<'_, anyhow::Result<Box<dyn Built>>> {
    Box::pin(async move {
        let built: Box<dyn Built> = Box::new(BuiltGrpc::build::<S>(start).await?);
        Ok(built)
    })
}

fn build_gateway(start: Start, config: &Config) -> BoxFuture<'_, anyhow::Result<Box<dyn Built>>> {
    Box::pin(async move {
        let operator = config.operator.key_hash()?;
        let built: Box<dyn Built> = Box::new(
            textport_gateway::Gateway::build(
                start,
                config.gateway.admin_listen,
                &config.gateway,
                operator,
            )
            .await?,
        );
        Ok(built)
    })
}

impl Role {
    pub fn find(name: &str) -> anyhow::Result<&'static Role> {
        ROLES
            .iter()
            .find(|role| role.name == name)
            .with_context(|| {
                let names: Vec<&str> = ROLES.iter().map(|role| role.name).collect();
                format!(
                    "unknown service {name:?}; the services are: {}",
                    names.join(", ")
                )
            })
    }

    /// Where it listens and keeps its data, from its configuration section.
    pub fn service_config(&self, config: &Config) -> ServiceConfig {
        if self.grpc {
            config
                .sections
                .get(self.section)
                .cloned()
                .unwrap_or_else(|| ServiceConfig::default_for(self.section))
        } else {
            config.gateway.service()
        }
    }

    /// Refuses a section whose service-specific keys do not parse, naming the section.
    pub fn check_settings(&self, config: &Config) -> anyhow::Result<()> {
        (self.check_settings)(&self.service_config(config))
            .with_context(|| format!("in section [{}]", self.section))
    }

    pub async fn migrate(&self, database: &DatabaseConfig) -> anyhow::Result<()> {
        (self.migrate)(database)
            .await
            .with_context(|| format!("migrating {}", self.name))
    }

    pub async fn build(&self, start: Start, config: &Config) -> anyhow::Result<Box<dyn Built>> {
        (self.build)(start, config)
            .await
            .with_context(|| format!("starting {}", self.name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sections_and_call_order_are_consistent() {
        for (i, role) in ROLES.iter().enumerate() {
            assert_eq!(role.section, role.name.replace('-', "_"), "{}", role.name);
            for callee in role.calls {
                let earlier = ROLES[..i]
                    .iter()
                    .any(|earlier| earlier.section == *callee && earlier.grpc);
                let later_sink = ROLES[i..]
                    .iter()
                    .any(|later| later.section == *callee && later.event_sink);
                assert!(
                    earlier || later_sink,
                    "{} calls {callee}, which must be a gRPC service listed before it, or an \
                     event sink (its relay's destination) listed after it",
                    role.name
                );
            }
        }
        let mut names: Vec<&str> = ROLES.iter().map(|role| role.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ROLES.len());
    }
}
