//! Notification profiles, channels, settings and event conditions through the public API, and
//! the notifier's question (`ResolveNotificationChannels`) through accounts' gRPC.

use reqwest::Method;
use serde_json::{Value, json};
use textport_proto::accounts::v1 as pb;
use textport_proto::accounts::v1::notification_service_client::NotificationServiceClient;

use crate::support::{Reply, TestSuite, spawn};

const HOSTED_SMS_ORDER_UPDATES: &str = "2d6fce63-cacc-4b9d-8db5-6640e9409cde";
const INTERNAL_TRANSFER_REQUESTS: &str = "1f14102b-5920-4180-94bf-cea1fbfbf11d";
const PORT_IN_NOTIFICATIONS: &str = "666e8bdb-a1e0-4dd9-b1cc-e3abcef9b8db";

/// `data.id` of a successful answer.
#[track_caller]
fn id_of(reply: &Reply) -> String {
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["data"]["id"].as_str().expect("an id").to_owned()
}

fn pointers(reply: &Reply) -> Vec<&str> {
    reply.body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["source"]["pointer"].as_str())
        .collect()
}

async fn profile(suite: &TestSuite, key: &str, name: &str) -> String {
    id_of(
        &suite
            .post("/v2/notification_profiles", key, json!({"name": name}))
            .await,
    )
}

async fn channel(suite: &TestSuite, key: &str, profile: &str, kind: &str, to: &str) -> String {
    let body = json!({"notification_profile_id": profile, "channel_type_id": kind, "channel_destination": to});
    id_of(&suite.post("/v2/notification_channels", key, body).await)
}

async fn setting(suite: &TestSuite, key: &str, body: Value) -> Reply {
    suite.post("/v2/notification_settings", key, body).await
}

