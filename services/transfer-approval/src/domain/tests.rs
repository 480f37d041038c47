use chrono::Duration;
use url::Url;

use super::*;

fn start() -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000, 0).expect("valid")
}

fn window() -> Duration {
    Duration::hours(72)
}

/// The default policy's terms: the holder decides, and the window's end approves.
fn asking() -> Terms {
    TransferPolicy::default().terms(AccountId::new(), 72)
}

fn number(raw: &str) -> E164 {
    E164::parse(raw).expect("valid")
}

fn token() -> Token {
    Token::from_random_bytes([7; Token::RANDOM_BYTES])
}

fn opening() -> Opening {
    Opening::new(
        OrderId::new(),
        AccountId::new(),
        "Globex".to_owned(),
        vec![Holding {
            from: AccountId::new(),
            phone_numbers: vec![number("+13125550001"), number("+13125550002")],
        }],
    )
    .expect("valid opening")
}

fn pending() -> TransferRequest {
    let opening = opening();
    TransferRequest::open(
        &opening,
        &opening.holdings[0],
        token().hash(),
        start(),
        asking(),
    )
}

fn closed(verdict: Verdict, at: DateTime<Utc>) -> State {
    State::Closed(Outcome { verdict, at })
}

// === opening ===

#[test]
fn an_opened_request_is_pending_until_its_deadline() {
    let opening = opening();
    let request = TransferRequest::open(
        &opening,
        &opening.holdings[0],
        token().hash(),
        start(),
        asking(),
    );
    assert_eq!(request.decision(), Decision::Pending);
    assert_eq!(request.order, opening.order);
    assert_eq!(request.from, opening.holdings[0].from);
    assert_eq!(request.to, opening.to);
    assert_eq!(request.phone_numbers, opening.holdings[0].phone_numbers);
    assert_eq!(request.approval_deadline, start() + window());
    assert_eq!((request.created_at, request.updated_at), (start(), start()));
    assert_eq!(request.outcome(), None);
    assert!(!request.cancelled_by_receiver());
    assert!(!request.lapsed(start() + window() - Duration::seconds(1)));
    assert!(request.lapsed(start() + window()));
}

#[test]
fn an_opening_merges_a_holders_holdings_and_refuses_empty_or_self_transfers() {
    let (order, to, holder, other) = (
        OrderId::new(),
        AccountId::new(),
        AccountId::new(),
        AccountId::new(),
    );
    let holding = |from, numbers: &[&str]| Holding {
        from,
        phone_numbers: numbers.iter().map(|n| number(n)).collect(),
    };
    let merged = Opening::new(
        order,
        to,
        String::new(),
        vec![
            holding(holder, &["+13125550001", "+13125550002"]),
            holding(other, &["+13125550003"]),
            holding(holder, &["+13125550002", "+13125550004"]),
        ],
    )
    .expect("valid");
    assert_eq!(
        merged.holdings,
        vec![
            holding(holder, &["+13125550001", "+13125550002", "+13125550004"]),
            holding(other, &["+13125550003"]),
        ]
    );
    assert_eq!(
        Opening::new(order, to, String::new(), Vec::new()),
        Err(OpeningError::NoHoldings)
    );
    assert_eq!(
        Opening::new(order, to, String::new(), vec![holding(holder, &[])]),
        Err(OpeningError::NoNumbers(holder))
    );
    assert_eq!(
        Opening::new(
            order,
            to,
            String::new(),
            vec![holding(to, &["+13125550001"])]
        ),
        Err(OpeningError::HolderIsReceiver(to))
    );
}

// === pending → approved | rejected ===

#[test]
fn the_holder_approves_with_its_token() {
    let mut request = pending();
    let at = start() + Duration::hours(1);
    assert_eq!(request.decide(Choice::Approve, &token().hash(), at), Ok(()));
    assert_eq!(request.state, closed(Verdict::Approved, at));
    assert_eq!(request.decision(), Decision::Approved);
    assert_eq!(request.updated_at, at);
    assert!(!request.cancelled_by_receiver());
}

