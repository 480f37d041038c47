//! The metrics endpoint, scraped after requests: per-route responses and latency, per-RPC calls
//! and latency, errors by kind, and the outbox, sweeper and webhook figures.

use serde_json::json;

use crate::support::spawn;

/// The value of the first sample line that starts with `series` (name and labels).
fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .find(|line| line.starts_with(series))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scrape_after_requests_shows_them() {
    let suite = spawn().await;
    let key = suite.acme().api_key.clone();
    let checked = suite
        .post(
            "/v2/messaging_hosted_number_orders/eligibility_numbers_check",
            &key,
            json!({"phone_numbers": ["+13125550001"]}),
        )
        .await;
    assert_eq!(checked.status, 200);
    suite
        .post(
            "/v2/messaging_hosted_number_orders/eligibility_numbers_check",
            &key,
            json!({"phone_numbers": []}),
        )
        .await
        .assert_error(400, "10015");
    let emitted = suite
        .post(
            "/sandbox/v1/events",
            &key,
            json!({"event_type": "textport.metrics", "webhook_urls": ["http://127.0.0.1:9/hook"]}),
        )
        .await;
    assert_eq!(emitted.status, 202);

    let route = r#"route="/v2/messaging_hosted_number_orders/eligibility_numbers_check""#;
    let http = reqwest::Client::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    let metrics = loop {
        let response = http
            .get(&suite.state.metrics_url)
            .send()
            .await
            .expect("the metrics endpoint answers");
        assert_eq!(response.status(), 200);
        assert!(
            response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|t| t.starts_with("application/openmetrics-text"))
        );
        let text = response.text().await.expect("text");
        // The event's webhook attempt (to a refused port) is the last thing to happen.
        if text.contains(r#"textport_webhook_attempts_total{outcome="failed",error="2"}"#) {
            break text;
        }
        assert!(tokio::time::Instant::now() < deadline, "{text}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };

    for series in [
        format!(r#"textport_http_responses_total{{method="POST",{route},status="200"}}"#),
        format!(r#"textport_http_responses_total{{method="POST",{route},status="400"}}"#),
        format!(r#"textport_http_request_duration_seconds_count{{method="POST",{route}}}"#),
        r#"textport_grpc_server_requests_total{method="/textport.eligibility.v1.EligibilityService/CheckHostedEligibility"}"#.to_owned(),
        r#"textport_grpc_server_duration_seconds_count{method="/textport.accounts.v1.AccountService/AuthenticateApiKey"}"#.to_owned(),
        r#"textport_errors_total{kind="TEXTPORT_VALIDATION",edge="http"}"#.to_owned(),
        r#"textport_outbox_sent_total{outbox="gateway",destination="notifier"}"#.to_owned(),
        r#"textport_sweeper_claimed_total{table="outbox"}"#.to_owned(),
        r#"textport_sweeper_claimed_total{table="deliveries"}"#.to_owned(),
    ] {
        assert!(
            sample(&metrics, &series).is_some_and(|value| value >= 1.0),
            "{series} in\n{metrics}"
        );
    }
    assert!(
        !metrics.contains("grpc.health"),
        "health checks are not counted"
    );
    suite.stop().await;
}
