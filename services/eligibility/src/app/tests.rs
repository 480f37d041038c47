use chrono::TimeDelta;
use textport_domain::{Clock as _, Holding, ManualClock};
use textport_platform::config::DatabaseConfig;
use textport_platform::db::Schema;

use super::*;
use crate::SandboxRouting;
use crate::domain::HoldingKind;

/// What the sandbox's routing database says routes an ordinary number.
const CARRIER_NNID: &str = "SBX-NNID-0001";

struct Harness {
    app: App,
    clock: ManualClock,
}

async fn harness() -> Harness {
    let config = DatabaseConfig {
        url: "sqlite::memory:".to_owned(),
        schema: None,
        max_connections: 1,
    };
    let db = textport_platform::db::open::<store::Migrator>(&config, Schema::Migrate)
        .await
        .expect("in-memory database");
    let clock = ManualClock::starting_at(start());
    let app = App::new(db, Arc::new(SandboxRouting), Arc::new(clock.clone()));
    Harness { app, clock }
}

fn start() -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).expect("valid time")
}

fn number(raw: &str) -> E164 {
    E164::parse(raw).expect("valid number")
}

/// An ordinary number: its losing carrier releases the NNID at the FOC.
fn at_foc() -> E164 {
    number("+13125550001")
}

/// Released ten minutes after the FOC.
fn ten_minutes_late() -> E164 {
    number("+13125551610")
}

/// Never released; the override works.
fn never() -> E164 {
    number("+13125551750")
}

/// Never released, and the override is refused.
fn stubborn() -> E164 {
    number("+13125551850")
}

fn handovers(states: &[NnidState]) -> Vec<(NnidHandover, &str)> {
    states
        .iter()
        .map(|state| (state.handover, state.nnid.as_str()))
        .collect()
}

#[tokio::test]
async fn a_port_gives_the_account_the_numbers_and_asks_for_their_nnids() {
    let Harness { app, .. } = harness().await;
    let (account, order) = (AccountId::new(), Uuid::from_u128(1));
    let numbers = [ten_minutes_late(), at_foc(), never(), ten_minutes_late()];

    let states = app
        .port(account, order, &numbers, start())
        .await
        .expect("ported");

    assert_eq!(
        handovers(&states),
        vec![
            (NnidHandover::Waiting, CARRIER_NNID),
            (NnidHandover::Ours, PLATFORM_NNID),
            (NnidHandover::Waiting, CARRIER_NNID),
            (NnidHandover::Waiting, CARRIER_NNID),
        ],
        "one answer per requested number, in request order"
    );
    let entries = app.lookup(&numbers[..3]).await.expect("looked up");
    for entry in &entries {
        assert_eq!(
            entry.facts.holding,
            Holding::Account {
                holder: account,
                transferable: true
            }
        );
    }
    let nnids: Vec<&str> = entries.iter().map(|e| e.facts.nnid.as_str()).collect();
    assert_eq!(
        nnids,
        [CARRIER_NNID, PLATFORM_NNID, CARRIER_NNID],
        "the look-up reports the NNID a state reports"
    );
}

#[tokio::test]
async fn porting_again_for_the_same_order_changes_nothing() {
    let Harness { app, clock } = harness().await;
    let (account, order) = (AccountId::new(), Uuid::from_u128(1));
    let numbers = [ten_minutes_late(), never()];
    let first = app
        .port(account, order, &numbers, start())
        .await
        .expect("ported");
    let written = app.lookup(&numbers).await.expect("looked up");

    clock.advance(TimeDelta::minutes(1));
    let later_foc = start() + TimeDelta::hours(1);
    let again = app
        .port(AccountId::new(), order, &numbers, later_foc)
        .await
        .expect("ported again");

    assert_eq!(again, first);
    assert_eq!(app.lookup(&numbers).await.expect("looked up"), written);
    clock.set(start() + TimeDelta::minutes(10));
    assert_eq!(
        app.nnid_states(&numbers[..1]).await.expect("read")[0].handover,
        NnidHandover::Ours,
        "the release time is still the first call's"
    );
}

#[tokio::test]
async fn another_order_ports_a_number_anew() {
    let Harness { app, clock } = harness().await;
    let (first, second) = (Uuid::from_u128(1), Uuid::from_u128(2));
    let (old_account, new_account) = (AccountId::new(), AccountId::new());
    let numbers = [ten_minutes_late(), stubborn()];
    app.port(old_account, first, &numbers, start())
        .await
        .expect("ported");
    app.override_nnids(&numbers[1..]).await.expect("refused");

    clock.set(start() + TimeDelta::minutes(30));
    let states = app
        .port(new_account, second, &numbers, clock.now())
        .await
        .expect("ported anew");

    assert_eq!(
        handovers(&states),
        vec![
            (NnidHandover::Ours, PLATFORM_NNID),
            (NnidHandover::Waiting, CARRIER_NNID),
        ],
        "a released NNID stays ours; a new port forgets the old refusal"
    );
    let entries = app.lookup(&numbers).await.expect("looked up");
    assert!(entries.iter().all(|entry| entry.facts.holding
        == Holding::Account {
            holder: new_account,
            transferable: true
        }));
}

