//! The messaging-port tables and their queries, each generic over the connection so a use case
//! runs them in its transaction. An order's numbers are read in one query however many it has,
//! and written in one statement per group of numbers that changed alike.

mod entity;
mod migration;

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, ExprTrait, QueryFilter,
    QueryOrder, QuerySelect, Select, Set,
};
use textport_domain::{AccountId, E164, MessagingProfileId, Page, WebhookUrl};
use textport_platform::db::{contains, fetch_page};
use textport_platform::sweeper::{self, Claim};
use uuid::Uuid;

pub use entity::work;
pub use migration::Migrator;

use crate::domain::{
    Details, MessagingException, MessagingPortStatus, NumberMessaging, Order, OrderStatus,
    PortingNumber, PortingOrder, PortingOrderId,
};
use entity::{history, number, order};

/// Rows per statement: well under both databases' bind-parameter limits.
const CHUNK: usize = 500;

fn corrupt(what: &str, value: &str) -> DbErr {
    DbErr::Custom(format!("messaging-port row has {what} = {value:?}"))
}

/// The list's `filter[...]`; absent fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub customer_reference: Option<String>,
    pub customer_group_reference: Option<String>,
    pub country_code: Option<String>,
    pub carrier_name: Option<String>,
    pub phone_number_contains: Option<String>,
    pub misc_type: Option<String>,
    pub entity_name: Option<String>,
    pub auth_person_name: Option<String>,
    pub fast_port_eligible: Option<bool>,
    pub foc_requested_after: Option<DateTime<Utc>>,
    pub foc_requested_before: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OrderSort {
    CreatedAtAsc,
    #[default]
    CreatedAtDesc,
    FocRequestedAsc,
    FocRequestedDesc,
}

/// `GET /v2/porting_phone_numbers`' filters; empty lists do not filter.
#[derive(Debug, Clone, Default)]
pub struct NumberFilter {
    pub order_status: Option<OrderStatus>,
    pub order_ids: Vec<PortingOrderId>,
    pub support_keys: Vec<String>,
    /// As sent: a value that is no number matches nothing.
    pub phone_numbers: Vec<String>,
    /// Order statuses whose numbers show the asked activation or portability status.
    pub order_statuses: Option<Vec<OrderStatus>>,
    pub messaging: Option<Vec<NumberMessaging>>,
}

/// A number as `/porting_phone_numbers` lists it: with its order's status and support key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedNumber {
    pub order_id: PortingOrderId,
    pub account: AccountId,
    pub order_status: OrderStatus,
    pub support_key: Option<String>,
    pub number: PortingNumber,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

// === orders ===

/// Inserts new orders and their numbers.
pub async fn insert_orders(db: &impl ConnectionTrait, orders: &[Order]) -> Result<(), DbErr> {
    for chunk in orders.chunks(CHUNK) {
        order::Entity::insert_many(chunk.iter().map(order_row).collect::<Result<Vec<_>, _>>()?)
            .exec_without_returning(db)
            .await?;
    }
    let rows: Vec<number::ActiveModel> = orders
        .iter()
        .flat_map(|order| {
            order
                .rules
                .numbers
                .iter()
                .enumerate()
                .map(move |(position, n)| number_row(order, position, n))
        })
        .collect();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(CHUNK).collect();
        number::Entity::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// The order, scoped to `account` (`None`: the operator and the service's own work).
pub async fn load(
    db: &impl ConnectionTrait,
    id: PortingOrderId,
    account: Option<AccountId>,
) -> Result<Option<Order>, DbErr> {
    let mut query = order::Entity::find_by_id(*id.as_uuid());
    if let Some(account) = account {
        query = query.filter(order::Column::AccountId.eq(*account.as_uuid()));
    }
    let Some(row) = query.one(db).await? else {
        return Ok(None);
    };
    Ok(assemble(db, vec![row]).await?.pop())
}

/// Orders with their numbers: two queries whatever the count.
async fn assemble(db: &impl ConnectionTrait, rows: Vec<order::Model>) -> Result<Vec<Order>, DbErr> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let mut numbers: HashMap<Uuid, Vec<PortingNumber>> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        for row in number::Entity::find()
            .filter(number::Column::OrderId.is_in(chunk.iter().copied()))
            .order_by_asc(number::Column::OrderId)
            .order_by_asc(number::Column::Position)
            .all(db)
            .await?
        {
            numbers
                .entry(row.order_id)
                .or_default()
                .push(number_from_row(&row)?);
        }
    }
    rows.into_iter()
        .map(|row| {
            let numbers = numbers.remove(&row.id).unwrap_or_default();
            order_from_row(row, numbers)
        })
        .collect()
}

