use prost::Message as _;
use sea_orm::{EntityTrait as _, QueryOrder as _};
use textport_domain::{Clock as _, E164, ManualClock};
use textport_platform::config::DatabaseConfig;
use textport_platform::db::Schema;
use textport_proto::notifier::v1::{EVENT_KIND, Event};
use textport_proto::transfer_approval::v1::{self as pb, TRANSFER_CHANGED_KIND};

use super::*;
use crate::domain::{Decision, Holding, Verdict};

struct Harness {
    app: App,
    db: DatabaseConnection,
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
    let clock =
        ManualClock::starting_at(DateTime::from_timestamp(1_700_000_000, 0).expect("valid"));
    let policy = Policy {
        window_hours: 72,
        approval_page: Url::parse("https://portal.example/approve").expect("url"),
        sweep_poll: Duration::from_millis(10),
        lease: Duration::from_secs(60),
    };
    let app = App::new(
        db.clone(),
        Arc::new(clock.clone()),
        RelayWaker::default(),
        policy,
    );
    Harness { app, db, clock }
}

fn opening(holders: &[AccountId]) -> Opening {
    let holdings = holders
        .iter()
        .enumerate()
        .map(|(i, from)| Holding {
            from: *from,
            phone_numbers: vec![E164::parse(&format!("+1312555{:04}", i + 1)).expect("valid")],
        })
        .collect();
    Opening::new(
        OrderId::new(),
        AccountId::new(),
        "Globex".to_owned(),
        holdings,
    )
    .expect("valid")
}

fn received<T>(value: T) -> Received<T> {
    Received {
        value,
        traceparent: String::new(),
    }
}

/// What the outbox holds, oldest first: (destination, kind, body).
async fn outbox_rows(db: &DatabaseConnection) -> Vec<(String, String, Vec<u8>)> {
    outbox::entity::Entity::find()
        .order_by_asc(outbox::entity::Column::Id)
        .all(db)
        .await
        .expect("outbox")
        .into_iter()
        .map(|row| (row.destination, row.kind, row.body))
        .collect()
}

/// The `TransferChanged` events for hosted-order, in order.
async fn changes(db: &DatabaseConnection) -> Vec<pb::TransferRequest> {
    outbox_rows(db)
        .await
        .into_iter()
        .filter(|(destination, _, _)| destination == "hosted_order")
        .map(|(_, kind, body)| {
            assert_eq!(kind, TRANSFER_CHANGED_KIND);
            pb::TransferChanged::decode(body.as_slice())
                .expect("TransferChanged")
                .transfer_request
                .expect("a request")
        })
        .collect()
}

async fn notices(db: &DatabaseConnection) -> Vec<Event> {
    outbox_rows(db)
        .await
        .into_iter()
        .filter(|(destination, _, _)| destination == "notifier")
        .map(|(_, kind, body)| {
            assert_eq!(kind, EVENT_KIND);
            Event::decode(body.as_slice()).expect("Event")
        })
        .collect()
}

/// The token of the approval link in an e-mail.
fn token_in(event: &Event) -> Token {
    let body = &event.email.as_ref().expect("an e-mail").body_text;
    let at = body.find("&token=").expect("a link") + "&token=".len();
    Token::presented(body[at..at + 43].to_owned())
}

async fn open_one(h: &Harness) -> (Opening, Token) {
    let opening = opening(&[AccountId::new()]);
    h.app
        .apply(&[received(opening.clone())], &[])
        .await
        .expect("applied");
    let token = token_in(notices(&h.db).await.last().expect("a notice"));
    (opening, token)
}

