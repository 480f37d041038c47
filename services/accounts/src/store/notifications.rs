//! Notification profiles, channels and settings. Every query is scoped to an account; a row of
//! another account is never found.

use sea_orm::ActiveValue::Set;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use textport_domain::{AccountId, Page};
use textport_platform::db::{Versioned, fetch_page};

use super::entities::{notification_channel, notification_profile, notification_setting};
use crate::domain::{
    ChannelDestination, ChannelType, EventCondition, NotificationChannel, NotificationChannelId,
    NotificationProfile, NotificationProfileId, NotificationSetting, NotificationSettingId,
    ProfileName,
};

fn corrupt(what: &str, id: uuid::Uuid, field: &str) -> DbErr {
    DbErr::Custom(format!("stored {what} {id} has an invalid {field}"))
}

// === profiles ===

/// A new profile; an unknown account is a foreign-key violation.
pub async fn insert_profile(
    db: &impl ConnectionTrait,
    profile: &NotificationProfile,
) -> Result<(), DbErr> {
    notification_profile::Entity::insert(profile_row(profile))
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn profile(
    db: &impl ConnectionTrait,
    account: AccountId,
    id: NotificationProfileId,
) -> Result<Option<NotificationProfile>, DbErr> {
    notification_profile::Entity::find_by_id(*id.as_uuid())
        .filter(notification_profile::Column::AccountId.eq(*account.as_uuid()))
        .one(db)
        .await?
        .map(profile_from_row)
        .transpose()
}

/// One page of the account's profiles, oldest first (ties broken by id), and the total count.
pub async fn list_profiles(
    db: &impl ConnectionTrait,
    account: AccountId,
    page: Page,
) -> Result<(Vec<NotificationProfile>, u64), DbErr> {
    let query = notification_profile::Entity::find()
        .filter(notification_profile::Column::AccountId.eq(*account.as_uuid()))
        .order_by_asc(notification_profile::Column::CreatedAt)
        .order_by_asc(notification_profile::Column::Id);
    let (rows, total) = fetch_page(db, query, page).await?;
    let profiles = rows
        .into_iter()
        .map(profile_from_row)
        .collect::<Result<_, _>>()?;
    Ok((profiles, total))
}

/// Writes the profile's name and update time; false when the account has no such profile.
pub async fn update_profile(
    db: &impl ConnectionTrait,
    profile: &NotificationProfile,
) -> Result<bool, DbErr> {
    let updated = notification_profile::Entity::update_many()
        .set(notification_profile::ActiveModel {
            name: Set(profile.name.as_str().to_owned()),
            updated_at: Set(profile.updated_at),
            ..Default::default()
        })
        .filter(notification_profile::Column::Id.eq(*profile.id.as_uuid()))
        .filter(notification_profile::Column::AccountId.eq(*profile.account_id.as_uuid()))
        .exec(db)
        .await?;
    Ok(updated.rows_affected > 0)
}

/// Deletes the profile; false when the account has no such profile. A profile that still has
/// channels or settings is a foreign-key violation.
pub async fn delete_profile(
    db: &impl ConnectionTrait,
    account: AccountId,
    id: NotificationProfileId,
) -> Result<bool, DbErr> {
    let deleted = notification_profile::Entity::delete_many()
        .filter(notification_profile::Column::Id.eq(*id.as_uuid()))
        .filter(notification_profile::Column::AccountId.eq(*account.as_uuid()))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected > 0)
}

fn profile_row(profile: &NotificationProfile) -> notification_profile::ActiveModel {
    notification_profile::ActiveModel {
        id: Set(*profile.id.as_uuid()),
        account_id: Set(*profile.account_id.as_uuid()),
        name: Set(profile.name.as_str().to_owned()),
        created_at: Set(profile.created_at),
        updated_at: Set(profile.updated_at),
    }
}

