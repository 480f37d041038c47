//! The gRPC edge of hosted-order: proto requests become domain values, the app answers, and
//! domain values become proto responses. No rules and no storage here.

use prost::Message as _;
use textport_domain::{E164, HostedNumberId, MessagingProfileId, OrderId};
use textport_platform::{ApiError, ErrorKind, convert};
use textport_proto::events::v1::{self as events_pb, event_sink_service_server};
use textport_proto::hosted_order::v1::{
    self as pb, hosted_number_service_server, hosted_order_service_server,
    operator_review_service_server,
};
use textport_proto::transfer_approval::v1::{self as transfer_pb, TRANSFER_CHANGED_KIND};
use tonic::{Request, Response, Status};

use crate::app::{App, Failure, Method, Upload, Validation};
use crate::documents::DocumentKind;
use crate::domain::{Actor, Number, NumberStatus, Order, OrderStatus, WaitingOn};
use crate::store::{HistoryRow, HostedFilter, HostedKey};

#[derive(Clone)]
pub struct HostedOrderApi {
    app: App,
}

impl HostedOrderApi {
    pub fn new(app: App) -> Self {
        Self { app }
    }
}

/// A path id that is no UUID names no order: 404, as for any unknown id.
fn order_id(raw: &str) -> Result<OrderId, ApiError> {
    OrderId::parse(raw).map_err(|_| ApiError::not_found("hosted number order"))
}

fn hosted_number_id(raw: &str) -> Result<HostedNumberId, ApiError> {
    HostedNumberId::parse(raw).map_err(|_| ApiError::not_found("hosted number"))
}

fn profile_id(raw: &str, pointer: &str) -> Result<MessagingProfileId, ApiError> {
    convert::id(pointer, MessagingProfileId::parse, raw)
}

// === impl HostedOrderService ===

#[tonic::async_trait]
impl hosted_order_service_server::HostedOrderService for HostedOrderApi {
    #[tracing::instrument(skip_all, fields(numbers = request.get_ref().phone_numbers.len(), textport.order.id = tracing::field::Empty))]
    async fn create_hosted_order(
        &self,
        request: Request<pb::CreateHostedOrderRequest>,
    ) -> Result<Response<pb::CreateHostedOrderResponse>, Status> {
        let request = request.into_inner();
        let caller = convert::caller(&request.account_id)?;
        let profile = request
            .messaging_profile_id
            .as_deref()
            .map(|raw| profile_id(raw, "/messaging_profile_id"))
            .transpose()?;
        let created = self
            .app
            .create(caller, profile, request.phone_numbers, request.dry_run)
            .await?;
        tracing::Span::current().record("textport.order.id", created.order.id.to_string());
        Ok(Response::new(pb::CreateHostedOrderResponse {
            order: Some(order_to_proto(&created.order)),
            eligibility: created.eligibility,
        }))
    }

    #[tracing::instrument(skip_all, fields(textport.order.id = %request.get_ref().order_id))]
    async fn get_hosted_order(
        &self,
        request: Request<pb::GetHostedOrderRequest>,
    ) -> Result<Response<pb::GetHostedOrderResponse>, Status> {
        let caller = convert::caller(&request.get_ref().account_id)?;
        let order = self
            .app
            .get(Some(caller), order_id(&request.get_ref().order_id)?)
            .await?;
        Ok(Response::new(pb::GetHostedOrderResponse {
            order: Some(order_to_proto(&order)),
        }))
    }

    async fn list_hosted_orders(
        &self,
        request: Request<pb::ListHostedOrdersRequest>,
    ) -> Result<Response<pb::ListHostedOrdersResponse>, Status> {
        let caller = convert::caller(&request.get_ref().account_id)?;
        let page = convert::page(request.get_ref().page.as_ref())?;
        let (orders, total) = self.app.list(caller, page).await?;
        Ok(Response::new(pb::ListHostedOrdersResponse {
            orders: orders.iter().map(order_to_proto).collect(),
            page: Some(convert::page_info(page.info(total))),
        }))
    }

    #[tracing::instrument(skip_all, fields(textport.order.id = %request.get_ref().order_id))]
    async fn delete_hosted_order(
        &self,
        request: Request<pb::DeleteHostedOrderRequest>,
    ) -> Result<Response<pb::DeleteHostedOrderResponse>, Status> {
        let caller = convert::caller(&request.get_ref().account_id)?;
        let order = self
            .app
            .delete(caller, order_id(&request.get_ref().order_id)?)
            .await?;
        Ok(Response::new(pb::DeleteHostedOrderResponse {
            order: Some(order_to_proto(&order)),
        }))
    }

