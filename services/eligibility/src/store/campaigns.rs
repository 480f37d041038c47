//! The numbers' 10DLC campaign links (`phone_number_campaigns`): the one place a link is kept.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Order};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use textport_domain::{AccountId, E164, Page};

use super::campaign::{ActiveModel, Column, Entity, Model};
use crate::domain::{CampaignLink, LinkFilter, LinkOrder, LinkSort};

/// Each of these numbers' campaign id, whichever account linked it, in one query.
pub async fn campaign_ids(
    db: &impl ConnectionTrait,
    numbers: &[E164],
) -> Result<HashMap<String, String>, DbErr> {
    if numbers.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(Entity::find()
        .filter(Column::PhoneNumber.is_in(numbers.iter().map(E164::as_str)))
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.phone_number, row.campaign_id))
        .collect())
}

/// These numbers' links, whichever account made them, in one query.
pub async fn links_of(
    db: &impl ConnectionTrait,
    numbers: &[E164],
) -> Result<Vec<CampaignLink>, DbErr> {
    if numbers.is_empty() {
        return Ok(Vec::new());
    }
    Entity::find()
        .filter(Column::PhoneNumber.is_in(numbers.iter().map(E164::as_str)))
        .all(db)
        .await?
        .into_iter()
        .map(link_from_row)
        .collect()
}

/// The number's link, whichever account made it.
pub async fn find(db: &impl ConnectionTrait, number: &E164) -> Result<Option<CampaignLink>, DbErr> {
    Entity::find_by_id(number.as_str())
        .one(db)
        .await?
        .map(link_from_row)
        .transpose()
}

/// The account's own link of the number; another account's is `None`.
pub async fn find_own(
    db: &impl ConnectionTrait,
    account: AccountId,
    number: &E164,
) -> Result<Option<CampaignLink>, DbErr> {
    Entity::find_by_id(number.as_str())
        .filter(Column::AccountId.eq(*account.as_uuid()))
        .one(db)
        .await?
        .map(link_from_row)
        .transpose()
}

pub async fn insert(db: &impl ConnectionTrait, link: &CampaignLink) -> Result<(), DbErr> {
    Entity::insert(active_model(link))
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Writes every column of the number's link over the one there.
pub async fn replace(db: &impl ConnectionTrait, link: &CampaignLink) -> Result<(), DbErr> {
    Entity::update_many()
        .set(active_model(link))
        .filter(Column::PhoneNumber.eq(link.number.as_str()))
        .exec(db)
        .await?;
    Ok(())
}

/// Moves the account's link of the number to `campaign`; false when it has none.
pub async fn set_campaign(
    db: &impl ConnectionTrait,
    account: AccountId,
    number: &E164,
    campaign: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let updated = Entity::update_many()
        .col_expr(Column::CampaignId, Expr::value(campaign))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::PhoneNumber.eq(number.as_str()))
        .filter(Column::AccountId.eq(*account.as_uuid()))
        .exec(db)
        .await?;
    Ok(updated.rows_affected > 0)
}

/// Deletes the account's link of the number; false when it has none.
pub async fn delete_own(
    db: &impl ConnectionTrait,
    account: AccountId,
    number: &E164,
) -> Result<bool, DbErr> {
    let deleted = Entity::delete_many()
        .filter(Column::PhoneNumber.eq(number.as_str()))
        .filter(Column::AccountId.eq(*account.as_uuid()))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected > 0)
}

/// Deletes these numbers' links, whichever account made them.
pub async fn delete_for_numbers(db: &impl ConnectionTrait, numbers: &[E164]) -> Result<(), DbErr> {
    if numbers.is_empty() {
        return Ok(());
    }
    Entity::delete_many()
        .filter(Column::PhoneNumber.is_in(numbers.iter().map(E164::as_str)))
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes the account's links of these numbers; another account's are left alone.
pub async fn delete_own_numbers(
    db: &impl ConnectionTrait,
    account: AccountId,
    numbers: &[E164],
) -> Result<(), DbErr> {
    if numbers.is_empty() {
        return Ok(());
    }
    Entity::delete_many()
        .filter(Column::PhoneNumber.is_in(numbers.iter().map(E164::as_str)))
        .filter(Column::AccountId.eq(*account.as_uuid()))
        .exec(db)
        .await?;
    Ok(())
}

/// One page of the account's links and the count of all that match: two queries.
pub async fn list(
    db: &impl ConnectionTrait,
    account: AccountId,
    filter: &LinkFilter,
    sort: LinkSort,
    page: Page,
) -> Result<(Vec<CampaignLink>, u64), DbErr> {
    if filter.matches_nothing {
        return Ok((Vec::new(), 0));
    }
    let mut query = Entity::find().filter(Column::AccountId.eq(*account.as_uuid()));
    if let Some(campaign) = &filter.campaign_id {
        query = query.filter(Column::CampaignId.eq(campaign.as_str()));
    }
    let direction = if sort.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    query = match sort.by {
        LinkOrder::PhoneNumber => query.order_by(Column::PhoneNumber, direction),
        LinkOrder::CreatedAt => query
            .order_by(Column::CreatedAt, direction)
            .order_by_asc(Column::PhoneNumber),
        // Every link is assigned: the status ties everywhere, so the number decides either way.
        LinkOrder::AssignmentStatus => query.order_by_asc(Column::PhoneNumber),
    };
    let (rows, total) = textport_platform::db::fetch_page(db, query, page).await?;
    let links = rows
        .into_iter()
        .map(link_from_row)
        .collect::<Result<_, _>>()?;
    Ok((links, total))
}

fn active_model(link: &CampaignLink) -> ActiveModel {
    ActiveModel {
        phone_number: Set(link.number.as_str().to_owned()),
        account_id: Set(*link.account.as_uuid()),
        campaign_id: Set(link.campaign_id.clone()),
        created_at: Set(link.created_at),
        updated_at: Set(link.updated_at),
    }
}

/// A row this service did not write (a number that does not parse) is an error, not a guess.
fn link_from_row(row: Model) -> Result<CampaignLink, DbErr> {
    let number = E164::parse(&row.phone_number).map_err(|error| {
        DbErr::Custom(format!(
            "phone_number_campaigns row has a bad number: {error}"
        ))
    })?;
    Ok(CampaignLink {
        number,
        account: AccountId::from_uuid(row.account_id),
        campaign_id: row.campaign_id,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}
