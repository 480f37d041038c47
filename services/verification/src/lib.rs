//! The verification service: one-time codes, sent by SMS or voice call, that prove a person
//! holds a phone number. Codes are kept only as keyed hashes, expire, die after a few wrong
//! tries, may be resent only after a cooldown, and each number of a flow has a daily budget of
//! sends and wrong tries. The sandbox's phone network carries them with the sandbox on.

mod app;
mod code;
pub mod domain;
mod error;
mod grpc;
mod sender;
pub mod store;

use std::sync::Arc;

use anyhow::Context as _;
use chrono::Duration;
use serde::Deserialize;
use textport_platform::service::{Deps, GrpcService, ServiceRoutes};
use textport_proto::verification::v1::verification_sandbox_service_server::VerificationSandboxServiceServer;
use textport_proto::verification::v1::verification_service_server::VerificationServiceServer;

pub use error::Error;

use crate::code::CodeKey;
use crate::domain::{BUDGET_WINDOW, Policy};
use crate::sender::{CodeSender, NoProvider, SimulatedNetwork};

/// `[verification]` keys beside `listen` and `database`. No `Debug`: it holds the code key.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Base64 of 32 random bytes (a Kubernetes Secret) that key the codes' hashes, so every
    /// replica checks alike; empty: a key generated once and kept in the service's database.
    pub code_key: String,
    /// How long a code can be verified after it is sent.
    pub code_ttl_seconds: u64,
    /// Wrong tries after which a code is dead, even for the right code.
    pub max_wrong_tries: u32,
    /// How long after a send a number waits for the next one (at most a day).
    pub resend_cooldown_seconds: u64,
    /// Sends per subject and number in any 24 hours.
    pub daily_sends: u32,
    /// Wrong tries per subject and number in any 24 hours, over all its codes.
    pub daily_wrong_tries: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            code_key: String::new(),
            code_ttl_seconds: 600,
            max_wrong_tries: 5,
            resend_cooldown_seconds: 60,
            daily_sends: 5,
            daily_wrong_tries: 10,
        }
    }
}

impl Settings {
    fn policy(&self) -> anyhow::Result<Policy> {
        let seconds = |name: &str, value: u64| {
            i64::try_from(value)
                .ok()
                .and_then(Duration::try_seconds)
                .with_context(|| format!("verification.{name} is too large"))
        };
        let positive = |name: &str, value: u64| {
            anyhow::ensure!(value > 0, "verification.{name} must be at least 1");
            Ok(())
        };
        positive("code_ttl_seconds", self.code_ttl_seconds)?;
        positive("max_wrong_tries", self.max_wrong_tries.into())?;
        positive("daily_sends", self.daily_sends.into())?;
        positive("daily_wrong_tries", self.daily_wrong_tries.into())?;
        let resend_cooldown = seconds("resend_cooldown_seconds", self.resend_cooldown_seconds)?;
        // The cooldown counts from the last send the budget remembers, and it forgets after a day.
        anyhow::ensure!(
            resend_cooldown <= BUDGET_WINDOW,
            "verification.resend_cooldown_seconds must be at most 86400"
        );
        Ok(Policy {
            code_ttl: seconds("code_ttl_seconds", self.code_ttl_seconds)?,
            max_wrong_tries: self.max_wrong_tries,
            resend_cooldown,
            daily_sends: self.daily_sends,
            daily_wrong_tries: self.daily_wrong_tries,
        })
    }
}

/// The service's entry point for the registry.
pub struct Verification;

impl GrpcService for Verification {
    type Migrator = store::Migrator;
    type Settings = Settings;

    async fn routes(deps: Deps, settings: Settings) -> anyhow::Result<ServiceRoutes> {
        let policy = settings.policy()?;
        let key = if settings.code_key.is_empty() {
            let stored = store::code_key(&deps.db, CodeKey::generate()?, deps.clock.now()).await?;
            CodeKey::from_bytes(&stored).context("the stored code key")?
        } else {
            CodeKey::from_base64(&settings.code_key).context("verification.code_key")?
        };
        let sender: Arc<dyn CodeSender> = if deps.sandbox {
            Arc::new(SimulatedNetwork {
                db: deps.db.clone(),
                clock: deps.clock.clone(),
            })
        } else {
            tracing::warn!(
                "no SMS or voice provider is configured: every code is answered undeliverable"
            );
            Arc::new(NoProvider)
        };
        let app = app::App::new(deps.db, deps.clock, key, sender, policy);
        let api = grpc::VerificationApi::new(app);
        let routes = ServiceRoutes::new().add_service(VerificationServiceServer::new(api.clone()));
        // The sandbox's record of the codes it carried exists only with the sandbox on.
        Ok(if deps.sandbox {
            routes.add_service(VerificationSandboxServiceServer::new(api))
        } else {
            routes
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_make_the_documented_policy() {
        let policy = Settings::default().policy().expect("valid defaults");
        assert_eq!(
            policy,
            Policy {
                code_ttl: Duration::minutes(10),
                max_wrong_tries: 5,
                resend_cooldown: Duration::seconds(60),
                daily_sends: 5,
                daily_wrong_tries: 10,
            }
        );
    }

    #[test]
    fn limits_of_zero_and_day_long_cooldowns_are_refused() {
        let refused = |settings: Settings| settings.policy().expect_err("refused").to_string();
        assert!(
            refused(Settings {
                max_wrong_tries: 0,
                ..Settings::default()
            })
            .contains("max_wrong_tries")
        );
        assert!(
            refused(Settings {
                resend_cooldown_seconds: 86_401,
                ..Settings::default()
            })
            .contains("resend_cooldown_seconds")
        );
        assert!(
            refused(Settings {
                code_ttl_seconds: u64::MAX,
                ..Settings::default()
            })
            .contains("code_ttl_seconds")
        );
    }
}
