use chrono::Duration as Span;
use sea_orm::DatabaseConnection;
use textport_platform::config::DatabaseConfig;
use textport_platform::db::Schema;

use super::*;
use crate::domain::{Choice, Holding, Opening, Token, TransferPolicy};

const LEASE: Duration = Duration::from_secs(60);

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

fn at(hours: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000, 0).expect("valid") + Span::hours(hours)
}

fn token() -> Token {
    Token::from_random_bytes([3; Token::RANDOM_BYTES])
}

fn opening(order: OrderId, holders: &[AccountId]) -> Opening {
    let holdings = holders
        .iter()
        .enumerate()
        .map(|(i, from)| Holding {
            from: *from,
            phone_numbers: vec![E164::parse(&format!("+1312555{:04}", i + 1)).expect("valid")],
        })
        .collect();
    Opening::new(order, AccountId::new(), "Globex".to_owned(), holdings).expect("valid")
}

/// A pending request per holding, opened at hour 0 with a 72-hour window.
fn requests(opening: &Opening) -> Vec<Stored> {
    opening
        .holdings
        .iter()
        .map(|holding| Stored {
            request: TransferRequest::open(
                opening,
                holding,
                token().hash(),
                at(0),
                TransferPolicy::default().terms(opening.to, 72),
            ),
            traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".to_owned(),
        })
        .collect()
}

fn ids(stored: &[Stored]) -> Vec<TransferRequestId> {
    stored.iter().map(|s| s.request.id).collect()
}

fn outcome(verdict: Verdict, hours: i64) -> Outcome {
    Outcome {
        verdict,
        at: at(hours),
    }
}

#[tokio::test]
async fn an_opening_is_stored_once_per_order_and_holder_and_reads_back_whole() {
    let db = database().await;
    let order = OrderId::new();
    let holders = [AccountId::new(), AccountId::new()];
    let first = requests(&opening(order, &holders));
    let inserted = insert_new(&db, &first).await.expect("inserted");
    assert_eq!(inserted, ids(&first).into_iter().collect());

    // Resent: fresh ids and tokens, the same (order, holder) pairs, and one new holder.
    let mut again = requests(&opening(order, &holders));
    let newcomer = requests(&opening(order, &[AccountId::new()]));
    again.extend(newcomer.clone());
    let inserted = insert_new(&db, &again).await.expect("runs");
    assert_eq!(inserted, ids(&newcomer).into_iter().collect());

    let listed = list(&db, order).await.expect("listed");
    assert_eq!(listed.len(), 3);
    assert_eq!(
        listed[0], first[0].request,
        "the first opening's request stays"
    );
    assert_eq!(listed[1], first[1].request);
    assert_eq!(listed[2], newcomer[0].request);
    assert_eq!(
        find(&db, order, holders[1]).await.expect("found"),
        Some(first[1].request.clone())
    );
    assert_eq!(
        find(&db, order, AccountId::new()).await.expect("runs"),
        None
    );
    assert!(list(&db, OrderId::new()).await.expect("listed").is_empty());
}

#[tokio::test]
async fn a_request_is_closed_once_and_forgets_its_token() {
    let db = database().await;
    let order = OrderId::new();
    let holder = AccountId::new();
    let stored = requests(&opening(order, &[holder]));
    insert_new(&db, &stored).await.expect("inserted");
    let id = stored[0].request.id;

    // Two decisions read it pending; the first to write wins, the second changes nothing.
    let approved = outcome(Verdict::Approved, 1);
    assert_eq!(
        close(&db, &[id], approved, None).await.expect("closed"),
        HashSet::from([id])
    );
    assert!(
        close(&db, &[id], outcome(Verdict::Rejected, 2), None)
            .await
            .expect("runs")
            .is_empty()
    );
    let found = find(&db, order, holder)
        .await
        .expect("read")
        .expect("there");
    assert_eq!(found.state, State::Closed(approved));
    assert_eq!(found.updated_at, at(1));
    // Its token is gone: the same decision with it is refused as closed, not as a wrong token.
    let mut again = found.clone();
    assert_eq!(
        again.decide(Choice::Approve, &token().hash(), at(2)),
        Err(crate::domain::Refusal::Closed(Verdict::Approved))
    );
    // A closed request is never due.
    let (_, claimed) = claim_lapsed(&db, at(100), LEASE, 10).await.expect("claims");
    assert!(claimed.is_empty());
}

