//! `Idempotency-Key` on every POST. The first request with a key runs and its answer is kept for
//! 24 hours; the same key with the same request (method, path with query, body) replays that
//! answer without doing the work again (`Idempotent-Replayed: true`); with a different request it
//! is 422; while the first is still running it is 409, worth retrying. Keys are per caller
//! (account, or the operator), and the records live in the gateway's database, so every replica
//! sees the same ones. An answer that holds a secret (an issued API key) is never stored: its
//! handler says what a replay answers instead ([`ReplayInstead`]).

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderName, HeaderValue, Method};
use sha2::{Digest, Sha256};
use textport_platform::{ApiError, ErrorKind, Family};
use tracing::Instrument;

use crate::auth::Principal;
use crate::error::{HttpError, family_for, render};
use crate::state::AppState;
use crate::store::{self, Claim, ClaimId, KeyRef, StoredAnswer};

pub const HEADER: &str = "idempotency-key";
const REPLAYED: &str = "idempotent-replayed";
const MAX_KEY_LEN: usize = 255;
/// How long an answer is kept for replay.
const RETENTION: chrono::Duration = chrono::Duration::hours(24);
/// An unanswered claim older than this belongs to a gateway that died mid-request (calls time
/// out after 30 s), so a new request may take the key over.
const ABANDONED_AFTER: chrono::Duration = chrono::Duration::minutes(2);
/// The answer headers a replay repeats (the body is always JSON).
const KEPT_HEADERS: [&str; 3] = ["content-type", "x-should-retry", "location"];
/// Tries to claim a key whose record keeps vanishing (its holders keep giving it up).
const CLAIM_ATTEMPTS: usize = 3;

/// Set by a handler whose answer must not be stored (it shows a secret once): a replay of its
/// request answers this error instead.
#[derive(Clone)]
pub struct ReplayInstead(pub ApiError);

fn header_error(kind: ErrorKind, detail: &str) -> HttpError {
    HttpError(ApiError::at_parameter(kind, "Idempotency-Key", detail))
}

