//! `/v2/notification_profiles`, `/v2/notification_channels`, `/v2/notification_settings` and
//! `/v2/notification_event_conditions`: which events an account hears about, and where. Accounts
//! owns them all.

use axum::extract::State;
use axum::{Extension, Json};
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use textport_platform::{ApiError, ErrorKind};
use textport_proto::accounts::v1::{self as pb};

use super::{Data, List, required, time};
use crate::auth::Caller;
use crate::error::HttpError;
use crate::extract::{ApiJson, ApiPath, QueryPairs};
use crate::state::AppState;
use crate::wire::NotificationChannelType;

/// Channel types Telnyx lists that textport does not deliver by.
const UNSUPPORTED_CHANNEL_TYPES: [&str; 2] = ["sms", "voice"];

/// Every textport condition, and so every setting, is about the account as a whole.
const ASSOCIATED_RECORD_TYPE: &str = "account";

/// Settings apply at once: none is ever pending.
const SETTING_STATUS: &str = "enabled";

/// `channel_type_id` of a body, as the proto's.
fn channel_type(raw: &str) -> Result<i32, ApiError> {
    if UNSUPPORTED_CHANNEL_TYPES.contains(&raw) {
        return Err(ApiError::at_pointer(
            ErrorKind::Validation,
            "/channel_type_id",
            unsupported(raw),
        ));
    }
    NotificationChannelType::parse_field("channel_type_id", raw).map(i32::from)
}

/// `filter[channel_type_id][eq]`, as the proto's.
fn channel_type_filter(query: &QueryPairs) -> Result<Option<i32>, ApiError> {
    const PARAMETER: &str = "filter[channel_type_id][eq]";
    let Some(raw) = query.get(PARAMETER) else {
        return Ok(None);
    };
    if UNSUPPORTED_CHANNEL_TYPES.contains(&raw) {
        return Err(ApiError::at_parameter(
            ErrorKind::Validation,
            PARAMETER,
            unsupported(raw),
        ));
    }
    NotificationChannelType::parse(raw)
        .map(|t| Some(i32::from(t)))
        .ok_or_else(|| {
            ApiError::at_parameter(
                ErrorKind::InvalidEnum,
                PARAMETER,
                format!(
                    "{PARAMETER} must be one of {}.",
                    NotificationChannelType::TEXTS.join(", ")
                ),
            )
        })
}

fn unsupported(raw: &str) -> String {
    format!(
        "channel_type_id {raw} is not supported: textport delivers notifications by {}.",
        NotificationChannelType::TEXTS.join(" and ")
    )
}

// === profiles ===

/// Create and update take the same body; an absent or null name is no name (create refuses it,
/// update keeps the current one).
#[derive(Deserialize)]
pub struct ProfileBody {
    name: Option<String>,
}

#[derive(Serialize)]
pub struct ProfileJson {
    record_type: &'static str,
    id: String,
    name: String,
    created_at: Option<String>,
    updated_at: Option<String>,
}

impl ProfileJson {
    fn new(profile: Option<pb::NotificationProfile>) -> Result<Self, HttpError> {
        let profile = required(profile, "a notification profile")?;
        Ok(Self {
            record_type: "notification_profile",
            created_at: time(profile.created_at.as_ref()),
            updated_at: time(profile.updated_at.as_ref()),
            id: profile.id,
            name: profile.name,
        })
    }

    fn data(profile: Option<pb::NotificationProfile>) -> Result<Json<Data<Self>>, HttpError> {
        Ok(Json(Data {
            data: Self::new(profile)?,
        }))
    }
}

pub async fn create_profile(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiJson(body): ApiJson<ProfileBody>,
) -> Result<Json<Data<ProfileJson>>, HttpError> {
    let request = pb::CreateNotificationProfileRequest {
        account_id: account.to_string(),
        name: body.name.unwrap_or_default(),
    };
    let response = state
        .notifications
        .clone()
        .create_notification_profile(request)
        .await?;
    ProfileJson::data(response.into_inner().profile)
}

