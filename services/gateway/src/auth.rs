//! Bearer API-key authentication. Keys are resolved by the accounts service and cached briefly
//! here (by hash, never the key), so a burst of calls costs one look-up.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::header;
use textport_domain::{AccountId, ApiKey, ApiKeyHash};
use textport_platform::{ApiError, ErrorKind};
use textport_proto::accounts::v1::AuthenticateApiKeyRequest;

use crate::error::HttpError;
use crate::state::AppState;

const CACHE_CAPACITY: usize = 10_000;

/// The authenticated account of a request.
#[derive(Debug, Clone, Copy)]
pub struct Caller(pub AccountId);

#[derive(Clone)]
pub struct KeyCache {
    ttl: Duration,
    entries: Arc<Mutex<HashMap<ApiKeyHash, (AccountId, Instant)>>>,
}

impl KeyCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Arc::default(),
        }
    }

    fn get(&self, hash: &ApiKeyHash) -> Option<AccountId> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(hash)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(account, _)| *account)
    }

    fn put(&self, hash: ApiKeyHash, account: AccountId) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= CACHE_CAPACITY {
            entries.retain(|_, (_, at)| at.elapsed() < self.ttl);
            if entries.len() >= CACHE_CAPACITY {
                entries.clear();
            }
        }
        entries.insert(hash, (account, Instant::now()));
    }
}

fn unauthenticated() -> HttpError {
    HttpError(ApiError::new(
        ErrorKind::Unauthenticated,
        "Could not understand the provided credentials.",
    ))
}

pub async fn require_api_key(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, HttpError> {
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        // The scheme is case-insensitive (RFC 9110 §11.1).
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token)
        .map(str::trim)
        .ok_or_else(unauthenticated)?;
    let key = ApiKey::parse(bearer).map_err(|_| unauthenticated())?;
    let hash = key.hash();
    let account = match state.key_cache.get(&hash) {
        Some(account) => account,
        None => {
            let response = state
                .accounts
                .clone()
                .authenticate_api_key(AuthenticateApiKeyRequest {
                    api_key_sha256: hash.as_bytes().to_vec(),
                })
                .await?
                .into_inner();
            let account = response
                .account
                .and_then(|account| AccountId::parse(&account.id).ok())
                .ok_or_else(|| {
                    HttpError(ApiError::internal(
                        "accounts answered without an account id",
                    ))
                })?;
            state.key_cache.put(hash, account);
            account
        }
    };
    tracing::Span::current().record("account_id", tracing::field::display(account));
    request.extensions_mut().insert(Caller(account));
    Ok(next.run(request).await)
}
