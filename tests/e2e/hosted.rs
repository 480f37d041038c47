//! Hosted SMS orders end to end through the gateway: eligibility, the order, ownership codes read
//! from the sandbox's phone network, LOA and bill, the operator's review, activation through the
//! routing database, hosted numbers, every failure status (magic numbers and the operator), the
//! recovery of failed numbers, and the mistakes a new user makes.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use textport::Storage;
use textport_domain::{Clock as _, ManualClock, SystemClock};

use crate::events::{Receiver, assert_signed, create_profile, listed, select};
use crate::support::{self, Reply, TestSuite};

const ORDERS: &str = "/v2/messaging_hosted_number_orders";
/// The notification condition of hosted SMS order updates.
const HOSTED_SMS_CONDITION: &str = "2d6fce63-cacc-4b9d-8db5-6640e9409cde";
pub(crate) const LOA: &[u8] = include_bytes!("../fixtures/pdf/loa.pdf");
pub(crate) const BILL: &[u8] = include_bytes!("../fixtures/pdf/bill.pdf");

impl TestSuite {
    async fn operator_post(&self, path: &str, body: Value) -> Reply {
        let key = self.state.operator_api_key.clone();
        self.call(Method::POST, path, Some(&key), Some(body)).await
    }
}

async fn create_order(
    suite: &TestSuite,
    key: &str,
    numbers: &[&str],
    profile: Option<&str>,
) -> Value {
    let reply = suite
        .post(
            ORDERS,
            key,
            json!({"phone_numbers": numbers, "messaging_profile_id": profile}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["data"].clone()
}

fn id_of(order: &Value) -> String {
    order["id"].as_str().expect("an order id").to_owned()
}

fn statuses(order: &Value) -> HashMap<String, String> {
    order["phone_numbers"]
        .as_array()
        .expect("numbers")
        .iter()
        .map(|n| {
            (
                n["phone_number"].as_str().expect("number").to_owned(),
                n["status"].as_str().expect("status").to_owned(),
            )
        })
        .collect()
}

async fn send_codes(
    suite: &TestSuite,
    key: &str,
    order: &str,
    numbers: &[&str],
    method: &str,
) -> Reply {
    suite
        .post(
            &format!("{ORDERS}/{order}/verification_codes"),
            key,
            json!({"phone_numbers": numbers, "verification_method": method}),
        )
        .await
}

/// The newest code the sandbox's phone network carried to each number of the order.
async fn codes(suite: &TestSuite, key: &str, order: &str) -> HashMap<String, String> {
    let reply = suite
        .get(
            &format!("/sandbox/v1/verification_codes?order_id={order}&page[size]=250"),
            key,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let mut codes = HashMap::new();
    for sent in reply.body["data"].as_array().expect("a list") {
        codes
            .entry(sent["phone_number"].as_str().expect("number").to_owned())
            .or_insert_with(|| sent["code"].as_str().expect("code").to_owned());
    }
    codes
}

async fn validate(suite: &TestSuite, key: &str, order: &str, entries: &[(&str, &str)]) -> Reply {
    let codes: Vec<Value> = entries
        .iter()
        .map(|(number, code)| json!({"phone_number": number, "code": code}))
        .collect();
    suite
        .post(
            &format!("{ORDERS}/{order}/validation_codes"),
            key,
            json!({"verification_codes": codes}),
        )
        .await
}

/// Sends codes to every number and validates each with the code the sandbox delivered.
async fn verify(suite: &TestSuite, key: &str, order: &str, numbers: &[&str]) {
    let sent = send_codes(suite, key, order, numbers, "sms").await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let codes = codes(suite, key, order).await;
    let entries: Vec<(&str, &str)> = numbers
        .iter()
        .map(|n| (*n, codes.get(*n).expect("a code was sent").as_str()))
        .collect();
    let reply = validate(suite, key, order, &entries).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    for result in reply.body["data"]["phone_numbers"]
        .as_array()
        .expect("results")
    {
        assert_eq!(result["status"], "verified", "{}", reply.body);
    }
}

fn upload_form(loa: Option<Vec<u8>>, bill: Option<Vec<u8>>) -> reqwest::multipart::Form {
    let part = |bytes: Vec<u8>, name: &str| {
        reqwest::multipart::Part::bytes(bytes)
            .file_name(format!("{name}.pdf"))
            .mime_str("application/pdf")
            .expect("a mime type")
    };
    let mut form = reqwest::multipart::Form::new();
    if let Some(loa) = loa {
        form = form.part("loa", part(loa, "loa"));
    }
    if let Some(bill) = bill {
        form = form.part("bill", part(bill, "bill"));
    }
    form
}

async fn upload(
    suite: &TestSuite,
    key: &str,
    order: &str,
    loa: Option<Vec<u8>>,
    bill: Option<Vec<u8>>,
) -> Reply {
    suite
        .send(
            suite
                .raw(
                    Method::POST,
                    &format!("{ORDERS}/{order}/actions/file_upload"),
                )
                .bearer_auth(key)
                .multipart(upload_form(loa, bill)),
        )
        .await
}

/// Polls the order (at most 30 s) until it has `status`.
async fn order_with_status(suite: &TestSuite, key: &str, order: &str, status: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let reply = suite.get(&format!("{ORDERS}/{order}"), key).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        if reply.body["data"]["status"] == status {
            return reply.body["data"].clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still not {status}: {}",
            reply.body
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// An order verified and documented, waiting on review.
pub(crate) async fn reviewed_order(
    suite: &TestSuite,
    key: &str,
    numbers: &[&str],
    profile: Option<&str>,
) -> String {
    let order = id_of(&create_order(suite, key, numbers, profile).await);
    verify(suite, key, &order, numbers).await;
    let uploaded = upload(suite, key, &order, Some(LOA.to_vec()), Some(BILL.to_vec())).await;
    assert_eq!(uploaded.status, 200, "{}", uploaded.body);
    assert_eq!(
        uploaded.body["data"]["status"], "loa_file_successful",
        "{}",
        uploaded.body
    );
    order
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_goes_from_eligibility_to_a_hosted_number_with_a_signed_webhook_at_each_step() {
    let suite = support::spawn().await;
    let key = suite.acme().api_key.clone();
    let receiver = Receiver::start(&[]).await;
    let profile = create_profile(&suite, &key, (&receiver.url(), None)).await;
    // The account's notification settings add an e-mail for hosted SMS order updates.
    select(
        &suite,
        &key,
        HOSTED_SMS_CONDITION,
        "email",
        "ops@acme.example",
    )
    .await;
    let number = "+13125550001";

    let check = suite
        .post(
            &format!("{ORDERS}/eligibility_numbers_check"),
            &key,
            json!({"phone_numbers": [number]}),
        )
        .await;
    assert_eq!(
        check.body["phone_numbers"][0]["eligible_status"],
        "eligible"
    );

    let created = create_order(&suite, &key, &[number], Some(&profile)).await;
    let order = id_of(&created);
    assert_eq!(created["record_type"], "messaging_hosted_number_order");
    assert_eq!(created["status"], "pending");
    assert_eq!(created["messaging_profile_id"], profile.as_str());
    assert_eq!(created["waiting_on"], "customer_verification");
    assert_eq!(statuses(&created)[number], "pending");

    let sent = send_codes(&suite, &key, &order, &[number], "sms").await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert_eq!(sent.body["data"][0]["type"], "sms");
    assert!(
        sent.body["data"][0]["verification_code_id"].is_string(),
        "{}",
        sent.body
    );
    assert!(sent.body["data"][0]["error"].is_null(), "{}", sent.body);
    let code = codes(&suite, &key, &order).await[number].clone();
    let validated = validate(&suite, &key, &order, &[(number, &code)]).await;
    assert_eq!(validated.body["data"]["order_id"], order.as_str());
    assert_eq!(
        validated.body["data"]["phone_numbers"][0]["status"],
        "verified"
    );
    let again = validate(&suite, &key, &order, &[(number, &code)]).await;
    assert_eq!(
        again.body["data"]["phone_numbers"][0]["status"],
        "already_verified"
    );
    let verified = order_with_status(&suite, &key, &order, "pending").await;
    assert_eq!(statuses(&verified)[number], "ownership_successful");
    assert_eq!(verified["waiting_on"], "documents");

    let uploaded = upload(
        &suite,
        &key,
        &order,
        Some(LOA.to_vec()),
        Some(BILL.to_vec()),
    )
    .await;
    assert_eq!(uploaded.status, 200, "{}", uploaded.body);
    assert_eq!(uploaded.body["data"]["status"], "loa_file_successful");
    assert_eq!(uploaded.body["data"]["waiting_on"], "review");
    assert_eq!(
        uploaded.body["meta"]["warnings"],
        json!([]),
        "{}",
        uploaded.body
    );

    let queue = suite
        .call(
            Method::GET,
            "/operator/v1/hosted_number_orders/awaiting_review",
            Some(&suite.state.operator_api_key),
            None,
        )
        .await;
    assert_eq!(
        queue.body["data"][0]["id"],
        order.as_str(),
        "{}",
        queue.body
    );
    let accepted = suite
        .operator_post(
            &format!("/operator/v1/hosted_number_orders/{order}/actions/accept"),
            json!({"note": "documents match"}),
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(accepted.body["data"]["status"], "provisioning");
    let done = order_with_status(&suite, &key, &order, "successful").await;
    assert_eq!(statuses(&done)[number], "successful");
    assert!(done["waiting_on"].is_null());

    let hosted = suite.get("/v2/messaging_hosted_numbers", &key).await;
    assert_eq!(hosted.body["meta"]["total_results"], 1, "{}", hosted.body);
    let hosted_number = &hosted.body["data"][0];
    assert_eq!(hosted_number["phone_number"], number);
    assert_eq!(hosted_number["record_type"], "messaging_phone_number");
    assert_eq!(hosted_number["type"], "long-code");
    assert_eq!(hosted_number["messaging_profile_id"], profile.as_str());
    let by_profile = suite
        .get(
            &format!("/v2/messaging_profiles/{profile}/phone_numbers"),
            &key,
        )
        .await;
    assert_eq!(
        by_profile.body["data"][0]["phone_number"], number,
        "{}",
        by_profile.body
    );
    let directory = suite
        .get(&format!("/sandbox/v1/numbers/{number}"), &key)
        .await;
    assert_eq!(
        directory.body["data"]["holder_account_id"],
        suite.acme().id.as_str(),
        "{}",
        directory.body
    );

    // created, then one update per step: verified, documents, accepted, activated.
    let received = receiver.wait_for(5).await;
    let mut seen = Vec::new();
    for webhook in &received {
        assert_signed(webhook, &suite.state.webhook_public_key);
        let data = webhook.json()["data"].clone();
        assert_eq!(data["payload"]["order_id"], order.as_str());
        assert_eq!(data["payload"]["profile_id"], profile.as_str());
        assert_eq!(data["payload"]["decision"], "pending");
        seen.push((
            data["event_type"].as_str().expect("type").to_owned(),
            data["payload"]["order_status"]
                .as_str()
                .expect("status")
                .to_owned(),
        ));
    }
    seen.sort();
    assert!(
        seen.contains(&(
            "messaging_hosted_numbers_orders.created".to_owned(),
            "pending".to_owned()
        )),
        "{seen:?}"
    );
    assert!(
        seen.contains(&(
            "messaging_hosted_numbers_orders.updated".to_owned(),
            "successful".to_owned()
        )),
        "{seen:?}"
    );
    assert!(
        seen.contains(&(
            "messaging_hosted_numbers_orders.updated".to_owned(),
            "loa_file_successful".to_owned()
        )),
        "{seen:?}"
    );

    let mail = listed(
        &suite,
        &key,
        "/sandbox/v1/mailbox?filter[to]=ops@acme.example",
        5,
    )
    .await;
    assert!(
        mail.iter().all(|m| m["subject"]
            .as_str()
            .is_some_and(|s| s.contains("messaging_hosted_numbers_orders"))),
        "{mail:?}"
    );

    let timeline = suite.get(&format!("{ORDERS}/{order}/timeline"), &key).await;
    let order_steps: Vec<&str> = timeline.body["data"]["order"]
        .as_array()
        .expect("order entries")
        .iter()
        .map(|e| e["to_status"].as_str().expect("status"))
        .collect();
    assert_eq!(
        order_steps,
        [
            "pending",
            "loa_file_successful",
            "provisioning",
            "successful"
        ]
    );
    let number_steps: Vec<&str> = timeline.body["data"]["phone_numbers"][0]["entries"]
        .as_array()
        .expect("number entries")
        .iter()
        .map(|e| e["to_status"].as_str().expect("status"))
        .collect();
    assert_eq!(
        number_steps,
        ["ownership_successful", "provisioning", "successful"]
    );
    for entry in timeline.body["data"]["order"].as_array().expect("entries") {
        let trace = entry["trace_id"].as_str().unwrap_or_default();
        assert!(entry["actor"].is_string() && entry["occurred_at"].is_string());
        assert!(trace.is_empty() || trace.len() == 32, "{entry}");
    }

    let deleted = suite
        .call(
            Method::DELETE,
            &format!("{ORDERS}/{order}"),
            Some(&key),
            None,
        )
        .await;
    deleted.assert_error(422, "10015");
    assert_eq!(deleted.headers["x-should-retry"], "false");
    assert!(
        deleted.body["errors"][0]["detail"]
            .as_str()
            .expect("detail")
            .contains("status of successful"),
        "{}",
        deleted.body
    );
    let number_id = hosted_number["id"].as_str().expect("id");
    let removed = suite
        .call(
            Method::DELETE,
            &format!("/v2/messaging_hosted_numbers/{number_id}"),
            Some(&key),
            None,
        )
        .await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    assert_eq!(
        removed.body["data"]["record_type"],
        "messaging_hosted_number_order"
    );
    assert_eq!(statuses(&removed.body["data"])[number], "deleted");
    let hosted = suite.get("/v2/messaging_hosted_numbers", &key).await;
    assert_eq!(hosted.body["meta"]["total_results"], 0);
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn magic_numbers_fail_each_their_own_way_at_activation_and_failed_numbers_can_be_retried() {
    let clock = ManualClock::starting_at(SystemClock.now());
    let suite = support::spawn_timed(
        support::plain_config(),
        Storage::fresh("t"),
        Arc::new(clock.clone()),
    )
    .await;
    let key = suite.acme().api_key.clone();
    let cases = [
        ("+13125550002", "successful"),
        ("+13125551120", "failed_carrier_rejected"),
        ("+13125551170", "failed_ineligible_carrier"),
        ("+13125551220", "failed_number_not_found"),
        ("+13125551270", "failed_number_already_hosted"),
        ("+13125551370", "failed_activation"),
        ("+13125551320", "failed_timeout"),
    ];
    let numbers: Vec<&str> = cases.iter().map(|(n, _)| *n).collect();
    let order = reviewed_order(&suite, &key, &numbers, None).await;
    let accepted = suite
        .operator_post(
            &format!("/operator/v1/hosted_number_orders/{order}/actions/accept"),
            json!({}),
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    // Every carrier but the silent one answers at once; the order waits on that one.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let order = suite.get(&format!("{ORDERS}/{order}"), &key).await.body["data"].clone();
        if statuses(&order)["+13125550002"] == "successful" {
            assert_eq!(order["status"], "provisioning");
            assert_eq!(statuses(&order)["+13125551320"], "provisioning");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{order}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    clock.advance(chrono::Duration::hours(25));
    let done = order_with_status(&suite, &key, &order, "successful").await;
    let found = statuses(&done);
    for (number, status) in cases {
        assert_eq!(found[number], status, "{number}: {done}");
    }

    let retried = suite
        .post(
            &format!("{ORDERS}/{order}/actions/retry"),
            &key,
            json!({"phone_numbers": ["+13125551120", "+13125551320"]}),
        )
        .await;
    assert_eq!(retried.status, 200, "{}", retried.body);
    assert_eq!(retried.body["data"]["status"], "pending");
    let after = statuses(&retried.body["data"]);
    assert_eq!(after["+13125551120"], "pending");
    assert_eq!(after["+13125551320"], "pending");
    assert_eq!(
        after["+13125550002"], "successful",
        "the good number keeps its progress"
    );
    assert_eq!(
        after["+13125551220"], "failed_number_not_found",
        "only the listed numbers restart"
    );
    let not_failed = suite
        .post(
            &format!("{ORDERS}/{order}/actions/retry"),
            &key,
            json!({"phone_numbers": ["+13125550002"]}),
        )
        .await;
    not_failed.assert_error(422, "10015");
    assert_eq!(not_failed.error_source("pointer"), Some("/phone_numbers/0"));
    let sent = send_codes(
        &suite,
        &key,
        &order,
        &["+13125551120", "+13125550002"],
        "sms",
    )
    .await;
    assert!(sent.body["data"][0]["error"].is_null(), "{}", sent.body);
    assert!(
        sent.body["data"][1]["error"].is_string(),
        "the good number needs no new code: {}",
        sent.body
    );
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_operator_can_fail_an_order_with_every_documented_failure() {
    let suite = support::spawn().await;
    let key = suite.acme().api_key.clone();
    for (i, (status, number_status)) in [
        ("failed", "failed"),
        ("carrier_rejected", "failed_carrier_rejected"),
        ("ineligible_carrier", "failed_ineligible_carrier"),
        ("compliance_review_failed", "failed"),
        ("incorrect_billing_information", "failed"),
        ("incomplete_documentation", "ownership_successful"),
        ("loa_file_invalid", "ownership_successful"),
    ]
    .into_iter()
    .enumerate()
    {
        let number = format!("+1312555003{i}");
        let order = reviewed_order(&suite, &key, &[&number], None).await;
        let failed = suite
            .operator_post(
                &format!("/operator/v1/hosted_number_orders/{order}/actions/fail"),
                json!({"status": status, "reason": "the bill is for another company"}),
            )
            .await;
        assert_eq!(failed.status, 200, "{status}: {}", failed.body);
        assert_eq!(failed.body["data"]["status"], status);
        assert_eq!(
            failed.body["data"]["failure_reason"],
            "the bill is for another company"
        );
        assert_eq!(
            statuses(&failed.body["data"])[&number],
            number_status,
            "{status}"
        );
    }
    // A number failure of the operator's choice, and a re-upload after `loa_file_invalid`.
    let order = reviewed_order(&suite, &key, &["+13125550040", "+13125550041"], None).await;
    let failed = suite
        .operator_post(
            &format!("/operator/v1/hosted_number_orders/{order}/actions/fail"),
            json!({"status": "loa_file_invalid", "phone_numbers": [{"phone_number": "+13125550041", "status": "failed_ownership_verification"}]}),
        )
        .await;
    assert_eq!(failed.status, 200, "{}", failed.body);
    assert_eq!(
        statuses(&failed.body["data"])["+13125550041"],
        "failed_ownership_verification"
    );
    let again = upload(&suite, &key, &order, Some(LOA.to_vec()), None).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(
        again.body["data"]["status"], "loa_file_successful",
        "back in review: {}",
        again.body
    );
    let bad = suite
        .operator_post(
            &format!("/operator/v1/hosted_number_orders/{order}/actions/fail"),
            json!({"status": "successful"}),
        )
        .await;
    bad.assert_error(422, "10015");
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_users_mistakes_are_clear_errors_and_leave_the_order_consistent() {
    let clock = ManualClock::starting_at(SystemClock.now());
    let suite = support::spawn_timed(
        support::plain_config(),
        Storage::fresh("t"),
        Arc::new(clock.clone()),
    )
    .await;
    let key = suite.acme().api_key.clone();
    let number = "+13125550050";
    let order = id_of(&create_order(&suite, &key, &[number], None).await);

    // Another account's order does not exist for this one.
    let foreign = suite
        .get(&format!("{ORDERS}/{order}"), &suite.globex().api_key)
        .await;
    foreign.assert_error(404, "10005");

    // A second order for the same number is a conflict naming it, not worth retrying.
    let twice = suite
        .post(
            ORDERS,
            &suite.globex().api_key,
            json!({"phone_numbers": ["+13125550051", number]}),
        )
        .await;
    twice.assert_error(409, "10015");
    assert_eq!(twice.error_source("pointer"), Some("/phone_numbers/1"));
    assert_eq!(twice.headers["x-should-retry"], "false");
    // The refused order reserved nothing: its other number can still be ordered.
    create_order(&suite, &suite.globex().api_key, &["+13125550051"], None).await;

    // An ineligible number refuses the whole order, naming it.
    let wireless = suite
        .post(
            ORDERS,
            &key,
            json!({"phone_numbers": ["+13125550052", "+13125550150"]}),
        )
        .await;
    wireless.assert_error(422, "10015");
    assert_eq!(wireless.error_source("pointer"), Some("/phone_numbers/1"));

    // Codes: a re-send too early, then wrong codes past the budget.
    let first = send_codes(&suite, &key, &order, &[number], "sms").await;
    assert_eq!(first.status, 200, "{}", first.body);
    let early = send_codes(&suite, &key, &order, &[number], "sms").await;
    early.assert_error(429, "10011");
    assert!(
        early.headers.contains_key("retry-after"),
        "{:?}",
        early.headers
    );
    assert_eq!(early.headers["x-should-retry"], "false");
    let shown = suite.get(&format!("{ORDERS}/{order}"), &key).await;
    assert_eq!(
        shown.body["data"]["status"], "pending",
        "{} / {}",
        first.body, early.body
    );
    assert_eq!(
        shown.body["data"]["phone_numbers"][0]["code_attempts_remaining"], 5,
        "{}",
        shown.body
    );
    assert!(shown.body["data"]["phone_numbers"][0]["code_resend_allowed_at"].is_string());
    // Five wrong tries kill a code; after the daily budget of wrong tries the number has failed.
    let mut status = String::new();
    'rounds: for round in 0..4 {
        for _ in 0..5 {
            let wrong = validate(&suite, &key, &order, &[(number, "000000")]).await;
            assert_eq!(wrong.status, 200, "after {status}: {}", wrong.body);
            assert_eq!(wrong.body["data"]["phone_numbers"][0]["status"], "rejected");
            let now = suite.get(&format!("{ORDERS}/{order}"), &key).await.body["data"].clone();
            status = statuses(&now)[number].clone();
            if status == "failed_ownership_verification" {
                break 'rounds;
            }
        }
        clock.advance(chrono::Duration::minutes(2));
        let resent = send_codes(&suite, &key, &order, &[number], "sms").await;
        assert_eq!(resent.status, 200, "round {round}: {}", resent.body);
        let now = suite.get(&format!("{ORDERS}/{order}"), &key).await.body["data"].clone();
        status = statuses(&now)[number].clone();
        if status == "failed_ownership_verification" {
            assert!(
                resent.body["data"][0]["error"].is_string(),
                "{}",
                resent.body
            );
            break;
        }
    }
    assert_eq!(status, "failed_ownership_verification");
    let failed = suite.get(&format!("{ORDERS}/{order}"), &key).await;
    assert_eq!(
        failed.body["data"]["status"], "failed",
        "no number is left: {}",
        failed.body
    );
    // A failed number is released: it can be ordered again.
    create_order(&suite, &key, &[number], None).await;

    // Documents: a non-PDF, and a 50 MB body.
    let fresh = id_of(&create_order(&suite, &key, &["+13125550053"], None).await);
    let text = upload(
        &suite,
        &key,
        &fresh,
        Some(b"hello, not a pdf".to_vec()),
        None,
    )
    .await;
    text.assert_error(400, "10015");
    assert_eq!(text.error_source("pointer"), Some("/loa"));
    let huge = upload(
        &suite,
        &key,
        &fresh,
        Some(vec![b'%'; 50 * 1024 * 1024]),
        None,
    )
    .await;
    huge.assert_error(413, "10015");
    let unchanged = suite.get(&format!("{ORDERS}/{fresh}"), &key).await;
    assert_eq!(unchanged.body["data"]["status"], "pending");

    // A replayed Idempotency-Key answers the first create again instead of ordering twice.
    let send_once = || {
        suite
            .raw(Method::POST, ORDERS)
            .bearer_auth(&key)
            .header("Idempotency-Key", "order-once")
            .json(&json!({"phone_numbers": ["+13125550054"]}))
    };
    let once = suite.send(send_once()).await;
    let replayed = suite.send(send_once()).await;
    assert_eq!(once.status, 200, "{}", once.body);
    assert_eq!(replayed.body, once.body);
    let list = suite.get(&format!("{ORDERS}?page[size]=250"), &key).await;
    let with_number = list.body["data"]
        .as_array()
        .expect("orders")
        .iter()
        .filter(|o| o["phone_numbers"][0]["phone_number"] == "+13125550054")
        .count();
    assert_eq!(with_number, 1);
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_concurrent_orders_for_one_number_one_wins_and_the_other_gets_409() {
    let suite = support::spawn().await;
    for round in 0..5 {
        let number = format!("+1312555006{round}");
        let (a, b) = tokio::join!(
            suite.post(
                ORDERS,
                &suite.acme().api_key,
                json!({"phone_numbers": [number]})
            ),
            suite.post(
                ORDERS,
                &suite.globex().api_key,
                json!({"phone_numbers": [number]})
            ),
        );
        let mut codes = [a.status.as_u16(), b.status.as_u16()];
        codes.sort_unstable();
        assert_eq!(codes, [200, 409], "{} / {}", a.body, b.body);
    }
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_number_that_cannot_receive_sms_says_so_and_a_dry_run_stores_nothing() {
    let suite = support::spawn().await;
    let key = suite.acme().api_key.clone();
    let dry = suite
        .post(
            &format!("{ORDERS}?dry_run=true"),
            &key,
            json!({"phone_numbers": ["+13125551420", "+13125550150", "+13125550750"]}),
        )
        .await;
    assert_eq!(dry.status, 200, "{}", dry.body);
    assert_eq!(dry.body["meta"]["dry_run"], true);
    let verdicts = &dry.body["meta"]["phone_numbers"];
    assert_eq!(verdicts[0]["eligible_status"], "eligible");
    assert_eq!(verdicts[1]["eligible_status"], "number_can_not_be_wireless");
    assert!(
        verdicts[2]["internal_transfer_from"].is_string(),
        "{}",
        dry.body
    );
    assert!(
        dry.body["data"]["id"].is_null(),
        "nothing stored, no id: {}",
        dry.body
    );
    let listed = suite.get(ORDERS, &key).await;
    assert_eq!(
        listed.body["meta"]["total_results"], 0,
        "a dry run stores nothing"
    );

    let order = id_of(&create_order(&suite, &key, &["+13125551420", "+13125551470"], None).await);
    let sms = send_codes(
        &suite,
        &key,
        &order,
        &["+13125551420", "+13125551470"],
        "sms",
    )
    .await;
    assert_eq!(sms.status, 200, "{}", sms.body);
    assert!(sms.body["data"][0]["error"].is_string(), "{}", sms.body);
    assert!(sms.body["data"][1]["error"].is_string(), "{}", sms.body);
    let call = send_codes(
        &suite,
        &key,
        &order,
        &["+13125551420", "+13125551470"],
        "call",
    )
    .await;
    assert!(
        call.body["data"][0]["error"].is_null(),
        "a call reaches it: {}",
        call.body
    );
    assert_eq!(call.body["data"][0]["type"], "call");
    assert!(call.body["data"][1]["error"].is_string(), "{}", call.body);
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn orders_list_newest_first_over_pages_and_the_loa_template_is_a_pdf() {
    let suite = support::spawn().await;
    let key = suite.acme().api_key.clone();
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(id_of(
            &create_order(&suite, &key, &[&format!("+1312555007{i}")], None).await,
        ));
    }
    let page = suite
        .get(&format!("{ORDERS}?page[number]=2&page[size]=2"), &key)
        .await;
    assert_eq!(page.body["meta"]["total_pages"], 3);
    assert_eq!(page.body["meta"]["total_results"], 5);
    assert_eq!(page.body["data"][0]["id"], ids[2].as_str());
    assert_eq!(page.body["data"][1]["id"], ids[1].as_str());

    let template = suite
        .raw(Method::GET, &format!("{ORDERS}/{}/loa_template", ids[0]))
        .bearer_auth(&key)
        .send()
        .await
        .expect("answers");
    assert_eq!(template.status(), 200);
    assert_eq!(template.headers()["content-type"], "application/pdf");
    let bytes = template.bytes().await.expect("a body");
    assert!(bytes.starts_with(b"%PDF-"));
    let uploaded = upload(&suite, &key, &ids[0], Some(bytes.to_vec()), None).await;
    assert_eq!(uploaded.status, 200, "{}", uploaded.body);
    let loa_warnings: Vec<&Value> = uploaded.body["meta"]["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .filter(|w| w["document"] == "loa")
        .collect();
    assert!(
        loa_warnings.is_empty(),
        "our own template passes the pre-check: {}",
        uploaded.body
    );
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sandbox_reviews_an_order_itself_after_the_configured_delay() {
    let clock = ManualClock::starting_at(SystemClock.now());
    let mut config = support::plain_config();
    config
        .sections
        .get_mut("hosted_order")
        .expect("hosted_order section")
        .settings
        .insert(
            "auto_review_seconds".to_owned(),
            figment::value::Value::from(600u64),
        );
    let suite = support::spawn_timed(config, Storage::fresh("t"), Arc::new(clock.clone())).await;
    let key = suite.acme().api_key.clone();
    let order = reviewed_order(&suite, &key, &["+13125550080"], None).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let waiting = suite.get(&format!("{ORDERS}/{order}"), &key).await;
    assert_eq!(
        waiting.body["data"]["status"], "loa_file_successful",
        "not before the delay"
    );
    clock.advance(chrono::Duration::seconds(601));
    let done = order_with_status(&suite, &key, &order, "successful").await;
    assert_eq!(statuses(&done)["+13125550080"], "successful");
    let timeline = suite.get(&format!("{ORDERS}/{order}/timeline"), &key).await;
    let accepted = timeline.body["data"]["order"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["to_status"] == "provisioning")
        .cloned()
        .expect("an acceptance");
    assert_eq!(accepted["actor"], "sandbox", "{accepted}");
    suite.stop().await;
}
