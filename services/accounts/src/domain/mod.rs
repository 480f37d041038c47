//! Accounts, messaging profiles and notification settings as values: what a valid profile is,
//! and how a partial update applies. No I/O.

use chrono::{DateTime, Utc};
use textport_domain::{AccountId, ApiKeyId, MessagingProfileId, WebhookUrl};

/// A request field that failed to parse: where (a JSON pointer) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub pointer: String,
    pub detail: String,
}

impl FieldError {
    fn new(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            detail: detail.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountName(String);

impl AccountName {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let name = raw.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(FieldError::new(
                "/name",
                "An account name has 1 to 100 characters.",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    pub name: AccountName,
    pub created_at: DateTime<Utc>,
}

/// What an API key is for, in its owner's words ("production", "ci").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyLabel(String);

impl KeyLabel {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let label = raw.trim();
        if label.is_empty() || label.chars().count() > 100 {
            return Err(FieldError::new(
                "/label",
                "A key's label has 1 to 100 characters.",
            ));
        }
        Ok(Self(label.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An issued API key as stored: who holds it and what it is for, never the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedKey {
    pub id: ApiKeyId,
    pub account_id: AccountId,
    pub label: KeyLabel,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileName(String);

impl ProfileName {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        if raw.trim().is_empty() {
            return Err(FieldError::new("/name", "The name must not be blank."));
        }
        if raw.chars().count() > 255 {
            return Err(FieldError::new(
                "/name",
                "The name must be at most 255 characters.",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WebhookApiVersion {
    V1,
    #[default]
    V2,
    V2010_04_01,
}

impl WebhookApiVersion {
    pub const ALL: [WebhookApiVersion; 3] = [Self::V1, Self::V2, Self::V2010_04_01];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::V1 => "1",
            Self::V2 => "2",
            Self::V2010_04_01 => "2010-04-01",
        }
    }

    /// The stored text (the same strings as the public API's).
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == raw)
    }
}

/// Countries a profile may send to: ISO 3166-1 alpha-2 codes, or `*` for all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destinations(Vec<String>);

impl Destinations {
    pub fn parse(raw: &[String]) -> Result<Self, FieldError> {
        if raw.is_empty() {
            return Err(FieldError::new(
                "/whitelisted_destinations",
                "whitelisted_destinations needs at least one country code, or [\"*\"] for all.",
            ));
        }
        let mut codes = Vec::with_capacity(raw.len());
        for (i, code) in raw.iter().enumerate() {
            let valid =
                code == "*" || (code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()));
            if !valid {
                return Err(FieldError::new(
                    format!("/whitelisted_destinations/{i}"),
                    "Each destination is an ISO 3166-1 alpha-2 country code (such as \"US\") or \"*\".",
                ));
            }
            if !codes.contains(code) {
                codes.push(code.clone());
            }
        }
        Ok(Self(codes))
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

fn webhook_url(field: &str, raw: &str) -> Result<WebhookUrl, FieldError> {
    WebhookUrl::parse(raw)
        .map_err(|e| FieldError::new(format!("/{field}"), format!("{field} {e}.")))
}

/// Gathers every field error of a request instead of stopping at the first.
#[derive(Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        result.map_err(|e| self.0.push(e)).ok()
    }
}

/// A nullable field of a partial update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change<T> {
    Keep,
    Set(T),
    Clear,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessagingProfile {
    pub id: MessagingProfileId,
    pub account_id: AccountId,
    pub name: ProfileName,
    pub enabled: bool,
    pub webhook_url: Option<WebhookUrl>,
    pub webhook_failover_url: Option<WebhookUrl>,
    pub webhook_api_version: WebhookApiVersion,
    pub whitelisted_destinations: Destinations,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The raw inputs of a new profile, as the edge received them.
#[derive(Debug, Clone, Default)]
pub struct NewProfileInput {
    pub name: Option<String>,
    pub enabled: Option<bool>,
    pub webhook_url: Option<String>,
    pub webhook_failover_url: Option<String>,
    pub webhook_api_version: Option<WebhookApiVersion>,
    pub whitelisted_destinations: Option<Vec<String>>,
}

impl MessagingProfile {
    /// A new profile, or every field error found (not just the first).
    pub fn create(
        account_id: AccountId,
        input: NewProfileInput,
        now: DateTime<Utc>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Errors::default();
        let name = match &input.name {
            Some(raw) => errors.check(ProfileName::parse(raw)),
            None => errors.check(Err(FieldError::new("/name", "The name is required."))),
        };
        let destinations = match &input.whitelisted_destinations {
            Some(raw) => errors.check(Destinations::parse(raw)),
            None => errors.check(Err(FieldError::new(
                "/whitelisted_destinations",
                "whitelisted_destinations is required: a list of country codes, or [\"*\"].",
            ))),
        };
        let webhook = input
            .webhook_url
            .as_deref()
            .map(|raw| errors.check(webhook_url("webhook_url", raw)));
        let failover = input
            .webhook_failover_url
            .as_deref()
            .map(|raw| errors.check(webhook_url("webhook_failover_url", raw)));
        let (Some(name), Some(whitelisted_destinations)) = (name, destinations) else {
            return Err(errors.0);
        };
        if !errors.0.is_empty() {
            return Err(errors.0);
        }
        Ok(Self {
            id: MessagingProfileId::new(),
            account_id,
            name,
            enabled: input.enabled.unwrap_or(true),
            webhook_url: webhook.flatten(),
            webhook_failover_url: failover.flatten(),
            webhook_api_version: input.webhook_api_version.unwrap_or_default(),
            whitelisted_destinations,
            created_at: now,
            updated_at: now,
        })
    }

    /// Applies a partial update; on any error nothing changes.
    pub fn update(&self, patch: ProfilePatch, now: DateTime<Utc>) -> Result<Self, Vec<FieldError>> {
        let mut errors = Errors::default();
        let mut next = self.clone();
        if let Some(raw) = &patch.name {
            next.name = errors
                .check(ProfileName::parse(raw))
                .unwrap_or_else(|| self.name.clone());
        }
        if let Some(enabled) = patch.enabled {
            next.enabled = enabled;
        }
        match patch.webhook_url {
            Change::Keep => {}
            Change::Clear => next.webhook_url = None,
            Change::Set(raw) => next.webhook_url = errors.check(webhook_url("webhook_url", &raw)),
        }
        match patch.webhook_failover_url {
            Change::Keep => {}
            Change::Clear => next.webhook_failover_url = None,
            Change::Set(raw) => {
                next.webhook_failover_url = errors.check(webhook_url("webhook_failover_url", &raw))
            }
        }
        if let Some(version) = patch.webhook_api_version {
            next.webhook_api_version = version;
        }
        if let Some(raw) = &patch.whitelisted_destinations {
            next.whitelisted_destinations = errors
                .check(Destinations::parse(raw))
                .unwrap_or_else(|| self.whitelisted_destinations.clone());
        }
        if !errors.0.is_empty() {
            return Err(errors.0);
        }
        next.updated_at = now;
        Ok(next)
    }
}

/// A partial update: `None`/`Keep` leave a field as it is.
#[derive(Debug, Clone)]
pub struct ProfilePatch {
    pub name: Option<String>,
    pub enabled: Option<bool>,
    pub webhook_url: Change<String>,
    pub webhook_failover_url: Change<String>,
    pub webhook_api_version: Option<WebhookApiVersion>,
    pub whitelisted_destinations: Option<Vec<String>>,
}

mod notification;

pub use notification::{
    ChannelDestination, ChannelPatch, ChannelType, ChannelUpdateError, ConditionFacts,
    EmailAddress, EmailAddressError, EventCondition, ForeignChannel, NewChannelInput,
    NewSettingInput, NotificationChannel, NotificationChannelId, NotificationProfile,
    NotificationProfileId, NotificationSetting, NotificationSettingId, SettingRefs,
};

#[cfg(test)]
mod tests;