#[tokio::test]
async fn an_opening_writes_its_request_and_both_events_once_and_the_token_only_in_the_email() {
    let h = harness().await;
    let holders = [AccountId::new(), AccountId::new()];
    let opening = opening(&holders);
    h.app
        .apply(&[received(opening.clone())], &[])
        .await
        .expect("applied");
    // Resent, alone and twice in one delivery: nothing more.
    h.app
        .apply(&[received(opening.clone()), received(opening.clone())], &[])
        .await
        .expect("applied");

    let listed = h.app.list(opening.order).await.expect("listed");
    assert_eq!(listed.len(), 2);
    let deadline = h.clock.now() + chrono::Duration::hours(72);
    let changes = changes(&h.db).await;
    assert_eq!(changes.len(), 2);
    for (change, request) in changes.iter().zip(&listed) {
        assert_eq!(change.id, request.id.to_string());
        assert_eq!(change.decision(), pb::TransferDecision::Pending);
        assert_eq!(
            change.approval_deadline,
            Some(textport_platform::convert::timestamp(deadline))
        );
        assert_eq!(change.decided_at, None);
        assert_eq!(change.to_account_id, opening.to.to_string());
    }
    let notices = notices(&h.db).await;
    assert_eq!(notices.len(), 2);
    for (notice, holder) in notices.iter().zip(holders) {
        assert_eq!(notice.event_type, events::APPROVAL_REQUESTED);
        assert_eq!(notice.account_id, holder.to_string());
        assert_eq!(notice.resource_id, Some(opening.order.to_string()));
        assert_eq!(notice.messaging_profile_id, None);
        assert!(notice.webhook_urls.is_empty());
        let email = notice.email.as_ref().expect("an e-mail");
        assert!(email.to.is_empty(), "the holder's own channels");
        assert!(email.body_text.contains(&format!(
            "https://portal.example/approve?order_id={}&token=",
            opening.order
        )));
        let token = token_in(notice);
        let portal = notice.portal.as_ref().expect("a notice");
        for public in [
            &notice.payload_json,
            &portal.title,
            &portal.body,
            &email.subject,
        ] {
            assert!(!public.contains(token.expose()), "{public}");
        }
        let payload: serde_json::Value = serde_json::from_str(&notice.payload_json).expect("JSON");
        assert_eq!(payload["approval_deadline"], deadline.timestamp());
    }
    // Each e-mail's token is its own request's.
    let first = token_in(&notices[0]);
    assert!(matches!(
        h.app
            .decide(opening.order, holders[1], &first, Choice::Approve)
            .await,
        Err(Error::WrongToken)
    ));
}

#[tokio::test]
async fn a_wrong_token_changes_nothing_and_the_right_one_decides_once() {
    let h = harness().await;
    let (opening, token) = open_one(&h).await;
    let holder = opening.holdings[0].from;
    let before = h.app.list(opening.order).await.expect("listed");
    let events_before = outbox_rows(&h.db).await.len();

    let wrong = Token::presented("not-the-token".to_owned());
    assert!(matches!(
        h.app
            .decide(opening.order, holder, &wrong, Choice::Approve)
            .await,
        Err(Error::WrongToken)
    ));
    assert_eq!(h.app.list(opening.order).await.expect("listed"), before);
    assert_eq!(outbox_rows(&h.db).await.len(), events_before);
    assert!(matches!(
        h.app
            .decide(opening.order, AccountId::new(), &token, Choice::Approve)
            .await,
        Err(Error::NotFound)
    ));

    h.clock.advance(chrono::Duration::hours(1));
    let decided = h
        .app
        .decide(opening.order, holder, &token, Choice::Reject)
        .await
        .expect("decided");
    assert_eq!(decided.decision(), Decision::Rejected);
    assert_eq!(decided.outcome().map(|o| o.at), Some(h.clock.now()));
    assert!(!decided.cancelled_by_receiver());
    let changes = changes(&h.db).await;
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[1].decision(), pb::TransferDecision::Rejected);

    // One-time: the same token again, either way, is refused as decided and writes nothing.
    for choice in [Choice::Approve, Choice::Reject] {
        assert!(matches!(
            h.app.decide(opening.order, holder, &token, choice).await,
            Err(Error::Closed(Verdict::Rejected))
        ));
    }
    assert_eq!(outbox_rows(&h.db).await.len(), events_before + 1);
    // Nor does the window's lapse change it.
    h.clock.advance(chrono::Duration::hours(72));
    assert!(!h.app.window_round().await.expect("a round"));
    assert_eq!(outbox_rows(&h.db).await.len(), events_before + 1);
}

