//! The whole configuration: one section per service plus the suite-wide ones. Every key has a
//! default (`textport up` needs no file); see README.md for the keys.

use serde::{Deserialize, Serialize};
use textport_platform::config::{ServiceConfig, TelemetryConfig};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub telemetry: TelemetryConfig,
    pub sandbox: SandboxConfig,
    pub gateway: textport_gateway::Config,
    pub accounts: ServiceConfig,
    pub eligibility: ServiceConfig,
    pub demo: DemoConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            telemetry: TelemetryConfig::default(),
            sandbox: SandboxConfig::default(),
            gateway: textport_gateway::Config::default(),
            accounts: ServiceConfig::default_for("accounts"),
            eligibility: ServiceConfig::default_for("eligibility"),
            demo: DemoConfig::default(),
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

/// The accounts `up` provisions at start.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct DemoConfig {
    pub accounts: Vec<DemoAccount>,
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
    fn an_empty_configuration_is_the_defaults() {
        let config: Config = textport_platform::config::extract(figment::Figment::from(
            figment::providers::Serialized::defaults(Config::default()),
        ))
        .expect("defaults load");
        assert_eq!(config.demo.accounts.len(), 2);
        assert_eq!(config.sandbox.enabled, None);
    }
}
