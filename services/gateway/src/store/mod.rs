//! The gateway's own table: `Idempotency-Key` records. Several gateway replicas share it, so the
//! first request of a key is decided by the database (an insert that only one can win).

mod entity;
mod migration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
};

pub use migration::Migrator;

use entity::{ActiveModel, Column, Entity};

/// A request's claim on a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This request is the first (or the earlier one expired or was abandoned): process it.
    First,
    /// An earlier request holds the key.
    Taken(Earlier),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Earlier {
    pub fingerprint: Vec<u8>,
    /// `None` while it is still being processed.
    pub answer: Option<StoredAnswer>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

pub struct KeyRef<'a> {
    pub scope: &'a str,
    pub key: &'a str,
}

impl KeyRef<'_> {
    fn condition(&self) -> Condition {
        Condition::all()
            .add(Column::Scope.eq(self.scope))
            .add(Column::Key.eq(self.key))
    }
}

/// Claims `key` for a request with `fingerprint`. A record past `expires_at`, or still unanswered
/// since before `abandoned_before` (its gateway died mid-request), is replaced.
pub async fn claim(
    db: &impl ConnectionTrait,
    key: &KeyRef<'_>,
    fingerprint: &[u8],
    now: DateTime<Utc>,
    abandoned_before: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<Claim, DbErr> {
    Entity::delete_many()
        .filter(key.condition())
        .filter(
            Condition::any().add(Column::ExpiresAt.lte(now)).add(
                Condition::all()
                    .add(Column::Status.is_null())
                    .add(Column::StartedAt.lt(abandoned_before)),
            ),
        )
        .exec(db)
        .await?;
    let inserted = Entity::insert(ActiveModel {
        scope: Set(key.scope.to_owned()),
        key: Set(key.key.to_owned()),
        fingerprint: Set(fingerprint.to_vec()),
        status: Set(None),
        headers: Set(None),
        body: Set(None),
        started_at: Set(now),
        expires_at: Set(expires_at),
    })
    .on_conflict(
        OnConflict::columns([Column::Scope, Column::Key])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    if inserted > 0 {
        return Ok(Claim::First);
    }
    let row = Entity::find()
        .filter(key.condition())
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("idempotency key vanished while claimed".into()))?;
    let answer = match (row.status, row.body) {
        (Some(status), Some(body)) => Some(StoredAnswer {
            status: u16::try_from(status)
                .map_err(|_| DbErr::Custom(format!("stored status {status}")))?,
            headers: row
                .headers
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|e| DbErr::Custom(format!("stored headers: {e}")))?
                .unwrap_or_default(),
            body,
        }),
        _ => None,
    };
    Ok(Claim::Taken(Earlier {
        fingerprint: row.fingerprint,
        answer,
    }))
}

/// Stores the first request's answer for replay.
pub async fn finish(
    db: &impl ConnectionTrait,
    key: &KeyRef<'_>,
    answer: &StoredAnswer,
) -> Result<(), DbErr> {
    let headers = serde_json::to_string(&answer.headers)
        .map_err(|e| DbErr::Custom(format!("headers: {e}")))?;
    Entity::update_many()
        .col_expr(Column::Status, i32::from(answer.status).into())
        .col_expr(Column::Headers, headers.into())
        .col_expr(Column::Body, answer.body.clone().into())
        .filter(key.condition())
        .exec(db)
        .await?;
    Ok(())
}

/// Gives the key up (the first request failed in a way a retry may fix).
pub async fn release(db: &impl ConnectionTrait, key: &KeyRef<'_>) -> Result<(), DbErr> {
    Entity::delete_many().filter(key.condition()).exec(db).await?;
    Ok(())
}

/// Removes expired records; returns how many.
pub async fn prune(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let deleted = Entity::delete_many()
        .filter(Column::ExpiresAt.lte(now))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}
