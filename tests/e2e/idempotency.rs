use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{Reply, TestSuite, spawn};

const PROFILES: &str = "/v2/messaging_profiles";

async fn post_with_key(suite: &TestSuite, path: &str, key: &str, idem: &str, body: Value) -> Reply {
    suite
        .send(
            suite
                .raw(Method::POST, path)
                .bearer_auth(key)
                .header("Idempotency-Key", idem)
                .json(&body),
        )
        .await
}

fn replayed(reply: &Reply) -> bool {
    reply
        .headers
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true")
}

async fn profile_count(suite: &TestSuite, key: &str) -> u64 {
    let list = suite.get(PROFILES, key).await;
    list.body["meta"]["total_results"]
        .as_u64()
        .expect("a count")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_repeated_post_replays_the_first_answer_without_doing_the_work_again() {
    let suite = spawn().await;
    let key = suite.acme().api_key.clone();
    let body = json!({"name": "Once", "whitelisted_destinations": ["US"]});
    let first = post_with_key(&suite, PROFILES, &key, "create-once-1", body.clone()).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(!replayed(&first));
    let again = post_with_key(&suite, PROFILES, &key, "create-once-1", body.clone()).await;
    assert_eq!((again.status, &again.body), (first.status, &first.body));
    assert!(replayed(&again));
    assert_eq!(profile_count(&suite, &key).await, 1, "created once");

    let other_body = json!({"name": "Twice", "whitelisted_destinations": ["US"]});
    let reused = post_with_key(&suite, PROFILES, &key, "create-once-1", other_body).await;
    reused.assert_error(422, "10015");
    assert_eq!(reused.error_source("parameter"), Some("Idempotency-Key"));
    assert_eq!(
        reused.headers.get("x-should-retry").map(|v| v.as_bytes()),
        Some(&b"false"[..])
    );
    let other_path = post_with_key(
        &suite,
        "/v2/portability_checks",
        &key,
        "create-once-1",
        body.clone(),
    )
    .await;
    other_path.assert_error(422, "10015");

    let globex = suite.globex().api_key.clone();
    let theirs = post_with_key(&suite, PROFILES, &globex, "create-once-1", body).await;
    assert_eq!(theirs.status, 200, "keys are per account");
    assert!(!replayed(&theirs));
    assert_ne!(theirs.body["data"]["id"], first.body["data"]["id"]);
    assert_eq!(profile_count(&suite, &key).await, 1);
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_and_other_statuses_replay_too_and_a_bad_key_is_named() {
    let suite = spawn().await;
    let key = suite.acme().api_key.clone();
    let numbers = json!({"phone_numbers": ["+13125550001", "+13125551050"]});
    let check = post_with_key(
        &suite,
        "/v2/portability_checks",
        &key,
        "pc-1",
        numbers.clone(),
    )
    .await;
    assert_eq!(check.status, 201);
    let replay = post_with_key(&suite, "/v2/portability_checks", &key, "pc-1", numbers).await;
    assert_eq!((replay.status.as_u16(), &replay.body), (201, &check.body));
    assert!(replayed(&replay));

    let invalid = json!({"name": "", "whitelisted_destinations": ["US"]});
    let refused = post_with_key(&suite, PROFILES, &key, "bad-1", invalid.clone()).await;
    refused.assert_error(400, "10015");
    let refused_again = post_with_key(&suite, PROFILES, &key, "bad-1", invalid).await;
    assert_eq!(refused_again.body, refused.body);
    assert!(replayed(&refused_again));

    for bad in ["x".repeat(256), "with space".to_owned()] {
        let reply = post_with_key(&suite, PROFILES, &key, &bad, json!({})).await;
        reply.assert_error(400, "10015");
        assert_eq!(reply.error_source("parameter"), Some("Idempotency-Key"));
    }
    assert_eq!(profile_count(&suite, &key).await, 0);
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_requests_with_one_key_do_the_work_once() {
    let suite = spawn().await;
    let key = suite.acme().api_key.clone();
    let body = json!({"name": "Concurrent", "whitelisted_destinations": ["US"]});
    let replies = futures::future::join_all(
        (0..8).map(|_| post_with_key(&suite, PROFILES, &key, "concurrent-1", body.clone())),
    )
    .await;
    let created: Vec<&Reply> = replies.iter().filter(|r| r.status == 200).collect();
    assert!(!created.is_empty());
    for reply in &replies {
        match reply.status.as_u16() {
            200 => assert_eq!(reply.body, created[0].body),
            409 => {
                reply.assert_error(409, "10015");
                assert!(reply.headers.contains_key("retry-after"));
                assert!(
                    !reply.headers.contains_key("x-should-retry"),
                    "an in-flight request is worth retrying"
                );
            }
            other => panic!("unexpected {other}: {}", reply.body),
        }
    }
    assert_eq!(profile_count(&suite, &key).await, 1, "created once");
    suite.stop().await;
}
