//! The holder's internal transfer policy (beyond Telnyx), set through `/v2/internal_transfer_policy`:
//! approve at once, reject when the window lapses, or approve allowlisted receivers without
//! asking; and the 400s naming the field of a bad policy.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use textport_domain::Clock as _;

use crate::events::{Receiver, create_profile};
use crate::internal_transfer::{order_for, timed, wait_for_event};
use crate::support::{Reply, TestSuite};

const POLICY: &str = "/v2/internal_transfer_policy";
const ORDERS: &str = "/v2/messaging_hosted_number_orders";

async fn set_policy(suite: &TestSuite, body: Value) -> Reply {
    suite
        .call(
            Method::PUT,
            POLICY,
            Some(&suite.globex().api_key),
            Some(body),
        )
        .await
}

/// Acme's profile whose webhooks `receiver` gets.
async fn acme_profile(suite: &TestSuite, receiver: &Receiver) -> String {
    create_profile(suite, &suite.acme().api_key, (&receiver.url(), None)).await
}

#[tokio::test(flavor = "multi_thread")]
async fn approve_immediately_approves_the_request_as_it_opens_and_the_receiver_goes_on() {
    let (suite, _clock) = timed().await;
    let public_key = suite.state.webhook_public_key.clone();
    let receiver = Receiver::start(&[]).await;
    let acme = suite.acme().api_key.clone();
    let globex = suite.globex().api_key.clone();

    let defaults = suite.get(POLICY, &globex).await;
    assert_eq!(defaults.status, 200, "{}", defaults.body);
    assert_eq!(
        defaults.body["data"],
        json!({
            "record_type": "internal_transfer_policy",
            "mode": "require_approval",
            "window_hours": 72,
            "allowlist": [],
            "updated_at": null,
        })
    );
    let set = set_policy(&suite, json!({"mode": "approve_immediately"})).await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(set.body["data"]["mode"], "approve_immediately");
    assert_eq!(set.body["data"]["window_hours"], 72);
    assert!(set.body["data"]["updated_at"].is_string(), "{}", set.body);
    assert_eq!(suite.get(POLICY, &globex).await.body, set.body);
    // The policy is the caller's own: acme's is still the default.
    assert_eq!(
        suite.get(POLICY, &acme).await.body["data"]["mode"],
        "require_approval"
    );

    let profile = acme_profile(&suite, &receiver).await;
    let number = "+13125552130";
    let order = order_for(&suite, &[number], Some(&profile)).await;
    let (decision, _) = wait_for_event(
        &receiver,
        &public_key,
        "messaging_hosted_numbers_orders.internal_transfer_auto_approved",
    )
    .await;
    assert_eq!(decision, "approved");
    let sent = suite
        .post(
            &format!("{ORDERS}/{order}/verification_codes"),
            &acme,
            json!({"phone_numbers": [number], "verification_method": "sms"}),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert!(sent.body["data"][0]["error"].is_null(), "{}", sent.body);
    let mail = suite
        .get(
            &format!("/sandbox/v1/mailbox?filter[to]={}", suite.globex().email),
            &globex,
        )
        .await;
    assert!(
        !mail.body.to_string().contains(&order),
        "no approval e-mail: {}",
        mail.body
    );
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn reject_at_deadline_rejects_when_the_holders_window_lapses() {
    let (suite, clock) = timed().await;
    let public_key = suite.state.webhook_public_key.clone();
    let receiver = Receiver::start(&[]).await;
    let acme = suite.acme().api_key.clone();
    let set = set_policy(
        &suite,
        json!({"mode": "reject_at_deadline", "window_hours": 1, "allowlist": []}),
    )
    .await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(set.body["data"]["window_hours"], 1);

    let profile = acme_profile(&suite, &receiver).await;
    let order = order_for(&suite, &["+13125552131"], Some(&profile)).await;
    let (decision, approval_deadline) = wait_for_event(
        &receiver,
        &public_key,
        "messaging_hosted_numbers_orders.internal_transfer_approval_requested",
    )
    .await;
    assert_eq!(decision, "pending");
    let in_1h = clock.now().timestamp() + 3600;
    assert!((approval_deadline.as_i64().expect("unix seconds") - in_1h).abs() < 120);

    clock.advance(chrono::Duration::minutes(61));
    let (decision, _) = wait_for_event(
        &receiver,
        &public_key,
        "messaging_hosted_numbers_orders.internal_transfer_rejected",
    )
    .await;
    assert_eq!(decision, "rejected");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let now = suite.get(&format!("{ORDERS}/{order}"), &acme).await;
        if now.body["data"]["phone_numbers"][0]["status"] == "failed" {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{}", now.body);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_allowlisted_receiver_is_approved_at_once_and_bad_policies_name_their_field() {
    let (suite, _clock) = timed().await;
    let public_key = suite.state.webhook_public_key.clone();
    let receiver = Receiver::start(&[]).await;
    let acme_id = suite.acme().id.clone();

    for (body, pointer) in [
        (json!({"mode": "sometimes"}), "/mode"),
        (json!({"allowlist": []}), "/mode"),
        (
            json!({"mode": "require_approval", "window_hours": 0}),
            "/window_hours",
        ),
        (
            json!({"mode": "require_approval", "window_hours": 8761}),
            "/window_hours",
        ),
        (
            json!({"mode": "require_approval", "window_hours": -1}),
            "/window_hours",
        ),
        (
            json!({"mode": "require_approval", "allowlist": [acme_id, "not-an-account"]}),
            "/allowlist/1",
        ),
    ] {
        let refused = set_policy(&suite, body.clone()).await;
        assert_eq!(refused.status, 400, "{body}: {}", refused.body);
        assert_eq!(refused.error_source("pointer"), Some(pointer), "{body}");
    }
    let unchanged = suite.get(POLICY, &suite.globex().api_key).await;
    assert!(
        unchanged.body["data"]["updated_at"].is_null(),
        "nothing was stored"
    );

    let set = set_policy(
        &suite,
        json!({"mode": "require_approval", "allowlist": [acme_id, acme_id]}),
    )
    .await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(set.body["data"]["allowlist"], json!([acme_id]));

    let profile = acme_profile(&suite, &receiver).await;
    order_for(&suite, &["+13125552132"], Some(&profile)).await;
    let (decision, _) = wait_for_event(
        &receiver,
        &public_key,
        "messaging_hosted_numbers_orders.internal_transfer_auto_approved",
    )
    .await;
    assert_eq!(decision, "approved");

    let doc = suite
        .call(Method::GET, "/v2/openapi.json", None, None)
        .await;
    assert!(doc.body["paths"]["/internal_transfer_policy"]["put"].is_object());
    suite.stop().await;
}
