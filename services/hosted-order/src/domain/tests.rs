use chrono::{DateTime, Utc};
use textport_domain::{AccountId, E164, HostedNumberId, OrderId};

use super::*;
use NumberStatus as N;
use OrderStatus as O;

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + seconds, 0).expect("valid time")
}

fn number(raw: &str, status: NumberStatus) -> Number {
    Number {
        id: HostedNumberId::new(),
        phone_number: E164::parse(raw).expect("valid number"),
        status,
        transfer_from: None,
        transfer_decision: None,
        approval_deadline: None,
        campaign_id: None,
        messaging_profile_id: None,
        messaging_product: "P2P".to_owned(),
        tags: Vec::new(),
        code_attempts_remaining: None,
        code_resend_allowed_at: None,
        created_at: at(0),
        updated_at: at(0),
    }
}

fn order(status: OrderStatus, numbers: &[NumberStatus]) -> Order {
    Order {
        id: OrderId::new(),
        account: AccountId::new(),
        messaging_profile_id: None,
        status,
        numbers: numbers
            .iter()
            .enumerate()
            .map(|(i, s)| number(&format!("+1312555000{i}"), *s))
            .collect(),
        loa: None,
        bill: None,
        failure_reason: String::new(),
        waiting_on: None,
        waiting_since: None,
        created_at: at(0),
        updated_at: at(0),
        version: 0,
    }
}

fn document() -> Document {
    Document {
        id: uuid::Uuid::now_v7(),
        filename: "x.pdf".to_owned(),
        size: 10,
        sha256: String::new(),
        uploaded_at: at(0),
    }
}

/// The documented order lifecycle as a table: (event, statuses it is allowed from, status after).
fn order_table() -> Vec<(OrderEvent, Vec<OrderStatus>, OrderStatus)> {
    let open_or_failed = vec![
        O::Pending,
        O::LoaFileSuccessful,
        O::LoaFileInvalid,
        O::IncompleteDocumentation,
        O::Failed,
        O::CarrierRejected,
        O::IneligibleCarrier,
        O::ComplianceReviewFailed,
        O::IncorrectBillingInformation,
    ];
    let mut table = vec![
        (
            OrderEvent::DocumentsComplete,
            vec![O::Pending, O::LoaFileInvalid, O::IncompleteDocumentation],
            O::LoaFileSuccessful,
        ),
        (
            OrderEvent::Reopen,
            vec![O::LoaFileInvalid, O::IncompleteDocumentation],
            O::Pending,
        ),
        (
            OrderEvent::Accept,
            vec![O::LoaFileSuccessful],
            O::Provisioning,
        ),
        (OrderEvent::Activated, vec![O::Provisioning], O::Successful),
        (OrderEvent::Delete, open_or_failed.clone(), O::Deleted),
        (
            OrderEvent::Retry,
            O::ALL
                .iter()
                .copied()
                .filter(|s| !matches!(s, O::Deleted | O::Provisioning))
                .collect(),
            O::Pending,
        ),
    ];
    for failure in ORDER_FAILURES {
        table.push((
            OrderEvent::Fail(*failure),
            vec![
                O::Pending,
                O::LoaFileSuccessful,
                O::LoaFileInvalid,
                O::IncompleteDocumentation,
                O::Provisioning,
            ],
            *failure,
        ));
    }
    table
}

