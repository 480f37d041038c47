//! 10DLC phone-number ↔ campaign links through the gateway: the Telnyx shape (camelCase, no
//! `data`, `{page, records, totalRecords}`), the holder-only rule, another account's 404, paging
//! and sorting, and how links reach the hosted-order flow (a dry run's `campaign_id_removed`) and
//! leave with activation for another account or the holder's deletion of the hosted number.

use prost::Message;
use reqwest::Method;
use serde_json::{Value, json};
use textport_proto::eligibility::v1 as pb;
use textport_proto::eligibility::v1::campaign_service_client::CampaignServiceClient;
use textport_proto::eligibility::v1::number_directory_service_client::NumberDirectoryServiceClient;
use textport_proto::events::v1 as events;
use textport_proto::events::v1::event_sink_service_client::EventSinkServiceClient;
use tonic::Code;
use tonic::transport::Channel;
use uuid::Uuid;

use crate::support::{Reply, TestSuite, spawn};

const LINKS: &str = "/v2/10dlc/phone_number_campaigns";
const ORDERS: &str = "/v2/messaging_hosted_number_orders";

fn link_path(number: &str) -> String {
    format!("{LINKS}/{number}")
}

async fn link(suite: &TestSuite, key: &str, number: &str, campaign: &str) -> Reply {
    suite
        .post(
            LINKS,
            key,
            json!({"phoneNumber": number, "campaignId": campaign}),
        )
        .await
}

/// `2021-03-08T17:57:48.801186`: no zone, six fractional digits.
#[track_caller]
fn assert_10dlc_time(value: &Value) {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("{value} is a string"));
    let bytes = text.as_bytes();
    assert_eq!(bytes.len(), 26, "{text}");
    assert_eq!((bytes[10], bytes[19]), (b'T', b'.'), "{text}");
    assert!(
        bytes[20..].iter().all(u8::is_ascii_digit),
        "{text} ends in microseconds, no zone"
    );
}

fn numbers_of(reply: &Reply) -> Vec<String> {
    reply.body["records"]
        .as_array()
        .unwrap_or_else(|| panic!("records in {}", reply.body))
        .iter()
        .filter_map(|r| r["phoneNumber"].as_str().map(str::to_owned))
        .collect()
}

