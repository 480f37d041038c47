//! `/v2/messaging_hosted_number_orders` (orders, codes, documents, and beyond Telnyx: timeline,
//! LOA template, retry, dry run), `/v2/messaging_hosted_numbers`, a profile's numbers, and the
//! operator's review.

use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use textport_platform::{ApiError, ErrorKind};
use textport_proto::hosted_order::v1::{self as pb, get_hosted_number_request, nullable_string};

use super::{Data, List, required, time};
use crate::auth::Caller;
use crate::error::HttpError;
use crate::extract::{ApiJson, ApiPath, OptionalJson, QueryPairs, nullable};
use crate::state::AppState;
use crate::wire::{
    CodeValidationStatus, EligibleStatus, HostedNumberStatus, HostedOrderStatus,
    VerificationMethod, WaitingOn,
};

/// Each uploaded document's limit.
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;
/// The upload route's body limit: both documents and the multipart framing.
pub const UPLOAD_BODY_LIMIT: usize = 2 * MAX_DOCUMENT_BYTES + 64 * 1024;

// === JSON shapes ===

/// A hosted number order as the public API shows it.
#[derive(Serialize)]
pub struct OrderJson {
    record_type: &'static str,
    /// `null` in a dry run: nothing was stored.
    id: Option<String>,
    messaging_profile_id: Option<String>,
    status: &'static str,
    phone_numbers: Vec<OrderNumberJson>,
    /// Beyond Telnyx: what the order waits on and since when.
    waiting_on: Option<&'static str>,
    waiting_since: Option<String>,
    failure_reason: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
}

/// A number inside an order.
#[derive(Serialize)]
pub struct OrderNumberJson {
    record_type: &'static str,
    /// `null` in a dry run.
    id: Option<String>,
    phone_number: String,
    status: &'static str,
    /// Beyond Telnyx: wrong tries left on the current code and when a new one may be sent.
    code_attempts_remaining: Option<u32>,
    code_resend_allowed_at: Option<String>,
}

impl OrderJson {
    pub fn new(order: Option<pb::HostedOrder>) -> Result<Self, HttpError> {
        let order = required(order, "an order")?;
        let phone_numbers = order
            .phone_numbers
            .into_iter()
            .map(|number| {
                Ok(OrderNumberJson {
                    record_type: "messaging_hosted_number",
                    status: required(
                        HostedNumberStatus::text_of(number.status),
                        "a number status",
                    )?,
                    code_resend_allowed_at: time(number.code_resend_allowed_at.as_ref()),
                    code_attempts_remaining: number.code_attempts_remaining,
                    id: Some(number.id),
                    phone_number: number.phone_number,
                })
            })
            .collect::<Result<_, HttpError>>()?;
        Ok(Self {
            record_type: "messaging_hosted_number_order",
            status: required(HostedOrderStatus::text_of(order.status), "an order status")?,
            waiting_on: WaitingOn::text_of(order.waiting_on),
            waiting_since: time(order.waiting_since.as_ref()),
            failure_reason: Some(order.failure_reason).filter(|r| !r.is_empty()),
            created_at: time(order.created_at.as_ref()),
            updated_at: time(order.updated_at.as_ref()),
            id: Some(order.id),
            messaging_profile_id: order.messaging_profile_id,
            phone_numbers,
        })
    }
}

impl OrderJson {
    /// A dry run's order was never stored, so it has no ids to look up.
    fn forget_ids(&mut self) {
        self.id = None;
        for number in &mut self.phone_numbers {
            number.id = None;
        }
    }
}

fn order_data(order: Option<pb::HostedOrder>) -> Result<Json<Data<OrderJson>>, HttpError> {
    Ok(Json(Data {
        data: OrderJson::new(order)?,
    }))
}

/// A hosted number with its messaging settings (`PhoneNumberWithMessagingSettings`).
#[derive(Serialize)]
pub struct HostedNumberJson {
    record_type: &'static str,
    id: String,
    phone_number: String,
    country_code: String,
    organization_id: String,
    messaging_profile_id: Option<String>,
    messaging_product: String,
    r#type: String,
    tags: Vec<String>,
    features: Features,
    created_at: Option<String>,
    updated_at: Option<String>,
}

