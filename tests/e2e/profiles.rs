use std::collections::HashSet;

use reqwest::Method;
use serde_json::json;

use crate::support::{spawn, spawn_on};

#[tokio::test(flavor = "multi_thread")]
async fn a_profile_is_created_read_updated_and_deleted() {
    let suite = spawn().await;
    let key = suite.acme().api_key.clone();
    let created = suite
        .post("/v2/messaging_profiles", &key, json!({"name": "Support", "whitelisted_destinations": ["US", "CA"], "webhook_url": "https://example.com/hooks"}))
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let profile = &created.body["data"];
    assert_eq!(profile["record_type"], "messaging_profile");
    assert_eq!(
        (
            profile["enabled"].clone(),
            profile["webhook_api_version"].clone()
        ),
        (json!(true), json!("2"))
    );
    assert_eq!(profile["organization_id"], suite.acme().id.as_str());
    assert_eq!(profile["webhook_failover_url"], serde_json::Value::Null);
    let id = profile["id"].as_str().expect("id").to_owned();
    let path = format!("/v2/messaging_profiles/{id}");

    let read = suite.get(&path, &key).await;
    assert_eq!(read.body["data"], created.body["data"]);

    let updated = suite
        .call(Method::PATCH, &path, Some(&key), Some(json!({"name": "Support 2", "webhook_failover_url": "https://backup.example.com/h"})))
        .await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(updated.body["data"]["name"], "Support 2");
    assert_eq!(
        updated.body["data"]["webhook_url"], "https://example.com/hooks",
        "fields not sent are kept"
    );
    assert_eq!(
        updated.body["data"]["webhook_failover_url"],
        "https://backup.example.com/h"
    );

    let cleared = suite
        .call(
            Method::PATCH,
            &path,
            Some(&key),
            Some(json!({"webhook_url": null})),
        )
        .await;
    assert_eq!(cleared.body["data"]["webhook_url"], serde_json::Value::Null);

    let refused = suite
        .call(
            Method::PATCH,
            &path,
            Some(&key),
            Some(json!({"name": "x", "webhook_url": "ftp://nope"})),
        )
        .await;
    refused.assert_error(400, "10015");
    assert_eq!(refused.error_source("pointer"), Some("/webhook_url"));
    assert_eq!(
        suite.get(&path, &key).await.body["data"]["name"],
        "Support 2",
        "a refused update changes nothing"
    );

    let deleted = suite.call(Method::DELETE, &path, Some(&key), None).await;
    assert_eq!(
        (deleted.status.as_u16(), deleted.body["data"]["id"].as_str()),
        (200, Some(id.as_str()))
    );
    suite.get(&path, &key).await.assert_error(404, "10005");
    suite
        .call(Method::DELETE, &path, Some(&key), None)
        .await
        .assert_error(404, "10005");
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn another_accounts_profile_does_not_exist_for_you() {
    let suite = spawn().await;
    let created = suite
        .post(
            "/v2/messaging_profiles",
            &suite.acme().api_key,
            json!({"name": "Mine", "whitelisted_destinations": ["*"]}),
        )
        .await;
    let path = format!(
        "/v2/messaging_profiles/{}",
        created.body["data"]["id"].as_str().expect("id")
    );
    let other = suite.globex().api_key.clone();
    suite.get(&path, &other).await.assert_error(404, "10005");
    suite
        .call(
            Method::PATCH,
            &path,
            Some(&other),
            Some(json!({"name": "Stolen"})),
        )
        .await
        .assert_error(404, "10005");
    suite
        .call(Method::DELETE, &path, Some(&other), None)
        .await
        .assert_error(404, "10005");
    let list = suite.get("/v2/messaging_profiles", &other).await;
    assert_eq!(list.body["meta"]["total_results"], 0);
    suite
        .get("/v2/messaging_profiles/not-a-uuid", &other)
        .await
        .assert_error(404, "10005");
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_cover_every_profile_once_in_a_stable_order() {
    let suite = spawn().await;
    let key = suite.acme().api_key.clone();
    for i in 0..25 {
        let reply = suite
            .post(
                "/v2/messaging_profiles",
                &key,
                json!({"name": format!("Batch {i:02}"), "whitelisted_destinations": ["US"]}),
            )
            .await;
        assert_eq!(reply.status, 200);
    }
    suite
        .post(
            "/v2/messaging_profiles",
            &key,
            json!({"name": "Other", "whitelisted_destinations": ["US"]}),
        )
        .await;

    let mut seen = HashSet::new();
    let mut sizes = Vec::new();
    for page in 1..=4 {
        let reply = suite.get(&format!("/v2/messaging_profiles?page%5Bnumber%5D={page}&page%5Bsize%5D=10&filter%5Bname%5D%5Bcontains%5D=batch"), &key).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(
            reply.body["meta"],
            json!({"page_number": page, "page_size": 10, "total_pages": 3, "total_results": 25})
        );
        let data = reply.body["data"].as_array().expect("data");
        sizes.push(data.len());
        for profile in data {
            assert!(
                seen.insert(profile["id"].as_str().expect("id").to_owned()),
                "pages overlap"
            );
        }
    }
    assert_eq!((sizes, seen.len()), (vec![10, 10, 5, 0], 25));

    let defaults = suite.get("/v2/messaging_profiles", &key).await;
    assert_eq!(
        (
            defaults.body["meta"]["page_number"].clone(),
            defaults.body["meta"]["page_size"].clone()
        ),
        (json!(1), json!(20))
    );
    let exact = suite
        .get(
            "/v2/messaging_profiles?filter%5Bname%5D%5Beq%5D=Batch+07",
            &key,
        )
        .await;
    assert_eq!(exact.body["meta"]["total_results"], 1);
    assert_eq!(exact.body["data"][0]["name"], "Batch 07");

    let bad = suite
        .get("/v2/messaging_profiles?page%5Bsize%5D=251", &key)
        .await;
    bad.assert_error(400, "10015");
    assert_eq!(bad.error_source("parameter"), Some("page[size]"));
    let bad = suite
        .get("/v2/messaging_profiles?page%5Bnumber%5D=zero", &key)
        .await;
    assert_eq!(bad.error_source("parameter"), Some("page[number]"));
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_invalid_field_of_a_new_profile_is_named() {
    let suite = spawn().await;
    let reply = suite
        .post(
            "/v2/messaging_profiles",
            &suite.acme().api_key,
            json!({"whitelisted_destinations": ["US", "usa"], "webhook_failover_url": "nope"}),
        )
        .await;
    reply.assert_error(400, "10015");
    let pointers: Vec<&str> = reply.body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["source"]["pointer"].as_str())
        .collect();
    assert_eq!(
        pointers,
        [
            "/name",
            "/whitelisted_destinations/1",
            "/webhook_failover_url"
        ]
    );
    let reply = suite
        .post(
            "/v2/messaging_profiles",
            &suite.acme().api_key,
            json!({"name": "x", "whitelisted_destinations": []}),
        )
        .await;
    assert_eq!(
        reply.error_source("pointer"),
        Some("/whitelisted_destinations")
    );
    let reply = suite
        .post(
            "/v2/messaging_profiles",
            &suite.acme().api_key,
            json!({"name": 7, "whitelisted_destinations": ["US"]}),
        )
        .await;
    assert_eq!(
        (reply.status.as_u16(), reply.error_source("pointer")),
        (400, Some("/name"))
    );
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn data_survives_a_restart() {
    let suite = spawn().await;
    let key = suite.acme().api_key.clone();
    let created = suite
        .post(
            "/v2/messaging_profiles",
            &key,
            json!({"name": "Durable", "whitelisted_destinations": ["US"]}),
        )
        .await;
    let id = created.body["data"]["id"].as_str().expect("id").to_owned();
    let storage = suite.stop_keeping_data().await;

    let again = spawn_on(crate::support::plain_config(), storage).await;
    let key = again.acme().api_key.clone();
    let read = again
        .get(&format!("/v2/messaging_profiles/{id}"), &key)
        .await;
    assert_eq!(read.body["data"]["name"], "Durable", "{}", read.body);
    assert_eq!(
        read.body["data"]["organization_id"],
        again.acme().id.as_str(),
        "the demo account keeps its id"
    );
    again.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_updates_of_different_fields_all_survive() {
    let suite = spawn().await;
    let key = suite.acme().api_key.clone();
    let created = suite
        .post(
            "/v2/messaging_profiles",
            &key,
            json!({"name": "Racy", "whitelisted_destinations": ["US"]}),
        )
        .await;
    let path = format!(
        "/v2/messaging_profiles/{}",
        created.body["data"]["id"].as_str().expect("id")
    );
    let patch = |body: serde_json::Value| suite.call(Method::PATCH, &path, Some(&key), Some(body));
    let replies = tokio::join!(
        patch(json!({"name": "Racy 2"})),
        patch(json!({"enabled": false})),
        patch(json!({"webhook_url": "https://a.example.com/h"})),
        patch(json!({"webhook_failover_url": "https://b.example.com/h"})),
    );
    for reply in [&replies.0, &replies.1, &replies.2, &replies.3] {
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    let profile = suite.get(&path, &key).await.body["data"].clone();
    assert_eq!(
        (
            &profile["name"],
            &profile["enabled"],
            &profile["webhook_url"],
            &profile["webhook_failover_url"]
        ),
        (
            &json!("Racy 2"),
            &json!(false),
            &json!("https://a.example.com/h"),
            &json!("https://b.example.com/h")
        ),
        "no update was lost"
    );
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn name_search_folds_case_beyond_ascii() {
    let suite = spawn().await;
    let key = suite.acme().api_key.clone();
    suite
        .post(
            "/v2/messaging_profiles",
            &key,
            json!({"name": "Äpfel & Öl_50%", "whitelisted_destinations": ["DE"]}),
        )
        .await;
    suite
        .post(
            "/v2/messaging_profiles",
            &key,
            json!({"name": "Other", "whitelisted_destinations": ["DE"]}),
        )
        .await;
    for fragment in ["%C3%A4pfel", "%C3%96L", "_50%25"] {
        let found = suite
            .get(
                &format!("/v2/messaging_profiles?filter%5Bname%5D%5Bcontains%5D={fragment}"),
                &key,
            )
            .await;
        assert_eq!(
            found.body["meta"]["total_results"], 1,
            "{fragment}: {}",
            found.body
        );
        assert_eq!(found.body["data"][0]["name"], "Äpfel & Öl_50%");
    }
    let wildcard = suite
        .get(
            "/v2/messaging_profiles?filter%5Bname%5D%5Bcontains%5D=%25",
            &key,
        )
        .await;
    assert_eq!(
        wildcard.body["meta"]["total_results"], 1,
        "% is a character, not a wildcard"
    );
    suite.stop().await;
}
