//! The hosted-order tables and their queries, each generic over the connection so a use case
//! runs them in its transaction. An order's numbers and documents are read in one query each,
//! however many numbers it has.

mod entity;
mod migration;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, ExprTrait, QueryFilter,
    QueryOrder, Set,
};
use textport_domain::{AccountId, E164, HostedNumberId, MessagingProfileId, OrderId, Page};
use textport_platform::db::{contains, fetch_page};
use uuid::Uuid;

pub use entity::deadline;
pub use entity::history::Model as HistoryRow;
pub use migration::Migrator;

use crate::domain::{
    Actor, Changes, Document, Number, NumberStatus, Order, OrderStatus, TransferDecision, WaitingOn,
};
use entity::{applied, blob, document, history, number, order};

/// Numbers written per statement: well under both databases' bind-parameter limits.
const CHUNK: usize = 500;

pub const LOA: &str = "loa";
pub const BILL: &str = "bill";

fn corrupt(what: &str, value: &str) -> DbErr {
    DbErr::Custom(format!("hosted-order row has {what} = {value:?}"))
}

// === orders ===

pub async fn insert_order(db: &impl ConnectionTrait, order: &Order) -> Result<(), DbErr> {
    order::Entity::insert(order_row(order))
        .exec_without_returning(db)
        .await?;
    for chunk in order.numbers.chunks(CHUNK) {
        number::Entity::insert_many(chunk.iter().map(|n| number_row(order, n)))
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// The order, scoped to `account` (`None`: the operator and the service's own work, any account).
/// A deleted order is gone for its customer (kept for the history and late events).
pub async fn load_order(
    db: &impl ConnectionTrait,
    id: OrderId,
    account: Option<AccountId>,
) -> Result<Option<Order>, DbErr> {
    let mut query = order::Entity::find_by_id(*id.as_uuid());
    if let Some(account) = account {
        query = query
            .filter(order::Column::AccountId.eq(*account.as_uuid()))
            .filter(order::Column::Status.ne(OrderStatus::Deleted.as_str()));
    }
    let Some(row) = query.one(db).await? else {
        return Ok(None);
    };
    Ok(assemble(db, vec![row]).await?.pop())
}

/// Orders with their numbers and documents: three queries whatever the count.
async fn assemble(db: &impl ConnectionTrait, rows: Vec<order::Model>) -> Result<Vec<Order>, DbErr> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let mut numbers: HashMap<Uuid, Vec<Number>> = HashMap::new();
    for row in number::Entity::find()
        .filter(number::Column::OrderId.is_in(ids.clone()))
        .order_by_asc(number::Column::OrderId)
        .order_by_asc(number::Column::Id)
        .all(db)
        .await?
    {
        numbers
            .entry(row.order_id)
            .or_default()
            .push(number_from_row(row)?);
    }
    let mut documents: HashMap<Uuid, Document> = document::Entity::find()
        .filter(document::Column::OrderId.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.id, document_from_row(row)))
        .collect();
    rows.into_iter()
        .map(|row| {
            let loa = row.loa_document_id.and_then(|id| documents.remove(&id));
            let bill = row.bill_document_id.and_then(|id| documents.remove(&id));
            let numbers = numbers.remove(&row.id).unwrap_or_default();
            order_from_row(row, numbers, loa, bill)
        })
        .collect()
}

/// Writes the order's own columns if nobody changed it since `order.version` was read; answers
/// whether it did (and bumps the version).
pub async fn save_order(db: &impl ConnectionTrait, order: &mut Order) -> Result<bool, DbErr> {
    let mut row = order_row(order);
    row.version = Set(order.version + 1);
    let updated = order::Entity::update_many()
        .set(row)
        .filter(order::Column::Id.eq(*order.id.as_uuid()))
        .filter(order::Column::Version.eq(order.version))
        .exec(db)
        .await?;
    if updated.rows_affected == 1 {
        order.version += 1;
        Ok(true)
    } else {
        Ok(false)
    }
}

