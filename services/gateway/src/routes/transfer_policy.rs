//! `/v2/internal_transfer_policy` (beyond Telnyx): the caller's policy as the holder of numbers
//! other accounts ask to host — require its approval (the default), approve at once, or reject
//! when the window lapses, with an allowlist of receiving accounts approved without asking.

use axum::extract::State;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use textport_platform::{ApiError, ErrorKind};
use textport_proto::transfer_approval::v1 as pb;

use super::{Data, required, time};
use crate::auth::Caller;
use crate::error::HttpError;
use crate::extract::{ApiJson, WholeNumber};
use crate::state::AppState;
use crate::wire::TransferPolicyMode;

#[derive(Serialize)]
pub struct PolicyJson {
    record_type: &'static str,
    mode: &'static str,
    window_hours: u32,
    allowlist: Vec<String>,
    /// Null while the account never set its policy.
    updated_at: Option<String>,
}

impl PolicyJson {
    fn data(policy: Option<pb::TransferPolicy>) -> Result<Json<Data<Self>>, HttpError> {
        let policy = required(policy, "a transfer policy")?;
        Ok(Json(Data {
            data: Self {
                record_type: "internal_transfer_policy",
                mode: required(TransferPolicyMode::text_of(policy.mode), "a policy mode")?,
                window_hours: policy.window_hours,
                updated_at: time(policy.updated_at.as_ref()),
                allowlist: policy.allowlist,
            },
        }))
    }
}

pub async fn retrieve(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
) -> Result<Json<Data<PolicyJson>>, HttpError> {
    let policy = state
        .transfers
        .clone()
        .get_transfer_policy(pb::GetTransferPolicyRequest {
            account_id: account.to_string(),
        })
        .await?
        .into_inner()
        .policy;
    PolicyJson::data(policy)
}

#[derive(Deserialize)]
pub struct PolicyBody {
    mode: Option<String>,
    /// Absent or null: the service's window.
    window_hours: Option<WholeNumber>,
    allowlist: Option<Vec<String>>,
}

/// Replaces the caller's policy; requests already open keep the one they opened under.
pub async fn update(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiJson(body): ApiJson<PolicyBody>,
) -> Result<Json<Data<PolicyJson>>, HttpError> {
    let Some(mode) = body.mode else {
        return Err(ApiError::at_pointer(
            ErrorKind::Validation,
            "/mode",
            format!(
                "mode is required: one of {}.",
                TransferPolicyMode::TEXTS.join(", ")
            ),
        )
        .into());
    };
    let mode = TransferPolicyMode::parse_field("mode", &mode)?;
    // The range is transfer-approval's to check; here only what a proto field cannot carry.
    let window_hours = body
        .window_hours
        .map(|WholeNumber(hours)| {
            u32::try_from(hours).map_err(|_| {
                ApiError::at_pointer(
                    ErrorKind::Validation,
                    "/window_hours",
                    "window_hours must be 1 to 8760.",
                )
            })
        })
        .transpose()?;
    let policy = state
        .transfers
        .clone()
        .set_transfer_policy(pb::SetTransferPolicyRequest {
            account_id: account.to_string(),
            mode: mode.into(),
            window_hours,
            allowlist: body.allowlist.unwrap_or_default(),
        })
        .await?
        .into_inner()
        .policy;
    PolicyJson::data(policy)
}
