//! Internal transfer through the gateway: a number held by another account makes the order an
//! internal transfer; the holder gets an e-mail with a one-time token and approves or rejects
//! with its own key; the window auto-approves after 72 h of business time; the receiver hears
//! every step; activation moves the number's holder.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use textport::Storage;
use textport_domain::{Clock as _, ManualClock, SystemClock};

use crate::events::{Receiver, assert_signed, create_profile, listed};
use crate::support::{self, Reply, TestSuite};

const ORDERS: &str = "/v2/messaging_hosted_number_orders";
/// Held by `globex` in `up`'s demo holdings, transferable.
pub(crate) const GLOBEX_NUMBER: &str = "+13125552105";

pub(crate) async fn timed() -> (TestSuite, ManualClock) {
    let clock = ManualClock::starting_at(SystemClock.now());
    let suite = support::spawn_timed(
        textport::Config::default(),
        Storage::fresh("t"),
        Arc::new(clock.clone()),
    )
    .await;
    (suite, clock)
}

pub(crate) async fn order_for(
    suite: &TestSuite,
    numbers: &[&str],
    profile: Option<&str>,
) -> String {
    let reply = suite
        .post(
            ORDERS,
            &suite.acme().api_key,
            json!({"phone_numbers": numbers, "messaging_profile_id": profile}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["data"]["status"], "pending");
    reply.body["data"]["id"].as_str().expect("id").to_owned()
}

/// The token from the newest approval e-mail to globex about `order`.
async fn token_for(suite: &TestSuite, order: &str) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let mail = suite
            .get(
                &format!("/sandbox/v1/mailbox?filter[to]={}", suite.globex().email),
                &suite.globex().api_key,
            )
            .await;
        let found = mail.body["data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["body_text"].as_str())
            .find(|body| body.contains(order))
            .map(str::to_owned);
        if let Some(body) = found {
            let start = body.find("token=").expect("a token in the e-mail") + "token=".len();
            return body[start..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no approval e-mail: {}",
            mail.body
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn decide(suite: &TestSuite, key: &str, order: &str, action: &str, token: &str) -> Reply {
    suite
        .send(
            suite
                .raw(
                    Method::POST,
                    &format!("{ORDERS}/{order}/{action}?token={token}"),
                )
                .bearer_auth(key)
                .header("content-type", "application/json"),
        )
        .await
}

/// Every webhook the receiver got, as (event type, decision, approval_deadline) in arrival order.
fn events(receiver: &Receiver, public_key: &str) -> Vec<(String, String, Value)> {
    receiver
        .received()
        .iter()
        .map(|hook| {
            assert_signed(hook, public_key);
            let data = hook.json()["data"].clone();
            (
                data["event_type"].as_str().expect("type").to_owned(),
                data["payload"]["decision"]
                    .as_str()
                    .expect("decision")
                    .to_owned(),
                data["payload"]["approval_deadline"].clone(),
            )
        })
        .collect()
}

pub(crate) async fn wait_for_event(
    receiver: &Receiver,
    public_key: &str,
    event_type: &str,
) -> (String, Value) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Some((_, decision, approval_deadline)) = events(receiver, public_key)
            .into_iter()
            .find(|(t, _, _)| t == event_type)
        {
            return (decision, approval_deadline);
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no {event_type}: {:?}",
            events(receiver, public_key)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// After the holder approved: the receiver's code, both documents, the operator's accept, and
/// the order as activation leaves it.
async fn complete(suite: &TestSuite, order: &str, number: &str) -> Value {
    let acme = suite.acme().api_key.clone();
    let sent = suite
        .post(
            &format!("{ORDERS}/{order}/verification_codes"),
            &acme,
            json!({"phone_numbers": [number], "verification_method": "sms"}),
        )
        .await;
    assert!(sent.body["data"][0]["error"].is_null(), "{}", sent.body);
    let codes = suite
        .get(
            &format!("/sandbox/v1/verification_codes?order_id={order}"),
            &acme,
        )
        .await;
    let code = codes.body["data"][0]["code"]
        .as_str()
        .expect("a code")
        .to_owned();
    let validated = suite
        .post(
            &format!("{ORDERS}/{order}/validation_codes"),
            &acme,
            json!({"verification_codes": [{"phone_number": number, "code": code}]}),
        )
        .await;
    assert_eq!(
        validated.body["data"]["phone_numbers"][0]["status"], "verified",
        "{}",
        validated.body
    );
    let form = reqwest::multipart::Form::new()
        .part(
            "loa",
            reqwest::multipart::Part::bytes(include_bytes!("../fixtures/pdf/loa.pdf").to_vec())
                .file_name("loa.pdf"),
        )
        .part(
            "bill",
            reqwest::multipart::Part::bytes(include_bytes!("../fixtures/pdf/bill.pdf").to_vec())
                .file_name("bill.pdf"),
        );
    let uploaded = suite
        .send(
            suite
                .raw(
                    Method::POST,
                    &format!("{ORDERS}/{order}/actions/file_upload"),
                )
                .bearer_auth(&acme)
                .multipart(form),
        )
        .await;
    assert_eq!(
        uploaded.body["data"]["status"], "loa_file_successful",
        "{}",
        uploaded.body
    );
    let accepted = suite
        .call(
            Method::POST,
            &format!("/operator/v1/hosted_number_orders/{order}/actions/accept"),
            Some(&suite.state.operator_api_key),
            Some(json!({})),
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let now = suite.get(&format!("{ORDERS}/{order}"), &acme).await;
        if now.body["data"]["status"] != "provisioning" {
            return now.body["data"].clone();
        }
        assert!(tokio::time::Instant::now() < deadline, "{}", now.body);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_holder_approves_with_its_token_and_the_order_completes_with_the_holder_changed() {
    let (suite, clock) = timed().await;
    let public_key = suite.state.webhook_public_key.clone();
    let receiver = Receiver::start(&[]).await;
    let acme = suite.acme().api_key.clone();
    let globex = suite.globex().api_key.clone();
    let profile = create_profile(&suite, &acme, (&receiver.url(), None)).await;
    // The holder's 10DLC link goes with the number.
    let link = suite
        .post(
            "/v2/10dlc/phone_number_campaigns",
            &globex,
            json!({"phoneNumber": GLOBEX_NUMBER, "campaignId": "CGLOBEX1"}),
        )
        .await;
    assert_eq!(link.status, 200, "{}", link.body);
    let order = order_for(&suite, &[GLOBEX_NUMBER], Some(&profile)).await;

    wait_for_event(
        &receiver,
        &public_key,
        "messaging_hosted_numbers_orders.internal_transfer_detected",
    )
    .await;
    let (decision, approval_deadline) = wait_for_event(
        &receiver,
        &public_key,
        "messaging_hosted_numbers_orders.internal_transfer_approval_requested",
    )
    .await;
    assert_eq!(decision, "pending");
    let in_72h = SystemClock.now().timestamp() + 72 * 3600;
    assert!((approval_deadline.as_i64().expect("unix seconds") - in_72h).abs() < 120);

    // Until the holder approves, the receiver cannot prove ownership.
    let early = suite
        .post(
            &format!("{ORDERS}/{order}/verification_codes"),
            &acme,
            json!({"phone_numbers": [GLOBEX_NUMBER], "verification_method": "sms"}),
        )
        .await;
    assert!(early.body["data"][0]["error"].is_string(), "{}", early.body);

    let token = token_for(&suite, &order).await;
    let notices = suite.get("/v2/portal_notices", &globex).await;
    assert!(
        !notices.body.to_string().contains(&token),
        "portal notices carry no token"
    );

    let missing = suite
        .send(
            suite
                .raw(Method::POST, &format!("{ORDERS}/{order}/approve"))
                .bearer_auth(&globex),
        )
        .await;
    missing.assert_error(400, "10015");
    assert_eq!(missing.error_source("parameter"), Some("token"));
    decide(&suite, &acme, &order, "approve", &token)
        .await
        .assert_error(403, "10010");
    let third = suite
        .call(
            Method::POST,
            "/operator/v1/accounts",
            Some(&suite.state.operator_api_key),
            Some(json!({"name": "initech"})),
        )
        .await;
    let third_id = third.body["data"]["id"].as_str().expect("an account");
    let third_key = suite
        .call(
            Method::POST,
            &format!("/operator/v1/accounts/{third_id}/api_keys"),
            Some(&suite.state.operator_api_key),
            Some(json!({"label": "t"})),
        )
        .await
        .body["data"]["api_key"]
        .as_str()
        .expect("a key")
        .to_owned();
    decide(&suite, &third_key, &order, "approve", &token)
        .await
        .assert_error(404, "10005");
    let wrong = decide(&suite, &globex, &order, "approve", "not-the-token").await;
    wrong.assert_error(403, "10010");

    // Business time passes between the request and the decision, as it does outside tests.
    clock.advance(chrono::Duration::minutes(5));
    let approved = decide(&suite, &globex, &order, "approve", &token).await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    assert!(
        approved.body["data"]["messaging_profile_id"].is_null(),
        "the holder sees no profile"
    );
    assert_eq!(
        approved.body["data"]["phone_numbers"][0]["phone_number"],
        GLOBEX_NUMBER
    );
    let reused = decide(&suite, &globex, &order, "approve", &token).await;
    reused.assert_error(422, "10015");
    assert_eq!(reused.headers["x-should-retry"], "false");
    let (decision, _) = wait_for_event(
        &receiver,
        &public_key,
        "messaging_hosted_numbers_orders.internal_transfer_approved",
    )
    .await;
    assert_eq!(decision, "approved");
    let legacy = receiver
        .received()
        .iter()
        .map(|hook| hook.json()["data"]["payload"].clone())
        .find(|payload| payload["approval_decision"] == "approved");
    assert!(
        legacy.is_some(),
        "the older `.updated` with approval_decision is sent too"
    );

    // Then the usual steps: codes, documents, review, activation moves the holder.
    let done = complete(&suite, &order, GLOBEX_NUMBER).await;
    assert_eq!(done["status"], "successful", "{done}");
    let link_path = format!(
        "/v2/10dlc/phone_number_campaigns/{}",
        GLOBEX_NUMBER.replace('+', "%2B")
    );
    for key in [&globex, &acme] {
        suite.get(&link_path, key).await.assert_error(404, "10005");
    }
    let directory = suite
        .get(
            &format!("/sandbox/v1/numbers/{}", GLOBEX_NUMBER.replace('+', "%2B")),
            &acme,
        )
        .await;
    assert_eq!(
        directory.body["data"]["holder_account_id"],
        suite.acme().id.as_str(),
        "{}",
        directory.body
    );
    let hosted = suite.get("/v2/messaging_hosted_numbers", &acme).await;
    assert_eq!(hosted.body["data"][0]["phone_number"], GLOBEX_NUMBER);
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejection_fails_the_number_and_a_token_of_another_order_is_refused() {
    let (suite, _clock) = timed().await;
    let public_key = suite.state.webhook_public_key.clone();
    let receiver = Receiver::start(&[]).await;
    let acme = suite.acme().api_key.clone();
    let globex = suite.globex().api_key.clone();
    let profile = create_profile(&suite, &acme, (&receiver.url(), None)).await;
    let first = order_for(&suite, &["+13125552110"], Some(&profile)).await;
    let second = order_for(&suite, &["+13125552111"], Some(&profile)).await;
    let first_token = token_for(&suite, &first).await;
    let second_token = token_for(&suite, &second).await;
    decide(&suite, &globex, &second, "reject", &first_token)
        .await
        .assert_error(403, "10010");

    let rejected = decide(&suite, &globex, &second, "reject", &second_token).await;
    assert_eq!(rejected.status, 200, "{}", rejected.body);
    let (decision, _) = wait_for_event(
        &receiver,
        &public_key,
        "messaging_hosted_numbers_orders.internal_transfer_rejected",
    )
    .await;
    assert_eq!(decision, "rejected");
    let after = suite.get(&format!("{ORDERS}/{second}"), &acme).await;
    assert_eq!(after.body["data"]["status"], "failed", "{}", after.body);
    assert_eq!(after.body["data"]["phone_numbers"][0]["status"], "failed");
    decide(&suite, &globex, &second, "approve", &second_token)
        .await
        .assert_error(422, "10015");

    // The receiver deleting its order rejects the open request: the holder can decide no more.
    let deleted = suite
        .call(
            Method::DELETE,
            &format!("{ORDERS}/{first}"),
            Some(&acme),
            None,
        )
        .await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let late = decide(&suite, &globex, &first, "approve", &first_token).await;
        if late.status == 422 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{}", late.body);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let rejections = events(&receiver, &public_key)
        .into_iter()
        .filter(|(t, _, _)| t == "messaging_hosted_numbers_orders.internal_transfer_rejected")
        .count();
    assert!(rejections >= 1);
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_window_auto_approves_after_72_hours_and_not_a_minute_before() {
    let (suite, clock) = timed().await;
    let public_key = suite.state.webhook_public_key.clone();
    let receiver = Receiver::start(&[]).await;
    let acme = suite.acme().api_key.clone();
    let profile = create_profile(&suite, &acme, (&receiver.url(), None)).await;
    let order = order_for(&suite, &["+13125552120"], Some(&profile)).await;
    let token = token_for(&suite, &order).await;
    wait_for_event(
        &receiver,
        &public_key,
        "messaging_hosted_numbers_orders.internal_transfer_approval_requested",
    )
    .await;

    clock.advance(chrono::Duration::hours(72) - chrono::Duration::minutes(1));
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        !events(&receiver, &public_key)
            .iter()
            .any(|(t, _, _)| t.ends_with("internal_transfer_auto_approved")),
        "still open a minute before the deadline"
    );
    clock.advance(chrono::Duration::minutes(2));
    let (decision, _) = wait_for_event(
        &receiver,
        &public_key,
        "messaging_hosted_numbers_orders.internal_transfer_auto_approved",
    )
    .await;
    assert_eq!(decision, "approved");
    let late = decide(&suite, &suite.globex().api_key, &order, "reject", &token).await;
    late.assert_error(422, "10015");
    let mail = listed(
        &suite,
        &suite.globex().api_key,
        &format!("/sandbox/v1/mailbox?filter[to]={}", suite.globex().email),
        1,
    )
    .await;
    assert!(!mail.is_empty());
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_number_its_holder_no_longer_holds_at_activation_fails_with_the_reason() {
    let (suite, _clock) = timed().await;
    let number = "+13125552150";
    let order = order_for(&suite, &[number], None).await;
    let token = token_for(&suite, &order).await;
    let approved = decide(&suite, &suite.globex().api_key, &order, "approve", &token).await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    // Meanwhile globex lets the number go: nobody holds it any more.
    let released = suite
        .call(
            Method::PUT,
            &format!("/sandbox/v1/numbers/{}", number.replace('+', "%2B")),
            Some(&suite.globex().api_key),
            Some(json!({"holding": "none"})),
        )
        .await;
    assert_eq!(released.status, 200, "{}", released.body);
    let done = complete(&suite, &order, number).await;
    assert_eq!(done["status"], "failed", "{done}");
    assert_eq!(done["phone_numbers"][0]["status"], "failed_activation");
    let timeline = suite
        .get(&format!("{ORDERS}/{order}/timeline"), &suite.acme().api_key)
        .await;
    let reason = timeline.body["data"]["phone_numbers"][0]["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["to_status"] == "failed_activation")
        .and_then(|e| e["reason"].as_str())
        .unwrap_or_default()
        .to_owned();
    assert!(reason.contains("no longer holds"), "{}", timeline.body);
    suite.stop().await;
}