#[tokio::test(flavor = "multi_thread")]
async fn profiles_channels_and_settings_are_created_read_and_deleted() {
    let suite = spawn().await;
    let key = suite.acme().api_key.clone();

    // Profiles.
    let created = suite
        .post(
            "/v2/notification_profiles",
            &key,
            json!({"name": "Operations"}),
        )
        .await;
    let profile_id = id_of(&created);
    let data = &created.body["data"];
    assert_eq!(
        (&data["record_type"], &data["name"]),
        (&json!("notification_profile"), &json!("Operations"))
    );
    assert_eq!(data["created_at"], data["updated_at"]);
    let profile_path = format!("/v2/notification_profiles/{profile_id}");
    assert_eq!(suite.get(&profile_path, &key).await.body, created.body);
    let renamed = suite
        .call(
            Method::PATCH,
            &profile_path,
            Some(&key),
            Some(json!({"name": "Ops"})),
        )
        .await;
    assert_eq!(renamed.body["data"]["name"], "Ops", "{}", renamed.body);
    let kept = suite
        .call(Method::PATCH, &profile_path, Some(&key), Some(json!({})))
        .await;
    assert_eq!(
        kept.body["data"]["name"], "Ops",
        "an empty patch keeps the name"
    );
    let listed = suite.get("/v2/notification_profiles", &key).await;
    assert_eq!(
        listed.body["meta"],
        json!({"page_number": 1, "page_size": 20, "total_pages": 1, "total_results": 1})
    );

    // Channels, one of each type.
    let email = suite
        .post(
            "/v2/notification_channels",
            &key,
            json!({"notification_profile_id": profile_id, "channel_type_id": "email", "channel_destination": "ops@example.com"}),
        )
        .await;
    let email_id = id_of(&email);
    assert_eq!(
        (
            &email.body["data"]["record_type"],
            &email.body["data"]["notification_profile_id"],
            &email.body["data"]["channel_type_id"],
            &email.body["data"]["channel_destination"]
        ),
        (
            &json!("notification_channel"),
            &json!(profile_id),
            &json!("email"),
            &json!("ops@example.com")
        )
    );
    let webhook_id = channel(
        &suite,
        &key,
        &profile_id,
        "webhook",
        "https://example.com/notify",
    )
    .await;
    let webhooks = suite
        .get(
            "/v2/notification_channels?filter%5Bchannel_type_id%5D%5Beq%5D=webhook",
            &key,
        )
        .await;
    assert_eq!(
        webhooks.body["meta"]["total_results"], 1,
        "{}",
        webhooks.body
    );
    assert_eq!(webhooks.body["data"][0]["id"], webhook_id.as_str());
    let of_profile = suite
        .get(
            &format!(
                "/v2/notification_channels?filter%5Bnotification_profile_id%5D%5Beq%5D={profile_id}"
            ),
            &key,
        )
        .await;
    assert_eq!(of_profile.body["meta"]["total_results"], 2);
    let email_path = format!("/v2/notification_channels/{email_id}");
    let moved = suite
        .call(
            Method::PATCH,
            &email_path,
            Some(&key),
            Some(json!({"channel_destination": "oncall@example.com"})),
        )
        .await;
    assert_eq!(
        (
            &moved.body["data"]["channel_type_id"],
            &moved.body["data"]["channel_destination"]
        ),
        (&json!("email"), &json!("oncall@example.com")),
        "{}",
        moved.body
    );

    // Settings: by e-mail, by webhook, and a portal notice only.
    let by_email = setting(
        &suite,
        &key,
        json!({"notification_profile_id": profile_id, "notification_channel_id": email_id, "notification_event_condition_id": HOSTED_SMS_ORDER_UPDATES}),
    )
    .await;
    let by_email_id = id_of(&by_email);
    assert_eq!(
        by_email.body["data"],
        json!({
            "record_type": "notification_setting",
            "id": by_email_id,
            "notification_profile_id": profile_id,
            "notification_channel_id": email_id,
            "notification_event_condition_id": HOSTED_SMS_ORDER_UPDATES,
            "associated_record_type": "account",
            "status": "enabled",
            "parameters": [],
            "created_at": by_email.body["data"]["created_at"],
            "updated_at": by_email.body["data"]["updated_at"],
        })
    );
    let by_webhook_id = id_of(
        &setting(
            &suite,
            &key,
            json!({"notification_profile_id": profile_id, "notification_channel_id": webhook_id, "notification_event_condition_id": INTERNAL_TRANSFER_REQUESTS, "parameters": []}),
        )
        .await,
    );
    let portal = setting(
        &suite,
        &key,
        json!({"notification_profile_id": profile_id, "notification_channel_id": null, "notification_event_condition_id": PORT_IN_NOTIFICATIONS}),
    )
    .await;
    let portal_id = id_of(&portal);
    assert_eq!(portal.body["data"]["notification_channel_id"], Value::Null);

    let all = suite.get("/v2/notification_settings", &key).await;
    assert_eq!(all.body["meta"]["total_results"], 3);
    let of_condition = suite
        .get(
            &format!("/v2/notification_settings?filter%5Bnotification_event_condition_id%5D%5Beq%5D={PORT_IN_NOTIFICATIONS}"),
            &key,
        )
        .await;
    assert_eq!(
        (
            of_condition.body["meta"]["total_results"].clone(),
            of_condition.body["data"][0]["id"].clone()
        ),
        (json!(1), json!(portal_id))
    );
    let of_channel = suite
        .get(
            &format!(
                "/v2/notification_settings?filter%5Bnotification_channel%5D%5Beq%5D={email_id}"
            ),
            &key,
        )
        .await;
    assert_eq!(of_channel.body["data"][0]["id"], by_email_id.as_str());
    let unknown_condition = suite
        .get(
            &format!(
                "/v2/notification_settings?filter%5Bnotification_event_condition_id%5D%5Beq%5D={}",
                uuid::Uuid::nil()
            ),
            &key,
        )
        .await;
    assert_eq!(unknown_condition.body["meta"]["total_results"], 0);

    let portal_path = format!("/v2/notification_settings/{portal_id}");
    assert_eq!(
        suite.get(&portal_path, &key).await.body["data"],
        portal.body["data"]
    );
    let deleted = suite
        .call(Method::DELETE, &portal_path, Some(&key), None)
        .await;
    assert_eq!(deleted.body["data"]["id"], portal_id.as_str());
    suite
        .get(&portal_path, &key)
        .await
        .assert_error(404, "10005");

    // Nothing goes as a side effect: what is in use stays until its users are deleted.
    let delete = |path: String| {
        let key = key.clone();
        let suite = &suite;
        async move { suite.call(Method::DELETE, &path, Some(&key), None).await }
    };
    let webhook_path = format!("/v2/notification_channels/{webhook_id}");
    delete(email_path.clone()).await.assert_error(409, "10015");
    delete(profile_path.clone())
        .await
        .assert_error(409, "10015");
    for id in [&by_email_id, &by_webhook_id] {
        let deleted = delete(format!("/v2/notification_settings/{id}")).await;
        assert_eq!(deleted.status, 200, "{}", deleted.body);
    }
    let deleted = delete(email_path.clone()).await;
    assert_eq!(
        deleted.body["data"]["channel_destination"],
        "oncall@example.com"
    );
    suite
        .get(&email_path, &key)
        .await
        .assert_error(404, "10005");
    let still_has_a_channel = delete(profile_path.clone()).await;
    still_has_a_channel.assert_error(409, "10015");
    assert_eq!(
        still_has_a_channel
            .headers
            .get("x-should-retry")
            .map(|v| v.as_bytes()),
        Some(&b"false"[..])
    );
    assert_eq!(delete(webhook_path).await.status, 200);
    let deleted = delete(profile_path.clone()).await;
    assert_eq!(deleted.body["data"]["name"], "Ops", "{}", deleted.body);
    for path in [
        "/v2/notification_profiles",
        "/v2/notification_channels",
        "/v2/notification_settings",
    ] {
        assert_eq!(
            suite.get(path, &key).await.body["meta"]["total_results"],
            0,
            "{path}"
        );
    }
    delete(profile_path).await.assert_error(404, "10005");
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn event_conditions_are_a_fixed_table_of_three() {
    let suite = spawn().await;
    let key = suite.acme().api_key.clone();
    let all = suite.get("/v2/notification_event_conditions", &key).await;
    assert_eq!(all.status, 200, "{}", all.body);
    let ids: Vec<&str> = all.body["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        [
            HOSTED_SMS_ORDER_UPDATES,
            INTERNAL_TRANSFER_REQUESTS,
            PORT_IN_NOTIFICATIONS
        ]
    );
    let first = &all.body["data"][0];
    assert_eq!(
        (
            &first["record_type"],
            &first["enabled"],
            &first["allow_multiple_channels"],
            &first["asynchronous"],
            &first["associated_record_type"],
            &first["supported_channels"],
            &first["parameters"],
            &first["created_at"],
            &first["notification_event_id"],
        ),
        (
            &json!("notification_event_condition"),
            &json!(true),
            &json!(true),
            &json!(false),
            &json!("account"),
            &json!(["email", "webhook"]),
            &json!([]),
            &json!("2026-11-24T00:00:00.000Z"),
            &json!("8ddefebf-f272-4e29-8a74-853af243dbd8"),
        )
    );
    let second_page = suite
        .get(
            "/v2/notification_event_conditions?page%5Bnumber%5D=2&page%5Bsize%5D=2",
            &key,
        )
        .await;
    assert_eq!(
        second_page.body["meta"],
        json!({"page_number": 2, "page_size": 2, "total_pages": 2, "total_results": 3})
    );
    assert_eq!(second_page.body["data"][0]["id"], PORT_IN_NOTIFICATIONS);
    let beyond = suite
        .get("/v2/notification_event_conditions?page%5Bnumber%5D=9", &key)
        .await;
    assert_eq!(beyond.body["data"], json!([]));
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn another_accounts_notifications_do_not_exist_for_you() {
    let suite = spawn().await;
    let acme = suite.acme().api_key.clone();
    let globex = suite.globex().api_key.clone();
    let profile_id = profile(&suite, &acme, "Acme ops").await;
    let channel_id = channel(&suite, &acme, &profile_id, "email", "ops@acme.example").await;
    let setting_id = id_of(
        &setting(
            &suite,
            &acme,
            json!({"notification_profile_id": profile_id, "notification_channel_id": channel_id, "notification_event_condition_id": HOSTED_SMS_ORDER_UPDATES}),
        )
        .await,
    );
    for path in [
        format!("/v2/notification_profiles/{profile_id}"),
        format!("/v2/notification_channels/{channel_id}"),
        format!("/v2/notification_settings/{setting_id}"),
    ] {
        suite.get(&path, &globex).await.assert_error(404, "10005");
        suite
            .call(Method::DELETE, &path, Some(&globex), None)
            .await
            .assert_error(404, "10005");
        assert_eq!(suite.get(&path, &acme).await.status, 200, "{path}");
    }
    suite
        .call(
            Method::PATCH,
            &format!("/v2/notification_channels/{channel_id}"),
            Some(&globex),
            Some(json!({"channel_destination": "thief@globex.example"})),
        )
        .await
        .assert_error(404, "10005");
    for path in [
        "/v2/notification_profiles",
        "/v2/notification_channels",
        "/v2/notification_settings",
    ] {
        assert_eq!(
            suite.get(path, &globex).await.body["meta"]["total_results"],
            0,
            "{path}"
        );
    }

    // Referring to acme's profile or channel from globex: not found, naming the field.
    let on_their_profile = suite
        .post(
            "/v2/notification_channels",
            &globex,
            json!({"notification_profile_id": profile_id, "channel_type_id": "email", "channel_destination": "x@globex.example"}),
        )
        .await;
    on_their_profile.assert_error(404, "10005");
    assert_eq!(
        on_their_profile.error_source("pointer"),
        Some("/notification_profile_id")
    );
    let own_profile = profile(&suite, &globex, "Globex ops").await;
    let to_their_channel = setting(
        &suite,
        &globex,
        json!({"notification_profile_id": own_profile, "notification_channel_id": channel_id, "notification_event_condition_id": HOSTED_SMS_ORDER_UPDATES}),
    )
    .await;
    to_their_channel.assert_error(404, "10005");
    assert_eq!(
        to_their_channel.error_source("pointer"),
        Some("/notification_channel_id")
    );
    let for_their_profile = setting(
        &suite,
        &globex,
        json!({"notification_profile_id": profile_id, "notification_event_condition_id": HOSTED_SMS_ORDER_UPDATES}),
    )
    .await;
    assert_eq!(
        for_their_profile.error_source("pointer"),
        Some("/notification_profile_id")
    );
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_is_refused_naming_the_field() {
    let suite = spawn().await;
    let key = suite.acme().api_key.clone();
    let profile_id = profile(&suite, &key, "Ops").await;
    let create_channel = |body: Value| suite.post("/v2/notification_channels", &key, body);

    let sms = create_channel(json!({"notification_profile_id": profile_id, "channel_type_id": "sms", "channel_destination": "+13125550001"})).await;
    sms.assert_error(400, "10015");
    assert_eq!(sms.error_source("pointer"), Some("/channel_type_id"));
    assert!(
        sms.body["errors"][0]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("not supported")),
        "{}",
        sms.body
    );
    let fax = create_channel(json!({"notification_profile_id": profile_id, "channel_type_id": "fax", "channel_destination": "x"})).await;
    fax.assert_error(400, "10032");
    assert_eq!(fax.error_source("pointer"), Some("/channel_type_id"));
    let url_as_address = create_channel(json!({"notification_profile_id": profile_id, "channel_type_id": "email", "channel_destination": "https://example.com/h"})).await;
    url_as_address.assert_error(400, "10015");
    assert_eq!(pointers(&url_as_address), ["/channel_destination"]);
    let ftp = create_channel(json!({"notification_profile_id": profile_id, "channel_type_id": "webhook", "channel_destination": "ftp://example.com/h"})).await;
    assert_eq!(pointers(&ftp), ["/channel_destination"]);
    let empty = create_channel(json!({})).await;
    empty.assert_error(400, "10015");
    assert_eq!(
        pointers(&empty),
        [
            "/notification_profile_id",
            "/channel_type_id",
            "/channel_destination"
        ]
    );
    let not_a_uuid = create_channel(json!({"notification_profile_id": "nope", "channel_type_id": "email", "channel_destination": "a@example.com"})).await;
    assert_eq!(pointers(&not_a_uuid), ["/notification_profile_id"]);
    let wrong_type = create_channel(json!({"notification_profile_id": profile_id, "channel_type_id": 7, "channel_destination": "a@example.com"})).await;
    assert_eq!(
        (wrong_type.status.as_u16(), pointers(&wrong_type)),
        (400, vec!["/channel_type_id"])
    );

    let no_name = suite
        .post("/v2/notification_profiles", &key, json!({}))
        .await;
    no_name.assert_error(400, "10015");
    assert_eq!(pointers(&no_name), ["/name"]);
    let blank = suite
        .call(
            Method::PATCH,
            &format!("/v2/notification_profiles/{profile_id}"),
            Some(&key),
            Some(json!({"name": " "})),
        )
        .await;
    assert_eq!(pointers(&blank), ["/name"]);

    // Type and destination always fit each other: sent together, a misfit is bad input; one
    // sent alone that does not fit the other as the channel has it conflicts with the channel.
    let email_id = channel(&suite, &key, &profile_id, "email", "ops@example.com").await;
    let email_path = format!("/v2/notification_channels/{email_id}");
    let patch = |body: Value| suite.call(Method::PATCH, &email_path, Some(&key), Some(body));
    let misfit =
        patch(json!({"channel_type_id": "webhook", "channel_destination": "ops@example.com"}))
            .await;
    misfit.assert_error(400, "10015");
    assert_eq!(pointers(&misfit), ["/channel_destination"]);
    let neither = patch(json!({"channel_destination": "nobody"})).await;
    neither.assert_error(400, "10015");
    let retyped = patch(json!({"channel_type_id": "webhook"})).await;
    retyped.assert_error(409, "10015");
    assert_eq!(pointers(&retyped), ["/channel_type_id"]);
    let readdressed = patch(json!({"channel_destination": "https://example.com/n"})).await;
    readdressed.assert_error(409, "10015");
    assert_eq!(pointers(&readdressed), ["/channel_destination"]);
    assert_eq!(
        readdressed
            .headers
            .get("x-should-retry")
            .map(|v| v.as_bytes()),
        Some(&b"false"[..])
    );
    let retyped = patch(
        json!({"channel_type_id": "webhook", "channel_destination": "https://example.com/n"}),
    )
    .await;
    assert_eq!(
        retyped.body["data"]["channel_type_id"], "webhook",
        "{}",
        retyped.body
    );

    // Settings.
    let other_profile = profile(&suite, &key, "Other").await;
    let foreign_channel = setting(
        &suite,
        &key,
        json!({"notification_profile_id": other_profile, "notification_channel_id": email_id, "notification_event_condition_id": HOSTED_SMS_ORDER_UPDATES}),
    )
    .await;
    foreign_channel.assert_error(404, "10005");
    assert_eq!(pointers(&foreign_channel), ["/notification_channel_id"]);
    let unknown_condition = setting(
        &suite,
        &key,
        json!({"notification_profile_id": profile_id, "notification_event_condition_id": uuid::Uuid::nil()}),
    )
    .await;
    unknown_condition.assert_error(404, "10005");
    assert_eq!(
        pointers(&unknown_condition),
        ["/notification_event_condition_id"]
    );
    let with_parameters = setting(
        &suite,
        &key,
        json!({"notification_profile_id": profile_id, "notification_event_condition_id": HOSTED_SMS_ORDER_UPDATES, "parameters": [{"name": "x", "value": "y"}]}),
    )
    .await;
    assert_eq!(pointers(&with_parameters), ["/parameters"]);
    let missing = setting(&suite, &key, json!({"notification_channel_id": "x"})).await;
    assert_eq!(
        pointers(&missing),
        [
            "/notification_profile_id",
            "/notification_channel_id",
            "/notification_event_condition_id"
        ]
    );

    // A channel that settings use stays in its profile.
    id_of(
        &setting(
            &suite,
            &key,
            json!({"notification_profile_id": profile_id, "notification_channel_id": email_id, "notification_event_condition_id": PORT_IN_NOTIFICATIONS}),
        )
        .await,
    );
    let move_used = patch(json!({"notification_profile_id": other_profile})).await;
    move_used.assert_error(409, "10015");
    assert_eq!(
        move_used
            .headers
            .get("x-should-retry")
            .map(|v| v.as_bytes()),
        Some(&b"false"[..])
    );
    let unused = channel(&suite, &key, &profile_id, "email", "spare@example.com").await;
    let moved = suite
        .call(
            Method::PATCH,
            &format!("/v2/notification_channels/{unused}"),
            Some(&key),
            Some(json!({"notification_profile_id": other_profile})),
        )
        .await;
    assert_eq!(
        moved.body["data"]["notification_profile_id"],
        other_profile.as_str(),
        "{}",
        moved.body
    );

    // List filters.
    for (query, parameter) in [
        (
            "/v2/notification_channels?filter%5Bchannel_type_id%5D%5Beq%5D=voice",
            "filter[channel_type_id][eq]",
        ),
        (
            "/v2/notification_channels?filter%5Bnotification_profile_id%5D%5Beq%5D=nope",
            "filter[notification_profile_id][eq]",
        ),
        (
            "/v2/notification_settings?filter%5Bnotification_channel%5D%5Beq%5D=nope",
            "filter[notification_channel][eq]",
        ),
        (
            "/v2/notification_settings?filter%5Bnotification_event_condition_id%5D%5Beq%5D=nope",
            "filter[notification_event_condition_id][eq]",
        ),
        (
            "/v2/notification_event_conditions?page%5Bsize%5D=0",
            "page[size]",
        ),
    ] {
        let reply = suite.get(query, &key).await;
        assert_eq!(reply.status, 400, "{query}: {}", reply.body);
        assert_eq!(reply.error_source("parameter"), Some(parameter), "{query}");
    }
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_notifier_learns_where_a_conditions_events_go() {
    let suite = spawn().await;
    let key = suite.acme().api_key.clone();
    let account = suite.acme().id.clone();
    let accounts = tonic::transport::Endpoint::from_shared(format!(
        "http://{}",
        suite.state.services["accounts"]
    ))
    .expect("valid")
    .connect()
    .await
    .expect("connects");
    let mut client = NotificationServiceClient::new(accounts);
    let mut resolve = async |account: &str, condition: pb::NotificationEventCondition| {
        client
            .resolve_notification_channels(pb::ResolveNotificationChannelsRequest {
                account_id: account.to_owned(),
                condition: condition as i32,
            })
            .await
            .expect("resolves")
            .into_inner()
    };
    let hosted = pb::NotificationEventCondition::HostedSmsOrderUpdates;
    let transfers = pb::NotificationEventCondition::InternalTransferRequests;

    let nothing = resolve(&account, hosted).await;
    assert_eq!((nothing.selected, nothing.channels.len()), (false, 0));

    let profile_a = profile(&suite, &key, "A").await;
    let profile_b = profile(&suite, &key, "B").await;
    let email_a = channel(&suite, &key, &profile_a, "email", "ops@example.com").await;
    let hook_a = channel(&suite, &key, &profile_a, "webhook", "https://example.com/n").await;
    // The same address in another profile: delivered once.
    let email_b = channel(&suite, &key, &profile_b, "email", "ops@example.com").await;
    for (profile, channel) in [
        (&profile_a, Some(&email_a)),
        (&profile_a, Some(&hook_a)),
        (&profile_b, Some(&email_b)),
        // A second setting of the same channel: still one destination.
        (&profile_a, Some(&email_a)),
    ] {
        id_of(
            &setting(
                &suite,
                &key,
                json!({"notification_profile_id": profile, "notification_channel_id": channel, "notification_event_condition_id": HOSTED_SMS_ORDER_UPDATES}),
            )
            .await,
        );
    }
    let portal_only = id_of(
        &setting(
            &suite,
            &key,
            json!({"notification_profile_id": profile_b, "notification_event_condition_id": INTERNAL_TRANSFER_REQUESTS}),
        )
        .await,
    );

    let resolved = resolve(&account, hosted).await;
    assert!(resolved.selected);
    assert_eq!(
        resolved.channels,
        [
            pb::ResolvedChannel {
                channel_type: pb::NotificationChannelType::Email as i32,
                destination: "ops@example.com".into(),
            },
            pb::ResolvedChannel {
                channel_type: pb::NotificationChannelType::Webhook as i32,
                destination: "https://example.com/n".into(),
            },
        ]
    );
    let portal = resolve(&account, transfers).await;
    assert_eq!((portal.selected, portal.channels.len()), (true, 0));
    let port_in = resolve(
        &account,
        pb::NotificationEventCondition::PortInNotifications,
    )
    .await;
    assert!(!port_in.selected);
    let other_account = resolve(&suite.globex().id, hosted).await;
    assert!(!other_account.selected, "settings are the account's own");

    suite
        .call(
            Method::DELETE,
            &format!("/v2/notification_settings/{portal_only}"),
            Some(&key),
            None,
        )
        .await;
    assert!(!resolve(&account, transfers).await.selected);

    let status = client
        .resolve_notification_channels(pb::ResolveNotificationChannelsRequest {
            account_id: account.clone(),
            condition: pb::NotificationEventCondition::Unspecified as i32,
        })
        .await
        .expect_err("a condition is needed");
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_openapi_document_lists_the_notification_routes() {
    let suite = spawn().await;
    let doc = suite
        .call(Method::GET, "/v2/openapi.json", None, None)
        .await;
    let paths = doc.body["paths"].as_object().expect("paths");
    for (path, methods) in [
        ("/notification_profiles", &["get", "post"][..]),
        ("/notification_profiles/{id}", &["get", "patch", "delete"]),
        ("/notification_channels", &["get", "post"]),
        ("/notification_channels/{id}", &["get", "patch", "delete"]),
        ("/notification_event_conditions", &["get"]),
        ("/notification_settings", &["get", "post"]),
        ("/notification_settings/{id}", &["get", "delete"]),
    ] {
        for method in methods {
            assert!(
                paths[path][method].is_object(),
                "{method} {path} missing from the OpenAPI document"
            );
        }
    }
    suite.stop().await;
}
