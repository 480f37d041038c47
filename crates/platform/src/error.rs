//! The one error table. Every error a client can meet has a kind; the kind decides the gRPC code
//! between services, and the HTTP status, Telnyx code, title and retry advice at the edge. Each
//! service maps its own `Error` to an [`ApiError`] once, in its `error.rs`; the gateway reads the
//! same kind back from the gRPC status (by its `ErrorInfo` reason) and renders the public envelope.

use std::fmt;
use std::time::Duration;

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

/// How a validation-type error's HTTP status is chosen.
#[derive(Clone, Copy)]
enum Http {
    Fixed(StatusCode),
    ByFamily,
}

/// Whether a client should send the same request again. Both official SDKs retry 408, 409, 429
/// and 5xx by themselves unless the answer says `x-should-retry: false`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// The client's own rules decide (4xx other than 409/429: no retry; 5xx: retry).
    ClientDecides,
    /// The same request can only fail the same way: `x-should-retry: false`.
    Never,
    /// Worth retrying, after `Retry-After` when the error carries a delay.
    Later,
}

struct Row {
    reason: &'static str,
    grpc: Code,
    http: Http,
    code: &'static str,
    title: &'static str,
    retry: Retry,
}

use Http::{ByFamily, Fixed};

/// Declares [`ErrorKind`] and its table in one list, so a kind cannot exist without its row.
macro_rules! error_table {
    ($( $(#[$doc:meta])* $kind:ident => $reason:literal, $grpc:ident, $http:expr, $code:literal, $title:literal, $retry:ident; )+) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ErrorKind {
            $( $(#[$doc])* $kind, )+
        }

        impl ErrorKind {
            pub const ALL: &'static [ErrorKind] = &[$(ErrorKind::$kind),+];

            fn row(self) -> Row {
                match self {
                    $( ErrorKind::$kind => Row {
                        reason: $reason,
                        grpc: Code::$grpc,
                        http: $http,
                        code: $code,
                        title: $title,
                        retry: Retry::$retry,
                    }, )+
                }
            }
        }
    };
}

const fn fixed(status: u16) -> Http {
    match StatusCode::from_u16(status) {
        Ok(status) => Fixed(status),
        Err(_) => panic!("not an HTTP status"),
    }
}

#[rustfmt::skip]
error_table! {
    /// The body is not JSON at all: 400 in every family.
    MalformedBody        => "TEXTPORT_MALFORMED_BODY",         InvalidArgument,    fixed(400), "10015", "Bad Request",                          ClientDecides;
    Validation           => "TEXTPORT_VALIDATION",             InvalidArgument,    ByFamily,   "10015", "Bad Request",                          ClientDecides;
    InvalidPhoneNumber   => "TEXTPORT_INVALID_PHONE_NUMBER",   InvalidArgument,    ByFamily,   "10016", "Phone number must be in +E164 format", ClientDecides;
    InvalidEnum          => "TEXTPORT_INVALID_ENUM",           InvalidArgument,    ByFamily,   "10032", "Invalid enumerated value",             ClientDecides;
    NotFound             => "TEXTPORT_NOT_FOUND",              NotFound,           fixed(404), "10005", "Resource not found",                   ClientDecides;
    RouteNotFound        => "TEXTPORT_ROUTE_NOT_FOUND",        Unimplemented,      fixed(404), "10005", "Resource not found",                   ClientDecides;
    MethodNotAllowed     => "TEXTPORT_METHOD_NOT_ALLOWED",     Unimplemented,      fixed(405), "10015", "Method not allowed",                   ClientDecides;
    PayloadTooLarge      => "TEXTPORT_PAYLOAD_TOO_LARGE",      ResourceExhausted,  fixed(413), "10015", "Request body too large",               ClientDecides;
    UnsupportedMediaType => "TEXTPORT_UNSUPPORTED_MEDIA_TYPE", InvalidArgument,    fixed(415), "10015", "Unsupported media type",               ClientDecides;
    Unauthenticated      => "TEXTPORT_UNAUTHENTICATED",        Unauthenticated,    fixed(401), "10009", "Authentication failed",                ClientDecides;
    Forbidden            => "TEXTPORT_FORBIDDEN",              PermissionDenied,   fixed(403), "10010", "Not authorized",                       ClientDecides;
    /// The resource is in a state that does not allow the action.
    InvalidState         => "TEXTPORT_INVALID_STATE",          FailedPrecondition, fixed(422), "10015", "Invalid state",                        Never;
    /// The request collides with something that exists (a taken name or key, a number in an open order).
    Conflict             => "TEXTPORT_CONFLICT",               AlreadyExists,      fixed(409), "10015", "Conflict",                             Never;
    /// The same `Idempotency-Key` is still being processed: the only conflict worth retrying.
    RequestInFlight      => "TEXTPORT_REQUEST_IN_FLIGHT",      Aborted,            fixed(409), "10015", "Request in progress",                  Later;
    /// An `Idempotency-Key` sent again with a different method, path, query or body.
    IdempotencyKeyReused => "TEXTPORT_IDEMPOTENCY_KEY_REUSED", FailedPrecondition, fixed(422), "10015", "Idempotency key reused",               Never;
    TooManyRequests      => "TEXTPORT_TOO_MANY_REQUESTS",      ResourceExhausted,  fixed(429), "10011", "Too many requests",                    Later;
    /// Asked again before its cooldown ended (a verification code re-sent too early): the delay
    /// is in `Retry-After`, but an automatic retry would only spend the client's time.
    CoolingDown          => "TEXTPORT_COOLING_DOWN",           ResourceExhausted,  fixed(429), "10011", "Too many requests",                    Never;
    Unavailable          => "TEXTPORT_UNAVAILABLE",            Unavailable,        fixed(503), "10007", "Service unavailable",                  Later;
    Internal             => "TEXTPORT_INTERNAL",               Internal,           fixed(500), "10007", "Unexpected error",                     ClientDecides;
}

impl ErrorKind {
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

    pub fn retry(self) -> Retry {
        self.row().retry
    }

    fn from_reason(reason: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|kind| kind.reason() == reason)
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
    /// When a retry may succeed (`Retry-After` at the edge, `RetryInfo` between services).
    pub retry_after: Option<Duration>,
}

impl ApiError {
    pub fn new(kind: ErrorKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
            violations: Vec::new(),
            retry_after: None,
        }
    }

    pub fn retry_after(mut self, delay: Duration) -> Self {
        self.retry_after = Some(delay);
        self
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
            violations: vec![Violation {
                source,
                detail: detail.clone(),
            }],
            ..Self::new(kind, detail)
        }
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorKind::NotFound, format!("{what} not found"))
    }

    /// Logs the cause and its whole chain of sources here, where they are known, with the trace
    /// id, and hands the caller only an opaque message.
    pub fn internal(cause: &(dyn std::error::Error + 'static)) -> Self {
        Self::internal_message(Chain(cause))
    }

    /// [`ApiError::internal`] for a cause that is a message rather than an error value.
    pub fn internal_message(cause: impl fmt::Display) -> Self {
        let trace_id =
            crate::trace_context::trace_id(&tracing::Span::current()).unwrap_or_default();
        tracing::error!(error = %cause, trace_id, "internal error");
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

    /// Counts this error, answered at `edge` (`grpc` or `http`), in the process's metrics.
    pub fn count(&self, edge: &'static str) {
        crate::metrics::metrics()
            .errors
            .get_or_create(&crate::metrics::ErrorLabels {
                kind: self.kind.reason(),
                edge,
            })
            .inc();
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
                // Unimplemented: the service runs without that gRPC service (a deployment whose
                // services disagree, e.g. about the sandbox): unavailable here, not a bug.
                Code::Unavailable
                | Code::DeadlineExceeded
                | Code::Cancelled
                | Code::Unimplemented => {
                    tracing::warn!(code = ?status.code(), message = status.message(), "downstream unavailable");
                    Self::new(
                        ErrorKind::Unavailable,
                        "A service this request needs is unavailable; try again.",
                    )
                }
                _ => Self::internal_message(format_args!(
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
            retry_after: details.retry_info().and_then(|info| info.retry_delay),
        }
    }
}

/// An error and its sources on one line: `outer: inner: root`.
pub struct Chain<'a>(pub &'a (dyn std::error::Error + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

impl From<ApiError> for tonic::Status {
    fn from(error: ApiError) -> Self {
        error.count("grpc");
        let mut details = ErrorDetails::new();
        details.set_error_info(
            error.kind.reason(),
            ERROR_DOMAIN,
            std::collections::HashMap::new(),
        );
        for violation in &error.violations {
            details.add_bad_request_violation(violation.source.encode(), violation.detail.clone());
        }
        if error.retry_after.is_some() {
            details.set_retry_info(error.retry_after);
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
    use ErrorKind as K;

    #[test]
    fn every_kind_has_a_unique_reason_that_reads_back() {
        let mut reasons: Vec<&str> = K::ALL.iter().map(|kind| kind.reason()).collect();
        reasons.sort_unstable();
        reasons.dedup();
        assert_eq!(reasons.len(), K::ALL.len());
        for &kind in K::ALL {
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
    fn conflicts_are_409_and_only_an_in_flight_request_is_worth_retrying() {
        for kind in [K::Conflict, K::RequestInFlight] {
            assert_eq!(kind.http_status(Family::Messaging), StatusCode::CONFLICT);
        }
        assert_eq!(K::Conflict.retry(), Retry::Never);
        assert_eq!(K::InvalidState.retry(), Retry::Never);
        assert_eq!(K::RequestInFlight.retry(), Retry::Later);
        assert_eq!(
            K::TooManyRequests.http_status(Family::Porting),
            StatusCode::TOO_MANY_REQUESTS
        );
        assert_eq!(K::Conflict.grpc_code(), Code::AlreadyExists);
        assert_eq!(K::TooManyRequests.grpc_code(), Code::ResourceExhausted);
    }

    #[test]
    fn an_error_survives_the_grpc_hop_with_its_kind_sources_and_delay() {
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
        let slow_down =
            ApiError::new(K::TooManyRequests, "slow down").retry_after(Duration::from_secs(7));
        assert_eq!(
            ApiError::from_status(&tonic::Status::from(slow_down.clone())),
            slow_down
        );
    }

    #[test]
    fn a_foreign_status_is_opaque() {
        let received = ApiError::from_status(&tonic::Status::internal("db password is hunter2"));
        assert_eq!(received.kind, K::Internal);
        assert!(!received.detail.contains("hunter2"));
        for status in [
            tonic::Status::unavailable("connection refused"),
            tonic::Status::unimplemented(""),
        ] {
            assert_eq!(ApiError::from_status(&status).kind, K::Unavailable);
        }
    }

    #[test]
    fn the_cause_chain_is_one_line() {
        let inner = std::io::Error::other("disk full");
        let outer = anyhow::Error::new(inner).context("writing the outbox");
        let chain: &(dyn std::error::Error + 'static) = outer.as_ref();
        assert_eq!(Chain(chain).to_string(), "writing the outbox: disk full");
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
