//! Errors at the HTTP edge. Handlers and extractors fail with an [`HttpError`]; one middleware
//! renders it as the Telnyx error envelope with the status its family calls for, so the family
//! rule lives in exactly one place.

use axum::Json;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use textport_platform::{ApiError, ErrorKind, Family, Retry};

/// An error on its way out of a handler.
#[derive(Debug)]
pub struct HttpError(pub ApiError);

impl From<ApiError> for HttpError {
    fn from(error: ApiError) -> Self {
        Self(error)
    }
}

impl From<tonic::Status> for HttpError {
    fn from(status: tonic::Status) -> Self {
        Self(ApiError::from_status(&status))
    }
}

/// Carries the error to [`render_errors`], which knows the request's family.
#[derive(Clone)]
struct Unrendered(ApiError);

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
        response.extensions_mut().insert(Unrendered(self.0));
        response
    }
}

/// Which family a public path belongs to (porting validation is 422, messaging 400).
pub fn family_for(path: &str) -> Family {
    const PORTING: [&str; 3] = [
        "/v2/portability_checks",
        "/v2/porting_orders",
        "/v2/porting",
    ];
    if PORTING.iter().any(|prefix| path.starts_with(prefix)) {
        Family::Porting
    } else {
        Family::Messaging
    }
}

pub async fn render_errors(request: Request, next: Next) -> Response {
    let family = family_for(request.uri().path());
    render(next.run(request).await, family)
}

/// The response itself, or, when a handler failed, the error as the public envelope with the
/// status of its family and the retry advice the SDKs follow.
pub fn render(mut response: Response, family: Family) -> Response {
    let Some(Unrendered(error)) = response.extensions_mut().remove::<Unrendered>() else {
        return response;
    };
    error.count("http");
    let mut rendered = (error.http_status(family), Json(error.envelope())).into_response();
    let headers = rendered.headers_mut();
    match error.kind.retry() {
        Retry::Never => {
            headers.insert("x-should-retry", HeaderValue::from_static("false"));
        }
        Retry::Later | Retry::ClientDecides => {}
    }
    if let Some(delay) = error.retry_after {
        // Whole seconds, rounded up: a client told 0 would retry at once.
        let seconds = delay.as_secs() + u64::from(delay.subsec_nanos() > 0);
        headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    }
    rendered
}

pub async fn route_not_found() -> HttpError {
    HttpError(ApiError::new(
        ErrorKind::RouteNotFound,
        "The requested resource or route could not be found.",
    ))
}

pub async fn method_not_allowed() -> HttpError {
    HttpError(ApiError::new(
        ErrorKind::MethodNotAllowed,
        "The method is not allowed for this route.",
    ))
}
