use textport_domain::{AccountId, BillingCheck, E164, Holding, LineType, NumberFacts};

use super::*;

fn strings(raw: &[&str]) -> Vec<String> {
    raw.iter().map(|s| (*s).to_owned()).collect()
}

/// An ordinary landline nobody holds: the facts most tests start from.
pub(super) fn landline() -> NumberFacts {
    NumberFacts {
        routable: true,
        line_type: LineType::Landline,
        carrier_name: "Carrier".into(),
        nnid: "N1".into(),
        portable: true,
        fast_portable: false,
        messaging_capable: true,
        billing_check: BillingCheck::Ok,
        holding: Holding::None,
    }
}

fn candidate() -> Screened {
    Screened::Candidate(E164::parse("+13125550001").expect("valid"))
}

#[test]
fn screening_refuses_empty_and_oversized_requests() {
    assert_eq!(screen(&[]), Err(RequestError::NoNumbers));
    let many = vec!["+13125550001".to_owned(); 1_001];
    assert_eq!(screen(&many), Err(RequestError::TooManyNumbers));
    assert!(screen(&vec!["+13125550001".to_owned(); 1_000]).is_ok());
}

#[test]
fn screening_classifies_each_number_in_request_order() {
    let screened = screen(&strings(&[
        "+13125550001",
        "3125550001",
        "+14165550001",
        "+13125550001",
        "+442071838750",
    ]))
    .expect("valid request");
    assert!(matches!(screened[0], Screened::Candidate(_)));
    assert_eq!(screened[1], Screened::NotE164);
    assert!(matches!(screened[2], Screened::NotUs(_)));
    assert_eq!(screened[3], Screened::Repeated);
    assert!(matches!(screened[4], Screened::NotUs(_)));
    assert_eq!(candidates(&screened).len(), 1);
    assert_eq!(portability_candidates(&screened).len(), 3);
}

#[test]
fn each_fact_gives_its_status() {
    use EligibilityStatus as S;
    let me = AccountId::new();
    let other = AccountId::new();
    let cases = [
        (landline(), S::Eligible),
        (
            NumberFacts {
                routable: false,
                ..landline()
            },
            S::NumberIsNotAValidRoutingNumber,
        ),
        (
            NumberFacts {
                holding: Holding::Inventory,
                ..landline()
            },
            S::NumberCanNotBeInTelnyx,
        ),
        (
            NumberFacts {
                holding: Holding::Account {
                    holder: me,
                    transferable: true,
                },
                ..landline()
            },
            S::NumberCanNotBeActiveInYourAccount,
        ),
        (
            NumberFacts {
                holding: Holding::Account {
                    holder: other,
                    transferable: false,
                },
                ..landline()
            },
            S::NumberCanNotHostedWithATelnyxSubscriber,
        ),
        (
            NumberFacts {
                line_type: LineType::Wireless,
                ..landline()
            },
            S::NumberCanNotBeWireless,
        ),
        (
            NumberFacts {
                billing_check: BillingCheck::Failed,
                ..landline()
            },
            S::BillingAccountCheckFailed,
        ),
        (
            NumberFacts {
                billing_check: BillingCheck::Abolished,
                ..landline()
            },
            S::BillingAccountIsAbolished,
        ),
        (
            NumberFacts {
                line_type: LineType::Voip,
                ..landline()
            },
            S::Eligible,
        ),
    ];
    for (facts, expected) in cases {
        let verdict = hosted_eligibility(me, &candidate(), Some(&facts));
        assert_eq!(verdict.status, expected, "{facts:?}");
        assert_eq!(verdict.transfer_from, None);
    }
}

#[test]
fn a_transferable_number_of_another_account_is_eligible_through_a_transfer() {
    let holder = AccountId::new();
    let facts = NumberFacts {
        holding: Holding::Account {
            holder,
            transferable: true,
        },
        ..landline()
    };
    let verdict = hosted_eligibility(AccountId::new(), &candidate(), Some(&facts));
    assert_eq!(verdict.status, EligibilityStatus::Eligible);
    assert_eq!(verdict.transfer_from, Some(holder));
    assert!(verdict.detail.contains("internal transfer"));
}

#[test]
fn a_transfer_still_needs_a_hostable_line() {
    let facts = NumberFacts {
        line_type: LineType::Wireless,
        holding: Holding::Account {
            holder: AccountId::new(),
            transferable: true,
        },
        ..landline()
    };
    let verdict = hosted_eligibility(AccountId::new(), &candidate(), Some(&facts));
    assert_eq!(verdict.status, EligibilityStatus::NumberCanNotBeWireless);
}

