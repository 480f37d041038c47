use super::*;

const RIGHT: &[u8] = b"right";

fn policy() -> Policy {
    Policy {
        code_ttl: Duration::minutes(10),
        max_wrong_tries: 5,
        resend_cooldown: Duration::seconds(60),
        daily_sends: 5,
        daily_wrong_tries: 10,
    }
}

fn start() -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000, 0).expect("valid")
}

/// A code whose hash is `RIGHT`, sent at `at`.
fn issued(at: DateTime<Utc>) -> IssuedCode {
    IssuedCode {
        id: VerificationCodeId::new(),
        hash: CodeHash(RIGHT.to_vec()),
        method: Method::Sms,
        sent_at: at,
        expires_at: at + policy().code_ttl,
        wrong_tries: 0,
    }
}

fn sent_at(at: DateTime<Utc>) -> NumberState {
    let mut state = NumberState::default();
    state.issue(issued(at));
    state
}

fn try_code(state: &mut NumberState, at: DateTime<Utc>, attempt: &[u8]) -> CheckOutcome {
    state.check(at, &policy(), |code| code.hash.0 == attempt)
}

fn rejected(rejection: Rejection) -> CheckOutcome {
    CheckOutcome::Rejected(rejection)
}

#[test]
fn codes_are_six_digits_drawn_without_bias_and_never_shown_by_debug() {
    assert_eq!(Code::from_random(0).expect("in range").digits(), "000000");
    assert_eq!(
        Code::from_random(1_234_567).expect("in range").digits(),
        "234567"
    );
    assert_eq!(
        Code::from_random(UNBIASED_LIMIT - 1)
            .expect("in range")
            .digits(),
        "999999"
    );
    assert_eq!(Code::from_random(UNBIASED_LIMIT), None);
    assert_eq!(Code::from_random(u32::MAX), None);
    let code = Code::from_random(123_456).expect("in range");
    assert!(!format!("{code:?}").contains("123456"));
}

#[test]
fn a_number_without_a_code_is_rejected_and_may_be_sent_one_now() {
    let mut state = NumberState::default();
    let now = start();
    assert_eq!(
        try_code(&mut state, now, RIGHT),
        rejected(Rejection::NoCodeSent)
    );
    assert_eq!(state, NumberState::default(), "nothing counted");
    assert_eq!(state.may_send(now, &policy()), Ok(()));
    assert_eq!(state.attempts_remaining(now, &policy()), 0);
    assert_eq!(state.resend_allowed_at(now, &policy()), Some(now));
}

#[test]
fn a_fresh_code_allows_every_try_and_a_resend_after_the_cooldown() {
    let state = sent_at(start());
    assert_eq!(state.attempts_remaining(start(), &policy()), 5);
    assert_eq!(
        state.live_code(start(), &policy()).map(|c| c.expires_at),
        Some(start() + Duration::minutes(10))
    );
    assert_eq!(
        state.resend_allowed_at(start(), &policy()),
        Some(start() + Duration::seconds(60))
    );
}

#[test]
fn a_wrong_try_costs_one_attempt_and_one_from_the_budget() {
    let mut state = sent_at(start());
    let at = start() + Duration::seconds(5);
    assert_eq!(
        try_code(&mut state, at, b"wrong"),
        rejected(Rejection::WrongCode)
    );
    assert_eq!(state.attempts_remaining(at, &policy()), 4);
    assert_eq!(state.budget.wrong_tries, vec![at]);
    assert_eq!(state.code.as_ref().map(|c| c.wrong_tries), Some(1));
}

#[test]
fn the_fifth_wrong_try_kills_the_code_even_for_the_right_one() {
    let mut state = sent_at(start());
    for remaining in (0..5).rev() {
        assert_eq!(
            try_code(&mut state, start(), b"wrong"),
            rejected(Rejection::WrongCode)
        );
        assert_eq!(state.attempts_remaining(start(), &policy()), remaining);
    }
    assert_eq!(
        try_code(&mut state, start(), RIGHT),
        rejected(Rejection::AttemptsExhausted)
    );
    assert_eq!(
        state.budget.wrong_tries.len(),
        5,
        "a dead code costs no more"
    );
    assert_eq!(state.live_code(start(), &policy()), None);
}

