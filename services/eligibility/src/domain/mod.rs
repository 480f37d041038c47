//! The eligibility and portability rules: pure functions of the request and the facts about
//! each number, the NNID handover at a port, and the sandbox's seeding rules. No I/O; the facts
//! are looked up before and passed in.

mod campaign;
mod nnid;
mod seed;

pub use campaign::{
    CampaignId, CampaignIdError, CampaignLink, CreateLink, LinkFilter, LinkNumberError, LinkOrder,
    LinkSort, create_link, ended_links, link_number, may_link,
};
pub use nnid::{HandoverRecord, NnidHandover, NnidOutcome, NnidState, current_nnid, nnid_handover};
pub use seed::{HoldingKind, Seed, SeedError, apply_seed};

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use textport_domain::{
    AccountId, BillingCheck, E164, Holding, LineType, MAX_NUMBERS_PER_REQUEST, NumberFacts,
    PLATFORM_NNID,
};

/// What the directory knows of a number: its facts, whether they were stored on the platform
/// (seeded or changed here) rather than read from the routing database, and its 10DLC link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryEntry {
    pub number: E164,
    pub facts: NumberFacts,
    pub stored: Option<Stored>,
    pub campaign_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub updated_at: DateTime<Utc>,
    pub handover: HandoverRecord,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestError {
    NoNumbers,
    TooManyNumbers,
}

impl RequestError {
    pub fn detail(self) -> String {
        match self {
            RequestError::NoNumbers => "You must provide at least 1 phone number.".to_owned(),
            RequestError::TooManyNumbers => {
                format!(
                    "You may provide at most {MAX_NUMBERS_PER_REQUEST} phone numbers in one request."
                )
            }
        }
    }
}

/// One requested number after the checks that need no facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screened {
    NotE164,
    NotUs(E164),
    Repeated,
    Candidate(E164),
}

/// The one cap on how many numbers a request carries (checks, look-ups, seeds).
pub fn check_count(count: usize) -> Result<(), RequestError> {
    match count {
        0 => Err(RequestError::NoNumbers),
        n if n > MAX_NUMBERS_PER_REQUEST => Err(RequestError::TooManyNumbers),
        _ => Ok(()),
    }
}

/// Parses every number; a later copy of a number already seen is `Repeated`.
pub fn screen(raw: &[String]) -> Result<Vec<Screened>, RequestError> {
    check_count(raw.len())?;
    let mut seen = HashSet::with_capacity(raw.len());
    Ok(raw
        .iter()
        .map(|number| {
            if !seen.insert(number.as_str()) {
                return Screened::Repeated;
            }
            match E164::parse(number) {
                Err(_) => Screened::NotE164,
                Ok(parsed) if !parsed.is_us() => Screened::NotUs(parsed),
                Ok(parsed) => Screened::Candidate(parsed),
            }
        })
        .collect())
}

