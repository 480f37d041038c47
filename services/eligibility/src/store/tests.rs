use chrono::TimeZone;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use sea_orm_migration::MigratorTrait;
use textport_domain::{BillingCheck, LineType};
use uuid::Uuid;

use super::*;

async fn database() -> DatabaseConnection {
    // One connection: every statement sees the same in-memory database.
    let mut options = ConnectOptions::new("sqlite::memory:");
    options.max_connections(1).min_connections(1);
    Database::connect(options)
        .await
        .expect("in-memory database")
}

fn facts(holding: Holding) -> NumberFacts {
    NumberFacts {
        routable: true,
        line_type: LineType::Landline,
        carrier_name: "Carrier".to_owned(),
        nnid: "111".to_owned(),
        portable: true,
        fast_portable: false,
        messaging_capable: true,
        billing_check: BillingCheck::Ok,
        holding,
    }
}

fn number(raw: &str) -> E164 {
    E164::parse(raw).expect("valid number")
}

#[tokio::test]
async fn links_left_in_the_directory_move_to_their_own_table_owned_by_the_holder() {
    let db = database().await;
    Migrator::up(&db, Some(2)).await.expect("the first two");
    let acme = AccountId::from_uuid(Uuid::from_u128(7));
    let at = Utc
        .with_ymd_and_hms(2026, 11, 23, 12, 0, 0)
        .single()
        .expect("valid");
    let held = facts(Holding::Account {
        holder: acme,
        transferable: true,
    });
    save(
        &db,
        &[
            (number("+13125552001"), held.clone()),
            (number("+13125552002"), facts(Holding::None)),
            (number("+13125552003"), held),
        ],
        at,
    )
    .await
    .expect("saved");
    // What a release before the link table could have left behind.
    db.execute_unprepared(
        "UPDATE directory_numbers SET campaign_id = 'C1' \
         WHERE phone_number IN ('+13125552001', '+13125552002')",
    )
    .await
    .expect("legacy links");

    Migrator::up(&db, None).await.expect("the rest");
    let links = campaigns::links_of(
        &db,
        &[
            number("+13125552001"),
            number("+13125552002"),
            number("+13125552003"),
        ],
    )
    .await
    .expect("read");
    assert_eq!(
        links,
        vec![crate::domain::CampaignLink {
            number: number("+13125552001"),
            account: acme,
            campaign_id: "C1".to_owned(),
            created_at: at,
            updated_at: at,
        }],
        "a link of a number nobody holds has no owner and is dropped"
    );

    clear_campaigns(&db, &[number("+13125552001")])
        .await
        .expect("cleared");
    assert!(
        campaigns::campaign_ids(&db, &[number("+13125552001")])
            .await
            .expect("read")
            .is_empty()
    );
}

#[tokio::test]
async fn a_port_is_written_once_per_order() {
    let db = database().await;
    Migrator::up(&db, None).await.expect("migrated");
    let at = Utc
        .with_ymd_and_hms(2026, 12, 8, 12, 0, 0)
        .single()
        .expect("valid");
    let (first, second) = (Uuid::from_u128(1), Uuid::from_u128(2));
    let ported = |holder: AccountId, release_at: DateTime<Utc>| {
        vec![(
            number("+13125551610"),
            facts(Holding::Account {
                holder,
                transferable: true,
            }),
            Some(release_at),
        )]
    };
    let (acme, globex) = (
        AccountId::from_uuid(Uuid::from_u128(7)),
        AccountId::from_uuid(Uuid::from_u128(8)),
    );
    port(&db, first, &ported(acme, at), at)
        .await
        .expect("ported");
    let later = at + chrono::TimeDelta::hours(1);

    // The same order again, as a racing call that read before the first wrote would.
    port(&db, first, &ported(globex, later), later)
        .await
        .expect("ported again");
    let row = |db: DatabaseConnection| async move {
        load(&db, &[number("+13125551610")])
            .await
            .expect("read")
            .remove("+13125551610")
            .expect("stored")
    };
    let (stored_facts, stored) = row(db.clone()).await;
    assert_eq!(
        (
            stored_facts.holding,
            stored.handover.release_at,
            stored.updated_at
        ),
        (
            Holding::Account {
                holder: acme,
                transferable: true
            },
            Some(at),
            at
        )
    );

    port(&db, second, &ported(globex, later), later)
        .await
        .expect("ported by another order");
    let (stored_facts, stored) = row(db).await;
    assert_eq!(
        (
            stored_facts.holding,
            stored.handover.ported_by,
            stored.handover.release_at
        ),
        (
            Holding::Account {
                holder: globex,
                transferable: true
            },
            Some(second),
            Some(later)
        )
    );
}

#[tokio::test]
async fn rows_written_before_the_handover_columns_were_never_ported() {
    let db = database().await;
    Migrator::up(&db, Some(4))
        .await
        .expect("before the handover");
    let at = Utc
        .with_ymd_and_hms(2026, 12, 8, 12, 0, 0)
        .single()
        .expect("valid");
    save(&db, &[(number("+13125552001"), facts(Holding::None))], at)
        .await
        .expect("saved");

    Migrator::up(&db, None).await.expect("the rest");
    let stored = load(&db, &[number("+13125552001")])
        .await
        .expect("read")
        .remove("+13125552001")
        .expect("stored");
    assert_eq!(stored.1.handover, crate::domain::HandoverRecord::default());
}
