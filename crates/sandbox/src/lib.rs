//! The outside world, simulated: the routing database and the phone network, whose answers follow
//! documented magic-number ranges (like a payment API's test cards), so every outcome can be
//! produced on purpose: a number's facts, whether it can receive a verification code, what the
//! losing carrier answers when hosting is activated, and what it does with the NNID when the
//! number ports. Later issues append rows to [`MAGIC_RANGES`].
//!
//! The ranges are `+1 NPA 555 XXXX` for any US area code: the last four digits pick the row.
//! Every other number is an ordinary, eligible landline.

use chrono::{DateTime, TimeDelta, Utc};
use textport_domain::{AccountId, BillingCheck, E164, Holding, LineType, NumberFacts};
use uuid::Uuid;

/// The account that holds the "hosted by another subscriber" and "held by another account"
/// ranges. It is not a real customer: it stands for somebody else on the platform.
pub const SANDBOX_SUBSCRIBER: AccountId =
    AccountId::from_uuid(Uuid::from_u128(0x5a4d_b0c5_0000_4000_8000_0000_0000_0001));

const MAGIC_EXCHANGE: &str = "555";
const DEFAULT_CARRIER: &str = "Sandbox Telephone Co";
const DEFAULT_NNID: &str = "SBX-NNID-0001";

/// One documented range of line numbers and the facts it forces.
#[derive(Debug, Clone, Copy)]
pub struct MagicRange {
    pub first: u16,
    pub last: u16,
    /// What the range stands for, in words (the README and the sandbox API show it).
    pub meaning: &'static str,
    facts: fn() -> NumberFacts,
    behaviour: Behaviour,
}

/// What the outside world does with a number beyond its facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    Ordinary,
    /// Receives voice calls but no SMS.
    NoSms,
    /// Receives neither SMS nor calls.
    Unreachable,
    /// The losing carrier's answer when hosting is activated.
    Activation(Activation),
    /// What the losing carrier does with the NNID once the number's voice ports.
    Port(NnidRelease),
}

/// When the losing carrier of a port hands the number's NNID over to ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NnidRelease {
    AtFoc,
    /// N minutes after the FOC, N the line's last two digits (00 is 100).
    MinutesAfterFoc,
    /// Never by itself; the operator's override works.
    Never,
    /// Never, and it refuses the operator's override too.
    NeverEvenOnOverride,
}

/// What the routing database and the losing carrier answer when our NNID is set on a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    Succeeds,
    CarrierRejects,
    IneligibleCarrier,
    /// The routing database no longer knows the number.
    NotFound,
    /// Another platform hosts its messaging by now.
    AlreadyHosted,
    /// No answer ever comes; the activation times out.
    NoAnswer,
    /// The activation fails for another reason.
    Fails,
}

/// How a verification code travels to a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Sms,
    Call,
}

impl MagicRange {
    pub fn facts(&self) -> NumberFacts {
        (self.facts)()
    }

    pub fn contains(&self, line: u16) -> bool {
        (self.first..=self.last).contains(&line)
    }
}

fn landline() -> NumberFacts {
    NumberFacts {
        routable: true,
        line_type: LineType::Landline,
        carrier_name: DEFAULT_CARRIER.to_owned(),
        nnid: DEFAULT_NNID.to_owned(),
        portable: true,
        fast_portable: false,
        messaging_capable: true,
        billing_check: BillingCheck::Ok,
        holding: Holding::None,
    }
}