#[tokio::test]
async fn deciding_after_the_deadline_finds_it_auto_approved_and_the_sweeper_adds_nothing() {
    let h = harness().await;
    let (opening, token) = open_one(&h).await;
    let holder = opening.holdings[0].from;
    h.clock.advance(chrono::Duration::hours(73));
    assert!(matches!(
        h.app
            .decide(opening.order, holder, &token, Choice::Reject)
            .await,
        Err(Error::Closed(Verdict::AutoApproved))
    ));
    let listed = h.app.list(opening.order).await.expect("listed");
    assert_eq!(listed[0].decision(), Decision::AutoApproved);
    assert!(!h.app.window_round().await.expect("a round"));
    let changes = changes(&h.db).await;
    assert_eq!(
        changes.iter().map(|c| c.decision()).collect::<Vec<_>>(),
        [
            pb::TransferDecision::Pending,
            pb::TransferDecision::AutoApproved
        ]
    );
}

#[tokio::test]
async fn the_sweeper_auto_approves_each_lapsed_request_once() {
    let h = harness().await;
    let openings: Vec<Received<Opening>> = (0..3)
        .map(|_| received(opening(&[AccountId::new(), AccountId::new()])))
        .collect();
    h.app.apply(&openings, &[]).await.expect("applied");
    h.clock.advance(chrono::Duration::hours(71));
    assert!(!h.app.window_round().await.expect("a round"));
    assert_eq!(changes(&h.db).await.len(), 6, "only the openings");

    h.clock.advance(chrono::Duration::hours(2));
    assert!(!h.app.window_round().await.expect("a round"));
    assert!(!h.app.window_round().await.expect("a round"));
    let approved: Vec<pb::TransferRequest> = changes(&h.db)
        .await
        .into_iter()
        .filter(|c| c.decision() == pb::TransferDecision::AutoApproved)
        .collect();
    assert_eq!(approved.len(), 6);
    let ids: HashSet<&str> = approved.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), 6);
    for received in &openings {
        let listed = h.app.list(received.value.order).await.expect("listed");
        assert!(
            listed
                .iter()
                .all(|r| r.decision() == Decision::AutoApproved)
        );
    }
}

#[tokio::test]
async fn a_cancellation_rejects_the_pending_requests_for_the_receiver_once() {
    let h = harness().await;
    let holders = [AccountId::new(), AccountId::new()];
    let opening = opening(&holders);
    h.app
        .apply(&[received(opening.clone())], &[])
        .await
        .expect("applied");
    let token = token_in(&notices(&h.db).await[0]);
    h.app
        .decide(opening.order, holders[0], &token, Choice::Approve)
        .await
        .expect("approved");
    h.clock.advance(chrono::Duration::hours(1));
    let cancel = received(opening.order);
    h.app
        .apply(&[], std::slice::from_ref(&cancel))
        .await
        .expect("applied");
    h.app.apply(&[], &[cancel]).await.expect("resent");

    let listed = h.app.list(opening.order).await.expect("listed");
    assert_eq!(listed[0].decision(), Decision::Approved, "decided stays");
    assert_eq!(listed[1].decision(), Decision::Rejected);
    assert!(listed[1].cancelled_by_receiver());
    let changes = changes(&h.db).await;
    assert_eq!(
        changes.len(),
        4,
        "two openings, one approval, one cancellation"
    );
    assert!(changes[3].cancelled_by_receiver);
    assert_eq!(changes[3].id, listed[1].id.to_string());
    assert!(matches!(
        h.app
            .decide(
                opening.order,
                holders[1],
                &token_in(&notices(&h.db).await[1]),
                Choice::Approve
            )
            .await,
        Err(Error::Closed(Verdict::CancelledByReceiver))
    ));
}

#[tokio::test]
async fn an_opening_and_its_cancellation_in_one_delivery_leave_it_rejected() {
    let h = harness().await;
    let opening = opening(&[AccountId::new()]);
    h.app
        .apply(&[received(opening.clone())], &[received(opening.order)])
        .await
        .expect("applied");
    let listed = h.app.list(opening.order).await.expect("listed");
    assert!(listed[0].cancelled_by_receiver());
    assert_eq!(changes(&h.db).await.len(), 2);
}

