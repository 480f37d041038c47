//! Messaging on port-in: porting orders through the public API, the losing carrier through the
//! sandbox's magic numbers and calls, the activation monitor moved by a manual clock, the
//! operator's override and give-up, webhooks at the order's URL, and a restart mid-watch.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use reqwest::Method;
use serde_json::{Value, json};
use textport::Storage;
use textport_domain::{ManualClock, SharedClock};

use crate::events::{Received, Receiver, assert_signed, create_profile};
use crate::hosted::reviewed_order;
use crate::support::{self, Reply, TestSuite};

const ORDERS: &str = "/v2/porting_orders";

struct Porting {
    suite: TestSuite,
    clock: Arc<ManualClock>,
    key: String,
}

impl Porting {
    async fn start() -> Self {
        let clock = Arc::new(ManualClock::starting_at(Utc::now()));
        let shared: SharedClock = clock.clone();
        let suite =
            support::spawn_timed(support::plain_config(), Storage::fresh("t"), shared).await;
        let key = suite.acme().api_key.clone();
        Self { suite, clock, key }
    }

    /// Creates draft orders for `numbers`; answers them.
    async fn create(&self, numbers: &[String]) -> Vec<Value> {
        let reply = self
            .suite
            .post(
                ORDERS,
                &self.key,
                json!({"phone_numbers": numbers, "customer_reference": "ref-1"}),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.body["data"].as_array().expect("orders").clone()
    }

    async fn patch(&self, id: &str, body: Value) -> Reply {
        self.suite
            .call(
                Method::PATCH,
                &format!("{ORDERS}/{id}"),
                Some(&self.key),
                Some(body),
            )
            .await
    }

    async fn action(&self, id: &str, action: &str) -> Reply {
        self.suite
            .call(
                Method::POST,
                &format!("{ORDERS}/{id}/actions/{action}"),
                Some(&self.key),
                None,
            )
            .await
    }

    async fn step(&self, id: &str, step: &str) -> Value {
        let reply = self
            .suite
            .post(
                &format!("/sandbox/v1/porting_orders/{id}/actions/{step}"),
                &self.key,
                json!({}),
            )
            .await;
        assert_eq!(reply.status, 200, "{step}: {}", reply.body);
        reply.body["data"].clone()
    }

    async fn operator(&self, path: &str) -> Reply {
        let key = self.suite.state.operator_api_key.clone();
        self.suite.call(Method::POST, path, Some(&key), None).await
    }

    async fn order(&self, id: &str) -> Value {
        let reply = self.suite.get(&format!("{ORDERS}/{id}"), &self.key).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body["data"].clone()
    }

    /// Polls (at most 30 s) until the order's messaging status is `status`.
    async fn messaging_becomes(&self, id: &str, status: &str) -> Value {
        eventually(&format!("messaging becomes {status}"), async || {
            let order = self.order(id).await;
            (order["messaging"]["messaging_port_status"] == status).then_some(order)
        })
        .await
    }

    /// A draft with messaging enabled, a profile and `webhook_url`, confirmed and with its FOC
    /// date confirmed: ready to port.
    async fn ready(&self, numbers: &[String], webhook_url: Option<&str>) -> String {
        let orders = self.create(numbers).await;
        assert_eq!(orders.len(), 1, "one carrier and type: one order");
        let id = orders[0]["id"].as_str().expect("id").to_owned();
        let profile =
            create_profile(&self.suite, &self.key, ("https://example.com/hook", None)).await;
        let enabled = self
            .patch(
                &id,
                json!({"messaging": {"enable_messaging": true}, "webhook_url": webhook_url}),
            )
            .await;
        assert_eq!(enabled.status, 200, "{}", enabled.body);
        let profiled = self
            .patch(
                &id,
                json!({"phone_number_configuration": {"messaging_profile_id": profile}}),
            )
            .await;
        assert_eq!(profiled.status, 200, "{}", profiled.body);
        assert_eq!(self.action(&id, "confirm").await.status, 200);
        self.step(&id, "confirm_foc").await;
        id
    }

    /// Each number of the order with its messaging status.
    async fn number_statuses(&self, id: &str) -> Vec<(String, String)> {
        let reply = self
            .suite
            .get(
                &format!("/v2/porting_phone_numbers?filter[porting_order_id]={id}&page[size]=250"),
                &self.key,
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body["data"]
            .as_array()
            .expect("numbers")
            .iter()
            .map(|n| {
                (
                    n["phone_number"].as_str().expect("number").to_owned(),
                    n["messaging_port_status"]
                        .as_str()
                        .expect("status")
                        .to_owned(),
                )
            })
            .collect()
    }

    fn advance(&self, minutes: i64) {
        self.clock.advance(TimeDelta::minutes(minutes));
    }
}

/// Polls `probe` (at most 30 s) until it answers; `what` names the wait when it never does.
async fn eventually<T>(what: &str, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(tokio::time::Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn numbers(lines: impl IntoIterator<Item = u32>) -> Vec<String> {
    lines
        .into_iter()
        .map(|line| format!("+1312555{line:04}"))
        .collect()
}

/// The webhooks of `event_type`, in the order they were emitted (event ids are UUIDv7).
fn events_of(received: &[Received], event_type: &str) -> Vec<Value> {
    let mut events: Vec<Value> = received
        .iter()
        .map(Received::json)
        .filter(|w| w["data"]["event_type"] == event_type)
        .collect();
    events.sort_by_key(|w| w["data"]["id"].as_str().unwrap_or_default().to_owned());
    events
}

#[tokio::test(flavor = "multi_thread")]
async fn messaging_follows_voice_from_pending_through_activating_to_ported_with_signed_webhooks() {
    let porting = Porting::start().await;
    let receiver = Receiver::start(&[]).await;
    let mut lines = numbers([1601, 1602, 1]);
    // Outside +1 there is no NNID to wait for: messaging ports with voice.
    lines.push("+442071838750".to_owned());

    let orders = porting.create(&lines).await;
    let order = &orders[0];
    assert_eq!(order["record_type"], "porting_order");
    assert_eq!(order["status"]["value"], "draft");
    assert_eq!(order["support_key"], Value::Null);
    assert_eq!(order["porting_phone_numbers_count"], 4);
    assert_eq!(
        order["messaging"],
        json!({"messaging_capable": true, "enable_messaging": null,
               "messaging_port_status": "not_applicable", "messaging_port_completed": false,
               "divergence_since": null})
    );
    let id = order["id"].as_str().expect("id").to_owned();

    // The seed's order: enable first, the profile in a later PATCH.
    let enabled = porting
        .patch(
            &id,
            json!({"messaging": {"enable_messaging": true}, "webhook_url": receiver.url()}),
        )
        .await;
    assert_eq!(enabled.status, 200, "{}", enabled.body);
    assert_eq!(enabled.body["data"]["messaging"]["enable_messaging"], true);
    assert_eq!(
        enabled.body["data"]["messaging"]["messaging_port_status"],
        "pending"
    );
    assert_eq!(
        enabled.body["meta"]["phone_numbers_url"],
        format!("/porting_phone_numbers?filter[porting_order_id]={id}")
    );
    let refused = porting.action(&id, "confirm").await;
    refused.assert_error(422, "10015");
    assert_eq!(
        refused.error_source("pointer"),
        Some("/phone_number_configuration/messaging_profile_id")
    );
    let profile = create_profile(
        &porting.suite,
        &porting.key,
        ("https://example.com/hook", None),
    )
    .await;
    let profiled = porting
        .patch(
            &id,
            json!({"phone_number_configuration": {"messaging_profile_id": profile},
                   "end_user": {"admin": {"entity_name": "Acme Inc"}}}),
        )
        .await;
    assert_eq!(profiled.status, 200, "{}", profiled.body);
    let kept = &profiled.body["data"];
    assert_eq!(
        kept["messaging"]["enable_messaging"], true,
        "a PATCH keeps what it does not send"
    );
    assert_eq!(kept["webhook_url"], receiver.url());
    assert_eq!(kept["end_user"]["admin"]["entity_name"], "Acme Inc");

    let confirmed = porting.action(&id, "confirm").await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    assert_eq!(confirmed.body["data"]["status"]["value"], "in-process");
    let support_key = confirmed.body["data"]["support_key"]
        .as_str()
        .expect("key")
        .to_owned();
    assert!(support_key.starts_with("sr_"), "{support_key}");
    assert_eq!(
        porting.step(&id, "confirm_foc").await["status"]["value"],
        "foc-date-confirmed"
    );

    // The FOC: voice ports; 1601 and 1602 release their NNID one and two minutes later, the
    // ordinary number at once.
    let ported = porting.step(&id, "port").await;
    assert_eq!(ported["status"]["value"], "ported");
    assert_eq!(ported["messaging"]["messaging_port_status"], "activating");
    assert_eq!(ported["activation_settings"]["activation_status"], "Active");
    let statuses = porting.number_statuses(&id).await;
    assert_eq!(
        statuses,
        vec![
            (lines[0].clone(), "activating".to_owned()),
            (lines[1].clone(), "activating".to_owned()),
            (lines[2].clone(), "ported".to_owned()),
            (lines[3].clone(), "ported".to_owned()),
        ]
    );
    porting.advance(3);
    let done = porting.messaging_becomes(&id, "ported").await;
    assert_eq!(done["messaging"]["messaging_port_completed"], true);
    let listed = porting
        .suite
        .get(
            &format!("/v2/porting_phone_numbers?filter[porting_order_id]={id}"),
            &porting.key,
        )
        .await;
    for number in listed.body["data"].as_array().expect("numbers") {
        assert_eq!(number["messaging_port_status"], "ported");
        assert_eq!(
            number["messaging_profile_id"],
            profile.as_str(),
            "each number gets the profile"
        );
        assert_eq!(number["porting_order_status"], "ported");
        assert_eq!(number["support_key"], support_key.as_str());
    }

    // not_applicable → pending → activating → ported, each signed, with the documented payload.
    let received = receiver.wait_for(6).await;
    let public_key = porting.suite.state.webhook_public_key.clone();
    for webhook in &received {
        assert_signed(webhook, &public_key);
    }
    let messaging = events_of(&received, "porting_order.messaging_changed");
    let steps: Vec<&str> = messaging
        .iter()
        .map(|w| {
            w["data"]["payload"]["messaging"]["messaging_port_status"]
                .as_str()
                .expect("status")
        })
        .collect();
    assert_eq!(steps, ["pending", "activating", "ported"]);
    let last = &messaging[2]["data"];
    assert_eq!(last["record_type"], "event");
    assert_eq!(
        last["payload"],
        json!({"id": id, "customer_reference": "ref-1", "support_key": support_key,
               "messaging": {"messaging_capable": true, "enable_messaging": true,
                             "messaging_port_status": "ported", "messaging_port_completed": true}})
    );
    let status_changes: Vec<String> = events_of(&received, "porting_order.status_changed")
        .iter()
        .map(|w| {
            w["data"]["payload"]["status"]["value"]
                .as_str()
                .expect("status")
                .to_owned()
        })
        .collect();
    assert_eq!(
        status_changes,
        ["in-process", "foc-date-confirmed", "ported"]
    );
    porting.suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kept_nnid_is_an_exception_until_the_carrier_releases_late_or_the_operator_overrides() {
    let porting = Porting::start().await;
    // 1645 releases 45 minutes after the FOC, 1750 never (the override works), 1850 never
    // and refuses the override.
    let lines = numbers([1645, 1750, 1850]);
    let id = porting.ready(&lines, None).await;
    porting.step(&id, "port").await;
    porting.advance(31);
    let order = porting.messaging_becomes(&id, "exception").await;
    assert_eq!(order["messaging"]["messaging_port_completed"], false);
    assert_eq!(
        order["status"]["value"], "ported",
        "voice ported regardless"
    );

    let exceptions = porting
        .suite
        .call(
            Method::GET,
            "/operator/v1/porting_exceptions",
            Some(&porting.suite.state.operator_api_key.clone()),
            None,
        )
        .await;
    assert_eq!(exceptions.status, 200, "{}", exceptions.body);
    let listed: Vec<&str> = exceptions.body["data"]
        .as_array()
        .expect("exceptions")
        .iter()
        .filter(|e| e["porting_order_id"] == id.as_str())
        .map(|e| e["phone_number"].as_str().expect("number"))
        .collect();
    assert_eq!(listed.len(), 3, "{}", exceptions.body);

    // The carrier releases 1645 late.
    porting.advance(15);
    eventually("1645 ports", async || {
        (porting.number_statuses(&id).await[0].1 == "ported").then_some(())
    })
    .await;
    // The operator overrides 1750; 1850's carrier refuses, and its messaging is given up.
    let path = |number: &str, action: &str| {
        format!("/operator/v1/porting_orders/{id}/phone_numbers/{number}/actions/{action}")
    };
    let overridden = porting.operator(&path(&lines[1], "override_nnid")).await;
    assert_eq!(overridden.status, 200, "{}", overridden.body);
    assert_eq!(overridden.body["data"]["messaging_port_status"], "ported");
    assert_eq!(
        overridden.body["meta"]["porting_order"]["messaging"]["messaging_port_status"],
        "exception"
    );
    let refused = porting.operator(&path(&lines[2], "override_nnid")).await;
    refused.assert_error(422, "10015");
    porting
        .operator(&path(&lines[0], "override_nnid"))
        .await
        .assert_error(422, "10015");
    porting
        .operator(&path("+13125550001", "give_up"))
        .await
        .assert_error(404, "10005");
    let given_up = porting.operator(&path(&lines[2], "give_up")).await;
    assert_eq!(given_up.status, 200, "{}", given_up.body);
    assert_eq!(given_up.body["data"]["messaging_port_status"], "canceled");
    assert_eq!(
        given_up.body["meta"]["porting_order"]["messaging"]["messaging_port_status"],
        "partial_port_complete"
    );
    porting.suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn ninety_of_a_hundred_numbers_port_and_the_ten_left_are_the_orders_exception() {
    let porting = Porting::start().await;
    let lines = numbers((1500..1590).chain(1700..1710));
    let id = porting.ready(&lines, None).await;
    porting.step(&id, "port").await;
    porting.advance(31);
    porting.messaging_becomes(&id, "exception").await;

    let statuses = porting.number_statuses(&id).await;
    assert_eq!(statuses.len(), 100);
    for (number, status) in &statuses {
        let expected = if number.as_str() < "+13125551700" {
            "ported"
        } else {
            "exception"
        };
        assert_eq!(status, expected, "{number}");
    }
    let reply = porting
        .suite
        .get(
            &format!(
                "/v2/porting_phone_numbers?filter[porting_order_id]={id}&filter[messaging_port_status]=exception&page[size]=5"
            ),
            &porting.key,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["meta"]["total_results"], 10);
    assert_eq!(reply.body["meta"]["total_pages"], 2);
    assert!(
        reply.body["data"]
            .as_array()
            .expect("numbers")
            .iter()
            .all(|n| {
                n["messaging_exception"] == "nnid_not_released"
                    && n["porting_order_status"] == "ported"
            })
    );
    // Voice ported two hours ago and messaging still lags: the divergence alert (beyond Telnyx).
    assert_eq!(
        porting.order(&id).await["messaging"]["divergence_since"],
        Value::Null
    );
    porting.advance(90);
    eventually("the divergence alert", async || {
        let order = porting.order(&id).await;
        (!order["messaging"]["divergence_since"].is_null()).then_some(())
    })
    .await;
    let ported_orders = porting
        .suite
        .get(
            "/v2/porting_phone_numbers?filter[porting_order_status]=ported",
            &porting.key,
        )
        .await;
    assert_eq!(ported_orders.body["meta"]["total_results"], 100);

    for number in &lines[90..] {
        let path =
            format!("/operator/v1/porting_orders/{id}/phone_numbers/{number}/actions/give_up");
        assert_eq!(porting.operator(&path).await.status, 200);
    }
    let order = porting.order(&id).await;
    assert_eq!(
        order["messaging"]["messaging_port_status"],
        "partial_port_complete"
    );
    assert_eq!(order["messaging"]["messaging_port_completed"], true);
    porting.suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn without_enable_messaging_the_order_ports_voice_and_messaging_stays_not_applicable() {
    let porting = Porting::start().await;
    let orders = porting.create(&numbers([2, 3])).await;
    let id = orders[0]["id"].as_str().expect("id").to_owned();
    assert_eq!(porting.action(&id, "confirm").await.status, 200);
    for step in ["submit", "confirm_foc", "port"] {
        let order = porting.step(&id, step).await;
        assert_eq!(
            order["messaging"]["messaging_port_status"], "not_applicable",
            "{step}"
        );
    }
    porting.advance(60);
    tokio::time::sleep(Duration::from_millis(700)).await;
    let order = porting.order(&id).await;
    assert_eq!(order["status"]["value"], "ported");
    assert_eq!(
        order["messaging"]["messaging_port_status"],
        "not_applicable"
    );
    assert_eq!(order["messaging"]["messaging_port_completed"], false);
    assert!(
        porting
            .number_statuses(&id)
            .await
            .iter()
            .all(|(_, status)| status == "not_applicable")
    );
    porting.suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn enable_messaging_is_refused_on_a_non_capable_order_and_after_submission() {
    let porting = Porting::start().await;
    // 0950: a landline whose carrier cannot port messaging.
    let orders = porting.create(&numbers([950])).await;
    let id = orders[0]["id"].as_str().expect("id").to_owned();
    assert_eq!(orders[0]["messaging"]["messaging_capable"], false);
    let refused = porting
        .patch(&id, json!({"messaging": {"enable_messaging": true}}))
        .await;
    refused.assert_error(422, "10015");
    assert_eq!(
        refused.error_source("pointer"),
        Some("/messaging/enable_messaging")
    );
    assert_eq!(refused.headers["x-should-retry"], "false");

    let orders = porting.create(&numbers([4])).await;
    let id = orders[0]["id"].as_str().expect("id").to_owned();
    assert_eq!(porting.action(&id, "confirm").await.status, 200);
    porting.step(&id, "submit").await;
    let refused = porting
        .patch(
            &id,
            json!({"messaging": {"enable_messaging": true}, "customer_reference": "changed"}),
        )
        .await;
    refused.assert_error(422, "10015");
    assert_eq!(
        refused.error_source("pointer"),
        Some("/messaging/enable_messaging")
    );
    assert!(
        refused.body["errors"][0]["detail"]
            .as_str()
            .expect("detail")
            .contains("submitted"),
        "{}",
        refused.body
    );
    let order = porting.order(&id).await;
    assert_eq!(
        order["customer_reference"], "ref-1",
        "nothing of a refused PATCH is kept"
    );
    assert_eq!(order["messaging"]["enable_messaging"], Value::Null);

    // The seed's trailing comma is not JSON.
    let malformed = porting
        .suite
        .send(
            porting
                .suite
                .raw(Method::PATCH, &format!("{ORDERS}/{id}"))
                .bearer_auth(&porting.key)
                .header("content-type", "application/json")
                .body(r#"{"messaging": {"enable_messaging": true,}}"#),
        )
        .await;
    malformed.assert_error(400, "10015");
    porting.suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn orders_split_by_carrier_and_type_and_bad_numbers_are_refused_by_index() {
    let porting = Porting::start().await;
    // 0150 is wireless with its own carrier, 0850 VoIP with another.
    let orders = porting.create(&numbers([5, 150, 6, 850])).await;
    let shape: Vec<(String, u64)> = orders
        .iter()
        .map(|o| {
            (
                o["phone_number_type"].as_str().expect("type").to_owned(),
                o["porting_phone_numbers_count"].as_u64().expect("count"),
            )
        })
        .collect();
    assert_eq!(shape.len(), 3, "{shape:?}");
    assert_eq!(shape[0].1, 2, "the two ordinary landlines share an order");

    let key = porting.key.clone();
    let cases = [
        (json!({"phone_numbers": []}), "/phone_numbers", "10015"),
        (
            json!({"phone_numbers": ["+13125550007", "3125550008"]}),
            "/phone_numbers/1",
            "10016",
        ),
        (
            json!({"phone_numbers": ["+13125550009", "+13125550009"]}),
            "/phone_numbers/1",
            "10015",
        ),
        (
            json!({"phone_numbers": ["+13125550010", 42]}),
            "/phone_numbers/1",
            "10015",
        ),
        // 1050: not portable. 0005: already in an open order.
        (
            json!({"phone_numbers": ["+13125551050"]}),
            "/phone_numbers/0",
            "10015",
        ),
        (
            json!({"phone_numbers": ["+13125550011", "+13125550005"]}),
            "/phone_numbers/1",
            "10015",
        ),
    ];
    for (body, pointer, code) in cases {
        let reply = porting.suite.post(ORDERS, &key, body.clone()).await;
        reply.assert_error(422, code);
        assert_eq!(reply.error_source("pointer"), Some(pointer), "{body}");
    }
    let other = porting.suite.globex().api_key.clone();
    let id = orders[0]["id"].as_str().expect("id");
    porting
        .suite
        .get(&format!("{ORDERS}/{id}"), &other)
        .await
        .assert_error(404, "10005");
    let unknown = porting
        .suite
        .get(&format!("{ORDERS}/{id}/comments"), &key)
        .await;
    unknown.assert_error(404, "10005");

    // Only a draft may be deleted; `porting_order.deleted` tells its webhook_url.
    let receiver = Receiver::start(&[]).await;
    let hooked = porting
        .patch(id, json!({"webhook_url": receiver.url()}))
        .await;
    assert_eq!(hooked.status, 200, "{}", hooked.body);
    let deleted = porting
        .suite
        .call(Method::DELETE, &format!("{ORDERS}/{id}"), Some(&key), None)
        .await;
    assert_eq!(deleted.status, 204);
    let received = receiver.wait_for(1).await;
    let event = &received[0].json()["data"];
    assert_eq!(event["event_type"], "porting_order.deleted");
    assert_eq!(event["payload"]["id"], id);
    assert_eq!(event["payload"]["record_type"], "porting_order");
    assert!(event["payload"]["deleted_at"].is_string(), "{event}");
    porting
        .suite
        .get(&format!("{ORDERS}/{id}"), &key)
        .await
        .assert_error(404, "10005");
    let id = orders[1]["id"].as_str().expect("id");
    assert_eq!(porting.action(id, "confirm").await.status, 200);
    porting
        .suite
        .call(Method::DELETE, &format!("{ORDERS}/{id}"), Some(&key), None)
        .await
        .assert_error(422, "10015");
    let cancelled = porting.action(id, "cancel").await;
    assert_eq!(cancelled.body["data"]["status"]["value"], "cancel-pending");
    let finished = porting.step(id, "finish_cancel").await;
    assert_eq!(finished["status"]["value"], "cancelled");

    let list = porting
        .suite
        .get(&format!("{ORDERS}?page[size]=1"), &key)
        .await;
    assert_eq!(list.body["meta"]["total_results"], 2);
    assert_eq!(list.body["meta"]["total_pages"], 2);
    let filtered = porting
        .suite
        .get(
            &format!("{ORDERS}?filter[phone_numbers][phone_number][contains]=5550850"),
            &key,
        )
        .await;
    assert_eq!(
        filtered.body["meta"]["total_results"], 1,
        "{}",
        filtered.body
    );
    porting.suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restart_of_messaging_port_while_activating_loses_no_watch() {
    let porting = Porting::start().await;
    let lines = numbers([1610, 1620]);
    let id = porting.ready(&lines, None).await;
    porting.step(&id, "port").await;
    assert_eq!(
        porting.order(&id).await["messaging"]["messaging_port_status"],
        "activating"
    );

    let Porting { suite, clock, .. } = porting;
    let storage = suite.stop_keeping_data().await;
    let shared: SharedClock = clock.clone();
    let suite = support::spawn_timed(support::plain_config(), storage, shared).await;
    let key = suite.acme().api_key.clone();
    let porting = Porting { suite, clock, key };
    porting.advance(11);
    let statuses = eventually("1610 ports after the restart", async || {
        let statuses = porting.number_statuses(&id).await;
        (statuses[0].1 == "ported").then_some(statuses)
    })
    .await;
    assert_eq!(
        statuses[1].1, "activating",
        "1620 releases ten minutes later"
    );
    porting.advance(10);
    porting.messaging_becomes(&id, "ported").await;
    porting.suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_number_hosted_with_us_before_the_port_keeps_its_messaging_through_it() {
    let porting = Porting::start().await;
    // 1750's losing carrier never releases the NNID; hosting it first put our NNID on it.
    let number = "+13125551750";
    let profile = create_profile(
        &porting.suite,
        &porting.key,
        ("https://example.com/hook", None),
    )
    .await;
    let hosted = reviewed_order(&porting.suite, &porting.key, &[number], Some(&profile)).await;
    let operator = porting.suite.state.operator_api_key.clone();
    let accepted = porting
        .suite
        .call(
            Method::POST,
            &format!("/operator/v1/hosted_number_orders/{hosted}/actions/accept"),
            Some(&operator),
            None,
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    eventually("the hosted order succeeds", async || {
        let order = porting
            .suite
            .get(
                &format!("/v2/messaging_hosted_number_orders/{hosted}"),
                &porting.key,
            )
            .await;
        (order.body["data"]["status"] == "successful").then_some(())
    })
    .await;

    let id = porting.ready(&[number.to_owned()], None).await;
    let ported = porting.step(&id, "port").await;
    assert_eq!(
        ported["messaging"]["messaging_port_status"], "ported",
        "our NNID already routes it: no gap"
    );
    assert_eq!(porting.number_statuses(&id).await[0].1, "ported");
    porting.suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sandbox_sets_a_numbers_nnid_result_in_the_directory_where_the_monitor_reads_it() {
    let porting = Porting::start().await;
    let lines = numbers([1760, 1761]);
    let id = porting.ready(&lines, None).await;
    porting.step(&id, "port").await;
    let nnid = |number: &str| format!("/sandbox/v1/numbers/{}/nnid", number.replace('+', "%2B"));
    let put = |number: String, result: &'static str| {
        let path = nnid(&number);
        let key = porting.key.clone();
        let suite = &porting.suite;
        async move {
            suite
                .call(
                    Method::PUT,
                    &path,
                    Some(&key),
                    Some(json!({"result": result})),
                )
                .await
        }
    };
    let released = put(lines[0].clone(), "ported").await;
    assert_eq!(released.status, 200, "{}", released.body);
    assert_eq!(released.body["data"]["handover"], "ours");
    let kept = put(lines[1].clone(), "exception").await;
    assert_eq!(kept.body["data"]["handover"], "refused");
    put(lines[1].clone(), "lost")
        .await
        .assert_error(400, "10032");

    porting.advance(1);
    let order = porting.messaging_becomes(&id, "exception").await;
    assert_eq!(order["status"]["value"], "ported");
    let listed = porting
        .suite
        .get(
            &format!("/v2/porting_phone_numbers?filter[porting_order_id]={id}"),
            &porting.key,
        )
        .await;
    let numbers = listed.body["data"].as_array().expect("numbers");
    assert_eq!(numbers[0]["messaging_port_status"], "ported");
    assert_eq!(numbers[1]["messaging_port_status"], "exception");
    assert_eq!(numbers[1]["messaging_exception"], "nnid_refused");

    let magic = porting
        .suite
        .get("/sandbox/v1/magic_numbers", &porting.key)
        .await;
    let firsts: Vec<&str> = magic.body["data"]
        .as_array()
        .expect("ranges")
        .iter()
        .filter_map(|r| r["first"].as_str())
        .collect();
    for first in ["1500", "1600", "1700", "1800"] {
        assert!(firsts.contains(&first), "{first} in {firsts:?}");
    }
    porting.suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn two_concurrent_orders_for_one_number_one_wins_and_the_other_is_refused_naming_it() {
    let porting = Porting::start().await;
    for round in 0..5 {
        let number = format!("+1312555{:04}", 40 + round);
        let body =
            |reference: &str| json!({"phone_numbers": [number], "customer_reference": reference});
        let (first, second) = tokio::join!(
            porting.suite.post(ORDERS, &porting.key, body("first")),
            porting.suite.post(ORDERS, &porting.key, body("second")),
        );
        let mut statuses = [first.status.as_u16(), second.status.as_u16()];
        statuses.sort_unstable();
        assert_eq!(
            statuses,
            [201, 422],
            "round {round}: {} / {}",
            first.body,
            second.body
        );
        let refused = if first.status == 422 { &first } else { &second };
        assert_eq!(refused.error_source("pointer"), Some("/phone_numbers/0"));
        assert_eq!(refused.headers["x-should-retry"], "false");
    }
    let all = porting
        .suite
        .get(&format!("{ORDERS}?page[size]=10"), &porting.key)
        .await;
    assert_eq!(all.body["meta"]["total_results"], 5, "one order per number");
    porting.suite.stop().await;
}
