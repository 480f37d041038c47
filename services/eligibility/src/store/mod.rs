//! The number directory's table: one row per number whose facts were seeded or changed on the
//! platform. Numbers without a row take what the routing database says. The numbers' 10DLC
//! campaign links are in [`campaigns`].

mod campaign;
pub mod campaigns;
mod entity;
mod migration;
mod reservation;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, NotSet, QueryFilter, QuerySelect, Set,
};
use textport_domain::{
    AccountId, BillingCheck, E164, Holding, LineType, NumberFacts, PLATFORM_NNID,
};
use uuid::Uuid;

pub use migration::Migrator;

use crate::domain::{HandoverRecord, NnidOutcome, Stored};
use entity::{ActiveModel, Column, Entity, Model as DirectoryRow};

const HOLDING_NONE: &str = "none";
const HOLDING_INVENTORY: &str = "inventory";
const HOLDING_ACCOUNT: &str = "account";

/// The stored facts of these numbers (those that have a row), in one query.
pub async fn load(
    db: &impl ConnectionTrait,
    numbers: &[E164],
) -> Result<HashMap<String, (NumberFacts, Stored)>, DbErr> {
    if numbers.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = Entity::find()
        .filter(Column::PhoneNumber.is_in(numbers.iter().map(E164::as_str)))
        .all(db)
        .await?;
    rows.into_iter()
        .map(|row| {
            let stored = Stored {
                updated_at: row.updated_at,
                handover: HandoverRecord {
                    ported_by: row.ported_by_order,
                    release_at: row.nnid_release_at,
                    refused: row.nnid_refused,
                },
            };
            Ok((row.phone_number.clone(), (row.facts()?, stored)))
        })
        .collect()
}

