//! The one error table. Every error a client can meet has a kind; the kind decides the gRPC code
//! between services, and the HTTP status, Telnyx code and title at the edge. Services map their
//! own domain errors to an [`ApiError`] once, in their `grpc.rs`; the gateway reads the same
//! kind back from the gRPC status (by its `ErrorInfo` reason) and renders the public envelope.

use std::fmt;

use http::StatusCode;
use serde_json::{Value, json};
use tonic::Code;
use tonic_types::{ErrorDetails, StatusExt};

const ERROR_DOMAIN: &str = "textport";
const DOCS_URL: &str = "https://developers.telnyx.com/docs/overview/errors/";

/// Which API family a route belongs to: their references answer validation errors differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Hosted orders, eligibility, hosted numbers, messaging profiles: validation is 400.
    Messaging,
    /// Portability checks and porting orders: validation is 422.
    Porting,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The body is not JSON at all: 400 in every family.
    MalformedBody,
    Validation,
    InvalidPhoneNumber,
    InvalidEnum,
    NotFound,
    RouteNotFound,
    MethodNotAllowed,
    PayloadTooLarge,
    UnsupportedMediaType,
    Unauthenticated,
    Forbidden,
    /// The resource is in a state that does not allow the action (never worth a retry).
    InvalidState,
    Unavailable,
    Internal,
}

/// How a validation-type error's HTTP status is chosen.
#[derive(Clone, Copy)]
enum Http {
    Fixed(StatusCode),
    ByFamily,
}

struct Row {
    kind: ErrorKind,
    reason: &'static str,
    grpc: Code,
    http: Http,
    code: &'static str,
    title: &'static str,
}

const fn row(
    kind: ErrorKind,
    reason: &'static str,
    grpc: Code,
    http: Http,
    code: &'static str,
    title: &'static str,
) -> Row {
    Row {
        kind,
        reason,
        grpc,
        http,
        code,
        title,
    }
}

use ErrorKind as K;
use Http::{ByFamily, Fixed};

#[rustfmt::skip]
const TABLE: &[Row] = &[
    row(K::MalformedBody,        "TEXTPORT_MALFORMED_BODY",        Code::InvalidArgument,    Fixed(StatusCode::BAD_REQUEST),            "10015", "Bad Request"),
    row(K::Validation,           "TEXTPORT_VALIDATION",            Code::InvalidArgument,    ByFamily,                                  "10015", "Bad Request"),
    row(K::InvalidPhoneNumber,   "TEXTPORT_INVALID_PHONE_NUMBER",  Code::InvalidArgument,    ByFamily,                                  "10016", "Phone number must be in +E164 format"),
    row(K::InvalidEnum,          "TEXTPORT_INVALID_ENUM",          Code::InvalidArgument,    ByFamily,                                  "10032", "Invalid enumerated value"),
    row(K::NotFound,             "TEXTPORT_NOT_FOUND",             Code::NotFound,           Fixed(StatusCode::NOT_FOUND),              "10005", "Resource not found"),
    row(K::RouteNotFound,        "TEXTPORT_ROUTE_NOT_FOUND",       Code::Unimplemented,      Fixed(StatusCode::NOT_FOUND),              "10005", "Resource not found"),
    row(K::MethodNotAllowed,     "TEXTPORT_METHOD_NOT_ALLOWED",    Code::Unimplemented,      Fixed(StatusCode::METHOD_NOT_ALLOWED),     "10015", "Method not allowed"),
    row(K::PayloadTooLarge,      "TEXTPORT_PAYLOAD_TOO_LARGE",     Code::ResourceExhausted,  Fixed(StatusCode::PAYLOAD_TOO_LARGE),      "10015", "Request body too large"),
    row(K::UnsupportedMediaType, "TEXTPORT_UNSUPPORTED_MEDIA_TYPE",Code::InvalidArgument,    Fixed(StatusCode::UNSUPPORTED_MEDIA_TYPE), "10015", "Unsupported media type"),
    row(K::Unauthenticated,      "TEXTPORT_UNAUTHENTICATED",       Code::Unauthenticated,    Fixed(StatusCode::UNAUTHORIZED),           "10009", "Authentication failed"),
    row(K::Forbidden,            "TEXTPORT_FORBIDDEN",             Code::PermissionDenied,   Fixed(StatusCode::FORBIDDEN),              "10010", "Not authorized"),
    row(K::InvalidState,         "TEXTPORT_INVALID_STATE",         Code::FailedPrecondition, Fixed(StatusCode::UNPROCESSABLE_ENTITY),   "10015", "Invalid state"),
    row(K::Unavailable,          "TEXTPORT_UNAVAILABLE",           Code::Unavailable,        Fixed(StatusCode::SERVICE_UNAVAILABLE),    "10007", "Service unavailable"),
    row(K::Internal,             "TEXTPORT_INTERNAL",              Code::Internal,           Fixed(StatusCode::INTERNAL_SERVER_ERROR),  "10007", "Unexpected error"),
];