/// Writes these numbers' changing columns, one statement per group of numbers that changed
/// alike (a use case usually moves many numbers the same way).
pub async fn save_numbers(db: &impl ConnectionTrait, numbers: &[&Number]) -> Result<(), DbErr> {
    type Key = (
        &'static str,
        Option<Uuid>,
        String,
        String,
        (Option<u32>, Option<DateTime<Utc>>),
        (Option<&'static str>, Option<DateTime<Utc>>),
        DateTime<Utc>,
    );
    let mut groups: HashMap<Key, Vec<Uuid>> = HashMap::new();
    for n in numbers {
        let key = (
            n.status.as_str(),
            n.messaging_profile_id.map(|id| *id.as_uuid()),
            n.messaging_product.clone(),
            tags_json(&n.tags),
            (n.code_attempts_remaining, n.code_resend_allowed_at),
            (
                n.transfer_decision.map(TransferDecision::as_str),
                n.approval_deadline,
            ),
            n.updated_at,
        );
        groups.entry(key).or_default().push(*n.id.as_uuid());
    }
    for (
        (status, profile, product, tags, (attempts, resend), (decision, deadline), updated_at),
        ids,
    ) in groups
    {
        for chunk in ids.chunks(CHUNK) {
            number::Entity::update_many()
                .col_expr(number::Column::Status, Expr::value(status))
                .col_expr(number::Column::MessagingProfileId, Expr::value(profile))
                .col_expr(
                    number::Column::MessagingProduct,
                    Expr::value(product.clone()),
                )
                .col_expr(number::Column::Tags, Expr::value(tags.clone()))
                .col_expr(
                    number::Column::CodeAttemptsRemaining,
                    Expr::value(attempts.and_then(|a| i32::try_from(a).ok())),
                )
                .col_expr(number::Column::CodeResendAllowedAt, Expr::value(resend))
                .col_expr(number::Column::TransferDecision, Expr::value(decision))
                .col_expr(number::Column::ApprovalDeadline, Expr::value(deadline))
                .col_expr(number::Column::UpdatedAt, Expr::value(updated_at))
                .filter(number::Column::Id.is_in(chunk.iter().copied()))
                .exec(db)
                .await?;
        }
    }
    Ok(())
}

/// One history row per change, in one statement.
pub async fn append_history(
    db: &impl ConnectionTrait,
    order: OrderId,
    changes: &Changes,
    actor: Actor,
    trace_id: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for chunk in changes.0.chunks(CHUNK) {
        history::Entity::insert_many(chunk.iter().map(|change| history::ActiveModel {
            id: Set(Uuid::now_v7()),
            order_id: Set(*order.as_uuid()),
            phone_number: Set(change.phone_number.as_ref().map(|n| n.as_str().to_owned())),
            from_status: Set(change.from.map(str::to_owned)),
            to_status: Set(change.to.to_owned()),
            actor: Set(actor.as_str().to_owned()),
            reason: Set(change.reason.clone()),
            trace_id: Set(trace_id.to_owned()),
            occurred_at: Set(now),
        }))
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

/// Every change of the order and its numbers, oldest first.
pub async fn timeline(db: &impl ConnectionTrait, order: OrderId) -> Result<Vec<HistoryRow>, DbErr> {
    history::Entity::find()
        .filter(history::Column::OrderId.eq(*order.as_uuid()))
        .order_by_asc(history::Column::Id)
        .all(db)
        .await
}

/// One page of the account's orders, newest first (ids are UUIDv7: creation order).
pub async fn list_orders(
    db: &impl ConnectionTrait,
    account: AccountId,
    page: Page,
) -> Result<(Vec<Order>, u64), DbErr> {
    let query = order::Entity::find()
        .filter(order::Column::AccountId.eq(*account.as_uuid()))
        .filter(order::Column::Status.ne(OrderStatus::Deleted.as_str()))
        .order_by_desc(order::Column::Id);
    let (rows, total) = fetch_page(db, query, page).await?;
    Ok((assemble(db, rows).await?, total))
}

/// Orders waiting on the operator's review, the longest waiting first.
pub async fn list_awaiting_review(
    db: &impl ConnectionTrait,
    page: Page,
) -> Result<(Vec<Order>, u64), DbErr> {
    let query = order::Entity::find()
        .filter(order::Column::Status.eq(OrderStatus::LoaFileSuccessful.as_str()))
        .order_by_asc(order::Column::WaitingSince)
        .order_by_asc(order::Column::Id);
    let (rows, total) = fetch_page(db, query, page).await?;
    Ok((assemble(db, rows).await?, total))
}

/// Records that the event `id` was applied; `false` when it already was (roll back then).
pub async fn mark_applied(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let inserted = applied::Entity::insert(applied::ActiveModel {
        id: Set(id),
        applied_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(applied::Column::Id)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(inserted == 1)
}

// === documents ===

pub struct NewDocument {
    pub kind: &'static str,
    pub document: Document,
    pub warnings_json: String,
}

pub async fn insert_documents(
    db: &impl ConnectionTrait,
    order: OrderId,
    documents: &[NewDocument],
) -> Result<(), DbErr> {
    if documents.is_empty() {
        return Ok(());
    }
    document::Entity::insert_many(documents.iter().map(|new| document::ActiveModel {
        id: Set(new.document.id),
        order_id: Set(*order.as_uuid()),
        kind: Set(new.kind.to_owned()),
        filename: Set(new.document.filename.clone()),
        size: Set(i64::try_from(new.document.size).unwrap_or(i64::MAX)),
        sha256: Set(new.document.sha256.clone()),
        warnings: Set(new.warnings_json.clone()),
        uploaded_at: Set(new.document.uploaded_at),
    }))
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Documents kept in the service's own database: every replica reads what any one stored.
pub struct DatabaseBlobStore {
    db: sea_orm::DatabaseConnection,
}

impl DatabaseBlobStore {
    pub fn new(db: sea_orm::DatabaseConnection) -> Self {
        Self { db }
    }
}

#[async_trait::async_trait]
impl crate::documents::BlobStore for DatabaseBlobStore {
    async fn put(&self, key: &str, bytes: &[u8]) -> anyhow::Result<()> {
        blob::Entity::insert(blob::ActiveModel {
            key: Set(key.to_owned()),
            bytes: Set(bytes.to_vec()),
        })
        .on_conflict(
            OnConflict::column(blob::Column::Key)
                .update_column(blob::Column::Bytes)
                .to_owned(),
        )
        .exec_without_returning(&self.db)
        .await?;
        Ok(())
    }

    async fn get(&self, key: &str) -> anyhow::Result<Vec<u8>> {
        blob::Entity::find_by_id(key.to_owned())
            .one(&self.db)
            .await?
            .map(|row| row.bytes)
            .ok_or_else(|| anyhow::anyhow!("no document {key:?}"))
    }
}

// === hosted numbers ===

/// How a hosted-numbers list is filtered and sorted.
#[derive(Debug, Default)]
pub struct HostedFilter {
    pub messaging_profile_id: Option<MessagingProfileId>,
    pub phone_number: Option<String>,
    pub phone_number_contains: Option<String>,
    /// `None`: creation order; `Some(true)`: by number ascending.
    pub ascending: Option<bool>,
}

/// One page of the account's hosted (active) numbers.
pub async fn list_hosted(
    db: &impl ConnectionTrait,
    account: AccountId,
    filter: &HostedFilter,
    page: Page,
) -> Result<(Vec<Number>, u64), DbErr> {
    let mut condition = Condition::all()
        .add(number::Column::AccountId.eq(*account.as_uuid()))
        .add(number::Column::Status.eq(NumberStatus::Successful.as_str()));
    if let Some(profile) = filter.messaging_profile_id {
        condition = condition.add(number::Column::MessagingProfileId.eq(*profile.as_uuid()));
    }
    if let Some(exact) = &filter.phone_number {
        condition = condition.add(number::Column::PhoneNumber.eq(exact.as_str()));
    }
    if let Some(fragment) = &filter.phone_number_contains {
        condition = condition.add(number::Column::PhoneNumber.like(contains(fragment)));
    }
    let mut query = number::Entity::find().filter(condition);
    query = match filter.ascending {
        Some(true) => query.order_by_asc(number::Column::PhoneNumber),
        Some(false) => query.order_by_desc(number::Column::PhoneNumber),
        None => query,
    };
    let (rows, total) = fetch_page(db, query.order_by_asc(number::Column::Id), page).await?;
    Ok((
        rows.into_iter()
            .map(number_from_row)
            .collect::<Result<_, _>>()?,
        total,
    ))
}

/// Which hosted number a public path segment names.
pub enum HostedKey {
    Id(HostedNumberId),
    Number(E164),
}

/// The account's hosted number, with the id of its order.
pub async fn find_hosted(
    db: &impl ConnectionTrait,
    account: AccountId,
    key: &HostedKey,
) -> Result<Option<(OrderId, Number)>, DbErr> {
    let query = number::Entity::find()
        .filter(number::Column::AccountId.eq(*account.as_uuid()))
        .filter(number::Column::Status.eq(NumberStatus::Successful.as_str()));
    let query = match key {
        HostedKey::Id(id) => query.filter(number::Column::Id.eq(*id.as_uuid())),
        HostedKey::Number(number) => query.filter(number::Column::PhoneNumber.eq(number.as_str())),
    };
    query
        .one(db)
        .await?
        .map(|row| {
            let order = OrderId::from_uuid(row.order_id);
            Ok((order, number_from_row(row)?))
        })
        .transpose()
}

// === deadlines ===

pub const ACTIVATION: &str = "activation";
pub const AUTO_REVIEW: &str = "auto_review";

/// Schedules (or re-schedules) the order's `kind` of work.
pub async fn schedule(
    db: &impl ConnectionTrait,
    order: OrderId,
    kind: &'static str,
    due: DateTime<Utc>,
    deadline: DateTime<Utc>,
) -> Result<(), DbErr> {
    deadline::Entity::insert(deadline::ActiveModel {
        id: Set(Uuid::now_v7()),
        order_id: Set(*order.as_uuid()),
        kind: Set(kind.to_owned()),
        due_at: Set(Some(due)),
        claim: Set(None),
        deadline_at: Set(deadline),
        attempts: Set(0),
        traceparent: Set(
            textport_platform::trace_context::current_traceparent().unwrap_or_default()
        ),
    })
    .on_conflict(
        OnConflict::columns([deadline::Column::OrderId, deadline::Column::Kind])
            .update_columns([
                deadline::Column::DueAt,
                deadline::Column::Claim,
                deadline::Column::DeadlineAt,
                deadline::Column::Attempts,
                deadline::Column::Traceparent,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Removes the order's pending work of `kind` (the order moved on without it).
pub async fn unschedule(
    db: &impl ConnectionTrait,
    order: OrderId,
    kind: &'static str,
) -> Result<(), DbErr> {
    deadline::Entity::delete_many()
        .filter(deadline::Column::OrderId.eq(*order.as_uuid()))
        .filter(deadline::Column::Kind.eq(kind))
        .exec(db)
        .await?;
    Ok(())
}

/// The claimed row is done: removed while the claim still holds it.
pub async fn finish(db: &impl ConnectionTrait, id: Uuid, claim: Uuid) -> Result<bool, DbErr> {
    let deleted = deadline::Entity::delete_many()
        .filter(textport_platform::sweeper::held::<deadline::Entity>(
            id, claim,
        ))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected == 1)
}

/// The claimed row is due again at `due`, while the claim still holds it.
pub async fn again(
    db: &impl ConnectionTrait,
    id: Uuid,
    claim: Uuid,
    due: DateTime<Utc>,
) -> Result<(), DbErr> {
    deadline::Entity::update_many()
        .col_expr(deadline::Column::DueAt, Expr::value(Some(due)))
        .col_expr(deadline::Column::Claim, Expr::value(Option::<Uuid>::None))
        .col_expr(
            deadline::Column::Attempts,
            Expr::col(deadline::Column::Attempts).add(1),
        )
        .filter(textport_platform::sweeper::held::<deadline::Entity>(
            id, claim,
        ))
        .exec(db)
        .await?;
    Ok(())
}

// === rows ⇄ domain ===

fn order_row(order: &Order) -> order::ActiveModel {
    order::ActiveModel {
        id: Set(*order.id.as_uuid()),
        account_id: Set(*order.account.as_uuid()),
        messaging_profile_id: Set(order.messaging_profile_id.map(|id| *id.as_uuid())),
        status: Set(order.status.as_str().to_owned()),
        failure_reason: Set(order.failure_reason.clone()),
        waiting_on: Set(order.waiting_on.map(|w| w.as_str().to_owned())),
        waiting_since: Set(order.waiting_since),
        loa_document_id: Set(order.loa.as_ref().map(|d| d.id)),
        bill_document_id: Set(order.bill.as_ref().map(|d| d.id)),
        created_at: Set(order.created_at),
        updated_at: Set(order.updated_at),
        version: Set(order.version),
    }
}

fn order_from_row(
    row: order::Model,
    numbers: Vec<Number>,
    loa: Option<Document>,
    bill: Option<Document>,
) -> Result<Order, DbErr> {
    Ok(Order {
        id: OrderId::from_uuid(row.id),
        account: AccountId::from_uuid(row.account_id),
        messaging_profile_id: row.messaging_profile_id.map(MessagingProfileId::from_uuid),
        status: OrderStatus::parse(&row.status).ok_or_else(|| corrupt("status", &row.status))?,
        numbers,
        loa,
        bill,
        failure_reason: row.failure_reason,
        waiting_on: row
            .waiting_on
            .as_deref()
            .map(|w| WaitingOn::parse(w).ok_or_else(|| corrupt("waiting_on", w)))
            .transpose()?,
        waiting_since: row.waiting_since,
        created_at: row.created_at,
        updated_at: row.updated_at,
        version: row.version,
    })
}

fn number_row(order: &Order, n: &Number) -> number::ActiveModel {
    number::ActiveModel {
        id: Set(*n.id.as_uuid()),
        order_id: Set(*order.id.as_uuid()),
        account_id: Set(*order.account.as_uuid()),
        phone_number: Set(n.phone_number.as_str().to_owned()),
        status: Set(n.status.as_str().to_owned()),
        transfer_from_account_id: Set(n.transfer_from.map(|a| *a.as_uuid())),
        transfer_decision: Set(n.transfer_decision.map(|d| d.as_str().to_owned())),
        approval_deadline: Set(n.approval_deadline),
        campaign_id: Set(n.campaign_id.clone()),
        messaging_profile_id: Set(n.messaging_profile_id.map(|id| *id.as_uuid())),
        messaging_product: Set(n.messaging_product.clone()),
        tags: Set(tags_json(&n.tags)),
        code_attempts_remaining: Set(n
            .code_attempts_remaining
            .and_then(|a| i32::try_from(a).ok())),
        code_resend_allowed_at: Set(n.code_resend_allowed_at),
        created_at: Set(n.created_at),
        updated_at: Set(n.updated_at),
    }
}

fn number_from_row(row: number::Model) -> Result<Number, DbErr> {
    Ok(Number {
        id: HostedNumberId::from_uuid(row.id),
        phone_number: E164::parse(&row.phone_number)
            .map_err(|_| corrupt("phone_number", &row.phone_number))?,
        status: NumberStatus::parse(&row.status).ok_or_else(|| corrupt("status", &row.status))?,
        transfer_from: row.transfer_from_account_id.map(AccountId::from_uuid),
        transfer_decision: row
            .transfer_decision
            .as_deref()
            .map(|d| TransferDecision::parse(d).ok_or_else(|| corrupt("transfer_decision", d)))
            .transpose()?,
        approval_deadline: row.approval_deadline,
        campaign_id: row.campaign_id,
        messaging_profile_id: row.messaging_profile_id.map(MessagingProfileId::from_uuid),
        messaging_product: row.messaging_product,
        tags: serde_json::from_str(&row.tags).map_err(|_| corrupt("tags", &row.tags))?,
        code_attempts_remaining: row
            .code_attempts_remaining
            .and_then(|a| u32::try_from(a).ok()),
        code_resend_allowed_at: row.code_resend_allowed_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn document_from_row(row: document::Model) -> Document {
    Document {
        id: row.id,
        filename: row.filename,
        size: u64::try_from(row.size).unwrap_or(0),
        sha256: row.sha256,
        uploaded_at: row.uploaded_at,
    }
}

fn tags_json(tags: &[String]) -> String {
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".to_owned())
}
