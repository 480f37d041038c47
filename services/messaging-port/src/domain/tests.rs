use chrono::{DateTime, TimeDelta, Utc};
use textport_domain::{E164, MessagingProfileId};

use super::*;
use MessagingPortStatus as M;
use NumberMessaging as N;
use OrderStatus as O;

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + seconds, 0).expect("valid time")
}

fn port() -> OrderEvent {
    OrderEvent::Port {
        watch_until: at(600),
    }
}

/// An order of `count` messaging-capable US numbers in `status`.
fn order(status: OrderStatus, count: usize) -> PortingOrder {
    let numbers: Vec<String> = (0..count)
        .map(|i| format!("+1312555{:04}", 2200 + i))
        .collect();
    order_of(status, &numbers)
}

fn order_of(status: OrderStatus, numbers: &[impl AsRef<str>]) -> PortingOrder {
    let numbers = numbers
        .iter()
        .map(|raw| PortingNumber::new(E164::parse(raw.as_ref()).expect("valid number"), true))
        .collect();
    PortingOrder {
        status,
        ..PortingOrder::new(numbers)
    }
}

/// `order`, with messaging on and a profile, moved from draft to `foc-date-confirmed`.
fn ready(mut order: PortingOrder) -> PortingOrder {
    order.set_enable_messaging(true).expect("enables");
    order.messaging_profile_id = Some(MessagingProfileId::new());
    for event in [OrderEvent::Confirm, OrderEvent::ConfirmFoc] {
        order.transition(event).expect("moves");
    }
    order
}

fn ready_to_port(count: usize) -> PortingOrder {
    ready(order(O::Draft, count))
}

fn messaging(from: MessagingPortStatus, to: MessagingPortStatus) -> Emit {
    Emit::MessagingChanged { from, to }
}

fn status(from: OrderStatus, to: OrderStatus) -> Emit {
    Emit::StatusChanged { from, to }
}

// The order's status machine.

/// One row of the order lifecycle: an event, the statuses it is allowed from, and the status
/// after (which for a cancellation depends on the status before).
type Row = (OrderEvent, Vec<OrderStatus>, fn(OrderStatus) -> OrderStatus);

fn order_table() -> Vec<Row> {
    vec![
        (OrderEvent::Confirm, vec![O::Draft], |_| O::InProcess),
        (OrderEvent::Submit, vec![O::InProcess, O::Exception], |_| {
            O::Submitted
        }),
        (
            OrderEvent::ConfirmFoc,
            vec![O::InProcess, O::Submitted],
            |_| O::FocDateConfirmed,
        ),
        (
            OrderEvent::RaiseException,
            vec![O::InProcess, O::Submitted, O::FocDateConfirmed],
            |_| O::Exception,
        ),
        (port(), vec![O::FocDateConfirmed], |_| O::Ported),
        (
            OrderEvent::Cancel,
            vec![
                O::Draft,
                O::InProcess,
                O::Submitted,
                O::Exception,
                O::FocDateConfirmed,
            ],
            |from| {
                if from == O::Draft {
                    O::Cancelled
                } else {
                    O::CancelPending
                }
            },
        ),
        (OrderEvent::FinishCancel, vec![O::CancelPending], |_| {
            O::Cancelled
        }),
    ]
}

#[test]
fn every_order_transition_is_allowed_exactly_from_its_documented_states() {
    for (event, allowed, next) in order_table() {
        for status in O::ALL {
            let result = status.apply(event);
            if allowed.contains(status) {
                assert_eq!(result, Ok(next(*status)), "{status:?} + {event:?}");
            } else {
                let error = result.expect_err("illegal transition");
                assert_eq!(error.current, status.as_str(), "{status:?} + {event:?}");
                assert_eq!(
                    error.allowed,
                    allowed.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
                    "{status:?} + {event:?}"
                );
            }
        }
    }
}

