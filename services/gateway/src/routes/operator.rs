//! `/operator/v1/…`: the operator's API, with its own key (never a customer's). It is how a
//! deployment gets its first account: create an account, issue it a key (the plaintext is shown
//! once), revoke keys.

use axum::extract::State;
use axum::response::IntoResponse;
use axum::{Extension, Json};
use http::StatusCode;
use serde::{Deserialize, Serialize};
use textport_domain::{AccountId, ApiKeyHash, ApiKeyId};
use textport_platform::secret::new_api_key;
use textport_platform::{ApiError, ErrorKind};
use textport_proto::accounts::v1::{self as pb};

use super::{Data, List, required, time};
use crate::error::HttpError;
use crate::extract::{ApiJson, ApiPath, QueryPairs};
use crate::idempotency::ReplayInstead;
use crate::state::AppState;

#[derive(Serialize)]
pub struct AccountJson {
    record_type: &'static str,
    id: String,
    name: String,
    created_at: Option<String>,
}

impl AccountJson {
    fn new(account: Option<pb::Account>) -> Result<Self, HttpError> {
        let account = required(account, "an account")?;
        Ok(Self {
            record_type: "account",
            created_at: time(account.created_at.as_ref()),
            id: account.id,
            name: account.name,
        })
    }
}

#[derive(Serialize)]
pub struct ApiKeyJson {
    record_type: &'static str,
    id: String,
    account_id: String,
    label: String,
    /// Only in the answer that issued the key: it is never shown again.
    #[serde(skip_serializing_if = "Option::is_none")]
    api_key: Option<String>,
    created_at: Option<String>,
}

impl ApiKeyJson {
    fn new(key: Option<pb::ApiKey>, plaintext: Option<String>) -> Result<Self, HttpError> {
        let key = required(key, "an API key")?;
        Ok(Self {
            record_type: "api_key",
            created_at: time(key.created_at.as_ref()),
            id: key.id,
            account_id: key.account_id,
            label: key.label,
            api_key: plaintext,
        })
    }
}

/// An id in the path that cannot exist is simply not found.
fn account_id(raw: &str) -> Result<AccountId, HttpError> {
    AccountId::parse(raw).map_err(|_| HttpError(ApiError::not_found("Account")))
}

#[derive(Deserialize)]
pub struct CreateAccountBody {
    name: Option<String>,
}

pub async fn create_account(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<CreateAccountBody>,
) -> Result<impl IntoResponse, HttpError> {
    let account = state
        .accounts
        .clone()
        .create_account(pb::CreateAccountRequest {
            name: body.name.unwrap_or_default(),
        })
        .await?
        .into_inner()
        .account;
    Ok((
        StatusCode::CREATED,
        Json(Data {
            data: AccountJson::new(account)?,
        }),
    ))
}

pub async fn list_accounts(
    State(state): State<AppState>,
    query: QueryPairs,
) -> Result<Json<List<AccountJson>>, HttpError> {
    let response = state
        .accounts
        .clone()
        .list_accounts(pb::ListAccountsRequest {
            page: Some(query.page()?),
        })
        .await?
        .into_inner();
    let data = response
        .accounts
        .into_iter()
        .map(|account| AccountJson::new(Some(account)))
        .collect::<Result<_, _>>()?;
    Ok(Json(List::new(data, response.page)))
}

pub async fn get_account(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Data<AccountJson>>, HttpError> {
    let account = state
        .accounts
        .clone()
        .get_account(pb::GetAccountRequest {
            account_id: account_id(&id)?.to_string(),
        })
        .await?
        .into_inner()
        .account;
    Ok(Json(Data {
        data: AccountJson::new(account)?,
    }))
}

#[derive(Deserialize)]
pub struct IssueKeyBody {
    label: Option<String>,
}

/// The key is made here and only its hash goes to accounts; the plaintext is in this answer only.
pub async fn issue_api_key(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<IssueKeyBody>,
) -> Result<impl IntoResponse, HttpError> {
    let account = account_id(&id)?;
    let key = new_api_key().map_err(|e| HttpError(ApiError::internal(e.as_ref())))?;
    let issued = state
        .accounts
        .clone()
        .issue_api_key(pb::IssueApiKeyRequest {
            account_id: account.to_string(),
            label: body.label.unwrap_or_default(),
            api_key_sha256: key.hash().as_bytes().to_vec(),
            replace_label: false,
        })
        .await?
        .into_inner()
        .api_key;
    let data = ApiKeyJson::new(issued, Some(key.expose().to_owned()))?;
    let replay = ReplayInstead(ApiError::new(
        ErrorKind::Conflict,
        format!(
            "API key {id} was already issued for this Idempotency-Key. A key is shown only once, \
             so it is not shown again; if it was lost, revoke it (DELETE /operator/v1/api_keys/{id}) \
             and issue another.",
            id = data.id
        ),
    ));
    Ok((StatusCode::CREATED, Extension(replay), Json(Data { data })))
}

pub async fn list_api_keys(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    query: QueryPairs,
) -> Result<Json<List<ApiKeyJson>>, HttpError> {
    let response = state
        .accounts
        .clone()
        .list_api_keys(pb::ListApiKeysRequest {
            account_id: account_id(&id)?.to_string(),
            page: Some(query.page()?),
        })
        .await?
        .into_inner();
    let data = response
        .api_keys
        .into_iter()
        .map(|key| ApiKeyJson::new(Some(key), None))
        .collect::<Result<_, _>>()?;
    Ok(Json(List::new(data, response.page)))
}

/// Revokes a key; this gateway forgets it at once, other replicas within their key cache's time.
pub async fn revoke_api_key(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Data<ApiKeyJson>>, HttpError> {
    let id = ApiKeyId::parse(&id).map_err(|_| HttpError(ApiError::not_found("API key")))?;
    let revoked = state
        .accounts
        .clone()
        .revoke_api_key(pb::RevokeApiKeyRequest {
            api_key_id: id.to_string(),
        })
        .await?
        .into_inner();
    if let Some(hash) = ApiKeyHash::from_slice(&revoked.api_key_sha256) {
        state.key_cache.evict(&hash);
    }
    Ok(Json(Data {
        data: ApiKeyJson::new(revoked.api_key, None)?,
    }))
}
