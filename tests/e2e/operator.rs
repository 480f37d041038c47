use reqwest::Method;
use serde_json::json;

use crate::support::{Reply, TestSuite, spawn};

impl TestSuite {
    async fn operator(&self, method: Method, path: &str, body: Option<serde_json::Value>) -> Reply {
        let key = self.state.operator_api_key.clone();
        self.call(method, path, Some(&key), body).await
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_operator_takes_a_new_account_to_a_working_customer_key() {
    let suite = spawn().await;
    let created = suite
        .operator(
            Method::POST,
            "/operator/v1/accounts",
            Some(json!({"name": "initech"})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["data"]["record_type"], "account");
    let account = created.body["data"]["id"].as_str().expect("id").to_owned();

    let taken = suite
        .operator(
            Method::POST,
            "/operator/v1/accounts",
            Some(json!({"name": "initech"})),
        )
        .await;
    taken.assert_error(409, "10015");
    assert_eq!(taken.error_source("pointer"), Some("/name"));
    assert_eq!(
        taken.headers.get("x-should-retry").map(|v| v.as_bytes()),
        Some(&b"false"[..]),
        "a taken name stays taken: the SDKs must not retry"
    );
    suite
        .operator(
            Method::POST,
            "/operator/v1/accounts",
            Some(json!({"name": "  "})),
        )
        .await
        .assert_error(400, "10015");

    let keys = format!("/operator/v1/accounts/{account}/api_keys");
    let issued = suite
        .operator(Method::POST, &keys, Some(json!({"label": "production"})))
        .await;
    assert_eq!(issued.status, 201, "{}", issued.body);
    let customer_key = issued.body["data"]["api_key"]
        .as_str()
        .expect("the plaintext, once")
        .to_owned();
    let profiles = suite.get("/v2/messaging_profiles", &customer_key).await;
    assert_eq!(profiles.status, 200, "the new key works: {}", profiles.body);
    assert_eq!(profiles.body["meta"]["total_results"], 0);

    let listed = suite.operator(Method::GET, &keys, None).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.body["data"].as_array().map(Vec::len), Some(1));
    assert!(
        listed.body["data"][0].get("api_key").is_none(),
        "a key is shown only when issued"
    );
    let accounts = suite
        .operator(Method::GET, "/operator/v1/accounts?page[size]=2", None)
        .await;
    assert_eq!(
        accounts.body["meta"]["total_results"], 3,
        "{}",
        accounts.body
    );
    assert_eq!(accounts.body["meta"]["total_pages"], 2);

    let key_id = issued.body["data"]["id"].as_str().expect("key id");
    let revoked = suite
        .operator(
            Method::DELETE,
            &format!("/operator/v1/api_keys/{key_id}"),
            None,
        )
        .await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    suite
        .get("/v2/messaging_profiles", &customer_key)
        .await
        .assert_error(401, "10009");
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_operator_key_opens_the_operator_api() {
    let suite = spawn().await;
    let customer = suite.acme().api_key.clone();
    for key in [None, Some(customer.as_str())] {
        suite
            .call(Method::GET, "/operator/v1/accounts", key, None)
            .await
            .assert_error(401, "10009");
        suite
            .call(Method::GET, "/operator/v1/no_such_route", key, None)
            .await
            .assert_error(401, "10009");
    }
    suite
        .get("/v2/messaging_profiles", &suite.state.operator_api_key)
        .await
        .assert_error(401, "10009");
    for path in [
        "/operator/v1/accounts/not-a-uuid/api_keys",
        "/operator/v1/accounts/0195f4a8-0000-7000-8000-000000000000/api_keys",
    ] {
        suite
            .operator(Method::POST, path, Some(json!({"label": "x"})))
            .await
            .assert_error(404, "10005");
    }
    suite
        .operator(Method::GET, "/operator/v1/no_such_route", None)
        .await
        .assert_error(404, "10005");
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_issued_key_is_never_replayed() {
    let suite = spawn().await;
    let path = format!("/operator/v1/accounts/{}/api_keys", suite.acme().id);
    let issue = || {
        suite
            .raw(Method::POST, &path)
            .bearer_auth(&suite.state.operator_api_key)
            .header("Idempotency-Key", "issue-once")
            .json(&json!({"label": "ci"}))
    };
    let issued = suite.send(issue()).await;
    assert_eq!(issued.status, 201, "{}", issued.body);
    let key = issued.body["data"]["api_key"].as_str().expect("shown once");
    let again = suite.send(issue()).await;
    again.assert_error(409, "10015");
    assert!(again.headers.contains_key("idempotent-replayed"));
    assert_eq!(
        again.headers.get("x-should-retry").map(|v| v.as_bytes()),
        Some(&b"false"[..])
    );
    let text = again.body.to_string();
    assert!(!text.contains(key), "the key is not stored for replay");
    assert!(text.contains(issued.body["data"]["id"].as_str().expect("id")));
    let listed = suite.operator(Method::GET, &path, None).await;
    assert_eq!(
        listed.body["meta"]["total_results"], 2,
        "the demo key and one issued key: {}",
        listed.body
    );
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_operator_and_sandbox_apis_are_only_on_the_admin_listener() {
    let suite = spawn().await;
    assert_ne!(suite.state.admin_url, suite.state.gateway_url);
    let http = reqwest::Client::new();
    let operator_key = suite.state.operator_api_key.clone();
    let customer_key = suite.acme().api_key.clone();
    let status = |url: String, key: String| {
        let http = http.clone();
        async move {
            http.get(url)
                .bearer_auth(key)
                .send()
                .await
                .expect("answers")
                .status()
                .as_u16()
        }
    };
    let (public, admin) = (&suite.state.gateway_url, &suite.state.admin_url);
    assert_eq!(
        status(
            format!("{admin}/operator/v1/accounts"),
            operator_key.clone()
        )
        .await,
        200
    );
    assert_eq!(
        status(format!("{public}/operator/v1/accounts"), operator_key).await,
        404
    );
    assert_eq!(
        status(
            format!("{admin}/sandbox/v1/magic_numbers"),
            customer_key.clone()
        )
        .await,
        200
    );
    assert_eq!(
        status(
            format!("{public}/sandbox/v1/magic_numbers"),
            customer_key.clone()
        )
        .await,
        404
    );
    assert_eq!(
        status(
            format!("{public}/v2/messaging_profiles"),
            customer_key.clone()
        )
        .await,
        200
    );
    assert_eq!(
        status(format!("{admin}/v2/messaging_profiles"), customer_key).await,
        404
    );
    suite.stop().await;
}