#[test]
fn screened_outcomes_need_no_facts() {
    let me = AccountId::new();
    assert_eq!(
        hosted_eligibility(me, &Screened::NotE164, None).status,
        EligibilityStatus::NumberIsNotInE164Format
    );
    assert_eq!(
        hosted_eligibility(me, &Screened::Repeated, None).status,
        EligibilityStatus::NumberCanNotBeRepeated
    );
    let toronto = Screened::NotUs(E164::parse("+14165550001").expect("valid"));
    assert_eq!(
        hosted_eligibility(me, &toronto, None).status,
        EligibilityStatus::NumberIsNotAUsNumber
    );
    assert_eq!(
        hosted_eligibility(me, &candidate(), None).status,
        EligibilityStatus::NumberCanNotBeValidated
    );
}

#[test]
fn portability_follows_the_facts() {
    let portable = portability(&candidate(), Some(&landline()));
    assert!(portable.portable && !portable.fast_portable && portable.messaging_capable);
    assert_eq!(
        (
            portable.not_portable_reason.as_str(),
            portable.phone_number_type
        ),
        ("", Some("landline"))
    );

    let fast = portability(
        &candidate(),
        Some(&NumberFacts {
            fast_portable: true,
            line_type: LineType::Voip,
            ..landline()
        }),
    );
    assert!(fast.fast_portable);
    assert_eq!(fast.phone_number_type, Some("local"));

    let no_coverage = portability(
        &candidate(),
        Some(&NumberFacts {
            portable: false,
            ..landline()
        }),
    );
    assert!(!no_coverage.portable && !no_coverage.fast_portable);
    assert_eq!(no_coverage.not_portable_reason, "No coverage");
    assert_eq!(no_coverage.carrier_name.as_deref(), Some("Carrier"));

    let unknown = portability(
        &candidate(),
        Some(&NumberFacts {
            routable: false,
            ..landline()
        }),
    );
    assert!(!unknown.portable);
    assert!(!unknown.not_portable_reason.is_empty());
    assert_eq!(
        unknown.carrier_name, None,
        "nothing is known of an unroutable number"
    );

    assert!(!portability(&Screened::NotE164, None).portable);
}

#[test]
fn activation_follows_the_carrier_for_reserved_numbers_and_repeats_safely() {
    let account = AccountId::new();
    let answer = Some(CarrierAnswer::CarrierRejected);
    assert_eq!(
        activation(account, Some(None), &landline(), answer),
        Activation::Answered(CarrierAnswer::CarrierRejected)
    );
    assert_eq!(
        activation(account, None, &landline(), answer),
        Activation::NotReserved,
        "a number released or reserved elsewhere is not activated"
    );
    let hosted = hosted_by(account, landline());
    assert_eq!(
        activation(account, None, &hosted, None),
        Activation::Answered(CarrierAnswer::Activated),
        "asking again after activation answers activated"
    );
    assert_eq!(
        activation(AccountId::new(), None, &hosted, None),
        Activation::NotReserved,
        "another account's hosted number is not ours to activate"
    );
    assert!(Activation::Answered(CarrierAnswer::Failed).is_final());
    assert!(!Activation::Answered(CarrierAnswer::Pending).is_final());
    assert!(!Activation::NotReserved.is_final());
    assert!(Activation::HolderChanged.is_final());
}

#[test]
fn a_transfer_moves_only_while_its_holder_still_holds_the_number() {
    let (receiver, holder) = (AccountId::new(), AccountId::new());
    let held = NumberFacts {
        holding: Holding::Account {
            holder,
            transferable: true,
        },
        ..landline()
    };
    assert_eq!(
        activation(receiver, Some(Some(holder)), &held, None),
        Activation::Answered(CarrierAnswer::Activated),
        "no carrier is asked for a number already on the platform"
    );
    let moved = NumberFacts {
        holding: Holding::Account {
            holder: AccountId::new(),
            transferable: true,
        },
        ..landline()
    };
    assert_eq!(
        activation(receiver, Some(Some(holder)), &moved, None),
        Activation::HolderChanged
    );
    assert_eq!(
        activation(receiver, Some(Some(holder)), &landline(), None),
        Activation::HolderChanged,
        "released by its holder"
    );
}
