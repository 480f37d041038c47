//! What the notifier delivered: `/v2/webhook_deliveries` (Telnyx's shape, plus redeliver and
//! `filter[resource_id]`), `/v2/portal_notices`, and the sandbox's public key, mailbox and
//! per-event deliveries.

use axum::Json;
use axum::extract::{Extension, State};
use prost::Message as _;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use textport_domain::{AccountId, EventId, MessagingProfileId, WebhookUrl};
use textport_platform::{ApiError, ErrorKind, convert, db};
use textport_proto::notifier::v1::{self as pb};

use super::{Data, List, required, time};
use crate::auth::Caller;
use crate::error::HttpError;
use crate::extract::{ApiJson, ApiPath, QueryPairs};
use crate::state::AppState;
use crate::wire::DeliveryStatus;

#[derive(Serialize)]
pub struct WebhookDeliveryJson {
    id: String,
    record_type: &'static str,
    user_id: String,
    status: &'static str,
    started_at: Option<String>,
    finished_at: Option<String>,
    /// Beyond Telnyx: when a pending delivery is tried next.
    next_attempt_at: Option<String>,
    /// Beyond Telnyx: the order the event is about.
    resource_id: Option<String>,
    webhook: WebhookJson,
    /// Newest first.
    attempts: Vec<AttemptJson>,
}

#[derive(Serialize)]
struct WebhookJson {
    id: String,
    event_type: String,
    occurred_at: Option<String>,
    payload: Box<RawValue>,
    record_type: &'static str,
}

#[derive(Serialize)]
struct AttemptJson {
    status: &'static str,
    started_at: Option<String>,
    finished_at: Option<String>,
    errors: Vec<i32>,
    http: HttpJson,
}

#[derive(Serialize)]
struct HttpJson {
    request: HttpRequestJson,
    response: Option<HttpResponseJson>,
}

#[derive(Serialize)]
struct HttpRequestJson {
    url: String,
}

#[derive(Serialize)]
struct HttpResponseJson {
    status: u32,
}

impl WebhookDeliveryJson {
    fn new(delivery: pb::Delivery) -> Result<Self, HttpError> {
        let payload = RawValue::from_string(delivery.payload_json).map_err(|error| {
            HttpError(ApiError::internal_message(format_args!(
                "a stored event payload is not JSON: {error}"
            )))
        })?;
        Ok(Self {
            status: required(
                DeliveryStatus::text_of(delivery.status),
                "a delivery status",
            )?,
            id: delivery.id,
            record_type: "webhook_delivery",
            user_id: delivery.account_id,
            started_at: time(delivery.started_at.as_ref()),
            finished_at: time(delivery.finished_at.as_ref()),
            next_attempt_at: time(delivery.next_attempt_at.as_ref()),
            resource_id: delivery.resource_id,
            webhook: WebhookJson {
                id: delivery.event_id,
                event_type: delivery.event_type,
                occurred_at: time(delivery.occurred_at.as_ref()),
                payload,
                record_type: "event",
            },
            attempts: delivery
                .attempts
                .into_iter()
                .map(|attempt| AttemptJson {
                    status: if attempt.delivered {
                        "delivered"
                    } else {
                        "failed"
                    },
                    started_at: time(attempt.started_at.as_ref()),
                    finished_at: time(attempt.finished_at.as_ref()),
                    errors: attempt.errors,
                    http: HttpJson {
                        request: HttpRequestJson { url: attempt.url },
                        response: attempt
                            .http_status
                            .map(|status| HttpResponseJson { status }),
                    },
                })
                .collect(),
        })
    }
}

fn deliveries(list: Vec<pb::Delivery>) -> Result<Vec<WebhookDeliveryJson>, HttpError> {
    list.into_iter().map(WebhookDeliveryJson::new).collect()
}

fn time_range(query: &QueryPairs, field: &str) -> Result<Option<pb::TimeRange>, ApiError> {
    let gte = query.instant(&format!("filter[{field}][gte]"))?;
    let lte = query.instant(&format!("filter[{field}][lte]"))?;
    Ok((gte.is_some() || lte.is_some()).then_some(pb::TimeRange { gte, lte }))
}