#[derive(Serialize)]
struct Features {
    sms: Feature,
    mms: Option<Feature>,
}

/// Hosted SMS carries two-way domestic SMS; MMS is not part of hosting.
#[derive(Serialize)]
struct Feature {
    domestic_two_way: bool,
    international_inbound: bool,
    international_outbound: bool,
}

impl HostedNumberJson {
    fn new(number: Option<pb::HostedNumber>) -> Result<Self, HttpError> {
        let number = required(number, "a hosted number")?;
        Ok(Self {
            record_type: "messaging_phone_number",
            created_at: time(number.created_at.as_ref()),
            updated_at: time(number.updated_at.as_ref()),
            id: number.id,
            phone_number: number.phone_number,
            country_code: number.country_code,
            organization_id: number.account_id,
            messaging_profile_id: number.messaging_profile_id,
            messaging_product: number.messaging_product,
            r#type: number.number_type,
            tags: number.tags,
            features: Features {
                sms: Feature {
                    domestic_two_way: true,
                    international_inbound: true,
                    international_outbound: true,
                },
                mms: None,
            },
        })
    }
}

fn number_data(
    number: Option<pb::HostedNumber>,
) -> Result<Json<Data<HostedNumberJson>>, HttpError> {
    Ok(Json(Data {
        data: HostedNumberJson::new(number)?,
    }))
}

// === orders ===

#[derive(Deserialize)]
pub struct CreateBody {
    messaging_profile_id: Option<String>,
    phone_numbers: Option<Vec<String>>,
}

/// A dry run's answer: the order it would be, and each number's eligibility.
#[derive(Serialize)]
struct DryRun {
    data: OrderJson,
    meta: DryRunMeta,
}

#[derive(Serialize)]
struct DryRunMeta {
    dry_run: bool,
    phone_numbers: Vec<DryRunNumber>,
}

#[derive(Serialize)]
struct DryRunNumber {
    phone_number: String,
    eligible: bool,
    eligible_status: &'static str,
    detail: String,
    /// The account the number would be transferred from (an internal transfer it must approve).
    internal_transfer_from: Option<String>,
    /// The 10DLC campaign link activation would remove.
    campaign_id_removed: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    query: QueryPairs,
    ApiJson(body): ApiJson<CreateBody>,
) -> Result<Response, HttpError> {
    let dry_run = query.boolean("dry_run")?.unwrap_or(false);
    let request = pb::CreateHostedOrderRequest {
        account_id: account.to_string(),
        messaging_profile_id: body.messaging_profile_id.filter(|id| !id.is_empty()),
        phone_numbers: body.phone_numbers.unwrap_or_default(),
        dry_run,
    };
    let response = state
        .hosted_orders
        .clone()
        .create_hosted_order(request)
        .await?
        .into_inner();
    let mut order = OrderJson::new(response.order)?;
    if !dry_run {
        return Ok(Json(Data { data: order }).into_response());
    }
    order.forget_ids();
    let phone_numbers = response
        .eligibility
        .into_iter()
        .map(|result| {
            Ok(DryRunNumber {
                eligible: result.status
                    == textport_proto::eligibility::v1::EligibilityStatus::Eligible as i32,
                eligible_status: required(
                    EligibleStatus::text_of(result.status),
                    "an eligibility status",
                )?,
                phone_number: result.phone_number,
                detail: result.detail,
                internal_transfer_from: result.transfer_from_account_id,
                campaign_id_removed: result.campaign_id,
            })
        })
        .collect::<Result<_, HttpError>>()?;
    Ok(Json(DryRun {
        data: order,
        meta: DryRunMeta {
            dry_run: true,
            phone_numbers,
        },
    })
    .into_response())
}