    #[tracing::instrument(skip_all, fields(textport.order.id = %request.get_ref().order_id))]
    async fn request_verification_codes(
        &self,
        request: Request<pb::RequestVerificationCodesRequest>,
    ) -> Result<Response<pb::RequestVerificationCodesResponse>, Status> {
        let request = request.into_inner();
        let caller = convert::caller(&request.account_id)?;
        let method = match request.verification_method() {
            pb::VerificationMethod::Sms => Method::Sms,
            pb::VerificationMethod::Call => Method::Call,
            pb::VerificationMethod::Unspecified => {
                return Err(ApiError::at_pointer(
                    ErrorKind::InvalidEnum,
                    "/verification_method",
                    "verification_method must be one of sms, call.",
                )
                .into());
            }
        };
        let sent = self
            .app
            .request_codes(
                caller,
                order_id(&request.order_id)?,
                request.phone_numbers,
                method,
            )
            .await?;
        Ok(Response::new(pb::RequestVerificationCodesResponse {
            results: sent
                .into_iter()
                .map(|sent| pb::VerificationCodeRequestResult {
                    phone_number: sent.phone_number,
                    verification_code_id: sent.verification_code_id,
                    r#type: method_to_proto(sent.method) as i32,
                    error: sent.error,
                })
                .collect(),
        }))
    }

    #[tracing::instrument(skip_all, fields(textport.order.id = %request.get_ref().order_id))]
    async fn validate_verification_codes(
        &self,
        request: Request<pb::ValidateVerificationCodesRequest>,
    ) -> Result<Response<pb::ValidateVerificationCodesResponse>, Status> {
        let request = request.into_inner();
        let caller = convert::caller(&request.account_id)?;
        let id = order_id(&request.order_id)?;
        let entries = request
            .verification_codes
            .into_iter()
            .map(|entry| (entry.phone_number, entry.code))
            .collect();
        let results = self.app.validate_codes(caller, id, entries).await?;
        Ok(Response::new(pb::ValidateVerificationCodesResponse {
            order_id: id.to_string(),
            phone_numbers: results
                .into_iter()
                .map(|(phone_number, status)| pb::CodeValidationResult {
                    phone_number,
                    status: match status {
                        Validation::Verified => pb::CodeValidationStatus::Verified,
                        Validation::Rejected => pb::CodeValidationStatus::Rejected,
                        Validation::AlreadyVerified => pb::CodeValidationStatus::AlreadyVerified,
                    } as i32,
                })
                .collect(),
        }))
    }

    #[tracing::instrument(skip_all, fields(textport.order.id = %request.get_ref().order_id))]
    async fn upload_documents(
        &self,
        request: Request<pb::UploadDocumentsRequest>,
    ) -> Result<Response<pb::UploadDocumentsResponse>, Status> {
        let request = request.into_inner();
        let caller = convert::caller(&request.account_id)?;
        let upload = |file: Option<pb::UploadedFile>| {
            file.map(|file| Upload {
                filename: file.filename,
                bytes: file.content,
            })
        };
        let (order, warnings) = self
            .app
            .upload(
                caller,
                order_id(&request.order_id)?,
                upload(request.loa),
                upload(request.bill),
            )
            .await?;
        Ok(Response::new(pb::UploadDocumentsResponse {
            order: Some(order_to_proto(&order)),
            warnings: warnings
                .into_iter()
                .map(|warning| pb::DocumentWarning {
                    document: warning.document.field().to_owned(),
                    phone_number: warning.phone_number,
                    code: warning.code.as_str().to_owned(),
                    message: warning.message,
                })
                .collect(),
        }))
    }

    #[tracing::instrument(skip_all, fields(textport.order.id = %request.get_ref().order_id))]
    async fn decide_transfer(
        &self,
        request: Request<pb::DecideTransferRequest>,
    ) -> Result<Response<pb::DecideTransferResponse>, Status> {
        let request = request.into_inner();
        let caller = convert::caller(&request.account_id)?;
        let order = self
            .app
            .decide_transfer(
                caller,
                order_id(&request.order_id)?,
                request.token,
                request.approve,
            )
            .await?;
        Ok(Response::new(pb::DecideTransferResponse {
            order: Some(order_to_proto(&order)),
        }))
    }

