//! The gRPC edge of the notifier: relays' events and the API's questions become domain values,
//! the app answers, and its answers become proto messages. No rules and no storage here.

use prost::Message as _;
use textport_domain::{EventId, MessagingProfileId, PortalNoticeId, WebhookDeliveryId};
use textport_platform::{ApiError, ErrorKind, convert};
use textport_proto::events::v1::{self as events_pb, event_sink_service_server};
use textport_proto::notifier::v1::{
    self as pb, EVENT_KIND, notifier_sandbox_service_server, notifier_service_server,
};
use tonic::{Request, Response, Status};

use crate::app::{App, DeliveryView, EmailContent, Incoming};
use crate::domain::DeliveryStatus;
use crate::error::Error;
use crate::store::{DeliveryFilter, mailbox, notice};

#[derive(Clone)]
pub struct NotifierApi {
    app: App,
}

impl NotifierApi {
    pub fn new(app: App) -> Self {
        Self { app }
    }
}

fn incoming(at: usize, sink: events_pb::SinkEvent) -> Result<Incoming, Error> {
    let invalid = |field: &str, detail: String| Error::InvalidEvent {
        at: format!("/events/{at}/{field}"),
        detail,
    };
    if sink.kind != EVENT_KIND {
        return Err(invalid(
            "kind",
            format!("the notifier takes {EVENT_KIND}, not {}", sink.kind),
        ));
    }
    let id = EventId::parse(&sink.id).map_err(|error| invalid("id", error.to_string()))?;
    let event = pb::Event::decode(sink.body.as_slice())
        .map_err(|error| invalid("body", error.to_string()))?;
    let account_id = textport_domain::AccountId::parse(&event.account_id)
        .map_err(|error| invalid("body/account_id", error.to_string()))?;
    if serde_json::from_str::<&serde_json::value::RawValue>(&event.payload_json).is_err() {
        return Err(invalid("body/payload_json", "is not JSON".to_owned()));
    }
    let profile = event
        .messaging_profile_id
        .as_deref()
        .map(MessagingProfileId::parse)
        .transpose()
        .map_err(|error| invalid("body/messaging_profile_id", error.to_string()))?;
    Ok(Incoming {
        id,
        occurred_at: convert::datetime(sink.occurred_at.as_ref())
            .ok_or_else(|| invalid("occurred_at", "is required".to_owned()))?,
        traceparent: sink.traceparent,
        event_type: event.event_type,
        account_id,
        payload_json: event.payload_json,
        resource_id: event.resource_id,
        profile,
        urls: event.webhook_urls,
        email: event.email.map(|email| EmailContent {
            to: email.to,
            subject: email.subject,
            body_text: email.body_text,
        }),
        portal: event.portal.map(|portal| (portal.title, portal.body)),
    })
}

fn status_of(text: &str) -> pb::DeliveryStatus {
    match DeliveryStatus::parse(text) {
        Some(DeliveryStatus::Pending) => pb::DeliveryStatus::Pending,
        Some(DeliveryStatus::Delivered) => pb::DeliveryStatus::Delivered,
        Some(DeliveryStatus::Failed) => pb::DeliveryStatus::Failed,
        None => pb::DeliveryStatus::Unspecified,
    }
}

fn delivery(view: DeliveryView) -> pb::Delivery {
    let (row, attempts) = view;
    let status = status_of(&row.status);
    pb::Delivery {
        id: row.id.to_string(),
        event_id: row.event_id.to_string(),
        event_type: row.event_type,
        account_id: row.account_id.to_string(),
        status: status.into(),
        attempts: attempts
            .into_iter()
            .map(|attempt| pb::DeliveryAttempt {
                attempt: u32::try_from(attempt.attempt).unwrap_or(0),
                url: attempt.url,
                delivered: attempt.delivered,
                http_status: attempt.http_status.and_then(|s| u32::try_from(s).ok()),
                errors: serde_json::from_str(&attempt.errors).unwrap_or_default(),
                started_at: Some(convert::timestamp(attempt.started_at)),
                finished_at: Some(convert::timestamp(attempt.finished_at)),
            })
            .collect(),
        occurred_at: Some(convert::timestamp(row.occurred_at)),
        payload_json: row.payload_json,
        resource_id: row.resource_id,
        next_attempt_at: row
            .due_at
            .filter(|_| status == pb::DeliveryStatus::Pending)
            .map(convert::timestamp),
        started_at: row.started_at.map(convert::timestamp),
        finished_at: row.finished_at.map(convert::timestamp),
        created_at: Some(convert::timestamp(row.created_at)),
        urls: serde_json::from_str(&row.urls).unwrap_or_default(),
    }
}