pub async fn list_profiles(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    query: QueryPairs,
) -> Result<Json<List<ProfileJson>>, HttpError> {
    let request = pb::ListNotificationProfilesRequest {
        account_id: account.to_string(),
        page: Some(query.page()?),
    };
    let response = state
        .notifications
        .clone()
        .list_notification_profiles(request)
        .await?
        .into_inner();
    let data = response
        .profiles
        .into_iter()
        .map(|p| ProfileJson::new(Some(p)))
        .collect::<Result<_, _>>()?;
    Ok(Json(List::new(data, response.page)))
}

pub async fn retrieve_profile(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Data<ProfileJson>>, HttpError> {
    let request = pb::GetNotificationProfileRequest {
        account_id: account.to_string(),
        profile_id: id,
    };
    let response = state
        .notifications
        .clone()
        .get_notification_profile(request)
        .await?;
    ProfileJson::data(response.into_inner().profile)
}

pub async fn update_profile(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ProfileBody>,
) -> Result<Json<Data<ProfileJson>>, HttpError> {
    let request = pb::UpdateNotificationProfileRequest {
        account_id: account.to_string(),
        profile_id: id,
        name: body.name,
    };
    let response = state
        .notifications
        .clone()
        .update_notification_profile(request)
        .await?;
    ProfileJson::data(response.into_inner().profile)
}

pub async fn delete_profile(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Data<ProfileJson>>, HttpError> {
    let request = pb::DeleteNotificationProfileRequest {
        account_id: account.to_string(),
        profile_id: id,
    };
    let response = state
        .notifications
        .clone()
        .delete_notification_profile(request)
        .await?;
    ProfileJson::data(response.into_inner().profile)
}

// === channels ===

/// Create and update take the same body; an absent or null field is not sent (create refuses
/// it, update keeps the current value).
#[derive(Deserialize)]
pub struct ChannelBody {
    notification_profile_id: Option<String>,
    channel_type_id: Option<String>,
    channel_destination: Option<String>,
}

#[derive(Serialize)]
pub struct ChannelJson {
    record_type: &'static str,
    id: String,
    notification_profile_id: String,
    channel_type_id: &'static str,
    channel_destination: String,
    created_at: Option<String>,
    updated_at: Option<String>,
}

impl ChannelJson {
    fn new(channel: Option<pb::NotificationChannel>) -> Result<Self, HttpError> {
        let channel = required(channel, "a notification channel")?;
        Ok(Self {
            record_type: "notification_channel",
            channel_type_id: required(
                NotificationChannelType::text_of(channel.channel_type),
                "a channel_type",
            )?,
            created_at: time(channel.created_at.as_ref()),
            updated_at: time(channel.updated_at.as_ref()),
            id: channel.id,
            notification_profile_id: channel.notification_profile_id,
            channel_destination: channel.channel_destination,
        })
    }

    fn data(channel: Option<pb::NotificationChannel>) -> Result<Json<Data<Self>>, HttpError> {
        Ok(Json(Data {
            data: Self::new(channel)?,
        }))
    }
}

pub async fn create_channel(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiJson(body): ApiJson<ChannelBody>,
) -> Result<Json<Data<ChannelJson>>, HttpError> {
    let request = pb::CreateNotificationChannelRequest {
        account_id: account.to_string(),
        notification_profile_id: body.notification_profile_id.unwrap_or_default(),
        channel_type: body
            .channel_type_id
            .as_deref()
            .map(channel_type)
            .transpose()?
            .unwrap_or_default(),
        channel_destination: body.channel_destination.unwrap_or_default(),
    };
    let response = state
        .notifications
        .clone()
        .create_notification_channel(request)
        .await?;
    ChannelJson::data(response.into_inner().channel)
}

pub async fn list_channels(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    query: QueryPairs,
) -> Result<Json<List<ChannelJson>>, HttpError> {
    let request = pb::ListNotificationChannelsRequest {
        account_id: account.to_string(),
        page: Some(query.page()?),
        channel_type: channel_type_filter(&query)?,
        notification_profile_id: query
            .get("filter[notification_profile_id][eq]")
            .map(str::to_owned),
    };
    let response = state
        .notifications
        .clone()
        .list_notification_channels(request)
        .await?
        .into_inner();
    let data = response
        .channels
        .into_iter()
        .map(|c| ChannelJson::new(Some(c)))
        .collect::<Result<_, _>>()?;
    Ok(Json(List::new(data, response.page)))
}

pub async fn retrieve_channel(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Data<ChannelJson>>, HttpError> {
    let request = pb::GetNotificationChannelRequest {
        account_id: account.to_string(),
        channel_id: id,
    };
    let response = state
        .notifications
        .clone()
        .get_notification_channel(request)
        .await?;
    ChannelJson::data(response.into_inner().channel)
}

pub async fn update_channel(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ChannelBody>,
) -> Result<Json<Data<ChannelJson>>, HttpError> {
    let request = pb::UpdateNotificationChannelRequest {
        account_id: account.to_string(),
        channel_id: id,
        notification_profile_id: body.notification_profile_id,
        channel_type: body
            .channel_type_id
            .as_deref()
            .map(channel_type)
            .transpose()?,
        channel_destination: body.channel_destination,
    };
    let response = state
        .notifications
        .clone()
        .update_notification_channel(request)
        .await?;
    ChannelJson::data(response.into_inner().channel)
}

pub async fn delete_channel(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Data<ChannelJson>>, HttpError> {
    let request = pb::DeleteNotificationChannelRequest {
        account_id: account.to_string(),
        channel_id: id,
    };
    let response = state
        .notifications
        .clone()
        .delete_notification_channel(request)
        .await?;
    ChannelJson::data(response.into_inner().channel)
}

// === event conditions ===

#[derive(Serialize)]
pub struct ConditionJson {
    record_type: &'static str,
    id: String,
    name: String,
    description: String,
    enabled: bool,
    allow_multiple_channels: bool,
    associated_record_type: &'static str,
    asynchronous: bool,
    supported_channels: Vec<&'static str>,
    notification_event_id: String,
    /// textport's conditions take no parameters: always `[]`.
    parameters: [(); 0],
    created_at: Option<String>,
    updated_at: Option<String>,
}

impl ConditionJson {
    fn new(condition: pb::NotificationEventConditionInfo) -> Result<Self, HttpError> {
        let supported_channels = condition
            .supported_channels
            .iter()
            .map(|raw| required(NotificationChannelType::text_of(*raw), "a channel type"))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            record_type: "notification_event_condition",
            associated_record_type: ASSOCIATED_RECORD_TYPE,
            supported_channels,
            parameters: [],
            created_at: time(condition.created_at.as_ref()),
            updated_at: time(condition.updated_at.as_ref()),
            id: condition.id,
            name: condition.name,
            description: condition.description,
            enabled: condition.enabled,
            allow_multiple_channels: condition.allow_multiple_channels,
            asynchronous: condition.asynchronous,
            notification_event_id: condition.notification_event_id,
        })
    }
}

pub async fn list_conditions(
    State(state): State<AppState>,
    query: QueryPairs,
) -> Result<Json<List<ConditionJson>>, HttpError> {
    let request = pb::ListNotificationEventConditionsRequest {
        page: Some(query.page()?),
    };
    let response = state
        .notifications
        .clone()
        .list_notification_event_conditions(request)
        .await?
        .into_inner();
    let data = response
        .conditions
        .into_iter()
        .map(ConditionJson::new)
        .collect::<Result<_, _>>()?;
    Ok(Json(List::new(data, response.page)))
}

// === settings ===

#[derive(Deserialize)]
pub struct SettingBody {
    notification_profile_id: Option<String>,
    /// Absent or null: the condition gives a portal notice only.
    notification_channel_id: Option<String>,
    notification_event_condition_id: Option<String>,
    parameters: Option<Vec<IgnoredAny>>,
}

#[derive(Serialize)]
pub struct SettingJson {
    record_type: &'static str,
    id: String,
    notification_profile_id: String,
    notification_channel_id: Option<String>,
    notification_event_condition_id: String,
    associated_record_type: &'static str,
    status: &'static str,
    /// textport's conditions take no parameters: always `[]`.
    parameters: [(); 0],
    created_at: Option<String>,
    updated_at: Option<String>,
}

impl SettingJson {
    fn new(setting: Option<pb::NotificationSetting>) -> Result<Self, HttpError> {
        let setting = required(setting, "a notification setting")?;
        Ok(Self {
            record_type: "notification_setting",
            associated_record_type: ASSOCIATED_RECORD_TYPE,
            status: SETTING_STATUS,
            parameters: [],
            created_at: time(setting.created_at.as_ref()),
            updated_at: time(setting.updated_at.as_ref()),
            id: setting.id,
            notification_profile_id: setting.notification_profile_id,
            notification_channel_id: setting.notification_channel_id,
            notification_event_condition_id: setting.notification_event_condition_id,
        })
    }

    fn data(setting: Option<pb::NotificationSetting>) -> Result<Json<Data<Self>>, HttpError> {
        Ok(Json(Data {
            data: Self::new(setting)?,
        }))
    }
}

pub async fn create_setting(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiJson(body): ApiJson<SettingBody>,
) -> Result<Json<Data<SettingJson>>, HttpError> {
    // The service has no notion of parameters: no condition takes any, so only none is valid.
    if body.parameters.is_some_and(|p| !p.is_empty()) {
        return Err(ApiError::at_pointer(
            ErrorKind::Validation,
            "/parameters",
            "No notification event condition takes parameters; send [] or leave them out.",
        )
        .into());
    }
    let request = pb::CreateNotificationSettingRequest {
        account_id: account.to_string(),
        notification_profile_id: body.notification_profile_id.unwrap_or_default(),
        notification_channel_id: body.notification_channel_id,
        notification_event_condition_id: body.notification_event_condition_id.unwrap_or_default(),
    };
    let response = state
        .notifications
        .clone()
        .create_notification_setting(request)
        .await?;
    SettingJson::data(response.into_inner().setting)
}

pub async fn list_settings(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    query: QueryPairs,
) -> Result<Json<List<SettingJson>>, HttpError> {
    let filter = |key: &str| query.get(key).map(str::to_owned);
    let request = pb::ListNotificationSettingsRequest {
        account_id: account.to_string(),
        page: Some(query.page()?),
        notification_profile_id: filter("filter[notification_profile_id][eq]"),
        notification_channel_id: filter("filter[notification_channel][eq]"),
        notification_event_condition_id: filter("filter[notification_event_condition_id][eq]"),
    };
    let response = state
        .notifications
        .clone()
        .list_notification_settings(request)
        .await?
        .into_inner();
    let data = response
        .settings
        .into_iter()
        .map(|s| SettingJson::new(Some(s)))
        .collect::<Result<_, _>>()?;
    Ok(Json(List::new(data, response.page)))
}

pub async fn retrieve_setting(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Data<SettingJson>>, HttpError> {
    let request = pb::GetNotificationSettingRequest {
        account_id: account.to_string(),
        setting_id: id,
    };
    let response = state
        .notifications
        .clone()
        .get_notification_setting(request)
        .await?;
    SettingJson::data(response.into_inner().setting)
}

pub async fn delete_setting(
    State(state): State<AppState>,
    Extension(Caller(account)): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Data<SettingJson>>, HttpError> {
    let request = pb::DeleteNotificationSettingRequest {
        account_id: account.to_string(),
        setting_id: id,
    };
    let response = state
        .notifications
        .clone()
        .delete_notification_setting(request)
        .await?;
    SettingJson::data(response.into_inner().setting)
}