fn profile_from_row(row: notification_profile::Model) -> Result<NotificationProfile, DbErr> {
    Ok(NotificationProfile {
        id: NotificationProfileId::from_uuid(row.id),
        account_id: AccountId::from_uuid(row.account_id),
        name: ProfileName::parse(&row.name)
            .map_err(|_| corrupt("notification profile", row.id, "name"))?,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

// === channels ===

/// A new channel; a profile that no longer exists is a foreign-key violation.
pub async fn insert_channel(
    db: &impl ConnectionTrait,
    channel: &NotificationChannel,
) -> Result<(), DbErr> {
    notification_channel::Entity::insert(channel_row(channel, 0))
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn channel(
    db: &impl ConnectionTrait,
    account: AccountId,
    id: NotificationChannelId,
) -> Result<Option<Versioned<NotificationChannel>>, DbErr> {
    let Some(row) = notification_channel::Entity::find_by_id(*id.as_uuid())
        .filter(notification_channel::Column::AccountId.eq(*account.as_uuid()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let revision = row.revision;
    Ok(Some(Versioned {
        value: channel_from_row(row)?,
        revision,
    }))
}

#[derive(Debug, Default)]
pub struct ChannelFilter {
    pub channel_type: Option<ChannelType>,
    pub profile_id: Option<NotificationProfileId>,
}

/// One page of the account's channels, oldest first (ties broken by id), and the total count.
pub async fn list_channels(
    db: &impl ConnectionTrait,
    account: AccountId,
    filter: &ChannelFilter,
    page: Page,
) -> Result<(Vec<NotificationChannel>, u64), DbErr> {
    let mut condition =
        Condition::all().add(notification_channel::Column::AccountId.eq(*account.as_uuid()));
    if let Some(channel_type) = filter.channel_type {
        condition =
            condition.add(notification_channel::Column::ChannelType.eq(channel_type.as_str()));
    }
    if let Some(profile) = filter.profile_id {
        condition = condition
            .add(notification_channel::Column::NotificationProfileId.eq(*profile.as_uuid()));
    }
    let query = notification_channel::Entity::find()
        .filter(condition)
        .order_by_asc(notification_channel::Column::CreatedAt)
        .order_by_asc(notification_channel::Column::Id);
    let (rows, total) = fetch_page(db, query, page).await?;
    let channels = rows
        .into_iter()
        .map(channel_from_row)
        .collect::<Result<_, _>>()?;
    Ok((channels, total))
}

/// The account's channels among `ids`, oldest first.
pub async fn channels_among(
    db: &impl ConnectionTrait,
    account: AccountId,
    ids: &[NotificationChannelId],
) -> Result<Vec<NotificationChannel>, DbErr> {
    notification_channel::Entity::find()
        .filter(notification_channel::Column::AccountId.eq(*account.as_uuid()))
        .filter(notification_channel::Column::Id.is_in(ids.iter().map(|id| *id.as_uuid())))
        .order_by_asc(notification_channel::Column::CreatedAt)
        .order_by_asc(notification_channel::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(channel_from_row)
        .collect()
}

/// Writes the channel if it is still at `read_revision`; false when another writer came first
/// (or the channel is gone). Moving a channel that settings use is a foreign-key violation.
pub async fn update_channel(
    db: &impl ConnectionTrait,
    channel: &NotificationChannel,
    read_revision: i64,
) -> Result<bool, DbErr> {
    let updated = notification_channel::Entity::update_many()
        .set(channel_row(channel, read_revision + 1))
        .filter(notification_channel::Column::Id.eq(*channel.id.as_uuid()))
        .filter(notification_channel::Column::AccountId.eq(*channel.account_id.as_uuid()))
        .filter(notification_channel::Column::Revision.eq(read_revision))
        .exec(db)
        .await?;
    Ok(updated.rows_affected > 0)
}

/// Deletes the channel; false when the account has no such channel. A channel that settings use
/// is a foreign-key violation.
pub async fn delete_channel(
    db: &impl ConnectionTrait,
    account: AccountId,
    id: NotificationChannelId,
) -> Result<bool, DbErr> {
    let deleted = notification_channel::Entity::delete_many()
        .filter(notification_channel::Column::Id.eq(*id.as_uuid()))
        .filter(notification_channel::Column::AccountId.eq(*account.as_uuid()))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected > 0)
}

fn channel_row(channel: &NotificationChannel, revision: i64) -> notification_channel::ActiveModel {
    notification_channel::ActiveModel {
        id: Set(*channel.id.as_uuid()),
        account_id: Set(*channel.account_id.as_uuid()),
        notification_profile_id: Set(*channel.profile_id.as_uuid()),
        channel_type: Set(channel.destination.channel_type().as_str().to_owned()),
        channel_destination: Set(channel.destination.as_str().to_owned()),
        created_at: Set(channel.created_at),
        updated_at: Set(channel.updated_at),
        revision: Set(revision),
    }
}

fn channel_from_row(row: notification_channel::Model) -> Result<NotificationChannel, DbErr> {
    let channel_type = ChannelType::parse(&row.channel_type)
        .ok_or_else(|| corrupt("notification channel", row.id, "channel_type"))?;
    let destination = ChannelDestination::parse(channel_type, &row.channel_destination)
        .map_err(|_| corrupt("notification channel", row.id, "channel_destination"))?;
    Ok(NotificationChannel {
        id: NotificationChannelId::from_uuid(row.id),
        account_id: AccountId::from_uuid(row.account_id),
        profile_id: NotificationProfileId::from_uuid(row.notification_profile_id),
        destination,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

// === settings ===

/// A new setting; a profile or channel that no longer exists, or a channel of another profile,
/// is a foreign-key violation.
pub async fn insert_setting(
    db: &impl ConnectionTrait,
    setting: &NotificationSetting,
) -> Result<(), DbErr> {
    notification_setting::Entity::insert(notification_setting::ActiveModel {
        id: Set(*setting.id.as_uuid()),
        account_id: Set(*setting.account_id.as_uuid()),
        notification_profile_id: Set(*setting.profile_id.as_uuid()),
        notification_channel_id: Set(setting.channel_id.map(|id| *id.as_uuid())),
        condition: Set(setting.condition.as_str().to_owned()),
        created_at: Set(setting.created_at),
        updated_at: Set(setting.updated_at),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

pub async fn setting(
    db: &impl ConnectionTrait,
    account: AccountId,
    id: NotificationSettingId,
) -> Result<Option<NotificationSetting>, DbErr> {
    notification_setting::Entity::find_by_id(*id.as_uuid())
        .filter(notification_setting::Column::AccountId.eq(*account.as_uuid()))
        .one(db)
        .await?
        .map(setting_from_row)
        .transpose()
}

#[derive(Debug, Default)]
pub struct SettingFilter {
    pub profile_id: Option<NotificationProfileId>,
    pub channel_id: Option<NotificationChannelId>,
    pub condition: Option<EventCondition>,
}

/// One page of the account's settings, oldest first (ties broken by id), and the total count.
pub async fn list_settings(
    db: &impl ConnectionTrait,
    account: AccountId,
    filter: &SettingFilter,
    page: Page,
) -> Result<(Vec<NotificationSetting>, u64), DbErr> {
    let mut condition =
        Condition::all().add(notification_setting::Column::AccountId.eq(*account.as_uuid()));
    if let Some(profile) = filter.profile_id {
        condition = condition
            .add(notification_setting::Column::NotificationProfileId.eq(*profile.as_uuid()));
    }
    if let Some(channel) = filter.channel_id {
        condition = condition
            .add(notification_setting::Column::NotificationChannelId.eq(*channel.as_uuid()));
    }
    if let Some(selected) = filter.condition {
        condition = condition.add(notification_setting::Column::Condition.eq(selected.as_str()));
    }
    let query = notification_setting::Entity::find()
        .filter(condition)
        .order_by_asc(notification_setting::Column::CreatedAt)
        .order_by_asc(notification_setting::Column::Id);
    let (rows, total) = fetch_page(db, query, page).await?;
    let settings = rows
        .into_iter()
        .map(setting_from_row)
        .collect::<Result<_, _>>()?;
    Ok((settings, total))
}

/// Every setting of `condition` in the account, oldest first.
pub async fn settings_of(
    db: &impl ConnectionTrait,
    account: AccountId,
    condition: EventCondition,
) -> Result<Vec<NotificationSetting>, DbErr> {
    notification_setting::Entity::find()
        .filter(notification_setting::Column::AccountId.eq(*account.as_uuid()))
        .filter(notification_setting::Column::Condition.eq(condition.as_str()))
        .order_by_asc(notification_setting::Column::CreatedAt)
        .order_by_asc(notification_setting::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(setting_from_row)
        .collect()
}

/// Deletes the setting; false when the account has no such setting.
pub async fn delete_setting(
    db: &impl ConnectionTrait,
    account: AccountId,
    id: NotificationSettingId,
) -> Result<bool, DbErr> {
    let deleted = notification_setting::Entity::delete_many()
        .filter(notification_setting::Column::Id.eq(*id.as_uuid()))
        .filter(notification_setting::Column::AccountId.eq(*account.as_uuid()))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected > 0)
}

fn setting_from_row(row: notification_setting::Model) -> Result<NotificationSetting, DbErr> {
    Ok(NotificationSetting {
        id: NotificationSettingId::from_uuid(row.id),
        account_id: AccountId::from_uuid(row.account_id),
        profile_id: NotificationProfileId::from_uuid(row.notification_profile_id),
        channel_id: row
            .notification_channel_id
            .map(NotificationChannelId::from_uuid),
        condition: EventCondition::parse(&row.condition)
            .ok_or_else(|| corrupt("notification setting", row.id, "condition"))?,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}
