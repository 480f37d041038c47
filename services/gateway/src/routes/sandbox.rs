//! `/sandbox/v1/…`: the simulated outside world, for tests and demos. Mounted only with the
//! sandbox on; each part is served by the service that owns it.

use axum::Json;
use axum::extract::State;
use chrono::{Duration, SecondsFormat};
use serde::{Deserialize, Serialize};
use textport_domain::{AdvanceError, Clock, E164, OffsetClock};
use textport_platform::{ApiError, ErrorKind};
use textport_proto::eligibility::v1::{
    self as pb, ListMagicNumbersRequest, LookupNumbersRequest, SeedNumberRequest,
};

use super::{Data, required, time};
use crate::error::HttpError;
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;
use crate::wire::{BillingCheck, Holding, LineType};

#[derive(Serialize)]
pub struct MagicRangeJson {
    record_type: &'static str,
    first: String,
    last: String,
    pattern: String,
    example: String,
    meaning: String,
}

pub async fn magic_numbers(
    State(state): State<AppState>,
) -> Result<Json<Data<Vec<MagicRangeJson>>>, HttpError> {
    let ranges = state
        .directory_sandbox
        .clone()
        .list_magic_numbers(ListMagicNumbersRequest {})
        .await?
        .into_inner()
        .ranges;
    let data = ranges
        .into_iter()
        .map(|range| MagicRangeJson {
            record_type: "magic_number_range",
            first: format!("{:04}", range.first),
            last: format!("{:04}", range.last),
            pattern: format!("+1 NPA 555 {:04}–{:04}", range.first, range.last),
            example: format!("+1312555{:04}", range.first),
            meaning: range.meaning,
        })
        .collect();
    Ok(Json(Data { data }))
}

#[derive(Deserialize)]
pub struct SeedBody {
    line_type: Option<String>,
    carrier_name: Option<String>,
    nnid: Option<String>,
    routable: Option<bool>,
    portable: Option<bool>,
    fast_portable: Option<bool>,
    messaging_capable: Option<bool>,
    billing_check: Option<String>,
    holding: Option<String>,
    holder_account_id: Option<String>,
    transferable: Option<bool>,
}

/// The number in the path, checked here so the error can name the parameter.
fn path_number(raw: String) -> Result<String, ApiError> {
    E164::parse(&raw)
        .map(|number| number.to_string())
        .map_err(|error| {
            ApiError::at_parameter(
                ErrorKind::InvalidPhoneNumber,
                "phone_number",
                error.to_string(),
            )
        })
}

pub async fn seed_number(
    State(state): State<AppState>,
    ApiPath(phone_number): ApiPath<String>,
    ApiJson(body): ApiJson<SeedBody>,
) -> Result<Json<Data<SandboxNumber>>, HttpError> {
    let request = SeedNumberRequest {
        phone_number: path_number(phone_number)?,
        line_type: body
            .line_type
            .map(|raw| LineType::parse_field("line_type", &raw).map(i32::from))
            .transpose()?,
        billing_check: body
            .billing_check
            .map(|raw| BillingCheck::parse_field("billing_check", &raw).map(i32::from))
            .transpose()?,
        holding: body
            .holding
            .map(|raw| Holding::parse_field("holding", &raw).map(i32::from))
            .transpose()?,
        carrier_name: body.carrier_name,
        nnid: body.nnid,
        routable: body.routable,
        portable: body.portable,
        fast_portable: body.fast_portable,
        messaging_capable: body.messaging_capable,
        holder_account_id: body.holder_account_id,
        transferable: body.transferable,
    };
    let seeded = state
        .directory_sandbox
        .clone()
        .seed_number(request)
        .await?
        .into_inner()
        .number;
    Ok(Json(Data {
        data: SandboxNumber::new(required(seeded, "the seeded number")?)?,
    }))
}

pub async fn get_number(
    State(state): State<AppState>,
    ApiPath(phone_number): ApiPath<String>,
) -> Result<Json<Data<SandboxNumber>>, HttpError> {
    let found = state
        .directory
        .clone()
        .lookup_numbers(LookupNumbersRequest {
            phone_numbers: vec![path_number(phone_number)?],
        })
        .await?
        .into_inner()
        .numbers
        .pop();
    Ok(Json(Data {
        data: SandboxNumber::new(required(found, "the number")?)?,
    }))
}

/// A number's facts as the sandbox API shows them.
#[derive(Serialize)]
pub struct SandboxNumber {
    record_type: &'static str,
    phone_number: String,
    routable: bool,
    line_type: &'static str,
    carrier_name: String,
    nnid: String,
    portable: bool,
    fast_portable: bool,
    messaging_capable: bool,
    billing_check: &'static str,
    holding: &'static str,
    holder_account_id: Option<String>,
    transferable: bool,
    seeded: bool,
    updated_at: Option<String>,
}

impl SandboxNumber {
    fn new(facts: pb::NumberFacts) -> Result<Self, HttpError> {
        Ok(Self {
            record_type: "sandbox_number",
            line_type: required(LineType::text_of(facts.line_type), "a line type")?,
            billing_check: required(
                BillingCheck::text_of(facts.billing_check),
                "a billing check",
            )?,
            holding: required(Holding::text_of(facts.holding), "a holding")?,
            updated_at: time(facts.updated_at.as_ref()),
            phone_number: facts.phone_number,
            routable: facts.routable,
            carrier_name: facts.carrier_name,
            nnid: facts.nnid,
            portable: facts.portable,
            fast_portable: facts.fast_portable,
            messaging_capable: facts.messaging_capable,
            holder_account_id: facts.holder_account_id,
            transferable: facts.transferable,
            seeded: facts.seeded,
        })
    }
}

