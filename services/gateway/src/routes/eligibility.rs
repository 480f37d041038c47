//! `POST /v2/messaging_hosted_number_orders/eligibility_numbers_check` and `POST /v2/portability_checks`.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use http::StatusCode;
use serde::{Deserialize, Serialize};
use textport_proto::eligibility::v1::{
    self as pb, CheckHostedEligibilityRequest, CheckPortabilityRequest,
};

use super::required;
use crate::auth::Caller;
use crate::error::HttpError;
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::wire::EligibleStatus;

/// Both checks take the same body. Missing or null `phone_numbers` reaches the service as an
/// empty list, which it refuses naming `/phone_numbers`.
#[derive(Deserialize)]
pub struct NumbersBody {
    phone_numbers: Option<Vec<String>>,
}

#[derive(Serialize)]
struct EligibilityAnswer<'a> {
    phone_numbers: Vec<EligibilityResult<'a>>,
}

#[derive(Serialize)]
struct EligibilityResult<'a> {
    phone_number: &'a str,
    eligible: bool,
    eligible_status: &'static str,
    detail: &'a str,
}

#[derive(Serialize)]
struct PortabilityAnswer<'a> {
    data: Vec<PortabilityResult<'a>>,
}

#[derive(Serialize)]
struct PortabilityResult<'a> {
    record_type: &'static str,
    phone_number: &'a str,
    portable: bool,
    fast_portable: bool,
    not_portable_reason: &'a str,
    messaging_capable: bool,
    carrier_name: Option<&'a str>,
    phone_number_type: Option<&'a str>,
}

pub async fn check_hosted_eligibility(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiJson(body): ApiJson<NumbersBody>,
) -> Result<Response, HttpError> {
    let request = CheckHostedEligibilityRequest {
        account_id: account.to_string(),
        phone_numbers: body.phone_numbers.unwrap_or_default(),
    };
    let response = state
        .eligibility
        .clone()
        .check_hosted_eligibility(request)
        .await?
        .into_inner();
    let phone_numbers = response
        .results
        .iter()
        .map(|result| {
            let status = required(
                EligibleStatus::text_of(result.status),
                "an eligibility status",
            )?;
            Ok(EligibilityResult {
                phone_number: &result.phone_number,
                eligible: result.status() == pb::EligibilityStatus::Eligible,
                eligible_status: status,
                detail: &result.detail,
            })
        })
        .collect::<Result<_, HttpError>>()?;
    let answer = EligibilityAnswer { phone_numbers };
    Ok(Json(answer).into_response())
}

pub async fn check_portability(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiJson(body): ApiJson<NumbersBody>,
) -> Result<Response, HttpError> {
    let request = CheckPortabilityRequest {
        account_id: account.to_string(),
        phone_numbers: body.phone_numbers.unwrap_or_default(),
    };
    let response = state
        .eligibility
        .clone()
        .check_portability(request)
        .await?
        .into_inner();
    let answer = PortabilityAnswer {
        data: response
            .results
            .iter()
            .map(|result| PortabilityResult {
                record_type: "portability_check_result",
                phone_number: &result.phone_number,
                portable: result.portable,
                fast_portable: result.fast_portable,
                not_portable_reason: &result.not_portable_reason,
                messaging_capable: result.messaging_capable,
                carrier_name: result.carrier_name.as_deref(),
                phone_number_type: result.phone_number_type.as_deref(),
            })
            .collect(),
    };
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}
