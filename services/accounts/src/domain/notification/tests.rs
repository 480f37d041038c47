use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use textport_domain::AccountId;

use super::*;

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).expect("valid")
}

fn profile() -> NotificationProfile {
    NotificationProfile::create(AccountId::new(), Some("Ops"), now()).expect("valid")
}

fn channel_of(
    profile: &NotificationProfile,
    kind: ChannelType,
    destination: &str,
) -> NotificationChannel {
    let input = NewChannelInput {
        profile_id: Some(profile.id.to_string()),
        channel_type: Some(kind),
        destination: Some(destination.into()),
    };
    NotificationChannel::create(profile.account_id, input, now()).expect("valid")
}

fn pointers(errors: &[FieldError]) -> Vec<&str> {
    errors.iter().map(|e| e.pointer.as_str()).collect()
}

#[test]
fn email_addresses_are_dot_atoms_at_a_domain_of_two_labels_or_more() {
    for good in [
        "ops@example.com",
        "first.last+tag@mail.example.co.uk",
        "o'brien!#$%&*/=?^_`{|}~-@x-y.io",
        "A@B.C",
    ] {
        assert_eq!(
            EmailAddress::parse(good).map(|a| a.as_str().to_owned()),
            Ok(good.to_owned())
        );
    }
    for bad in [
        "",
        "ops",
        "ops@",
        "@example.com",
        "ops@localhost",
        "a..b@example.com",
        ".a@example.com",
        "a.@example.com",
        "a b@example.com",
        "\"quoted\"@example.com",
        "ops@-example.com",
        "ops@example-.com",
        "ops@exa_mple.com",
        "ops@example..com",
        "a@b@example.com",
        "ops@[127.0.0.1]",
        "https://example.com/hook",
    ] {
        assert_eq!(
            EmailAddress::parse(bad),
            Err(EmailAddressError::Shape),
            "{bad:?}"
        );
    }
    let label = "a".repeat(63);
    assert!(EmailAddress::parse(&format!("x@{label}.com")).is_ok());
    assert!(EmailAddress::parse(&format!("x@{label}a.com")).is_err());
    let local = "a".repeat(LOCAL_MAX);
    assert!(EmailAddress::parse(&format!("{local}@example.com")).is_ok());
    assert!(EmailAddress::parse(&format!("{local}a@example.com")).is_err());
    let label = "d".repeat(60);
    let domain = format!("{label}.{label}.{label}.com");
    let long = format!(
        "{local}@{}{domain}",
        "d".repeat(EMAIL_MAX - 65 - domain.len())
    );
    assert_eq!(long.len(), EMAIL_MAX);
    assert!(EmailAddress::parse(&long).is_ok());
    assert_eq!(
        EmailAddress::parse(&format!(
            "{local}@d{}{domain}",
            "d".repeat(EMAIL_MAX - 65 - domain.len())
        )),
        Err(EmailAddressError::Length)
    );
}

#[test]
fn an_email_address_shows_only_its_domain_in_debug() {
    let address = EmailAddress::parse("jane.doe@example.com").expect("valid");
    assert_eq!(format!("{address:?}"), "EmailAddress(…@example.com)");
}

#[test]
fn a_destination_must_fit_its_channel_type() {
    let email = ChannelDestination::parse(ChannelType::Email, "ops@example.com").expect("valid");
    assert_eq!(email.channel_type(), ChannelType::Email);
    let webhook =
        ChannelDestination::parse(ChannelType::Webhook, "https://example.com/h").expect("valid");
    assert_eq!(
        (webhook.channel_type(), webhook.as_str()),
        (ChannelType::Webhook, "https://example.com/h")
    );
    let error = ChannelDestination::parse(ChannelType::Email, "https://example.com/h")
        .expect_err("not an address");
    assert_eq!(error.pointer, "/channel_destination");
    let error =
        ChannelDestination::parse(ChannelType::Webhook, "ops@example.com").expect_err("not a URL");
    assert!(error.detail.contains("http"), "{}", error.detail);
    for kind in ChannelType::ALL {
        assert_eq!(ChannelType::parse(kind.as_str()), Some(kind));
    }
    assert_eq!(ChannelType::parse("sms"), None);
}

