//! Public enum strings by explicit table. Proto names cannot be trusted to give the public
//! spelling (`in-process`, `cancel-pending`, `Activate RDY`, `long-code`; one proto name may
//! even have two public spellings in two enums), so each public enum lists its strings once:
//! proto value → text is an exhaustive `match` (a new proto value does not compile without its
//! text), text → proto value is the same list read back, and `UNSPECIFIED` has no text either way.

/// Declares a table struct with `text`, `text_of`, `parse`, `parse_field`, `TEXTS` and `check`
/// (the round-trip test each crate runs over its tables).
#[macro_export]
macro_rules! public_enum {
    ($(#[$meta:meta])* $vis:vis $name:ident: $proto:ty { unspecified: $unspecified:ident, $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        $vis struct $name;

        impl $name {
            /// Every public spelling, in table order (the OpenAPI `enum` lists these).
            pub const TEXTS: &'static [&'static str] = &[$($text),+];

            pub fn text(value: $proto) -> Option<&'static str> {
                type E = $proto;
                match value {
                    E::$unspecified => None,
                    $(E::$variant => Some($text),)+
                }
            }

            /// The text of a raw proto field; `None` for unspecified or unknown values.
            pub fn text_of(raw: i32) -> Option<&'static str> {
                <$proto>::try_from(raw).ok().and_then(Self::text)
            }

            pub fn parse(text: &str) -> Option<$proto> {
                type E = $proto;
                match text {
                    $($text => Some(E::$variant),)+
                    _ => None,
                }
            }

            /// `raw` from the request body's `/{field}`; another text is an error naming the field
            /// and the choices.
            pub fn parse_field(field: &str, raw: &str) -> Result<$proto, $crate::ApiError> {
                Self::parse(raw).ok_or_else(|| {
                    $crate::ApiError::at_pointer(
                        $crate::ErrorKind::InvalidEnum,
                        format!("/{field}"),
                        format!("{field} must be one of {}.", Self::TEXTS.join(", ")),
                    )
                })
            }

            /// `raw` from the query parameter `parameter`; another text is an error naming it.
            pub fn parse_parameter(parameter: &str, raw: &str) -> Result<$proto, $crate::ApiError> {
                Self::parse(raw).ok_or_else(|| {
                    $crate::ApiError::at_parameter(
                        $crate::ErrorKind::InvalidEnum,
                        parameter,
                        format!("{parameter} must be one of {}.", Self::TEXTS.join(", ")),
                    )
                })
            }

            /// Panics unless every value round-trips and no two values share a text.
            pub fn check() {
                for text in Self::TEXTS {
                    let value = Self::parse(text).expect("every listed text parses");
                    assert_eq!(Self::text(value), Some(*text), "{} round trip", stringify!($name));
                }
                let mut sorted = Self::TEXTS.to_vec();
                sorted.sort_unstable();
                sorted.dedup();
                assert_eq!(sorted.len(), Self::TEXTS.len(), "{} repeats a text", stringify!($name));
                assert_eq!(Self::text(<$proto>::$unspecified), None);
                assert_eq!(Self::parse("unspecified"), None);
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use textport_proto::accounts::v1::WebhookApiVersion;

    crate::public_enum! {
        Versions: WebhookApiVersion {
            unspecified: Unspecified,
            V1 => "1",
            V2 => "2",
            V20100401 => "2010-04-01",
        }
    }

    #[test]
    fn a_table_reads_both_ways() {
        Versions::check();
        assert_eq!(
            Versions::text(WebhookApiVersion::V20100401),
            Some("2010-04-01")
        );
        assert_eq!(
            Versions::parse("2010-04-01"),
            Some(WebhookApiVersion::V20100401)
        );
        assert_eq!(Versions::parse("V1"), None);
        assert_eq!(Versions::text_of(0), None);
        assert_eq!(Versions::text_of(99), None);
        let error = Versions::parse_field("webhook_api_version", "3").expect_err("not listed");
        assert_eq!(error.kind, crate::ErrorKind::InvalidEnum);
        assert_eq!(
            error.envelope()["errors"][0]["source"]["pointer"],
            "/webhook_api_version"
        );
        let error = Versions::parse_parameter("filter[version]", "3").expect_err("not listed");
        assert_eq!(
            error.envelope()["errors"][0]["source"]["parameter"],
            "filter[version]"
        );
    }
}
