//! The gRPC edge of transfer-approval: proto requests and events become domain values, the app
//! answers, and domain values become proto responses. No rules and no storage here.

use prost::Message as _;
use textport_domain::{AccountId, E164, OrderId};
use textport_platform::{ApiError, ErrorKind, convert};
use textport_proto::events::v1::{self as events_pb, event_sink_service_server};
use textport_proto::transfer_approval::v1::{
    self as pb, CANCEL_TRANSFERS_KIND, OPEN_TRANSFERS_KIND, transfer_approval_service_server,
};
use tonic::{Request, Response, Status};

use crate::app::{App, Received};
use crate::domain::{Choice, Holding, Mode, Opening, Token, TransferPolicy};
use crate::events::transfer_request;

#[derive(Clone)]
pub struct TransferApprovalApi {
    app: App,
}

impl TransferApprovalApi {
    pub fn new(app: App) -> Self {
        Self { app }
    }
}

fn order_id(pointer: &str, raw: &str) -> Result<OrderId, ApiError> {
    convert::id(pointer, OrderId::parse, raw)
}

fn token(raw: String) -> Result<Token, ApiError> {
    if raw.is_empty() {
        return Err(ApiError::at_pointer(
            ErrorKind::Validation,
            "/token",
            "token is required: the one from the approval e-mail.",
        ));
    }
    Ok(Token::presented(raw))
}

fn choice(approve: bool) -> Choice {
    if approve {
        Choice::Approve
    } else {
        Choice::Reject
    }
}

fn mode(raw: i32) -> Result<Mode, ApiError> {
    match pb::TransferPolicyMode::try_from(raw) {
        Ok(pb::TransferPolicyMode::RequireApproval) => Ok(Mode::RequireApproval),
        Ok(pb::TransferPolicyMode::ApproveImmediately) => Ok(Mode::ApproveImmediately),
        Ok(pb::TransferPolicyMode::RejectAtDeadline) => Ok(Mode::RejectAtDeadline),
        Ok(pb::TransferPolicyMode::Unspecified) | Err(_) => Err(ApiError::at_pointer(
            ErrorKind::InvalidEnum,
            "/mode",
            "mode must be one of require_approval, approve_immediately, reject_at_deadline.",
        )),
    }
}

fn policy_to_proto(
    holder: AccountId,
    (policy, service_hours): (TransferPolicy, u32),
) -> pb::TransferPolicy {
    pb::TransferPolicy {
        account_id: holder.to_string(),
        mode: match policy.mode {
            Mode::RequireApproval => pb::TransferPolicyMode::RequireApproval,
            Mode::ApproveImmediately => pb::TransferPolicyMode::ApproveImmediately,
            Mode::RejectAtDeadline => pb::TransferPolicyMode::RejectAtDeadline,
        }
        .into(),
        window_hours: policy.window_hours_or(service_hours),
        allowlist: policy.allowlist.iter().map(ToString::to_string).collect(),
        updated_at: policy.updated_at.map(convert::timestamp),
    }
}

// === impl TransferApprovalService ===

#[tonic::async_trait]
impl transfer_approval_service_server::TransferApprovalService for TransferApprovalApi {
    // Nothing of the request is recorded: it carries the token.
    #[tracing::instrument(skip_all)]
    async fn decide_transfer(
        &self,
        request: Request<pb::DecideTransferRequest>,
    ) -> Result<Response<pb::DecideTransferResponse>, Status> {
        let request = request.into_inner();
        let order = order_id("/order_id", &request.order_id)?;
        let holder = convert::id(
            "/holder_account_id",
            AccountId::parse,
            &request.holder_account_id,
        )?;
        let token = token(request.token)?;
        let decided = self
            .app
            .decide(order, holder, &token, choice(request.approve))
            .await?;
        Ok(Response::new(pb::DecideTransferResponse {
            transfer_request: Some(transfer_request(&decided)),
        }))
    }

    // The by-token calls record only the order: their request carries the token.
    #[tracing::instrument(skip_all, fields(textport.order.id = %request.get_ref().order_id))]
    async fn get_transfer_by_token(
        &self,
        request: Request<pb::GetTransferByTokenRequest>,
    ) -> Result<Response<pb::GetTransferByTokenResponse>, Status> {
        let request = request.into_inner();
        let order = order_id("/order_id", &request.order_id)?;
        let found = self
            .app
            .find_by_token(order, &token(request.token)?)
            .await?;
        Ok(Response::new(pb::GetTransferByTokenResponse {
            transfer_request: Some(transfer_request(&found)),
        }))
    }

    #[tracing::instrument(skip_all, fields(textport.order.id = %request.get_ref().order_id))]
    async fn decide_by_token(
        &self,
        request: Request<pb::DecideByTokenRequest>,
    ) -> Result<Response<pb::DecideByTokenResponse>, Status> {
        let request = request.into_inner();
        let order = order_id("/order_id", &request.order_id)?;
        let decided = self
            .app
            .decide_by_token(order, &token(request.token)?, choice(request.approve))
            .await?;
        Ok(Response::new(pb::DecideByTokenResponse {
            transfer_request: Some(transfer_request(&decided)),
        }))
    }