#[test]
fn a_profile_needs_a_name_and_keeps_it_unless_renamed() {
    let error = NotificationProfile::create(AccountId::new(), None, now()).expect_err("no name");
    assert_eq!(error.pointer, "/name");
    assert!(NotificationProfile::create(AccountId::new(), Some("  "), now()).is_err());
    let profile = profile();
    let later = now() + Duration::minutes(1);
    assert_eq!(profile.update(None, later), Ok(profile.clone()));
    let renamed = profile.update(Some("Ops 2"), later).expect("valid");
    assert_eq!(
        (
            renamed.name.as_str(),
            renamed.updated_at,
            renamed.created_at
        ),
        ("Ops 2", later, profile.created_at)
    );
}

#[test]
fn every_bad_field_of_a_new_channel_is_named() {
    let errors = NotificationChannel::create(AccountId::new(), NewChannelInput::default(), now())
        .expect_err("empty");
    assert_eq!(
        pointers(&errors),
        [
            "/notification_profile_id",
            "/channel_type_id",
            "/channel_destination"
        ]
    );
    let bad = NewChannelInput {
        profile_id: Some("nope".into()),
        channel_type: Some(ChannelType::Email),
        destination: Some("nobody".into()),
    };
    let errors = NotificationChannel::create(AccountId::new(), bad, now()).expect_err("invalid");
    assert_eq!(
        pointers(&errors),
        ["/notification_profile_id", "/channel_destination"]
    );
}

fn invalid(error: ChannelUpdateError) -> Vec<FieldError> {
    match error {
        ChannelUpdateError::Invalid(errors) => errors,
        ChannelUpdateError::Mismatch(error) => panic!("a mismatch, not invalid: {error:?}"),
    }
}

fn mismatch(error: ChannelUpdateError) -> FieldError {
    match error {
        ChannelUpdateError::Mismatch(error) => error,
        ChannelUpdateError::Invalid(errors) => panic!("invalid, not a mismatch: {errors:?}"),
    }
}

#[test]
fn a_channel_update_keeps_type_and_destination_consistent() {
    let profile = profile();
    let channel = channel_of(&profile, ChannelType::Email, "ops@example.com");
    let later = now() + Duration::minutes(1);
    let patch = |channel_type: Option<ChannelType>, destination: Option<&str>| ChannelPatch {
        channel_type,
        destination: destination.map(str::to_owned),
        ..ChannelPatch::default()
    };

    // One side sent alone must fit the other as the channel has it: a conflict, not bad input.
    let error = channel
        .update(patch(Some(ChannelType::Webhook), None), later)
        .expect_err("an address is not a URL");
    assert_eq!(mismatch(error).pointer, "/channel_type_id");
    let error = channel
        .update(patch(None, Some("https://example.com/n")), later)
        .expect_err("a URL is not an address");
    assert_eq!(mismatch(error).pointer, "/channel_destination");
    // Wrong whatever the channel is: bad input.
    let error = channel
        .update(patch(None, Some("nobody")), later)
        .expect_err("neither");
    assert_eq!(pointers(&invalid(error)), ["/channel_destination"]);
    let error = channel
        .update(
            patch(Some(ChannelType::Webhook), Some("ops@example.com")),
            later,
        )
        .expect_err("sent together, they must fit");
    assert_eq!(pointers(&invalid(error)), ["/channel_destination"]);

    let retyped = channel
        .update(
            patch(Some(ChannelType::Webhook), Some("https://example.com/n")),
            later,
        )
        .expect("valid");
    assert_eq!(
        (
            retyped.destination.channel_type(),
            retyped.profile_id,
            retyped.updated_at
        ),
        (ChannelType::Webhook, profile.id, later)
    );
    let readdressed = channel
        .update(patch(None, Some("oncall@example.com")), later)
        .expect("valid");
    assert_eq!(readdressed.destination.as_str(), "oncall@example.com");

    let other = NotificationProfileId::new();
    let reassigned = channel
        .update(
            ChannelPatch {
                profile_id: Some(other.to_string()),
                ..ChannelPatch::default()
            },
            later,
        )
        .expect("valid");
    assert_eq!(
        (reassigned.profile_id, reassigned.destination),
        (other, channel.destination.clone())
    );

    let error = channel
        .update(
            ChannelPatch {
                profile_id: Some("x".into()),
                destination: Some("https://example.com/n".into()),
                ..ChannelPatch::default()
            },
            later,
        )
        .expect_err("invalid");
    assert_eq!(
        pointers(&invalid(error)),
        ["/notification_profile_id"],
        "bad input comes before a conflict"
    );
}