fn notice(row: notice::Model) -> pb::PortalNotice {
    pb::PortalNotice {
        id: row.id.to_string(),
        account_id: row.account_id.to_string(),
        event_id: row.event_id.to_string(),
        event_type: row.event_type,
        title: row.title,
        body: row.body,
        created_at: Some(convert::timestamp(row.created_at)),
        read_at: row.read_at.map(convert::timestamp),
    }
}

fn mail(row: mailbox::Model) -> pb::MailboxEmail {
    pb::MailboxEmail {
        id: row.id.to_string(),
        event_id: row.event_id.to_string(),
        account_id: row.account_id.to_string(),
        to: row.to_address,
        subject: row.subject,
        body_text: row.body_text,
        sent_at: Some(convert::timestamp(row.sent_at)),
    }
}

fn range(
    range: Option<&pb::TimeRange>,
) -> (
    Option<chrono::DateTime<chrono::Utc>>,
    Option<chrono::DateTime<chrono::Utc>>,
) {
    range.map_or((None, None), |range| {
        (
            convert::datetime(range.gte.as_ref()),
            convert::datetime(range.lte.as_ref()),
        )
    })
}

fn delivery_id(raw: &str) -> Result<WebhookDeliveryId, Error> {
    // An id that cannot exist is simply not found.
    WebhookDeliveryId::parse(raw).map_err(|_| Error::DeliveryNotFound)
}

// === impl EventSinkService ===

#[tonic::async_trait]
impl event_sink_service_server::EventSinkService for NotifierApi {
    async fn deliver(
        &self,
        request: Request<events_pb::DeliverRequest>,
    ) -> Result<Response<events_pb::DeliverResponse>, Status> {
        let mut events = Vec::new();
        for (at, event) in request.into_inner().events.into_iter().enumerate() {
            match incoming(at, event) {
                Ok(event) => events.push(event),
                // Sending it again cannot fix it, and refusing the batch would hold back the
                // valid events sent with it: it is logged and acknowledged.
                Err(error) => {
                    tracing::error!(%error, "an event that cannot be delivered was dropped")
                }
            }
        }
        self.app.receive(events).await?;
        Ok(Response::new(events_pb::DeliverResponse {}))
    }
}

// === impl NotifierService ===

#[tonic::async_trait]
impl notifier_service_server::NotifierService for NotifierApi {
    async fn get_webhook_public_key(
        &self,
        _: Request<pb::GetWebhookPublicKeyRequest>,
    ) -> Result<Response<pb::GetWebhookPublicKeyResponse>, Status> {
        Ok(Response::new(pb::GetWebhookPublicKeyResponse {
            public_key: self.app.public_key(),
        }))
    }

    async fn list_webhook_deliveries(
        &self,
        request: Request<pb::ListWebhookDeliveriesRequest>,
    ) -> Result<Response<pb::ListWebhookDeliveriesResponse>, Status> {
        let request = request.into_inner();
        let account = convert::caller(&request.account_id)?;
        let page = convert::page(request.page.as_ref())?;
        let status = match request.status.map(pb::DeliveryStatus::try_from) {
            None => None,
            Some(Ok(pb::DeliveryStatus::Pending)) => Some(DeliveryStatus::Pending),
            Some(Ok(pb::DeliveryStatus::Delivered)) => Some(DeliveryStatus::Delivered),
            Some(Ok(pb::DeliveryStatus::Failed)) => Some(DeliveryStatus::Failed),
            Some(Ok(pb::DeliveryStatus::Unspecified) | Err(_)) => {
                return Err(ApiError::at_parameter(
                    ErrorKind::InvalidEnum,
                    "filter[status][eq]",
                    "Must be delivered or failed.",
                )
                .into());
            }
        };
        let event_id = request
            .event_id
            .as_deref()
            .map(|raw| convert::id("/event_id", EventId::parse, raw).map(|id| *id.as_uuid()))
            .transpose()?;
        let filter = DeliveryFilter {
            status,
            event_types: request.event_types,
            webhook_contains: request.webhook_contains,
            started_at: range(request.started_at.as_ref()),
            finished_at: range(request.finished_at.as_ref()),
            resource_id: request.resource_id,
            event_id,
        };
        let (rows, total) = self.app.deliveries(account, &filter, page).await?;
        Ok(Response::new(pb::ListWebhookDeliveriesResponse {
            deliveries: rows.into_iter().map(delivery).collect(),
            page: Some(convert::page_info(page.info(total))),
        }))
    }

