//! `NotificationService`: proto ⇄ domain for notification profiles, channels, settings and
//! conditions.

use textport_domain::IdError;
use textport_platform::{ApiError, ErrorKind, convert};
use textport_proto::accounts::v1::{self as pb, notification_service_server};
use tonic::{Request, Response, Status};
use uuid::Uuid;

use super::AccountsApi;
use crate::app::SettingQuery;
use crate::domain::{
    ChannelPatch, ChannelType, EventCondition, NewChannelInput, NewSettingInput,
    NotificationChannel, NotificationChannelId, NotificationProfile, NotificationProfileId,
    NotificationSetting, NotificationSettingId,
};
use crate::error::Error;
use crate::store::notifications::ChannelFilter;

// An id in the path that cannot exist is simply not found, as for any unknown id.

fn profile_id(raw: &str) -> Result<NotificationProfileId, Error> {
    NotificationProfileId::parse(raw).map_err(|_| Error::NotificationProfileNotFound)
}

fn channel_id(raw: &str) -> Result<NotificationChannelId, Error> {
    NotificationChannelId::parse(raw).map_err(|_| Error::NotificationChannelNotFound)
}

fn setting_id(raw: &str) -> Result<NotificationSettingId, Error> {
    NotificationSettingId::parse(raw).map_err(|_| Error::NotificationSettingNotFound)
}

/// A list filter's id; a malformed one names its public query parameter.
fn filter_id<T>(
    raw: Option<&str>,
    parameter: &str,
    parse: impl FnOnce(&str) -> Result<T, IdError>,
) -> Result<Option<T>, ApiError> {
    raw.map(|raw| {
        parse(raw)
            .map_err(|e| ApiError::at_parameter(ErrorKind::Validation, parameter, e.to_string()))
    })
    .transpose()
}

fn not_a_uuid(raw: &str) -> IdError {
    IdError {
        kind: "notification event condition id",
        value: raw.chars().take(64).collect(),
    }
}

/// A proto channel type as the domain's; unspecified is none.
fn channel_type(raw: i32) -> Result<Option<ChannelType>, ApiError> {
    match pb::NotificationChannelType::try_from(raw) {
        Ok(pb::NotificationChannelType::Unspecified) => Ok(None),
        Ok(pb::NotificationChannelType::Email) => Ok(Some(ChannelType::Email)),
        Ok(pb::NotificationChannelType::Webhook) => Ok(Some(ChannelType::Webhook)),
        Err(_) => Err(ApiError::at_pointer(
            ErrorKind::InvalidEnum,
            "/channel_type_id",
            "Unknown channel_type_id.",
        )),
    }
}

impl From<ChannelType> for pb::NotificationChannelType {
    fn from(channel_type: ChannelType) -> Self {
        match channel_type {
            ChannelType::Email => pb::NotificationChannelType::Email,
            ChannelType::Webhook => pb::NotificationChannelType::Webhook,
        }
    }
}

impl From<EventCondition> for pb::NotificationEventCondition {
    fn from(condition: EventCondition) -> Self {
        match condition {
            EventCondition::HostedSmsOrderUpdates => {
                pb::NotificationEventCondition::HostedSmsOrderUpdates
            }
            EventCondition::InternalTransferRequests => {
                pb::NotificationEventCondition::InternalTransferRequests
            }
            EventCondition::PortInNotifications => {
                pb::NotificationEventCondition::PortInNotifications
            }
        }
    }
}

fn condition(raw: i32) -> Result<EventCondition, ApiError> {
    match pb::NotificationEventCondition::try_from(raw) {
        Ok(pb::NotificationEventCondition::HostedSmsOrderUpdates) => {
            Ok(EventCondition::HostedSmsOrderUpdates)
        }
        Ok(pb::NotificationEventCondition::InternalTransferRequests) => {
            Ok(EventCondition::InternalTransferRequests)
        }
        Ok(pb::NotificationEventCondition::PortInNotifications) => {
            Ok(EventCondition::PortInNotifications)
        }
        Ok(pb::NotificationEventCondition::Unspecified) | Err(_) => Err(ApiError::at_pointer(
            ErrorKind::InvalidEnum,
            "/condition",
            "Unknown notification event condition.",
        )),
    }
}