#[test]
fn every_order_transition_is_allowed_exactly_from_its_documented_states() {
    for (event, allowed, next) in order_table() {
        for status in O::ALL {
            let result = status.apply(event);
            if allowed.contains(status) {
                assert_eq!(result, Ok(next), "{status:?} + {event:?}");
            } else {
                let error = result.expect_err("illegal transition");
                assert_eq!(error.current, status.as_str());
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
fn an_order_cannot_fail_into_a_status_that_is_not_a_failure() {
    for status in [O::Pending, O::Successful, O::Provisioning, O::Deleted] {
        let error = O::Pending
            .apply(OrderEvent::Fail(status))
            .expect_err("not a failure");
        assert!(error.allowed.contains(&"carrier_rejected"));
    }
}

#[test]
fn deleting_a_successful_order_names_the_state_and_the_way_out() {
    let error = O::Successful
        .apply(OrderEvent::Delete)
        .expect_err("successful orders stay");
    let text = error.to_string();
    assert!(text.starts_with(
        "The order could not be deleted because it has a status of successful. The expected status is one of pending,"
    ), "{text}");
}

#[test]
fn every_number_transition_is_allowed_exactly_from_its_documented_states() {
    let mut table: Vec<(NumberEvent, Vec<NumberStatus>, NumberStatus)> = vec![
        (
            NumberEvent::Verified,
            vec![N::Pending],
            N::OwnershipSuccessful,
        ),
        (
            NumberEvent::OwnershipUnproven,
            vec![N::Pending],
            N::FailedOwnershipVerification,
        ),
        (
            NumberEvent::Provision,
            vec![N::OwnershipSuccessful],
            N::Provisioning,
        ),
        (NumberEvent::Activated, vec![N::Provisioning], N::Successful),
        (
            NumberEvent::Delete,
            N::ALL
                .iter()
                .copied()
                .filter(|s| !matches!(s, N::Deleted | N::Provisioning))
                .collect(),
            N::Deleted,
        ),
        (NumberEvent::Retry, NUMBER_FAILURES.to_vec(), N::Pending),
    ];
    for failure in NUMBER_FAILURES {
        table.push((
            NumberEvent::Fail(*failure),
            vec![N::Pending, N::OwnershipSuccessful, N::Provisioning],
            *failure,
        ));
    }
    for (event, allowed, next) in table {
        for status in N::ALL {
            let result = status.apply(event);
            if allowed.contains(status) {
                assert_eq!(result, Ok(next), "{status:?} + {event:?}");
            } else {
                assert!(result.is_err(), "{status:?} + {event:?} must be refused");
            }
        }
    }
}

#[test]
fn statuses_round_trip_through_their_text() {
    for status in O::ALL {
        assert_eq!(O::parse(status.as_str()), Some(*status));
    }
    for status in N::ALL {
        assert_eq!(N::parse(status.as_str()), Some(*status));
    }
    assert_eq!(O::parse("PENDING"), None);
}

#[test]
fn verified_numbers_and_both_documents_submit_the_order_for_review() {
    let mut order = order(O::Pending, &[N::OwnershipSuccessful, N::Pending]);
    order.loa = Some(document());
    order.bill = Some(document());
    let mut changes = Changes::default();
    order.settle(&mut changes).expect("settles");
    assert_eq!(order.status, O::Pending, "one number is still unverified");
    assert_eq!(order.waiting(), Some(WaitingOn::CustomerVerification));

    order
        .transition_number(1, NumberEvent::Verified, "code verified", &mut changes)
        .expect("pending → ownership_successful");
    order.settle(&mut changes).expect("settles");
    assert_eq!(order.status, O::LoaFileSuccessful);
    assert_eq!(order.waiting(), Some(WaitingOn::Review));
    assert_eq!(changes.0.len(), 2);
    assert_eq!(changes.0[1].phone_number, None);
    assert_eq!(changes.0[1].from, Some("pending"));
}

#[test]
fn without_documents_a_verified_order_waits_on_them() {
    let mut order = order(O::Pending, &[N::OwnershipSuccessful]);
    let mut changes = Changes::default();
    order.settle(&mut changes).expect("settles");
    assert_eq!(order.status, O::Pending);
    assert_eq!(order.waiting(), Some(WaitingOn::Documents));
    assert!(changes.0.is_empty());
}

#[test]
fn an_order_whose_numbers_all_failed_fails() {
    let mut order = order(O::Pending, &[N::FailedOwnershipVerification, N::Deleted]);
    let mut changes = Changes::default();
    order.settle(&mut changes).expect("settles");
    assert_eq!(order.status, O::Failed);
    assert_eq!(order.waiting(), None);
}

#[test]
fn activation_settles_the_order_when_no_number_is_left_provisioning() {
    let mut partly = order(O::Provisioning, &[N::Successful, N::Provisioning]);
    let mut changes = Changes::default();
    partly.settle(&mut changes).expect("settles");
    assert_eq!(partly.status, O::Provisioning, "one number still waits");
    assert_eq!(partly.waiting(), Some(WaitingOn::Carrier));
    partly
        .transition_number(
            1,
            NumberEvent::Fail(N::FailedTimeout),
            "timeout",
            &mut changes,
        )
        .expect("provisioning → failed_timeout");
    partly.settle(&mut changes).expect("settles");
    assert_eq!(
        partly.status,
        O::Successful,
        "a partly hosted order is successful"
    );

    let mut rejected = order(
        O::Provisioning,
        &[N::FailedCarrierRejected, N::FailedCarrierRejected],
    );
    rejected.settle(&mut changes).expect("settles");
    assert_eq!(rejected.status, O::CarrierRejected);

    let mut mixed = order(
        O::Provisioning,
        &[N::FailedCarrierRejected, N::FailedNumberNotFound],
    );
    mixed.settle(&mut changes).expect("settles");
    assert_eq!(mixed.status, O::Failed);
}

#[test]
fn waiting_since_restarts_only_when_what_the_order_waits_on_changes() {
    let mut order = order(O::Pending, &[N::Pending]);
    order.touch(at(10));
    assert_eq!(order.waiting_since, Some(at(10)));
    order.touch(at(20));
    assert_eq!(
        order.waiting_since,
        Some(at(10)),
        "still waiting on the customer"
    );
    order.status = O::LoaFileSuccessful;
    order.touch(at(30));
    assert_eq!(order.waiting_on, Some(WaitingOn::Review));
    assert_eq!(order.waiting_since, Some(at(30)));
    order.status = O::Successful;
    order.touch(at(40));
    assert_eq!((order.waiting_on, order.waiting_since), (None, None));
}

#[test]
fn the_event_payload_has_the_documented_fields() {
    let order = order(O::Pending, &[N::OwnershipSuccessful]);
    let json = serde_json::to_value(order.event_payload()).expect("serialises");
    assert_eq!(json["order_status"], "pending");
    assert_eq!(json["numbers"][0]["value"], "+13125550000");
    assert_eq!(json["numbers"][0]["status"], "ownership_successful");
    assert_eq!(json["decision"], "pending");
    assert!(json["approval_deadline"].is_null());
    assert!(json["profile_id"].is_null());
    assert_eq!(json["user_id"], order.account.to_string());
}

#[test]
fn a_holders_decision_moves_only_its_own_pending_numbers_and_only_forward() {
    let holder = AccountId::new();
    let mut order = order(O::Pending, &[N::Pending, N::Pending, N::Pending]);
    for index in [0, 1] {
        order.numbers[index].transfer_from = Some(holder);
        order.numbers[index].transfer_decision = Some(TransferDecision::Pending);
    }
    assert!(!order.cleared(0) && order.cleared(2));
    let mut changes = Changes::default();
    let opened = order
        .apply_transfer(
            holder,
            TransferDecision::Pending,
            Some(at(72 * 3600)),
            at(5),
            &mut changes,
        )
        .expect("opens");
    assert_eq!(opened, Some("internal_transfer_approval_requested"));
    assert_eq!(order.numbers[0].approval_deadline, Some(at(72 * 3600)));
    let again = order
        .apply_transfer(
            holder,
            TransferDecision::Pending,
            Some(at(72 * 3600)),
            at(5),
            &mut changes,
        )
        .expect("repeats");
    assert_eq!(again, None, "a resent opening changes nothing");

    let approved = order
        .apply_transfer(
            holder,
            TransferDecision::AutoApproved,
            None,
            at(6),
            &mut changes,
        )
        .expect("approves");
    assert_eq!(approved, Some("internal_transfer_auto_approved"));
    assert!(order.cleared(0) && order.cleared(1));
    assert_eq!(
        order.numbers[0].updated_at,
        at(6),
        "a decided number is written"
    );
    let late = order
        .apply_transfer(
            holder,
            TransferDecision::Rejected,
            None,
            at(7),
            &mut changes,
        )
        .expect("ignored");
    assert_eq!(late, None, "a decided number keeps its decision");
    assert_eq!(order.numbers[0].status, N::Pending);
    assert_eq!(TransferDecision::AutoApproved.public(), "approved");
}

#[test]
fn a_rejection_fails_the_holders_numbers_and_the_order_when_none_is_left() {
    let holder = AccountId::new();
    let mut order = order(O::Pending, &[N::Pending]);
    order.numbers[0].transfer_from = Some(holder);
    order.numbers[0].transfer_decision = Some(TransferDecision::Pending);
    let mut changes = Changes::default();
    let other = order
        .apply_transfer(
            AccountId::new(),
            TransferDecision::Rejected,
            None,
            at(7),
            &mut changes,
        )
        .expect("nothing of its own");
    assert_eq!(other, None, "another account's decision touches nothing");
    let rejected = order
        .apply_transfer(
            holder,
            TransferDecision::Rejected,
            None,
            at(7),
            &mut changes,
        )
        .expect("rejects");
    assert_eq!(rejected, Some("internal_transfer_rejected"));
    assert_eq!(order.numbers[0].status, N::Failed);
    assert_eq!(order.status, O::Failed);
}