#[test]
fn the_condition_table_is_fixed_and_its_ids_are_distinct() {
    let ids: HashSet<_> = EventCondition::ALL.iter().map(|c| c.facts().id).collect();
    let events: HashSet<_> = EventCondition::ALL
        .iter()
        .map(|c| c.facts().notification_event_id)
        .collect();
    assert_eq!((ids.len(), events.len()), (3, 3));
    assert!(ids.is_disjoint(&events));
    assert_eq!(
        EventCondition::HostedSmsOrderUpdates.facts().id.to_string(),
        "2d6fce63-cacc-4b9d-8db5-6640e9409cde"
    );
    assert_eq!(
        EventCondition::InternalTransferRequests
            .facts()
            .id
            .to_string(),
        "1f14102b-5920-4180-94bf-cea1fbfbf11d"
    );
    assert_eq!(
        EventCondition::PortInNotifications.facts().id.to_string(),
        "666e8bdb-a1e0-4dd9-b1cc-e3abcef9b8db"
    );
    for condition in EventCondition::ALL {
        assert_eq!(EventCondition::by_id(condition.facts().id), Some(condition));
        assert_eq!(EventCondition::parse(condition.as_str()), Some(condition));
    }
    assert_eq!(EventCondition::by_id(uuid::Uuid::nil()), None);
    assert_eq!(
        EventCondition::defined_at().to_rfc3339(),
        "2026-11-24T00:00:00+00:00"
    );
}

#[test]
fn a_setting_names_every_bad_reference() {
    let errors = NewSettingInput::default().parse().expect_err("empty");
    assert_eq!(
        pointers(&errors),
        [
            "/notification_profile_id",
            "/notification_event_condition_id"
        ]
    );
    let bad = NewSettingInput {
        profile_id: Some(NotificationProfileId::new().to_string()),
        channel_id: Some("x".into()),
        condition_id: Some("y".into()),
    };
    assert_eq!(
        pointers(&bad.parse().expect_err("invalid")),
        [
            "/notification_channel_id",
            "/notification_event_condition_id"
        ]
    );
    let condition = EventCondition::PortInNotifications.facts().id;
    let portal_only = NewSettingInput {
        profile_id: Some(NotificationProfileId::new().to_string()),
        channel_id: None,
        condition_id: Some(condition.to_string()),
    };
    let refs = portal_only.parse().expect("valid");
    assert_eq!((refs.channel_id, refs.condition_id), (None, condition));
}

#[test]
fn a_setting_sends_only_to_its_own_profiles_channels() {
    let profile = profile();
    let own = channel_of(&profile, ChannelType::Email, "ops@example.com");
    let setting = NotificationSetting::create(
        &profile,
        Some(&own),
        EventCondition::HostedSmsOrderUpdates,
        now(),
    )
    .expect("valid");
    assert_eq!(
        (setting.profile_id, setting.channel_id, setting.account_id),
        (profile.id, Some(own.id), profile.account_id)
    );
    let portal =
        NotificationSetting::create(&profile, None, EventCondition::HostedSmsOrderUpdates, now())
            .expect("valid");
    assert_eq!(portal.channel_id, None);

    let sibling = NotificationProfile {
        id: NotificationProfileId::new(),
        ..profile.clone()
    };
    let foreign = channel_of(&sibling, ChannelType::Webhook, "https://example.com/h");
    let error = NotificationSetting::create(
        &profile,
        Some(&foreign),
        EventCondition::HostedSmsOrderUpdates,
        now(),
    );
    assert_eq!(error, Err(ForeignChannel));
}
