//! The ISO 3166-1 country of a number, for `country_code` and its filter. `+1` is told apart by
//! area code (US, Canada, the rest of the NANP); other calling codes by their longest prefix.

use textport_domain::{E164, NanpRegion};

/// Canadian area codes: the first part of the shared `+1` list that is not the US.
const CANADA: &[&str] = &[
    "204", "226", "236", "249", "250", "257", "263", "273", "289", "306", "343", "354", "365",
    "367", "368", "382", "403", "416", "418", "428", "431", "437", "438", "450", "460", "468",
    "474", "506", "514", "519", "548", "579", "581", "584", "587", "604", "613", "622", "639",
    "647", "672", "683", "705", "709", "742", "753", "778", "780", "782", "807", "819", "825",
    "867", "873", "879", "902", "905", "942",
];

/// Calling codes outside `+1` with one country each, longest first where they overlap.
const CALLING_CODES: &[(&str, &str)] = &[
    ("353", "IE"),
    ("351", "PT"),
    ("358", "FI"),
    ("420", "CZ"),
    ("972", "IL"),
    ("971", "AE"),
    ("852", "HK"),
    ("20", "EG"),
    ("27", "ZA"),
    ("30", "GR"),
    ("31", "NL"),
    ("32", "BE"),
    ("33", "FR"),
    ("34", "ES"),
    ("36", "HU"),
    ("39", "IT"),
    ("40", "RO"),
    ("41", "CH"),
    ("43", "AT"),
    ("44", "GB"),
    ("45", "DK"),
    ("46", "SE"),
    ("47", "NO"),
    ("48", "PL"),
    ("49", "DE"),
    ("52", "MX"),
    ("54", "AR"),
    ("55", "BR"),
    ("56", "CL"),
    ("57", "CO"),
    ("60", "MY"),
    ("61", "AU"),
    ("62", "ID"),
    ("63", "PH"),
    ("64", "NZ"),
    ("65", "SG"),
    ("66", "TH"),
    ("81", "JP"),
    ("82", "KR"),
    ("84", "VN"),
    ("86", "CN"),
    ("90", "TR"),
    ("91", "IN"),
];

/// The number's country, when its calling code tells one (`None` for an unlisted code or a
/// `+1` area code outside the US and Canada).
pub fn country_code(number: &E164) -> Option<&'static str> {
    match number.nanp_region() {
        Some(NanpRegion::UnitedStates) => return Some("US"),
        Some(NanpRegion::OtherCountry) => {
            let (npa, _, _) = number.nanp_parts()?;
            return CANADA.contains(&npa).then_some("CA");
        }
        None => {}
    }
    let digits = number.as_str().strip_prefix('+')?;
    CALLING_CODES
        .iter()
        .find(|(code, _)| digits.starts_with(code))
        .map(|(_, country)| *country)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(raw: &str) -> Option<&'static str> {
        country_code(&E164::parse(raw).expect("valid number"))
    }

    #[test]
    fn nanp_numbers_tell_the_us_and_canada_apart_by_area_code() {
        assert_eq!(of("+13125550001"), Some("US"));
        assert_eq!(of("+14165550001"), Some("CA"));
        assert_eq!(of("+18765550001"), None, "Jamaica is not listed");
    }

    #[test]
    fn other_numbers_go_by_their_calling_code() {
        assert_eq!(of("+442071838750"), Some("GB"));
        assert_eq!(of("+35312345678"), Some("IE"));
        assert_eq!(of("+4930123456"), Some("DE"));
        assert_eq!(of("+99912345678"), None);
    }

    #[test]
    fn no_code_is_shadowed_by_an_earlier_one_it_starts_with() {
        for (i, (earlier, _)) in CALLING_CODES.iter().enumerate() {
            for (later, _) in &CALLING_CODES[i + 1..] {
                assert!(!later.starts_with(earlier), "{later} after {earlier}");
            }
        }
    }
}
