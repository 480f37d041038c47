//! Each number's state per flow (one row, written only at the revision it was read), the
//! sandbox's record of the codes the simulated network carried, and the code key, in the
//! verification service's own database. Rows convert to domain values here.

mod entities;
mod migration;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait as _,
    QueryFilter, QueryOrder,
};
use textport_domain::{AccountId, E164, Page};
use textport_platform::db::{Versioned, fetch_page};

use crate::domain::{
    Budget, Code, CodeHash, IssuedCode, Method, NumberState, Scope, SentCode, SentCodeId,
    SubjectId, VerificationCodeId,
};
use entities::{code_key, number, sent_code};
pub use migration::Migrator;

fn corrupt(table: &str, column: &str, value: &str) -> DbErr {
    DbErr::Custom(format!("{table} row has {column} = {value:?}"))
}

// === numbers ===

/// The stored state of those of `numbers` that have a row, by number, in one query.
pub async fn load(
    db: &impl ConnectionTrait,
    scope: Scope,
    numbers: &[E164],
) -> Result<HashMap<String, Versioned<NumberState>>, DbErr> {
    if numbers.is_empty() {
        return Ok(HashMap::new());
    }
    number::Entity::find()
        .filter(number::Column::AccountId.eq(*scope.account.as_uuid()))
        .filter(number::Column::SubjectId.eq(*scope.subject.as_uuid()))
        .filter(number::Column::PhoneNumber.is_in(numbers.iter().map(E164::as_str)))
        .all(db)
        .await?
        .into_iter()
        .map(|row| {
            let state = Versioned {
                value: state_of(&row)?,
                revision: row.revision,
            };
            Ok((row.phone_number, state))
        })
        .collect()
}

/// Writes each state with its revision in one statement: a new row is inserted; an existing one
/// is updated only while it is at the revision just before (a writer that came first wins, on
/// SQLite and PostgreSQL alike). Answers the numbers written.
pub async fn save(
    db: &impl ConnectionTrait,
    scope: Scope,
    states: &[(E164, Versioned<NumberState>)],
    now: DateTime<Utc>,
) -> Result<HashSet<String>, DbErr> {
    use number::Column as C;
    if states.is_empty() {
        return Ok(HashSet::new());
    }
    let rows = states
        .iter()
        .map(|(number, state)| number_row(scope, number, state, now));
    let written = number::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([C::AccountId, C::SubjectId, C::PhoneNumber])
                .update_columns([
                    C::CodeId,
                    C::CodeHash,
                    C::Method,
                    C::SentAt,
                    C::ExpiresAt,
                    C::WrongTries,
                    C::VerifiedAt,
                    C::SendTimes,
                    C::WrongTryTimes,
                    C::Revision,
                    C::UpdatedAt,
                ])
                .action_and_where(
                    Expr::col((number::Entity, C::Revision))
                        .add(1)
                        .eq(Expr::col((Alias::new("excluded"), C::Revision))),
                )
                .to_owned(),
        )
        .exec_with_returning_keys(db)
        .await?;
    Ok(written.into_iter().map(|(_, _, number)| number).collect())
}

fn number_row(
    scope: Scope,
    number: &E164,
    state: &Versioned<NumberState>,
    now: DateTime<Utc>,
) -> number::ActiveModel {
    let code = state.value.code.as_ref();
    number::ActiveModel {
        account_id: Set(*scope.account.as_uuid()),
        subject_id: Set(*scope.subject.as_uuid()),
        phone_number: Set(number.as_str().to_owned()),
        code_id: Set(code.map(|code| *code.id.as_uuid())),
        code_hash: Set(code.map(|code| code.hash.0.clone())),
        method: Set(code.map(|code| code.method.as_str().to_owned())),
        sent_at: Set(code.map(|code| code.sent_at)),
        expires_at: Set(code.map(|code| code.expires_at)),
        wrong_tries: Set(code.map_or(0, |code| {
            i32::try_from(code.wrong_tries).unwrap_or(i32::MAX)
        })),
        verified_at: Set(state.value.verified_at),
        send_times: Set(encode_times(&state.value.budget.sends)),
        wrong_try_times: Set(encode_times(&state.value.budget.wrong_tries)),
        revision: Set(state.revision),
        updated_at: Set(now),
    }
}

/// The row as domain state. A row this service did not write (a half-stored code, unknown
/// text) is an error, not a guess.
fn state_of(row: &number::Model) -> Result<NumberState, DbErr> {
    let bad = |column: &str, value: &str| corrupt("verification_numbers", column, value);
    let code = match (
        row.code_id,
        &row.code_hash,
        &row.method,
        row.sent_at,
        row.expires_at,
    ) {
        (None, None, None, None, None) => None,
        (Some(id), Some(hash), Some(method), Some(sent_at), Some(expires_at)) => Some(IssuedCode {
            id: VerificationCodeId::from_uuid(id),
            hash: CodeHash(hash.clone()),
            method: Method::parse(method).ok_or_else(|| bad("method", method))?,
            sent_at,
            expires_at,
            wrong_tries: u32::try_from(row.wrong_tries)
                .map_err(|_| bad("wrong_tries", &row.wrong_tries.to_string()))?,
        }),
        _ => return Err(bad("code_id", "a code stored in part")),
    };
    Ok(NumberState {
        code,
        verified_at: row.verified_at,
        budget: Budget {
            sends: decode_times(&row.send_times)
                .ok_or_else(|| bad("send_times", &row.send_times))?,
            wrong_tries: decode_times(&row.wrong_try_times)
                .ok_or_else(|| bad("wrong_try_times", &row.wrong_try_times))?,
        },
    })
}

