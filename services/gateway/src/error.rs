//! Errors at the HTTP edge. Handlers and extractors fail with an [`HttpError`]; one middleware
//! renders it as the Telnyx error envelope with the status its family calls for, so the family
//! rule lives in exactly one place.

use axum::Json;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode};
use textport_platform::{ApiError, ErrorKind, Family};

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
    let mut response = next.run(request).await;
    let Some(Unrendered(error)) = response.extensions_mut().remove::<Unrendered>() else {
        return response;
    };
    let status = error.http_status(family);
    let mut rendered = (status, Json(error.envelope())).into_response();
    // A state conflict will not resolve by itself: keep the SDKs from re-sending it.
    if error.kind == ErrorKind::InvalidState {
        rendered
            .headers_mut()
            .insert("x-should-retry", HeaderValue::from_static("false"));
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
