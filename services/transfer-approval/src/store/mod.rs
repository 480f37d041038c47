//! Transfer requests and holders' policies in the service's own database; rows convert to
//! domain values here. Every
//! write that closes a request applies only while it is still pending (and, for the sweeper,
//! still held by its claim), so of two closings racing on one request exactly one lands, on
//! SQLite and PostgreSQL alike.

mod entities;
mod migration;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder,
};
use textport_domain::{AccountId, E164, OrderId};
use textport_platform::sweeper;
use uuid::Uuid;

use crate::domain::{
    AtDeadline, Decision, Mode, Outcome, State, TokenHash, TransferPolicy, TransferRequest,
    TransferRequestId, Verdict,
};
use entities::transfer_policy as policy_row;
use entities::transfer_request as row;
pub use migration::Migrator;

/// Rows per statement: far below PostgreSQL's 65 535 parameters.
const CHUNK: usize = 1_000;

/// A request as stored, with the trace of the change that opened it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub request: TransferRequest,
    pub traceparent: String,
}

/// Inserts the requests that do not exist yet: a request of an order and holder that already
/// has one is a resent opening and changes nothing. Answers the ids inserted.
pub async fn insert_new(
    db: &impl ConnectionTrait,
    requests: &[Stored],
) -> Result<HashSet<TransferRequestId>, DbErr> {
    // In key order, so two replicas inserting overlapping deliveries wait for each other on the
    // unique index instead of deadlocking.
    let mut sorted: Vec<&Stored> = requests.iter().collect();
    sorted.sort_by_key(|stored| (stored.request.order, stored.request.from));
    let mut inserted = HashSet::new();
    for chunk in sorted.chunks(CHUNK) {
        let keys = row::Entity::insert_many(chunk.iter().copied().map(new_row))
            .on_conflict(
                OnConflict::columns([row::Column::OrderId, row::Column::FromAccountId])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_with_returning_keys(db)
            .await?;
        inserted.extend(keys.into_iter().map(TransferRequestId::from_uuid));
    }
    Ok(inserted)
}

/// The request of `order` held by `holder`.
pub async fn find(
    db: &impl ConnectionTrait,
    order: OrderId,
    holder: AccountId,
) -> Result<Option<TransferRequest>, DbErr> {
    row::Entity::find()
        .filter(row::Column::OrderId.eq(*order.as_uuid()))
        .filter(row::Column::FromAccountId.eq(*holder.as_uuid()))
        .one(db)
        .await?
        .map(|row| Ok(stored_of(row)?.request))
        .transpose()
}

/// Every request of `order` with the hash of the token issued for it: the live one while
/// pending, the one kept at closing once closed (`None` for requests closed before it was kept).
pub async fn with_tokens(
    db: &impl ConnectionTrait,
    order: OrderId,
) -> Result<Vec<(TransferRequest, Option<TokenHash>)>, DbErr> {
    row::Entity::find()
        .filter(row::Column::OrderId.eq(*order.as_uuid()))
        .order_by_asc(row::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|row| {
            let closed_token = row
                .closed_token_hash
                .as_deref()
                .map(|hash| {
                    TokenHash::from_slice(hash).ok_or_else(|| {
                        DbErr::Custom(
                            "transfer_requests row has a closed_token_hash not of 32 bytes"
                                .to_owned(),
                        )
                    })
                })
                .transpose()?;
            let request = stored_of(row)?.request;
            let token = match &request.state {
                State::Pending { token } => Some(*token),
                State::Closed(_) => closed_token,
            };
            Ok((request, token))
        })
        .collect()
}

/// Every request of `order`, oldest first.
pub async fn list(
    db: &impl ConnectionTrait,
    order: OrderId,
) -> Result<Vec<TransferRequest>, DbErr> {
    row::Entity::find()
        .filter(row::Column::OrderId.eq(*order.as_uuid()))
        .order_by_asc(row::Column::CreatedAt)
        .order_by_asc(row::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|row| Ok(stored_of(row)?.request))
        .collect()
}

/// The pending requests of these orders.
pub async fn pending_of(
    db: &impl ConnectionTrait,
    orders: &[OrderId],
) -> Result<Vec<TransferRequest>, DbErr> {
    let mut pending = Vec::new();
    for chunk in orders.chunks(CHUNK) {
        let rows = row::Entity::find()
            .filter(row::Column::OrderId.is_in(chunk.iter().map(|order| *order.as_uuid())))
            .filter(row::Column::Decision.eq(Decision::Pending.as_str()))
            .order_by_asc(row::Column::Id)
            .all(db)
            .await?;
        for row in rows {
            pending.push(stored_of(row)?.request);
        }
    }
    Ok(pending)
}

/// Closes the requests `ids` with `outcome`, each only while it is still pending and, with
/// `claim`, still held by that claim; moves their token's hash aside (it decides nothing more)
/// and forgets their due time. Answers the ids closed.
pub async fn close(
    db: &impl ConnectionTrait,
    ids: &[TransferRequestId],
    outcome: Outcome,
    claim: Option<Uuid>,
) -> Result<HashSet<TransferRequestId>, DbErr> {
    use row::Column as C;
    let mut closed = HashSet::new();
    for chunk in ids.chunks(CHUNK) {
        let mut update = row::Entity::update_many()
            .col_expr(
                C::Decision,
                Expr::value(outcome.verdict.decision().as_str()),
            )
            .col_expr(
                C::CancelledByReceiver,
                Expr::value(outcome.verdict == Verdict::CancelledByReceiver),
            )
            .col_expr(C::DecidedAt, Expr::value(Some(outcome.at)))
            // Every assignment reads the row as it was, so the hash moves before it is cleared.
            .col_expr(C::ClosedTokenHash, Expr::col(C::TokenHash))
            .col_expr(C::TokenHash, Expr::value(Option::<Vec<u8>>::None))
            .col_expr(C::DueAt, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(C::Claim, Expr::value(Option::<Uuid>::None))
            .col_expr(C::UpdatedAt, Expr::value(outcome.at))
            .filter(C::Id.is_in(chunk.iter().map(|id| *id.as_uuid())))
            .filter(C::Decision.eq(Decision::Pending.as_str()));
        if let Some(token) = claim {
            update = update.filter(C::Claim.eq(token));
        }
        let rows = update.exec_with_returning(db).await?;
        closed.extend(
            rows.into_iter()
                .map(|row| TransferRequestId::from_uuid(row.id)),
        );
    }
    Ok(closed)
}

/// Claims up to `limit` requests whose deadline has come (only pending ones have a due time),
/// for `lease`. Answers the claim's token and the requests.
pub async fn claim_lapsed(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    lease: Duration,
    limit: u64,
) -> Result<(Uuid, Vec<Stored>), DbErr> {
    let claim = sweeper::claim::<row::Entity>(db, now, lease, limit, Condition::all()).await?;
    let stored = claim
        .rows
        .into_iter()
        .map(stored_of)
        .collect::<Result<_, _>>()?;
    Ok((claim.token, stored))
}

// === policies ===

/// The stored policies of these holders, in one statement per chunk; a holder without one is
/// absent (it has the defaults).
pub async fn policies_of(
    db: &impl ConnectionTrait,
    holders: &[AccountId],
) -> Result<HashMap<AccountId, TransferPolicy>, DbErr> {
    let mut policies = HashMap::new();
    for chunk in holders.chunks(CHUNK) {
        let rows = policy_row::Entity::find()
            .filter(policy_row::Column::AccountId.is_in(chunk.iter().map(|a| *a.as_uuid())))
            .all(db)
            .await?;
        for row in rows {
            policies.insert(AccountId::from_uuid(row.account_id), policy_of_row(row)?);
        }
    }
    Ok(policies)
}

/// Replaces the holder's policy, as of `now`.
pub async fn put_policy(
    db: &impl ConnectionTrait,
    holder: AccountId,
    policy: &TransferPolicy,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    use policy_row::Column as C;
    let window_hours = policy
        .window_hours
        .map(i32::try_from)
        .transpose()
        .map_err(|_| DbErr::Custom("window_hours does not fit a column".to_owned()))?;
    let allowlist: Vec<String> = policy.allowlist.iter().map(ToString::to_string).collect();
    let allowlist = serde_json::to_string(&allowlist)
        .map_err(|error| DbErr::Custom(format!("allowlist: {error}")))?;
    policy_row::Entity::insert(policy_row::ActiveModel {
        account_id: Set(*holder.as_uuid()),
        mode: Set(policy.mode.as_str().to_owned()),
        window_hours: Set(window_hours),
        allowlist: Set(allowlist),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(C::AccountId)
            .update_columns([C::Mode, C::WindowHours, C::Allowlist, C::UpdatedAt])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

fn policy_of_row(row: policy_row::Model) -> Result<TransferPolicy, DbErr> {
    let bad = |column: &str, value: &str| {
        DbErr::Custom(format!("transfer_policies row has {column} = {value:?}"))
    };
    let mode = Mode::parse(&row.mode).ok_or_else(|| bad("mode", &row.mode))?;
    let window_hours = row
        .window_hours
        .map(|hours| u32::try_from(hours).map_err(|_| bad("window_hours", &hours.to_string())))
        .transpose()?;
    let raw: Vec<String> =
        serde_json::from_str(&row.allowlist).map_err(|_| bad("allowlist", &row.allowlist))?;
    let allowlist = raw
        .iter()
        .map(|id| AccountId::parse(id).map_err(|_| bad("allowlist", id)))
        .collect::<Result<_, _>>()?;
    Ok(TransferPolicy {
        mode,
        window_hours,
        allowlist,
        updated_at: Some(row.updated_at),
    })
}

// === rows ⇄ domain ===

fn new_row(stored: &Stored) -> row::ActiveModel {
    let request = &stored.request;
    let (token, outcome) = match &request.state {
        State::Pending { token } => (Some(token.as_bytes().to_vec()), None),
        State::Closed(outcome) => (None, Some(*outcome)),
    };
    row::ActiveModel {
        id: Set(*request.id.as_uuid()),
        order_id: Set(*request.order.as_uuid()),
        from_account_id: Set(*request.from.as_uuid()),
        to_account_id: Set(*request.to.as_uuid()),
        to_account_name: Set(request.to_name.clone()),
        phone_numbers: Set(request
            .phone_numbers
            .iter()
            .map(E164::as_str)
            .collect::<Vec<_>>()
            .join(" ")),
        decision: Set(request.decision().as_str().to_owned()),
        cancelled_by_receiver: Set(request.cancelled_by_receiver()),
        approval_deadline: Set(request.approval_deadline),
        at_deadline: Set(request.at_deadline.as_str().to_owned()),
        decided_at: Set(outcome.map(|outcome| outcome.at)),
        token_hash: Set(token),
        closed_token_hash: Set(None),
        // The sweeper looks at a pending request when its window lapses.
        due_at: Set(outcome.is_none().then_some(request.approval_deadline)),
        claim: Set(None),
        traceparent: Set(stored.traceparent.clone()),
        created_at: Set(request.created_at),
        updated_at: Set(request.updated_at),
    }
}

/// The row as a domain value. A row this service did not write (an unknown decision, a pending
/// request without its token) is an error, not a guess.
fn stored_of(row: row::Model) -> Result<Stored, DbErr> {
    let bad = |column: &str, value: &str| {
        DbErr::Custom(format!("transfer_requests row has {column} = {value:?}"))
    };
    let decision = Decision::parse(&row.decision).ok_or_else(|| bad("decision", &row.decision))?;
    let at_deadline =
        AtDeadline::parse(&row.at_deadline).ok_or_else(|| bad("at_deadline", &row.at_deadline))?;
    let state = match (decision, &row.token_hash, row.decided_at) {
        (Decision::Pending, Some(hash), None) if !row.cancelled_by_receiver => State::Pending {
            token: TokenHash::from_slice(hash).ok_or_else(|| bad("token_hash", "not 32 bytes"))?,
        },
        (Decision::Approved | Decision::Rejected | Decision::AutoApproved, None, Some(at)) => {
            let verdict = match (decision, row.cancelled_by_receiver) {
                (Decision::Approved, false) => Verdict::Approved,
                (Decision::Rejected, false) => Verdict::Rejected,
                (Decision::Rejected, true) => Verdict::CancelledByReceiver,
                (Decision::AutoApproved, false) => Verdict::AutoApproved,
                _ => return Err(bad("cancelled_by_receiver", "true")),
            };
            State::Closed(Outcome { verdict, at })
        }
        _ => {
            return Err(bad(
                "decision",
                "inconsistent with token_hash and decided_at",
            ));
        }
    };
    let phone_numbers = row
        .phone_numbers
        .split_whitespace()
        .map(|raw| E164::parse(raw).map_err(|_| bad("phone_numbers", raw)))
        .collect::<Result<_, _>>()?;
    Ok(Stored {
        request: TransferRequest {
            id: TransferRequestId::from_uuid(row.id),
            order: OrderId::from_uuid(row.order_id),
            phone_numbers,
            from: AccountId::from_uuid(row.from_account_id),
            to: AccountId::from_uuid(row.to_account_id),
            to_name: row.to_account_name,
            approval_deadline: row.approval_deadline,
            at_deadline,
            state,
            created_at: row.created_at,
            updated_at: row.updated_at,
        },
        traceparent: row.traceparent,
    })
}

#[cfg(test)]
mod tests;
