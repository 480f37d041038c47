//! `/v2/messaging_profiles`: create, list, retrieve, update, delete.

use axum::extract::State;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use textport_platform::ApiError;
use textport_proto::accounts::v1::{self as pb, nullable_string};

use super::{Data, List, required, time};
use crate::auth::Caller;
use crate::error::HttpError;
use crate::extract::{ApiJson, ApiPath, QueryPairs, nullable};
use crate::state::AppState;
use crate::wire::WebhookApiVersion;

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

/// A public version as the proto's; absent stays absent (the default, or no change).
fn version(raw: Option<&str>) -> Result<Option<i32>, ApiError> {
    raw.map(|raw| WebhookApiVersion::parse_field("webhook_api_version", raw).map(i32::from))
        .transpose()
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

/// A messaging profile as the public API shows it.
#[derive(Serialize)]
pub struct ProfileJson {
    record_type: &'static str,
    id: String,
    name: String,
    enabled: bool,
    organization_id: String,
    webhook_url: Option<String>,
    webhook_failover_url: Option<String>,
    webhook_api_version: &'static str,
    whitelisted_destinations: Vec<String>,
    /// Documented fields of features out of scope: always `null`.
    v1_secret: Option<String>,
    number_pool_settings: Option<()>,
    url_shortener_settings: Option<()>,
    alpha_sender: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
}

impl ProfileJson {
    fn new(profile: Option<pb::MessagingProfile>) -> Result<Self, HttpError> {
        let profile = required(profile, "a profile")?;
        Ok(Self {
            record_type: "messaging_profile",
            webhook_api_version: required(
                WebhookApiVersion::text_of(profile.webhook_api_version),
                "a webhook_api_version",
            )?,
            created_at: time(profile.created_at.as_ref()),
            updated_at: time(profile.updated_at.as_ref()),
            id: profile.id,
            name: profile.name,
            enabled: profile.enabled,
            organization_id: profile.account_id,
            webhook_url: profile.webhook_url,
            webhook_failover_url: profile.webhook_failover_url,
            whitelisted_destinations: profile.whitelisted_destinations,
            v1_secret: None,
            number_pool_settings: None,
            url_shortener_settings: None,
            alpha_sender: None,
        })
    }
}

fn data(profile: Option<pb::MessagingProfile>) -> Result<Json<Data<ProfileJson>>, HttpError> {
    Ok(Json(Data {
        data: ProfileJson::new(profile)?,
    }))
}

pub async fn create(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiJson(body): ApiJson<CreateBody>,
) -> Result<Json<Data<ProfileJson>>, HttpError> {
    let request = pb::CreateMessagingProfileRequest {
        account_id: account.to_string(),
        name: body.name.unwrap_or_default(),
        enabled: body.enabled,
        webhook_url: body.webhook_url.filter(|url| !url.is_empty()),
        webhook_failover_url: body.webhook_failover_url.filter(|url| !url.is_empty()),
        webhook_api_version: version(body.webhook_api_version.as_deref())?,
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
) -> Result<Json<List<ProfileJson>>, HttpError> {
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
        .map(|p| ProfileJson::new(Some(p)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(List::new(data, response.page)))
}

pub async fn retrieve(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Data<ProfileJson>>, HttpError> {
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
) -> Result<Json<Data<ProfileJson>>, HttpError> {
    let request = pb::UpdateMessagingProfileRequest {
        account_id: account.to_string(),
        profile_id: id,
        name: body.name,
        enabled: body.enabled,
        webhook_url: nullable_change(body.webhook_url),
        webhook_failover_url: nullable_change(body.webhook_failover_url),
        webhook_api_version: version(body.webhook_api_version.as_deref())?,
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
) -> Result<Json<Data<ProfileJson>>, HttpError> {
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