#[test]
fn only_a_draft_may_be_deleted() {
    for status in O::ALL {
        let result = order(*status, 1).ensure_deletable();
        if *status == O::Draft {
            assert_eq!(result, Ok(()));
        } else {
            let error = result.expect_err("not a draft");
            assert_eq!(error.current, status.as_str());
            assert_eq!(error.allowed, vec!["draft"]);
        }
    }
}

#[test]
fn an_illegal_transition_names_the_status_and_the_allowed_ones() {
    let error = O::Ported
        .apply(OrderEvent::Cancel)
        .expect_err("a ported order stays ported");
    assert_eq!(
        error.to_string(),
        "The porting order could not be cancelled because it has a status of ported. \
         The expected status is one of draft, in-process, submitted, exception, foc-date-confirmed."
    );
    let error = O::Submitted
        .apply(OrderEvent::Confirm)
        .expect_err("already confirmed");
    assert!(
        error.to_string().ends_with("The expected status is draft."),
        "{error}"
    );
}

#[test]
fn every_status_change_emits_status_changed() {
    let mut order = order(O::Draft, 1);
    assert_eq!(
        order.transition(OrderEvent::Confirm),
        Ok(vec![status(O::Draft, O::InProcess)])
    );
    assert_eq!(
        order.transition(OrderEvent::RaiseException),
        Ok(vec![status(O::InProcess, O::Exception)])
    );
    assert_eq!(order.status, O::Exception);
    let refused = order.transition(OrderEvent::FinishCancel);
    assert!(
        matches!(refused, Err(Refusal::Transition(_))),
        "{refused:?}"
    );
    assert_eq!(order.status, O::Exception, "a refusal changes nothing");
}

// A number's messaging machine.

#[test]
fn every_number_transition_is_allowed_exactly_from_its_documented_states() {
    let fail = NumberEvent::Fail(MessagingException::NnidNotReleased);
    let table: Vec<(NumberEvent, Vec<NumberMessaging>, NumberMessaging)> = vec![
        (NumberEvent::Enable, vec![N::NotApplicable], N::Pending),
        (NumberEvent::Disable, vec![N::Pending], N::NotApplicable),
        (NumberEvent::Watch, vec![N::Pending], N::Activating),
        (NumberEvent::PortWithVoice, vec![N::Pending], N::Ported),
        (fail, vec![N::Pending, N::Activating], N::Exception),
        (
            NumberEvent::NnidShown,
            vec![N::Activating, N::Exception],
            N::Ported,
        ),
        (
            NumberEvent::GiveUp,
            vec![N::Activating, N::Exception],
            N::GivenUp,
        ),
        (NumberEvent::Cancel, vec![N::Pending], N::Canceled),
    ];
    for (event, allowed, next) in table {
        for status in N::ALL {
            let result = status.apply(event);
            if allowed.contains(status) {
                assert_eq!(result, Ok(next), "{status:?} + {event:?}");
            } else {
                let error = result.expect_err("illegal transition");
                assert_eq!(error.current, status.as_str());
                assert_eq!(
                    error.allowed,
                    allowed.iter().map(|s| s.as_str()).collect::<Vec<_>>()
                );
            }
        }
    }
}

// The public strings.