#[test]
fn the_holder_rejects_with_its_token() {
    let mut request = pending();
    let at = start() + Duration::hours(1);
    assert_eq!(request.decide(Choice::Reject, &token().hash(), at), Ok(()));
    assert_eq!(request.state, closed(Verdict::Rejected, at));
    assert_eq!(request.decision(), Decision::Rejected);
    assert!(!request.cancelled_by_receiver());
}

#[test]
fn a_wrong_token_changes_nothing_and_the_right_one_still_works() {
    let mut request = pending();
    let before = request.clone();
    let wrong = Token::from_random_bytes([8; Token::RANDOM_BYTES]).hash();
    let at = start() + Duration::hours(1);
    assert_eq!(
        request.decide(Choice::Approve, &wrong, at),
        Err(Refusal::WrongToken)
    );
    assert_eq!(request, before);
    // Even once the window lapsed: only the right token may learn and change anything.
    assert_eq!(
        request.decide(Choice::Approve, &wrong, start() + window()),
        Err(Refusal::WrongToken)
    );
    assert_eq!(request, before);
    assert_eq!(request.decide(Choice::Reject, &token().hash(), at), Ok(()));
}

#[test]
fn a_closed_request_refuses_every_decision_and_says_how_it_closed() {
    for verdict in [
        Verdict::Approved,
        Verdict::Rejected,
        Verdict::CancelledByReceiver,
        Verdict::AutoApproved,
    ] {
        let mut request = pending();
        request.state = closed(verdict, start());
        let before = request.clone();
        for choice in [Choice::Approve, Choice::Reject] {
            assert_eq!(
                request.decide(choice, &token().hash(), start()),
                Err(Refusal::Closed(verdict))
            );
        }
        assert_eq!(request, before);
    }
}

// === pending → auto_approved ===

#[test]
fn a_lapsed_window_auto_approves_once() {
    let mut request = pending();
    assert!(!request.lapse(start() + window() - Duration::seconds(1)));
    assert_eq!(request.decision(), Decision::Pending);
    let at = start() + window();
    assert!(request.lapse(at));
    assert_eq!(request.state, closed(Verdict::AutoApproved, at));
    assert_eq!(request.decision(), Decision::AutoApproved);
    assert!(!request.lapse(at + Duration::hours(1)), "only once");
    assert_eq!(request.state, closed(Verdict::AutoApproved, at));
}

#[test]
fn deciding_after_the_deadline_finds_it_auto_approved() {
    let mut request = pending();
    let at = start() + window() + Duration::minutes(5);
    assert_eq!(
        request.decide(Choice::Reject, &token().hash(), at),
        Err(Refusal::Closed(Verdict::AutoApproved))
    );
    assert_eq!(request.state, closed(Verdict::AutoApproved, at));
}

#[test]
fn a_decided_request_never_lapses() {
    let mut request = pending();
    let at = start() + Duration::hours(1);
    request
        .decide(Choice::Reject, &token().hash(), at)
        .expect("decided");
    assert!(!request.lapsed(start() + window()));
    assert!(!request.lapse(start() + window()));
    assert_eq!(request.state, closed(Verdict::Rejected, at));
}

// === pending → rejected by the receiver ===

#[test]
fn the_receivers_cancellation_rejects_a_pending_request_once() {
    let mut request = pending();
    let at = start() + Duration::hours(2);
    assert!(request.cancel(at));
    assert_eq!(request.state, closed(Verdict::CancelledByReceiver, at));
    assert_eq!(request.decision(), Decision::Rejected);
    assert!(request.cancelled_by_receiver());
    assert!(!request.cancel(at + Duration::hours(1)), "idempotent");
    assert_eq!(request.state, closed(Verdict::CancelledByReceiver, at));
}

#[test]
fn a_cancellation_leaves_a_decided_request_as_it_is() {
    let mut request = pending();
    let at = start() + Duration::hours(1);
    request
        .decide(Choice::Approve, &token().hash(), at)
        .expect("decided");
    let before = request.clone();
    assert!(!request.cancel(at + Duration::hours(1)));
    assert_eq!(request, before);
}

