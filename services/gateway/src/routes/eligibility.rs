//! `POST /v2/messaging_hosted_number_orders/eligibility_numbers_check` and `POST /v2/portability_checks`.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use textport_proto::eligibility::v1::{
    self as pb, CheckHostedEligibilityRequest, CheckPortabilityRequest,
};

use super::non_empty;
use crate::auth::Caller;
use crate::error::HttpError;
use crate::extract::ApiJson;
use crate::state::AppState;

/// Both checks take the same body. Missing or null `phone_numbers` reaches the service as an
/// empty list, which it refuses naming `/phone_numbers`.
#[derive(Deserialize)]
pub struct NumbersBody {
    phone_numbers: Option<Vec<String>>,
}

pub async fn check_hosted_eligibility(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiJson(body): ApiJson<NumbersBody>,
) -> Result<Json<Value>, HttpError> {
    let response = state
        .eligibility
        .clone()
        .check_hosted_eligibility(CheckHostedEligibilityRequest {
            account_id: account.to_string(),
            phone_numbers: body.phone_numbers.unwrap_or_default(),
        })
        .await?
        .into_inner();
    let results: Vec<Value> = response
        .results
        .into_iter()
        .map(|result| {
            let status = result.status();
            json!({
                "phone_number": result.phone_number,
                "eligible": status == pb::EligibilityStatus::Eligible,
                "eligible_status": super::enum_text(status.as_str_name(), "ELIGIBILITY_STATUS_"),
                "detail": result.detail,
            })
        })
        .collect();
    Ok(Json(json!({ "phone_numbers": results })))
}

pub async fn check_portability(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiJson(body): ApiJson<NumbersBody>,
) -> Result<Response, HttpError> {
    let response = state
        .eligibility
        .clone()
        .check_portability(CheckPortabilityRequest {
            account_id: account.to_string(),
            phone_numbers: body.phone_numbers.unwrap_or_default(),
        })
        .await?
        .into_inner();
    let data: Vec<Value> = response
        .results
        .into_iter()
        .map(|result| {
            json!({
                "record_type": "portability_check_result",
                "phone_number": result.phone_number,
                "portable": result.portable,
                "fast_portable": result.fast_portable,
                "not_portable_reason": result.not_portable_reason,
                "messaging_capable": result.messaging_capable,
                "carrier_name": non_empty(result.carrier_name),
                "phone_number_type": non_empty(result.phone_number_type),
            })
        })
        .collect();
    Ok((StatusCode::CREATED, Json(json!({ "data": data }))).into_response())
}