#[tokio::test]
async fn the_handover_follows_the_clock() {
    let Harness { app, clock } = harness().await;
    let late = [ten_minutes_late()];
    app.port(AccountId::new(), Uuid::from_u128(1), &late, start())
        .await
        .expect("ported");

    clock.set(start() + TimeDelta::minutes(10) - TimeDelta::seconds(1));
    assert_eq!(
        handovers(&app.nnid_states(&late).await.expect("read")),
        vec![(NnidHandover::Waiting, CARRIER_NNID)]
    );
    clock.set(start() + TimeDelta::minutes(10));
    assert_eq!(
        handovers(&app.nnid_states(&late).await.expect("read")),
        vec![(NnidHandover::Ours, PLATFORM_NNID)]
    );
    assert_eq!(
        app.lookup(&late).await.expect("looked up")[0].facts.nnid,
        PLATFORM_NNID
    );
}

#[tokio::test]
async fn a_number_no_port_asked_for_has_no_handover_unless_its_nnid_is_ours() {
    let Harness { app, .. } = harness().await;
    let hosted = number("+13125550002");
    app.seed(vec![NumberSeed {
        number: hosted.clone(),
        seed: Seed {
            nnid: Some(PLATFORM_NNID.to_owned()),
            ..Seed::default()
        },
        at: String::new(),
    }])
    .await
    .expect("seeded");

    let states = app.nnid_states(&[at_foc(), hosted]).await.expect("read");

    assert_eq!(
        handovers(&states),
        vec![
            (NnidHandover::None, CARRIER_NNID),
            (NnidHandover::Ours, PLATFORM_NNID)
        ]
    );
}

#[tokio::test]
async fn a_number_hosted_before_its_port_keeps_our_nnid() {
    let Harness { app, .. } = harness().await;
    let account = AccountId::new();
    app.seed(vec![NumberSeed {
        number: never(),
        seed: Seed {
            nnid: Some(PLATFORM_NNID.to_owned()),
            holding: Some(HoldingKind::Account),
            holder: Some(account),
            ..Seed::default()
        },
        at: String::new(),
    }])
    .await
    .expect("seeded");

    let states = app
        .port(account, Uuid::from_u128(1), &[never()], start())
        .await
        .expect("ported");

    assert_eq!(
        handovers(&states),
        vec![(NnidHandover::Ours, PLATFORM_NNID)]
    );
}

#[tokio::test]
async fn the_override_puts_our_nnid_where_the_carrier_accepts_it() {
    let Harness { app, .. } = harness().await;
    let numbers = [never(), stubborn(), at_foc()];
    app.port(AccountId::new(), Uuid::from_u128(1), &numbers, start())
        .await
        .expect("ported");

    let states = app.override_nnids(&numbers).await.expect("overridden");

    assert_eq!(
        handovers(&states),
        vec![
            (NnidHandover::Ours, PLATFORM_NNID),
            (NnidHandover::Refused, CARRIER_NNID),
            (NnidHandover::Ours, PLATFORM_NNID),
        ]
    );
    assert_eq!(
        app.nnid_states(&numbers).await.expect("read"),
        states,
        "the answers are stored"
    );
    let entries = app.lookup(&numbers[..1]).await.expect("looked up");
    assert!(
        entries[0].stored.is_some(),
        "the accepted override is written"
    );
}

#[tokio::test]
async fn the_sandbox_ends_a_handover_as_the_losing_carrier() {
    let Harness { app, clock } = harness().await;
    let numbers = [never(), ten_minutes_late()];
    app.port(AccountId::new(), Uuid::from_u128(1), &numbers, start())
        .await
        .expect("ported");

    let released = app
        .set_nnid_handover(never(), NnidOutcome::Ours)
        .await
        .expect("set");
    let refused = app
        .set_nnid_handover(ten_minutes_late(), NnidOutcome::Refused)
        .await
        .expect("set");

    assert_eq!(
        (released.handover, released.nnid.as_str()),
        (NnidHandover::Ours, PLATFORM_NNID)
    );
    assert_eq!(
        (refused.handover, refused.nnid.as_str()),
        (NnidHandover::Refused, CARRIER_NNID)
    );
    clock.set(start() + TimeDelta::hours(1));
    assert_eq!(
        app.nnid_states(&numbers[1..]).await.expect("read")[0].handover,
        NnidHandover::Refused,
        "a refusal outweighs the release time"
    );
    let unported = number("+13125550003");
    let set = app
        .set_nnid_handover(unported.clone(), NnidOutcome::Refused)
        .await
        .expect("set");
    assert_eq!(set.handover, NnidHandover::Refused);
    let back = app
        .set_nnid_handover(unported, NnidOutcome::Ours)
        .await
        .expect("set");
    assert_eq!(
        (back.handover, back.nnid.as_str()),
        (NnidHandover::Ours, PLATFORM_NNID),
        "our NNID clears the refusal"
    );
}

#[tokio::test]
async fn a_batch_holds_at_most_a_thousand_numbers() {
    let Harness { app, .. } = harness().await;
    let many = vec![at_foc(); 1_001];
    assert!(matches!(
        app.nnid_states(&many).await,
        Err(Error::Request {
            field: "phone_numbers",
            ..
        })
    ));
    assert!(matches!(
        app.port(AccountId::new(), Uuid::from_u128(1), &many, start())
            .await,
        Err(Error::Request { .. })
    ));
    assert!(matches!(
        app.override_nnids(&many).await,
        Err(Error::Request { .. })
    ));
}
