use chrono::{DateTime, Duration, Utc};
use textport_domain::AccountId;

use super::*;

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).expect("valid")
}

fn input() -> NewProfileInput {
    NewProfileInput {
        name: Some("Support".into()),
        whitelisted_destinations: Some(vec!["US".into(), "CA".into()]),
        ..NewProfileInput::default()
    }
}

fn keep_all() -> ProfilePatch {
    ProfilePatch {
        name: None,
        enabled: None,
        webhook_url: Change::Keep,
        webhook_failover_url: Change::Keep,
        webhook_api_version: None,
        whitelisted_destinations: None,
    }
}

#[test]
fn a_minimal_profile_takes_the_defaults() {
    let profile = MessagingProfile::create(AccountId::new(), input(), now()).expect("valid");
    assert!(profile.enabled);
    assert_eq!(profile.webhook_api_version, WebhookApiVersion::V2);
    assert_eq!(profile.webhook_url, None);
    assert_eq!(profile.created_at, profile.updated_at);
}

#[test]
fn every_bad_field_is_reported_with_its_pointer() {
    let bad = NewProfileInput {
        name: None,
        webhook_url: Some("not a url".into()),
        whitelisted_destinations: Some(vec!["US".into(), "usa".into()]),
        ..NewProfileInput::default()
    };
    let errors = MessagingProfile::create(AccountId::new(), bad, now()).expect_err("invalid");
    let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
    assert_eq!(
        pointers,
        ["/name", "/whitelisted_destinations/1", "/webhook_url"]
    );
}

#[test]
fn destinations_are_required_and_deduplicated() {
    let missing = NewProfileInput {
        whitelisted_destinations: None,
        ..input()
    };
    let errors = MessagingProfile::create(AccountId::new(), missing, now()).expect_err("invalid");
    assert_eq!(errors[0].pointer, "/whitelisted_destinations");
    let empty = NewProfileInput {
        whitelisted_destinations: Some(vec![]),
        ..input()
    };
    let errors = MessagingProfile::create(AccountId::new(), empty, now()).expect_err("invalid");
    assert_eq!(errors[0].pointer, "/whitelisted_destinations");
    let all = Destinations::parse(&["*".into(), "US".into(), "US".into()]).expect("valid");
    assert_eq!(all.as_slice(), ["*", "US"]);
}

#[test]
fn an_update_changes_only_what_it_names() {
    let profile = MessagingProfile::create(AccountId::new(), input(), now()).expect("valid");
    let later = now() + Duration::minutes(5);
    let patch = ProfilePatch {
        webhook_url: Change::Set("https://example.com/hook".into()),
        ..keep_all()
    };
    let updated = profile.update(patch, later).expect("valid");
    assert_eq!(
        updated.webhook_url.as_ref().map(|u| u.as_str()),
        Some("https://example.com/hook")
    );
    assert_eq!(
        (updated.name.clone(), updated.updated_at, updated.created_at),
        (profile.name.clone(), later, profile.created_at)
    );

    let cleared = updated
        .update(
            ProfilePatch {
                webhook_url: Change::Clear,
                ..keep_all()
            },
            later,
        )
        .expect("valid");
    assert_eq!(cleared.webhook_url, None);
}

#[test]
fn a_bad_update_changes_nothing() {
    let profile = MessagingProfile::create(AccountId::new(), input(), now()).expect("valid");
    let patch = ProfilePatch {
        name: Some("Renamed".into()),
        webhook_failover_url: Change::Set("ftp://x".into()),
        ..keep_all()
    };
    let errors = profile.update(patch, now()).expect_err("invalid");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].pointer, "/webhook_failover_url");
}

#[test]
fn account_names_are_trimmed_and_bounded() {
    assert_eq!(
        AccountName::parse("  acme ").map(|n| n.as_str().to_owned()),
        Ok("acme".to_owned())
    );
    assert!(AccountName::parse("   ").is_err());
}

#[test]
fn names_and_labels_are_trimmed_and_bounded() {
    assert_eq!(
        AccountName::parse("  acme ").expect("valid").as_str(),
        "acme"
    );
    assert_eq!(
        AccountName::parse("   ").expect_err("blank").pointer,
        "/name"
    );
    assert_eq!(KeyLabel::parse(" ci ").expect("valid").as_str(), "ci");
    assert_eq!(KeyLabel::parse("").expect_err("empty").pointer, "/label");
    assert!(KeyLabel::parse(&"x".repeat(101)).is_err());
}
