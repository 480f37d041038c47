//! The notifier's rules, without I/O: which notification condition an event belongs to, the
//! webhook envelope, the retry schedule, what an attempt's outcome means, and which addresses
//! a webhook may reach.

use std::net::IpAddr;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::value::RawValue;

#[cfg(test)]
mod tests;

/// The notification conditions an account's settings select events by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    HostedSmsOrderUpdates,
    InternalTransferRequests,
    PortInNotifications,
}

impl Condition {
    /// The condition of an event type; `None` for events no setting selects.
    pub fn of(event_type: &str) -> Option<Self> {
        if event_type.contains(".internal_transfer") {
            Some(Self::InternalTransferRequests)
        } else if event_type.starts_with("messaging_hosted_numbers_orders.") {
            Some(Self::HostedSmsOrderUpdates)
        } else if event_type.starts_with("porting_order.") {
            Some(Self::PortInNotifications)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    Failed,
}

impl DeliveryStatus {
    const TABLE: [(Self, &'static str); 3] = [
        (Self::Pending, "pending"),
        (Self::Delivered, "delivered"),
        (Self::Failed, "failed"),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::TABLE
            .iter()
            .find(|(_, name)| *name == text)
            .map(|(status, _)| *status)
    }
}

/// One event as the webhook carries it.
#[derive(Debug, Clone)]
pub struct WebhookEvent<'a> {
    pub id: uuid::Uuid,
    pub event_type: &'a str,
    pub occurred_at: DateTime<Utc>,
    pub payload_json: &'a str,
}

#[derive(Serialize)]
struct Envelope<'a> {
    data: EnvelopeData<'a>,
    meta: EnvelopeMeta<'a>,
}

#[derive(Serialize)]
struct EnvelopeData<'a> {
    event_type: &'a str,
    id: String,
    occurred_at: String,
    payload: &'a RawValue,
    record_type: &'static str,
}

#[derive(Serialize)]
struct EnvelopeMeta<'a> {
    attempt: u32,
    delivered_to: &'a str,
}

/// The exact bytes of one attempt: `{"data":{…,"record_type":"event"},"meta":{"attempt","delivered_to"}}`.
/// The payload is embedded as received, never re-serialised.
pub fn envelope(event: &WebhookEvent<'_>, attempt: u32, url: &str) -> serde_json::Result<Vec<u8>> {
    let payload: &RawValue = serde_json::from_str(event.payload_json)?;
    serde_json::to_vec(&Envelope {
        data: EnvelopeData {
            event_type: event.event_type,
            id: event.id.to_string(),
            occurred_at: event
                .occurred_at
                .to_rfc3339_opts(SecondsFormat::AutoSi, true),
            payload,
            record_type: "event",
        },
        meta: EnvelopeMeta {
            attempt,
            delivered_to: url,
        },
    })
}

/// What signs a webhook: the UTF-8 bytes of `"{timestamp}|{body}"`.
pub fn signed_message(timestamp: i64, body: &[u8]) -> Vec<u8> {
    let mut message = format!("{timestamp}|").into_bytes();
    message.extend_from_slice(body);
    message
}

/// Why an attempt failed, as the numeric codes of an attempt's `errors` (listed in the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptError {
    /// No answer within the timeout (2 s).
    Timeout,
    /// No connection (refused, reset, DNS failure, TLS).
    Connection,
    /// An answer that is not 2xx (and not a redirect).
    HttpStatus,
    /// A 3xx: redirects are not followed.
    Redirect,
    /// The URL resolves to a loopback, link-local or private address, refused outside the sandbox.
    BlockedAddress,
    /// The URL cannot be requested at all.
    InvalidUrl,
}

impl AttemptError {
    pub fn code(self) -> i32 {
        match self {
            Self::Timeout => 1,
            Self::Connection => 2,
            Self::HttpStatus => 3,
            Self::Redirect => 4,
            Self::BlockedAddress => 5,
            Self::InvalidUrl => 6,
        }
    }
}

/// An attempt's outcome from the HTTP status it got (if any): only a 2xx is delivered.
pub fn judge(status: Option<u16>) -> Result<(), AttemptError> {
    match status {
        Some(200..=299) => Ok(()),
        Some(300..=399) => Err(AttemptError::Redirect),
        Some(_) => Err(AttemptError::HttpStatus),
        None => Err(AttemptError::Connection),
    }
}

/// When a delivery whose round over every URL failed is tried again: after `wait` (the
/// caller's jittered backoff), unless that falls beyond the retry horizon counted from
/// `budget_from`, in which case the delivery has failed for good.
pub fn next_round(
    budget_from: DateTime<Utc>,
    now: DateTime<Utc>,
    wait: Duration,
    horizon: Duration,
) -> Option<DateTime<Utc>> {
    let at = now + chrono::Duration::from_std(wait).ok()?;
    let end = budget_from + chrono::Duration::from_std(horizon).ok()?;
    (at <= end).then_some(at)
}

/// Whether a webhook may be sent to `ip` outside the sandbox: not loopback, link-local,
/// private, shared (CGNAT), unspecified, multicast or documentation space.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || (a == 100 && (64..128).contains(&b)))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
        }
    }
}

/// The subject and text of the e-mail (and portal notice) a setting selects when the event
/// brings none of its own.
pub fn generic_notice(event_type: &str, resource_id: Option<&str>) -> (String, String) {
    let about = resource_id.map_or_else(String::new, |id| format!(" for {id}"));
    (
        format!("textport: {event_type}{about}"),
        format!("The event {event_type} occurred{about}. Its details are in the API."),
    )
}