#[tokio::test]
async fn a_cancellation_reads_back_as_a_rejection_by_the_receiver() {
    let db = database().await;
    let order = OrderId::new();
    let holders = [AccountId::new(), AccountId::new()];
    let stored = requests(&opening(order, &holders));
    insert_new(&db, &stored).await.expect("inserted");
    let pending = pending_of(&db, &[order, OrderId::new()])
        .await
        .expect("read");
    assert_eq!(pending.len(), 2);
    let cancelled = outcome(Verdict::CancelledByReceiver, 3);
    close(&db, &[stored[0].request.id], cancelled, None)
        .await
        .expect("closed");
    let listed = list(&db, order).await.expect("listed");
    assert_eq!(listed[0].decision(), Decision::Rejected);
    assert!(listed[0].cancelled_by_receiver());
    assert_eq!(listed[0].state, State::Closed(cancelled));
    assert_eq!(
        pending_of(&db, &[order]).await.expect("read"),
        vec![stored[1].request.clone()]
    );
}

#[tokio::test]
async fn lapsed_requests_are_claimed_once_and_auto_approved_once_under_their_claim() {
    let db = database().await;
    let order = OrderId::new();
    let holders = [AccountId::new(), AccountId::new(), AccountId::new()];
    let stored = requests(&opening(order, &holders));
    insert_new(&db, &stored).await.expect("inserted");

    let (_, early) = claim_lapsed(&db, at(71), LEASE, 10).await.expect("claims");
    assert!(early.is_empty(), "not due before the deadline");
    let (token, claimed) = claim_lapsed(&db, at(73), LEASE, 10).await.expect("claims");
    assert_eq!(claimed, stored, "each with the trace that opened it");
    let (_, twice) = claim_lapsed(&db, at(73), LEASE, 10).await.expect("claims");
    assert!(twice.is_empty(), "held by the first claim");

    // The holder decides one of them while the sweeper holds it: the holder's decision lands,
    // the sweeper's does not.
    let decided = stored[0].request.id;
    close(&db, &[decided], outcome(Verdict::Rejected, 73), None)
        .await
        .expect("closed");
    let lapsed = outcome(Verdict::AutoApproved, 73);
    let all = ids(&stored);
    let closed = close(&db, &all, lapsed, Some(token)).await.expect("closed");
    assert_eq!(closed, all[1..].iter().copied().collect());
    assert!(
        close(&db, &all, lapsed, Some(token))
            .await
            .expect("runs")
            .is_empty(),
        "exactly once"
    );
    let listed = list(&db, order).await.expect("listed");
    assert_eq!(listed[0].decision(), Decision::Rejected);
    assert_eq!(listed[1].state, State::Closed(lapsed));
    assert_eq!(listed[2].state, State::Closed(lapsed));
}

#[tokio::test]
async fn a_claim_whose_lease_ran_out_cannot_finish_its_successors_row() {
    let db = database().await;
    let stored = requests(&opening(OrderId::new(), &[AccountId::new()]));
    insert_new(&db, &stored).await.expect("inserted");
    let (stale, _) = claim_lapsed(&db, at(73), LEASE, 10).await.expect("claims");
    let later = at(73) + Span::seconds(61);
    let (current, claimed) = claim_lapsed(&db, later, LEASE, 10).await.expect("claims");
    assert_eq!(claimed.len(), 1, "due again once the lease ran out");
    let lapsed = outcome(Verdict::AutoApproved, 73);
    let all = ids(&stored);
    assert!(
        close(&db, &all, lapsed, Some(stale))
            .await
            .expect("runs")
            .is_empty()
    );
    assert_eq!(
        close(&db, &all, lapsed, Some(current))
            .await
            .expect("closed")
            .len(),
        1
    );
}