    async fn get_webhook_delivery(
        &self,
        request: Request<pb::GetWebhookDeliveryRequest>,
    ) -> Result<Response<pb::GetWebhookDeliveryResponse>, Status> {
        let request = request.into_inner();
        let account = convert::caller(&request.account_id)?;
        let view = self
            .app
            .delivery(account, delivery_id(&request.delivery_id)?)
            .await?;
        Ok(Response::new(pb::GetWebhookDeliveryResponse {
            delivery: Some(delivery(view)),
        }))
    }

    async fn redeliver_webhook(
        &self,
        request: Request<pb::RedeliverWebhookRequest>,
    ) -> Result<Response<pb::RedeliverWebhookResponse>, Status> {
        let request = request.into_inner();
        let account = convert::caller(&request.account_id)?;
        let view = self
            .app
            .redeliver(account, delivery_id(&request.delivery_id)?)
            .await?;
        Ok(Response::new(pb::RedeliverWebhookResponse {
            delivery: Some(delivery(view)),
        }))
    }

    async fn list_portal_notices(
        &self,
        request: Request<pb::ListPortalNoticesRequest>,
    ) -> Result<Response<pb::ListPortalNoticesResponse>, Status> {
        let request = request.into_inner();
        let account = convert::caller(&request.account_id)?;
        let page = convert::page(request.page.as_ref())?;
        let (rows, total) = self.app.notices(account, request.read, page).await?;
        Ok(Response::new(pb::ListPortalNoticesResponse {
            notices: rows.into_iter().map(notice).collect(),
            page: Some(convert::page_info(page.info(total))),
        }))
    }

    async fn mark_portal_notice_read(
        &self,
        request: Request<pb::MarkPortalNoticeReadRequest>,
    ) -> Result<Response<pb::MarkPortalNoticeReadResponse>, Status> {
        let request = request.into_inner();
        let account = convert::caller(&request.account_id)?;
        let id = PortalNoticeId::parse(&request.notice_id).map_err(|_| Error::NoticeNotFound)?;
        let row = self.app.mark_read(account, id).await?;
        Ok(Response::new(pb::MarkPortalNoticeReadResponse {
            notice: Some(notice(row)),
        }))
    }
}

// === impl NotifierSandboxService ===

#[tonic::async_trait]
impl notifier_sandbox_service_server::NotifierSandboxService for NotifierApi {
    async fn list_mailbox(
        &self,
        request: Request<pb::ListMailboxRequest>,
    ) -> Result<Response<pb::ListMailboxResponse>, Status> {
        let request = request.into_inner();
        let page = convert::page(request.page.as_ref())?;
        let (rows, total) = self.app.mailbox(request.to.as_deref(), page).await?;
        Ok(Response::new(pb::ListMailboxResponse {
            emails: rows.into_iter().map(mail).collect(),
            page: Some(convert::page_info(page.info(total))),
        }))
    }

    async fn list_event_deliveries(
        &self,
        request: Request<pb::ListEventDeliveriesRequest>,
    ) -> Result<Response<pb::ListEventDeliveriesResponse>, Status> {
        let request = request.into_inner();
        let event_id = convert::id("/event_id", EventId::parse, &request.event_id)?;
        let rows = self.app.event_deliveries(event_id).await?;
        Ok(Response::new(pb::ListEventDeliveriesResponse {
            deliveries: rows.into_iter().map(delivery).collect(),
        }))
    }
}
