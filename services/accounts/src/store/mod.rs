//! Accounts, API keys, messaging profiles and notification settings in the service's own
//! database. Rows convert to domain values here; nothing above this module sees a SeaORM model.

mod entities;
mod migration;
mod notification_migration;
pub mod notifications;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use textport_domain::{AccountId, ApiKeyHash, ApiKeyId, MessagingProfileId, Page, WebhookUrl};
use textport_platform::db::{Versioned, contains, fetch_page};

use crate::domain::{
    Account, AccountName, Destinations, IssuedKey, KeyLabel, MessagingProfile, ProfileName,
    WebhookApiVersion,
};
use entities::{account, api_key, messaging_profile};
pub use migration::Migrator;

// === accounts and keys ===

pub async fn account_by_key(
    db: &impl ConnectionTrait,
    hash: &ApiKeyHash,
) -> Result<Option<Account>, DbErr> {
    let Some(key) = api_key::Entity::find()
        .filter(api_key::Column::KeyHash.eq(hash.as_bytes().to_vec()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    account(db, AccountId::from_uuid(key.account_id)).await
}

pub async fn account(db: &impl ConnectionTrait, id: AccountId) -> Result<Option<Account>, DbErr> {
    account::Entity::find_by_id(*id.as_uuid())
        .one(db)
        .await?
        .map(account_from_row)
        .transpose()
}

fn account_row(account: &Account) -> account::ActiveModel {
    account::ActiveModel {
        id: Set(*account.id.as_uuid()),
        name: Set(account.name.as_str().to_owned()),
        created_at: Set(account.created_at),
    }
}

/// A new account; a taken name is a unique violation.
pub async fn insert_account(db: &impl ConnectionTrait, account: &Account) -> Result<(), DbErr> {
    account::Entity::insert(account_row(account))
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The account with this name, created if missing. Returns whether it was created.
pub async fn ensure_account(
    db: &impl ConnectionTrait,
    name: &AccountName,
    now: DateTime<Utc>,
) -> Result<(Account, bool), DbErr> {
    let candidate = Account {
        id: AccountId::new(),
        name: name.clone(),
        created_at: now,
    };
    let inserted = account::Entity::insert(account_row(&candidate))
        .on_conflict(
            OnConflict::column(account::Column::Name)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    let existing = account::Entity::find()
        .filter(account::Column::Name.eq(name.as_str()))
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("account {:?}", name.as_str())))?;
    Ok((account_from_row(existing)?, inserted > 0))
}

/// One page of accounts, oldest first, and the total count.
pub async fn list_accounts(
    db: &impl ConnectionTrait,
    page: Page,
) -> Result<(Vec<Account>, u64), DbErr> {
    let query = account::Entity::find()
        .order_by_asc(account::Column::CreatedAt)
        .order_by_asc(account::Column::Id);
    let (rows, total) = fetch_page(db, query, page).await?;
    let accounts = rows
        .into_iter()
        .map(account_from_row)
        .collect::<Result<_, _>>()?;
    Ok((accounts, total))
}

/// Removes the account's keys of `label`, and its key with this hash under any label (a fixed
/// demo key re-issued under a new label).
pub async fn delete_keys_of_label(
    db: &impl ConnectionTrait,
    account: AccountId,
    label: &KeyLabel,
    hash: &ApiKeyHash,
) -> Result<(), DbErr> {
    api_key::Entity::delete_many()
        .filter(api_key::Column::AccountId.eq(*account.as_uuid()))
        .filter(
            Condition::any()
                .add(api_key::Column::Label.eq(label.as_str()))
                .add(api_key::Column::KeyHash.eq(hash.as_bytes().to_vec())),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Stores a key's hash; a hash already stored is a unique violation, an unknown account a
/// foreign-key violation.
pub async fn insert_key(
    db: &impl ConnectionTrait,
    key: &IssuedKey,
    hash: &ApiKeyHash,
) -> Result<(), DbErr> {
    api_key::Entity::insert(api_key::ActiveModel {
        id: Set(*key.id.as_uuid()),
        account_id: Set(*key.account_id.as_uuid()),
        label: Set(key.label.as_str().to_owned()),
        key_hash: Set(hash.as_bytes().to_vec()),
        created_at: Set(key.created_at),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// One page of the account's keys, oldest first, and the total count.
pub async fn list_keys(
    db: &impl ConnectionTrait,
    account: AccountId,
    page: Page,
) -> Result<(Vec<IssuedKey>, u64), DbErr> {
    let query = api_key::Entity::find().filter(api_key::Column::AccountId.eq(*account.as_uuid()));
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_asc(api_key::Column::CreatedAt)
        .order_by_asc(api_key::Column::Id)
        .offset(page.offset())
        .limit(u64::from(page.size()))
        .all(db)
        .await?;
    let keys = rows
        .into_iter()
        .map(|row| key_from_row(&row))
        .collect::<Result<_, _>>()?;
    Ok((keys, total))
}

/// Deletes the key and returns what it was, with its hash; `None` when there is no such key.
pub async fn delete_key(
    db: &impl ConnectionTrait,
    id: ApiKeyId,
) -> Result<Option<(IssuedKey, ApiKeyHash)>, DbErr> {
    let Some(row) = api_key::Entity::find_by_id(*id.as_uuid()).one(db).await? else {
        return Ok(None);
    };
    let deleted = api_key::Entity::delete_by_id(row.id).exec(db).await?;
    if deleted.rows_affected == 0 {
        return Ok(None);
    }
    let hash = ApiKeyHash::from_slice(&row.key_hash)
        .ok_or_else(|| DbErr::Custom(format!("stored API key {} has a malformed hash", row.id)))?;
    Ok(Some((key_from_row(&row)?, hash)))
}

fn key_from_row(row: &api_key::Model) -> Result<IssuedKey, DbErr> {
    Ok(IssuedKey {
        id: ApiKeyId::from_uuid(row.id),
        account_id: AccountId::from_uuid(row.account_id),
        label: KeyLabel::parse(&row.label)
            .map_err(|e| DbErr::Custom(format!("stored key label: {}", e.detail)))?,
        created_at: row.created_at,
    })
}

fn account_from_row(row: account::Model) -> Result<Account, DbErr> {
    let name = AccountName::parse(&row.name)
        .map_err(|e| DbErr::Custom(format!("stored account name: {}", e.detail)))?;
    Ok(Account {
        id: AccountId::from_uuid(row.id),
        name,
        created_at: row.created_at,
    })
}

// === messaging profiles ===

pub async fn insert_profile(
    db: &impl ConnectionTrait,
    profile: &MessagingProfile,
) -> Result<(), DbErr> {
    messaging_profile::Entity::insert(profile_row(profile, 0))
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn profile(
    db: &impl ConnectionTrait,
    account: AccountId,
    id: MessagingProfileId,
) -> Result<Option<Versioned<MessagingProfile>>, DbErr> {
    let Some(row) = messaging_profile::Entity::find_by_id(*id.as_uuid())
        .filter(messaging_profile::Column::AccountId.eq(*account.as_uuid()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let revision = row.revision;
    Ok(Some(Versioned {
        value: profile_from_row(row)?,
        revision,
    }))
}

#[derive(Debug, Default)]
pub struct ProfileFilter {
    pub name_eq: Option<String>,
    pub name_contains: Option<String>,
}

/// One page of the account's profiles, oldest first (ties broken by id, so pages never overlap),
/// and the total count.
pub async fn list_profiles(
    db: &impl ConnectionTrait,
    account: AccountId,
    filter: &ProfileFilter,
    page: Page,
) -> Result<(Vec<MessagingProfile>, u64), DbErr> {
    let mut condition =
        Condition::all().add(messaging_profile::Column::AccountId.eq(*account.as_uuid()));
    if let Some(name) = &filter.name_eq {
        condition = condition.add(messaging_profile::Column::Name.eq(name.as_str()));
    }
    if let Some(fragment) = &filter.name_contains {
        condition = condition
            .add(messaging_profile::Column::NameFolded.like(contains(&fragment.to_lowercase())));
    }
    let query = messaging_profile::Entity::find()
        .filter(condition)
        .order_by_asc(messaging_profile::Column::CreatedAt)
        .order_by_asc(messaging_profile::Column::Id);
    let (rows, total) = fetch_page(db, query, page).await?;
    let profiles = rows
        .into_iter()
        .map(profile_from_row)
        .collect::<Result<_, _>>()?;
    Ok((profiles, total))
}

/// Writes the profile if it is still at `read_revision`; false when another writer came first
/// (or the profile is gone).
pub async fn update_profile(
    db: &impl ConnectionTrait,
    profile: &MessagingProfile,
    read_revision: i64,
) -> Result<bool, DbErr> {
    let updated = messaging_profile::Entity::update_many()
        .set(profile_row(profile, read_revision + 1))
        .filter(messaging_profile::Column::Id.eq(*profile.id.as_uuid()))
        .filter(messaging_profile::Column::AccountId.eq(*profile.account_id.as_uuid()))
        .filter(messaging_profile::Column::Revision.eq(read_revision))
        .exec(db)
        .await?;
    Ok(updated.rows_affected > 0)
}

/// Deletes the profile; false when the account has no such profile.
pub async fn delete_profile(
    db: &impl ConnectionTrait,
    account: AccountId,
    id: MessagingProfileId,
) -> Result<bool, DbErr> {
    let deleted = messaging_profile::Entity::delete_many()
        .filter(messaging_profile::Column::Id.eq(*id.as_uuid()))
        .filter(messaging_profile::Column::AccountId.eq(*account.as_uuid()))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected > 0)
}

fn profile_row(profile: &MessagingProfile, revision: i64) -> messaging_profile::ActiveModel {
    messaging_profile::ActiveModel {
        id: Set(*profile.id.as_uuid()),
        account_id: Set(*profile.account_id.as_uuid()),
        name: Set(profile.name.as_str().to_owned()),
        name_folded: Set(profile.name.as_str().to_lowercase()),
        revision: Set(revision),
        enabled: Set(profile.enabled),
        webhook_url: Set(profile.webhook_url.as_ref().map(|u| u.as_str().to_owned())),
        webhook_failover_url: Set(profile
            .webhook_failover_url
            .as_ref()
            .map(|u| u.as_str().to_owned())),
        webhook_api_version: Set(profile.webhook_api_version.as_str().to_owned()),
        whitelisted_destinations: Set(profile.whitelisted_destinations.as_slice().join(",")),
        created_at: Set(profile.created_at),
        updated_at: Set(profile.updated_at),
    }
}

fn profile_from_row(row: messaging_profile::Model) -> Result<MessagingProfile, DbErr> {
    let corrupt = |what: &str| {
        DbErr::Custom(format!(
            "stored messaging profile {} has an invalid {what}",
            row.id
        ))
    };
    let url = |raw: &Option<String>, what: &str| {
        raw.as_deref()
            .map(WebhookUrl::parse)
            .transpose()
            .map_err(|_| corrupt(what))
    };
    let destinations: Vec<String> = row
        .whitelisted_destinations
        .split(',')
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect();
    Ok(MessagingProfile {
        id: MessagingProfileId::from_uuid(row.id),
        account_id: AccountId::from_uuid(row.account_id),
        name: ProfileName::parse(&row.name).map_err(|_| corrupt("name"))?,
        enabled: row.enabled,
        webhook_url: url(&row.webhook_url, "webhook_url")?,
        webhook_failover_url: url(&row.webhook_failover_url, "webhook_failover_url")?,
        webhook_api_version: WebhookApiVersion::parse(&row.webhook_api_version)
            .ok_or_else(|| corrupt("webhook_api_version"))?,
        whitelisted_destinations: Destinations::parse(&destinations)
            .map_err(|_| corrupt("destination"))?,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}