async fn dry_run_campaign(suite: &TestSuite, key: &str, number: &str) -> Value {
    let dry = suite
        .post(
            &format!("{ORDERS}?dry_run=true"),
            key,
            json!({"phone_numbers": [number]}),
        )
        .await;
    assert_eq!(dry.status, 200, "{}", dry.body);
    dry.body["meta"]["phone_numbers"][0]["campaign_id_removed"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_link_is_created_read_listed_updated_hidden_from_others_and_removed() {
    let suite = spawn().await;
    let acme = suite.acme().api_key.clone();
    let globex = suite.globex().api_key.clone();
    let number = "+13125552001";

    let created = link(&suite, &acme, number, "C1ACME1").await;
    assert_eq!(created.status, 200, "{}", created.body);
    let body = &created.body;
    assert!(body.get("data").is_none(), "no data envelope: {body}");
    assert_eq!(
        (
            &body["phoneNumber"],
            &body["campaignId"],
            &body["telnyxCampaignId"],
            &body["assignmentStatus"],
        ),
        (
            &json!(number),
            &json!("C1ACME1"),
            &json!("C1ACME1"),
            &json!("ASSIGNED")
        )
    );
    for field in ["brandId", "tcrBrandId", "tcrCampaignId", "failureReasons"] {
        assert_eq!(body[field], Value::Null, "{field}");
    }
    assert_10dlc_time(&body["createdAt"]);
    assert_10dlc_time(&body["updatedAt"]);

    let again = link(&suite, &acme, number, "C1ACME1").await;
    assert_eq!(
        (again.status.as_u16(), &again.body),
        (200, &created.body),
        "the same link again is answered as it is"
    );
    let other = link(&suite, &acme, number, "C2OTHER").await;
    other.assert_error(409, "10015");
    assert_eq!(other.error_source("pointer"), Some("/phoneNumber"));
    assert_eq!(
        other
            .headers
            .get("x-should-retry")
            .and_then(|v| v.to_str().ok()),
        Some("false")
    );

    let read = suite.get(&link_path(number), &acme).await;
    assert_eq!((read.status.as_u16(), &read.body), (200, &created.body));
    let encoded = suite.get(&link_path("%2B13125552001"), &acme).await;
    assert_eq!(
        (encoded.status.as_u16(), &encoded.body),
        (200, &created.body),
        "a percent-encoded + is the same number"
    );

    for (n, campaign) in [(2, "C2"), (3, "C2"), (4, "C3"), (5, "C2")] {
        let other = format!("+1312555200{n}");
        let reply = link(&suite, &acme, &other, campaign).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    let first = suite
        .get(
            &format!("{LINKS}?page=1&recordsPerPage=2&sort=phoneNumber"),
            &acme,
        )
        .await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(
        (&first.body["page"], &first.body["totalRecords"]),
        (&json!(1), &json!(5))
    );
    assert_eq!(numbers_of(&first), ["+13125552001", "+13125552002"]);
    let last = suite
        .get(
            &format!("{LINKS}?page=3&recordsPerPage=2&sort=phoneNumber"),
            &acme,
        )
        .await;
    assert_eq!(
        (&last.body["page"], numbers_of(&last)),
        (&json!(3), vec!["+13125552005".to_owned()])
    );
    let descending = suite
        .get(&format!("{LINKS}?sort=-phoneNumber"), &acme)
        .await;
    assert_eq!(
        numbers_of(&descending),
        [
            "+13125552005",
            "+13125552004",
            "+13125552003",
            "+13125552002",
            "+13125552001"
        ]
    );
    let newest = suite.get(&format!("{LINKS}?sort=-createdAt"), &acme).await;
    assert_eq!(numbers_of(&newest)[0], "+13125552005");
    let oldest = suite.get(LINKS, &acme).await;
    assert_eq!(
        (
            numbers_of(&oldest)[0].as_str(),
            &oldest.body["totalRecords"]
        ),
        ("+13125552001", &json!(5)),
        "oldest first by default, 20 a page"
    );
    let in_c2 = suite
        .get(
            &format!("{LINKS}?filter%5Btelnyx_campaign_id%5D=C2&sort=phoneNumber"),
            &acme,
        )
        .await;
    assert_eq!(
        (numbers_of(&in_c2), &in_c2.body["totalRecords"]),
        (
            vec![
                "+13125552002".to_owned(),
                "+13125552003".to_owned(),
                "+13125552005".to_owned()
            ],
            &json!(3)
        )
    );
    let by_brand = suite
        .get(&format!("{LINKS}?filter[tcr_brand_id]=BXYZ"), &acme)
        .await;
    assert_eq!(
        (by_brand.status.as_u16(), &by_brand.body["totalRecords"]),
        (200, &json!(0))
    );
    let bad_sort = suite.get(&format!("{LINKS}?sort=name"), &acme).await;
    bad_sort.assert_error(400, "10032");
    assert_eq!(bad_sort.error_source("parameter"), Some("sort"));
    let too_big = suite
        .get(&format!("{LINKS}?recordsPerPage=251"), &acme)
        .await;
    too_big.assert_error(400, "10015");
    assert_eq!(too_big.error_source("parameter"), Some("recordsPerPage"));

    let updated = suite
        .call(
            Method::PUT,
            &link_path("%2B13125552001"),
            Some(&acme),
            Some(json!({"phoneNumber": number, "campaignId": "C9NEW"})),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(
        (
            &updated.body["campaignId"],
            &updated.body["telnyxCampaignId"],
            &updated.body["createdAt"]
        ),
        (&json!("C9NEW"), &json!("C9NEW"), &created.body["createdAt"])
    );
    assert!(
        updated.body["updatedAt"].as_str() >= created.body["updatedAt"].as_str(),
        "{}",
        updated.body
    );
    let moved = suite
        .call(
            Method::PUT,
            &link_path(number),
            Some(&acme),
            Some(json!({"phoneNumber": "+13125552002", "campaignId": "C9NEW"})),
        )
        .await;
    moved.assert_error(400, "10015");
    assert_eq!(moved.error_source("pointer"), Some("/phoneNumber"));

    // Another account sees nothing of it and cannot link acme's number.
    suite
        .get(&link_path(number), &globex)
        .await
        .assert_error(404, "10005");
    suite
        .call(
            Method::PUT,
            &link_path(number),
            Some(&globex),
            Some(json!({"phoneNumber": number, "campaignId": "C666"})),
        )
        .await
        .assert_error(404, "10005");
    suite
        .call(Method::DELETE, &link_path(number), Some(&globex), None)
        .await
        .assert_error(404, "10005");
    let foreign = link(&suite, &globex, number, "C666").await;
    foreign.assert_error(404, "10005");
    assert_eq!(foreign.error_source("pointer"), Some("/phoneNumber"));
    assert!(
        foreign.body["errors"][0]["detail"]
            .as_str()
            .is_some_and(|d| d.contains(number)),
        "{}",
        foreign.body
    );
    assert_eq!(
        suite.get(LINKS, &globex).await.body["totalRecords"],
        json!(0)
    );
    assert_eq!(
        suite.get(&link_path(number), &acme).await.body["campaignId"],
        "C9NEW",
        "another account's attempts change nothing"
    );

    // The hosted-order flow learns of the link: activation for globex would remove it.
    assert_eq!(dry_run_campaign(&suite, &globex, number).await, "C9NEW");

    let deleted = suite
        .call(
            Method::DELETE,
            &link_path("%2B13125552001"),
            Some(&acme),
            None,
        )
        .await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    assert_eq!(
        (&deleted.body["phoneNumber"], &deleted.body["campaignId"]),
        (&json!(number), &json!("C9NEW")),
        "the removed link is the answer"
    );
    suite
        .get(&link_path(number), &acme)
        .await
        .assert_error(404, "10005");
    suite
        .call(Method::DELETE, &link_path(number), Some(&acme), None)
        .await
        .assert_error(404, "10005");
    assert_eq!(suite.get(LINKS, &acme).await.body["totalRecords"], json!(4));
    assert_eq!(dry_run_campaign(&suite, &globex, number).await, Value::Null);
    suite.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_requests_name_their_field() {
    let suite = spawn().await;
    let acme = suite.acme().api_key.clone();
    for (body, status, code, pointer) in [
        (json!({"campaignId": "C1"}), 400, "10015", "/phoneNumber"),
        (
            json!({"phoneNumber": "3125552001", "campaignId": "C1"}),
            400,
            "10016",
            "/phoneNumber",
        ),
        // Not a US number: no account holds such a number for 10DLC.
        (
            json!({"phoneNumber": "+442071838750", "campaignId": "C1"}),
            404,
            "10005",
            "/phoneNumber",
        ),
        (
            json!({"phoneNumber": 13125552001_u64}),
            400,
            "10015",
            "/phoneNumber",
        ),
        (
            json!({"phoneNumber": "+13125552001"}),
            400,
            "10015",
            "/campaignId",
        ),
        (
            json!({"phoneNumber": "+13125552001", "campaignId": "not a campaign"}),
            400,
            "10015",
            "/campaignId",
        ),
        (
            json!({"phoneNumber": "+13125552001", "campaignId": null}),
            400,
            "10015",
            "/campaignId",
        ),
        // Not acme's number: the sandbox's ordinary landline, held by nobody.
        (
            json!({"phoneNumber": "+13125550001", "campaignId": "C1"}),
            404,
            "10005",
            "/phoneNumber",
        ),
    ] {
        let reply = suite.post(LINKS, &acme, body.clone()).await;
        reply.assert_error(status, code);
        assert_eq!(reply.error_source("pointer"), Some(pointer), "{body}");
    }
    suite
        .get(&link_path("not-a-number"), &acme)
        .await
        .assert_error(404, "10005");
    let paths = suite
        .call(Method::GET, "/v2/openapi.json", None, None)
        .await
        .body["paths"]
        .clone();
    for path in [
        "/10dlc/phone_number_campaigns",
        "/10dlc/phone_number_campaigns/{phone_number}",
    ] {
        assert!(paths.get(path).is_some(), "{path} in the OpenAPI document");
    }
    suite.stop().await;
}

/// Activation for another account and the holder's deletion of its hosted number end the link,
/// as eligibility's own contract says (driven over its gRPC API, as hosted-order drives it).
#[tokio::test(flavor = "multi_thread")]
async fn activation_elsewhere_and_unhosting_remove_the_link() {
    let suite = spawn().await;
    let acme = suite.acme().clone();
    let globex = suite.globex().clone();
    let channel = Channel::from_shared(format!("http://{}", suite.state.services["eligibility"]))
        .expect("url")
        .connect()
        .await
        .expect("connects");
    let mut links = CampaignServiceClient::new(channel.clone());
    let mut directory = NumberDirectoryServiceClient::new(channel.clone());
    for number in ["+13125552010", "+13125552011"] {
        let reply = link(&suite, &acme.api_key, number, "CMOVE1").await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }

    let order = Uuid::now_v7().to_string();
    let reserved = directory
        .reserve_for_order(pb::ReserveForOrderRequest {
            account_id: globex.id.clone(),
            order_id: order.clone(),
            phone_numbers: vec!["+13125552010".to_owned()],
            dry_run: false,
        })
        .await
        .expect("reserved")
        .into_inner();
    assert!(reserved.reserved);
    assert_eq!(reserved.results[0].campaign_id.as_deref(), Some("CMOVE1"));
    let activated = directory
        .activate_numbers(pb::ActivateNumbersRequest {
            account_id: globex.id.clone(),
            order_id: order,
            phone_numbers: vec!["+13125552010".to_owned()],
        })
        .await
        .expect("activated")
        .into_inner();
    assert_eq!(
        activated.results[0].outcome,
        pb::ActivationOutcome::Activated as i32
    );
    let gone = links
        .get_phone_number_campaign(pb::GetPhoneNumberCampaignRequest {
            account_id: acme.id.clone(),
            phone_number: "+13125552010".to_owned(),
        })
        .await
        .expect_err("the link went with the number");
    assert_eq!(gone.code(), Code::NotFound);
    let facts = directory
        .lookup_numbers(pb::LookupNumbersRequest {
            phone_numbers: vec!["+13125552010".to_owned(), "+13125552011".to_owned()],
        })
        .await
        .expect("looked up")
        .into_inner()
        .numbers;
    assert_eq!(
        (
            facts[0].campaign_id.as_deref(),
            facts[1].campaign_id.as_deref()
        ),
        (None, Some("CMOVE1"))
    );
    // Globex holds the number now and may link it.
    let theirs = link(&suite, &globex.api_key, "+13125552010", "CGLOBEX").await;
    assert_eq!(theirs.status, 200, "{}", theirs.body);

    // Acme's hosted number is deleted: the release unhosts it, and its link goes.
    let release = pb::ReleaseNumbers {
        order_id: Uuid::now_v7().to_string(),
        phone_numbers: vec!["+13125552011".to_owned()],
        unhost_account_id: Some(acme.id.clone()),
    };
    EventSinkServiceClient::new(channel)
        .deliver(events::DeliverRequest {
            events: vec![events::SinkEvent {
                id: Uuid::now_v7().to_string(),
                kind: pb::RELEASE_NUMBERS_KIND.to_owned(),
                body: release.encode_to_vec(),
                ..Default::default()
            }],
        })
        .await
        .expect("delivered");
    suite
        .get(&link_path("+13125552011"), &acme.api_key)
        .await
        .assert_error(404, "10005");
    assert_eq!(
        suite.get(LINKS, &acme.api_key).await.body["totalRecords"],
        json!(0)
    );
    suite.stop().await;
}
