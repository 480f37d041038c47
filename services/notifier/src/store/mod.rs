//! Events, deliveries and their attempts, outgoing e-mails, the sandbox mailbox, portal notices
//! and the signing key in the notifier's own database. Rows convert to domain values here.

mod entities;
mod migration;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder,
};
use textport_domain::{AccountId, Page};
use textport_platform::db::{contains, fetch_page};
use textport_platform::sweeper::{self, Claim, Due};
use uuid::Uuid;

use crate::domain::DeliveryStatus;
use crate::mail::Email;
pub use entities::{attempt, delivery, email, mailbox, notice};
use entities::{event, signing_key};
pub use migration::Migrator;

impl Due for delivery::Entity {
    fn id_column() -> delivery::Column {
        delivery::Column::Id
    }
    fn due_column() -> delivery::Column {
        delivery::Column::DueAt
    }
    fn claim_column() -> delivery::Column {
        delivery::Column::Claim
    }
}

impl Due for email::Entity {
    fn id_column() -> email::Column {
        email::Column::Id
    }
    fn due_column() -> email::Column {
        email::Column::DueAt
    }
    fn claim_column() -> email::Column {
        email::Column::Claim
    }
}

// === events ===

/// Of `ids`, those already received.
pub async fn known_events(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<Uuid>, DbErr> {
    Ok(event::Entity::find()
        .filter(event::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|row| row.id)
        .collect())
}

/// A received event, to record.
pub struct NewEvent<'a> {
    pub id: Uuid,
    pub event_type: &'a str,
    pub account_id: AccountId,
}

