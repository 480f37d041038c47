//! Authentication, before routing: which credential a path needs is decided from the path alone,
//! so an unknown `/v2/…` path answers 401 to an anonymous caller like a known one (nobody maps
//! the API without a key). Customer keys are resolved by the accounts service and cached
//! briefly here (by hash, never the key); the operator key is compared with the configured hash.

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

    /// Forgets a revoked key here at once (other replicas forget it when its entry expires).
    pub fn evict(&self, hash: &ApiKeyHash) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.remove(hash);
    }
}

/// The authenticated account of a customer request.
#[derive(Debug, Clone, Copy)]
pub struct Caller(pub AccountId);

/// Who made an authenticated request.
#[derive(Debug, Clone, Copy)]
pub enum Principal {
    Account(AccountId),
    Operator,
}

impl Principal {
    /// The namespace of the caller's `Idempotency-Key`s.
    pub fn scope(self) -> String {
        match self {
            Principal::Account(account) => account.to_string(),
            Principal::Operator => "operator".to_owned(),
        }
    }
}

/// The credential a path needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    Customer,
    Operator,
}

pub fn access(path: &str) -> Access {
    // The webhook key is public by nature: receivers verify with it. The approval page's proof
    // is the one-time token it carries.
    const PUBLIC: [&str; 6] = [
        "/healthz",
        "/readyz",
        "/approve",
        "/v2/openapi.json",
        "/sandbox/v1/magic_numbers",
        "/sandbox/v1/webhook_public_key",
    ];
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    if PUBLIC.contains(&path) {
        Access::Public
    } else if under("/operator") {
        Access::Operator
    } else if under("/v2") || under("/sandbox") {
        Access::Customer
    } else {
        Access::Public
    }
}

fn unauthenticated() -> HttpError {
    HttpError(ApiError::new(
        ErrorKind::Unauthenticated,
        "Could not understand the provided credentials.",
    ))
}

fn bearer_key(request: &Request) -> Result<ApiKey, HttpError> {
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        // The scheme is case-insensitive (RFC 9110 §11.1).
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or_else(unauthenticated)?;
    ApiKey::parse(bearer).map_err(|_| unauthenticated())
}

pub async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, HttpError> {
    let principal = match access(request.uri().path()) {
        Access::Public => return Ok(next.run(request).await),
        Access::Customer => {
            let account = customer(&state, bearer_key(&request)?.hash()).await?;
            tracing::Span::current().record("account_id", tracing::field::display(account));
            request.extensions_mut().insert(Caller(account));
            Principal::Account(account)
        }
        Access::Operator => {
            let presented = bearer_key(&request)?.hash();
            let configured = state.operator_key.ok_or_else(unauthenticated)?;
            if !constant_time_eq(presented.as_bytes(), configured.as_bytes()) {
                return Err(unauthenticated());
            }
            Principal::Operator
        }
    };
    request.extensions_mut().insert(principal);
    Ok(next.run(request).await)
}

async fn customer(state: &AppState, hash: ApiKeyHash) -> Result<AccountId, HttpError> {
    if let Some(account) = state.key_cache.get(&hash) {
        return Ok(account);
    }
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
            HttpError(ApiError::internal_message(
                "accounts answered without an account id",
            ))
        })?;
    state.key_cache.put(hash, account);
    Ok(account)
}

/// Compares every byte whatever the first difference, so the time taken says nothing of the key.
fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_alone_decides_the_credential() {
        assert_eq!(access("/v2/openapi.json"), Access::Public);
        assert_eq!(access("/approve"), Access::Public);
        assert_eq!(access("/v2/portability_checks"), Access::Customer);
        assert_eq!(access("/v2/no_such_route"), Access::Customer);
        assert_eq!(access("/v2"), Access::Customer);
        assert_eq!(access("/v2x"), Access::Public);
        assert_eq!(access("/sandbox/v1/magic_numbers"), Access::Public);
        assert_eq!(
            access("/sandbox/v1/numbers/%2B13125550001"),
            Access::Customer
        );
        assert_eq!(access("/operator/v1/accounts"), Access::Operator);
        assert_eq!(access("/"), Access::Public);
    }

    #[test]
    fn keys_compare_whole() {
        let a = [7u8; 32];
        let mut b = a;
        assert!(constant_time_eq(&a, &b));
        b[31] ^= 1;
        assert!(!constant_time_eq(&a, &b));
    }
}
