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
    Entity::delete_many()
        .filter(key.condition())
        .exec(db)
        .await?;
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

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};
    use sea_orm::DatabaseConnection;
    use textport_platform::config::DatabaseConfig;
    use textport_platform::db::Schema;

    use super::*;

    async fn database() -> DatabaseConnection {
        let config = DatabaseConfig {
            url: "sqlite::memory:".to_owned(),
            schema: None,
            max_connections: 1,
        };
        textport_platform::db::open::<Migrator>(&config, Schema::Migrate)
            .await
            .expect("in-memory database")
    }

    fn at(minutes: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0)
            .single()
            .expect("valid")
            + Duration::minutes(minutes)
    }

    async fn claim_at(
        db: &DatabaseConnection,
        key: &KeyRef<'_>,
        fingerprint: &[u8],
        minutes: i64,
    ) -> Claim {
        let now = at(minutes);
        claim(
            db,
            key,
            fingerprint,
            now,
            now - Duration::minutes(2),
            now + Duration::hours(24),
        )
        .await
        .expect("claims")
    }

    #[tokio::test]
    async fn a_key_is_claimed_once_answered_replayed_and_expires_after_a_day() {
        let db = database().await;
        let key = KeyRef {
            scope: "acct",
            key: "k1",
        };
        assert_eq!(claim_at(&db, &key, b"f1", 0).await, Claim::First);
        let in_flight = claim_at(&db, &key, b"f1", 1).await;
        assert_eq!(
            in_flight,
            Claim::Taken(Earlier {
                fingerprint: b"f1".to_vec(),
                answer: None
            })
        );
        let answer = StoredAnswer {
            status: 201,
            headers: vec![("content-type".into(), "application/json".into())],
            body: b"{}".to_vec(),
        };
        finish(&db, &key, &answer).await.expect("stored");
        assert_eq!(
            claim_at(&db, &key, b"f1", 60).await,
            Claim::Taken(Earlier {
                fingerprint: b"f1".to_vec(),
                answer: Some(answer)
            })
        );
        let other_scope = KeyRef {
            scope: "other",
            key: "k1",
        };
        assert_eq!(claim_at(&db, &other_scope, b"f1", 60).await, Claim::First);
        assert_eq!(
            claim_at(&db, &key, b"f2", 24 * 60).await,
            Claim::First,
            "after 24 hours the key is free again"
        );
    }

    #[tokio::test]
    async fn an_abandoned_claim_is_taken_over_and_expired_records_are_pruned() {
        let db = database().await;
        let key = KeyRef {
            scope: "acct",
            key: "k2",
        };
        assert_eq!(claim_at(&db, &key, b"f", 0).await, Claim::First);
        assert!(matches!(
            claim_at(&db, &key, b"f", 1).await,
            Claim::Taken(_)
        ));
        assert_eq!(
            claim_at(&db, &key, b"f", 3).await,
            Claim::First,
            "unanswered for longer than a call can take: its gateway died"
        );
        release(&db, &key).await.expect("released");
        assert_eq!(claim_at(&db, &key, b"g", 4).await, Claim::First);
        assert_eq!(prune(&db, at(4 + 24 * 60 - 1)).await.expect("pruned"), 0);
        assert_eq!(prune(&db, at(4 + 24 * 60)).await.expect("pruned"), 1);
    }
}
