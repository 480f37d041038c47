//! Configuration: one TOML file plus `TEXTPORT__SECTION__KEY` environment overrides, parsed once
//! at boot into typed structs. Every struct denies unknown keys, so a typo stops the boot and the
//! error names the key.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

const ENV_PREFIX: &str = "TEXTPORT__";

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(String);

/// Loads `T`: its defaults, then the file (when given; a named file that is missing is an error),
/// then the environment. Every key has a default, so a file or variable names only what differs.
pub fn load<T: DeserializeOwned + Serialize + Default>(
    file: Option<&Path>,
) -> Result<T, ConfigError> {
    let mut figment = Figment::from(Serialized::defaults(T::default()));
    if let Some(path) = file {
        figment = figment.merge(Toml::file_exact(path));
    }
    extract(figment.merge(Env::prefixed(ENV_PREFIX).split("__")))
}

/// Extracts `T`, turning every figment error (it may hold several) into one message naming each key.
pub fn extract<T: DeserializeOwned>(figment: Figment) -> Result<T, ConfigError> {
    figment.extract().map_err(|error| {
        let messages: Vec<String> = error.into_iter().map(|e| e.to_string()).collect();
        ConfigError(messages.join("; "))
    })
}

/// Where a service's database lives. SQLite by default; PostgreSQL by URL, with a schema of its
/// own so several services can share one database.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    #[serde(default = "default_max_connections")]
    pub max_connections: u32,
}

impl DatabaseConfig {
    pub fn sqlite_file(path: &Path) -> Self {
        Self {
            url: format!("sqlite://{}?mode=rwc", path.display()),
            schema: None,
            max_connections: default_max_connections(),
        }
    }
}

fn default_max_connections() -> u32 {
    8
}

/// A gRPC service's section: where it listens, its database, and its own settings (parsed by
/// [`ServiceConfig::settings`] into the service's type, which refuses unknown keys).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct ServiceConfig {
    pub listen: SocketAddr,
    pub database: DatabaseConfig,
    /// On shutdown, how long the service reports NOT_SERVING (not ready) while still serving, so
    /// load balancers and Kubernetes endpoints stop sending it calls before it stops accepting.
    #[serde(default)]
    pub drain_seconds: u64,
    #[serde(flatten)]
    pub settings: BTreeMap<String, figment::value::Value>,
}

impl ServiceConfig {
    /// The defaults of `textport serve <name>`: all interfaces, a SQLite file under `./data`.
    pub fn default_for(name: &str) -> Self {
        Self {
            listen: SocketAddr::from(([0, 0, 0, 0], 50051)),
            database: DatabaseConfig::sqlite_file(&Path::new("data").join(format!("{name}.db"))),
            drain_seconds: 0,
            settings: BTreeMap::new(),
        }
    }

    /// The service's own settings, from the section's keys beside `listen` and `database`.
    pub fn settings<T: DeserializeOwned>(&self) -> Result<T, ConfigError> {
        extract(Figment::from(Serialized::defaults(&self.settings)))
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelemetryConfig {
    /// An `EnvFilter` directive; `RUST_LOG` wins when set.
    pub log_filter: String,
    pub log_format: LogFormat,
    /// OTLP/gRPC endpoint (Jaeger or a collector, e.g. `http://jaeger:4317`); empty = no export.
    pub otlp_endpoint: String,
    /// `service.name` of the exported spans; empty: `textport` in `up`, `textport-<service>` in `serve`.
    pub service_name: String,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        Self {
            log_filter: "info,sqlx=warn,sea_orm=warn,h2=warn,tower=warn,hyper=warn".to_owned(),
            log_format: LogFormat::Text,
            otlp_endpoint: String::new(),
            service_name: String::new(),
        }
    }
}

#[cfg(test)]
// figment's `Jail` closures return its own (large) error type.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, Serialize)]
    #[serde(deny_unknown_fields, default)]
    struct Sample {
        accounts: ServiceConfig,
    }

    impl Default for Sample {
        fn default() -> Self {
            Self {
                accounts: ServiceConfig::default_for("accounts"),
            }
        }
    }

    #[test]
    fn env_overrides_the_file() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "t.toml",
                "[accounts]\nlisten = \"127.0.0.1:1\"\ndatabase.url = \"sqlite::memory:\"\n",
            )?;
            jail.set_env("TEXTPORT__ACCOUNTS__LISTEN", "127.0.0.1:2");
            let sample: Sample = load(Some(Path::new("t.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(sample.accounts.listen.port(), 2);
            assert_eq!(sample.accounts.database.max_connections, 8);
            Ok(())
        });
    }

    #[test]
    fn an_unknown_key_stops_the_boot_and_is_named() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("t.toml", "[accounts]\nlisten = \"127.0.0.1:1\"\ndatabase.url = \"x\"\ndatabase.urll = \"y\"\n")?;
            let error = load::<Sample>(Some(Path::new("t.toml"))).expect_err("unknown key");
            assert!(error.to_string().contains("urll"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn a_malformed_env_value_is_named() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "t.toml",
                "[accounts]\nlisten = \"127.0.0.1:1\"\ndatabase.url = \"x\"\n",
            )?;
            jail.set_env("TEXTPORT__ACCOUNTS__LISTEN", "not-an-address");
            let error = load::<Sample>(Some(Path::new("t.toml"))).expect_err("bad value");
            assert!(
                error.to_string().to_lowercase().contains("accounts.listen"),
                "{error}"
            );
            Ok(())
        });
    }

    #[test]
    fn keys_not_given_keep_their_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("t.toml", "[accounts]\nlisten = \"127.0.0.1:1\"\n")?;
            let sample: Sample = load(Some(Path::new("t.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(
                sample.accounts.database.url,
                "sqlite://data/accounts.db?mode=rwc"
            );
            Ok(())
        });
    }

    #[test]
    fn a_named_file_that_is_missing_stops_the_boot() {
        figment::Jail::expect_with(|_| {
            assert!(load::<Sample>(Some(Path::new("absent.toml"))).is_err());
            Ok(())
        });
    }
}