#[test]
fn a_cancellation_after_the_deadline_finds_it_auto_approved() {
    let mut request = pending();
    let at = start() + window();
    assert!(request.cancel(at));
    assert_eq!(request.state, closed(Verdict::AutoApproved, at));
    assert!(!request.cancelled_by_receiver());
}

// === the public decision ===

#[test]
fn decisions_round_trip_and_verdicts_map_onto_them() {
    for decision in [
        Decision::Pending,
        Decision::Approved,
        Decision::Rejected,
        Decision::AutoApproved,
    ] {
        assert_eq!(Decision::parse(decision.as_str()), Some(decision));
    }
    assert_eq!(Decision::parse("cancelled"), None);
    assert_eq!(
        Verdict::CancelledByReceiver.decision(),
        Decision::Rejected,
        "a cancellation is a rejection"
    );
    assert!(Verdict::AutoApproved.detail().contains("automatically"));
    assert!(Verdict::CancelledByReceiver.detail().contains("cancelled"));
}

// === the holder's policy ===

fn policy(mode: Mode, window_hours: Option<u32>, allowlist: Vec<AccountId>) -> TransferPolicy {
    TransferPolicy::new(mode, window_hours, allowlist, start()).expect("valid policy")
}

fn opened_on(terms: Terms) -> TransferRequest {
    let opening = opening();
    TransferRequest::open(
        &opening,
        &opening.holdings[0],
        token().hash(),
        start(),
        terms,
    )
}

#[test]
fn the_default_policy_asks_within_the_services_window_and_approves_at_its_end() {
    let terms = TransferPolicy::default().terms(AccountId::new(), 24);
    assert_eq!(
        terms,
        Terms {
            window: Duration::hours(24),
            at_deadline: AtDeadline::Approve,
            at_once: false,
        }
    );
    assert_eq!(TransferPolicy::default().updated_at, None);
}

#[test]
fn approve_immediately_or_an_allowlisted_receiver_opens_the_request_auto_approved() {
    let receiver = AccountId::new();
    for terms in [
        policy(Mode::ApproveImmediately, None, Vec::new()).terms(receiver, 72),
        policy(Mode::RequireApproval, None, vec![receiver]).terms(receiver, 72),
        policy(Mode::RejectAtDeadline, None, vec![receiver]).terms(receiver, 72),
    ] {
        assert!(terms.at_once);
        let mut request = opened_on(terms);
        assert_eq!(request.state, closed(Verdict::AutoApproved, start()));
        assert_eq!(
            request.decide(Choice::Reject, &token().hash(), start()),
            Err(Refusal::Closed(Verdict::AutoApproved)),
            "nothing is left to decide"
        );
        assert!(!request.lapse(start() + window()));
    }
    let other = policy(Mode::RequireApproval, None, vec![AccountId::new()]).terms(receiver, 72);
    assert!(!other.at_once, "the allowlist names only its accounts");
}

#[test]
fn reject_at_deadline_rejects_a_lapsed_request_and_the_holders_window_sets_the_deadline() {
    let terms = policy(Mode::RejectAtDeadline, Some(1), Vec::new()).terms(AccountId::new(), 72);
    let mut request = opened_on(terms);
    assert_eq!(request.approval_deadline, start() + Duration::hours(1));
    assert!(!request.lapse(start() + Duration::minutes(59)));
    let at = start() + Duration::minutes(61);
    assert!(request.lapse(at));
    assert_eq!(request.state, closed(Verdict::Rejected, at));

    let mut late = opened_on(terms);
    assert_eq!(
        late.decide(Choice::Approve, &token().hash(), at),
        Err(Refusal::Closed(Verdict::Rejected)),
        "a decision after the deadline finds it rejected"
    );
    let mut cancelled = opened_on(terms);
    assert!(cancelled.cancel(at));
    assert_eq!(cancelled.state, closed(Verdict::Rejected, at));
}