/// Writes the order if nobody changed it since `order.version` was read, and its numbers that
/// differ from `before`; answers whether it did (and bumps the version).
pub async fn save(
    db: &impl ConnectionTrait,
    order: &mut Order,
    before: &Order,
) -> Result<bool, DbErr> {
    let mut row = order_row(order)?;
    row.version = Set(order.version + 1);
    let updated = order::Entity::update_many()
        .set(row)
        .filter(order::Column::Id.eq(*order.id.as_uuid()))
        .filter(order::Column::Version.eq(order.version))
        .exec(db)
        .await?;
    if updated.rows_affected != 1 {
        return Ok(false);
    }
    order.version += 1;
    if order.status() != before.status() || order.support_key != before.support_key {
        number::Entity::update_many()
            .col_expr(
                number::Column::OrderStatus,
                Expr::value(order.status().as_str()),
            )
            .col_expr(
                number::Column::SupportKey,
                Expr::value(order.support_key.clone()),
            )
            .filter(number::Column::OrderId.eq(*order.id.as_uuid()))
            .exec(db)
            .await?;
    }
    save_numbers(db, order, before).await?;
    Ok(true)
}

/// Writes the numbers whose messaging changed, one statement per group that changed alike (a
/// use case usually moves many numbers the same way).
async fn save_numbers(
    db: &impl ConnectionTrait,
    order: &Order,
    before: &Order,
) -> Result<(), DbErr> {
    type Key = (
        &'static str,
        Option<DateTime<Utc>>,
        Option<&'static str>,
        Option<Uuid>,
    );
    let mut groups: HashMap<Key, Vec<String>> = HashMap::new();
    for (now, was) in order.rules.numbers.iter().zip(&before.rules.numbers) {
        if now == was {
            continue;
        }
        let key = (
            now.messaging.as_str(),
            now.watch_until,
            now.exception.map(MessagingException::as_str),
            now.messaging_profile_id.map(|id| *id.as_uuid()),
        );
        groups
            .entry(key)
            .or_default()
            .push(now.phone_number.as_str().to_owned());
    }
    for ((messaging, watch_until, exception, profile), numbers) in groups {
        for chunk in numbers.chunks(CHUNK) {
            number::Entity::update_many()
                .col_expr(number::Column::Messaging, Expr::value(messaging))
                .col_expr(number::Column::WatchUntil, Expr::value(watch_until))
                .col_expr(number::Column::Exception, Expr::value(exception))
                .col_expr(number::Column::MessagingProfileId, Expr::value(profile))
                .col_expr(number::Column::UpdatedAt, Expr::value(order.updated_at))
                .filter(number::Column::OrderId.eq(*order.id.as_uuid()))
                .filter(number::Column::PhoneNumber.is_in(chunk.iter().cloned()))
                .exec(db)
                .await?;
        }
    }
    Ok(())
}