/// One SMS or call that carried a verification code, as the simulated network delivered it.
#[derive(Serialize)]
pub struct SentCodeJson {
    record_type: &'static str,
    id: String,
    verification_code_id: String,
    phone_number: String,
    /// The order the code verifies for.
    order_id: String,
    r#type: Option<&'static str>,
    code: String,
    body: String,
    sent_at: Option<String>,
}

/// `GET /sandbox/v1/verification_codes?phone_number=&order_id=`: the caller's codes, newest first.
pub async fn sent_codes(
    State(state): State<AppState>,
    axum::Extension(crate::auth::Caller(account)): axum::Extension<crate::auth::Caller>,
    query: crate::extract::QueryPairs,
) -> Result<Json<super::List<SentCodeJson>>, HttpError> {
    use textport_proto::verification::v1 as verification;
    let response = state
        .verification_sandbox
        .clone()
        .list_sent_codes(verification::ListSentCodesRequest {
            phone_number: query.get("phone_number").map(str::to_owned),
            subject_id: query.get("order_id").map(str::to_owned),
            account_id: Some(account.to_string()),
            page: Some(query.page()?),
        })
        .await?
        .into_inner();
    let data = response
        .sent_codes
        .into_iter()
        .map(|sent| SentCodeJson {
            record_type: "sandbox_verification_code",
            r#type: match sent.method() {
                verification::VerificationMethod::Sms => Some("sms"),
                verification::VerificationMethod::Call => Some("call"),
                verification::VerificationMethod::Unspecified => None,
            },
            sent_at: time(sent.sent_at.as_ref()),
            id: sent.id,
            verification_code_id: sent.verification_code_id,
            phone_number: sent.phone_number,
            order_id: sent.subject_id,
            code: sent.code,
            body: sent.body,
        })
        .collect();
    Ok(Json(super::List::new(data, response.page)))
}

/// Business time as the sandbox shows it.
#[derive(Serialize)]
pub struct ClockJson {
    record_type: &'static str,
    now: String,
    /// How far the sandbox API has moved business time ahead of the wall clock.
    offset_seconds: i64,
}

impl ClockJson {
    fn of(clock: &dyn Clock) -> Self {
        Self {
            record_type: "sandbox_clock",
            now: clock.now().to_rfc3339_opts(SecondsFormat::Millis, true),
            offset_seconds: clock
                .as_offset_clock()
                .map_or(0, |movable| movable.offset().num_seconds()),
        }
    }
}

/// `GET /sandbox/v1/clock`: the business time every service reads.
pub async fn clock(State(state): State<AppState>) -> Json<Data<ClockJson>> {
    Json(Data {
        data: ClockJson::of(state.clock.as_ref()),
    })
}

#[derive(Deserialize)]
pub struct AdvanceBody {
    /// A JSON number: `86400.0` is as whole a number as `86400` (JSON Schema agrees).
    seconds: Option<f64>,
}

fn bad_seconds(detail: String) -> HttpError {
    HttpError(ApiError::at_pointer(
        ErrorKind::Validation,
        "/seconds",
        detail,
    ))
}

/// `POST /sandbox/v1/clock/advance {"seconds": N}`: moves business time forward for every
/// service at once, so deadlines (an approval window, an activation timeout) fall due without
/// waiting. Only `up` shares one clock among its services; `serve` cannot move it.
pub async fn advance_clock(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<AdvanceBody>,
) -> Result<Json<Data<ClockJson>>, HttpError> {
    let Some(movable) = state.clock.as_offset_clock() else {
        return Err(HttpError(ApiError::new(
            ErrorKind::InvalidState,
            "The business clock can only be moved in `textport up`, where every service reads \
             the same clock; with `textport serve` each service keeps the wall clock.",
        )));
    };
    let positive = || bad_seconds("`seconds` must be a positive whole number.".to_owned());
    let seconds = body
        .seconds
        .ok_or_else(|| bad_seconds("`seconds` is required.".to_owned()))?;
    if seconds.fract() != 0.0 || seconds < 1.0 {
        return Err(positive());
    }
    // Saturates beyond i64: the clock refuses such a step below.
    let seconds = seconds as i64;
    // Beyond what a duration holds is beyond the limit too: the clock refuses it below.
    let by = Duration::try_seconds(seconds).unwrap_or(Duration::MAX);
    movable.advance(by).map_err(|refused| match refused {
        AdvanceError::NotForward => positive(),
        AdvanceError::TooFar { at_most } => bad_seconds(format!(
            "`seconds` is at most {}: the business clock moves at most {} days at once and {} \
             days ahead of the wall clock in all.",
            at_most.num_seconds(),
            OffsetClock::MAX_STEP.num_days(),
            OffsetClock::MAX_OFFSET.num_days(),
        )),
    })?;
    Ok(Json(Data {
        data: ClockJson::of(state.clock.as_ref()),
    }))
}