#[test]
fn statuses_have_their_exact_public_text_both_ways() {
    assert_eq!(
        O::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        [
            "draft",
            "in-process",
            "submitted",
            "exception",
            "foc-date-confirmed",
            "ported",
            "cancel-pending",
            "cancelled",
        ]
    );
    assert_eq!(
        ActivationStatus::ALL
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>(),
        [
            "New",
            "Pending",
            "Conflict",
            "Cancel Pending",
            "Failed",
            "Concurred",
            "Activate RDY",
            "Disconnect Pending",
            "Concurrence Sent",
            "Old",
            "Sending",
            "Active",
            "Cancelled",
        ]
    );
    assert_eq!(
        PortabilityStatus::ALL
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>(),
        ["pending", "confirmed", "provisional"]
    );
    assert_eq!(
        M::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        [
            "not_applicable",
            "pending",
            "activating",
            "ported",
            "exception",
            "partial_port_complete",
            "canceled",
        ]
    );
    for status in O::ALL {
        assert_eq!(O::parse(status.as_str()), Some(*status));
    }
    for status in ActivationStatus::ALL {
        assert_eq!(ActivationStatus::parse(status.as_str()), Some(*status));
    }
    for status in PortabilityStatus::ALL {
        assert_eq!(PortabilityStatus::parse(status.as_str()), Some(*status));
    }
    for status in M::ALL {
        assert_eq!(M::parse(status.as_str()), Some(*status));
    }
    for status in N::ALL {
        assert_eq!(N::parse(status.as_str()), Some(*status));
    }
    for reason in MessagingException::ALL {
        assert_eq!(MessagingException::parse(reason.as_str()), Some(*reason));
    }
    assert_eq!(O::parse("canceled"), None, "the order's has two L");
    assert_eq!(M::parse("cancelled"), None, "messaging's has one L");
    assert_eq!(ActivationStatus::parse("Activate Rdy"), None);
    assert_eq!(O::parse("in_process"), None);
}

#[test]
fn a_numbers_public_messaging_status_hides_only_given_up() {
    for status in N::ALL {
        let public = status.public();
        if *status == N::GivenUp {
            assert_eq!(public, M::Canceled);
        } else {
            assert_eq!(public.as_str(), status.as_str());
        }
    }
}

// enable_messaging.

#[test]
fn enable_messaging_is_settable_only_in_draft_in_process_or_exception() {
    for status in O::ALL {
        let mut order = order(*status, 2);
        let result = order.set_enable_messaging(true);
        if matches!(status, O::Draft | O::InProcess | O::Exception) {
            assert_eq!(result, Ok(vec![messaging(M::NotApplicable, M::Pending)]));
            assert_eq!(order.enable_messaging, Some(true));
        } else {
            let refusal = result.expect_err("locked");
            assert_eq!(refusal, Refusal::MessagingLocked(*status));
            assert_eq!(refusal.pointer(), Some("/messaging/enable_messaging"));
            assert!(
                refusal.to_string().contains(status.as_str()),
                "{refusal} names the status"
            );
            assert_eq!(order.enable_messaging, None);
        }
    }
}

#[test]
fn enable_messaging_needs_every_number_messaging_capable() {
    let mut order = order(O::Draft, 2);
    order.numbers[1].messaging_capable = false;
    assert!(!order.messaging_capable());
    let refusal = order
        .set_enable_messaging(true)
        .expect_err("not messaging-capable");
    assert_eq!(refusal, Refusal::NotMessagingCapable);
    assert_eq!(refusal.pointer(), Some(ENABLE_MESSAGING_POINTER));
    assert_eq!(order.messaging_port_status, M::NotApplicable);
}

#[test]
fn disabling_messaging_returns_it_to_not_applicable_and_repeats_emit_nothing() {
    let mut order = order(O::Draft, 2);
    order.set_enable_messaging(true).expect("enables");
    assert_eq!(order.set_enable_messaging(true), Ok(Vec::new()));
    assert_eq!(
        order.set_enable_messaging(false),
        Ok(vec![messaging(M::Pending, M::NotApplicable)])
    );
    assert_eq!(order.enable_messaging, Some(false));
    assert!(
        order
            .numbers
            .iter()
            .all(|n| n.messaging == N::NotApplicable)
    );
}

// Confirming.

#[test]
fn confirm_needs_a_messaging_profile_only_when_messaging_is_on() {
    let mut off = order(O::Draft, 1);
    assert_eq!(
        off.transition(OrderEvent::Confirm),
        Ok(vec![status(O::Draft, O::InProcess)])
    );

    let mut on = order(O::Draft, 1);
    on.set_enable_messaging(true).expect("enables");
    let refusal = on
        .transition(OrderEvent::Confirm)
        .expect_err("no messaging profile");
    assert_eq!(refusal, Refusal::MissingMessagingProfile);
    assert_eq!(
        refusal.pointer(),
        Some("/phone_number_configuration/messaging_profile_id")
    );
    assert_eq!(on.status, O::Draft);

    on.messaging_profile_id = Some(MessagingProfileId::new());
    assert_eq!(
        on.transition(OrderEvent::Confirm),
        Ok(vec![status(O::Draft, O::InProcess)])
    );
}

