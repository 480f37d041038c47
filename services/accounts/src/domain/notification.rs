//! Notification profiles, channels, settings and the fixed table of event conditions, as values:
//! what a valid channel destination is, how a channel changes, when a setting may name a channel.
//! No I/O.

use std::fmt;

use chrono::{DateTime, Utc};
use textport_domain::{AccountId, WebhookUrl, typed_id};
use uuid::Uuid;

use super::{Errors, FieldError, ProfileName};

typed_id!(
    /// A notification profile: a named collection of channels.
    NotificationProfileId,
    "notification profile id"
);
typed_id!(
    /// A notification channel: one e-mail address or webhook URL of a profile.
    NotificationChannelId,
    "notification channel id"
);
typed_id!(
    /// A notification setting: a condition selected for a profile.
    NotificationSettingId,
    "notification setting id"
);

/// Longest e-mail address (RFC 5321's path limit less the angle brackets).
const EMAIL_MAX: usize = 254;
/// Longest local part (RFC 5321).
const LOCAL_MAX: usize = 64;

/// An e-mail address as a channel takes it: `local@domain`, the local part a dot-atom (RFC 5322
/// without quoted strings or comments) of at most 64 characters, the domain two or more DNS
/// labels (letters, digits, inner hyphens, 1 to 63 each), at most 254 characters in all. The
/// OpenAPI document states the same rule as a pattern.
#[derive(Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, EmailAddressError> {
        if raw.len() > EMAIL_MAX {
            return Err(EmailAddressError::Length);
        }
        let (local, domain) = raw.rsplit_once('@').ok_or(EmailAddressError::Shape)?;
        let atom_char = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
        let local_ok = local.len() <= LOCAL_MAX
            && local
                .split('.')
                .all(|atom| !atom.is_empty() && atom.chars().all(atom_char));
        let labels: Vec<&str> = domain.split('.').collect();
        let label_ok = |label: &&str| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        };
        if !local_ok || labels.len() < 2 || !labels.iter().all(label_ok) {
            return Err(EmailAddressError::Shape);
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Only the domain: the address itself is personal data, kept out of logs.
impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let domain = self.0.rsplit_once('@').map_or("", |(_, domain)| domain);
        write!(f, "EmailAddress(…@{domain})")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmailAddressError {
    #[error("must be an e-mail address such as ops@example.com")]
    Shape,
    #[error("must be at most 254 characters")]
    Length,
}

/// How a channel delivers. Telnyx also lists `sms` and `voice`; textport delivers neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChannelType {
    Email,
    Webhook,
}

impl ChannelType {
    pub const ALL: [ChannelType; 2] = [Self::Email, Self::Webhook];

    /// The stored text (the same strings as the public API's).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Webhook => "webhook",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == raw)
    }
}

/// Where a channel delivers, always of its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelDestination {
    Email(EmailAddress),
    Webhook(WebhookUrl),
}

impl ChannelDestination {
    const POINTER: &str = "/channel_destination";

    pub fn parse(channel_type: ChannelType, raw: &str) -> Result<Self, FieldError> {
        let invalid = |e: &dyn fmt::Display| {
            FieldError::new(Self::POINTER, format!("channel_destination {e}."))
        };
        match channel_type {
            ChannelType::Email => EmailAddress::parse(raw)
                .map(Self::Email)
                .map_err(|e| invalid(&e)),
            ChannelType::Webhook => WebhookUrl::parse(raw)
                .map(Self::Webhook)
                .map_err(|e| invalid(&e)),
        }
    }

    /// Whether `raw` is a destination of some channel type.
    pub fn fits_some_type(raw: &str) -> bool {
        ChannelType::ALL
            .into_iter()
            .any(|channel_type| Self::parse(channel_type, raw).is_ok())
    }

