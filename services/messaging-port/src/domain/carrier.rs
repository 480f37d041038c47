//! What the losing carrier does with the NNID in the sandbox, forced by magic line numbers
//! (`+1 NPA 555 XXXX`, the last four digits), like a payment API's test cards.

use chrono::{DateTime, TimeDelta, Utc};
use textport_domain::E164;

/// The losing carrier's behaviour once voice ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CarrierBehaviour {
    /// Releases the NNID at the FOC (every non-magic number).
    ReleasesAtFoc,
    /// Releases the NNID this long after the FOC.
    ReleasesAfter(TimeDelta),
    /// Never releases the NNID itself; the operator's override works.
    NeverReleases,
    /// Never releases the NNID and refuses the operator's override (messaging hosted
    /// elsewhere).
    RefusesOverride,
}

/// The exchange of the sandbox's magic numbers.
const MAGIC_EXCHANGE: &str = "555";

impl CarrierBehaviour {
    /// The table, by the last four digits:
    ///
    /// | line | behaviour |
    /// | --- | --- |
    /// | 1500–1599 | releases at the FOC |
    /// | 1600–1699 | releases N minutes after the FOC, N the last two digits (01–99; 00 is 100) |
    /// | 1700–1799 | never releases; the operator's override works |
    /// | 1800–1899 | never releases and refuses the operator's override |
    /// | anything else | releases at the FOC |
    pub fn from_last_four(line: u16) -> Self {
        match line {
            1600..=1699 => {
                let minutes = match line % 100 {
                    0 => 100,
                    n => i64::from(n),
                };
                Self::ReleasesAfter(TimeDelta::minutes(minutes))
            }
            1700..=1799 => Self::NeverReleases,
            1800..=1899 => Self::RefusesOverride,
            _ => Self::ReleasesAtFoc,
        }
    }

    /// The behaviour of `number`: only `+1 NPA 555 XXXX` numbers are magic.
    pub fn of(number: &E164) -> Self {
        number
            .nanp_parts()
            .filter(|(_, exchange, _)| *exchange == MAGIC_EXCHANGE)
            .and_then(|(_, _, line)| line.parse().ok())
            .map_or(Self::ReleasesAtFoc, Self::from_last_four)
    }

    /// When the carrier releases the NNID by itself, for a port at `foc`.
    pub fn releases_at(self, foc: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Self::ReleasesAtFoc => Some(foc),
            Self::ReleasesAfter(delay) => Some(foc + delay),
            Self::NeverReleases | Self::RefusesOverride => None,
        }
    }

    /// Whether the operator's NNID override succeeds.
    pub fn accepts_override(self) -> bool {
        self != Self::RefusesOverride
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CarrierBehaviour as C;

    fn number(raw: &str) -> E164 {
        E164::parse(raw).expect("valid number")
    }

    #[test]
    fn the_last_four_digits_pick_the_behaviour() {
        let minutes = |m| C::ReleasesAfter(TimeDelta::minutes(m));
        for (line, expected) in [
            (1499, C::ReleasesAtFoc),
            (1500, C::ReleasesAtFoc),
            (1599, C::ReleasesAtFoc),
            (1600, minutes(100)),
            (1601, minutes(1)),
            (1645, minutes(45)),
            (1699, minutes(99)),
            (1700, C::NeverReleases),
            (1799, C::NeverReleases),
            (1800, C::RefusesOverride),
            (1899, C::RefusesOverride),
            (1900, C::ReleasesAtFoc),
            (0, C::ReleasesAtFoc),
        ] {
            assert_eq!(C::from_last_four(line), expected, "{line}");
        }
    }

    #[test]
    fn only_the_555_exchange_is_magic() {
        assert_eq!(C::of(&number("+13125551750")), C::NeverReleases);
        assert_eq!(C::of(&number("+12065551850")), C::RefusesOverride);
        assert_eq!(C::of(&number("+13125561750")), C::ReleasesAtFoc);
        assert_eq!(C::of(&number("+442071831750")), C::ReleasesAtFoc);
    }

    #[test]
    fn release_times_and_overrides_follow_the_behaviour() {
        let foc = DateTime::from_timestamp(1_800_000_000, 0).expect("valid time");
        assert_eq!(C::ReleasesAtFoc.releases_at(foc), Some(foc));
        assert_eq!(
            C::from_last_four(1610).releases_at(foc),
            Some(foc + TimeDelta::minutes(10))
        );
        assert_eq!(C::NeverReleases.releases_at(foc), None);
        assert!(C::NeverReleases.accepts_override());
        assert_eq!(C::RefusesOverride.releases_at(foc), None);
        assert!(!C::RefusesOverride.accepts_override());
    }
}
