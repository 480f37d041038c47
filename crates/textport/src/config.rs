//! The whole configuration: one section per service plus the suite-wide ones. Every key has a
//! default (`textport up` needs no file); see README.md for the keys.

use std::collections::BTreeMap;

use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use textport_domain::{ApiKey, ApiKeyHash};
use textport_platform::config::{ServiceConfig, TelemetryConfig};
use textport_platform::tls::TlsFiles;

use crate::registry::ROLES;

/// Besides the sections named here, one section per gRPC service of the registry (`[accounts]`,
/// `[hosted_order]`, …) with its `listen` address and `database`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct Config {
    pub telemetry: TelemetryConfig,
    pub sandbox: SandboxConfig,
    pub operator: OperatorConfig,
    /// Where each service is reached, by section: `hosted_order = "http://hosted-order:50051"`.
    pub services: BTreeMap<String, String>,
    pub gateway: textport_gateway::Config,
    pub metrics: MetricsConfig,
    /// Mutual TLS between services (`serve`); off unless all three files are given.
    pub tls: TlsFiles,
    pub demo: DemoConfig,
    /// The gRPC services' own sections; a section the registry does not know is refused by
    /// [`Config::validate`] (serde cannot deny unknown keys beside a flattened map).
    #[serde(flatten)]
    pub sections: BTreeMap<String, ServiceConfig>,
}

impl Default for Config {
    fn default() -> Self {
        let grpc = || ROLES.iter().filter(|role| role.grpc);
        Self {
            telemetry: TelemetryConfig::default(),
            sandbox: SandboxConfig::default(),
            operator: OperatorConfig::default(),
            services: grpc()
                .map(|role| {
                    (
                        role.section.to_owned(),
                        format!("http://{}:50051", role.name),
                    )
                })
                .collect(),
            gateway: textport_gateway::Config::default(),
            metrics: MetricsConfig::default(),
            tls: TlsFiles::default(),
            demo: DemoConfig::default(),
            sections: grpc()
                .map(|role| {
                    (
                        role.section.to_owned(),
                        ServiceConfig::default_for(role.section),
                    )
                })
                .collect(),
        }
    }
}

impl Config {
    /// What serde could not check: every section and `services` key names a service of the
    /// registry, the operator key hash parses, and the demo accounts make sense.
    pub fn validate(&self) -> anyhow::Result<()> {
        let known = |section: &str| ROLES.iter().any(|r| r.grpc && r.section == section);
        for section in self.sections.keys() {
            anyhow::ensure!(
                known(section),
                "configuration error: unknown section [{section}]"
            );
        }
        for section in self.services.keys() {
            anyhow::ensure!(
                known(section),
                "configuration error: services.{section} names no service"
            );
        }
        for role in ROLES {
            role.check_settings(self)?;
        }
        self.operator.key_hash()?;
        self.demo.validate()
    }

    /// The URL of the service of `section`.
    pub fn service_url(&self, section: &str) -> anyhow::Result<&str> {
        self.services
            .get(section)
            .map(String::as_str)
            .with_context(|| format!("configuration error: services.{section} is not set"))
    }
}

/// The operator API's key, as its SHA-256 in hex (from a Kubernetes Secret); `textport
/// operator-key` makes a key and prints both. Unset: the operator API refuses everyone (`up`
/// makes a key of its own).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct OperatorConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key_sha256: Option<String>,
}

impl OperatorConfig {
    pub fn key_hash(&self) -> anyhow::Result<Option<ApiKeyHash>> {
        self.api_key_sha256
            .as_deref()
            .map(|hex| {
                parse_sha256(hex).context(
                    "configuration error: operator.api_key_sha256 must be 64 hexadecimal digits",
                )
            })
            .transpose()
    }
}

fn parse_sha256(hex: &str) -> Option<ApiKeyHash> {
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect::<Option<_>>()?;
    ApiKeyHash::from_slice(&bytes)
}