pub const MAGIC_RANGES: &[MagicRange] = &[
    MagicRange {
        first: 0,
        last: 99,
        meaning: "ordinary landline",
        facts: landline,
        behaviour: Behaviour::Ordinary,
    },
    MagicRange {
        first: 100,
        last: 199,
        meaning: "wireless (mobile) line",
        facts: || NumberFacts {
            line_type: LineType::Wireless,
            carrier_name: "Sandbox Wireless".into(),
            nnid: "SBX-NNID-0100".into(),
            ..landline()
        },
        behaviour: Behaviour::Ordinary,
    },
    MagicRange {
        first: 200,
        last: 299,
        meaning: "unknown to the routing database",
        facts: || NumberFacts {
            routable: false,
            carrier_name: String::new(),
            nnid: String::new(),
            portable: false,
            messaging_capable: false,
            ..landline()
        },
        behaviour: Behaviour::Ordinary,
    },
    MagicRange {
        first: 300,
        last: 399,
        meaning: "platform inventory held by no customer",
        facts: || NumberFacts {
            holding: Holding::Inventory,
            carrier_name: "Telnyx".into(),
            ..landline()
        },
        behaviour: Behaviour::Ordinary,
    },
    MagicRange {
        first: 400,
        last: 499,
        meaning: "hosted by another subscriber who does not allow transfers",
        facts: || NumberFacts {
            holding: Holding::Account {
                holder: SANDBOX_SUBSCRIBER,
                transferable: false,
            },
            ..landline()
        },
        behaviour: Behaviour::Ordinary,
    },
    MagicRange {
        first: 500,
        last: 599,
        meaning: "billing account check fails at the current carrier",
        facts: || NumberFacts {
            billing_check: BillingCheck::Failed,
            ..landline()
        },
        behaviour: Behaviour::Ordinary,
    },
    MagicRange {
        first: 600,
        last: 699,
        meaning: "billing account abolished at the current carrier",
        facts: || NumberFacts {
            billing_check: BillingCheck::Abolished,
            ..landline()
        },
        behaviour: Behaviour::Ordinary,
    },
    MagicRange {
        first: 700,
        last: 799,
        meaning: "held by another account that allows transfers",
        facts: || NumberFacts {
            holding: Holding::Account {
                holder: SANDBOX_SUBSCRIBER,
                transferable: true,
            },
            ..landline()
        },
        behaviour: Behaviour::Ordinary,
    },
    MagicRange {
        first: 800,
        last: 899,
        meaning: "VoIP line, fast-portable",
        facts: || NumberFacts {
            line_type: LineType::Voip,
            carrier_name: "Sandbox VoIP".into(),
            fast_portable: true,
            ..landline()
        },
        behaviour: Behaviour::Ordinary,
    },
    MagicRange {
        first: 900,
        last: 999,
        meaning: "landline whose carrier cannot port messaging",
        facts: || NumberFacts {
            carrier_name: "Sandbox Legacy Telco".into(),
            messaging_capable: false,
            ..landline()
        },
        behaviour: Behaviour::Ordinary,
    },
    MagicRange {
        first: 1000,
        last: 1099,
        meaning: "not portable: no coverage",
        facts: || NumberFacts {
            portable: false,
            carrier_name: "Sandbox Rural Telco".into(),
            ..landline()
        },
        behaviour: Behaviour::Ordinary,
    },
    hosting(
        1100,
        1149,
        "hosting activation: the losing carrier rejects it (failed_carrier_rejected)",
        Behaviour::Activation(Activation::CarrierRejects),
    ),
    hosting(
        1150,
        1199,
        "hosting activation: the carrier is not supported (failed_ineligible_carrier)",
        Behaviour::Activation(Activation::IneligibleCarrier),
    ),
    hosting(
        1200,
        1249,
        "hosting activation: gone from the routing database (failed_number_not_found)",
        Behaviour::Activation(Activation::NotFound),
    ),
    hosting(
        1250,
        1299,
        "hosting activation: hosted elsewhere by then (failed_number_already_hosted)",
        Behaviour::Activation(Activation::AlreadyHosted),
    ),
    hosting(
        1300,
        1349,
        "hosting activation: never answered (failed_timeout)",
        Behaviour::Activation(Activation::NoAnswer),
    ),
    hosting(
        1350,
        1399,
        "hosting activation: fails (failed_activation)",
        Behaviour::Activation(Activation::Fails),
    ),
    hosting(
        1400,
        1449,
        "cannot receive SMS: verification codes only by call",
        Behaviour::NoSms,
    ),
    hosting(
        1450,
        1499,
        "cannot receive verification codes by SMS or call",
        Behaviour::Unreachable,
    ),
    hosting(
        1500,
        1599,
        "porting: the losing carrier releases the NNID at the FOC",
        Behaviour::Port(NnidRelease::AtFoc),
    ),
    hosting(
        1600,
        1699,
        "porting: the losing carrier releases the NNID N minutes after the FOC (N = last two \
         digits, 00 = 100)",
        Behaviour::Port(NnidRelease::MinutesAfterFoc),
    ),
    hosting(
        1700,
        1799,
        "porting: the losing carrier never releases the NNID; the operator's override works",
        Behaviour::Port(NnidRelease::Never),
    ),
    hosting(
        1800,
        1899,
        "porting: the losing carrier never releases the NNID and refuses the operator's override",
        Behaviour::Port(NnidRelease::NeverEvenOnOverride),
    ),
];