impl ErrorKind {
    fn row(self) -> &'static Row {
        // Every kind has exactly one row; the table test below keeps it so.
        TABLE
            .iter()
            .find(|row| row.kind == self)
            .unwrap_or(&TABLE[TABLE.len() - 1])
    }

    pub fn reason(self) -> &'static str {
        self.row().reason
    }

    pub fn grpc_code(self) -> Code {
        self.row().grpc
    }

    pub fn http_status(self, family: Family) -> StatusCode {
        match (self.row().http, family) {
            (Fixed(status), _) => status,
            (ByFamily, Family::Messaging) => StatusCode::BAD_REQUEST,
            (ByFamily, Family::Porting) => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    pub fn code(self) -> &'static str {
        self.row().code
    }

    pub fn title(self) -> &'static str {
        self.row().title
    }

    fn from_reason(reason: &str) -> Option<Self> {
        TABLE
            .iter()
            .find(|row| row.reason == reason)
            .map(|row| row.kind)
    }
}

/// Where in the request an error points: a JSON pointer into the body, or a query parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Pointer(String),
    Parameter(String),
}

impl Source {
    /// gRPC field violations carry the source as one string: a pointer is empty (the whole body)
    /// or starts with `/`; a parameter name never does either.
    fn encode(&self) -> String {
        match self {
            Source::Pointer(pointer) => pointer.clone(),
            Source::Parameter(name) => name.clone(),
        }
    }

    fn decode(field: &str) -> Self {
        if field.is_empty() || field.starts_with('/') {
            Source::Pointer(field.to_owned())
        } else {
            Source::Parameter(field.to_owned())
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub source: Source,
    pub detail: String,
}

/// An error on its way to a caller, in either wire format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub kind: ErrorKind,
    pub detail: String,
    pub violations: Vec<Violation>,
}

impl ApiError {
    pub fn new(kind: ErrorKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
            violations: Vec::new(),
        }
    }

    /// A field error pointing into the JSON body (`/phone_numbers/3`).
    pub fn at_pointer(
        kind: ErrorKind,
        pointer: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Self::at(kind, Source::Pointer(pointer.into()), detail.into())
    }

    /// A field error naming a query parameter (`page[size]`).
    pub fn at_parameter(
        kind: ErrorKind,
        parameter: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Self::at(kind, Source::Parameter(parameter.into()), detail.into())
    }