#[test]
fn a_status_refusal_comes_before_a_missing_profile() {
    let mut order = order(O::Draft, 1);
    order.set_enable_messaging(true).expect("enables");
    order.status = O::Submitted;
    assert!(matches!(
        order.transition(OrderEvent::Confirm),
        Err(Refusal::Transition(_))
    ));
}

// The FOC and the watch.

#[test]
fn at_the_foc_voice_ports_and_messaging_starts_activating() {
    let mut order = ready_to_port(2);
    assert_eq!(order.messaging_port_status, M::Pending);
    assert_eq!(
        order.transition(port()),
        Ok(vec![
            status(O::FocDateConfirmed, O::Ported),
            messaging(M::Pending, M::Activating),
        ])
    );
    for number in &order.numbers {
        assert_eq!(number.messaging, N::Activating);
        assert_eq!(number.watch_until, Some(at(600)));
    }
    assert!(!order.messaging_port_completed());
}

#[test]
fn messaging_ports_once_our_nnid_shows_on_every_number() {
    let mut order = ready_to_port(2);
    order.transition(port()).expect("ports");
    assert_eq!(order.nnid_shown(0), Ok(Vec::new()), "one is still watched");
    assert_eq!(order.messaging_port_status, M::Activating);
    assert_eq!(
        order.nnid_shown(1),
        Ok(vec![messaging(M::Activating, M::Ported)])
    );
    assert!(order.messaging_port_completed());
    assert_eq!(order.numbers[1].watch_until, None);
    assert!(order.nnid_shown(1).is_err(), "a ported number stays ported");
}

#[test]
fn numbers_outside_plus_one_port_messaging_with_voice() {
    let mut mixed = ready(order_of(O::Draft, &["+13125552200", "+442071838750"]));
    assert!(mixed.numbers[0].needs_nnid_watch());
    assert!(!mixed.numbers[1].needs_nnid_watch());
    mixed.transition(port()).expect("ports");
    assert_eq!(mixed.numbers[1].messaging, N::Ported);
    assert_eq!(mixed.numbers[1].watch_until, None);
    assert_eq!(
        mixed.messaging_port_status,
        M::Activating,
        "the US one is watched"
    );

    let mut abroad = ready(order_of(O::Draft, &["+442071838750", "+4930123456"]));
    assert_eq!(
        abroad.transition(port()),
        Ok(vec![
            status(O::FocDateConfirmed, O::Ported),
            messaging(M::Pending, M::Ported),
        ])
    );
}

#[test]
fn a_watch_past_its_deadline_is_an_exception_until_resolved() {
    let mut order = ready_to_port(2);
    order.transition(port()).expect("ports");
    order.nnid_shown(0).expect("ports");
    assert_eq!(order.expire_watches(at(599)), Ok(Vec::new()), "not yet");
    assert_eq!(
        order.expire_watches(at(600)),
        Ok(vec![messaging(M::Activating, M::Exception)])
    );
    assert_eq!(
        order.numbers[0].messaging,
        N::Ported,
        "a ported number stays"
    );
    assert_eq!(order.numbers[1].messaging, N::Exception);
    assert_eq!(order.numbers[1].watch_until, None);
    assert_eq!(
        order.messaging_exception(),
        Some(MessagingException::NnidNotReleased)
    );
    assert_eq!(order.expire_watches(at(9_999)), Ok(Vec::new()), "once");

    // The carrier releases late, or the operator's override works.
    assert_eq!(
        order.nnid_shown(1),
        Ok(vec![messaging(M::Exception, M::Ported)])
    );
    assert_eq!(order.messaging_exception(), None);
}