pub async fn list(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    query: QueryPairs,
) -> Result<Json<List<OrderJson>>, HttpError> {
    let response = state
        .hosted_orders
        .clone()
        .list_hosted_orders(pb::ListHostedOrdersRequest {
            account_id: account.to_string(),
            page: Some(query.page()?),
        })
        .await?
        .into_inner();
    let data = response
        .orders
        .into_iter()
        .map(|order| OrderJson::new(Some(order)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(List::new(data, response.page)))
}

pub async fn retrieve(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Data<OrderJson>>, HttpError> {
    order_data(
        state
            .hosted_orders
            .clone()
            .get_hosted_order(pb::GetHostedOrderRequest {
                account_id: account.to_string(),
                order_id: id,
            })
            .await?
            .into_inner()
            .order,
    )
}

pub async fn delete(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Data<OrderJson>>, HttpError> {
    order_data(
        state
            .hosted_orders
            .clone()
            .delete_hosted_order(pb::DeleteHostedOrderRequest {
                account_id: account.to_string(),
                order_id: id,
            })
            .await?
            .into_inner()
            .order,
    )
}

// === ownership codes ===

#[derive(Deserialize)]
pub struct CodesBody {
    phone_numbers: Option<Vec<String>>,
    verification_method: Option<String>,
}

#[derive(Serialize)]
pub struct CodeSentJson {
    phone_number: String,
    verification_code_id: Option<String>,
    r#type: Option<&'static str>,
    error: Option<String>,
}

pub async fn verification_codes(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<CodesBody>,
) -> Result<Json<Data<Vec<CodeSentJson>>>, HttpError> {
    let method = match body.verification_method.as_deref() {
        Some(raw) => VerificationMethod::parse_field("verification_method", raw)?,
        None => {
            return Err(ApiError::at_pointer(
                ErrorKind::Validation,
                "/verification_method",
                "verification_method is required: sms or call.",
            )
            .into());
        }
    };
    let response = state
        .hosted_orders
        .clone()
        .request_verification_codes(pb::RequestVerificationCodesRequest {
            account_id: account.to_string(),
            order_id: id,
            phone_numbers: body.phone_numbers.unwrap_or_default(),
            verification_method: method as i32,
        })
        .await?
        .into_inner();
    Ok(Json(Data {
        data: response
            .results
            .into_iter()
            .map(|result| CodeSentJson {
                r#type: VerificationMethod::text_of(result.r#type),
                phone_number: result.phone_number,
                verification_code_id: result.verification_code_id,
                error: result.error,
            })
            .collect(),
    }))
}

#[derive(Deserialize)]
pub struct ValidateBody {
    verification_codes: Option<Vec<CodeEntry>>,
}

#[derive(Deserialize)]
struct CodeEntry {
    phone_number: String,
    code: String,
}

#[derive(Serialize)]
pub struct ValidationJson {
    order_id: String,
    phone_numbers: Vec<ValidatedJson>,
}

#[derive(Serialize)]
struct ValidatedJson {
    phone_number: String,
    status: &'static str,
}

pub async fn validation_codes(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ValidateBody>,
) -> Result<Json<Data<ValidationJson>>, HttpError> {
    let response = state
        .hosted_orders
        .clone()
        .validate_verification_codes(pb::ValidateVerificationCodesRequest {
            account_id: account.to_string(),
            order_id: id,
            verification_codes: body
                .verification_codes
                .unwrap_or_default()
                .into_iter()
                .map(|entry| pb::VerificationCodeEntry {
                    phone_number: entry.phone_number,
                    code: entry.code,
                })
                .collect(),
        })
        .await?
        .into_inner();
    let phone_numbers = response
        .phone_numbers
        .into_iter()
        .map(|result| {
            Ok(ValidatedJson {
                status: required(
                    CodeValidationStatus::text_of(result.status),
                    "a validation status",
                )?,
                phone_number: result.phone_number,
            })
        })
        .collect::<Result<_, HttpError>>()?;
    Ok(Json(Data {
        data: ValidationJson {
            order_id: response.order_id,
            phone_numbers,
        },
    }))
}

// === documents ===

#[derive(Serialize)]
pub struct UploadAnswer {
    data: OrderJson,
    /// Beyond Telnyx: what a reviewer would object to in the files.
    meta: UploadMeta,
}

#[derive(Serialize)]
struct UploadMeta {
    warnings: Vec<WarningJson>,
}

#[derive(Serialize)]
struct WarningJson {
    document: String,
    phone_number: Option<String>,
    code: String,
    message: String,
}

/// Multipart parts `loa` and `bill` (PDFs, at most 10 MB each); other parts are ignored.
/// Reads the rest of a multipart body without keeping it.
async fn discard(mut multipart: Multipart) {
    while let Ok(Some(mut field)) = multipart.next_field().await {
        while let Ok(Some(_)) = field.chunk().await {}
    }
}

pub async fn file_upload(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Json<UploadAnswer>, HttpError> {
    // An unknown order is 404 before the body is looked at. The body is still read (and
    // dropped): a connection closed under a client still sending it loses the answer.
    let found = state
        .hosted_orders
        .clone()
        .get_hosted_order(pb::GetHostedOrderRequest {
            account_id: account.to_string(),
            order_id: id.clone(),
        })
        .await;
    if let Err(status) = found {
        if let Ok(multipart) = multipart {
            discard(multipart).await;
        }
        return Err(status.into());
    }
    let mut multipart = multipart.map_err(|_| {
        ApiError::new(
            ErrorKind::UnsupportedMediaType,
            "Upload the documents as multipart/form-data with parts loa and bill.",
        )
    })?;
    let mut loa = None;
    let mut bill = None;
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        let slot = match name.as_str() {
            "loa" => &mut loa,
            "bill" => &mut bill,
            _ => continue,
        };
        let filename = field.file_name().unwrap_or(&name).to_owned();
        let content_type = field.content_type().unwrap_or_default().to_owned();
        let content = field.bytes().await.map_err(multipart_error)?;
        if content.len() > MAX_DOCUMENT_BYTES {
            return Err(ApiError::at_pointer(
                ErrorKind::PayloadTooLarge,
                format!("/{name}"),
                format!(
                    "Each document may be at most {} MB.",
                    MAX_DOCUMENT_BYTES / (1024 * 1024)
                ),
            )
            .into());
        }
        *slot = Some(pb::UploadedFile {
            content: content.to_vec(),
            filename,
            content_type,
        });
    }
    let response = state
        .hosted_orders
        .clone()
        .upload_documents(pb::UploadDocumentsRequest {
            account_id: account.to_string(),
            order_id: id,
            loa,
            bill,
        })
        .await?
        .into_inner();
    Ok(Json(UploadAnswer {
        data: OrderJson::new(response.order)?,
        meta: UploadMeta {
            warnings: response
                .warnings
                .into_iter()
                .map(|w| WarningJson {
                    document: w.document,
                    phone_number: w.phone_number,
                    code: w.code,
                    message: w.message,
                })
                .collect(),
        },
    }))
}

fn multipart_error(error: axum::extract::multipart::MultipartError) -> HttpError {
    if error.status() == http::StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            ErrorKind::PayloadTooLarge,
            "The upload is too large: each document may be at most 10 MB.",
        )
        .into()
    } else {
        ApiError::new(
            ErrorKind::MalformedBody,
            format!(
                "The multipart body could not be read: {}.",
                error.body_text()
            ),
        )
        .into()
    }
}

pub async fn loa_template(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, HttpError> {
    let template = state
        .hosted_orders
        .clone()
        .get_loa_template(pb::GetLoaTemplateRequest {
            account_id: account.to_string(),
            order_id: id,
        })
        .await?
        .into_inner();
    let disposition = format!("attachment; filename=\"{}\"", template.filename);
    Ok((
        [
            (http::header::CONTENT_TYPE, "application/pdf".to_owned()),
            (http::header::CONTENT_DISPOSITION, disposition),
        ],
        template.pdf,
    )
        .into_response())
}

// === beyond Telnyx: timeline and retry ===

#[derive(Serialize)]
pub struct TimelineJson {
    order_id: String,
    /// The order's own changes.
    order: Vec<EntryJson>,
    /// Each number's changes, in the order's number order.
    phone_numbers: Vec<NumberTimelineJson>,
}

#[derive(Serialize)]
struct NumberTimelineJson {
    phone_number: String,
    entries: Vec<EntryJson>,
}

#[derive(Serialize)]
struct EntryJson {
    from_status: Option<String>,
    to_status: String,
    actor: String,
    reason: String,
    trace_id: Option<String>,
    occurred_at: Option<String>,
}

pub async fn timeline(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Data<TimelineJson>>, HttpError> {
    let entries = state
        .hosted_orders
        .clone()
        .get_timeline(pb::GetTimelineRequest {
            account_id: account.to_string(),
            order_id: id.clone(),
        })
        .await?
        .into_inner()
        .entries;
    let mut order = Vec::new();
    let mut phone_numbers: Vec<NumberTimelineJson> = Vec::new();
    for entry in entries {
        let json = EntryJson {
            from_status: entry.from_status,
            to_status: entry.to_status,
            actor: entry.actor,
            reason: entry.reason,
            trace_id: Some(entry.trace_id).filter(|t| !t.is_empty()),
            occurred_at: time(entry.occurred_at.as_ref()),
        };
        match entry.phone_number {
            None => order.push(json),
            Some(number) => match phone_numbers.iter_mut().find(|n| n.phone_number == number) {
                Some(timeline) => timeline.entries.push(json),
                None => phone_numbers.push(NumberTimelineJson {
                    phone_number: number,
                    entries: vec![json],
                }),
            },
        }
    }
    Ok(Json(Data {
        data: TimelineJson {
            order_id: id,
            order,
            phone_numbers,
        },
    }))
}

#[derive(Deserialize)]
pub struct RetryBody {
    phone_numbers: Option<Vec<String>>,
}

pub async fn retry(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
    OptionalJson(body): OptionalJson<RetryBody>,
) -> Result<Json<Data<OrderJson>>, HttpError> {
    let phone_numbers = body.and_then(|body| body.phone_numbers).unwrap_or_default();
    order_data(
        state
            .hosted_orders
            .clone()
            .retry_hosted_numbers(pb::RetryHostedNumbersRequest {
                account_id: account.to_string(),
                order_id: id,
                phone_numbers,
            })
            .await?
            .into_inner()
            .order,
    )
}

// === internal transfers: the holder's decision ===

/// `POST …/{id}/approve?token=…`, with the holder's key; the SDK sends no body, or an empty one.
pub async fn approve(
    state: State<AppState>,
    caller: Extension<Caller>,
    id: ApiPath<String>,
    query: QueryPairs,
    body: OptionalJson<serde_json::Value>,
) -> Result<Json<Data<OrderJson>>, HttpError> {
    decide(state, caller, id, query, body, true).await
}

/// `POST …/{id}/reject?token=…`, as [`approve`].
pub async fn reject(
    state: State<AppState>,
    caller: Extension<Caller>,
    id: ApiPath<String>,
    query: QueryPairs,
    body: OptionalJson<serde_json::Value>,
) -> Result<Json<Data<OrderJson>>, HttpError> {
    decide(state, caller, id, query, body, false).await
}

async fn decide(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
    query: QueryPairs,
    _: OptionalJson<serde_json::Value>,
    approve: bool,
) -> Result<Json<Data<OrderJson>>, HttpError> {
    let token = query
        .get("token")
        .filter(|token| !token.is_empty())
        .ok_or_else(|| {
            ApiError::at_parameter(
                ErrorKind::Validation,
                "token",
                "token is required: the one-time token from the approval e-mail.",
            )
        })?;
    order_data(
        state
            .hosted_orders
            .clone()
            .decide_transfer(pb::DecideTransferRequest {
                account_id: account.to_string(),
                order_id: id,
                token: token.to_owned(),
                approve,
            })
            .await?
            .into_inner()
            .order,
    )
}

// === hosted numbers ===

pub async fn list_numbers(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    query: QueryPairs,
) -> Result<Json<List<HostedNumberJson>>, HttpError> {
    hosted_numbers(
        &state,
        account.to_string(),
        &query,
        query.get("filter[messaging_profile_id]").map(str::to_owned),
    )
    .await
}

/// `GET /v2/messaging_profiles/{id}/phone_numbers`: the profile's hosted numbers (404 for a
/// profile that is not the caller's).
pub async fn profile_numbers(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
    query: QueryPairs,
) -> Result<Json<List<HostedNumberJson>>, HttpError> {
    state
        .profiles
        .clone()
        .get_messaging_profile(textport_proto::accounts::v1::GetMessagingProfileRequest {
            account_id: account.to_string(),
            profile_id: id.clone(),
        })
        .await?;
    hosted_numbers(&state, account.to_string(), &query, Some(id)).await
}

async fn hosted_numbers(
    state: &AppState,
    account: String,
    query: &QueryPairs,
    profile: Option<String>,
) -> Result<Json<List<HostedNumberJson>>, HttpError> {
    let sort = match query.get("sort[phone_number]") {
        None => pb::PhoneNumberSort::Unspecified,
        Some("asc") => pb::PhoneNumberSort::Asc,
        Some("desc") => pb::PhoneNumberSort::Desc,
        Some(_) => {
            return Err(ApiError::at_parameter(
                ErrorKind::InvalidEnum,
                "sort[phone_number]",
                "sort[phone_number] must be one of asc, desc.",
            )
            .into());
        }
    };
    let response = state
        .hosted_numbers
        .clone()
        .list_hosted_numbers(pb::ListHostedNumbersRequest {
            account_id: account,
            page: Some(query.page()?),
            messaging_profile_id: profile,
            phone_number: query
                .get("filter[phone_number][eq]")
                .or_else(|| query.get("filter[phone_number]"))
                .map(str::to_owned),
            phone_number_contains: query
                .get("filter[phone_number][contains]")
                .map(str::to_owned),
            sort: sort as i32,
        })
        .await?
        .into_inner();
    let data = response
        .numbers
        .into_iter()
        .map(|number| HostedNumberJson::new(Some(number)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(List::new(data, response.page)))
}

/// The path segment is an id or a phone number (`+` may arrive encoded).
pub async fn retrieve_number(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(key): ApiPath<String>,
) -> Result<Json<Data<HostedNumberJson>>, HttpError> {
    let key = if key.starts_with('+') || key.chars().all(|c| c.is_ascii_digit()) {
        let number = if key.starts_with('+') {
            key
        } else {
            format!("+{key}")
        };
        get_hosted_number_request::Key::PhoneNumber(number)
    } else {
        get_hosted_number_request::Key::HostedNumberId(key)
    };
    number_data(
        state
            .hosted_numbers
            .clone()
            .get_hosted_number(pb::GetHostedNumberRequest {
                account_id: account.to_string(),
                key: Some(key),
            })
            .await?
            .into_inner()
            .number,
    )
}

#[derive(Deserialize)]
pub struct UpdateNumberBody {
    #[serde(default, deserialize_with = "nullable")]
    messaging_profile_id: Option<Option<String>>,
    messaging_product: Option<String>,
    tags: Option<Vec<String>>,
}

/// Omitted or `null` keeps a field; `""` unassigns the profile.
pub async fn update_number(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateNumberBody>,
) -> Result<Json<Data<HostedNumberJson>>, HttpError> {
    let profile = match body.messaging_profile_id.flatten() {
        None => None,
        Some(id) if id.is_empty() => Some(nullable_string::Change::Clear(true)),
        Some(id) => Some(nullable_string::Change::Set(id)),
    };
    number_data(
        state
            .hosted_numbers
            .clone()
            .update_hosted_number(pb::UpdateHostedNumberRequest {
                account_id: account.to_string(),
                hosted_number_id: id,
                messaging_profile_id: profile.map(|change| pb::NullableString {
                    change: Some(change),
                }),
                messaging_product: body.messaging_product,
                tags: body.tags.map(|values| pb::StringList { values }),
            })
            .await?
            .into_inner()
            .number,
    )
}

pub async fn delete_number(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Data<OrderJson>>, HttpError> {
    order_data(
        state
            .hosted_numbers
            .clone()
            .delete_hosted_number(pb::DeleteHostedNumberRequest {
                account_id: account.to_string(),
                hosted_number_id: id,
            })
            .await?
            .into_inner()
            .order,
    )
}

// === the operator's review ===

pub async fn awaiting_review(
    State(state): State<AppState>,
    query: QueryPairs,
) -> Result<Json<List<OrderJson>>, HttpError> {
    let response = state
        .review
        .clone()
        .list_orders_awaiting_review(pb::ListOrdersAwaitingReviewRequest {
            page: Some(query.page()?),
        })
        .await?
        .into_inner();
    let data = response
        .orders
        .into_iter()
        .map(|order| OrderJson::new(Some(order)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(List::new(data, response.page)))
}

#[derive(Deserialize)]
pub struct AcceptBody {
    note: Option<String>,
}

pub async fn accept(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    OptionalJson(body): OptionalJson<AcceptBody>,
) -> Result<Json<Data<OrderJson>>, HttpError> {
    order_data(
        state
            .review
            .clone()
            .accept_hosted_order(pb::AcceptHostedOrderRequest {
                account_id: String::new(),
                order_id: id,
                note: body.and_then(|body| body.note),
            })
            .await?
            .into_inner()
            .order,
    )
}

/// `GET /operator/v1/hosted_number_orders/{id}/documents/{loa|bill}`: the uploaded PDF.
pub async fn document(
    State(state): State<AppState>,
    ApiPath((id, document)): ApiPath<(String, String)>,
) -> Result<Response, HttpError> {
    let found = state
        .review
        .clone()
        .get_document(pb::GetDocumentRequest {
            order_id: id,
            document,
        })
        .await?
        .into_inner();
    let disposition = format!(
        "attachment; filename=\"{}\"",
        found.filename.replace('"', "")
    );
    Ok((
        [
            (http::header::CONTENT_TYPE, "application/pdf".to_owned()),
            (http::header::CONTENT_DISPOSITION, disposition),
        ],
        found.content,
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct FailBody {
    status: Option<String>,
    reason: Option<String>,
    phone_numbers: Option<Vec<NumberFailureJson>>,
}

#[derive(Deserialize)]
struct NumberFailureJson {
    phone_number: String,
    status: String,
}

pub async fn fail(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<FailBody>,
) -> Result<Json<Data<OrderJson>>, HttpError> {
    let status = match body.status.as_deref() {
        Some(raw) => HostedOrderStatus::parse_field("status", raw)?,
        None => {
            return Err(ApiError::at_pointer(
                ErrorKind::Validation,
                "/status",
                "status is required: the order failure status.",
            )
            .into());
        }
    };
    let number_failures = body
        .phone_numbers
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(at, failure)| {
            let status = HostedNumberStatus::parse(&failure.status).ok_or_else(|| {
                ApiError::at_pointer(
                    ErrorKind::InvalidEnum,
                    format!("/phone_numbers/{at}/status"),
                    format!(
                        "status must be one of {}.",
                        HostedNumberStatus::TEXTS.join(", ")
                    ),
                )
            })?;
            Ok(pb::NumberFailure {
                phone_number: failure.phone_number,
                status: status as i32,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    order_data(
        state
            .review
            .clone()
            .fail_hosted_order(pb::FailHostedOrderRequest {
                account_id: String::new(),
                order_id: id,
                failure_status: status as i32,
                number_failures,
                reason: body.reason,
            })
            .await?
            .into_inner()
            .order,
    )
}
