use serde_json::{Value, json};

use crate::support::spawn;

const CHECK: &str = "/v2/messaging_hosted_number_orders/eligibility_numbers_check";

/// Every documented magic range, in two area codes, with the status it must produce.
const MAGIC: &[(&str, &str, bool)] = &[
    ("0000", "eligible", true),
    ("0099", "eligible", true),
    ("0100", "number_can_not_be_wireless", false),
    ("0250", "number_is_not_a_valid_routing_number", false),
    ("0300", "number_can_not_be_in_telnyx", false),
    (
        "0499",
        "number_can_not_hosted_with_a_telnyx_subscriber",
        false,
    ),
    ("0500", "billing_account_check_failed", false),
    ("0600", "billing_account_is_abolished", false),
    ("0700", "eligible", true),
    ("0850", "eligible", true),
    ("0950", "eligible", true),
    ("1050", "eligible", true),
];

fn statuses(body: &Value) -> Vec<(String, String, bool)> {
    body["phone_numbers"]
        .as_array()
        .expect("top-level phone_numbers")
        .iter()
        .map(|r| {
            assert!(r["detail"].as_str().is_some_and(|d| !d.is_empty()), "{r}");
            (
                r["phone_number"].as_str().expect("number").to_owned(),
                r["eligible_status"].as_str().expect("status").to_owned(),
                r["eligible"].as_bool().expect("eligible"),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_magic_range_gives_its_documented_status() {
    let suite = spawn().await;
    for npa in ["312", "206"] {
        let numbers: Vec<String> = MAGIC
            .iter()
            .map(|(line, _, _)| format!("+1{npa}555{line}"))
            .collect();
        let reply = suite
            .post(
                CHECK,
                &suite.acme().api_key,
                json!({ "phone_numbers": numbers }),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert!(
            reply.body.get("data").is_none(),
            "the eligibility answer has no data wrapper"
        );
        let expected: Vec<(String, String, bool)> = MAGIC
            .iter()
            .map(|(line, status, eligible)| {
                (format!("+1{npa}555{line}"), (*status).to_owned(), *eligible)
            })
            .collect();
        assert_eq!(statuses(&reply.body), expected);
    }
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_foreign_and_repeated_numbers_are_per_number_statuses() {
    let suite = spawn().await;
    let numbers = [
        "+13125550001",
        "3125550001",
        "+14165550001",
        "+442071838750",
        "+13125550001",
        "+1312555",
        "not a number",
    ];
    let reply = suite
        .post(
            CHECK,
            &suite.acme().api_key,
            json!({ "phone_numbers": numbers }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let got: Vec<String> = statuses(&reply.body)
        .into_iter()
        .map(|(_, status, _)| status)
        .collect();
    assert_eq!(
        got,
        [
            "eligible",
            "number_is_not_in_e164_format",
            "number_is_not_a_us_number",
            "number_is_not_a_us_number",
            "number_can_not_be_repeated",
            "number_is_not_in_e164_format",
            "number_is_not_in_e164_format",
        ]
    );
    assert_eq!(
        statuses(&reply.body)[1].0,
        "3125550001",
        "numbers are echoed as sent"
    );
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_number_held_by_an_account_is_its_own_or_a_transfer_from_it() {
    let suite = spawn().await;
    let numbers = json!({ "phone_numbers": ["+13125552005", "+13125552105", "+13125550750"] });
    let acme = suite
        .post(CHECK, &suite.acme().api_key, numbers.clone())
        .await;
    let got = statuses(&acme.body);
    assert_eq!(got[0].1, "number_can_not_be_active_in_your_account");
    assert_eq!((got[1].1.as_str(), got[1].2), ("eligible", true));
    assert!(
        acme.body["phone_numbers"][1]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("internal transfer"))
    );
    assert!(
        acme.body["phone_numbers"][2]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("internal transfer"))
    );

    let globex = suite.post(CHECK, &suite.globex().api_key, numbers).await;
    let got = statuses(&globex.body);
    assert_eq!(got[0].1, "eligible");
    assert_eq!(got[1].1, "number_can_not_be_active_in_your_account");
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn seeding_a_number_through_the_sandbox_changes_its_verdict() {
    let suite = spawn().await;
    let key = suite.acme().api_key.clone();
    let path = "/sandbox/v1/numbers/%2B13125558888";

    let before = suite.get(path, &key).await;
    assert_eq!(
        (
            before.status.as_u16(),
            before.body["data"]["seeded"].as_bool()
        ),
        (200, Some(false)),
        "{}",
        before.body
    );

    let seeded = suite
        .call(
            reqwest::Method::PUT,
            path,
            Some(&key),
            Some(json!({ "holder_account_id": suite.acme().id })),
        )
        .await;
    assert_eq!(seeded.status, 200, "{}", seeded.body);
    assert_eq!(seeded.body["data"]["holding"], "account");
    assert_eq!(seeded.body["data"]["seeded"], true);
    let check = suite
        .post(CHECK, &key, json!({ "phone_numbers": ["+13125558888"] }))
        .await;
    assert_eq!(
        statuses(&check.body)[0].1,
        "number_can_not_be_active_in_your_account"
    );

    let refuses = json!({ "holder_account_id": suite.globex().id, "transferable": false, "line_type": "wireless" });
    suite
        .call(reqwest::Method::PUT, path, Some(&key), Some(refuses))
        .await;
    let check = suite
        .post(CHECK, &key, json!({ "phone_numbers": ["+13125558888"] }))
        .await;
    assert_eq!(
        statuses(&check.body)[0].1,
        "number_can_not_hosted_with_a_telnyx_subscriber"
    );

    let after = suite.get(path, &key).await;
    assert_eq!(after.body["data"]["line_type"], "wireless");
    assert_eq!(after.body["data"]["transferable"], false);

    let bad = suite
        .call(
            reqwest::Method::PUT,
            path,
            Some(&key),
            Some(json!({ "line_type": "satellite" })),
        )
        .await;
    bad.assert_error(400, "10032");
    assert_eq!(bad.error_source("pointer"), Some("/line_type"));
    for (body, pointer) in [
        (json!({ "holding": "account" }), "/holder_account_id"),
        (
            json!({ "holding": "inventory", "holder_account_id": suite.acme().id }),
            "/holder_account_id",
        ),
        (
            json!({ "holder_account_id": "someone" }),
            "/holder_account_id",
        ),
    ] {
        let bad = suite
            .call(reqwest::Method::PUT, path, Some(&key), Some(body))
            .await;
        bad.assert_error(400, "10015");
        assert_eq!(bad.error_source("pointer"), Some(pointer), "{}", bad.body);
    }
    let unchanged = suite.get(path, &key).await;
    assert_eq!(
        unchanged.body["data"]["line_type"], "wireless",
        "refused seeds change nothing"
    );
    let bad = suite
        .call(
            reqwest::Method::PUT,
            "/sandbox/v1/numbers/12345",
            Some(&key),
            Some(json!({})),
        )
        .await;
    bad.assert_error(400, "10016");
    assert_eq!(bad.error_source("parameter"), Some("phone_number"));
    let not_utf8 = suite.get("/sandbox/v1/numbers/%FF", &key).await;
    not_utf8.assert_error(400, "10015");
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_thousand_numbers_fit_in_one_check_and_one_more_does_not() {
    let suite = spawn().await;
    let key = suite.acme().api_key.clone();
    let thousand: Vec<String> = (0..1000).map(|i| format!("+1312556{i:04}")).collect();
    let reply = suite
        .post(CHECK, &key, json!({ "phone_numbers": thousand }))
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body["phone_numbers"].as_array().map(Vec::len),
        Some(1000)
    );

    let too_many: Vec<String> = (0..1001).map(|i| format!("+1312556{i:04}")).collect();
    let reply = suite
        .post(CHECK, &key, json!({ "phone_numbers": too_many }))
        .await;
    reply.assert_error(400, "10015");
    assert_eq!(reply.error_source("pointer"), Some("/phone_numbers"));

    let ten_thousand: Vec<String> = (0..10_000).map(|i| format!("+1312557{i:04}")).collect();
    let reply = suite
        .post(
            "/v2/portability_checks",
            &key,
            json!({ "phone_numbers": ten_thousand }),
        )
        .await;
    reply.assert_error(422, "10015");
    assert_eq!(reply.error_source("pointer"), Some("/phone_numbers"));
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn portability_reports_each_magic_outcome() {
    let suite = spawn().await;
    let numbers = [
        "+13125550001",
        "+13125550150",
        "+13125550250",
        "+13125550850",
        "+13125550950",
        "+13125551050",
        "+442071838750",
        "bad",
    ];
    let reply = suite
        .post(
            "/v2/portability_checks",
            &suite.acme().api_key,
            json!({ "phone_numbers": numbers }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let data = reply.body["data"].as_array().expect("data").clone();
    let row = |i: usize, field: &str| data[i][field].clone();
    assert!(
        data.iter()
            .all(|r| r["record_type"] == "portability_check_result")
    );
    assert_eq!(
        (
            row(0, "portable"),
            row(0, "fast_portable"),
            row(0, "messaging_capable")
        ),
        (json!(true), json!(false), json!(true))
    );
    assert_eq!(
        (row(0, "phone_number_type"), row(0, "not_portable_reason")),
        (json!("landline"), json!(""))
    );
    assert_eq!(row(1, "phone_number_type"), "mobile");
    assert_eq!(row(2, "portable"), false);
    assert!(
        row(2, "not_portable_reason")
            .as_str()
            .is_some_and(|r| !r.is_empty())
    );
    assert_eq!(
        (row(3, "fast_portable"), row(3, "phone_number_type")),
        (json!(true), json!("local"))
    );
    assert_eq!(
        (row(4, "portable"), row(4, "messaging_capable")),
        (json!(true), json!(false))
    );
    assert_eq!(
        (row(5, "portable"), row(5, "not_portable_reason")),
        (json!(false), json!("No coverage"))
    );
    assert_eq!(row(6, "portable"), true, "porting is not US-only");
    assert_eq!(row(7, "portable"), false);
    suite.stop().await;
}