#[test]
fn the_right_code_verifies_once_and_is_consumed() {
    let mut state = sent_at(start());
    let at = start() + Duration::minutes(9);
    assert_eq!(try_code(&mut state, at, RIGHT), CheckOutcome::Verified);
    assert_eq!(state.code, None);
    assert_eq!(state.verified_at, Some(at));
    assert_eq!(
        try_code(&mut state, at, b"anything"),
        CheckOutcome::AlreadyVerified
    );
    assert_eq!(
        state.may_send(at + Duration::hours(1), &policy()),
        Err(SendFailure::AlreadyVerified)
    );
    assert_eq!(state.attempts_remaining(at, &policy()), 0);
    assert_eq!(state.resend_allowed_at(at, &policy()), None);
}

#[test]
fn a_code_expires_at_its_ttl() {
    let mut state = sent_at(start());
    let expiry = start() + Duration::minutes(10);
    assert!(
        state
            .live_code(expiry - Duration::microseconds(1), &policy())
            .is_some()
    );
    assert_eq!(
        try_code(&mut state, expiry, RIGHT),
        rejected(Rejection::Expired)
    );
    assert_eq!(state.attempts_remaining(expiry, &policy()), 0);
    assert!(
        state.budget.wrong_tries.is_empty(),
        "an expired code costs nothing"
    );
}

#[test]
fn a_resend_waits_for_the_cooldown_and_replaces_the_code() {
    let mut state = sent_at(start());
    try_code(&mut state, start(), b"wrong");
    let early = start() + Duration::seconds(59);
    assert_eq!(state.may_send(early, &policy()), Err(SendFailure::Cooldown));
    let ready = start() + Duration::seconds(60);
    assert_eq!(state.may_send(ready, &policy()), Ok(()));
    let next = issued(ready);
    state.issue(next.clone());
    assert_eq!(state.code, Some(next));
    assert_eq!(
        state.attempts_remaining(ready, &policy()),
        5,
        "a new code starts afresh"
    );
    assert_eq!(state.budget.sends, vec![start(), ready]);
}

#[test]
fn the_daily_sends_run_out_and_come_back_a_day_after_the_oldest() {
    let mut state = NumberState::default();
    let mut at = start();
    for _ in 0..5 {
        assert_eq!(state.may_send(at, &policy()), Ok(()));
        state.issue(issued(at));
        at += Duration::seconds(61);
    }
    assert_eq!(
        state.may_send(at, &policy()),
        Err(SendFailure::BudgetExhausted)
    );
    let frees = start() + BUDGET_WINDOW;
    assert_eq!(state.resend_allowed_at(at, &policy()), Some(frees));
    assert_eq!(
        state.may_send(frees - Duration::microseconds(1), &policy()),
        Err(SendFailure::BudgetExhausted)
    );
    assert_eq!(state.may_send(frees, &policy()), Ok(()));
    state.issue(issued(frees));
    assert_eq!(
        state.budget.sends.len(),
        5,
        "the oldest send left the window"
    );
    let checked = try_code(&mut state, frees, RIGHT);
    assert_eq!(
        checked,
        CheckOutcome::Verified,
        "the last code sent still counts"
    );
}

#[test]
fn the_daily_wrong_tries_run_out_over_codes_and_stop_checks_and_sends() {
    let mut state = sent_at(start());
    for _ in 0..5 {
        try_code(&mut state, start(), b"wrong");
    }
    let later = start() + Duration::minutes(2);
    state.issue(issued(later));
    for remaining in (0..5).rev() {
        assert_eq!(
            try_code(&mut state, later, b"wrong"),
            rejected(Rejection::WrongCode)
        );
        assert_eq!(state.attempts_remaining(later, &policy()), remaining);
    }
    assert_eq!(
        try_code(&mut state, later, RIGHT),
        rejected(Rejection::BudgetExhausted)
    );
    assert_eq!(
        state.may_send(later + Duration::hours(1), &policy()),
        Err(SendFailure::BudgetExhausted)
    );
    assert_eq!(
        state.resend_allowed_at(later, &policy()),
        Some(start() + BUDGET_WINDOW)
    );
}