/// An ordinary landline whose outside world behaves as `behaviour` says.
const fn hosting(first: u16, last: u16, meaning: &'static str, behaviour: Behaviour) -> MagicRange {
    MagicRange {
        first,
        last,
        meaning,
        facts: landline,
        behaviour,
    }
}

fn behaviour(number: &E164) -> Behaviour {
    magic_range(number).map_or(Behaviour::Ordinary, |range| range.behaviour)
}

/// Whether the simulated phone network delivers a code to `number` over `channel`.
pub fn receives_codes(number: &E164, channel: Channel) -> bool {
    match behaviour(number) {
        Behaviour::Unreachable => false,
        Behaviour::NoSms => channel == Channel::Call,
        Behaviour::Ordinary | Behaviour::Activation(_) | Behaviour::Port(_) => true,
    }
}

/// What the losing carrier answers when hosting is activated on `number`.
pub fn activation(number: &E164) -> Activation {
    match behaviour(number) {
        Behaviour::Activation(answer) => answer,
        Behaviour::Ordinary | Behaviour::NoSms | Behaviour::Unreachable | Behaviour::Port(_) => {
            Activation::Succeeds
        }
    }
}

/// When the losing carrier hands `number`'s NNID over to ours, for a port whose FOC is `foc`;
/// `None`: never by itself.
pub fn nnid_release(number: &E164, foc: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let Some((line, range)) = magic(number) else {
        return Some(foc);
    };
    match range.behaviour {
        Behaviour::Port(NnidRelease::MinutesAfterFoc) => Some(foc + release_delay(line)),
        Behaviour::Port(NnidRelease::Never | NnidRelease::NeverEvenOnOverride) => None,
        Behaviour::Port(NnidRelease::AtFoc)
        | Behaviour::Ordinary
        | Behaviour::NoSms
        | Behaviour::Unreachable
        | Behaviour::Activation(_) => Some(foc),
    }
}

/// Whether the losing carrier of a port lets the operator put our NNID on `number`.
pub fn accepts_nnid_override(number: &E164) -> bool {
    behaviour(number) != Behaviour::Port(NnidRelease::NeverEvenOnOverride)
}

/// The delay of a line in the "N minutes after the FOC" range: its last two digits, 00 meaning 100.
fn release_delay(line: u16) -> TimeDelta {
    let minutes = match line % 100 {
        0 => 100,
        n => n,
    };
    TimeDelta::minutes(i64::from(minutes))
}

/// The range a number falls in, if it is a magic number.
pub fn magic_range(number: &E164) -> Option<&'static MagicRange> {
    magic(number).map(|(_, range)| range)
}

/// A magic number's last four digits and its range.
fn magic(number: &E164) -> Option<(u16, &'static MagicRange)> {
    let (_, exchange, line) = number.nanp_parts()?;
    if exchange != MAGIC_EXCHANGE {
        return None;
    }
    let line: u16 = line.parse().ok()?;
    let range = MAGIC_RANGES.iter().find(|range| range.contains(line))?;
    Some((line, range))
}

