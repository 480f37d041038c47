//! `/sandbox/v1/…`: the simulated outside world, for tests and demos. Mounted only with the
//! sandbox on.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};
use textport_domain::E164;
use textport_platform::{ApiError, ErrorKind};
use textport_proto::eligibility::v1::{self as pb, LookupNumbersRequest, SeedNumberRequest};
use textport_sandbox::MAGIC_RANGES;

use super::{enum_text, time};
use crate::error::HttpError;
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;

pub async fn magic_numbers() -> Json<Value> {
    let data: Vec<Value> = MAGIC_RANGES
        .iter()
        .map(|range| {
            json!({
                "record_type": "magic_number_range",
                "first": format!("{:04}", range.first),
                "last": format!("{:04}", range.last),
                "pattern": format!("+1 NPA 555 {:04}–{:04}", range.first, range.last),
                "example": format!("+1312555{:04}", range.first),
                "meaning": range.meaning,
            })
        })
        .collect();
    Json(json!({ "data": data }))
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

/// A wire enum value to its proto value, by the proto's own names (`toll_free` ⇄ `LINE_TYPE_TOLL_FREE`).
fn proto_enum<E: Into<i32>>(
    field: &str,
    raw: Option<&str>,
    prefix: &str,
    from_name: fn(&str) -> Option<E>,
    choices: &str,
) -> Result<Option<i32>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    let parsed = (raw != "unspecified" && raw == raw.to_ascii_lowercase())
        .then(|| from_name(&format!("{prefix}{}", raw.to_ascii_uppercase())))
        .flatten();
    parsed.map(|value| Some(value.into())).ok_or_else(|| {
        ApiError::at_pointer(
            ErrorKind::InvalidEnum,
            format!("/{field}"),
            format!("{field} must be one of {choices}."),
        )
    })
}

pub async fn seed_number(
    State(state): State<AppState>,
    ApiPath(phone_number): ApiPath<String>,
    ApiJson(body): ApiJson<SeedBody>,
) -> Result<Json<Value>, HttpError> {
    use pb::{BillingCheck as B, Holding as H, LineType as L};
    let request = SeedNumberRequest {
        phone_number: path_number(phone_number)?,
        line_type: proto_enum(
            "line_type",
            body.line_type.as_deref(),
            "LINE_TYPE_",
            L::from_str_name,
            "landline, voip, wireless, toll_free",
        )?,
        billing_check: proto_enum(
            "billing_check",
            body.billing_check.as_deref(),
            "BILLING_CHECK_",
            B::from_str_name,
            "ok, failed, abolished",
        )?,
        holding: proto_enum(
            "holding",
            body.holding.as_deref(),
            "HOLDING_",
            H::from_str_name,
            "none, inventory, account",
        )?,
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
    Ok(Json(json!({ "data": number_json(seeded)? })))
}

pub async fn get_number(
    State(state): State<AppState>,
    ApiPath(phone_number): ApiPath<String>,
) -> Result<Json<Value>, HttpError> {
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
    Ok(Json(json!({ "data": number_json(found)? })))
}

fn number_json(facts: Option<pb::NumberFacts>) -> Result<Value, HttpError> {
    let facts = facts
        .ok_or_else(|| HttpError(ApiError::internal("directory answered without the number")))?;
    Ok(json!({
        "record_type": "sandbox_number",
        "phone_number": facts.phone_number,
        "routable": facts.routable,
        "line_type": enum_text(facts.line_type().as_str_name(), "LINE_TYPE_"),
        "carrier_name": facts.carrier_name,
        "nnid": facts.nnid,
        "portable": facts.portable,
        "fast_portable": facts.fast_portable,
        "messaging_capable": facts.messaging_capable,
        "billing_check": enum_text(facts.billing_check().as_str_name(), "BILLING_CHECK_"),
        "holding": enum_text(facts.holding().as_str_name(), "HOLDING_"),
        "holder_account_id": facts.holder_account_id,
        "transferable": facts.transferable,
        "seeded": facts.seeded,
        "updated_at": time(facts.updated_at.as_ref()),
    }))
}