#[test]
fn the_budget_caps_a_fresh_codes_attempts() {
    let mut state = sent_at(start());
    for _ in 0..5 {
        try_code(&mut state, start(), b"wrong");
    }
    let later = start() + Duration::minutes(2);
    state.issue(issued(later));
    for _ in 0..3 {
        try_code(&mut state, later, b"wrong");
    }
    state.issue(issued(later + Duration::minutes(2)));
    assert_eq!(
        state.attempts_remaining(later + Duration::minutes(2), &policy()),
        2
    );
}

#[test]
fn a_reset_forgets_the_code_and_the_verification_but_not_the_budget() {
    let mut state = sent_at(start());
    try_code(&mut state, start(), b"wrong");
    try_code(&mut state, start(), RIGHT);
    let budget = state.budget.clone();
    state.reset();
    assert_eq!(state.verified_at, None);
    assert_eq!(state.code, None);
    assert_eq!(state.budget, budget);
    assert_eq!(
        try_code(&mut state, start(), RIGHT),
        rejected(Rejection::NoCodeSent)
    );
    assert_eq!(
        state.may_send(start() + Duration::seconds(1), &policy()),
        Err(SendFailure::Cooldown),
        "a reset does not skip the cooldown"
    );
}

#[test]
fn answers_say_when_to_come_back_rounded_up_to_the_second() {
    let mut state = sent_at(start() + Duration::milliseconds(250));
    let now = start() + Duration::seconds(1);
    let answer = SendAnswer::of(&state, Err(SendFailure::Cooldown), now, &policy());
    assert_eq!(
        answer.resend_allowed_at,
        Some(start() + Duration::milliseconds(60_250))
    );
    let error = answer.error().expect("a failure has an error");
    assert!(error.contains("2023-11-14T22:14:21Z"), "{error}");
    assert_eq!(answer.attempts_remaining, 5);
    assert!(answer.expires_at.is_some());

    let checked = try_code(&mut state, now, b"wrong");
    let answer = CheckAnswer::of(&state, checked, now, &policy());
    assert_eq!(answer.attempts_remaining, 4);
    assert_eq!(answer.outcome, rejected(Rejection::WrongCode));

    let sent = SendAnswer::of(&state, Ok(VerificationCodeId::new()), now, &policy());
    assert_eq!(sent.error(), None);
    let invalid = SendAnswer::not_e164(E164Error::MissingPlus);
    assert!(invalid.error().expect("error").contains("+E164"));
}

#[test]
fn messages_carry_the_code_and_its_lifetime() {
    let code = Code::from_random(42).expect("in range");
    let sms = message_body(Method::Sms, &code, Duration::minutes(10));
    assert!(
        sms.contains("000042") && sms.contains("10 minutes"),
        "{sms}"
    );
    let call = message_body(Method::Call, &code, Duration::seconds(90));
    assert!(
        call.contains("0, 0, 0, 0, 4, 2") && call.contains("90 seconds"),
        "{call}"
    );
    let short = message_body(Method::Sms, &code, Duration::minutes(1));
    assert!(short.contains("1 minute."), "{short}");
}

#[test]
fn requests_carry_one_to_a_thousand_numbers_each_parsed_alone() {
    let none: [&str; 0] = [];
    assert_eq!(
        parse_numbers(none.into_iter()),
        Err(RequestError::NoNumbers)
    );
    let many = vec!["+13125550001"; 1_001];
    assert_eq!(
        parse_numbers(many.into_iter()),
        Err(RequestError::TooManyNumbers)
    );
    let parsed = parse_numbers(["+13125550001", "312"].into_iter()).expect("within the cap");
    assert!(parsed[0].is_ok());
    assert_eq!(parsed[1], Err(E164Error::MissingPlus));
}

#[test]
fn methods_round_trip_through_their_stored_text() {
    for method in [Method::Sms, Method::Call] {
        assert_eq!(Method::parse(method.as_str()), Some(method));
    }
    assert_eq!(Method::parse("SMS"), None);
}