/// Writes these facts (insert or replace), in one statement.
pub async fn save(
    db: &impl ConnectionTrait,
    facts: &[(E164, NumberFacts)],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if facts.is_empty() {
        return Ok(());
    }
    let rows = facts
        .iter()
        .map(|(number, facts)| active_model(number, facts, now));
    Entity::insert_many(rows)
        .on_conflict(
            OnConflict::column(Column::PhoneNumber)
                .update_columns([
                    Column::Routable,
                    Column::LineType,
                    Column::CarrierName,
                    Column::Nnid,
                    Column::Portable,
                    Column::FastPortable,
                    Column::MessagingCapable,
                    Column::BillingCheck,
                    Column::Holding,
                    Column::HolderAccountId,
                    Column::Transferable,
                    Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Records the port of these numbers by `order`, in one statement: each row takes the facts given
/// (a number without a row is inserted with them) and its handover, a release time or `None`
/// (never), not refused. A row this order ported already is left as it is, so asking again
/// changes nothing, even when another call of the same order wins a race.
pub async fn port(
    db: &impl ConnectionTrait,
    order: Uuid,
    ported: &[(E164, NumberFacts, Option<DateTime<Utc>>)],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if ported.is_empty() {
        return Ok(());
    }
    let rows = ported
        .iter()
        .map(|(number, facts, release_at)| ActiveModel {
            ported_by_order: Set(Some(order)),
            nnid_release_at: Set(*release_at),
            nnid_refused: Set(false),
            ..active_model(number, facts, now)
        });
    let ported_by = Expr::col((Entity, Column::PortedByOrder));
    Entity::insert_many(rows)
        .on_conflict(
            OnConflict::column(Column::PhoneNumber)
                .update_columns([
                    Column::Nnid,
                    Column::Holding,
                    Column::HolderAccountId,
                    Column::Transferable,
                    Column::PortedByOrder,
                    Column::NnidReleaseAt,
                    Column::NnidRefused,
                    Column::UpdatedAt,
                ])
                .action_and_where(ported_by.clone().is_null().or(ported_by.ne(order)))
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Ends the handover of these numbers, in one statement (a number without a row is inserted with
/// the facts given): `Ours` puts our NNID on it and forgets a refusal; `Refused` marks it refused
/// and leaves its NNID as it is.
pub async fn settle(
    db: &impl ConnectionTrait,
    numbers: &[(E164, NumberFacts)],
    outcome: NnidOutcome,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if numbers.is_empty() {
        return Ok(());
    }
    let changed = match outcome {
        NnidOutcome::Ours => vec![Column::Nnid, Column::NnidRefused, Column::UpdatedAt],
        NnidOutcome::Refused => vec![Column::NnidRefused, Column::UpdatedAt],
    };
    let rows = numbers.iter().map(|(number, facts)| {
        let row = active_model(number, facts, now);
        match outcome {
            NnidOutcome::Ours => ActiveModel {
                nnid: Set(PLATFORM_NNID.to_owned()),
                nnid_refused: Set(false),
                ..row
            },
            NnidOutcome::Refused => ActiveModel {
                nnid_refused: Set(true),
                ..row
            },
        }
    });
    Entity::insert_many(rows)
        .on_conflict(
            OnConflict::column(Column::PhoneNumber)
                .update_columns(changed)
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Reserves `numbers` for the order (a number it already holds stays so) and answers the numbers
/// another order holds. Run it in a transaction and roll back when the answer is not empty: two
/// orders racing for a number meet at its primary key, and the later one finds the earlier's row.
pub async fn reserve(
    txn: &impl ConnectionTrait,
    order: Uuid,
    account: AccountId,
    numbers: &[(E164, Option<AccountId>)],
    now: DateTime<Utc>,
) -> Result<Vec<E164>, DbErr> {
    if numbers.is_empty() {
        return Ok(Vec::new());
    }
    let rows = numbers
        .iter()
        .map(|(number, held_by)| reservation::ActiveModel {
            phone_number: Set(number.as_str().to_owned()),
            order_id: Set(order),
            account_id: Set(*account.as_uuid()),
            reserved_at: Set(now),
            held_by: Set(held_by.map(|holder| *holder.as_uuid())),
        });
    reservation::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::column(reservation::Column::PhoneNumber)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    let taken: HashMap<String, Uuid> = reservation::Entity::find()
        .filter(reservation::Column::PhoneNumber.is_in(numbers.iter().map(|(n, _)| n.as_str())))
        .all(txn)
        .await?
        .into_iter()
        .map(|row| (row.phone_number, row.order_id))
        .collect();
    Ok(numbers
        .iter()
        .map(|(number, _)| number)
        .filter(|number| {
            taken
                .get(number.as_str())
                .is_some_and(|holder| *holder != order)
        })
        .cloned()
        .collect())
}

/// Which of `numbers` are reserved for `order`, each with the account a transfer takes it from.
pub async fn reserved_for(
    db: &impl ConnectionTrait,
    order: Uuid,
    numbers: &[E164],
) -> Result<HashMap<String, Option<AccountId>>, DbErr> {
    if numbers.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(reservation::Entity::find()
        .filter(reservation::Column::OrderId.eq(order))
        .filter(reservation::Column::PhoneNumber.is_in(numbers.iter().map(E164::as_str)))
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.phone_number, row.held_by.map(AccountId::from_uuid)))
        .collect())
}

/// Releases the order's reservations of `numbers`; another order's are left alone.
pub async fn release(
    db: &impl ConnectionTrait,
    order: Uuid,
    numbers: &[E164],
) -> Result<(), DbErr> {
    if numbers.is_empty() {
        return Ok(());
    }
    reservation::Entity::delete_many()
        .filter(reservation::Column::OrderId.eq(order))
        .filter(reservation::Column::PhoneNumber.is_in(numbers.iter().map(E164::as_str)))
        .exec(db)
        .await?;
    Ok(())
}

/// The account no longer holds `numbers` (its hosted numbers were deleted); numbers another
/// account holds by now are left alone.
pub async fn unhost(
    db: &impl ConnectionTrait,
    account: AccountId,
    numbers: &[E164],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if numbers.is_empty() {
        return Ok(());
    }
    Entity::update_many()
        .col_expr(Column::Holding, Expr::value(HOLDING_NONE))
        .col_expr(Column::HolderAccountId, Expr::value(Option::<Uuid>::None))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::PhoneNumber.is_in(numbers.iter().map(E164::as_str)))
        .filter(Column::HolderAccountId.eq(*account.as_uuid()))
        .exec(db)
        .await?;
    Ok(())
}

/// Activation took the number's 10DLC campaign links with it, whichever account made them.
pub async fn clear_campaigns(db: &impl ConnectionTrait, numbers: &[E164]) -> Result<(), DbErr> {
    campaigns::delete_for_numbers(db, numbers).await
}

/// The stored facts of one number, its row locked until the transaction ends (PostgreSQL; SQLite
/// has one writer at a time), so its holder cannot change under a link being written.
pub async fn load_locked(
    txn: &impl ConnectionTrait,
    number: &E164,
) -> Result<Option<NumberFacts>, DbErr> {
    Entity::find_by_id(number.as_str())
        .lock_exclusive()
        .one(txn)
        .await?
        .map(|row| row.facts())
        .transpose()
}

fn active_model(number: &E164, facts: &NumberFacts, now: DateTime<Utc>) -> ActiveModel {
    let (holding, holder, transferable) = match facts.holding {
        Holding::None => (HOLDING_NONE, None, false),
        Holding::Inventory => (HOLDING_INVENTORY, None, false),
        Holding::Account {
            holder,
            transferable,
        } => (HOLDING_ACCOUNT, Some(*holder.as_uuid()), transferable),
    };
    ActiveModel {
        phone_number: Set(number.as_str().to_owned()),
        routable: Set(facts.routable),
        line_type: Set(facts.line_type.as_str().to_owned()),
        carrier_name: Set(facts.carrier_name.clone()),
        nnid: Set(facts.nnid.clone()),
        portable: Set(facts.portable),
        fast_portable: Set(facts.fast_portable),
        messaging_capable: Set(facts.messaging_capable),
        billing_check: Set(facts.billing_check.as_str().to_owned()),
        holding: Set(holding.to_owned()),
        holder_account_id: Set(holder),
        transferable: Set(transferable),
        updated_at: Set(now),
        // A number's handover is written only by the use cases of a port.
        ported_by_order: NotSet,
        nnid_release_at: NotSet,
        nnid_refused: NotSet,
    }
}

impl DirectoryRow {
    /// The row as domain facts. A row this service did not write (unknown enum text) is an error,
    /// not a guess.
    fn facts(&self) -> Result<NumberFacts, DbErr> {
        let corrupt = |column: &str, value: &str| {
            DbErr::Custom(format!("directory row has {column} = {value:?}"))
        };
        let holding = match (self.holding.as_str(), self.holder_account_id) {
            (HOLDING_NONE, _) => Holding::None,
            (HOLDING_INVENTORY, _) => Holding::Inventory,
            (HOLDING_ACCOUNT, Some(holder)) => Holding::Account {
                holder: AccountId::from_uuid(holder),
                transferable: self.transferable,
            },
            (other, _) => return Err(corrupt("holding", other)),
        };
        Ok(NumberFacts {
            routable: self.routable,
            line_type: LineType::parse(&self.line_type)
                .ok_or_else(|| corrupt("line_type", &self.line_type))?,
            carrier_name: self.carrier_name.clone(),
            nnid: self.nnid.clone(),
            portable: self.portable,
            fast_portable: self.fast_portable,
            messaging_capable: self.messaging_capable,
            billing_check: BillingCheck::parse(&self.billing_check)
                .ok_or_else(|| corrupt("billing_check", &self.billing_check))?,
            holding,
        })
    }
}

#[cfg(test)]
mod tests;