#[tokio::test]
async fn the_token_alone_finds_its_own_request_and_decides_it_once() {
    let h = harness().await;
    let holders = [AccountId::new(), AccountId::new()];
    let opening = opening(&holders);
    h.app
        .apply(&[received(opening.clone())], &[])
        .await
        .expect("applied");
    let tokens: Vec<Token> = notices(&h.db).await.iter().map(token_in).collect();
    let found = h
        .app
        .find_by_token(opening.order, &tokens[1])
        .await
        .expect("found");
    assert_eq!(found.from, holders[1]);
    assert_eq!(found.to_name, "Globex");
    assert_eq!(found.decision(), Decision::Pending);

    // A wrong token, or an order without requests, changes nothing and tells which.
    let events_before = outbox_rows(&h.db).await.len();
    let wrong = Token::presented("not-the-token".to_owned());
    for choice in [Choice::Approve, Choice::Reject] {
        assert!(matches!(
            h.app.decide_by_token(opening.order, &wrong, choice).await,
            Err(Error::WrongToken)
        ));
        assert!(matches!(
            h.app
                .decide_by_token(OrderId::new(), &tokens[0], choice)
                .await,
            Err(Error::NoRequest)
        ));
    }
    assert!(matches!(
        h.app.find_by_token(opening.order, &wrong).await,
        Err(Error::WrongToken)
    ));
    assert!(matches!(
        h.app.find_by_token(OrderId::new(), &tokens[0]).await,
        Err(Error::NoRequest)
    ));
    assert_eq!(outbox_rows(&h.db).await.len(), events_before);

    h.clock.advance(chrono::Duration::hours(1));
    let decided = h
        .app
        .decide_by_token(opening.order, &tokens[1], Choice::Approve)
        .await
        .expect("decided");
    assert_eq!(decided.from, holders[1]);
    assert_eq!(decided.decision(), Decision::Approved);
    let changes = changes(&h.db).await;
    assert_eq!(changes.len(), 3, "two openings and one approval");
    assert_eq!(changes[2].id, decided.id.to_string());
    assert_eq!(changes[2].decision(), pb::TransferDecision::Approved);
    assert_eq!(changes[2].to_account_name, "Globex");

    // The spent token still finds its request, now decided, and decides nothing more; the other
    // holder's request is untouched.
    let again = h
        .app
        .find_by_token(opening.order, &tokens[1])
        .await
        .expect("found");
    assert_eq!(again.decision(), Decision::Approved);
    for choice in [Choice::Approve, Choice::Reject] {
        assert!(matches!(
            h.app
                .decide_by_token(opening.order, &tokens[1], choice)
                .await,
            Err(Error::Closed(Verdict::Approved))
        ));
    }
    assert_eq!(outbox_rows(&h.db).await.len(), events_before + 1);
    let listed = h.app.list(opening.order).await.expect("listed");
    assert_eq!(listed[0].decision(), Decision::Pending);
}

#[tokio::test]
async fn after_the_deadline_the_token_finds_its_request_auto_approved() {
    let h = harness().await;
    let (opening, token) = open_one(&h).await;
    h.clock.advance(chrono::Duration::hours(73));
    let found = h
        .app
        .find_by_token(opening.order, &token)
        .await
        .expect("found");
    assert_eq!(
        found.decision(),
        Decision::AutoApproved,
        "as a decision finds it"
    );
    assert!(matches!(
        h.app
            .decide_by_token(opening.order, &token, Choice::Reject)
            .await,
        Err(Error::Closed(Verdict::AutoApproved))
    ));
    assert_eq!(
        h.app.list(opening.order).await.expect("listed")[0].decision(),
        Decision::AutoApproved
    );
}

// === the holder's policy ===