/// Removes a draft order, its numbers and its work.
pub async fn delete(db: &impl ConnectionTrait, order: &Order) -> Result<bool, DbErr> {
    let deleted = order::Entity::delete_many()
        .filter(order::Column::Id.eq(*order.id.as_uuid()))
        .filter(order::Column::Version.eq(order.version))
        .exec(db)
        .await?;
    if deleted.rows_affected != 1 {
        return Ok(false);
    }
    number::Entity::delete_many()
        .filter(number::Column::OrderId.eq(*order.id.as_uuid()))
        .exec(db)
        .await?;
    unschedule(db, order.id).await?;
    Ok(true)
}

/// Of `numbers`, those already in an open order (not ported, not cancelled), of any account.
pub async fn in_open_orders(
    db: &impl ConnectionTrait,
    numbers: &[E164],
) -> Result<Vec<E164>, DbErr> {
    let closed = [
        OrderStatus::Ported.as_str(),
        OrderStatus::Cancelled.as_str(),
    ];
    let mut taken = Vec::new();
    for chunk in numbers.chunks(CHUNK) {
        let rows: Vec<String> = number::Entity::find()
            .select_only()
            .column(number::Column::PhoneNumber)
            .filter(number::Column::PhoneNumber.is_in(chunk.iter().map(|n| n.as_str().to_owned())))
            .filter(number::Column::OrderStatus.is_not_in(closed))
            .into_tuple()
            .all(db)
            .await?;
        for raw in rows {
            taken.push(E164::parse(&raw).map_err(|_| corrupt("phone_number", &raw))?);
        }
    }
    Ok(taken)
}

/// One page of the account's orders.
pub async fn list(
    db: &impl ConnectionTrait,
    account: AccountId,
    filter: &OrderFilter,
    sort: OrderSort,
    page: Page,
) -> Result<(Vec<Order>, u64), DbErr> {
    use order::Column as C;
    let mut query = order::Entity::find().filter(C::AccountId.eq(*account.as_uuid()));
    let equal = |query: Select<order::Entity>, column: C, value: &Option<String>| match value {
        Some(value) => query.filter(column.eq(value.clone())),
        None => query,
    };
    query = equal(query, C::CustomerReference, &filter.customer_reference);
    query = equal(
        query,
        C::CustomerGroupReference,
        &filter.customer_group_reference,
    );
    query = equal(query, C::MiscType, &filter.misc_type);
    query = equal(query, C::EndUserEntityName, &filter.entity_name);
    query = equal(query, C::EndUserAuthPersonName, &filter.auth_person_name);
    if let Some(fast) = filter.fast_port_eligible {
        query = query.filter(C::FastPortEligible.eq(fast));
    }
    if let Some(after) = filter.foc_requested_after {
        query = query.filter(C::FocDatetimeRequested.gt(after));
    }
    if let Some(before) = filter.foc_requested_before {
        query = query.filter(C::FocDatetimeRequested.lt(before));
    }
    let mut numbers = Condition::all();
    if let Some(country) = &filter.country_code {
        numbers = numbers.add(number::Column::CountryCode.eq(country.clone()));
    }
    if let Some(carrier) = &filter.carrier_name {
        numbers = numbers.add(number::Column::CarrierName.eq(carrier.clone()));
    }
    if let Some(fragment) = &filter.phone_number_contains {
        numbers = numbers.add(Expr::col(number::Column::PhoneNumber).like(contains(fragment)));
    }
    if !numbers.is_empty() {
        let matching = Query::select()
            .column(number::Column::OrderId)
            .from(number::Entity)
            .cond_where(numbers.add(number::Column::AccountId.eq(*account.as_uuid())))
            .to_owned();
        query = query.filter(C::Id.in_subquery(matching));
    }
    query = match sort {
        OrderSort::CreatedAtAsc => query.order_by_asc(C::CreatedAt).order_by_asc(C::Id),
        OrderSort::CreatedAtDesc => query.order_by_desc(C::CreatedAt).order_by_desc(C::Id),
        OrderSort::FocRequestedAsc => query
            .order_by_asc(C::FocDatetimeRequested)
            .order_by_asc(C::Id),
        OrderSort::FocRequestedDesc => query
            .order_by_desc(C::FocDatetimeRequested)
            .order_by_desc(C::Id),
    };
    let (rows, total) = fetch_page(db, query, page).await?;
    Ok((assemble(db, rows).await?, total))
}