/// Records events as received in one statement; returns the ids recorded now (not those another
/// receiver recorded first).
pub async fn insert_events(
    db: &impl ConnectionTrait,
    events: &[NewEvent<'_>],
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, DbErr> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    event::Entity::insert_many(events.iter().map(|event| event::ActiveModel {
        id: Set(event.id),
        event_type: Set(event.event_type.to_owned()),
        account_id: Set(*event.account_id.as_uuid()),
        received_at: Set(now),
    }))
    .on_conflict(
        OnConflict::column(event::Column::Id)
            .do_nothing()
            .to_owned(),
    )
    .exec_with_returning_keys(db)
    .await
}

// === deliveries ===

pub async fn insert_deliveries(
    db: &impl ConnectionTrait,
    rows: Vec<delivery::ActiveModel>,
) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    delivery::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn claim_deliveries(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    lease: std::time::Duration,
    limit: u64,
) -> Result<Claim<delivery::Model>, DbErr> {
    sweeper::claim::<delivery::Entity>(db, now, lease, limit, Condition::all()).await
}

/// Where a claimed delivery stands after a round of attempts, with the attempts to record.
pub struct RoundResult {
    pub id: Uuid,
    pub attempt_rows: Vec<attempt::ActiveModel>,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub failed_rounds: i32,
    pub due_at: Option<DateTime<Utc>>,
    /// When the first attempt ever started.
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// Records rounds' new states and their attempts (one insert), where the claim still holds;
/// returns how many had lost it.
pub async fn finish_rounds(
    db: &impl ConnectionTrait,
    token: Uuid,
    rounds: Vec<RoundResult>,
) -> Result<usize, DbErr> {
    let mut attempts = Vec::new();
    let mut lost = 0;
    for round in rounds {
        let (held, rows) = finish_round(db, token, round).await?;
        if held {
            attempts.extend(rows);
        } else {
            lost += 1;
        }
    }
    if !attempts.is_empty() {
        attempt::Entity::insert_many(attempts)
            .on_conflict(
                OnConflict::columns([attempt::Column::DeliveryId, attempt::Column::Attempt])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(lost)
}

/// The delivery's new state if the claim still holds, and then its attempts to record.
async fn finish_round(
    db: &impl ConnectionTrait,
    token: Uuid,
    result: RoundResult,
) -> Result<(bool, Vec<attempt::ActiveModel>), DbErr> {
    let RoundResult {
        id,
        attempt_rows: attempts,
        ..
    } = result;
    let updated = delivery::Entity::update_many()
        .col_expr(
            delivery::Column::Status,
            Expr::value(result.status.as_str()),
        )
        .col_expr(delivery::Column::Attempts, Expr::value(result.attempts))
        .col_expr(
            delivery::Column::FailedRounds,
            Expr::value(result.failed_rounds),
        )
        .col_expr(delivery::Column::DueAt, Expr::value(result.due_at))
        .col_expr(delivery::Column::Claim, Expr::value(Option::<Uuid>::None))
        .col_expr(
            delivery::Column::StartedAt,
            Expr::value(Some(result.started_at)),
        )
        .col_expr(
            delivery::Column::FinishedAt,
            Expr::value(result.finished_at),
        )
        .filter(sweeper::held::<delivery::Entity>(id, token))
        .exec(db)
        .await?;
    Ok((updated.rows_affected == 1, attempts))
}

/// What a delivery list is narrowed by.
#[derive(Debug, Default, Clone)]
pub struct DeliveryFilter {
    pub status: Option<DeliveryStatus>,
    pub event_types: Vec<String>,
    pub webhook_contains: Option<String>,
    pub started_at: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    pub finished_at: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    pub resource_id: Option<String>,
    pub event_id: Option<Uuid>,
}

fn range(
    column: delivery::Column,
    (gte, lte): (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
) -> Condition {
    let mut condition = Condition::all();
    if let Some(gte) = gte {
        condition = condition.add(column.gte(gte));
    }
    if let Some(lte) = lte {
        condition = condition.add(column.lte(lte));
    }
    condition
}

/// One page of an account's deliveries, newest first, each with its attempts (two queries).
pub async fn deliveries(
    db: &impl ConnectionTrait,
    account_id: AccountId,
    filter: &DeliveryFilter,
    page: Page,
) -> Result<(Vec<(delivery::Model, Vec<attempt::Model>)>, u64), DbErr> {
    let mut query = delivery::Entity::find()
        .filter(delivery::Column::AccountId.eq(*account_id.as_uuid()))
        .filter(range(delivery::Column::StartedAt, filter.started_at))
        .filter(range(delivery::Column::FinishedAt, filter.finished_at));
    if let Some(status) = filter.status {
        query = query.filter(delivery::Column::Status.eq(status.as_str()));
    }
    if !filter.event_types.is_empty() {
        query = query.filter(delivery::Column::EventType.is_in(filter.event_types.clone()));
    }
    if let Some(text) = &filter.webhook_contains {
        let like = |column: delivery::Column| column.like(contains(text));
        query = query.filter(
            Condition::any()
                .add(like(delivery::Column::Urls))
                .add(like(delivery::Column::EventType))
                .add(like(delivery::Column::PayloadJson)),
        );
    }
    if let Some(resource_id) = &filter.resource_id {
        query = query.filter(delivery::Column::ResourceId.eq(resource_id.clone()));
    }
    if let Some(event_id) = filter.event_id {
        query = query.filter(delivery::Column::EventId.eq(event_id));
    }
    let query = query.order_by_desc(delivery::Column::Id);
    let (rows, total) = fetch_page(db, query, page).await?;
    Ok((with_attempts(db, rows).await?, total))
}

pub async fn delivery(
    db: &impl ConnectionTrait,
    account_id: AccountId,
    id: Uuid,
) -> Result<Option<(delivery::Model, Vec<attempt::Model>)>, DbErr> {
    let Some(row) = delivery::Entity::find_by_id(id)
        .filter(delivery::Column::AccountId.eq(*account_id.as_uuid()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(with_attempts(db, vec![row]).await?.pop())
}

pub async fn event_deliveries(
    db: &impl ConnectionTrait,
    event_id: Uuid,
) -> Result<Vec<(delivery::Model, Vec<attempt::Model>)>, DbErr> {
    let rows = delivery::Entity::find()
        .filter(delivery::Column::EventId.eq(event_id))
        .order_by_asc(delivery::Column::Id)
        .all(db)
        .await?;
    with_attempts(db, rows).await
}

/// Each delivery with the attempts its row counts: a round recorded between the two reads
/// (row and attempts commit together) is left out, so status and attempts always agree.
async fn with_attempts(
    db: &impl ConnectionTrait,
    rows: Vec<delivery::Model>,
) -> Result<Vec<(delivery::Model, Vec<attempt::Model>)>, DbErr> {
    let mut attempts: HashMap<Uuid, Vec<attempt::Model>> = HashMap::new();
    if !rows.is_empty() {
        for row in attempt::Entity::find()
            .filter(attempt::Column::DeliveryId.is_in(rows.iter().map(|row| row.id)))
            .order_by_desc(attempt::Column::Attempt)
            .all(db)
            .await?
        {
            attempts.entry(row.delivery_id).or_default().push(row);
        }
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let mut of_row = attempts.remove(&row.id).unwrap_or_default();
            of_row.retain(|attempt| attempt.attempt <= row.attempts);
            (row, of_row)
        })
        .collect())
}

/// Makes a delivery due now with a fresh retry budget; false when it is not the account's.
pub async fn redeliver(
    db: &impl ConnectionTrait,
    account_id: AccountId,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let updated = delivery::Entity::update_many()
        .col_expr(
            delivery::Column::Status,
            Expr::value(DeliveryStatus::Pending.as_str()),
        )
        .col_expr(delivery::Column::FailedRounds, Expr::value(0))
        .col_expr(delivery::Column::BudgetFrom, Expr::value(now))
        .col_expr(delivery::Column::DueAt, Expr::value(Some(now)))
        .col_expr(delivery::Column::Claim, Expr::value(Option::<Uuid>::None))
        .col_expr(
            delivery::Column::FinishedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(delivery::Column::Id.eq(id))
        .filter(delivery::Column::AccountId.eq(*account_id.as_uuid()))
        .exec(db)
        .await?;
    Ok(updated.rows_affected == 1)
}

// === e-mail ===

pub async fn insert_emails(
    db: &impl ConnectionTrait,
    rows: Vec<email::ActiveModel>,
) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    email::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn claim_emails(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    lease: std::time::Duration,
    limit: u64,
) -> Result<Claim<email::Model>, DbErr> {
    sweeper::claim::<email::Entity>(db, now, lease, limit, Condition::all()).await
}

/// A sent e-mail leaves no copy behind.
pub async fn email_sent(
    db: &impl ConnectionTrait,
    claim: &Claim<email::Model>,
    id: Uuid,
) -> Result<(), DbErr> {
    email::Entity::delete_many()
        .filter(claim.owns::<email::Entity>(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn email_failed(
    db: &impl ConnectionTrait,
    claim: &Claim<email::Model>,
    id: Uuid,
    attempts: i32,
    due_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    email::Entity::update_many()
        .col_expr(email::Column::Attempts, Expr::value(attempts))
        .col_expr(email::Column::DueAt, Expr::value(Some(due_at)))
        .col_expr(email::Column::Claim, Expr::value(Option::<Uuid>::None))
        .filter(claim.owns::<email::Entity>(id))
        .exec(db)
        .await?;
    Ok(())
}

pub fn email_of(row: &email::Model) -> Email {
    Email {
        id: row.id,
        event_id: row.event_id,
        account_id: row.account_id,
        to: row.to_address.clone(),
        subject: row.subject.clone(),
        body_text: row.body_text.clone(),
    }
}

pub async fn put_in_mailbox(
    db: &impl ConnectionTrait,
    email: &Email,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    mailbox::Entity::insert(mailbox::ActiveModel {
        id: Set(email.id),
        event_id: Set(email.event_id),
        account_id: Set(email.account_id),
        to_address: Set(email.to.clone()),
        subject: Set(email.subject.clone()),
        body_text: Set(email.body_text.clone()),
        sent_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(mailbox::Column::Id)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The sandbox mailbox, newest first, optionally for one recipient.
pub async fn mailbox(
    db: &impl ConnectionTrait,
    to: Option<&str>,
    page: Page,
) -> Result<(Vec<mailbox::Model>, u64), DbErr> {
    let mut query = mailbox::Entity::find();
    if let Some(to) = to {
        query = query.filter(mailbox::Column::ToAddress.eq(to));
    }
    fetch_page(db, query.order_by_desc(mailbox::Column::Id), page).await
}

// === portal notices ===

pub async fn insert_notices(
    db: &impl ConnectionTrait,
    rows: Vec<notice::ActiveModel>,
) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    notice::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn notices(
    db: &impl ConnectionTrait,
    account_id: AccountId,
    read: Option<bool>,
    page: Page,
) -> Result<(Vec<notice::Model>, u64), DbErr> {
    let mut query =
        notice::Entity::find().filter(notice::Column::AccountId.eq(*account_id.as_uuid()));
    match read {
        Some(true) => query = query.filter(notice::Column::ReadAt.is_not_null()),
        Some(false) => query = query.filter(notice::Column::ReadAt.is_null()),
        None => {}
    }
    fetch_page(db, query.order_by_desc(notice::Column::Id), page).await
}

/// Marks a notice read (once: a later call keeps the first time); `None` when it is not the
/// account's.
pub async fn mark_read(
    db: &impl ConnectionTrait,
    account_id: AccountId,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<notice::Model>, DbErr> {
    notice::Entity::update_many()
        .col_expr(notice::Column::ReadAt, Expr::value(Some(now)))
        .filter(notice::Column::Id.eq(id))
        .filter(notice::Column::AccountId.eq(*account_id.as_uuid()))
        .filter(notice::Column::ReadAt.is_null())
        .exec(db)
        .await?;
    notice::Entity::find_by_id(id)
        .filter(notice::Column::AccountId.eq(*account_id.as_uuid()))
        .one(db)
        .await
}

// === the signing key ===

/// The stored seed, created on first use; replicas racing to create it all read the winner's.
pub async fn signing_seed(
    db: &impl ConnectionTrait,
    candidate: [u8; 32],
    now: DateTime<Utc>,
) -> Result<Vec<u8>, DbErr> {
    signing_key::Entity::insert(signing_key::ActiveModel {
        id: Set(1),
        seed: Set(candidate.to_vec()),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(signing_key::Column::Id)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    signing_key::Entity::find_by_id(1)
        .one(db)
        .await?
        .map(|row| row.seed)
        .ok_or_else(|| DbErr::RecordNotFound("signing key".to_owned()))
}