/// A key is 1 to 255 visible ASCII characters.
fn parse_key(value: &HeaderValue) -> Result<String, HttpError> {
    value
        .to_str()
        .ok()
        .filter(|key| !key.is_empty() && key.len() <= MAX_KEY_LEN)
        .filter(|key| key.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .ok_or_else(|| {
            header_error(
                ErrorKind::Validation,
                "Idempotency-Key must be 1 to 255 visible ASCII characters.",
            )
        })
}

pub async fn middleware(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, HttpError> {
    let scope = match request.extensions().get::<Principal>() {
        Some(principal) if request.method() == Method::POST => principal.scope(),
        _ => return Ok(next.run(request).await),
    };
    let Some(raw) = request.headers().get(HEADER) else {
        return Ok(next.run(request).await);
    };
    let key = parse_key(raw)?;
    let key = KeyRef {
        scope: &scope,
        key: &key,
    };
    let (parts, body) = request.into_parts();
    // The largest body any route takes (document uploads); each route's own limit still applies.
    let bytes = axum::body::to_bytes(
        body,
        state
            .body_limit
            .max(crate::routes::hosted::UPLOAD_BODY_LIMIT),
    )
    .await
    .map_err(|_| {
        HttpError(ApiError::new(
            ErrorKind::PayloadTooLarge,
            "The request body is too large.",
        ))
    })?;
    let fingerprint = fingerprint(&parts, &bytes);
    let in_flight = || {
        HttpError(
            ApiError::new(
                ErrorKind::RequestInFlight,
                "A request with this Idempotency-Key is still being processed; retry shortly.",
            )
            .retry_after(Duration::from_secs(1)),
        )
    };
    let mut claimed = None;
    for _ in 0..CLAIM_ATTEMPTS {
        let now = state.clock.now();
        claimed = store::claim(
            &state.db,
            &key,
            &fingerprint,
            now,
            now - ABANDONED_AFTER,
            now + RETENTION,
        )
        .await
        .map_err(|e| HttpError(textport_platform::db::api_error(&e)))?;
        if claimed.is_some() {
            break;
        }
    }
    match claimed.ok_or_else(in_flight)? {
        Claim::Taken(earlier) if earlier.fingerprint != fingerprint => Err(header_error(
            ErrorKind::IdempotencyKeyReused,
            "This Idempotency-Key was already used with a different request (method, path, query or body).",
        )),
        Claim::Taken(earlier) => earlier.answer.map(replay).ok_or_else(in_flight),
        Claim::First(claim) => {
            let family = family_for(parts.uri.path());
            let request = Request::from_parts(parts, Body::from(bytes));
            let scope = key.scope.to_owned();
            let key = key.key.to_owned();
            // The work and the storing of its answer finish even if the caller hangs up, so a
            // retry finds the answer rather than a claim nobody will complete.
            let work = async move {
                let response = render(next.run(request).await, family);
                let key = KeyRef {
                    scope: &scope,
                    key: &key,
                };
                keep(&state, &key, claim, response, family).await
            };
            tokio::spawn(work.instrument(tracing::Span::current()))
                .await
                .map_err(|panic| {
                    HttpError(ApiError::internal_message(format_args!(
                        "idempotent request panicked: {panic}"
                    )))
                })
        }
    }
}

/// SHA-256 of what makes two requests the same one.
fn fingerprint(parts: &http::request::Parts, body: &[u8]) -> Vec<u8> {
    let target = parts
        .uri
        .path_and_query()
        .map_or("", http::uri::PathAndQuery::as_str);
    let mut hash = Sha256::new();
    hash.update(parts.method.as_str());
    hash.update(b"\n");
    hash.update(target);
    hash.update(b"\n");
    hash.update(body);
    hash.finalize().to_vec()
}

/// Stores the first request's answer, unless it says to try again later (a server error, a
/// 429, a 409 for a request in flight downstream): then the key is released so the retry runs.
/// The answer goes back to the caller either way.
async fn keep(
    state: &AppState,
    key: &KeyRef<'_>,
    claim: ClaimId,
    response: Response,
    family: Family,
) -> Response {
    let (mut parts, body) = response.into_parts();
    let body = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(body) => body,
        Err(error) => {
            tracing::warn!(%error, "answer body lost; idempotency key released");
            release(state, key, claim).await;
            return Response::from_parts(parts, Body::empty());
        }
    };
    let retry_later =
        parts.status.is_server_error() || parts.headers.contains_key(http::header::RETRY_AFTER);
    if retry_later {
        release(state, key, claim).await;
        return Response::from_parts(parts, Body::from(body));
    }
    let kept = match parts.extensions.remove::<ReplayInstead>() {
        Some(ReplayInstead(error)) => {
            stored(render(HttpError(error).into_response(), family)).await
        }
        None => Some(answer_of(&parts, body.to_vec())),
    };
    let stored = match kept {
        Some(answer) => store::finish(&state.db, key, claim, &answer).await,
        None => Ok(false),
    };
    match stored {
        Ok(true) => {}
        // Held too long: another request took the key over, and its answer is the one kept.
        Ok(false) => tracing::warn!("idempotency key taken over; this answer is not kept"),
        Err(error) => tracing::error!(
            error = %textport_platform::error::Chain(&error),
            "idempotent answer not stored"
        ),
    }
    Response::from_parts(parts, Body::from(body))
}

fn answer_of(parts: &http::response::Parts, body: Vec<u8>) -> StoredAnswer {
    StoredAnswer {
        status: parts.status.as_u16(),
        headers: KEPT_HEADERS
            .iter()
            .filter_map(|name| {
                let value = parts.headers.get(*name)?.to_str().ok()?;
                Some(((*name).to_owned(), value.to_owned()))
            })
            .collect(),
        body,
    }
}

async fn stored(response: Response) -> Option<StoredAnswer> {
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.ok()?;
    Some(answer_of(&parts, body.to_vec()))
}

async fn release(state: &AppState, key: &KeyRef<'_>, claim: ClaimId) {
    if let Err(error) = store::release(&state.db, key, claim).await {
        tracing::error!(error = %textport_platform::error::Chain(&error), "idempotency key not released");
    }
}

fn replay(answer: StoredAnswer) -> Response {
    let mut response = Response::new(Body::from(answer.body));
    *response.status_mut() =
        http::StatusCode::from_u16(answer.status).unwrap_or(http::StatusCode::OK);
    let headers = response.headers_mut();
    for (name, value) in answer.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::try_from(value.as_str()),
        ) {
            headers.insert(name, value);
        }
    }
    headers.insert(REPLAYED, HeaderValue::from_static("true"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_visible_ascii_of_bounded_length() {
        assert!(parse_key(&HeaderValue::from_static("order-2026-11-23_01")).is_ok());
        assert!(parse_key(&HeaderValue::from_static("")).is_err());
        assert!(parse_key(&HeaderValue::from_static("with space")).is_err());
        let long = HeaderValue::try_from("k".repeat(256)).expect("header value");
        assert!(parse_key(&long).is_err());
    }

    #[test]
    fn the_fingerprint_covers_method_target_and_body() {
        let parts = |method: Method, uri: &str| {
            http::Request::builder()
                .method(method)
                .uri(uri)
                .body(())
                .expect("request")
                .into_parts()
                .0
        };
        let base = fingerprint(&parts(Method::POST, "/v2/a?x=1"), b"{}");
        assert_eq!(base, fingerprint(&parts(Method::POST, "/v2/a?x=1"), b"{}"));
        assert_ne!(base, fingerprint(&parts(Method::POST, "/v2/a?x=2"), b"{}"));
        assert_ne!(base, fingerprint(&parts(Method::POST, "/v2/b?x=1"), b"{}"));
        assert_ne!(base, fingerprint(&parts(Method::PUT, "/v2/a?x=1"), b"{}"));
        assert_ne!(base, fingerprint(&parts(Method::POST, "/v2/a?x=1"), b"{ }"));
    }
}
