use std::net::IpAddr;

use super::*;

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).expect("valid")
}

#[test]
fn conditions_follow_the_event_family() {
    use Condition::*;
    for (event_type, condition) in [
        (
            "messaging_hosted_numbers_orders.created",
            Some(HostedSmsOrderUpdates),
        ),
        (
            "messaging_hosted_numbers_orders.updated",
            Some(HostedSmsOrderUpdates),
        ),
        (
            "messaging_hosted_numbers_orders.internal_transfer_approval_requested",
            Some(InternalTransferRequests),
        ),
        ("porting_order.messaging_changed", Some(PortInNotifications)),
        ("textport.test", None),
    ] {
        assert_eq!(Condition::of(event_type), condition, "{event_type}");
    }
}

#[test]
fn delivery_statuses_round_trip() {
    for (status, text) in DeliveryStatus::TABLE {
        assert_eq!(status.as_str(), text);
        assert_eq!(DeliveryStatus::parse(text), Some(status));
    }
    assert_eq!(DeliveryStatus::parse("Delivered"), None);
}

#[test]
fn the_envelope_is_byte_exact_and_keeps_the_payload_as_sent() {
    let id = uuid::Uuid::parse_str("0190b2c4-5a1e-7000-8000-000000000001").expect("uuid");
    let event = WebhookEvent {
        id,
        event_type: "porting_order.messaging_changed",
        occurred_at: at(1_694_804_039),
        payload_json: r#"{"z":1, "a":[true]}"#,
    };
    let body = envelope(&event, 2, "https://example.com/hook").expect("envelope");
    assert_eq!(
        String::from_utf8(body).expect("utf8"),
        r#"{"data":{"event_type":"porting_order.messaging_changed","id":"0190b2c4-5a1e-7000-8000-000000000001","occurred_at":"2023-09-15T18:53:59Z","payload":{"z":1, "a":[true]},"record_type":"event"},"meta":{"attempt":2,"delivered_to":"https://example.com/hook"}}"#
    );
    assert!(
        envelope(
            &WebhookEvent {
                payload_json: "{",
                ..event
            },
            1,
            "u"
        )
        .is_err()
    );
}

#[test]
fn the_signed_message_is_timestamp_bar_body() {
    assert_eq!(
        signed_message(1_700_000_000, b"{}"),
        b"1700000000|{}".to_vec()
    );
}

#[test]
fn only_2xx_is_delivered_and_redirects_fail() {
    assert_eq!(judge(Some(200)), Ok(()));
    assert_eq!(judge(Some(204)), Ok(()));
    assert_eq!(judge(Some(301)), Err(AttemptError::Redirect));
    assert_eq!(judge(Some(500)), Err(AttemptError::HttpStatus));
    assert_eq!(judge(Some(404)), Err(AttemptError::HttpStatus));
    assert_eq!(judge(None), Err(AttemptError::Connection));
}

#[test]
fn rounds_stop_at_the_horizon() {
    let horizon = Duration::from_secs(3_600);
    let wait = Duration::from_secs(600);
    assert_eq!(next_round(at(0), at(100), wait, horizon), Some(at(700)));
    assert_eq!(next_round(at(0), at(3_000), wait, horizon), Some(at(3_600)));
    assert_eq!(next_round(at(0), at(3_001), wait, horizon), None);
}

#[test]
fn private_and_local_addresses_are_not_public() {
    for blocked in [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fd00::1",
        "::ffff:10.0.0.1",
    ] {
        let ip: IpAddr = blocked.parse().expect("ip");
        assert!(!is_public(ip), "{blocked}");
    }
    for open in ["8.8.8.8", "1.1.1.1", "2606:4700::1111"] {
        let ip: IpAddr = open.parse().expect("ip");
        assert!(is_public(ip), "{open}");
    }
}