/// What the simulated routing database and directory say about a number nobody has seeded.
pub fn facts_for(number: &E164) -> NumberFacts {
    magic_range(number).map_or_else(landline, MagicRange::facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(raw: &str) -> E164 {
        E164::parse(raw).expect("valid test number")
    }

    #[test]
    fn ranges_are_disjoint_and_ordered() {
        for pair in MAGIC_RANGES.windows(2) {
            assert!(
                pair[0].first <= pair[0].last && pair[0].last < pair[1].first,
                "{pair:?}"
            );
        }
    }

    #[test]
    fn the_last_four_digits_pick_the_range_in_any_area_code() {
        assert_eq!(
            facts_for(&number("+13125550150")).line_type,
            LineType::Wireless
        );
        assert_eq!(
            facts_for(&number("+12065550150")).line_type,
            LineType::Wireless
        );
        assert!(!facts_for(&number("+13125550250")).routable);
        assert_eq!(
            facts_for(&number("+13125550350")).holding,
            Holding::Inventory
        );
        assert!(!facts_for(&number("+13125551050")).portable);
    }

    #[test]
    fn hosting_ranges_force_code_delivery_and_activation_outcomes() {
        assert_eq!(
            activation(&number("+13125551120")),
            Activation::CarrierRejects
        );
        assert_eq!(activation(&number("+12065551320")), Activation::NoAnswer);
        assert_eq!(activation(&number("+13125550001")), Activation::Succeeds);
        assert!(!receives_codes(&number("+13125551420"), Channel::Sms));
        assert!(receives_codes(&number("+13125551420"), Channel::Call));
        assert!(!receives_codes(&number("+13125551470"), Channel::Call));
        assert!(receives_codes(&number("+13125551120"), Channel::Sms));
        assert_eq!(facts_for(&number("+13125551120")), landline());
    }

    #[test]
    fn the_last_four_digits_pick_when_the_losing_carrier_releases_the_nnid() {
        let foc = DateTime::from_timestamp(1_800_000_000, 0).expect("valid time");
        let after = |minutes| Some(foc + TimeDelta::minutes(minutes));
        for (line, release, accepts_override) in [
            (1499, Some(foc), true),
            (1500, Some(foc), true),
            (1599, Some(foc), true),
            (1600, after(100), true),
            (1601, after(1), true),
            (1645, after(45), true),
            (1699, after(99), true),
            (1700, None, true),
            (1799, None, true),
            (1800, None, false),
            (1899, None, false),
            (1900, Some(foc), true),
            (0, Some(foc), true),
        ] {
            let magic = number(&format!("+1312555{line:04}"));
            assert_eq!(nnid_release(&magic, foc), release, "{line}");
            assert_eq!(accepts_nnid_override(&magic), accepts_override, "{line}");
            assert_eq!(facts_for(&magic), landline(), "{line}");
        }
    }

    #[test]
    fn only_the_555_exchange_forces_the_nnid_release() {
        let foc = DateTime::from_timestamp(1_800_000_000, 0).expect("valid time");
        assert_eq!(nnid_release(&number("+13125551750"), foc), None);
        assert!(!accepts_nnid_override(&number("+12065551850")));
        assert_eq!(nnid_release(&number("+13125561750"), foc), Some(foc));
        assert!(accepts_nnid_override(&number("+13125561850")));
        assert_eq!(nnid_release(&number("+442071831750"), foc), Some(foc));
    }

    #[test]
    fn numbers_outside_the_ranges_are_ordinary_landlines() {
        assert_eq!(facts_for(&number("+13125559234")), landline());
        assert_eq!(facts_for(&number("+13125560150")), landline());
        assert_eq!(facts_for(&number("+442071838750")), landline());
    }
}
