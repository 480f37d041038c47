pub mod eligibility;
pub mod profiles;
pub mod sandbox;

use chrono::SecondsFormat;
use serde_json::Value;
use textport_platform::convert;

/// Public timestamps: RFC 3339, milliseconds, `Z`.
pub fn time(at: Option<&prost_types::Timestamp>) -> Value {
    convert::datetime(at).map_or(Value::Null, |at| {
        Value::String(at.to_rfc3339_opts(SecondsFormat::Millis, true))
    })
}

/// `ELIGIBILITY_STATUS_NUMBER_IS_NOT_A_US_NUMBER` → `number_is_not_a_us_number`.
pub fn enum_text(proto_name: &str, prefix: &str) -> String {
    proto_name
        .strip_prefix(prefix)
        .unwrap_or(proto_name)
        .to_ascii_lowercase()
}
