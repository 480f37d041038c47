//! The webhooks a porting order emits, as the notifier takes them: `porting_order.*` with the
//! documented payloads, to the order's `webhook_url` if it has one, otherwise to the account's
//! port-in notification channels (the notifier resolves those).

use chrono::{DateTime, SecondsFormat, Utc};
use prost::Message as _;
use serde::Serialize;
use textport_platform::outbox::OutboxEvent;
use textport_proto::notifier::v1::{EVENT_KIND, Event};

use crate::domain::{Emit, MessagingPortStatus, Order};

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

/// The messaging object as of a change to `status` (one write may make two changes).
fn messaging(order: &Order, status: MessagingPortStatus) -> Messaging {
    Messaging {
        messaging_capable: order.rules.messaging_capable(),
        enable_messaging: order.rules.enable_messaging,
        messaging_port_status: status.as_str(),
        messaging_port_completed: status.is_completed(),
    }
}

/// The webhook `emit` calls for, as the order now stands.
pub fn emitted(order: &Order, emit: Emit) -> Result<OutboxEvent<'static>, serde_json::Error> {
    let id = order.id.to_string();
    let customer_reference = order.customer_reference.as_deref();
    let support_key = order.support_key.as_deref();
    let payload = match emit {
        // The status the change reached: a write that confirms the FOC and ports tells both.
        Emit::StatusChanged { to, .. } => Payload::StatusChanged {
            id,
            customer_reference,
            status: Status {
                value: to.as_str(),
                details: order
                    .details
                    .status_details
                    .iter()
                    .filter(|_| to == order.status())
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
        Emit::MessagingChanged { to, .. } => Payload::MessagingChanged {
            id,
            customer_reference,
            support_key,
            messaging: messaging(order, to),
        },
        Emit::MessagingDiverged { since } => Payload::MessagingDiverged {
            id,
            customer_reference,
            support_key,
            divergence_since: time(since),
            messaging: messaging(order, order.rules.messaging_port_status),
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

#[cfg(test)]
mod tests {
    use chrono::DateTime;
    use prost::Message as _;
    use serde_json::Value;
    use textport_domain::{AccountId, E164};

    use super::*;
    use crate::domain::{OrderStatus, PortingFacts, Split};

    fn payload(order: &Order, emit: Emit) -> Value {
        let event = emitted(order, emit).expect("an event");
        let event = Event::decode(event.body.as_slice()).expect("a notifier event");
        assert_eq!(event.event_type, emit.event_type());
        serde_json::from_str(&event.payload_json).expect("JSON")
    }

    #[test]
    fn each_change_of_one_write_tells_the_status_it_reached() {
        let facts = PortingFacts {
            carrier_name: "Acme".into(),
            phone_number_type: "local".into(),
            messaging_capable: true,
            fast_portable: false,
        };
        let split = Split {
            carrier_name: facts.carrier_name.clone(),
            phone_number_type: facts.phone_number_type.clone(),
            numbers: vec![(E164::parse("+13125550001").expect("valid"), facts)],
        };
        let now = DateTime::from_timestamp(1_800_000_000, 0).expect("valid time");
        let mut order = Order::draft(AccountId::new(), split, Some("ref".into()), None, now);
        order.rules.status = OrderStatus::Ported;
        order.rules.messaging_port_status = MessagingPortStatus::Ported;
        let confirmed = payload(
            &order,
            Emit::StatusChanged {
                from: OrderStatus::InProcess,
                to: OrderStatus::FocDateConfirmed,
            },
        );
        assert_eq!(confirmed["status"]["value"], "foc-date-confirmed");
        assert_eq!(confirmed["customer_reference"], "ref");
        let activating = payload(
            &order,
            Emit::MessagingChanged {
                from: MessagingPortStatus::Pending,
                to: MessagingPortStatus::Activating,
            },
        );
        assert_eq!(
            activating["messaging"],
            serde_json::json!({"messaging_capable": true, "enable_messaging": null,
                               "messaging_port_status": "activating",
                               "messaging_port_completed": false})
        );
        let deleted = deleted(&order, now).expect("an event");
        let deleted = Event::decode(deleted.body.as_slice()).expect("a notifier event");
        assert_eq!(deleted.event_type, "porting_order.deleted");
        assert!(
            deleted.webhook_urls.is_empty(),
            "no webhook_url: the port-in channels"
        );
    }
}