impl From<NotificationProfile> for pb::NotificationProfile {
    fn from(profile: NotificationProfile) -> Self {
        pb::NotificationProfile {
            id: profile.id.to_string(),
            account_id: profile.account_id.to_string(),
            name: profile.name.as_str().to_owned(),
            created_at: Some(convert::timestamp(profile.created_at)),
            updated_at: Some(convert::timestamp(profile.updated_at)),
        }
    }
}

impl From<NotificationChannel> for pb::NotificationChannel {
    fn from(channel: NotificationChannel) -> Self {
        pb::NotificationChannel {
            id: channel.id.to_string(),
            account_id: channel.account_id.to_string(),
            notification_profile_id: channel.profile_id.to_string(),
            channel_type: pb::NotificationChannelType::from(channel.destination.channel_type())
                as i32,
            channel_destination: channel.destination.as_str().to_owned(),
            created_at: Some(convert::timestamp(channel.created_at)),
            updated_at: Some(convert::timestamp(channel.updated_at)),
        }
    }
}

impl From<NotificationSetting> for pb::NotificationSetting {
    fn from(setting: NotificationSetting) -> Self {
        pb::NotificationSetting {
            id: setting.id.to_string(),
            account_id: setting.account_id.to_string(),
            notification_profile_id: setting.profile_id.to_string(),
            notification_channel_id: setting.channel_id.map(|id| id.to_string()),
            condition: pb::NotificationEventCondition::from(setting.condition) as i32,
            notification_event_condition_id: setting.condition.facts().id.to_string(),
            created_at: Some(convert::timestamp(setting.created_at)),
            updated_at: Some(convert::timestamp(setting.updated_at)),
        }
    }
}

impl From<EventCondition> for pb::NotificationEventConditionInfo {
    fn from(condition: EventCondition) -> Self {
        let facts = condition.facts();
        let defined_at = convert::timestamp(EventCondition::defined_at());
        pb::NotificationEventConditionInfo {
            id: facts.id.to_string(),
            condition: pb::NotificationEventCondition::from(condition) as i32,
            name: facts.name.to_owned(),
            description: facts.description.to_owned(),
            notification_event_id: facts.notification_event_id.to_string(),
            enabled: true,
            allow_multiple_channels: true,
            asynchronous: false,
            supported_channels: EventCondition::SUPPORTED_CHANNELS
                .into_iter()
                .map(|t| pb::NotificationChannelType::from(t) as i32)
                .collect(),
            created_at: Some(defined_at),
            updated_at: Some(defined_at),
        }
    }
}

/// A proto string that is empty when the field was not sent.
fn sent(raw: String) -> Option<String> {
    Some(raw).filter(|s| !s.is_empty())
}

#[tonic::async_trait]
impl notification_service_server::NotificationService for AccountsApi {
    #[tracing::instrument(skip_all)]
    async fn resolve_notification_channels(
        &self,
        request: Request<pb::ResolveNotificationChannelsRequest>,
    ) -> Result<Response<pb::ResolveNotificationChannelsResponse>, Status> {
        let request = request.into_inner();
        let account = convert::caller(&request.account_id)?;
        let condition = condition(request.condition)?;
        let (selected, destinations) = self
            .app
            .resolve_notification_channels(account, condition)
            .await?;
        Ok(Response::new(pb::ResolveNotificationChannelsResponse {
            selected,
            channels: destinations
                .into_iter()
                .map(|d| pb::ResolvedChannel {
                    channel_type: pb::NotificationChannelType::from(d.channel_type()) as i32,
                    destination: d.as_str().to_owned(),
                })
                .collect(),
        }))
    }

    // === profiles ===

