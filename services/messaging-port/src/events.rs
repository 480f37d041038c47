//! The webhooks a porting order emits, as the notifier takes them: `porting_order.*` with the
//! documented payloads, to the order's `webhook_url` if it has one, otherwise to the account's
//! port-in notification channels (the notifier resolves those).

use chrono::{DateTime, SecondsFormat, Utc};
use prost::Message as _;
use serde::Serialize;
use textport_platform::outbox::OutboxEvent;
use textport_proto::notifier::v1::{EVENT_KIND, Event};

use crate::domain::{Emit, Order};

#[derive(Serialize)]
struct Messaging {
    messaging_capable: bool,
    enable_messaging: Option<bool>,
    messaging_port_status: &'static str,
    messaging_port_completed: bool,
}

#[derive(Serialize)]
struct Detail<'a> {
    code: &'a str,
    description: &'a str,
}

#[derive(Serialize)]
struct Status<'a> {
    value: &'static str,
    details: Vec<Detail<'a>>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Payload<'a> {
    StatusChanged {
        id: String,
        customer_reference: Option<&'a str>,
        status: Status<'a>,
        support_key: Option<&'a str>,
        updated_at: String,
        webhook_url: Option<&'a str>,
    },
    MessagingChanged {
        id: String,
        customer_reference: Option<&'a str>,
        support_key: Option<&'a str>,
        messaging: Messaging,
    },
    MessagingDiverged {
        id: String,
        customer_reference: Option<&'a str>,
        support_key: Option<&'a str>,
        divergence_since: String,
        messaging: Messaging,
    },
    Deleted {
        id: String,
        customer_reference: Option<&'a str>,
        created_at: String,
        updated_at: String,
        deleted_at: String,
        record_type: &'static str,
    },
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn messaging(order: &Order) -> Messaging {
    Messaging {
        messaging_capable: order.rules.messaging_capable(),
        enable_messaging: order.rules.enable_messaging,
        messaging_port_status: order.rules.messaging_port_status.as_str(),
        messaging_port_completed: order.rules.messaging_port_completed(),
    }
}

/// The webhook `emit` calls for, as the order now stands.
pub fn emitted(order: &Order, emit: Emit) -> Result<OutboxEvent<'static>, serde_json::Error> {
    let id = order.id.to_string();
    let customer_reference = order.customer_reference.as_deref();
    let support_key = order.support_key.as_deref();
    let payload = match emit {
        Emit::StatusChanged { .. } => Payload::StatusChanged {
            id,
            customer_reference,
            status: Status {
                value: order.status().as_str(),
                details: order
                    .details
                    .status_details
                    .iter()
                    .map(|d| Detail {
                        code: &d.code,
                        description: &d.description,
                    })
                    .collect(),
            },
            support_key,
            updated_at: time(order.updated_at),
            webhook_url: order.webhook_url.as_ref().map(|url| url.as_str()),
        },
        Emit::MessagingChanged { .. } => Payload::MessagingChanged {
            id,
            customer_reference,
            support_key,
            messaging: messaging(order),
        },
        Emit::MessagingDiverged { since } => Payload::MessagingDiverged {
            id,
            customer_reference,
            support_key,
            divergence_since: time(since),
            messaging: messaging(order),
        },
    };
    event(order, emit.event_type(), &payload)
}

/// `porting_order.deleted`, for a draft deleted at `now`.
pub fn deleted(
    order: &Order,
    now: DateTime<Utc>,
) -> Result<OutboxEvent<'static>, serde_json::Error> {
    let payload = Payload::Deleted {
        id: order.id.to_string(),
        customer_reference: order.customer_reference.as_deref(),
        created_at: time(order.created_at),
        updated_at: time(order.updated_at),
        deleted_at: time(now),
        record_type: "porting_order",
    };
    event(order, "porting_order.deleted", &payload)
}

fn event(
    order: &Order,
    event_type: &str,
    payload: &Payload<'_>,
) -> Result<OutboxEvent<'static>, serde_json::Error> {
    let event = Event {
        event_type: event_type.to_owned(),
        account_id: order.account.to_string(),
        payload_json: serde_json::to_string(payload)?,
        resource_id: Some(order.id.to_string()),
        messaging_profile_id: None,
        webhook_urls: order
            .webhook_url
            .iter()
            .map(|url| url.as_str().to_owned())
            .collect(),
        email: None,
        portal: None,
    };
    Ok(OutboxEvent {
        destination: "notifier",
        kind: EVENT_KIND,
        body: event.encode_to_vec(),
    })
}