#[test]
fn porting_without_a_profile_ports_voice_and_puts_messaging_in_exception() {
    let mut order = ready_to_port(2);
    order.messaging_profile_id = None;
    assert_eq!(
        order.transition(port()),
        Ok(vec![
            status(O::FocDateConfirmed, O::Ported),
            messaging(M::Pending, M::Exception),
        ])
    );
    assert_eq!(order.status, O::Ported);
    assert_eq!(
        order.messaging_exception(),
        Some(MessagingException::NoMessagingProfile)
    );
    assert!(
        MessagingException::NoMessagingProfile
            .description()
            .contains(MESSAGING_PROFILE_POINTER)
    );
}

#[test]
fn messaging_off_stays_not_applicable_through_the_port() {
    let mut order = order(O::FocDateConfirmed, 2);
    assert_eq!(
        order.transition(port()),
        Ok(vec![status(O::FocDateConfirmed, O::Ported)])
    );
    assert_eq!(order.messaging_port_status, M::NotApplicable);
    assert!(order.numbers.iter().all(|n| n.watch_until.is_none()));
}

#[test]
fn ninety_ported_and_ten_in_exception_is_exception_until_the_ten_are_given_up() {
    let mut order = ready_to_port(100);
    order.transition(port()).expect("ports");
    for index in 0..90 {
        order.nnid_shown(index).expect("ports");
    }
    order.expire_watches(at(600)).expect("expires");
    assert_eq!(order.messaging_port_status, M::Exception);
    assert!(!order.messaging_port_completed());

    for index in 90..99 {
        assert_eq!(order.give_up(index), Ok(Vec::new()), "one is still out");
    }
    assert_eq!(
        order.give_up(99),
        Ok(vec![messaging(M::Exception, M::PartialPortComplete)])
    );
    assert!(order.messaging_port_completed());
    assert_eq!(order.numbers[99].messaging.public(), M::Canceled);
    assert!(
        order.give_up(0).is_err(),
        "a ported number cannot be given up"
    );
}

// Cancelling.

#[test]
fn cancelling_a_draft_ends_at_once_and_cancels_its_messaging() {
    let mut order = order(O::Draft, 1);
    order.set_enable_messaging(true).expect("enables");
    assert_eq!(
        order.transition(OrderEvent::Cancel),
        Ok(vec![
            status(O::Draft, O::Cancelled),
            messaging(M::Pending, M::Canceled),
        ])
    );
}

#[test]
fn cancelling_a_submitted_order_waits_for_the_carrier() {
    let mut on = ready_to_port(1);
    on.transition(OrderEvent::Cancel).expect("cancels");
    assert_eq!(
        (on.status, on.messaging_port_status),
        (O::CancelPending, M::Canceled)
    );
    assert_eq!(
        on.transition(OrderEvent::FinishCancel),
        Ok(vec![status(O::CancelPending, O::Cancelled)])
    );

    let mut off = order(O::Submitted, 1);
    off.transition(OrderEvent::Cancel).expect("cancels");
    assert_eq!(
        off.messaging_port_status,
        M::NotApplicable,
        "messaging that was never on is not cancelled"
    );
}

// The roll-up and the divergence alert.

#[test]
fn the_roll_up_follows_the_documented_precedence() {
    for (numbers, expected) in [
        (vec![], M::NotApplicable),
        (vec![N::NotApplicable, N::NotApplicable], M::NotApplicable),
        (vec![N::Pending, N::Pending], M::Pending),
        (vec![N::Ported, N::Activating], M::Activating),
        (vec![N::Activating, N::Exception, N::Ported], M::Exception),
        (vec![N::GivenUp, N::Exception], M::Exception),
        (vec![N::GivenUp, N::Activating], M::Activating),
        (vec![N::Ported, N::Ported], M::Ported),
        (vec![N::Ported, N::GivenUp], M::PartialPortComplete),
        (vec![N::GivenUp], M::PartialPortComplete),
        (vec![N::Canceled], M::Canceled),
    ] {
        assert_eq!(roll_up(numbers.clone()), expected, "{numbers:?}");
    }
}

