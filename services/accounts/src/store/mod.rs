//! Accounts, API keys and messaging profiles in the service's own database. Rows convert to
//! domain values here; nothing above this module sees a SeaORM model.

mod entities;
mod migration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{LikeExpr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use textport_domain::{AccountId, ApiKeyHash, ApiKeyId, MessagingProfileId, Page, WebhookUrl};
use textport_platform::db::Versioned;

use crate::domain::{
    Account, AccountName, Destinations, MessagingProfile, ProfileName, WebhookApiVersion,
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

/// The account with this name, created if missing. Returns whether it was created.
pub async fn ensure_account(
    db: &impl ConnectionTrait,
    name: &AccountName,
    now: DateTime<Utc>,
) -> Result<(Account, bool), DbErr> {
    let row = account::ActiveModel {
        id: Set(*AccountId::new().as_uuid()),
        name: Set(name.as_str().to_owned()),
        created_at: Set(now),
    };
    let inserted = account::Entity::insert(row)
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

/// Stores a key's hash under `label`, replacing the account's earlier keys of that label.
pub async fn replace_key(
    db: &DatabaseConnection,
    account: AccountId,
    label: &str,
    hash: &ApiKeyHash,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    api_key::Entity::delete_many()
        .filter(api_key::Column::AccountId.eq(*account.as_uuid()))
        .filter(api_key::Column::Label.eq(label))
        .exec(&txn)
        .await?;
    // The same key may already belong here under another label (a fixed demo key re-issued).
    api_key::Entity::delete_many()
        .filter(api_key::Column::AccountId.eq(*account.as_uuid()))
        .filter(api_key::Column::KeyHash.eq(hash.as_bytes().to_vec()))
        .exec(&txn)
        .await?;
    api_key::Entity::insert(api_key::ActiveModel {
        id: Set(*ApiKeyId::new().as_uuid()),
        account_id: Set(*account.as_uuid()),
        label: Set(label.to_owned()),
        key_hash: Set(hash.as_bytes().to_vec()),
        created_at: Set(now),
    })
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await
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
        let pattern = format!("%{}%", escape_like(&fragment.to_lowercase()));
        condition = condition
            .add(messaging_profile::Column::NameFolded.like(LikeExpr::new(pattern).escape('\\')));
    }
    let query = messaging_profile::Entity::find().filter(condition);
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_asc(messaging_profile::Column::CreatedAt)
        .order_by_asc(messaging_profile::Column::Id)
        .offset(page.offset())
        .limit(u64::from(page.size()))
        .all(db)
        .await?;
    let profiles = rows
        .into_iter()
        .map(profile_from_row)
        .collect::<Result<_, _>>()?;
    Ok((profiles, total))
}

fn escape_like(raw: &str) -> String {
    raw.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
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
            .map_err(|_| corrupt("webhook_api_version"))?,
        whitelisted_destinations: Destinations::parse(&destinations)
            .map_err(|_| corrupt("destination"))?,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}
