use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum E164Error {
    #[error("a phone number must start with `+`")]
    MissingPlus,
    #[error("a phone number may contain only digits after `+`")]
    NotDigits,
    #[error("a phone number has 8 to 15 digits after `+`")]
    Length,
    #[error("a country code never starts with 0")]
    LeadingZero,
    #[error("a +1 number is `+1` followed by 10 digits, area code and exchange starting 2-9")]
    Nanp,
}

/// Where a NANP (+1) number is: the US (with its territories) or another NANP country.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NanpRegion {
    UnitedStates,
    /// Canada and the Caribbean countries that share +1.
    OtherCountry,
}

/// A phone number in E.164 form: `+`, then 8 to 15 digits, the first not 0. A `+1` number must
/// also have the NANP shape (10 digits, area code and exchange starting 2-9).
///
/// `Debug` masks all but the last four digits, so a number never reaches logs whole.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct E164(String);

impl E164 {
    pub fn parse(raw: &str) -> Result<Self, E164Error> {
        let digits = raw.strip_prefix('+').ok_or(E164Error::MissingPlus)?;
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(E164Error::NotDigits);
        }
        if !(8..=15).contains(&digits.len()) {
            return Err(E164Error::Length);
        }
        if digits.starts_with('0') {
            return Err(E164Error::LeadingZero);
        }
        if let Some(national) = digits.strip_prefix('1') {
            let b = national.as_bytes();
            if b.len() != 10 || b[0] < b'2' || b[3] < b'2' {
                return Err(E164Error::Nanp);
            }
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last four digits: all that logs and spans may carry.
    pub fn last4(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }

    /// For a +1 number, its area code, exchange and line number.
    pub fn nanp_parts(&self) -> Option<(&str, &str, &str)> {
        let national = self.0.strip_prefix("+1")?;
        Some((&national[..3], &national[3..6], &national[6..]))
    }

    pub fn nanp_region(&self) -> Option<NanpRegion> {
        let (npa, _, _) = self.nanp_parts()?;
        Some(if NON_US_NANP_AREA_CODES.contains(&npa) {
            NanpRegion::OtherCountry
        } else {
            NanpRegion::UnitedStates
        })
    }

    pub fn is_us(&self) -> bool {
        self.nanp_region() == Some(NanpRegion::UnitedStates)
    }
}

/// Area codes of +1 that are not the US: Canada, then the Caribbean and Atlantic countries.
/// US territories (Puerto Rico, Guam, …) and the shared toll-free codes count as US.
const NON_US_NANP_AREA_CODES: &[&str] = &[
    "204", "226", "236", "249", "250", "257", "263", "273", "289", "306", "343", "354", "365",
    "367", "368", "382", "403", "416", "418", "428", "431", "437", "438", "450", "460", "468",
    "474", "506", "514", "519", "548", "579", "581", "584", "587", "604", "613", "622", "639",
    "647", "672", "683", "705", "709", "742", "753", "778", "780", "782", "807", "819", "825",
    "867", "873", "879", "902", "905", "942", //
    "242", "246", "264", "268", "284", "345", "441", "473", "649", "658", "664", "721", "758",
    "767", "784", "809", "829", "849", "868", "869", "876",
];

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "E164(+…{})", self.last4())
    }
}

impl std::str::FromStr for E164 {
    type Err = E164Error;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Self::parse(raw)
    }
}

impl Serialize for E164 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for E164 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_us_and_international_numbers() {
        assert_eq!(
            E164::parse("+13125550001").map(|n| n.to_string()),
            Ok("+13125550001".into())
        );
        assert!(E164::parse("+442071838750").is_ok());
        assert!(E164::parse("+4930123456").is_ok());
    }

    #[test]
    fn refuses_each_malformed_shape_with_its_reason() {
        assert_eq!(E164::parse("13125550001"), Err(E164Error::MissingPlus));
        assert_eq!(E164::parse("+1312555000a"), Err(E164Error::NotDigits));
        assert_eq!(E164::parse("+1 312 555 0001"), Err(E164Error::NotDigits));
        assert_eq!(E164::parse("+1234567"), Err(E164Error::Length));
        assert_eq!(E164::parse("+1234567890123456"), Err(E164Error::Length));
        assert_eq!(E164::parse("+0123456789"), Err(E164Error::LeadingZero));
        assert_eq!(E164::parse("+1312555000"), Err(E164Error::Nanp));
        assert_eq!(E164::parse("+11125550001"), Err(E164Error::Nanp));
        assert_eq!(E164::parse("+13121550001"), Err(E164Error::Nanp));
        assert_eq!(E164::parse(""), Err(E164Error::MissingPlus));
        assert_eq!(E164::parse("+"), Err(E164Error::Length));
    }

    #[test]
    fn tells_us_from_other_nanp_countries() {
        let chicago = E164::parse("+13125550001").expect("valid");
        assert_eq!(chicago.nanp_parts(), Some(("312", "555", "0001")));
        assert!(chicago.is_us());
        assert!(
            E164::parse("+17875550001").expect("valid").is_us(),
            "Puerto Rico counts as US"
        );
        let toronto = E164::parse("+14165550001").expect("valid");
        assert_eq!(toronto.nanp_region(), Some(NanpRegion::OtherCountry));
        assert!(!toronto.is_us());
        let london = E164::parse("+442071838750").expect("valid");
        assert_eq!(london.nanp_region(), None);
        assert!(!london.is_us());
    }

    #[test]
    fn debug_shows_only_the_last_four_digits() {
        let n = E164::parse("+13125550123").expect("valid");
        assert_eq!(format!("{n:?}"), "E164(+…0123)");
        assert_eq!(n.last4(), "0123");
    }

    #[test]
    fn serde_parses_on_the_way_in() {
        let n: E164 = serde_json::from_str("\"+13125550001\"").expect("valid");
        assert_eq!(
            serde_json::to_string(&n).expect("serialises"),
            "\"+13125550001\""
        );
        assert!(serde_json::from_str::<E164>("\"3125550001\"").is_err());
    }
}
