//! The business clock: in `up` every service reads one clock, which the sandbox API moves
//! forward, so a test passes the 72 h approval window without sleeping; webhook timestamps stay
//! wall-clock.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use textport_domain::{Clock as _, SystemClock};

use crate::events::{Received, Receiver, assert_signed, create_profile};
use crate::support::{self, Reply, TestSuite};

const CLOCK: &str = "/sandbox/v1/clock";
const ADVANCE: &str = "/sandbox/v1/clock/advance";
/// Held by `globex` in `up`'s demo holdings, transferable.
const GLOBEX_NUMBER: &str = "+13125552105";
/// 72 h and a minute: just past the default approval window.
const PAST_THE_WINDOW: i64 = 72 * 3600 + 60;

/// The clock's `now` and `offset_seconds`, checking the answer's shape on the way.
#[track_caller]
fn clock_of(reply: &Reply) -> (DateTime<Utc>, i64) {
    assert_eq!(reply.status, 200, "{}", reply.body);
    let data = &reply.body["data"];
    assert_eq!(data["record_type"], "sandbox_clock");
    let now = data["now"].as_str().expect("now");
    // RFC 3339 in UTC with milliseconds, like every time the API answers.
    assert!(now.ends_with('Z') && now.len() == 24, "{now}");
    let now = DateTime::parse_from_rfc3339(now)
        .expect("RFC 3339")
        .with_timezone(&Utc);
    (
        now,
        data["offset_seconds"].as_i64().expect("offset_seconds"),
    )
}

#[track_caller]
fn assert_near(at: DateTime<Utc>, expected: DateTime<Utc>) {
    assert!(
        (at - expected).num_seconds().abs() < 60,
        "{at} is not near {expected}"
    );
}

/// The first webhook of `event_type`, waiting at most 90 s: a hop that failed once on a loaded
/// machine is retried after a backoff of up to 60 s (the relays' cap), and delivery is still due.
async fn wait_for_event(receiver: &Receiver, event_type: &str) -> Received {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    loop {
        let received = receiver.received();
        if let Some(hook) = received
            .iter()
            .find(|hook| hook.json()["data"]["event_type"] == event_type)
        {
            return hook.clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no {event_type}: {:?}",
            received
                .iter()
                .map(|hook| hook.json()["data"]["event_type"].clone())
                .collect::<Vec<Value>>()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn advance(suite: &TestSuite, key: &str, body: Value) -> Reply {
    suite.post(ADVANCE, key, body).await
}

#[tokio::test(flavor = "multi_thread")]
async fn moving_the_clock_through_the_api_auto_approves_a_transfer_without_sleeping() {
    let suite = support::spawn_up(textport::Config::default()).await;
    let public_key = suite.state.webhook_public_key.clone();
    let acme = suite.acme().api_key.clone();
    let (now, offset) = clock_of(&suite.get(CLOCK, &acme).await);
    assert_eq!(offset, 0);
    assert_near(now, SystemClock.now());

    let receiver = Receiver::start(&[]).await;
    let profile = create_profile(&suite, &acme, (&receiver.url(), None)).await;
    let order = suite
        .post(
            "/v2/messaging_hosted_number_orders",
            &acme,
            json!({"phone_numbers": [GLOBEX_NUMBER], "messaging_profile_id": profile}),
        )
        .await;
    assert_eq!(order.status, 200, "{}", order.body);
    // The window must be open before time moves, or it would open 72 h after the new now.
    let requested = wait_for_event(
        &receiver,
        "messaging_hosted_numbers_orders.internal_transfer_approval_requested",
    )
    .await;
    assert_eq!(requested.json()["data"]["payload"]["decision"], "pending");

    let moved = advance(&suite, &acme, json!({"seconds": PAST_THE_WINDOW})).await;
    let (now, offset) = clock_of(&moved);
    assert_eq!(offset, PAST_THE_WINDOW);
    assert_near(
        now,
        SystemClock.now() + chrono::Duration::seconds(PAST_THE_WINDOW),
    );

    let approved = wait_for_event(
        &receiver,
        "messaging_hosted_numbers_orders.internal_transfer_auto_approved",
    )
    .await;
    let event = approved.json();
    assert_eq!(event["data"]["payload"]["decision"], "approved");
    // The event happened in business time, 72 h from now on the wall clock …
    let occurred =
        DateTime::parse_from_rfc3339(event["data"]["occurred_at"].as_str().expect("occurred_at"))
            .expect("RFC 3339")
            .with_timezone(&Utc);
    assert!(
        occurred >= SystemClock.now() + chrono::Duration::hours(72),
        "occurred_at {occurred} is business time"
    );
    // … while the signature's timestamp is the wall clock's, which receivers check.
    assert_signed(&approved, &public_key);

    let (_, offset) = clock_of(&suite.get(CLOCK, &suite.globex().api_key).await);
    assert_eq!(offset, PAST_THE_WINDOW, "one clock for every caller");
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_amount_is_a_400_naming_seconds_and_moves_nothing() {
    let suite = support::spawn_up(support::plain_config()).await;
    let acme = suite.acme().api_key.clone();
    let max = textport_domain::OffsetClock::MAX_STEP.num_seconds();
    for body in [
        json!({"seconds": 0}),
        json!({"seconds": -60}),
        json!({"seconds": 1.5}),
        json!({"seconds": "60"}),
        json!({"seconds": null}),
        json!({}),
        json!({"seconds": max + 1}),
        json!({"seconds": i64::MAX}),
    ] {
        let refused = advance(&suite, &acme, body.clone()).await;
        refused.assert_error(400, "10015");
        assert_eq!(
            refused.error_source("pointer"),
            Some("/seconds"),
            "{body}: {}",
            refused.body
        );
    }
    let unauthenticated = suite
        .call(Method::POST, ADVANCE, None, Some(json!({"seconds": 60})))
        .await;
    unauthenticated.assert_error(401, "10009");
    let (_, offset) = clock_of(&suite.get(CLOCK, &acme).await);
    assert_eq!(offset, 0, "nothing moved");

    let (_, offset) = clock_of(&advance(&suite, &acme, json!({"seconds": max})).await);
    assert_eq!(offset, max, "the largest step is allowed");
    suite.stop().await;
}

/// `serve` gives each service the wall clock, which no one may move: the suite started with it
/// answers as a served gateway does.
#[tokio::test(flavor = "multi_thread")]
async fn the_wall_clock_cannot_be_moved() {
    let suite = support::spawn().await;
    let acme = suite.acme().api_key.clone();
    let refused = advance(&suite, &acme, json!({"seconds": 60})).await;
    refused.assert_error(422, "10015");
    assert_eq!(refused.headers["x-should-retry"], "false");
    let detail = refused.body["errors"][0]["detail"]
        .as_str()
        .expect("detail");
    assert!(detail.contains("textport up"), "{detail}");
    let (now, offset) = clock_of(&suite.get(CLOCK, &acme).await);
    assert_eq!(offset, 0);
    assert_near(now, SystemClock.now());
    suite.stop().await;
}