    async fn get_timeline(
        &self,
        request: Request<pb::GetTimelineRequest>,
    ) -> Result<Response<pb::GetTimelineResponse>, Status> {
        let caller = convert::caller(&request.get_ref().account_id)?;
        let rows = self
            .app
            .timeline(caller, order_id(&request.get_ref().order_id)?)
            .await?;
        Ok(Response::new(pb::GetTimelineResponse {
            entries: rows.into_iter().map(timeline_entry).collect(),
        }))
    }

    async fn get_loa_template(
        &self,
        request: Request<pb::GetLoaTemplateRequest>,
    ) -> Result<Response<pb::GetLoaTemplateResponse>, Status> {
        let caller = convert::caller(&request.get_ref().account_id)?;
        let id = order_id(&request.get_ref().order_id)?;
        let pdf = self.app.loa_template(caller, id).await?;
        Ok(Response::new(pb::GetLoaTemplateResponse {
            pdf,
            filename: format!("loa-{id}.pdf"),
        }))
    }

    #[tracing::instrument(skip_all, fields(textport.order.id = %request.get_ref().order_id))]
    async fn retry_hosted_numbers(
        &self,
        request: Request<pb::RetryHostedNumbersRequest>,
    ) -> Result<Response<pb::RetryHostedNumbersResponse>, Status> {
        let request = request.into_inner();
        let caller = convert::caller(&request.account_id)?;
        let order = self
            .app
            .retry(caller, order_id(&request.order_id)?, request.phone_numbers)
            .await?;
        Ok(Response::new(pb::RetryHostedNumbersResponse {
            order: Some(order_to_proto(&order)),
        }))
    }
}

// === impl EventSinkService ===

#[tonic::async_trait]
impl event_sink_service_server::EventSinkService for HostedOrderApi {
    async fn deliver(
        &self,
        request: Request<events_pb::DeliverRequest>,
    ) -> Result<Response<events_pb::DeliverResponse>, Status> {
        for event in request.into_inner().events {
            match transfer_of(&event) {
                Ok((id, changed)) => self.app.apply_transfer(id, changed).await?,
                // Sending it again cannot fix it, and refusing the batch would hold back the
                // valid events sent with it: it is logged and acknowledged.
                Err(error) => {
                    tracing::error!(%error, event = %event.id, "an event that cannot be applied was dropped")
                }
            }
        }
        Ok(Response::new(events_pb::DeliverResponse {}))
    }
}

fn transfer_of(
    event: &events_pb::SinkEvent,
) -> Result<(uuid::Uuid, transfer_pb::TransferRequest), ApiError> {
    if event.kind != TRANSFER_CHANGED_KIND {
        return Err(ApiError::at_pointer(
            ErrorKind::Validation,
            "/kind",
            format!(
                "hosted-order takes {TRANSFER_CHANGED_KIND}, not {}",
                event.kind
            ),
        ));
    }
    let id = uuid::Uuid::parse_str(&event.id)
        .map_err(|error| ApiError::at_pointer(ErrorKind::Validation, "/id", error.to_string()))?;
    let changed = transfer_pb::TransferChanged::decode(event.body.as_slice())
        .map_err(|error| ApiError::at_pointer(ErrorKind::Validation, "/body", error.to_string()))?;
    let request = changed.transfer_request.ok_or_else(|| {
        ApiError::at_pointer(ErrorKind::Validation, "/body/transfer_request", "missing")
    })?;
    Ok((id, request))
}

// === impl HostedNumberService ===

#[tonic::async_trait]
impl hosted_number_service_server::HostedNumberService for HostedOrderApi {
    async fn list_hosted_numbers(
        &self,
        request: Request<pb::ListHostedNumbersRequest>,
    ) -> Result<Response<pb::ListHostedNumbersResponse>, Status> {
        let request = request.into_inner();
        let caller = convert::caller(&request.account_id)?;
        let page = convert::page(request.page.as_ref())?;
        let filter = HostedFilter {
            messaging_profile_id: request
                .messaging_profile_id
                .as_deref()
                .map(|raw| profile_id(raw, "/messaging_profile_id"))
                .transpose()?,
            ascending: match request.sort() {
                pb::PhoneNumberSort::Unspecified => None,
                pb::PhoneNumberSort::Asc => Some(true),
                pb::PhoneNumberSort::Desc => Some(false),
            },
            phone_number: request.phone_number,
            phone_number_contains: request.phone_number_contains,
        };
        let (numbers, total) = self.app.list_hosted(caller, filter, page).await?;
        Ok(Response::new(pb::ListHostedNumbersResponse {
            numbers: numbers
                .iter()
                .map(|number| number_to_proto(number, None, caller.to_string()))
                .collect(),
            page: Some(convert::page_info(page.info(total))),
        }))
    }

