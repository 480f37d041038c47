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
    fn an_empty_configuration_is_the_defaults() {
        let config: Config = textport_platform::config::extract(figment::Figment::from(
            figment::providers::Serialized::defaults(Config::default()),
        ))
        .expect("defaults load");
        assert_eq!(config.demo.accounts.len(), 2);
        assert_eq!(config.sandbox.enabled, None);
    }
}
