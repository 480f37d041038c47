//! Request parsing that fails in the public envelope: a JSON body extractor that names the field
//! at fault (axum's own answers in plain text), and query parameters for pages and filters.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use http::request::Parts;
use http::{StatusCode, header};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use textport_domain::PageError;
use textport_platform::{ApiError, ErrorKind};
use textport_proto::common::v1::PageRequest;

use crate::error::HttpError;

/// A JSON body. A missing `Content-Type` is accepted (some clients send none); another media type is 415.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = HttpError;

    async fn from_request(request: Request, state: &S) -> Result<Self, HttpError> {
        if let Some(content_type) = request.headers().get(header::CONTENT_TYPE) {
            let json = content_type
                .to_str()
                .ok()
                .and_then(|ct| ct.split(';').next())
                .is_some_and(|mime| {
                    let mime = mime.trim().to_ascii_lowercase();
                    mime == "application/json"
                        || (mime.starts_with("application/") && mime.ends_with("+json"))
                });
            if !json {
                return Err(ApiError::new(
                    ErrorKind::UnsupportedMediaType,
                    "The request body must be JSON, sent with Content-Type: application/json.",
                )
                .into());
            }
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(ErrorKind::PayloadTooLarge, "The request body is too large.")
                } else {
                    ApiError::new(
                        ErrorKind::MalformedBody,
                        "The request body could not be read.",
                    )
                }
            })?;
        parse_json(&bytes).map(ApiJson).map_err(HttpError)
    }
}

/// A JSON body that may be absent: SDK calls without arguments send an empty body (with
/// `Content-Type: application/json`), which is `None`; anything else parses as [`ApiJson`].
pub struct OptionalJson<T>(pub Option<T>);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for OptionalJson<T> {
    type Rejection = HttpError;

    async fn from_request(request: Request, state: &S) -> Result<Self, HttpError> {
        let (parts, body) = request.into_parts();
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(|_| {
                ApiError::new(
                    ErrorKind::MalformedBody,
                    "The request body could not be read.",
                )
            })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(None));
        }
        let request = Request::from_parts(parts, axum::body::Body::from(bytes));
        let ApiJson(value) = ApiJson::from_request(request, state).await?;
        Ok(OptionalJson(Some(value)))
    }
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::at_pointer(
            ErrorKind::MalformedBody,
            "",
            "The request body must be a JSON object.",
        ));
    }
    // serde's derive would read an array positionally as the struct's fields; bodies are objects.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{')
        && serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok()
    {
        return Err(ApiError::at_pointer(
            ErrorKind::Validation,
            "",
            "The request body must be a JSON object.",
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let inner = error.inner();
        if inner.is_data() {
            ApiError::at_pointer(
                ErrorKind::Validation,
                pointer(error.path()),
                without_position(inner),
            )
        } else {
            ApiError::new(
                ErrorKind::MalformedBody,
                format!(
                    "The request body is not valid JSON: {}.",
                    without_position(inner)
                ),
            )
        }
    })?;
    deserializer.end().map_err(|error| {
        ApiError::new(
            ErrorKind::MalformedBody,
            format!(
                "The request body is not valid JSON: {}.",
                without_position(&error)
            ),
        )
    })?;
    Ok(value)
}

/// `phone_numbers[3]` → `/phone_numbers/3`; the root is the empty pointer (RFC 6901).
fn pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        pointer.push('/');
        match segment {
            Segment::Seq { index } => pointer.push_str(&index.to_string()),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
            }
            Segment::Unknown => pointer.push('-'),
        }
    }
    pointer
}

/// serde_json appends "at line 1 column 30" to its messages; the pointer says where, better.
fn without_position(error: &serde_json::Error) -> String {
    let message = error.to_string();
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message,
    }
}

/// A nullable PATCH field: absent → `None`, `null` → `Some(None)`, a value → `Some(Some(v))`.
pub fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// An optional field that may not be `null`: absent → `None`, a value → `Some(v)`, and `null` is
/// refused naming the field (serde's plain `Option` would read `null` as absent).
pub fn non_null<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

/// A nested JSON object of a body. serde would also read an array positionally into a struct;
/// anything but an object is refused, naming the field.
#[derive(Debug)]
pub struct Object<T>(pub T);

impl<'de, T: DeserializeOwned> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let value = serde_json::Value::deserialize(deserializer)?;
        if !value.is_object() {
            return Err(D::Error::custom(format!(
                "invalid type: {}, expected a JSON object",
                json_type(&value)
            )));
        }
        T::deserialize(value).map(Object).map_err(D::Error::custom)
    }
}

/// A whole JSON number: `5.0` is as whole as `5` (JSON Schema's `integer` agrees), `5.5` is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WholeNumber(pub i64);

impl<'de> Deserialize<'de> for WholeNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let number = serde_json::Number::deserialize(deserializer)?;
        let whole = number.as_i64().or_else(|| {
            number
                .as_f64()
                .filter(|f| f.fract() == 0.0 && (i64::MIN as f64..=i64::MAX as f64).contains(f))
                .map(|f| f as i64)
        });
        whole
            .map(WholeNumber)
            .ok_or_else(|| D::Error::custom(format!("{number} is not a whole number")))
    }
}

fn json_type(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

/// Path parameters; axum's own rejection (a segment that is not UTF-8) is plain text.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, HttpError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => Err(ApiError::new(
                ErrorKind::Validation,
                format!("The path is not valid: {}.", rejection.body_text()),
            )
            .into()),
        }
    }
}