    #[tracing::instrument(skip_all)]
    async fn create_notification_profile(
        &self,
        request: Request<pb::CreateNotificationProfileRequest>,
    ) -> Result<Response<pb::CreateNotificationProfileResponse>, Status> {
        let request = request.into_inner();
        let account = convert::caller(&request.account_id)?;
        let profile = self
            .app
            .create_notification_profile(account, sent(request.name).as_deref())
            .await?;
        Ok(Response::new(pb::CreateNotificationProfileResponse {
            profile: Some(profile.into()),
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn get_notification_profile(
        &self,
        request: Request<pb::GetNotificationProfileRequest>,
    ) -> Result<Response<pb::GetNotificationProfileResponse>, Status> {
        let request = request.into_inner();
        let account = convert::caller(&request.account_id)?;
        let profile = self
            .app
            .notification_profile(account, profile_id(&request.profile_id)?)
            .await?;
        Ok(Response::new(pb::GetNotificationProfileResponse {
            profile: Some(profile.into()),
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn list_notification_profiles(
        &self,
        request: Request<pb::ListNotificationProfilesRequest>,
    ) -> Result<Response<pb::ListNotificationProfilesResponse>, Status> {
        let request = request.into_inner();
        let account = convert::caller(&request.account_id)?;
        let page = convert::page(request.page.as_ref())?;
        let (profiles, total) = self.app.notification_profiles(account, page).await?;
        Ok(Response::new(pb::ListNotificationProfilesResponse {
            profiles: profiles.into_iter().map(Into::into).collect(),
            page: Some(convert::page_info(page.info(total))),
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn update_notification_profile(
        &self,
        request: Request<pb::UpdateNotificationProfileRequest>,
    ) -> Result<Response<pb::UpdateNotificationProfileResponse>, Status> {
        let request = request.into_inner();
        let account = convert::caller(&request.account_id)?;
        let id = profile_id(&request.profile_id)?;
        let profile = self
            .app
            .update_notification_profile(account, id, request.name.as_deref())
            .await?;
        Ok(Response::new(pb::UpdateNotificationProfileResponse {
            profile: Some(profile.into()),
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn delete_notification_profile(
        &self,
        request: Request<pb::DeleteNotificationProfileRequest>,
    ) -> Result<Response<pb::DeleteNotificationProfileResponse>, Status> {
        let request = request.into_inner();
        let account = convert::caller(&request.account_id)?;
        let profile = self
            .app
            .delete_notification_profile(account, profile_id(&request.profile_id)?)
            .await?;
        Ok(Response::new(pb::DeleteNotificationProfileResponse {
            profile: Some(profile.into()),
        }))
    }

    // === channels ===

    #[tracing::instrument(skip_all)]
    async fn create_notification_channel(
        &self,
        request: Request<pb::CreateNotificationChannelRequest>,
    ) -> Result<Response<pb::CreateNotificationChannelResponse>, Status> {
        let request = request.into_inner();
        let account = convert::caller(&request.account_id)?;
        let input = NewChannelInput {
            profile_id: sent(request.notification_profile_id),
            channel_type: channel_type(request.channel_type)?,
            destination: sent(request.channel_destination),
        };
        let channel = self.app.create_notification_channel(account, input).await?;
        Ok(Response::new(pb::CreateNotificationChannelResponse {
            channel: Some(channel.into()),
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn get_notification_channel(
        &self,
        request: Request<pb::GetNotificationChannelRequest>,
    ) -> Result<Response<pb::GetNotificationChannelResponse>, Status> {
        let request = request.into_inner();
        let account = convert::caller(&request.account_id)?;
        let channel = self
            .app
            .notification_channel(account, channel_id(&request.channel_id)?)
            .await?;
        Ok(Response::new(pb::GetNotificationChannelResponse {
            channel: Some(channel.into()),
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn list_notification_channels(
        &self,
        request: Request<pb::ListNotificationChannelsRequest>,
    ) -> Result<Response<pb::ListNotificationChannelsResponse>, Status> {
        let request = request.into_inner();
        let account = convert::caller(&request.account_id)?;
        let page = convert::page(request.page.as_ref())?;
        let filter = ChannelFilter {
            channel_type: request
                .channel_type
                .map(channel_type)
                .transpose()?
                .flatten(),
            profile_id: filter_id(
                request.notification_profile_id.as_deref(),
                "filter[notification_profile_id][eq]",
                NotificationProfileId::parse,
            )?,
        };
        let (channels, total) = self
            .app
            .notification_channels(account, &filter, page)
            .await?;
        Ok(Response::new(pb::ListNotificationChannelsResponse {
            channels: channels.into_iter().map(Into::into).collect(),
            page: Some(convert::page_info(page.info(total))),
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn update_notification_channel(
        &self,
        request: Request<pb::UpdateNotificationChannelRequest>,
    ) -> Result<Response<pb::UpdateNotificationChannelResponse>, Status> {
        let request = request.into_inner();
        let account = convert::caller(&request.account_id)?;
        let id = channel_id(&request.channel_id)?;
        let patch = ChannelPatch {
            profile_id: request.notification_profile_id,
            channel_type: request
                .channel_type
                .map(channel_type)
                .transpose()?
                .flatten(),
            destination: request.channel_destination,
        };
        let channel = self
            .app
            .update_notification_channel(account, id, patch)
            .await?;
        Ok(Response::new(pb::UpdateNotificationChannelResponse {
            channel: Some(channel.into()),
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn delete_notification_channel(
        &self,
        request: Request<pb::DeleteNotificationChannelRequest>,
    ) -> Result<Response<pb::DeleteNotificationChannelResponse>, Status> {
        let request = request.into_inner();
        let account = convert::caller(&request.account_id)?;
        let channel = self
            .app
            .delete_notification_channel(account, channel_id(&request.channel_id)?)
            .await?;
        Ok(Response::new(pb::DeleteNotificationChannelResponse {
            channel: Some(channel.into()),
        }))
    }

    // === conditions ===

    #[tracing::instrument(skip_all)]
    async fn list_notification_event_conditions(
        &self,
        request: Request<pb::ListNotificationEventConditionsRequest>,
    ) -> Result<Response<pb::ListNotificationEventConditionsResponse>, Status> {
        let page = convert::page(request.get_ref().page.as_ref())?;
        let (conditions, total) = self.app.notification_event_conditions(page);
        Ok(Response::new(pb::ListNotificationEventConditionsResponse {
            conditions: conditions.into_iter().map(Into::into).collect(),
            page: Some(convert::page_info(page.info(total))),
        }))
    }

    // === settings ===

    #[tracing::instrument(skip_all)]
    async fn create_notification_setting(
        &self,
        request: Request<pb::CreateNotificationSettingRequest>,
    ) -> Result<Response<pb::CreateNotificationSettingResponse>, Status> {
        let request = request.into_inner();
        let account = convert::caller(&request.account_id)?;
        let input = NewSettingInput {
            profile_id: sent(request.notification_profile_id),
            channel_id: request.notification_channel_id,
            condition_id: sent(request.notification_event_condition_id),
        };
        let setting = self
            .app
            .create_notification_setting(account, &input)
            .await?;
        Ok(Response::new(pb::CreateNotificationSettingResponse {
            setting: Some(setting.into()),
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn get_notification_setting(
        &self,
        request: Request<pb::GetNotificationSettingRequest>,
    ) -> Result<Response<pb::GetNotificationSettingResponse>, Status> {
        let request = request.into_inner();
        let account = convert::caller(&request.account_id)?;
        let setting = self
            .app
            .notification_setting(account, setting_id(&request.setting_id)?)
            .await?;
        Ok(Response::new(pb::GetNotificationSettingResponse {
            setting: Some(setting.into()),
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn list_notification_settings(
        &self,
        request: Request<pb::ListNotificationSettingsRequest>,
    ) -> Result<Response<pb::ListNotificationSettingsResponse>, Status> {
        let request = request.into_inner();
        let account = convert::caller(&request.account_id)?;
        let page = convert::page(request.page.as_ref())?;
        let query = SettingQuery {
            profile_id: filter_id(
                request.notification_profile_id.as_deref(),
                "filter[notification_profile_id][eq]",
                NotificationProfileId::parse,
            )?,
            channel_id: filter_id(
                request.notification_channel_id.as_deref(),
                "filter[notification_channel][eq]",
                NotificationChannelId::parse,
            )?,
            condition_id: filter_id(
                request.notification_event_condition_id.as_deref(),
                "filter[notification_event_condition_id][eq]",
                |raw| Uuid::parse_str(raw).map_err(|_| not_a_uuid(raw)),
            )?,
        };
        let (settings, total) = self
            .app
            .notification_settings(account, &query, page)
            .await?;
        Ok(Response::new(pb::ListNotificationSettingsResponse {
            settings: settings.into_iter().map(Into::into).collect(),
            page: Some(convert::page_info(page.info(total))),
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn delete_notification_setting(
        &self,
        request: Request<pb::DeleteNotificationSettingRequest>,
    ) -> Result<Response<pb::DeleteNotificationSettingResponse>, Status> {
        let request = request.into_inner();
        let account = convert::caller(&request.account_id)?;
        let setting = self
            .app
            .delete_notification_setting(account, setting_id(&request.setting_id)?)
            .await?;
        Ok(Response::new(pb::DeleteNotificationSettingResponse {
            setting: Some(setting.into()),
        }))
    }
}
