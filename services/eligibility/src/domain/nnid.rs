//! A number's NNID handover at a port: the losing carrier hands the network id routing the
//! number's messaging over to ours, later, never, or on the operator's override.

use chrono::{DateTime, Utc};
use textport_domain::{E164, PLATFORM_NNID};
use uuid::Uuid;

/// Where a number's NNID handover stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NnidHandover {
    /// Our NNID routes the number's messaging.
    Ours,
    /// The losing carrier has not released it yet.
    Waiting,
    /// The losing carrier refuses to release it.
    Refused,
    /// No port asked for it, and the NNID is another network's.
    None,
}

/// What the directory keeps of a number's handover; the default is a number no port asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HandoverRecord {
    /// The porting order whose port asked the losing carrier for the NNID.
    pub ported_by: Option<Uuid>,
    /// When the losing carrier releases the NNID; `None`: never by itself.
    pub release_at: Option<DateTime<Utc>>,
    /// The losing carrier refuses to release it.
    pub refused: bool,
}

/// How a handover ends: the operator's override accepted or the sandbox's word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NnidOutcome {
    Ours,
    Refused,
}

/// One number's handover as a caller sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NnidState {
    pub number: E164,
    pub handover: NnidHandover,
    /// The network id routing the number's messaging now.
    pub nnid: String,
}

impl NnidState {
    /// The state at `now` of a number whose stored NNID is `nnid`.
    pub fn at(number: E164, nnid: String, record: &HandoverRecord, now: DateTime<Utc>) -> Self {
        Self {
            number,
            handover: nnid_handover(&nnid, record, now),
            nnid: current_nnid(nnid, record, now),
        }
    }
}

/// Where the handover of a number whose stored NNID is `nnid` stands at `now`. A release time
/// that has passed is the handover done: the release is read, not written, when it comes, so
/// no worker has to be there at that instant and every reader agrees.
pub fn nnid_handover(nnid: &str, record: &HandoverRecord, now: DateTime<Utc>) -> NnidHandover {
    if nnid == PLATFORM_NNID {
        NnidHandover::Ours
    } else if record.refused {
        NnidHandover::Refused
    } else if record.release_at.is_some_and(|at| at <= now) {
        NnidHandover::Ours
    } else if record.ported_by.is_some() {
        NnidHandover::Waiting
    } else {
        NnidHandover::None
    }
}

/// The NNID routing the number's messaging at `now`: ours once the handover is, whatever is
/// stored (see [`nnid_handover`]).
pub fn current_nnid(nnid: String, record: &HandoverRecord, now: DateTime<Utc>) -> String {
    match nnid_handover(&nnid, record, now) {
        NnidHandover::Ours => PLATFORM_NNID.to_owned(),
        NnidHandover::Waiting | NnidHandover::Refused | NnidHandover::None => nnid,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;

    const CARRIER_NNID: &str = "SBX-NNID-0001";

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).expect("valid time")
    }

    fn ported(release_at: Option<DateTime<Utc>>) -> HandoverRecord {
        HandoverRecord {
            ported_by: Some(Uuid::from_u128(1)),
            release_at,
            refused: false,
        }
    }

    #[test]
    fn a_number_never_ported_is_none_unless_its_nnid_is_ours() {
        let never = HandoverRecord::default();
        assert_eq!(
            nnid_handover(CARRIER_NNID, &never, now()),
            NnidHandover::None
        );
        assert_eq!(
            nnid_handover(PLATFORM_NNID, &never, now()),
            NnidHandover::Ours
        );
    }

    #[test]
    fn a_port_waits_until_the_release_time_comes() {
        let later = ported(Some(now() + TimeDelta::minutes(10)));
        assert_eq!(
            nnid_handover(CARRIER_NNID, &later, now()),
            NnidHandover::Waiting
        );
        assert_eq!(
            current_nnid(CARRIER_NNID.into(), &later, now()),
            CARRIER_NNID
        );
        let at = now() + TimeDelta::minutes(10);
        assert_eq!(nnid_handover(CARRIER_NNID, &later, at), NnidHandover::Ours);
        assert_eq!(current_nnid(CARRIER_NNID.into(), &later, at), PLATFORM_NNID);
    }

    #[test]
    fn a_carrier_that_never_releases_keeps_the_port_waiting() {
        let never = ported(None);
        let much_later = now() + TimeDelta::days(365);
        assert_eq!(
            nnid_handover(CARRIER_NNID, &never, much_later),
            NnidHandover::Waiting
        );
    }

    #[test]
    fn a_refusal_outweighs_a_release_time_but_not_our_nnid() {
        let refused = HandoverRecord {
            refused: true,
            ..ported(Some(now()))
        };
        assert_eq!(
            nnid_handover(CARRIER_NNID, &refused, now()),
            NnidHandover::Refused
        );
        assert_eq!(
            current_nnid(CARRIER_NNID.into(), &refused, now()),
            CARRIER_NNID
        );
        assert_eq!(
            nnid_handover(PLATFORM_NNID, &refused, now()),
            NnidHandover::Ours
        );
    }

    #[test]
    fn a_number_hosted_before_its_port_stays_ours() {
        assert_eq!(
            nnid_handover(PLATFORM_NNID, &ported(None), now()),
            NnidHandover::Ours
        );
        assert_eq!(
            current_nnid(PLATFORM_NNID.into(), &ported(None), now()),
            PLATFORM_NNID
        );
    }
}