#[test]
fn divergence_starts_the_threshold_after_the_foc_while_messaging_lags() {
    let threshold = TimeDelta::minutes(30);
    let foc = Some(at(0));
    assert_eq!(
        divergence_since(foc, M::Activating, at(1_799), threshold),
        None
    );
    assert_eq!(
        divergence_since(foc, M::Activating, at(1_800), threshold),
        Some(at(1_800))
    );
    assert_eq!(
        divergence_since(foc, M::Exception, at(99_999), threshold),
        Some(at(1_800)),
        "the same answer whenever asked"
    );
    for settled in [
        M::Ported,
        M::PartialPortComplete,
        M::NotApplicable,
        M::Canceled,
        M::Pending,
    ] {
        assert_eq!(divergence_since(foc, settled, at(99_999), threshold), None);
    }
    assert_eq!(
        divergence_since(None, M::Activating, at(99_999), threshold),
        None
    );
}

#[test]
fn each_emit_names_its_webhook() {
    assert_eq!(
        status(O::Draft, O::InProcess).event_type(),
        "porting_order.status_changed"
    );
    assert_eq!(
        messaging(M::Pending, M::Activating).event_type(),
        "porting_order.messaging_changed"
    );
}

#[test]
fn the_routing_databases_answer_moves_only_watched_numbers() {
    let mut order = ready_to_port(3);
    order.transition(port()).expect("ports");
    assert_eq!(order.nnid_seen(0, Nnid::Waiting), Ok(Vec::new()));
    assert_eq!(order.nnid_seen(0, Nnid::Ours), Ok(Vec::new()), "two left");
    assert_eq!(order.numbers[0].messaging, N::Ported);
    assert_eq!(
        order.nnid_seen(1, Nnid::Refused),
        Ok(vec![messaging(M::Activating, M::Exception)])
    );
    assert_eq!(
        order.numbers[1].exception,
        Some(MessagingException::NnidRefused)
    );
    assert_eq!(
        order.nnid_seen(1, Nnid::Refused),
        Ok(Vec::new()),
        "a refusal is taken once"
    );
    assert_eq!(
        order.nnid_seen(0, Nnid::Refused),
        Ok(Vec::new()),
        "ported stays"
    );
    assert!(order.is_watching());
    order.nnid_seen(2, Nnid::Ours).expect("ports");
    assert_eq!(
        order.nnid_seen(1, Nnid::Ours),
        Ok(vec![messaging(M::Exception, M::Ported)]),
        "a late release resolves the exception"
    );
    assert!(!order.is_watching());
}

#[test]
fn a_number_gets_the_orders_profile_when_its_messaging_ports() {
    let mut order = ready_to_port(2);
    let profile = order.messaging_profile_id;
    order.transition(port()).expect("ports");
    assert_eq!(order.numbers[0].messaging_profile_id, None, "still watched");
    order.nnid_shown(0).expect("ports");
    assert_eq!(order.numbers[0].messaging_profile_id, profile);
    assert_eq!(order.numbers[1].messaging_profile_id, None);
    assert_eq!(order.next_watch_deadline(), Some(at(600)));
}

#[test]
fn divergence_is_recorded_once_and_forgotten_when_messaging_catches_up() {
    let threshold = TimeDelta::minutes(30);
    let mut order = ready_to_port(1);
    order.transition(port()).expect("ports");
    order.foc_datetime_actual = Some(at(0));
    assert_eq!(order.watch_divergence(at(1_799), threshold), Vec::new());
    assert_eq!(
        order.watch_divergence(at(1_800), threshold),
        vec![Emit::MessagingDiverged { since: at(1_800) }]
    );
    assert_eq!(
        order.watch_divergence(at(5_000), threshold),
        Vec::new(),
        "once"
    );
    assert_eq!(order.divergence_since, Some(at(1_800)));
    order.nnid_shown(0).expect("ports");
    assert_eq!(order.watch_divergence(at(5_001), threshold), Vec::new());
    assert_eq!(order.divergence_since, None);
    assert_eq!(
        Emit::MessagingDiverged { since: at(0) }.event_type(),
        "porting_order.messaging_diverged"
    );
}

