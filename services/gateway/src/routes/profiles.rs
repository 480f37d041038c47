//! `/v2/messaging_profiles`: create, list, retrieve, update, delete.

use axum::extract::State;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Value, json};
use textport_platform::{ApiError, ErrorKind};
use textport_proto::accounts::v1::{self as pb, nullable_string};

use super::time;
use crate::auth::Caller;
use crate::error::HttpError;
use crate::extract::{ApiJson, ApiPath, QueryPairs, nullable};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct CreateBody {
    name: Option<String>,
    enabled: Option<bool>,
    webhook_url: Option<String>,
    webhook_failover_url: Option<String>,
    webhook_api_version: Option<String>,
    whitelisted_destinations: Option<Vec<String>>,
}

#[derive(Deserialize)]
pub struct UpdateBody {
    name: Option<String>,
    enabled: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    webhook_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    webhook_failover_url: Option<Option<String>>,
    webhook_api_version: Option<String>,
    whitelisted_destinations: Option<Vec<String>>,
}

fn version(raw: Option<&str>) -> Result<pb::WebhookApiVersion, ApiError> {
    Ok(match raw {
        None => pb::WebhookApiVersion::Unspecified,
        Some("1") => pb::WebhookApiVersion::V1,
        Some("2") => pb::WebhookApiVersion::V2,
        Some("2010-04-01") => pb::WebhookApiVersion::V20100401,
        Some(_) => {
            return Err(ApiError::at_pointer(
                ErrorKind::InvalidEnum,
                "/webhook_api_version",
                "webhook_api_version must be one of \"1\", \"2\", \"2010-04-01\".",
            ));
        }
    })
}

fn version_text(version: pb::WebhookApiVersion) -> &'static str {
    match version {
        pb::WebhookApiVersion::V1 => "1",
        pb::WebhookApiVersion::V20100401 => "2010-04-01",
        pb::WebhookApiVersion::V2 | pb::WebhookApiVersion::Unspecified => "2",
    }
}

/// Absent keeps; `null` or `""` clears.
fn nullable_change(value: Option<Option<String>>) -> Option<pb::NullableString> {
    let change = match value? {
        Some(url) if !url.is_empty() => nullable_string::Change::Set(url),
        _ => nullable_string::Change::Clear(true),
    };
    Some(pb::NullableString {
        change: Some(change),
    })
}

fn profile_json(profile: Option<pb::MessagingProfile>) -> Result<Value, HttpError> {
    let profile = profile
        .ok_or_else(|| HttpError(ApiError::internal("accounts answered without a profile")))?;
    let version = version_text(profile.webhook_api_version());
    Ok(json!({
        "record_type": "messaging_profile",
        "id": profile.id,
        "name": profile.name,
        "enabled": profile.enabled,
        "organization_id": profile.account_id,
        "webhook_url": profile.webhook_url,
        "webhook_failover_url": profile.webhook_failover_url,
        "webhook_api_version": version,
        "whitelisted_destinations": profile.whitelisted_destinations,
        "v1_secret": null,
        "number_pool_settings": null,
        "url_shortener_settings": null,
        "alpha_sender": null,
        "created_at": time(profile.created_at.as_ref()),
        "updated_at": time(profile.updated_at.as_ref()),
    }))
}

fn data(profile: Option<pb::MessagingProfile>) -> Result<Json<Value>, HttpError> {
    Ok(Json(json!({ "data": profile_json(profile)? })))
}

pub async fn create(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiJson(body): ApiJson<CreateBody>,
) -> Result<Json<Value>, HttpError> {
    let request = pb::CreateMessagingProfileRequest {
        account_id: account.to_string(),
        name: body.name.unwrap_or_default(),
        enabled: body.enabled,
        webhook_url: body.webhook_url.filter(|url| !url.is_empty()),
        webhook_failover_url: body.webhook_failover_url.filter(|url| !url.is_empty()),
        webhook_api_version: version(body.webhook_api_version.as_deref())? as i32,
        whitelisted_destinations: body.whitelisted_destinations.unwrap_or_default(),
    };
    data(
        state
            .profiles
            .clone()
            .create_messaging_profile(request)
            .await?
            .into_inner()
            .profile,
    )
}

pub async fn list(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    query: QueryPairs,
) -> Result<Json<Value>, HttpError> {
    let request = pb::ListMessagingProfilesRequest {
        account_id: account.to_string(),
        page: Some(query.page()?),
        name_eq: query
            .get("filter[name][eq]")
            .or_else(|| query.get("filter[name]"))
            .map(str::to_owned),
        name_contains: query.get("filter[name][contains]").map(str::to_owned),
    };
    let response = state
        .profiles
        .clone()
        .list_messaging_profiles(request)
        .await?
        .into_inner();
    let data = response
        .profiles
        .into_iter()
        .map(|p| profile_json(Some(p)))
        .collect::<Result<Vec<_>, _>>()?;
    let page = response.page.unwrap_or_default();
    Ok(Json(json!({
        "data": data,
        "meta": {
            "page_number": page.number,
            "page_size": page.size,
            "total_pages": page.total_pages,
            "total_results": page.total_results,
        },
    })))
}

pub async fn retrieve(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Value>, HttpError> {
    let request = pb::GetMessagingProfileRequest {
        account_id: account.to_string(),
        profile_id: id,
    };
    data(
        state
            .profiles
            .clone()
            .get_messaging_profile(request)
            .await?
            .into_inner()
            .profile,
    )
}

pub async fn update(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateBody>,
) -> Result<Json<Value>, HttpError> {
    let request = pb::UpdateMessagingProfileRequest {
        account_id: account.to_string(),
        profile_id: id,
        name: body.name,
        enabled: body.enabled,
        webhook_url: nullable_change(body.webhook_url),
        webhook_failover_url: nullable_change(body.webhook_failover_url),
        webhook_api_version: version(body.webhook_api_version.as_deref())? as i32,
        whitelisted_destinations: body
            .whitelisted_destinations
            .map(|values| pb::StringList { values }),
    };
    data(
        state
            .profiles
            .clone()
            .update_messaging_profile(request)
            .await?
            .into_inner()
            .profile,
    )
}

pub async fn delete(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Value>, HttpError> {
    let request = pb::DeleteMessagingProfileRequest {
        account_id: account.to_string(),
        profile_id: id,
    };
    data(
        state
            .profiles
            .clone()
            .delete_messaging_profile(request)
            .await?
            .into_inner()
            .profile,
    )
}