    async fn get_hosted_number(
        &self,
        request: Request<pb::GetHostedNumberRequest>,
    ) -> Result<Response<pb::GetHostedNumberResponse>, Status> {
        let request = request.into_inner();
        let caller = convert::caller(&request.account_id)?;
        let key = match request.key {
            Some(pb::get_hosted_number_request::Key::HostedNumberId(raw)) => {
                HostedKey::Id(hosted_number_id(&raw)?)
            }
            // A path segment that is no number names no hosted number.
            Some(pb::get_hosted_number_request::Key::PhoneNumber(raw)) => HostedKey::Number(
                E164::parse(&raw).map_err(|_| ApiError::not_found("hosted number"))?,
            ),
            None => {
                return Err(ApiError::at_pointer(
                    ErrorKind::Validation,
                    "/hosted_number_id",
                    "Name the hosted number by id or phone number.",
                )
                .into());
            }
        };
        let number = self.app.get_hosted(caller, key).await?;
        Ok(Response::new(pb::GetHostedNumberResponse {
            number: Some(number_to_proto(&number, None, caller.to_string())),
        }))
    }

    async fn update_hosted_number(
        &self,
        request: Request<pb::UpdateHostedNumberRequest>,
    ) -> Result<Response<pb::UpdateHostedNumberResponse>, Status> {
        let request = request.into_inner();
        let caller = convert::caller(&request.account_id)?;
        let id = hosted_number_id(&request.hosted_number_id)?;
        let profile = match request
            .messaging_profile_id
            .and_then(|change| change.change)
        {
            None => None,
            Some(pb::nullable_string::Change::Clear(_)) => Some(None),
            Some(pb::nullable_string::Change::Set(raw)) => {
                Some(Some(profile_id(&raw, "/messaging_profile_id")?))
            }
        };
        let number = self
            .app
            .update_hosted(
                caller,
                id,
                profile,
                request.messaging_product,
                request.tags.map(|tags| tags.values),
            )
            .await?;
        Ok(Response::new(pb::UpdateHostedNumberResponse {
            number: Some(number_to_proto(&number, None, caller.to_string())),
        }))
    }

    async fn delete_hosted_number(
        &self,
        request: Request<pb::DeleteHostedNumberRequest>,
    ) -> Result<Response<pb::DeleteHostedNumberResponse>, Status> {
        let request = request.into_inner();
        let caller = convert::caller(&request.account_id)?;
        let id = hosted_number_id(&request.hosted_number_id)?;
        let order = self.app.delete_hosted(caller, id).await?;
        Ok(Response::new(pb::DeleteHostedNumberResponse {
            order: Some(order_to_proto(&order)),
        }))
    }
}

// === impl OperatorReviewService ===

#[tonic::async_trait]
impl operator_review_service_server::OperatorReviewService for HostedOrderApi {
    async fn list_orders_awaiting_review(
        &self,
        request: Request<pb::ListOrdersAwaitingReviewRequest>,
    ) -> Result<Response<pb::ListOrdersAwaitingReviewResponse>, Status> {
        let page = convert::page(request.get_ref().page.as_ref())?;
        let (orders, total) = self.app.awaiting_review(page).await?;
        Ok(Response::new(pb::ListOrdersAwaitingReviewResponse {
            orders: orders.iter().map(order_to_proto).collect(),
            page: Some(convert::page_info(page.info(total))),
        }))
    }

    #[tracing::instrument(skip_all, fields(textport.order.id = %request.get_ref().order_id))]
    async fn accept_hosted_order(
        &self,
        request: Request<pb::AcceptHostedOrderRequest>,
    ) -> Result<Response<pb::AcceptHostedOrderResponse>, Status> {
        let request = request.into_inner();
        let order = self
            .app
            .accept(order_id(&request.order_id)?, request.note, Actor::Operator)
            .await?;
        Ok(Response::new(pb::AcceptHostedOrderResponse {
            order: Some(order_to_proto(&order)),
        }))
    }