/// One page of the account's porting numbers, by order (newest first) and request position.
pub async fn list_numbers(
    db: &impl ConnectionTrait,
    account: AccountId,
    filter: &NumberFilter,
    page: Page,
) -> Result<(Vec<ListedNumber>, u64), DbErr> {
    use number::Column as C;
    let mut query = number::Entity::find().filter(C::AccountId.eq(*account.as_uuid()));
    if let Some(status) = filter.order_status {
        query = query.filter(C::OrderStatus.eq(status.as_str()));
    }
    if let Some(statuses) = &filter.order_statuses {
        query = query.filter(C::OrderStatus.is_in(statuses.iter().map(|s| s.as_str())));
    }
    if !filter.order_ids.is_empty() {
        query = query.filter(C::OrderId.is_in(filter.order_ids.iter().map(|id| *id.as_uuid())));
    }
    if !filter.support_keys.is_empty() {
        query = query.filter(C::SupportKey.is_in(filter.support_keys.iter().cloned()));
    }
    if !filter.phone_numbers.is_empty() {
        query = query.filter(C::PhoneNumber.is_in(filter.phone_numbers.iter().cloned()));
    }
    if let Some(messaging) = &filter.messaging {
        query = query.filter(C::Messaging.is_in(messaging.iter().map(|m| m.as_str())));
    }
    let query = query.order_by_desc(C::OrderId).order_by_asc(C::Position);
    let (rows, total) = fetch_page(db, query, page).await?;
    let listed = rows.iter().map(listed_of).collect::<Result<_, _>>()?;
    Ok((listed, total))
}

/// One page of the numbers whose messaging is in exception, of every account, the longest
/// waiting first.
pub async fn list_exceptions(
    db: &impl ConnectionTrait,
    page: Page,
) -> Result<(Vec<ListedNumber>, u64), DbErr> {
    use number::Column as C;
    let query = number::Entity::find()
        .filter(C::Messaging.eq(NumberMessaging::Exception.as_str()))
        .order_by_asc(C::UpdatedAt)
        .order_by_asc(C::OrderId)
        .order_by_asc(C::Position);
    let (rows, total) = fetch_page(db, query, page).await?;
    let listed = rows.iter().map(listed_of).collect::<Result<_, _>>()?;
    Ok((listed, total))
}

// === history ===

/// One change for the history.
#[derive(Debug, Clone)]
pub struct Change {
    pub phone_number: Option<E164>,
    pub from: &'static str,
    pub to: &'static str,
    pub reason: String,
}

