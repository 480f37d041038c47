//! The gateway's own tables: `Idempotency-Key` records — several gateway replicas share them, so
//! the first request of a key is decided by the database (an insert that only one can win) — and
//! the outbox of the events the sandbox emits.

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
    /// This request is the first (or the earlier one expired or was abandoned): process it, and
    /// store its answer under this claim.
    First(ClaimId),
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

/// Names the request that holds a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimId(uuid::Uuid);

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

    fn claimed_by(&self, claim: ClaimId) -> Condition {
        self.condition().add(Column::ClaimId.eq(claim.0))
    }
}

/// Claims `key` for a request with `fingerprint`. A record past its expiry, or still unanswered
/// since before `abandoned_before` (its gateway died mid-request), is replaced. `None` when the
/// record vanished between the attempt to insert and the read (its holder gave it up): try again.
pub async fn claim(
    db: &impl ConnectionTrait,
    key: &KeyRef<'_>,
    fingerprint: &[u8],
    now: DateTime<Utc>,
    abandoned_before: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<Option<Claim>, DbErr> {
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
    let claim_id = ClaimId(uuid::Uuid::new_v4());
    let inserted = Entity::insert(ActiveModel {
        scope: Set(key.scope.to_owned()),
        key: Set(key.key.to_owned()),
        claim_id: Set(claim_id.0),
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
        return Ok(Some(Claim::First(claim_id)));
    }
    let Some(row) = Entity::find().filter(key.condition()).one(db).await? else {
        return Ok(None);
    };
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
    Ok(Some(Claim::Taken(Earlier {
        fingerprint: row.fingerprint,
        answer,
    })))
}

/// Stores the answer of the request holding `claim`; false when it no longer holds the key.
pub async fn finish(
    db: &impl ConnectionTrait,
    key: &KeyRef<'_>,
    claim: ClaimId,
    answer: &StoredAnswer,
) -> Result<bool, DbErr> {
    let headers = serde_json::to_string(&answer.headers)
        .map_err(|e| DbErr::Custom(format!("headers: {e}")))?;
    let updated = Entity::update_many()
        .col_expr(Column::Status, i32::from(answer.status).into())
        .col_expr(Column::Headers, headers.into())
        .col_expr(Column::Body, answer.body.clone().into())
        .filter(key.claimed_by(claim))
        .exec(db)
        .await?;
    Ok(updated.rows_affected > 0)
}

/// Gives the key up (the request holding `claim` failed in a way a retry may fix).
pub async fn release(
    db: &impl ConnectionTrait,
    key: &KeyRef<'_>,
    claim: ClaimId,
) -> Result<(), DbErr> {
    Entity::delete_many()
        .filter(key.claimed_by(claim))
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

/// A sandbox event for the notifier, into the outbox.
pub async fn emit(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    body: Vec<u8>,
) -> Result<uuid::Uuid, DbErr> {
    textport_platform::outbox::push(
        db,
        now,
        textport_platform::outbox::OutboxEvent {
            destination: "notifier",
            kind: textport_proto::notifier::v1::EVENT_KIND,
            body,
        },
    )
    .await
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
        let expires = now + Duration::hours(24);
        claim(
            db,
            key,
            fingerprint,
            now,
            now - Duration::minutes(2),
            expires,
        )
        .await
        .expect("claims")
        .expect("the record stays")
    }

    fn first(claim: Claim) -> ClaimId {
        match claim {
            Claim::First(id) => id,
            Claim::Taken(earlier) => panic!("taken: {earlier:?}"),
        }
    }

    fn answer(status: u16) -> StoredAnswer {
        StoredAnswer {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: b"{}".to_vec(),
        }
    }

    #[tokio::test]
    async fn a_key_is_claimed_once_answered_replayed_and_expires_after_a_day() {
        let db = database().await;
        let key = KeyRef {
            scope: "acct",
            key: "k1",
        };
        let claim = first(claim_at(&db, &key, b"f1", 0).await);
        let in_flight = claim_at(&db, &key, b"f1", 1).await;
        let unanswered = Earlier {
            fingerprint: b"f1".to_vec(),
            answer: None,
        };
        assert_eq!(in_flight, Claim::Taken(unanswered));
        assert!(
            finish(&db, &key, claim, &answer(201))
                .await
                .expect("stored")
        );
        let answered = Earlier {
            fingerprint: b"f1".to_vec(),
            answer: Some(answer(201)),
        };
        assert_eq!(claim_at(&db, &key, b"f1", 60).await, Claim::Taken(answered));
        let other_scope = KeyRef {
            scope: "other",
            key: "k1",
        };
        first(claim_at(&db, &other_scope, b"f1", 60).await);
        first(claim_at(&db, &key, b"f2", 24 * 60).await);
    }

    #[tokio::test]
    async fn an_abandoned_claim_is_taken_over_and_its_first_holder_can_no_longer_touch_it() {
        let db = database().await;
        let key = KeyRef {
            scope: "acct",
            key: "k2",
        };
        let abandoned = first(claim_at(&db, &key, b"f", 0).await);
        assert!(matches!(
            claim_at(&db, &key, b"f", 1).await,
            Claim::Taken(_)
        ));
        // Unanswered for longer than a call can take: its holder is taken to be dead.
        let current = first(claim_at(&db, &key, b"g", 3).await);
        assert!(
            !finish(&db, &key, abandoned, &answer(200))
                .await
                .expect("runs"),
            "a late answer does not overwrite the new claim"
        );
        release(&db, &key, abandoned).await.expect("runs");
        assert!(matches!(
            claim_at(&db, &key, b"g", 4).await,
            Claim::Taken(Earlier { answer: None, .. })
        ));
        release(&db, &key, current).await.expect("released");
        first(claim_at(&db, &key, b"h", 4).await);
        assert_eq!(prune(&db, at(4 + 24 * 60 - 1)).await.expect("pruned"), 0);
        assert_eq!(prune(&db, at(4 + 24 * 60)).await.expect("pruned"), 1);
    }
}