pub async fn list_deliveries(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    query: QueryPairs,
) -> Result<Json<List<WebhookDeliveryJson>>, HttpError> {
    let status = query
        .get("filter[status][eq]")
        .map(|raw| DeliveryStatus::parse_parameter("filter[status][eq]", raw))
        .transpose()?;
    let request = pb::ListWebhookDeliveriesRequest {
        account_id: account.to_string(),
        page: Some(query.page()?),
        status: status.map(i32::from),
        event_types: query
            .get("filter[event_type]")
            .map(|raw| {
                raw.split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        webhook_contains: query.get("filter[webhook][contains]").map(str::to_owned),
        started_at: time_range(&query, "started_at")?,
        finished_at: time_range(&query, "finished_at")?,
        resource_id: query.get("filter[resource_id]").map(str::to_owned),
        event_id: query.get("filter[event_id]").map(str::to_owned),
    };
    let response = state
        .notifier
        .clone()
        .list_webhook_deliveries(request)
        .await?
        .into_inner();
    Ok(Json(List::new(
        deliveries(response.deliveries)?,
        response.page,
    )))
}

pub async fn retrieve_delivery(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Data<WebhookDeliveryJson>>, HttpError> {
    let delivery = state
        .notifier
        .clone()
        .get_webhook_delivery(pb::GetWebhookDeliveryRequest {
            account_id: account.to_string(),
            delivery_id: id,
        })
        .await?
        .into_inner()
        .delivery;
    one_delivery(delivery)
}

fn one_delivery(
    delivery: Option<pb::Delivery>,
) -> Result<Json<Data<WebhookDeliveryJson>>, HttpError> {
    Ok(Json(Data {
        data: WebhookDeliveryJson::new(required(delivery, "the delivery")?)?,
    }))
}

pub async fn redeliver(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Data<WebhookDeliveryJson>>, HttpError> {
    let delivery = state
        .notifier
        .clone()
        .redeliver_webhook(pb::RedeliverWebhookRequest {
            account_id: account.to_string(),
            delivery_id: id,
        })
        .await?
        .into_inner()
        .delivery;
    one_delivery(delivery)
}

#[derive(Serialize)]
pub struct PortalNoticeJson {
    id: String,
    record_type: &'static str,
    event_id: String,
    event_type: String,
    title: String,
    body: String,
    read: bool,
    read_at: Option<String>,
    created_at: Option<String>,
}

impl From<pb::PortalNotice> for PortalNoticeJson {
    fn from(notice: pb::PortalNotice) -> Self {
        Self {
            id: notice.id,
            record_type: "portal_notice",
            event_id: notice.event_id,
            event_type: notice.event_type,
            title: notice.title,
            body: notice.body,
            read: notice.read_at.is_some(),
            read_at: time(notice.read_at.as_ref()),
            created_at: time(notice.created_at.as_ref()),
        }
    }
}

pub async fn list_notices(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    query: QueryPairs,
) -> Result<Json<List<PortalNoticeJson>>, HttpError> {
    let read = query.boolean("filter[read]")?;
    let response = state
        .notifier
        .clone()
        .list_portal_notices(pb::ListPortalNoticesRequest {
            account_id: account.to_string(),
            page: Some(query.page()?),
            read,
        })
        .await?
        .into_inner();
    let data = response
        .notices
        .into_iter()
        .map(PortalNoticeJson::from)
        .collect();
    Ok(Json(List::new(data, response.page)))
}

pub async fn mark_notice_read(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Data<PortalNoticeJson>>, HttpError> {
    let notice = state
        .notifier
        .clone()
        .mark_portal_notice_read(pb::MarkPortalNoticeReadRequest {
            account_id: account.to_string(),
            notice_id: id,
        })
        .await?
        .into_inner()
        .notice;
    Ok(Json(Data {
        data: required(notice, "the notice")?.into(),
    }))
}

// === sandbox ===

#[derive(Serialize)]
pub struct PublicKeyJson {
    record_type: &'static str,
    public_key: String,
}

pub async fn public_key(
    State(state): State<AppState>,
) -> Result<Json<Data<PublicKeyJson>>, HttpError> {
    let public_key = state
        .notifier
        .clone()
        .get_webhook_public_key(pb::GetWebhookPublicKeyRequest {})
        .await?
        .into_inner()
        .public_key;
    Ok(Json(Data {
        data: PublicKeyJson {
            record_type: "webhook_public_key",
            public_key,
        },
    }))
}

#[derive(Serialize)]
pub struct MailJson {
    id: String,
    record_type: &'static str,
    event_id: String,
    account_id: String,
    to: String,
    subject: String,
    body_text: String,
    sent_at: Option<String>,
}

pub async fn mailbox(
    State(state): State<AppState>,
    query: QueryPairs,
) -> Result<Json<List<MailJson>>, HttpError> {
    let response = state
        .notifier_sandbox
        .clone()
        .list_mailbox(pb::ListMailboxRequest {
            to: query.get("filter[to]").map(str::to_owned),
            page: Some(query.page()?),
        })
        .await?
        .into_inner();
    let data = response
        .emails
        .into_iter()
        .map(|mail| MailJson {
            id: mail.id,
            record_type: "sandbox_email",
            event_id: mail.event_id,
            account_id: mail.account_id,
            to: mail.to,
            subject: mail.subject,
            body_text: mail.body_text,
            sent_at: time(mail.sent_at.as_ref()),
        })
        .collect();
    Ok(Json(List::new(data, response.page)))
}

pub async fn event_deliveries(
    State(state): State<AppState>,
    ApiPath(event_id): ApiPath<String>,
) -> Result<Json<Data<Vec<WebhookDeliveryJson>>>, HttpError> {
    let event_id = EventId::parse(&event_id)
        .map_err(|error| ApiError::at_parameter(ErrorKind::Validation, "id", error.to_string()))?;
    let response = state
        .notifier_sandbox
        .clone()
        .list_event_deliveries(pb::ListEventDeliveriesRequest {
            event_id: event_id.to_string(),
        })
        .await?
        .into_inner();
    Ok(Json(Data {
        data: deliveries(response.deliveries)?,
    }))
}

const MAX_WEBHOOK_URLS: usize = 5;
const MAX_RESOURCE_ID: usize = 256;

/// An event as a service would emit it; see `POST /sandbox/v1/events`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmitBody {
    /// The caller's account when absent.
    account_id: Option<String>,
    event_type: String,
    #[serde(default)]
    payload: Option<Box<RawValue>>,
    messaging_profile_id: Option<String>,
    webhook_urls: Option<Vec<String>>,
    resource_id: Option<String>,
}

#[derive(Serialize)]
pub struct EmittedJson {
    id: String,
    record_type: &'static str,
    account_id: String,
    event_type: String,
    occurred_at: Option<String>,
}

fn event_type(raw: String) -> Result<String, ApiError> {
    let well_formed = !raw.is_empty()
        && raw.len() <= 128
        && raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.');
    if well_formed {
        Ok(raw)
    } else {
        Err(ApiError::at_pointer(
            ErrorKind::Validation,
            "/event_type",
            "An event type is lowercase letters, digits, `_` and `.`, e.g. messaging_hosted_numbers_orders.updated.",
        ))
    }
}

/// Emits an event through the gateway's outbox, as a service's use case would: the relay sends it
/// to the notifier, which delivers it like any other.
pub async fn emit_event(
    State(state): State<AppState>,
    Extension(Caller(caller)): Extension<Caller>,
    ApiJson(body): ApiJson<EmitBody>,
) -> Result<(http::StatusCode, Json<Data<EmittedJson>>), HttpError> {
    let account_id = match &body.account_id {
        Some(raw) => convert::id("/account_id", AccountId::parse, raw)?,
        None => caller,
    };
    let event_type = event_type(body.event_type)?;
    let payload = body
        .payload
        .map_or_else(|| "{}".to_owned(), |raw| raw.get().to_owned());
    if !payload.trim_start().starts_with('{') {
        return Err(ApiError::at_pointer(
            ErrorKind::Validation,
            "/payload",
            "The payload is a JSON object.",
        )
        .into());
    }
    let messaging_profile_id = body
        .messaging_profile_id
        .map(|raw| {
            convert::id("/messaging_profile_id", MessagingProfileId::parse, &raw)
                .map(|id| id.to_string())
        })
        .transpose()?;
    let webhook_urls = body.webhook_urls.unwrap_or_default();
    if webhook_urls.len() > MAX_WEBHOOK_URLS {
        return Err(ApiError::at_pointer(
            ErrorKind::Validation,
            "/webhook_urls",
            format!("At most {MAX_WEBHOOK_URLS} URLs: a primary and its failovers."),
        )
        .into());
    }
    for (i, url) in webhook_urls.iter().enumerate() {
        WebhookUrl::parse(url).map_err(|error| {
            ApiError::at_pointer(
                ErrorKind::Validation,
                format!("/webhook_urls/{i}"),
                error.to_string(),
            )
        })?;
    }
    if body
        .resource_id
        .as_ref()
        .is_some_and(|id| id.len() > MAX_RESOURCE_ID)
    {
        return Err(ApiError::at_pointer(
            ErrorKind::Validation,
            "/resource_id",
            format!("At most {MAX_RESOURCE_ID} characters."),
        )
        .into());
    }
    let event = pb::Event {
        event_type: event_type.clone(),
        account_id: account_id.to_string(),
        payload_json: payload,
        resource_id: body.resource_id,
        messaging_profile_id,
        webhook_urls,
        email: None,
        portal: None,
    };
    let now = state.clock.now();
    let id = crate::store::emit(&state.db, now, event.encode_to_vec())
        .await
        .map_err(|error| HttpError(db::api_error(&error)))?;
    if let Some(relay) = &state.relay {
        relay.wake();
    }
    Ok((
        http::StatusCode::ACCEPTED,
        Json(Data {
            data: EmittedJson {
                id: id.to_string(),
                record_type: "sandbox_event",
                account_id: account_id.to_string(),
                event_type,
                occurred_at: time(Some(&convert::timestamp(now))),
            },
        }),
    ))
}
