//! Work that is due later lives in rows with a due time; a sweeper claims the due ones. A claim
//! moves the row's due time one lease ahead and stamps it with a claim token, in one statement:
//! `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)` on PostgreSQL, so replicas claim
//! disjoint rows, and the same statement on SQLite, where the one writer at a time serialises
//! claims. A claimer that dies simply lets its lease run out: the row is due again then. Finishing
//! a row is an update guarded by its claim token, so a claimer whose lease ran out cannot
//! overwrite the work of the one that took over.
//!
//! One implementation serves every kind of deadline: outbox rows, webhook retries, approval
//! windows, code expiry, activation timeouts, FOC dates.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Value,
};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// A table of rows with a due time (null when nothing is due) and a claim token.
pub trait Due: EntityTrait {
    fn id_column() -> Self::Column;
    fn due_column() -> Self::Column;
    fn claim_column() -> Self::Column;
}

/// Rows claimed together; finish each with [`Claim::owns`] in the update's filter.
#[derive(Debug)]
pub struct Claim<M> {
    pub token: Uuid,
    pub rows: Vec<M>,
}

impl<M> Claim<M> {
    /// The filter that makes an update apply only while this claim still holds the row.
    pub fn owns<E: Due>(&self, id: impl Into<Value>) -> Condition {
        held::<E>(id, self.token)
    }
}

/// The filter that makes an update apply only while the claim `token` still holds row `id`.
pub fn held<E: Due>(id: impl Into<Value>, token: Uuid) -> Condition {
    Condition::all()
        .add(E::id_column().eq(id))
        .add(E::claim_column().eq(token))
}

/// Claims up to `limit` rows due at `now` that also match `only`, oldest due first, for `lease`.
pub async fn claim<E: Due>(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    lease: Duration,
    limit: u64,
    only: Condition,
) -> Result<Claim<E::Model>, DbErr> {
    let token = Uuid::now_v7();
    let lease_end = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX);
    let due = E::find()
        .select_only()
        .column(E::id_column())
        .filter(E::due_column().lte(now))
        .filter(only)
        .order_by_asc(E::due_column())
        .limit(limit)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .into_query();
    let rows = E::update_many()
        .col_expr(E::due_column(), Expr::value(lease_end))
        .col_expr(E::claim_column(), Expr::value(token))
        .filter(E::id_column().in_subquery(due))
        .exec_with_returning(db)
        .await?;
    if !rows.is_empty() {
        crate::metrics::metrics()
            .sweeper_claimed
            .get_or_create(&crate::metrics::TableLabels {
                table: E::default().table_name(),
            })
            .inc_by(rows.len() as u64);
    }
    Ok(Claim { token, rows })
}

/// Runs `round` until `shutdown`: again at once while it reports that more is due, otherwise
/// after `wake` is notified (new work committed) or `poll` has passed (work that became due).
/// A round in progress always finishes.
pub async fn repeat<F, Fut>(
    shutdown: CancellationToken,
    wake: &Notify,
    poll: Duration,
    mut round: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    loop {
        if round().await {
            continue;
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = wake.notified() => {}
            () = tokio::time::sleep(poll) => {}
        }
    }
}

/// Exponential backoff with full jitter: a random wait in `[base·2ⁿ/2, base·2ⁿ]`, at most `cap`.
/// Half the range is kept so that a retry never comes immediately.
pub fn backoff(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let ceiling = base
        .saturating_mul(2u32.saturating_pow(attempt.min(30)))
        .min(cap);
    let mut random = [0u8; 8];
    // Without entropy the wait is simply the ceiling; jitter only spreads retries out.
    if getrandom::fill(&mut random).is_err() {
        return ceiling;
    }
    let fraction = u64::from_le_bytes(random) as f64 / u64::MAX as f64;
    ceiling.mul_f64(0.5 + fraction / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let base = Duration::from_secs(1);
        let cap = Duration::from_secs(60);
        for attempt in 0..10 {
            let wait = backoff(attempt, base, cap);
            let ceiling = (base * 2u32.pow(attempt)).min(cap);
            assert!(wait <= ceiling, "{attempt}: {wait:?} > {ceiling:?}");
            assert!(
                wait >= ceiling / 2,
                "{attempt}: {wait:?} < half of {ceiling:?}"
            );
        }
        assert!(backoff(1_000, base, cap) <= cap);
    }
}