#[test]
fn a_policy_takes_windows_of_1_to_8760_hours_and_keeps_each_allowlisted_account_once() {
    for hours in [0, MAX_WINDOW_HOURS + 1] {
        assert_eq!(
            TransferPolicy::new(Mode::RequireApproval, Some(hours), Vec::new(), start()),
            Err(PolicyError::WindowOutOfRange(hours))
        );
    }
    let one = policy(Mode::RequireApproval, Some(1), Vec::new());
    assert_eq!(one.window_hours_or(72), 1);
    assert_eq!(
        policy(Mode::RequireApproval, Some(MAX_WINDOW_HOURS), Vec::new()).window_hours_or(72),
        MAX_WINDOW_HOURS
    );
    assert_eq!(
        policy(Mode::RequireApproval, None, Vec::new()).window_hours_or(72),
        72
    );
    let (a, b) = (AccountId::new(), AccountId::new());
    let listed = policy(Mode::RequireApproval, None, vec![a, b, a]);
    assert_eq!(listed.allowlist, vec![a, b]);
    assert_eq!(listed.updated_at, Some(start()));
    let too_many: Vec<AccountId> = (0..=MAX_ALLOWLIST).map(|_| AccountId::new()).collect();
    assert_eq!(
        TransferPolicy::new(Mode::RequireApproval, None, too_many, start()),
        Err(PolicyError::AllowlistTooLong(MAX_ALLOWLIST + 1))
    );
}

#[test]
fn modes_and_deadline_outcomes_round_trip_their_stored_text() {
    for mode in [
        Mode::RequireApproval,
        Mode::ApproveImmediately,
        Mode::RejectAtDeadline,
    ] {
        assert_eq!(Mode::parse(mode.as_str()), Some(mode));
    }
    assert_eq!(Mode::parse("approve"), None);
    for at in [AtDeadline::Approve, AtDeadline::Reject] {
        assert_eq!(AtDeadline::parse(at.as_str()), Some(at));
    }
    assert_eq!(AtDeadline::parse("require_approval"), None);
}

// === tokens ===

#[test]
fn tokens_are_43_base64url_characters_hashed_with_sha256_and_never_shown() {
    let token = token();
    assert_eq!(token.expose().len(), 43);
    assert!(
        token
            .expose()
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    assert_eq!(format!("{token:?}"), "Token(…)");
    assert_eq!(format!("{:?}", token.hash()), "TokenHash(…)");
    assert_eq!(
        Token::presented(token.expose().to_owned()).hash(),
        token.hash()
    );
    assert_ne!(Token::presented(String::new()).hash(), token.hash());
    assert_eq!(
        TokenHash::from_slice(token.hash().as_bytes()),
        Some(token.hash())
    );
    assert_eq!(TokenHash::from_slice(&[0; 31]), None);
}

// === messages ===

#[test]
fn the_email_carries_the_link_and_the_api_form_and_nothing_else_carries_the_token() {
    let request = pending();
    let token = token();
    let page = Url::parse("https://portal.example/approve?lang=en").expect("url");
    let link = approval_link(&page, request.order, &token);
    assert_eq!(
        link,
        format!(
            "https://portal.example/approve?lang=en&order_id={}&token={}",
            request.order,
            token.expose()
        )
    );
    let message = approval_message(&request, &link, &token);
    let order = request.order;
    for expected in [
        "Globex",
        "+13125550001",
        "+13125550002",
        "2023-11-17T22:13:20Z",
        link.as_str(),
        &format!(
            "POST /v2/messaging_hosted_number_orders/{order}/approve?token={}",
            token.expose()
        ),
        &format!(
            "POST /v2/messaging_hosted_number_orders/{order}/reject?token={}",
            token.expose()
        ),
    ] {
        assert!(
            message.email_body.contains(expected),
            "{expected}: {}",
            message.email_body
        );
    }
    assert!(message.email_subject.contains("Globex"));
    for public in [
        &message.payload_json,
        &message.portal_title,
        &message.portal_body,
        &message.email_subject,
    ] {
        assert!(!public.contains(token.expose()), "{public}");
    }
    let payload: serde_json::Value =
        serde_json::from_str(&message.payload_json).expect("JSON payload");
    assert_eq!(
        payload,
        serde_json::json!({
            "order_id": order.to_string(),
            "numbers": ["+13125550001", "+13125550002"],
            "to_account_name": "Globex",
            "approval_deadline": (start() + window()).timestamp(),
        })
    );
}
