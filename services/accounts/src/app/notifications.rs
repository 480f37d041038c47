//! The notification use cases: profiles, channels, settings, the condition table, and where an
//! event of a condition goes. Each reference in a request is looked up in the caller's account,
//! so another account's profile or channel is not found; the database's keys catch what changes
//! between the look-up and the write.

use std::collections::HashSet;

use textport_domain::{AccountId, Page};
use textport_platform::db::{DbFailure, failure};
use uuid::Uuid;

use super::{App, UPDATE_ATTEMPTS};
use crate::domain::{
    ChannelDestination, ChannelPatch, EventCondition, NewChannelInput, NewSettingInput,
    NotificationChannel, NotificationChannelId, NotificationProfile, NotificationProfileId,
    NotificationSetting, NotificationSettingId,
};
use crate::error::{Error, Reference};
use crate::store::notifications::{self as store, ChannelFilter, SettingFilter};

/// The filters of a settings list as the edge received them; the condition by its public id.
#[derive(Debug, Default)]
pub struct SettingQuery {
    pub profile_id: Option<NotificationProfileId>,
    pub channel_id: Option<NotificationChannelId>,
    pub condition_id: Option<Uuid>,
}

/// A store error in which a foreign-key violation means `meaning`: in a write, that a row looked
/// up just before went away in between; in a delete, that something still refers to the row.
fn foreign_key_means(meaning: Error) -> impl FnOnce(sea_orm::DbErr) -> Error {
    move |error| match failure(&error) {
        DbFailure::ForeignKeyViolation => meaning,
        _ => Error::Store(error),
    }
}

impl App {
    // === profiles ===

    pub async fn create_notification_profile(
        &self,
        account: AccountId,
        name: Option<&str>,
    ) -> Result<NotificationProfile, Error> {
        let profile = NotificationProfile::create(account, name, self.clock.now())?;
        store::insert_profile(&self.db, &profile)
            .await
            .map_err(foreign_key_means(Error::AccountNotFound))?;
        Ok(profile)
    }

    pub async fn notification_profile(
        &self,
        account: AccountId,
        id: NotificationProfileId,
    ) -> Result<NotificationProfile, Error> {
        store::profile(&self.db, account, id)
            .await?
            .ok_or(Error::NotificationProfileNotFound)
    }

    pub async fn notification_profiles(
        &self,
        account: AccountId,
        page: Page,
    ) -> Result<(Vec<NotificationProfile>, u64), Error> {
        Ok(store::list_profiles(&self.db, account, page).await?)
    }

    /// The name is the only field, so the last writer wins, as it would field by field.
    pub async fn update_notification_profile(
        &self,
        account: AccountId,
        id: NotificationProfileId,
        name: Option<&str>,
    ) -> Result<NotificationProfile, Error> {
        let current = self.notification_profile(account, id).await?;
        let updated = current.update(name, self.clock.now())?;
        if updated == current {
            return Ok(current);
        }
        if store::update_profile(&self.db, &updated).await? {
            Ok(updated)
        } else {
            Err(Error::NotificationProfileNotFound)
        }
    }

    /// Deletes the profile, once its channels and settings are gone.
    pub async fn delete_notification_profile(
        &self,
        account: AccountId,
        id: NotificationProfileId,
    ) -> Result<NotificationProfile, Error> {
        let profile = self.notification_profile(account, id).await?;
        let deleted = store::delete_profile(&self.db, account, id)
            .await
            .map_err(foreign_key_means(Error::ProfileInUse))?;
        if deleted {
            Ok(profile)
        } else {
            Err(Error::NotificationProfileNotFound)
        }
    }

    // === channels ===

    /// The profile a request field names, in the caller's account.
    async fn referenced_profile(
        &self,
        account: AccountId,
        id: NotificationProfileId,
    ) -> Result<NotificationProfile, Error> {
        store::profile(&self.db, account, id)
            .await?
            .ok_or(Error::ReferenceNotFound(Reference::Profile))
    }

    pub async fn create_notification_channel(
        &self,
        account: AccountId,
        input: NewChannelInput,
    ) -> Result<NotificationChannel, Error> {
        let channel = NotificationChannel::create(account, input, self.clock.now())
            .map_err(Error::Invalid)?;
        self.referenced_profile(account, channel.profile_id).await?;
        store::insert_channel(&self.db, &channel)
            .await
            .map_err(foreign_key_means(Error::ReferenceNotFound(
                Reference::Profile,
            )))?;
        Ok(channel)
    }

    pub async fn notification_channel(
        &self,
        account: AccountId,
        id: NotificationChannelId,
    ) -> Result<NotificationChannel, Error> {
        Ok(store::channel(&self.db, account, id)
            .await?
            .ok_or(Error::NotificationChannelNotFound)?
            .value)
    }

    pub async fn notification_channels(
        &self,
        account: AccountId,
        filter: &ChannelFilter,
        page: Page,
    ) -> Result<(Vec<NotificationChannel>, u64), Error> {
        Ok(store::list_channels(&self.db, account, filter, page).await?)
    }