#[test]
fn each_order_status_shows_its_numbers_activation_portability_and_requirements() {
    use ActivationStatus as A;
    use PortabilityStatus as P;
    use RequirementsStatus as R;
    for (status, activation, portability, requirements) in [
        (O::Draft, None, P::Pending, R::RequirementInfoPending),
        (O::InProcess, Some(A::New), P::Pending, R::Approved),
        (O::Submitted, Some(A::Pending), P::Provisional, R::Approved),
        (
            O::Exception,
            Some(A::Conflict),
            P::Provisional,
            R::RequirementInfoException,
        ),
        (
            O::FocDateConfirmed,
            Some(A::ActivateRdy),
            P::Confirmed,
            R::Approved,
        ),
        (O::Ported, Some(A::Active), P::Confirmed, R::Approved),
        (
            O::CancelPending,
            Some(A::CancelPending),
            P::Pending,
            R::Approved,
        ),
        (O::Cancelled, Some(A::Cancelled), P::Pending, R::Approved),
    ] {
        assert_eq!(status.activation_status(), activation, "{status:?}");
        assert_eq!(status.portability_status(), portability, "{status:?}");
        assert_eq!(status.requirements_status(), requirements, "{status:?}");
    }
    assert_eq!(
        RequirementsStatus::ALL
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>(),
        [
            "requirement-info-pending",
            "requirement-info-under-review",
            "requirement-info-exception",
            "approved"
        ]
    );
}

#[test]
fn a_number_without_a_profile_waits_for_the_profile_even_with_our_nnid() {
    let mut order = ready_to_port(1);
    order.messaging_profile_id = None;
    order.transition(port()).expect("ports");
    assert_eq!(order.nnid_seen(0, Nnid::Ours), Ok(Vec::new()));
    order.messaging_profile_id = Some(MessagingProfileId::new());
    assert_eq!(
        order.nnid_seen(0, Nnid::Ours),
        Ok(vec![messaging(M::Exception, M::Ported)])
    );
    assert_eq!(
        order.numbers[0].messaging_profile_id,
        order.messaging_profile_id
    );
}

#[test]
fn one_write_tells_one_messaging_change_from_where_it_was_to_where_it_ended() {
    let port = status(O::FocDateConfirmed, O::Ported);
    assert_eq!(
        coalesce(vec![
            port,
            messaging(M::Pending, M::Activating),
            messaging(M::Activating, M::Ported),
        ]),
        vec![port, messaging(M::Pending, M::Ported)]
    );
    assert_eq!(
        coalesce(vec![
            messaging(M::Exception, M::Activating),
            messaging(M::Activating, M::Exception),
        ]),
        Vec::new(),
        "back where it was"
    );
    let diverged = Emit::MessagingDiverged { since: at(0) };
    assert_eq!(
        coalesce(vec![diverged, messaging(M::Activating, M::Exception)]),
        vec![diverged, messaging(M::Activating, M::Exception)]
    );
}

#[test]
fn a_port_whose_nnids_are_ours_already_tells_one_messaging_change() {
    let mut order = ready_to_port(2);
    let mut emits = order.transition(port()).expect("ports");
    emits.extend(order.nnid_seen(0, Nnid::Ours).expect("ports"));
    emits.extend(order.nnid_seen(1, Nnid::Ours).expect("ports"));
    assert_eq!(
        coalesce(emits),
        vec![
            status(O::FocDateConfirmed, O::Ported),
            messaging(M::Pending, M::Ported)
        ]
    );
}