#[tokio::test]
async fn a_holder_without_a_policy_has_the_defaults_and_a_set_one_reads_back() {
    let h = harness().await;
    let holder = AccountId::new();
    let (policy, service_hours) = h.app.policy(holder).await.expect("read");
    assert_eq!((policy, service_hours), (TransferPolicy::default(), 72));
    let receiver = AccountId::new();
    let (set, _) = h
        .app
        .set_policy(holder, Mode::RejectAtDeadline, Some(5), vec![receiver])
        .await
        .expect("set");
    assert_eq!(h.app.policy(holder).await.expect("read").0, set);
    assert_eq!(set.updated_at, Some(h.clock.now()));
    assert!(matches!(
        h.app
            .set_policy(holder, Mode::RequireApproval, Some(0), Vec::new())
            .await,
        Err(Error::Policy(_))
    ));
    assert_eq!(
        h.app.policy(holder).await.expect("read").0,
        set,
        "unchanged"
    );
}

#[tokio::test]
async fn approve_immediately_and_the_allowlist_open_requests_auto_approved_without_a_token() {
    let h = harness().await;
    let opening = opening(&[AccountId::new(), AccountId::new(), AccountId::new()]);
    let [immediate, allowing, asking] = [0, 1, 2].map(|i| opening.holdings[i].from);
    h.app
        .set_policy(immediate, Mode::ApproveImmediately, None, Vec::new())
        .await
        .expect("set");
    h.app
        .set_policy(allowing, Mode::RejectAtDeadline, None, vec![opening.to])
        .await
        .expect("set");
    h.app
        .apply(&[received(opening.clone())], &[])
        .await
        .expect("applied");

    let opened = changes(&h.db).await;
    let decision_of = |holder: AccountId| {
        opened
            .iter()
            .filter(|c| c.from_account_id == holder.to_string())
            .map(|c| c.decision())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        decision_of(immediate),
        [pb::TransferDecision::AutoApproved],
        "only the outcome is pushed"
    );
    assert_eq!(decision_of(allowing), [pb::TransferDecision::AutoApproved]);
    assert_eq!(decision_of(asking), [pb::TransferDecision::Pending]);
    let notices = notices(&h.db).await;
    assert_eq!(notices.len(), 1, "only the asked holder gets an e-mail");
    assert_eq!(notices[0].account_id, asking.to_string());
    let stored = store::find(&h.db, opening.order, immediate)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(stored.decision(), Decision::AutoApproved);
    assert_eq!(stored.outcome().map(|o| o.at), Some(h.clock.now()));

    // The sweeper finds nothing of them at their deadline.
    h.clock.advance(chrono::Duration::hours(73));
    assert!(!h.app.window_round().await.expect("a round"));
    assert_eq!(changes(&h.db).await.len(), 4, "only the asked one lapsed");
}

#[tokio::test]
async fn reject_at_deadline_makes_the_sweeper_reject_and_a_later_policy_does_not_change_it() {
    let h = harness().await;
    let opening = opening(&[AccountId::new()]);
    let holder = opening.holdings[0].from;
    h.app
        .set_policy(holder, Mode::RejectAtDeadline, Some(1), Vec::new())
        .await
        .expect("set");
    h.app
        .apply(&[received(opening.clone())], &[])
        .await
        .expect("applied");
    let opened = changes(&h.db).await;
    assert_eq!(
        opened[0].approval_deadline,
        Some(textport_platform::convert::timestamp(
            h.clock.now() + chrono::Duration::hours(1)
        ))
    );
    // Open requests keep the policy they opened under.
    h.app
        .set_policy(holder, Mode::RequireApproval, None, Vec::new())
        .await
        .expect("set");
    h.clock.advance(chrono::Duration::minutes(59));
    assert!(!h.app.window_round().await.expect("a round"));
    assert_eq!(changes(&h.db).await.len(), 1);
    h.clock.advance(chrono::Duration::minutes(2));
    assert!(!h.app.window_round().await.expect("a round"));
    assert!(!h.app.window_round().await.expect("a round"));
    let closed = changes(&h.db).await;
    assert_eq!(closed.len(), 2, "closed once");
    assert_eq!(closed[1].decision(), pb::TransferDecision::Rejected);
    assert!(!closed[1].cancelled_by_receiver);
    assert_eq!(
        store::find(&h.db, opening.order, holder)
            .await
            .expect("read")
            .expect("stored")
            .state,
        State::Closed(Outcome {
            verdict: Verdict::Rejected,
            at: h.clock.now(),
        })
    );
}