/// Lowercase hex of a key's SHA-256, as `operator.api_key_sha256` takes it.
pub fn sha256_hex(key: &ApiKey) -> String {
    key.hash()
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The admin listener of `serve`: `GET /metrics` for Prometheus.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    pub listen: std::net::SocketAddr,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            listen: std::net::SocketAddr::from(([0, 0, 0, 0], 9090)),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SandboxConfig {
    /// Serves `/sandbox/v1/…` and the sandbox's gRPC services, which let any caller rewrite the
    /// simulated world. Unset: on in `up`, off in `serve` (a real deployment).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

impl SandboxConfig {
    pub fn enabled_in_up(&self) -> bool {
        self.enabled.unwrap_or(true)
    }

    pub fn enabled_in_serve(&self) -> bool {
        self.enabled.unwrap_or(false)
    }
}

/// The accounts `up` provisions at start, and `up`'s operator key.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DemoConfig {
    pub accounts: Vec<DemoAccount>,
    /// A fixed operator key for `up` (`KEY…`); absent = a new one at every start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_api_key: Option<String>,
    /// Give each demo account without notification profiles an e-mail channel
    /// (`<name>@demo.textport.invalid`) for internal-transfer requests, so a holder's approval
    /// e-mail lands in the sandbox mailbox.
    #[serde(default = "yes")]
    pub transfer_request_emails: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DemoAccount {
    pub name: String,
    /// A fixed key (`KEY…`, 24–128 characters) so scripts know it in advance; absent = a new
    /// random key at every start (the previous one stops working).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    /// The first of the numbers this account holds in the sandbox directory.
    pub first_number: String,
    /// How many consecutive numbers from `first_number` it holds.
    pub number_count: u16,
}

impl DemoConfig {
    /// Checks what would otherwise fail halfway through provisioning, naming the key at fault.
    pub fn validate(&self) -> anyhow::Result<()> {
        if let Some(key) = &self.operator_api_key {
            ApiKey::parse(key)
                .map_err(|error| anyhow::anyhow!("demo.operator_api_key: {error}"))?;
        }
        let limit = textport_domain::MAX_NUMBERS_PER_REQUEST;
        for (i, account) in self.accounts.iter().enumerate() {
            let key = |field: &str| format!("demo.accounts[{i}].{field}");
            anyhow::ensure!(
                !account.name.trim().is_empty(),
                "{} must not be empty",
                key("name")
            );
            anyhow::ensure!(
                usize::from(account.number_count) <= limit,
                "{} is at most {limit}",
                key("number_count")
            );
            textport_domain::E164::parse(&account.first_number)
                .map_err(|error| anyhow::anyhow!("{}: {error}", key("first_number")))?;
            if let Some(api_key) = &account.api_key {
                textport_domain::ApiKey::parse(api_key)
                    .map_err(|error| anyhow::anyhow!("{}: {error}", key("api_key")))?;
            }
            let earlier = &self.accounts[..i];
            anyhow::ensure!(
                !earlier.iter().any(|other| other.name == account.name),
                "{} repeats another demo account's name",
                key("name")
            );
            anyhow::ensure!(
                account.api_key.is_none()
                    || !earlier.iter().any(|other| other.api_key == account.api_key),
                "{} repeats another demo account's key",
                key("api_key")
            );
        }
        Ok(())
    }
}

impl Default for DemoConfig {
    fn default() -> Self {
        let account = |name: &str, first_number: &str| DemoAccount {
            name: name.to_owned(),
            api_key: None,
            first_number: first_number.to_owned(),
            number_count: 100,
        };
        Self {
            accounts: vec![
                account("acme", "+13125552000"),
                account("globex", "+13125552100"),
            ],
            operator_api_key: None,
            transfer_request_emails: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sandbox_is_on_in_up_and_off_in_serve_unless_configured() {
        let unset = SandboxConfig::default();
        assert!(unset.enabled_in_up() && !unset.enabled_in_serve());
        let off = SandboxConfig {
            enabled: Some(false),
        };
        assert!(!off.enabled_in_up() && !off.enabled_in_serve());
        let on = SandboxConfig {
            enabled: Some(true),
        };
        assert!(on.enabled_in_up() && on.enabled_in_serve());
    }

    #[test]
    fn demo_accounts_are_checked_before_anything_starts() {
        assert!(DemoConfig::default().validate().is_ok());
        let mut config = DemoConfig::default();
        config.accounts[1].number_count = 1001;
        assert!(
            config
                .validate()
                .expect_err("too many")
                .to_string()
                .contains("demo.accounts[1].number_count")
        );
        let mut config = DemoConfig::default();
        let key = Some("KEYfixeddemokey000000000000000".to_owned());
        config.accounts[0].api_key = key.clone();
        config.accounts[1].api_key = key;
        assert!(
            config
                .validate()
                .expect_err("same key")
                .to_string()
                .contains("demo.accounts[1].api_key")
        );
        let mut config = DemoConfig::default();
        config.accounts[0].first_number = "312".to_owned();
        assert!(
            config
                .validate()
                .expect_err("bad number")
                .to_string()
                .contains("demo.accounts[0].first_number")
        );
    }

    #[test]
    fn every_grpc_service_has_a_section_and_an_address_by_default() {
        let config = Config::default();
        for role in ROLES.iter().filter(|role| role.grpc) {
            assert!(config.sections.contains_key(role.section), "{}", role.name);
            assert_eq!(
                config.service_url(role.section).expect("set"),
                format!("http://{}:50051", role.name)
            );
        }
        assert!(config.validate().is_ok());
    }

    #[test]
    fn sections_and_services_are_checked_against_the_registry() {
        let mut config = Config::default();
        config
            .sections
            .insert("acounts".to_owned(), ServiceConfig::default_for("acounts"));
        let error = config.validate().expect_err("unknown section");
        assert!(error.to_string().contains("[acounts]"), "{error}");
        let mut config = Config::default();
        config
            .services
            .insert("nobody".to_owned(), "http://nobody:50051".to_owned());
        assert!(config.validate().is_err());
    }

    #[test]
    fn the_operator_key_hash_is_64_hex_digits() {
        let key = ApiKey::parse("KEYoperatorkeyforthetests0000").expect("key");
        let config = OperatorConfig {
            api_key_sha256: Some(sha256_hex(&key)),
        };
        assert_eq!(config.key_hash().expect("valid"), Some(key.hash()));
        for bad in ["abc", "zz", &"0".repeat(63), &"é".repeat(32)] {
            let config = OperatorConfig {
                api_key_sha256: Some(bad.to_owned()),
            };
            assert!(config.key_hash().is_err(), "{bad}");
        }
    }

    #[test]
    fn an_empty_configuration_is_the_defaults() {
        let config: Config = textport_platform::config::extract(figment::Figment::from(
            figment::providers::Serialized::defaults(Config::default()),
        ))
        .expect("defaults load");
        assert_eq!(config.demo.accounts.len(), 2);
        assert_eq!(config.sandbox.enabled, None);
    }
}