    /// Reads, applies and writes if nobody wrote in between; otherwise applies the patch again
    /// to what they wrote, so that type and destination always change together.
    pub async fn update_notification_channel(
        &self,
        account: AccountId,
        id: NotificationChannelId,
        patch: ChannelPatch,
    ) -> Result<NotificationChannel, Error> {
        for _ in 0..UPDATE_ATTEMPTS {
            let current = store::channel(&self.db, account, id)
                .await?
                .ok_or(Error::NotificationChannelNotFound)?;
            let updated = current.value.update(patch.clone(), self.clock.now())?;
            let moves = updated.profile_id != current.value.profile_id;
            if moves {
                self.referenced_profile(account, updated.profile_id).await?;
            }
            let written = store::update_channel(&self.db, &updated, current.revision)
                .await
                .map_err(|e| match failure(&e) {
                    // The profile was there a moment ago: what refuses the move is the key of
                    // the settings that use the channel.
                    DbFailure::ForeignKeyViolation if moves => Error::ChannelInUse { moving: true },
                    _ => Error::Store(e),
                })?;
            if written {
                return Ok(updated);
            }
        }
        Err(Error::ChannelContended)
    }

    /// Deletes the channel, once no setting uses it.
    pub async fn delete_notification_channel(
        &self,
        account: AccountId,
        id: NotificationChannelId,
    ) -> Result<NotificationChannel, Error> {
        let channel = self.notification_channel(account, id).await?;
        let deleted = store::delete_channel(&self.db, account, id)
            .await
            .map_err(foreign_key_means(Error::ChannelInUse { moving: false }))?;
        if deleted {
            Ok(channel)
        } else {
            Err(Error::NotificationChannelNotFound)
        }
    }

    // === conditions ===

    /// One page of the fixed condition table, and its size.
    pub fn notification_event_conditions(&self, page: Page) -> (Vec<EventCondition>, u64) {
        let all = EventCondition::ALL;
        let conditions = usize::try_from(page.offset())
            .ok()
            .and_then(|offset| all.get(offset..))
            .unwrap_or_default()
            .iter()
            .take(usize::try_from(page.size()).unwrap_or(usize::MAX))
            .copied()
            .collect();
        (conditions, all.len() as u64)
    }

    // === settings ===

    pub async fn create_notification_setting(
        &self,
        account: AccountId,
        input: &NewSettingInput,
    ) -> Result<NotificationSetting, Error> {
        let refs = input.parse().map_err(Error::Invalid)?;
        let condition = EventCondition::by_id(refs.condition_id)
            .ok_or(Error::ReferenceNotFound(Reference::Condition))?;
        let profile = self.referenced_profile(account, refs.profile_id).await?;
        let channel = match refs.channel_id {
            Some(id) => Some(
                store::channel(&self.db, account, id)
                    .await?
                    .ok_or(Error::ReferenceNotFound(Reference::Channel))?
                    .value,
            ),
            None => None,
        };
        let setting =
            NotificationSetting::create(&profile, channel.as_ref(), condition, self.clock.now())?;
        let reference = match setting.channel_id {
            Some(_) => Reference::Channel,
            None => Reference::Profile,
        };
        store::insert_setting(&self.db, &setting)
            .await
            .map_err(foreign_key_means(Error::ReferenceNotFound(reference)))?;
        Ok(setting)
    }

    pub async fn notification_setting(
        &self,
        account: AccountId,
        id: NotificationSettingId,
    ) -> Result<NotificationSetting, Error> {
        store::setting(&self.db, account, id)
            .await?
            .ok_or(Error::NotificationSettingNotFound)
    }

    pub async fn notification_settings(
        &self,
        account: AccountId,
        query: &SettingQuery,
        page: Page,
    ) -> Result<(Vec<NotificationSetting>, u64), Error> {
        let condition = match query.condition_id {
            None => None,
            Some(id) => match EventCondition::by_id(id) {
                Some(condition) => Some(condition),
                // No condition has this id, so no setting has it either.
                None => return Ok((Vec::new(), 0)),
            },
        };
        let filter = SettingFilter {
            profile_id: query.profile_id,
            channel_id: query.channel_id,
            condition,
        };
        Ok(store::list_settings(&self.db, account, &filter, page).await?)
    }

    pub async fn delete_notification_setting(
        &self,
        account: AccountId,
        id: NotificationSettingId,
    ) -> Result<NotificationSetting, Error> {
        let setting = self.notification_setting(account, id).await?;
        if store::delete_setting(&self.db, account, id).await? {
            Ok(setting)
        } else {
            Err(Error::NotificationSettingNotFound)
        }
    }

    // === delivery ===

    /// Whether the account selected `condition` in any setting, and the distinct destinations of
    /// those settings' channels (two channels with the same destination deliver once).
    pub async fn resolve_notification_channels(
        &self,
        account: AccountId,
        condition: EventCondition,
    ) -> Result<(bool, Vec<ChannelDestination>), Error> {
        let settings = store::settings_of(&self.db, account, condition).await?;
        let mut ids: Vec<NotificationChannelId> =
            settings.iter().filter_map(|s| s.channel_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let channels = if ids.is_empty() {
            Vec::new()
        } else {
            store::channels_among(&self.db, account, &ids).await?
        };
        let mut seen = HashSet::new();
        let destinations = channels
            .into_iter()
            .map(|channel| channel.destination)
            .filter(|d| seen.insert((d.channel_type(), d.as_str().to_owned())))
            .collect();
        Ok((!settings.is_empty(), destinations))
    }
}