    #[tracing::instrument(skip_all, fields(textport.order.id = %request.get_ref().order_id))]
    async fn fail_hosted_order(
        &self,
        request: Request<pb::FailHostedOrderRequest>,
    ) -> Result<Response<pb::FailHostedOrderResponse>, Status> {
        let request = request.into_inner();
        let status = order_status_from_proto(request.failure_status()).ok_or_else(|| {
            ApiError::at_pointer(
                ErrorKind::InvalidEnum,
                "/status",
                "status must be one of the order failure statuses.",
            )
        })?;
        let numbers = request
            .number_failures
            .iter()
            .enumerate()
            .map(|(at, failure)| {
                let pointer = format!("/phone_numbers/{at}");
                let number = E164::parse(&failure.phone_number).map_err(|error| {
                    ApiError::at_pointer(
                        ErrorKind::InvalidPhoneNumber,
                        format!("{pointer}/phone_number"),
                        error.to_string(),
                    )
                })?;
                let status = number_status_from_proto(failure.status())
                    .filter(|s| s.is_failed())
                    .ok_or_else(|| {
                        ApiError::at_pointer(
                            ErrorKind::InvalidEnum,
                            format!("{pointer}/status"),
                            "status must be one of the number failure statuses.",
                        )
                    })?;
                Ok((number, status))
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        let order = self
            .app
            .fail(
                order_id(&request.order_id)?,
                Failure {
                    status,
                    numbers,
                    reason: request
                        .reason
                        .unwrap_or_else(|| format!("review failed: {}", status.as_str())),
                },
            )
            .await?;
        Ok(Response::new(pb::FailHostedOrderResponse {
            order: Some(order_to_proto(&order)),
        }))
    }

    async fn get_document(
        &self,
        request: Request<pb::GetDocumentRequest>,
    ) -> Result<Response<pb::GetDocumentResponse>, Status> {
        let request = request.into_inner();
        let kind = document_kind(&request.document)?;
        let (content, filename) = self
            .app
            .document(order_id(&request.order_id)?, kind)
            .await?;
        Ok(Response::new(pb::GetDocumentResponse { content, filename }))
    }
}

// === domain → proto ===

fn document_kind(raw: &str) -> Result<DocumentKind, ApiError> {
    match raw {
        "loa" => Ok(DocumentKind::Loa),
        "bill" => Ok(DocumentKind::Bill),
        _ => Err(ApiError::at_pointer(
            ErrorKind::InvalidEnum,
            "/document",
            "document must be one of loa, bill.",
        )),
    }
}

fn order_to_proto(order: &Order) -> pb::HostedOrder {
    let account = order.account.to_string();
    pb::HostedOrder {
        id: order.id.to_string(),
        account_id: account.clone(),
        messaging_profile_id: order.messaging_profile_id.map(|id| id.to_string()),
        status: order_status_to_proto(order.status) as i32,
        phone_numbers: order
            .numbers
            .iter()
            .map(|number| number_to_proto(number, Some(order), account.clone()))
            .collect(),
        internal_transfer: order.numbers.iter().any(|n| n.transfer_from.is_some()),
        documents: Some(pb::HostedOrderDocuments {
            loa_document_id: order.loa.as_ref().map(|d| d.id.to_string()),
            bill_document_id: order.bill.as_ref().map(|d| d.id.to_string()),
            loa_uploaded_at: order
                .loa
                .as_ref()
                .map(|d| convert::timestamp(d.uploaded_at)),
            bill_uploaded_at: order
                .bill
                .as_ref()
                .map(|d| convert::timestamp(d.uploaded_at)),
        }),
        failure_reason: order.failure_reason.clone(),
        created_at: Some(convert::timestamp(order.created_at)),
        updated_at: Some(convert::timestamp(order.updated_at)),
        waiting_on: match order.waiting_on {
            None => pb::WaitingOn::Unspecified,
            Some(WaitingOn::CustomerVerification) => pb::WaitingOn::CustomerVerification,
            Some(WaitingOn::Documents) => pb::WaitingOn::Documents,
            Some(WaitingOn::Review) => pb::WaitingOn::Review,
            Some(WaitingOn::Carrier) => pb::WaitingOn::Carrier,
        } as i32,
        waiting_since: order.waiting_since.map(convert::timestamp),
    }
}

fn number_to_proto(number: &Number, order: Option<&Order>, account: String) -> pb::HostedNumber {
    pb::HostedNumber {
        id: number.id.to_string(),
        order_id: order.map(|o| o.id.to_string()).unwrap_or_default(),
        account_id: account,
        phone_number: number.phone_number.as_str().to_owned(),
        status: number_status_to_proto(number.status) as i32,
        messaging_profile_id: number.messaging_profile_id.map(|id| id.to_string()),
        messaging_product: number.messaging_product.clone(),
        tags: number.tags.clone(),
        country_code: number
            .phone_number
            .nanp_parts()
            .map_or("", |_| "US")
            .to_owned(),
        number_type: "long-code".to_owned(),
        transfer_from_account_id: number.transfer_from.map(|a| a.to_string()),
        created_at: Some(convert::timestamp(number.created_at)),
        updated_at: Some(convert::timestamp(number.updated_at)),
        code_attempts_remaining: number.code_attempts_remaining,
        code_resend_allowed_at: number.code_resend_allowed_at.map(convert::timestamp),
        campaign_id: number.campaign_id.clone(),
        transfer_decision: number.transfer_decision.map(|d| d.as_str().to_owned()),
        approval_deadline: number.approval_deadline.map(convert::timestamp),
    }
}

fn timeline_entry(row: HistoryRow) -> pb::TimelineEntry {
    pb::TimelineEntry {
        phone_number: row.phone_number,
        from_status: row.from_status,
        to_status: row.to_status,
        actor: row.actor,
        reason: row.reason,
        trace_id: row.trace_id,
        occurred_at: Some(convert::timestamp(row.occurred_at)),
    }
}

fn method_to_proto(method: Method) -> pb::VerificationMethod {
    match method {
        Method::Sms => pb::VerificationMethod::Sms,
        Method::Call => pb::VerificationMethod::Call,
    }
}

fn order_status_to_proto(status: OrderStatus) -> pb::HostedOrderStatus {
    use pb::HostedOrderStatus as P;
    match status {
        OrderStatus::Pending => P::Pending,
        OrderStatus::LoaFileSuccessful => P::LoaFileSuccessful,
        OrderStatus::Provisioning => P::Provisioning,
        OrderStatus::Successful => P::Successful,
        OrderStatus::Failed => P::Failed,
        OrderStatus::Deleted => P::Deleted,
        OrderStatus::CarrierRejected => P::CarrierRejected,
        OrderStatus::IneligibleCarrier => P::IneligibleCarrier,
        OrderStatus::ComplianceReviewFailed => P::ComplianceReviewFailed,
        OrderStatus::IncompleteDocumentation => P::IncompleteDocumentation,
        OrderStatus::IncorrectBillingInformation => P::IncorrectBillingInformation,
        OrderStatus::LoaFileInvalid => P::LoaFileInvalid,
    }
}

fn order_status_from_proto(status: pb::HostedOrderStatus) -> Option<OrderStatus> {
    OrderStatus::ALL
        .iter()
        .copied()
        .find(|s| order_status_to_proto(*s) == status)
}

fn number_status_to_proto(status: NumberStatus) -> pb::HostedNumberStatus {
    use pb::HostedNumberStatus as P;
    match status {
        NumberStatus::Pending => P::Pending,
        NumberStatus::OwnershipSuccessful => P::OwnershipSuccessful,
        NumberStatus::Provisioning => P::Provisioning,
        NumberStatus::Successful => P::Successful,
        NumberStatus::Deleted => P::Deleted,
        NumberStatus::Failed => P::Failed,
        NumberStatus::FailedActivation => P::FailedActivation,
        NumberStatus::FailedCarrierRejected => P::FailedCarrierRejected,
        NumberStatus::FailedIneligibleCarrier => P::FailedIneligibleCarrier,
        NumberStatus::FailedNumberAlreadyHosted => P::FailedNumberAlreadyHosted,
        NumberStatus::FailedNumberNotFound => P::FailedNumberNotFound,
        NumberStatus::FailedOwnershipVerification => P::FailedOwnershipVerification,
        NumberStatus::FailedTimeout => P::FailedTimeout,
    }
}

fn number_status_from_proto(status: pb::HostedNumberStatus) -> Option<NumberStatus> {
    NumberStatus::ALL
        .iter()
        .copied()
        .find(|s| number_status_to_proto(*s) == status)
}