/// The decoded query string as key/value pairs (`filter[name][contains]` stays one key).
pub struct QueryPairs(Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for QueryPairs {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, HttpError> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(query)
            .map(QueryPairs)
            .map_err(|_| {
                ApiError::new(
                    ErrorKind::Validation,
                    "The query string could not be decoded.",
                )
                .into()
            })
    }
}

impl QueryPairs {
    #[cfg(test)]
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        Self(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a repeated key (`filter[phone_number][in][]=a&...=b`), in order.
    pub fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> {
        self.0
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A `true`/`false` parameter; another value is refused naming it.
    pub fn boolean(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(_) => Err(ApiError::at_parameter(
                ErrorKind::Validation,
                key,
                format!("{key} must be true or false."),
            )),
        }
    }

    /// An ISO 8601 bound of a time filter, named by its parameter when it does not parse.
    pub fn instant(&self, key: &str) -> Result<Option<prost_types::Timestamp>, ApiError> {
        self.get(key)
            .map(|raw| {
                chrono::DateTime::parse_from_rfc3339(raw)
                    .map(|at| textport_platform::convert::timestamp(at.with_timezone(&chrono::Utc)))
                    .map_err(|_| {
                        ApiError::at_parameter(
                            ErrorKind::Validation,
                            key,
                            "Must be an ISO 8601 date-time, e.g. 2026-11-23T10:00:00Z.",
                        )
                    })
            })
            .transpose()
    }

    /// `page[number]` and `page[size]`; absent values are left for the service to default.
    pub fn page(&self) -> Result<PageRequest, ApiError> {
        let parse = |key: &str, error: PageError| -> Result<u32, ApiError> {
            match self.get(key) {
                None => Ok(0),
                Some(raw) => raw.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| {
                    ApiError::at_parameter(ErrorKind::Validation, key, error.to_string())
                }),
            }
        };
        Ok(PageRequest {
            number: parse("page[number]", PageError::Number)?,
            size: parse("page[size]", PageError::Size)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Numbers {
        #[allow(dead_code)]
        phone_numbers: Option<Vec<String>>,
    }

    fn error_of(body: &str) -> ApiError {
        parse_json::<Numbers>(body.as_bytes()).expect_err("must fail")
    }

    #[test]
    fn type_errors_point_at_the_field_and_element() {
        let error = error_of(r#"{"phone_numbers":"+13125550001"}"#);
        assert_eq!(
            (
                error.kind,
                error.envelope()["errors"][0]["source"]["pointer"].as_str()
            ),
            (ErrorKind::Validation, Some("/phone_numbers"))
        );
        let error = error_of(r#"{"phone_numbers":["+13125550001", 42]}"#);
        assert_eq!(
            error.envelope()["errors"][0]["source"]["pointer"],
            "/phone_numbers/1"
        );
        assert!(!error.detail.contains("line 1"), "{}", error.detail);
    }

    #[test]
    fn syntax_errors_are_malformed_bodies() {
        for body in [
            "{\"messaging\": {\"enable_messaging\": true,}}",
            "{",
            "nope",
            "{} trailing",
        ] {
            assert_eq!(error_of(body).kind, ErrorKind::MalformedBody, "{body}");
        }
        assert_eq!(error_of("   ").kind, ErrorKind::MalformedBody);
    }

    #[test]
    fn a_non_object_body_points_at_the_root() {
        let error = error_of("[1,2]");
        assert_eq!(error.kind, ErrorKind::Validation);
        assert_eq!(error.envelope()["errors"][0]["source"]["pointer"], "");
    }

    #[test]
    fn whole_numbers_may_be_written_as_floats_but_fractions_and_strings_are_refused() {
        let whole = |json: &str| serde_json::from_str::<WholeNumber>(json).ok();
        assert_eq!(whole("72"), Some(WholeNumber(72)));
        assert_eq!(whole("72.0"), Some(WholeNumber(72)));
        assert_eq!(whole("-3"), Some(WholeNumber(-3)));
        assert_eq!(whole("72.5"), None);
        assert_eq!(whole("1e300"), None);
        assert_eq!(whole("\"72\""), None);
    }

    #[test]
    fn nested_objects_refuse_arrays_and_null() {
        #[derive(Debug, Deserialize)]
        struct Inner {
            #[allow(dead_code)]
            a: Option<String>,
        }
        #[derive(Debug, Deserialize)]
        struct Body {
            #[serde(default, deserialize_with = "non_null")]
            #[allow(dead_code)]
            inner: Option<Object<Inner>>,
        }
        for body in [
            r#"{"inner": [null]}"#,
            r#"{"inner": null}"#,
            r#"{"inner": "x"}"#,
        ] {
            let error = parse_json::<Body>(body.as_bytes()).expect_err(body);
            assert_eq!(
                error.envelope()["errors"][0]["source"]["pointer"],
                "/inner",
                "{body}"
            );
        }
        assert!(parse_json::<Body>(br#"{"inner": {"a": "x"}}"#).is_ok());
        assert!(parse_json::<Body>(b"{}").is_ok());
    }

    #[test]
    fn page_parameters_are_checked_by_name() {
        let pairs = QueryPairs(vec![("page[size]".into(), "ten".into())]);
        let error = pairs.page().expect_err("not a number");
        assert_eq!(
            error.envelope()["errors"][0]["source"]["parameter"],
            "page[size]"
        );
        let empty = QueryPairs(vec![("page[number]".into(), String::new())]);
        assert!(
            empty.page().is_err(),
            "an empty value is a mistake, not a default"
        );
        let absent = QueryPairs(vec![]);
        assert_eq!(
            absent.page().expect("defaults"),
            PageRequest { number: 0, size: 0 }
        );
    }
}