    #[tracing::instrument(skip_all, fields(textport.order.id = %request.get_ref().order_id))]
    async fn list_transfer_requests(
        &self,
        request: Request<pb::ListTransferRequestsRequest>,
    ) -> Result<Response<pb::ListTransferRequestsResponse>, Status> {
        let order = order_id("/order_id", &request.into_inner().order_id)?;
        let requests = self.app.list(order).await?;
        Ok(Response::new(pb::ListTransferRequestsResponse {
            transfer_requests: requests.iter().map(transfer_request).collect(),
        }))
    }

    #[tracing::instrument(skip_all, fields(textport.account.id = %request.get_ref().account_id))]
    async fn get_transfer_policy(
        &self,
        request: Request<pb::GetTransferPolicyRequest>,
    ) -> Result<Response<pb::GetTransferPolicyResponse>, Status> {
        let holder = convert::id(
            "/account_id",
            AccountId::parse,
            &request.into_inner().account_id,
        )?;
        let policy = self.app.policy(holder).await?;
        Ok(Response::new(pb::GetTransferPolicyResponse {
            policy: Some(policy_to_proto(holder, policy)),
        }))
    }

    #[tracing::instrument(skip_all, fields(textport.account.id = %request.get_ref().account_id))]
    async fn set_transfer_policy(
        &self,
        request: Request<pb::SetTransferPolicyRequest>,
    ) -> Result<Response<pb::SetTransferPolicyResponse>, Status> {
        let request = request.into_inner();
        let holder = convert::id("/account_id", AccountId::parse, &request.account_id)?;
        let mode = mode(request.mode)?;
        let allowlist = request
            .allowlist
            .iter()
            .enumerate()
            .map(|(i, raw)| convert::id(&format!("/allowlist/{i}"), AccountId::parse, raw))
            .collect::<Result<_, _>>()?;
        let policy = self
            .app
            .set_policy(holder, mode, request.window_hours, allowlist)
            .await?;
        Ok(Response::new(pb::SetTransferPolicyResponse {
            policy: Some(policy_to_proto(holder, policy)),
        }))
    }
}

// === impl EventSinkService ===

#[tonic::async_trait]
impl event_sink_service_server::EventSinkService for TransferApprovalApi {
    #[tracing::instrument(skip_all, fields(events = request.get_ref().events.len()))]
    async fn deliver(
        &self,
        request: Request<events_pb::DeliverRequest>,
    ) -> Result<Response<events_pb::DeliverResponse>, Status> {
        let mut openings = Vec::new();
        let mut cancellations = Vec::new();
        for event in request.into_inner().events {
            match applicable(&event) {
                Ok(Applicable::Open(opening)) => openings.push(Received {
                    value: opening,
                    traceparent: event.traceparent,
                }),
                Ok(Applicable::Cancel(order)) => cancellations.push(Received {
                    value: order,
                    traceparent: event.traceparent,
                }),
                // Sending it again cannot fix it, and refusing the batch would hold back the
                // valid events sent with it: it is logged and acknowledged.
                Err(error) => {
                    tracing::error!(%error, event = %event.id, kind = %event.kind, "an event that cannot be applied was dropped")
                }
            }
        }
        self.app.apply(&openings, &cancellations).await?;
        Ok(Response::new(events_pb::DeliverResponse {}))
    }
}

enum Applicable {
    Open(Opening),
    Cancel(OrderId),
}

fn applicable(event: &events_pb::SinkEvent) -> Result<Applicable, ApiError> {
    let body = |error: prost::DecodeError| {
        ApiError::at_pointer(ErrorKind::Validation, "/body", error.to_string())
    };
    match event.kind.as_str() {
        OPEN_TRANSFERS_KIND => {
            let open = pb::OpenTransfers::decode(event.body.as_slice()).map_err(body)?;
            opening_of(open).map(Applicable::Open)
        }
        CANCEL_TRANSFERS_KIND => {
            let cancel = pb::CancelTransfers::decode(event.body.as_slice()).map_err(body)?;
            Ok(Applicable::Cancel(order_id(
                "/body/order_id",
                &cancel.order_id,
            )?))
        }
        other => Err(ApiError::at_pointer(
            ErrorKind::Validation,
            "/kind",
            format!(
                "transfer-approval takes {OPEN_TRANSFERS_KIND} and {CANCEL_TRANSFERS_KIND}, not {other}"
            ),
        )),
    }
}

fn opening_of(open: pb::OpenTransfers) -> Result<Opening, ApiError> {
    let order = order_id("/body/order_id", &open.order_id)?;
    let to = convert::id("/body/to_account_id", AccountId::parse, &open.to_account_id)?;
    let holdings = open
        .holdings
        .into_iter()
        .enumerate()
        .map(|(i, holding)| {
            let from = convert::id(
                &format!("/body/holdings/{i}/from_account_id"),
                AccountId::parse,
                &holding.from_account_id,
            )?;
            let phone_numbers = holding
                .phone_numbers
                .iter()
                .enumerate()
                .map(|(j, raw)| {
                    E164::parse(raw).map_err(|error| {
                        ApiError::at_pointer(
                            ErrorKind::InvalidPhoneNumber,
                            format!("/body/holdings/{i}/phone_numbers/{j}"),
                            error.to_string(),
                        )
                    })
                })
                .collect::<Result<_, _>>()?;
            Ok(Holding {
                from,
                phone_numbers,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Opening::new(order, to, open.to_account_name, holdings).map_err(|error| {
        ApiError::at_pointer(ErrorKind::Validation, "/body/holdings", error.to_string())
    })
}