    fn at(kind: ErrorKind, source: Source, detail: String) -> Self {
        Self {
            kind,
            violations: vec![Violation {
                source,
                detail: detail.clone(),
            }],
            detail,
        }
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorKind::NotFound, format!("{what} not found"))
    }

    /// Logs the cause here, where it is known, and hands the caller only an opaque message.
    pub fn internal(cause: impl fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(ErrorKind::Internal, "An unexpected error occurred.")
    }

    pub fn http_status(&self, family: Family) -> StatusCode {
        self.kind.http_status(family)
    }

    /// The public error document: one entry per violation, or one for the whole error.
    pub fn envelope(&self) -> Value {
        let entry = |detail: &str, source: Option<&Source>| {
            let mut entry = json!({
                "code": self.kind.code(),
                "title": self.kind.title(),
                "detail": detail,
                "meta": {"url": format!("{DOCS_URL}{}", self.kind.code())},
            });
            match source {
                Some(Source::Pointer(pointer)) => entry["source"] = json!({"pointer": pointer}),
                Some(Source::Parameter(name)) => entry["source"] = json!({"parameter": name}),
                None => {}
            }
            entry
        };
        let errors: Vec<Value> = if self.violations.is_empty() {
            vec![entry(&self.detail, None)]
        } else {
            self.violations
                .iter()
                .map(|v| entry(&v.detail, Some(&v.source)))
                .collect()
        };
        json!({ "errors": errors })
    }

    /// Reads an error back from a downstream status. A status without our details (a transport
    /// failure, a timeout) becomes `Unavailable` or `Internal` by its code, never a leak of its text.
    pub fn from_status(status: &tonic::Status) -> Self {
        let details = status.get_error_details();
        let kind = details
            .error_info()
            .and_then(|info| ErrorKind::from_reason(&info.reason));
        let Some(kind) = kind else {
            return match status.code() {
                Code::Unavailable | Code::DeadlineExceeded | Code::Cancelled => {
                    tracing::warn!(code = ?status.code(), message = status.message(), "downstream unavailable");
                    Self::new(
                        ErrorKind::Unavailable,
                        "A service this request needs is unavailable; try again.",
                    )
                }
                _ => Self::internal(format_args!(
                    "downstream status {:?}: {}",
                    status.code(),
                    status.message()
                )),
            };
        };
        let violations = details
            .bad_request()
            .map(|bad| {
                bad.field_violations
                    .iter()
                    .map(|v| Violation {
                        source: Source::decode(&v.field),
                        detail: v.description.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self {
            kind,
            detail: status.message().to_owned(),
            violations,
        }
    }
}

impl From<ApiError> for tonic::Status {
    fn from(error: ApiError) -> Self {
        let mut details = ErrorDetails::new();
        details.set_error_info(
            error.kind.reason(),
            ERROR_DOMAIN,
            std::collections::HashMap::new(),
        );
        for violation in &error.violations {
            details.add_bad_request_violation(violation.source.encode(), violation.detail.clone());
        }
        tonic::Status::with_error_details(error.kind.grpc_code(), error.detail, details)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.reason(), self.detail)
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [ErrorKind; 14] = [
        K::MalformedBody,
        K::Validation,
        K::InvalidPhoneNumber,
        K::InvalidEnum,
        K::NotFound,
        K::RouteNotFound,
        K::MethodNotAllowed,
        K::PayloadTooLarge,
        K::UnsupportedMediaType,
        K::Unauthenticated,
        K::Forbidden,
        K::InvalidState,
        K::Unavailable,
        K::Internal,
    ];

    #[test]
    fn every_kind_has_exactly_one_row_and_a_unique_reason() {
        assert_eq!(TABLE.len(), ALL.len());
        for kind in ALL {
            assert_eq!(
                TABLE.iter().filter(|row| row.kind == kind).count(),
                1,
                "{kind:?}"
            );
            assert_eq!(ErrorKind::from_reason(kind.reason()), Some(kind));
        }
    }

    #[test]
    fn validation_status_follows_the_family_but_malformed_json_is_always_400() {
        assert_eq!(
            K::Validation.http_status(Family::Messaging),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            K::Validation.http_status(Family::Porting),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            K::MalformedBody.http_status(Family::Porting),
            StatusCode::BAD_REQUEST
        );
    }

    #[test]
    fn an_error_survives_the_grpc_hop_with_its_kind_and_sources() {
        let mut sent = ApiError::at_pointer(
            K::Validation,
            "/phone_numbers",
            "You must provide at least 1 phone number.",
        );
        sent.violations.push(Violation {
            source: Source::Parameter("page[size]".into()),
            detail: "too big".into(),
        });
        sent.violations.push(Violation {
            source: Source::Pointer(String::new()),
            detail: "not an object".into(),
        });
        let received = ApiError::from_status(&tonic::Status::from(sent.clone()));
        assert_eq!(received, sent);
    }

    #[test]
    fn a_foreign_status_is_opaque() {
        let received = ApiError::from_status(&tonic::Status::internal("db password is hunter2"));
        assert_eq!(received.kind, K::Internal);
        assert!(!received.detail.contains("hunter2"));
        let unavailable = ApiError::from_status(&tonic::Status::unavailable("connection refused"));
        assert_eq!(unavailable.kind, K::Unavailable);
    }

    #[test]
    fn the_envelope_matches_the_telnyx_shape() {
        let error = ApiError::at_pointer(
            K::Validation,
            "/phone_numbers",
            "You must provide at least 1 phone number.",
        );
        assert_eq!(
            error.envelope(),
            json!({"errors":[{"code":"10015","title":"Bad Request","detail":"You must provide at least 1 phone number.",
                "source":{"pointer":"/phone_numbers"},"meta":{"url":"https://developers.telnyx.com/docs/overview/errors/10015"}}]})
        );
        let param = ApiError::at_parameter(K::Validation, "page[size]", "bad");
        assert_eq!(
            param.envelope()["errors"][0]["source"],
            json!({"parameter": "page[size]"})
        );
    }
}