/// One history row per change, in one statement per chunk.
pub async fn append_history(
    db: &impl ConnectionTrait,
    order: PortingOrderId,
    changes: &[Change],
    actor: &str,
    trace_id: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for chunk in changes.chunks(CHUNK) {
        history::Entity::insert_many(chunk.iter().map(|change| history::ActiveModel {
            id: Set(Uuid::now_v7()),
            order_id: Set(*order.as_uuid()),
            phone_number: Set(change.phone_number.as_ref().map(|n| n.as_str().to_owned())),
            from_status: Set(change.from.to_owned()),
            to_status: Set(change.to.to_owned()),
            actor: Set(actor.to_owned()),
            reason: Set(change.reason.clone()),
            trace_id: Set(trace_id.to_owned()),
            occurred_at: Set(now),
        }))
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

// === work ===

/// The order's work is due at `due` (a new schedule replaces the old, and frees any claim on
/// it); `None` removes it.
pub async fn schedule(
    db: &impl ConnectionTrait,
    order: PortingOrderId,
    due: Option<DateTime<Utc>>,
    traceparent: String,
) -> Result<(), DbErr> {
    let Some(due) = due else {
        return unschedule(db, order).await;
    };
    work::Entity::insert(work::ActiveModel {
        order_id: Set(*order.as_uuid()),
        due_at: Set(Some(due)),
        claim: Set(None),
        attempts: Set(0),
        traceparent: Set(traceparent),
    })
    .on_conflict(
        OnConflict::column(work::Column::OrderId)
            .update_columns([
                work::Column::DueAt,
                work::Column::Claim,
                work::Column::Attempts,
                work::Column::Traceparent,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

async fn unschedule(db: &impl ConnectionTrait, order: PortingOrderId) -> Result<(), DbErr> {
    work::Entity::delete_many()
        .filter(work::Column::OrderId.eq(*order.as_uuid()))
        .exec(db)
        .await?;
    Ok(())
}

/// Claims up to `limit` orders whose work is due.
pub async fn claim_work(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    lease: Duration,
    limit: u64,
) -> Result<Claim<work::Model>, DbErr> {
    sweeper::claim::<work::Entity>(db, now, lease, limit, Condition::all()).await
}

/// The claimed work is due again at `due` (after a failure, `failed` counts it), while the
/// claim still holds it.
pub async fn again(
    db: &impl ConnectionTrait,
    order: Uuid,
    claim: Uuid,
    due: DateTime<Utc>,
    failed: bool,
) -> Result<(), DbErr> {
    let attempts = if failed {
        Expr::col(work::Column::Attempts).add(1)
    } else {
        Expr::value(0)
    };
    work::Entity::update_many()
        .col_expr(work::Column::DueAt, Expr::value(Some(due)))
        .col_expr(work::Column::Claim, Expr::value(Option::<Uuid>::None))
        .col_expr(work::Column::Attempts, attempts)
        .filter(sweeper::held::<work::Entity>(order, claim))
        .exec(db)
        .await?;
    Ok(())
}

// === rows ⇄ domain ===

fn order_row(order: &Order) -> Result<order::ActiveModel, DbErr> {
    let rules = &order.rules;
    let details = serde_json::to_string(&order.details)
        .map_err(|error| DbErr::Custom(format!("porting order details: {error}")))?;
    Ok(order::ActiveModel {
        id: Set(*order.id.as_uuid()),
        account_id: Set(*order.account.as_uuid()),
        version: Set(order.version),
        status: Set(rules.status.as_str().to_owned()),
        support_key: Set(order.support_key.clone()),
        customer_reference: Set(order.customer_reference.clone()),
        customer_group_reference: Set(order.customer_group_reference.clone()),
        description: Set(order.description.clone()),
        carrier_name: Set(order.carrier_name.clone()),
        phone_number_type: Set(order.phone_number_type.clone()),
        fast_port_eligible: Set(order.fast_port_eligible),
        foc_datetime_requested: Set(order.foc_datetime_requested),
        foc_datetime_actual: Set(rules.foc_datetime_actual),
        enable_messaging: Set(rules.enable_messaging),
        messaging_port_status: Set(rules.messaging_port_status.as_str().to_owned()),
        messaging_profile_id: Set(rules.messaging_profile_id.map(|id| *id.as_uuid())),
        divergence_since: Set(rules.divergence_since),
        webhook_url: Set(order
            .webhook_url
            .as_ref()
            .map(|url| url.as_str().to_owned())),
        end_user_entity_name: Set(order.details.end_user.admin.entity_name.clone()),
        end_user_auth_person_name: Set(order.details.end_user.admin.auth_person_name.clone()),
        misc_type: Set(order.details.misc.as_ref().map(|misc| misc.kind.clone())),
        details: Set(details),
        created_at: Set(order.created_at),
        updated_at: Set(order.updated_at),
    })
}

fn order_from_row(row: order::Model, numbers: Vec<PortingNumber>) -> Result<Order, DbErr> {
    let status = OrderStatus::parse(&row.status).ok_or_else(|| corrupt("status", &row.status))?;
    let messaging_port_status = MessagingPortStatus::parse(&row.messaging_port_status)
        .ok_or_else(|| corrupt("messaging_port_status", &row.messaging_port_status))?;
    let details: Details =
        serde_json::from_str(&row.details).map_err(|_| corrupt("details", &row.details))?;
    let webhook_url = row
        .webhook_url
        .as_deref()
        .map(|url| WebhookUrl::parse(url).map_err(|_| corrupt("webhook_url", url)))
        .transpose()?;
    Ok(Order {
        id: PortingOrderId::from_uuid(row.id),
        account: AccountId::from_uuid(row.account_id),
        version: row.version,
        rules: PortingOrder {
            status,
            enable_messaging: row.enable_messaging,
            messaging_port_status,
            messaging_profile_id: row.messaging_profile_id.map(MessagingProfileId::from_uuid),
            foc_datetime_actual: row.foc_datetime_actual,
            divergence_since: row.divergence_since,
            numbers,
        },
        support_key: row.support_key,
        customer_reference: row.customer_reference,
        customer_group_reference: row.customer_group_reference,
        description: row.description,
        carrier_name: row.carrier_name,
        phone_number_type: row.phone_number_type,
        fast_port_eligible: row.fast_port_eligible,
        foc_datetime_requested: row.foc_datetime_requested,
        webhook_url,
        details,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn number_row(order: &Order, position: usize, n: &PortingNumber) -> number::ActiveModel {
    number::ActiveModel {
        order_id: Set(*order.id.as_uuid()),
        phone_number: Set(n.phone_number.as_str().to_owned()),
        position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
        account_id: Set(*order.account.as_uuid()),
        order_status: Set(order.status().as_str().to_owned()),
        support_key: Set(order.support_key.clone()),
        carrier_name: Set(n.carrier_name.clone()),
        phone_number_type: Set(n.phone_number_type.clone()),
        country_code: Set(crate::domain::country_code(&n.phone_number).map(str::to_owned)),
        messaging_capable: Set(n.messaging_capable),
        messaging: Set(n.messaging.as_str().to_owned()),
        watch_until: Set(n.watch_until),
        exception: Set(n.exception.map(|e| e.as_str().to_owned())),
        messaging_profile_id: Set(n.messaging_profile_id.map(|id| *id.as_uuid())),
        created_at: Set(order.created_at),
        updated_at: Set(order.updated_at),
    }
}

fn number_from_row(row: &number::Model) -> Result<PortingNumber, DbErr> {
    Ok(PortingNumber {
        phone_number: E164::parse(&row.phone_number)
            .map_err(|_| corrupt("phone_number", &row.phone_number))?,
        messaging_capable: row.messaging_capable,
        carrier_name: row.carrier_name.clone(),
        phone_number_type: row.phone_number_type.clone(),
        messaging_profile_id: row.messaging_profile_id.map(MessagingProfileId::from_uuid),
        messaging: NumberMessaging::parse(&row.messaging)
            .ok_or_else(|| corrupt("messaging", &row.messaging))?,
        watch_until: row.watch_until,
        exception: row
            .exception
            .as_deref()
            .map(|e| MessagingException::parse(e).ok_or_else(|| corrupt("exception", e)))
            .transpose()?,
    })
}

fn listed_of(row: &number::Model) -> Result<ListedNumber, DbErr> {
    Ok(ListedNumber {
        order_id: PortingOrderId::from_uuid(row.order_id),
        account: AccountId::from_uuid(row.account_id),
        order_status: OrderStatus::parse(&row.order_status)
            .ok_or_else(|| corrupt("order_status", &row.order_status))?,
        support_key: row.support_key.clone(),
        number: number_from_row(row)?,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}