    pub fn channel_type(&self) -> ChannelType {
        match self {
            Self::Email(_) => ChannelType::Email,
            Self::Webhook(_) => ChannelType::Webhook,
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Email(address) => address.as_str(),
            Self::Webhook(url) => url.as_str(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationProfile {
    pub id: NotificationProfileId,
    pub account_id: AccountId,
    pub name: ProfileName,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl NotificationProfile {
    pub fn create(
        account_id: AccountId,
        name: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Self, FieldError> {
        let name = ProfileName::parse(
            name.ok_or_else(|| FieldError::new("/name", "The name is required."))?,
        )?;
        Ok(Self {
            id: NotificationProfileId::new(),
            account_id,
            name,
            created_at: now,
            updated_at: now,
        })
    }

    /// The profile with `name`, if given; without one, the profile as it is.
    pub fn update(&self, name: Option<&str>, now: DateTime<Utc>) -> Result<Self, FieldError> {
        let Some(name) = name else {
            return Ok(self.clone());
        };
        Ok(Self {
            name: ProfileName::parse(name)?,
            updated_at: now,
            ..self.clone()
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationChannel {
    pub id: NotificationChannelId,
    pub account_id: AccountId,
    pub profile_id: NotificationProfileId,
    pub destination: ChannelDestination,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The raw inputs of a new channel, as the edge received them.
#[derive(Debug, Clone, Default)]
pub struct NewChannelInput {
    pub profile_id: Option<String>,
    pub channel_type: Option<ChannelType>,
    pub destination: Option<String>,
}

/// A partial update of a channel: `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct ChannelPatch {
    pub profile_id: Option<String>,
    pub channel_type: Option<ChannelType>,
    pub destination: Option<String>,
}

fn profile_id(raw: &str) -> Result<NotificationProfileId, FieldError> {
    NotificationProfileId::parse(raw)
        .map_err(|e| FieldError::new("/notification_profile_id", e.to_string()))
}

fn required(pointer: &str) -> FieldError {
    let field = pointer.trim_start_matches('/');
    FieldError::new(pointer, format!("{field} is required."))
}

impl NotificationChannel {
    /// A new channel, or every field error found. Whether the profile is the caller's is the
    /// store's to say.
    pub fn create(
        account_id: AccountId,
        input: NewChannelInput,
        now: DateTime<Utc>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Errors::default();
        let profile = match &input.profile_id {
            Some(raw) => errors.check(profile_id(raw)),
            None => errors.check(Err(required("/notification_profile_id"))),
        };
        let channel_type = input
            .channel_type
            .ok_or_else(|| required("/channel_type_id"));
        let channel_type = errors.check(channel_type);
        let destination = match (&input.destination, channel_type) {
            (None, _) => errors.check(Err(required(ChannelDestination::POINTER))),
            (Some(raw), Some(channel_type)) => {
                errors.check(ChannelDestination::parse(channel_type, raw))
            }
            // Without a type there is nothing to check the destination against.
            (Some(_), None) => None,
        };
        let (Some(profile_id), Some(destination)) = (profile, destination) else {
            return Err(errors.0);
        };
        if !errors.0.is_empty() {
            return Err(errors.0);
        }
        Ok(Self {
            id: NotificationChannelId::new(),
            account_id,
            profile_id,
            destination,
            created_at: now,
            updated_at: now,
        })
    }

    /// Applies a partial update; on any error nothing changes. A type and a destination sent
    /// together must fit each other; one sent alone must fit the other as it is.
    pub fn update(
        &self,
        patch: ChannelPatch,
        now: DateTime<Utc>,
    ) -> Result<Self, ChannelUpdateError> {
        let mut errors = Errors::default();
        let mut mismatch = None;
        let profile = patch
            .profile_id
            .as_deref()
            .map(|raw| errors.check(profile_id(raw)));
        let kept = &self.destination;
        let destination = match (patch.channel_type, patch.destination.as_deref()) {
            (None, None) => Some(kept.clone()),
            (Some(channel_type), Some(raw)) => {
                errors.check(ChannelDestination::parse(channel_type, raw))
            }
            (None, Some(raw)) => match ChannelDestination::parse(kept.channel_type(), raw) {
                Ok(destination) => Some(destination),
                // A destination of the other type is fine on its own; the channel's type is not.
                Err(error) if ChannelDestination::fits_some_type(raw) => {
                    mismatch = Some(error);
                    None
                }
                Err(error) => errors.check(Err(error)),
            },
            (Some(channel_type), None) => {
                let destination = ChannelDestination::parse(channel_type, kept.as_str()).ok();
                if destination.is_none() {
                    mismatch = Some(FieldError::new(
                        "/channel_type_id",
                        format!(
                            "The channel's destination is not of type {}; send a channel_destination of that type with channel_type_id.",
                            channel_type.as_str()
                        ),
                    ));
                }
                destination
            }
        };
        if !errors.0.is_empty() {
            return Err(ChannelUpdateError::Invalid(errors.0));
        }
        match (destination, mismatch) {
            (Some(destination), None) => Ok(Self {
                // A profile id that failed to parse is among the errors above.
                profile_id: profile.flatten().unwrap_or(self.profile_id),
                destination,
                updated_at: now,
                ..self.clone()
            }),
            (_, Some(mismatch)) => Err(ChannelUpdateError::Mismatch(mismatch)),
            // Every missing destination above recorded an error or a mismatch.
            (None, None) => Err(ChannelUpdateError::Invalid(errors.0)),
        }
    }
}

/// Why a channel update was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelUpdateError {
    /// Fields wrong on their own (or a type and destination sent together that do not fit).
    Invalid(Vec<FieldError>),
    /// The type or destination sent does not fit the other as the channel has it: a request
    /// fine in itself that conflicts with the channel's present state.
    Mismatch(FieldError),
}

/// A condition's row in the fixed table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConditionFacts {
    /// Its public id (`notification_event_condition_id`).
    pub id: Uuid,
    pub name: &'static str,
    pub description: &'static str,
    /// The public id of the event it selects.
    pub notification_event_id: Uuid,
}

/// What an account can ask to be notified of: a fixed table, not data. Every condition is
/// account-wide, enabled, asynchronous = false, takes no parameters, allows many channels and
/// delivers by e-mail and webhook. The ids never change (clients store them):
///
/// | condition | id | notification_event_id |
/// | --- | --- | --- |
/// | hosted SMS order updates | `2d6fce63-cacc-4b9d-8db5-6640e9409cde` | `8ddefebf-f272-4e29-8a74-853af243dbd8` |
/// | internal transfer requests | `1f14102b-5920-4180-94bf-cea1fbfbf11d` | `19c03efd-c6f4-4f53-adde-63da25e707b1` |
/// | port-in notifications | `666e8bdb-a1e0-4dd9-b1cc-e3abcef9b8db` | `0c5c824b-e32e-46e0-9659-4ecd13dd2ab4` |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventCondition {
    HostedSmsOrderUpdates,
    InternalTransferRequests,
    PortInNotifications,
}

impl EventCondition {
    /// Table order, which is also the public list's order.
    pub const ALL: [EventCondition; 3] = [
        Self::HostedSmsOrderUpdates,
        Self::InternalTransferRequests,
        Self::PortInNotifications,
    ];

    /// Every condition supports the same channel types.
    pub const SUPPORTED_CHANNELS: [ChannelType; 2] = ChannelType::ALL;

    pub const fn facts(self) -> ConditionFacts {
        match self {
            Self::HostedSmsOrderUpdates => ConditionFacts {
                id: Uuid::from_u128(0x2d6fce63_cacc_4b9d_8db5_6640e9409cde),
                name: "Hosted SMS order updates",
                description: "A hosted SMS order of the account changes status: documents needed, numbers activated, the order failed or was cancelled.",
                notification_event_id: Uuid::from_u128(0x8ddefebf_f272_4e29_8a74_853af243dbd8),
            },
            Self::InternalTransferRequests => ConditionFacts {
                id: Uuid::from_u128(0x1f14102b_5920_4180_94bf_cea1fbfbf11d),
                name: "Internal transfer requests",
                description: "Another account asks to host SMS for a number this account holds; the e-mail carries the link to approve or reject it.",
                notification_event_id: Uuid::from_u128(0x19c03efd_c6f4_4f53_adde_63da25e707b1),
            },
            Self::PortInNotifications => ConditionFacts {
                id: Uuid::from_u128(0x666e8bdb_a1e0_4dd9_b1cc_e3abcef9b8db),
                name: "Port-in notifications",
                description: "A porting order of the account changes state, including when messaging on its numbers is activated.",
                notification_event_id: Uuid::from_u128(0x0c5c824b_e32e_46e0_9659_4ecd13dd2ab4),
            },
        }
    }

    /// When the table took its present form: every row's `created_at` and `updated_at`.
    pub fn defined_at() -> DateTime<Utc> {
        // 2026-11-24T00:00:00Z; a constant, so it cannot fail.
        DateTime::<Utc>::from_timestamp(1_795_478_400, 0).unwrap_or_default()
    }

    pub fn by_id(id: Uuid) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.facts().id == id)
    }

    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HostedSmsOrderUpdates => "hosted_sms_order_updates",
            Self::InternalTransferRequests => "internal_transfer_requests",
            Self::PortInNotifications => "port_in_notifications",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == raw)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationSetting {
    pub id: NotificationSettingId,
    pub account_id: AccountId,
    pub profile_id: NotificationProfileId,
    /// `None`: the condition gives a portal notice only.
    pub channel_id: Option<NotificationChannelId>,
    pub condition: EventCondition,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a new setting refers to, by id as the edge received them.
#[derive(Debug, Clone, Default)]
pub struct NewSettingInput {
    pub profile_id: Option<String>,
    pub channel_id: Option<String>,
    pub condition_id: Option<String>,
}

/// The ids of a new setting, parsed; whether they exist is the store's to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettingRefs {
    pub profile_id: NotificationProfileId,
    pub channel_id: Option<NotificationChannelId>,
    /// A condition's public id; it may name no condition.
    pub condition_id: Uuid,
}

impl NewSettingInput {
    pub fn parse(&self) -> Result<SettingRefs, Vec<FieldError>> {
        let mut errors = Errors::default();
        let profile = match &self.profile_id {
            Some(raw) => errors.check(profile_id(raw)),
            None => errors.check(Err(required("/notification_profile_id"))),
        };
        let channel = self.channel_id.as_deref().map(|raw| {
            errors.check(
                NotificationChannelId::parse(raw)
                    .map_err(|e| FieldError::new("/notification_channel_id", e.to_string())),
            )
        });
        let condition = match &self.condition_id {
            Some(raw) => errors.check(Uuid::parse_str(raw).map_err(|_| {
                FieldError::new(
                    "/notification_event_condition_id",
                    "notification_event_condition_id must be a UUID.",
                )
            })),
            None => errors.check(Err(required("/notification_event_condition_id"))),
        };
        let (Some(profile_id), Some(condition_id)) = (profile, condition) else {
            return Err(errors.0);
        };
        if !errors.0.is_empty() {
            return Err(errors.0);
        }
        Ok(SettingRefs {
            profile_id,
            // A channel id that failed to parse is among the errors above.
            channel_id: channel.flatten(),
            condition_id,
        })
    }
}

impl NotificationSetting {
    /// A setting of `condition` for `profile`, sent to `channel` (none: portal notice only); the
    /// channel must be the profile's.
    pub fn create(
        profile: &NotificationProfile,
        channel: Option<&NotificationChannel>,
        condition: EventCondition,
        now: DateTime<Utc>,
    ) -> Result<Self, ForeignChannel> {
        if let Some(channel) = channel
            && channel.profile_id != profile.id
        {
            return Err(ForeignChannel);
        }
        Ok(Self {
            id: NotificationSettingId::new(),
            account_id: profile.account_id,
            profile_id: profile.id,
            channel_id: channel.map(|c| c.id),
            condition,
            created_at: now,
            updated_at: now,
        })
    }
}

/// A setting names a channel of another profile: from the named profile's view, no such channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the channel belongs to another notification profile")]
pub struct ForeignChannel;

#[cfg(test)]
mod tests;