fn encode_times(times: &[DateTime<Utc>]) -> String {
    times
        .iter()
        .map(|at| at.timestamp_micros().to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

fn decode_times(text: &str) -> Option<Vec<DateTime<Utc>>> {
    text.split_whitespace()
        .map(|micros| DateTime::from_timestamp_micros(micros.parse().ok()?))
        .collect()
}

// === the sandbox's sent codes ===

/// Records what the simulated network carried, in one statement.
pub async fn insert_sent_codes(db: &impl ConnectionTrait, sent: &[SentCode]) -> Result<(), DbErr> {
    if sent.is_empty() {
        return Ok(());
    }
    sent_code::Entity::insert_many(sent.iter().map(|sent| sent_code::ActiveModel {
        id: Set(*sent.id.as_uuid()),
        verification_code_id: Set(*sent.code_id.as_uuid()),
        account_id: Set(*sent.scope.account.as_uuid()),
        subject_id: Set(*sent.scope.subject.as_uuid()),
        phone_number: Set(sent.phone_number.as_str().to_owned()),
        method: Set(sent.method.as_str().to_owned()),
        code: Set(sent.code.digits().to_owned()),
        body: Set(sent.body.clone()),
        sent_at: Set(sent.sent_at),
    }))
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// What a list of sent codes is narrowed by.
#[derive(Debug, Default, Clone)]
pub struct SentCodeFilter {
    pub phone_number: Option<String>,
    pub subject: Option<SubjectId>,
    pub account: Option<AccountId>,
}

/// One page of sent codes, newest first.
pub async fn sent_codes(
    db: &impl ConnectionTrait,
    filter: &SentCodeFilter,
    page: Page,
) -> Result<(Vec<SentCode>, u64), DbErr> {
    let mut query = sent_code::Entity::find();
    if let Some(number) = &filter.phone_number {
        query = query.filter(sent_code::Column::PhoneNumber.eq(number.clone()));
    }
    if let Some(subject) = filter.subject {
        query = query.filter(sent_code::Column::SubjectId.eq(*subject.as_uuid()));
    }
    if let Some(account) = filter.account {
        query = query.filter(sent_code::Column::AccountId.eq(*account.as_uuid()));
    }
    let query = query
        .order_by_desc(sent_code::Column::SentAt)
        .order_by_desc(sent_code::Column::Id);
    let (rows, total) = fetch_page(db, query, page).await?;
    let sent = rows
        .into_iter()
        .map(sent_code_of)
        .collect::<Result<_, _>>()?;
    Ok((sent, total))
}

fn sent_code_of(row: sent_code::Model) -> Result<SentCode, DbErr> {
    let bad = |column: &str, value: &str| corrupt("sent_codes", column, value);
    Ok(SentCode {
        id: SentCodeId::from_uuid(row.id),
        code_id: VerificationCodeId::from_uuid(row.verification_code_id),
        scope: Scope {
            account: AccountId::from_uuid(row.account_id),
            subject: SubjectId::from_uuid(row.subject_id),
        },
        phone_number: E164::parse(&row.phone_number)
            .map_err(|_| bad("phone_number", &row.phone_number))?,
        method: Method::parse(&row.method).ok_or_else(|| bad("method", &row.method))?,
        code: Code::from_record(row.code),
        body: row.body,
        sent_at: row.sent_at,
    })
}

// === the code key ===

/// The stored key, created on first use; replicas racing to create it all read the winner's.
pub async fn code_key(
    db: &impl ConnectionTrait,
    candidate: [u8; 32],
    now: DateTime<Utc>,
) -> Result<Vec<u8>, DbErr> {
    code_key::Entity::insert(code_key::ActiveModel {
        id: Set(1),
        key: Set(candidate.to_vec()),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(code_key::Column::Id)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    code_key::Entity::find_by_id(1)
        .one(db)
        .await?
        .map(|row| row.key)
        .ok_or_else(|| DbErr::RecordNotFound("code key".to_owned()))
}

#[cfg(test)]
mod tests {
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

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + seconds, 0).expect("valid")
    }

    fn number(raw: &str) -> E164 {
        E164::parse(raw).expect("valid")
    }

    fn scope() -> Scope {
        Scope {
            account: AccountId::new(),
            subject: SubjectId::new(),
        }
    }

    fn with_code(wrong_tries: u32) -> NumberState {
        NumberState {
            code: Some(IssuedCode {
                id: VerificationCodeId::new(),
                hash: CodeHash(vec![1; 32]),
                method: Method::Call,
                sent_at: at(0),
                expires_at: at(600),
                wrong_tries,
            }),
            verified_at: None,
            budget: Budget {
                sends: vec![at(0)],
                wrong_tries: vec![at(1); wrong_tries as usize],
            },
        }
    }

    #[test]
    fn budget_times_round_trip_to_the_microsecond() {
        let at = DateTime::from_timestamp_micros(1_700_000_000_123_456).expect("valid");
        let times = vec![at, at + chrono::Duration::seconds(61)];
        assert_eq!(decode_times(&encode_times(&times)), Some(times));
        assert_eq!(decode_times(""), Some(Vec::new()));
        assert_eq!(decode_times("12 x"), None);
    }

    #[tokio::test]
    async fn a_state_is_written_only_at_the_revision_after_the_one_read() {
        let db = database().await;
        let scope = scope();
        let (a, b) = (number("+13125550001"), number("+13125550002"));
        let first = vec![
            (
                a.clone(),
                Versioned {
                    value: with_code(0),
                    revision: 1,
                },
            ),
            (
                b.clone(),
                Versioned {
                    value: NumberState::default(),
                    revision: 1,
                },
            ),
        ];
        let written = save(&db, scope, &first, at(0)).await.expect("saved");
        assert_eq!(written.len(), 2);
        let loaded = load(&db, scope, &[a.clone(), b.clone()])
            .await
            .expect("loaded");
        assert_eq!(loaded[a.as_str()], first[0].1);
        assert_eq!(loaded[b.as_str()], first[1].1);

        // Two writers read revision 1; the first to write revision 2 wins, the other changes nothing.
        let winner = vec![(
            a.clone(),
            Versioned {
                value: with_code(1),
                revision: 2,
            },
        )];
        let loser = vec![
            (
                a.clone(),
                Versioned {
                    value: with_code(3),
                    revision: 2,
                },
            ),
            (
                b.clone(),
                Versioned {
                    value: with_code(0),
                    revision: 2,
                },
            ),
        ];
        assert_eq!(
            save(&db, scope, &winner, at(1)).await.expect("saved").len(),
            1
        );
        let written = save(&db, scope, &loser, at(2)).await.expect("runs");
        assert_eq!(written, HashSet::from([b.as_str().to_owned()]));
        let fresh_insert_race = vec![(
            a.clone(),
            Versioned {
                value: with_code(4),
                revision: 1,
            },
        )];
        assert!(
            save(&db, scope, &fresh_insert_race, at(3))
                .await
                .expect("runs")
                .is_empty()
        );
        let loaded = load(&db, scope, std::slice::from_ref(&a))
            .await
            .expect("loaded");
        assert_eq!(loaded[a.as_str()], winner[0].1);

        let elsewhere = load(
            &db,
            Scope {
                subject: SubjectId::new(),
                ..scope
            },
            &[a],
        )
        .await
        .expect("loaded");
        assert!(elsewhere.is_empty(), "another subject has its own state");
    }

    #[tokio::test]
    async fn sent_codes_list_newest_first_and_filter() {
        let db = database().await;
        let scope = scope();
        let sent = |phone: &str, seconds: i64| SentCode {
            id: SentCodeId::new(),
            code_id: VerificationCodeId::new(),
            scope,
            phone_number: number(phone),
            method: Method::Sms,
            code: Code::from_record(format!("{seconds:06}")),
            body: "body".to_owned(),
            sent_at: at(seconds),
        };
        let rows = [
            sent("+13125550001", 1),
            sent("+13125550002", 2),
            sent("+13125550001", 3),
        ];
        insert_sent_codes(&db, &rows).await.expect("inserted");
        let (all, total) = sent_codes(&db, &SentCodeFilter::default(), Page::default())
            .await
            .expect("listed");
        assert_eq!(total, 3);
        assert_eq!(all.first(), Some(&rows[2]));
        let filter = SentCodeFilter {
            phone_number: Some("+13125550001".to_owned()),
            subject: Some(scope.subject),
            account: Some(scope.account),
        };
        let (one, total) = sent_codes(&db, &filter, Page::new(Some(2), Some(1)).expect("page"))
            .await
            .expect("listed");
        assert_eq!((one, total), (vec![rows[0].clone()], 2));
        let other = SentCodeFilter {
            subject: Some(SubjectId::new()),
            ..SentCodeFilter::default()
        };
        assert_eq!(
            sent_codes(&db, &other, Page::default())
                .await
                .expect("listed")
                .1,
            0
        );
    }

    #[tokio::test]
    async fn the_first_stored_code_key_stays() {
        let db = database().await;
        let first = code_key(&db, [1; 32], at(0)).await.expect("stored");
        let second = code_key(&db, [2; 32], at(1)).await.expect("read");
        assert_eq!(first, vec![1; 32]);
        assert_eq!(second, first);
    }
}
