use reqwest::Method;
use serde_json::json;

use crate::support::{spawn, spawn_with};

const CHECK: &str = "/v2/messaging_hosted_number_orders/eligibility_numbers_check";

#[tokio::test(flavor = "multi_thread")]
async fn missing_malformed_and_unknown_keys_are_401() {
    let suite = spawn().await;
    let body = Some(json!({"phone_numbers": ["+13125550001"]}));
    for key in [
        None,
        Some("nonsense"),
        Some("KEYthisisawellformedbutunknownkey0000000000"),
    ] {
        let reply = suite.call(Method::POST, CHECK, key, body.clone()).await;
        reply.assert_error(401, "10009");
    }
    let basic = suite
        .raw(Method::GET, "/v2/messaging_profiles")
        .header("Authorization", format!("Basic {}", suite.acme().api_key));
    suite.send(basic).await.assert_error(401, "10009");
    let lowercase_scheme = suite
        .raw(Method::GET, "/v2/messaging_profiles")
        .header("Authorization", format!("bearer {}", suite.acme().api_key));
    assert_eq!(
        suite.send(lowercase_scheme).await.status,
        200,
        "the scheme is case-insensitive"
    );
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bodies_that_are_not_what_they_should_be_name_the_field() {
    let suite = spawn().await;
    let key = suite.acme().api_key.clone();
    let raw = |path: &str, body: &'static str| {
        suite
            .raw(Method::POST, path)
            .bearer_auth(&key)
            .header("Content-Type", "application/json")
            .body(body)
    };

    let malformed = suite.send(raw(CHECK, "{\"phone_numbers\": [")).await;
    malformed.assert_error(400, "10015");
    let trailing_comma = suite
        .send(raw(
            "/v2/portability_checks",
            "{\"phone_numbers\": [\"+13125550001\",]}",
        ))
        .await;
    trailing_comma.assert_error(400, "10015");
    let empty = suite.send(raw(CHECK, "")).await;
    empty.assert_error(400, "10015");

    let string = suite
        .post(CHECK, &key, json!({"phone_numbers": "+13125550001"}))
        .await;
    string.assert_error(400, "10015");
    assert_eq!(string.error_source("pointer"), Some("/phone_numbers"));
    let element = suite
        .post(CHECK, &key, json!({"phone_numbers": ["+13125550001", 42]}))
        .await;
    assert_eq!(element.error_source("pointer"), Some("/phone_numbers/1"));
    let root = suite.post(CHECK, &key, json!(["+13125550001"])).await;
    assert_eq!(
        (root.status.as_u16(), root.error_source("pointer")),
        (400, Some(""))
    );
    let missing = suite.post(CHECK, &key, json!({})).await;
    assert_eq!(
        (missing.status.as_u16(), missing.error_source("pointer")),
        (400, Some("/phone_numbers"))
    );

    let porting = suite
        .post("/v2/portability_checks", &key, json!({"phone_numbers": []}))
        .await;
    porting.assert_error(422, "10015");
    let porting_type = suite
        .post(
            "/v2/portability_checks",
            &key,
            json!({"phone_numbers": [true]}),
        )
        .await;
    porting_type.assert_error(422, "10015");
    assert_eq!(
        porting_type.error_source("pointer"),
        Some("/phone_numbers/0")
    );

    let form = suite
        .send(
            suite
                .raw(Method::POST, CHECK)
                .bearer_auth(&key)
                .header("Content-Type", "text/plain")
                .body("x"),
        )
        .await;
    form.assert_error(415, "10015");
    let no_type = suite
        .send(
            suite
                .raw(Method::POST, CHECK)
                .bearer_auth(&key)
                .body("{\"phone_numbers\":[\"+13125550001\"]}"),
        )
        .await;
    assert_eq!(no_type.status, 200, "a missing Content-Type is accepted");

    let huge = "x".repeat(2 * 1024 * 1024);
    let too_large = suite
        .send(
            suite
                .raw(Method::POST, CHECK)
                .bearer_auth(&key)
                .header("Content-Type", "application/json")
                .body(huge),
        )
        .await;
    too_large.assert_error(413, "10015");
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_routes_and_methods_answer_in_the_envelope() {
    let suite = spawn().await;
    let key = suite.acme().api_key.clone();
    suite
        .get("/v2/no_such_thing", &key)
        .await
        .assert_error(404, "10005");
    for method in [Method::GET, Method::POST, Method::DELETE] {
        suite
            .call(method, "/v2/no_such_thing", None, None)
            .await
            .assert_error(401, "10009");
    }
    suite
        .call(Method::GET, "/", None, None)
        .await
        .assert_error(404, "10005");
    suite
        .call(Method::PUT, "/v2/portability_checks", Some(&key), None)
        .await
        .assert_error(405, "10015");
    suite
        .call(Method::DELETE, CHECK, Some(&key), None)
        .await
        .assert_error(405, "10015");
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_response_carries_a_request_id() {
    let suite = spawn().await;
    let ok = suite
        .get("/v2/messaging_profiles", &suite.acme().api_key)
        .await;
    let failed = suite
        .call(Method::GET, "/v2/messaging_profiles", None, None)
        .await;
    for reply in [&ok, &failed] {
        let id = reply
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .expect("x-request-id");
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    }
    let mine = suite
        .send(
            suite
                .raw(Method::GET, "/v2/openapi.json")
                .header("x-request-id", "trace-me-123"),
        )
        .await;
    assert_eq!(
        mine.headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("trace-me-123")
    );
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_openapi_document_lists_every_route() {
    let suite = spawn().await;
    let doc = suite
        .call(Method::GET, "/v2/openapi.json", None, None)
        .await;
    assert_eq!(doc.status, 200);
    assert!(
        doc.body["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1"))
    );
    let paths = doc.body["paths"].as_object().expect("paths");
    for path in [
        "/openapi.json",
        "/approve",
        "/messaging_hosted_number_orders/{id}/approve",
        "/messaging_hosted_number_orders/{id}/reject",
        "/messaging_hosted_number_orders/eligibility_numbers_check",
        "/portability_checks",
        "/messaging_profiles",
        "/messaging_profiles/{id}",
        "/sandbox/v1/magic_numbers",
        "/sandbox/v1/numbers/{phone_number}",
        "/operator/v1/accounts",
        "/operator/v1/accounts/{id}",
        "/operator/v1/accounts/{id}/api_keys",
        "/operator/v1/api_keys/{id}",
        "/webhook_deliveries",
        "/webhook_deliveries/{id}",
        "/webhook_deliveries/{id}/actions/redeliver",
        "/portal_notices",
        "/portal_notices/{id}/actions/mark_read",
        "/sandbox/v1/webhook_public_key",
        "/sandbox/v1/events",
        "/sandbox/v1/mailbox",
        "/sandbox/v1/events/{id}/webhook_deliveries",
        "/sandbox/v1/clock",
        "/sandbox/v1/clock/advance",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} missing from the OpenAPI document"
        );
    }
    let body = &paths["/messaging_hosted_number_orders/eligibility_numbers_check"]["post"]["requestBody"]
        ["content"]["application/json"]["schema"]["$ref"];
    let name = body
        .as_str()
        .and_then(|r| r.rsplit('/').next())
        .expect("a schema reference");
    let numbers = &doc.body["components"]["schemas"][name]["properties"]["phone_numbers"];
    assert_eq!(
        (numbers["minItems"].as_u64(), numbers["maxItems"].as_u64()),
        (Some(1), Some(1000))
    );
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sandbox_api_exists_only_with_the_sandbox_on() {
    let on = spawn().await;
    let ranges = on
        .call(Method::GET, "/sandbox/v1/magic_numbers", None, None)
        .await;
    assert_eq!(ranges.status, 200);
    assert!(
        ranges.body["data"]
            .as_array()
            .is_some_and(|r| r.len() >= 10)
    );
    on.stop().await;

    let mut config = crate::support::plain_config();
    config.sandbox.enabled = Some(false);
    let off = spawn_with(config).await;
    assert!(off.state.accounts.iter().all(|a| a.numbers.is_empty()));
    off.call(Method::GET, "/sandbox/v1/magic_numbers", None, None)
        .await
        .assert_error(404, "10005");
    off.get("/sandbox/v1/numbers/%2B13125550001", &off.acme().api_key)
        .await
        .assert_error(404, "10005");
    off.call(Method::GET, "/sandbox/v1/webhook_public_key", None, None)
        .await
        .assert_error(404, "10005");
    off.post(
        "/sandbox/v1/events",
        &off.acme().api_key,
        serde_json::json!({"event_type": "x.y"}),
    )
    .await
    .assert_error(404, "10005");
    off.stop().await;
}