/// The numbers whose facts must be looked up (US numbers for eligibility).
pub fn candidates(screened: &[Screened]) -> Vec<E164> {
    screened
        .iter()
        .filter_map(|s| match s {
            Screened::Candidate(n) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EligibilityStatus {
    Eligible,
    NumberCanNotBeRepeated,
    NumberCanNotBeValidated,
    NumberCanNotBeWireless,
    NumberCanNotBeActiveInYourAccount,
    NumberCanNotHostedWithATelnyxSubscriber,
    NumberCanNotBeInTelnyx,
    NumberIsNotAUsNumber,
    NumberIsNotAValidRoutingNumber,
    NumberIsNotInE164Format,
    BillingAccountCheckFailed,
    BillingAccountIsAbolished,
}

impl EligibilityStatus {
    fn detail(self) -> &'static str {
        match self {
            Self::Eligible => "Phone number is eligible for hosted messaging",
            Self::NumberCanNotBeRepeated => "Phone number appears more than once in the request",
            Self::NumberCanNotBeValidated => "Phone number could not be validated",
            Self::NumberCanNotBeWireless => {
                "Wireless numbers can not be hosted; use a landline or VoIP number"
            }
            Self::NumberCanNotBeActiveInYourAccount => {
                "Phone number is already active in your account"
            }
            Self::NumberCanNotHostedWithATelnyxSubscriber => {
                "Phone number is already hosted by another Telnyx subscriber"
            }
            Self::NumberCanNotBeInTelnyx => {
                "Phone number is already on the Telnyx platform; no hosting is needed"
            }
            Self::NumberIsNotAUsNumber => "Only US numbers can be hosted",
            Self::NumberIsNotAValidRoutingNumber => "Phone number is not a valid routing number",
            Self::NumberIsNotInE164Format => {
                "Phone number must be in E.164 format: +1 followed by 10 digits"
            }
            Self::BillingAccountCheckFailed => "The billing account check for this number failed",
            Self::BillingAccountIsAbolished => "The billing account of this number is abolished",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eligibility {
    pub status: EligibilityStatus,
    pub detail: String,
    /// The holder an order would take the number from, through an internal transfer.
    pub transfer_from: Option<AccountId>,
}

impl Eligibility {
    fn of(status: EligibilityStatus) -> Self {
        Self {
            status,
            detail: status.detail().to_owned(),
            transfer_from: None,
        }
    }
}

/// The verdict for a screened number. `facts` is required for (and only for) candidates.
pub fn hosted_eligibility(
    caller: AccountId,
    screened: &Screened,
    facts: Option<&NumberFacts>,
) -> Eligibility {
    use EligibilityStatus as S;
    let facts = match (screened, facts) {
        (Screened::NotE164, _) => return Eligibility::of(S::NumberIsNotInE164Format),
        (Screened::NotUs(_), _) => return Eligibility::of(S::NumberIsNotAUsNumber),
        (Screened::Repeated, _) => return Eligibility::of(S::NumberCanNotBeRepeated),
        (Screened::Candidate(_), None) => return Eligibility::of(S::NumberCanNotBeValidated),
        (Screened::Candidate(_), Some(facts)) => facts,
    };
    if !facts.routable {
        return Eligibility::of(S::NumberIsNotAValidRoutingNumber);
    }
    let transfer_from = match facts.holding {
        Holding::None => None,
        Holding::Inventory => return Eligibility::of(S::NumberCanNotBeInTelnyx),
        Holding::Account { holder, .. } if holder == caller => {
            return Eligibility::of(S::NumberCanNotBeActiveInYourAccount);
        }
        Holding::Account {
            transferable: false,
            ..
        } => return Eligibility::of(S::NumberCanNotHostedWithATelnyxSubscriber),
        Holding::Account {
            holder,
            transferable: true,
        } => Some(holder),
    };
    if facts.line_type == LineType::Wireless {
        return Eligibility::of(S::NumberCanNotBeWireless);
    }
    match facts.billing_check {
        BillingCheck::Failed => return Eligibility::of(S::BillingAccountCheckFailed),
        BillingCheck::Abolished => return Eligibility::of(S::BillingAccountIsAbolished),
        BillingCheck::Ok => {}
    }
    match transfer_from {
        None => Eligibility::of(S::Eligible),
        Some(holder) => Eligibility {
            status: S::Eligible,
            detail: "Phone number is eligible for hosted messaging. It is held by another Telnyx account: \
                     an order for it starts an internal transfer that the holder must approve"
                .to_owned(),
            transfer_from: Some(holder),
        },
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Portability {
    pub portable: bool,
    pub fast_portable: bool,
    pub not_portable_reason: String,
    pub messaging_capable: bool,
    /// Absent when the routing database does not know the number.
    pub carrier_name: Option<String>,
    pub phone_number_type: Option<&'static str>,
}

/// Portability of one number (any country; porting is not US-only).
pub fn portability(screened: &Screened, facts: Option<&NumberFacts>) -> Portability {
    let refused = |reason: &str| Portability {
        portable: false,
        fast_portable: false,
        not_portable_reason: reason.to_owned(),
        messaging_capable: false,
        carrier_name: None,
        phone_number_type: None,
    };
    let facts = match (screened, facts) {
        (Screened::NotE164, _) => return refused("Phone number must be in +E164 format"),
        (Screened::Repeated, _) => {
            return refused("Phone number appears more than once in the request");
        }
        (_, None) => return refused("Phone number could not be validated"),
        (_, Some(facts)) => facts,
    };
    if !facts.routable {
        return refused("Phone number not found in the routing database");
    }
    let known = |p: Portability| Portability {
        messaging_capable: facts.messaging_capable,
        carrier_name: Some(facts.carrier_name.clone()),
        phone_number_type: Some(facts.line_type.porting_type()),
        ..p
    };
    if !facts.portable {
        return known(refused("No coverage"));
    }
    known(Portability {
        portable: true,
        fast_portable: facts.fast_portable,
        ..refused("")
    })
}

/// For portability every well-formed number is looked up, US or not.
pub fn portability_candidates(screened: &[Screened]) -> Vec<E164> {
    screened
        .iter()
        .filter_map(|s| match s {
            Screened::Candidate(n) | Screened::NotUs(n) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

/// What the routing database and the losing carrier answer when our NNID is set on a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CarrierAnswer {
    Activated,
    /// No answer yet.
    Pending,
    CarrierRejected,
    IneligibleCarrier,
    NotFound,
    AlreadyHosted,
    Failed,
}

/// What activation did to one number of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    Answered(CarrierAnswer),
    /// The number is not reserved for the order.
    NotReserved,
    /// A transfer's number is no longer held by the account it was to be taken from (released,
    /// deleted, or moved to another account since the order).
    HolderChanged,
}

impl Activation {
    /// A final answer releases the number's reservation.
    pub fn is_final(self) -> bool {
        !matches!(
            self,
            Activation::Answered(CarrierAnswer::Pending) | Activation::NotReserved
        )
    }
}

/// The outcome for one number. `reservation`: `None` when the number is not reserved for the
/// order, else the account a transfer takes it from (`Some(None)`: no transfer). A number no
/// longer reserved that the account already hosts was activated by an earlier call (asking again
/// is safe); a transfer's number moves on the platform when its holder still holds it; otherwise
/// the carrier's answer decides.
pub fn activation(
    account: AccountId,
    reservation: Option<Option<AccountId>>,
    facts: &NumberFacts,
    answer: Option<CarrierAnswer>,
) -> Activation {
    let held_by = |account: AccountId| matches!(facts.holding, Holding::Account { holder, .. } if holder == account);
    match (reservation, answer) {
        (None, _) if held_by(account) && facts.nnid == PLATFORM_NNID => {
            Activation::Answered(CarrierAnswer::Activated)
        }
        (None, _) | (Some(None), None) => Activation::NotReserved,
        (Some(Some(from)), _) if held_by(from) => Activation::Answered(CarrierAnswer::Activated),
        (Some(Some(_)), _) => Activation::HolderChanged,
        (Some(None), Some(answer)) => Activation::Answered(answer),
    }
}

/// The number's facts once hosting is active for `account`: ours to route, the account's to hold.
pub fn hosted_by(account: AccountId, facts: NumberFacts) -> NumberFacts {
    NumberFacts {
        nnid: PLATFORM_NNID.to_owned(),
        ..ported_to(account, facts)
    }
}

/// The number's facts once its voice ports to `account`: the account's to hold; its messaging
/// stays with whichever NNID routes it until the handover.
pub fn ported_to(account: AccountId, facts: NumberFacts) -> NumberFacts {
    NumberFacts {
        holding: Holding::Account {
            holder: account,
            transferable: true,
        },
        ..facts
    }
}

#[cfg(test)]
mod tests;