#[tokio::test]
async fn a_closed_request_keeps_its_token_hash_aside_for_recognising_it() {
    let db = database().await;
    let order = OrderId::new();
    let holders = [AccountId::new(), AccountId::new()];
    let stored = requests(&opening(order, &holders));
    insert_new(&db, &stored).await.expect("inserted");
    close(
        &db,
        &[stored[0].request.id],
        outcome(Verdict::Approved, 1),
        None,
    )
    .await
    .expect("closed");
    let with = with_tokens(&db, order).await.expect("read");
    assert_eq!(with.len(), 2);
    for (request, token_hash) in &with {
        assert_eq!(
            token_hash.as_ref(),
            Some(&token().hash()),
            "{:?}",
            request.id
        );
        assert_eq!(request.to_name, "Globex");
    }
    assert_eq!(with[0].0.decision(), Decision::Approved);
    assert_eq!(with[1].0.decision(), Decision::Pending);
    assert!(
        with_tokens(&db, OrderId::new())
            .await
            .expect("read")
            .is_empty()
    );
}

#[tokio::test]
async fn requests_from_before_the_receiver_name_read_back_without_one() {
    use sea_orm::{ConnectOptions, ConnectionTrait as _, Database, Statement};
    use sea_orm_migration::MigratorTrait as _;

    let mut options = ConnectOptions::new("sqlite::memory:");
    // One connection: each in-memory SQLite connection is a database of its own.
    options.max_connections(1).min_connections(1);
    let db = Database::connect(options)
        .await
        .expect("in-memory database");
    Migrator::up(&db, Some(2))
        .await
        .expect("the earlier schema");
    let (order, id) = (OrderId::new(), uuid::Uuid::now_v7());
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        "INSERT INTO transfer_requests (id, order_id, from_account_id, to_account_id, \
         phone_numbers, decision, cancelled_by_receiver, approval_deadline, decided_at, \
         token_hash, due_at, claim, traceparent, created_at, updated_at) \
         VALUES (?, ?, ?, ?, '+13125550001', 'approved', false, ?, ?, NULL, NULL, NULL, '', ?, ?)",
        [
            id.into(),
            (*order.as_uuid()).into(),
            uuid::Uuid::now_v7().into(),
            uuid::Uuid::now_v7().into(),
            at(72).into(),
            at(1).into(),
            at(0).into(),
            at(1).into(),
        ],
    ))
    .await
    .expect("an earlier row");
    Migrator::up(&db, None).await.expect("migrated");
    let with = with_tokens(&db, order).await.expect("read");
    assert_eq!(with.len(), 1);
    assert_eq!(with[0].0.to_name, "");
    assert_eq!(with[0].0.decision(), Decision::Approved);
    assert_eq!(
        with[0].1, None,
        "its token was forgotten before hashes were kept"
    );
}

#[tokio::test]
async fn policies_are_read_in_one_batch_replaced_whole_and_requests_keep_their_deadline_outcome() {
    use crate::domain::{AtDeadline, Mode};

    let db = database().await;
    let (first, second, unset) = (AccountId::new(), AccountId::new(), AccountId::new());
    let listed =
        TransferPolicy::new(Mode::RejectAtDeadline, Some(8), vec![unset], at(0)).expect("valid");
    put_policy(&db, first, &listed, at(0)).await.expect("put");
    let plain =
        TransferPolicy::new(Mode::ApproveImmediately, None, Vec::new(), at(1)).expect("valid");
    put_policy(&db, second, &plain, at(1)).await.expect("put");
    let replaced =
        TransferPolicy::new(Mode::RequireApproval, Some(2), Vec::new(), at(2)).expect("valid");
    put_policy(&db, second, &replaced, at(2))
        .await
        .expect("put");

    let read = policies_of(&db, &[first, second, unset])
        .await
        .expect("read");
    assert_eq!(read.len(), 2, "a holder that set none is absent");
    assert_eq!(read[&first], listed);
    assert_eq!(read[&second], replaced);

    let opening = opening(OrderId::new(), &[first]);
    let stored = Stored {
        request: TransferRequest::open(
            &opening,
            &opening.holdings[0],
            token().hash(),
            at(0),
            listed.terms(opening.to, 72),
        ),
        traceparent: String::new(),
    };
    insert_new(&db, std::slice::from_ref(&stored))
        .await
        .expect("inserted");
    let found = find(&db, opening.order, first)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(found.at_deadline, AtDeadline::Reject);
    assert_eq!(found, stored.request);
}
