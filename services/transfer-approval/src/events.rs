//! What this service's outbox carries, built from domain values: `TransferChanged` for
//! hosted-order, and the holder's approval request for the notifier. The contract's
//! `TransferRequest` is built here once, for events and answers alike.

use prost::Message as _;
use textport_platform::convert;
use textport_platform::outbox::OutboxEvent;
use textport_proto::notifier::v1::{EVENT_KIND, EmailNotification, Event, PortalNotification};
use textport_proto::transfer_approval::v1::{self as pb, TRANSFER_CHANGED_KIND};

use crate::domain::{ApprovalMessage, Decision, TransferRequest};

/// The notifier maps `.internal_transfer` event types to the holder's internal-transfer
/// notification settings.
pub const APPROVAL_REQUESTED: &str =
    "messaging_hosted_numbers_orders.internal_transfer_approval_requested";

pub fn transfer_request(request: &TransferRequest) -> pb::TransferRequest {
    pb::TransferRequest {
        id: request.id.to_string(),
        order_id: request.order.to_string(),
        phone_numbers: request
            .phone_numbers
            .iter()
            .map(|number| number.as_str().to_owned())
            .collect(),
        from_account_id: request.from.to_string(),
        to_account_id: request.to.to_string(),
        decision: decision_to_proto(request.decision()).into(),
        approval_deadline: Some(convert::timestamp(request.approval_deadline)),
        decided_at: request
            .outcome()
            .map(|outcome| convert::timestamp(outcome.at)),
        cancelled_by_receiver: request.cancelled_by_receiver(),
        created_at: Some(convert::timestamp(request.created_at)),
        updated_at: Some(convert::timestamp(request.updated_at)),
        to_account_name: request.to_name.clone(),
    }
}

fn decision_to_proto(decision: Decision) -> pb::TransferDecision {
    match decision {
        Decision::Pending => pb::TransferDecision::Pending,
        Decision::Approved => pb::TransferDecision::Approved,
        Decision::Rejected => pb::TransferDecision::Rejected,
        Decision::AutoApproved => pb::TransferDecision::AutoApproved,
    }
}

/// Hosted-order hears of every opening and every outcome.
pub fn changed(request: &TransferRequest) -> OutboxEvent<'static> {
    OutboxEvent {
        destination: "hosted_order",
        kind: TRANSFER_CHANGED_KIND,
        body: pb::TransferChanged {
            transfer_request: Some(transfer_request(request)),
        }
        .encode_to_vec(),
    }
}

/// The holder's e-mail (with the token) and portal notice (without), through the holder's own
/// notification settings. No webhook URL: the holder's webhooks are not ours to call.
pub fn approval_requested(
    request: &TransferRequest,
    message: ApprovalMessage,
) -> OutboxEvent<'static> {
    let event = Event {
        event_type: APPROVAL_REQUESTED.to_owned(),
        account_id: request.from.to_string(),
        payload_json: message.payload_json,
        resource_id: Some(request.order.to_string()),
        messaging_profile_id: None,
        webhook_urls: Vec::new(),
        email: Some(EmailNotification {
            // The holder's e-mail channels for the event's condition.
            to: Vec::new(),
            subject: message.email_subject,
            body_text: message.email_body,
        }),
        portal: Some(PortalNotification {
            title: message.portal_title,
            body: message.portal_body,
        }),
    };
    OutboxEvent {
        destination: "notifier",
        kind: EVENT_KIND,
        body: event.encode_to_vec(),
    }
}
