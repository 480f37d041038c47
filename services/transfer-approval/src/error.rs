//! Everything a use case of transfer-approval can fail with, and its public answer: one
//! exhaustive `match`, so a new variant does not compile until it has one.

use std::time::Duration;

use sea_orm::DbErr;
use textport_platform::{ApiError, ErrorKind};

use crate::domain::{PolicyError, Verdict};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No request of the order is held by the caller.
    #[error("no transfer request of this order is held by this account")]
    NotFound,
    /// The order has no transfer request at all.
    #[error("the order has no transfer request")]
    NoRequest,
    /// The token is not the request's; nothing changed.
    #[error("the token is not this request's")]
    WrongToken,
    #[error("the request is closed: {0:?}")]
    Closed(Verdict),
    /// Other changes to the request kept coming first.
    #[error("other changes to the request kept coming first")]
    Contended,
    #[error("invalid transfer policy: {0}")]
    Policy(#[from] PolicyError),
    #[error("no token could be drawn: {0:#}")]
    Entropy(anyhow::Error),
    #[error("store: {0}")]
    Store(#[from] DbErr),
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        match error {
            Error::NotFound => ApiError::new(
                ErrorKind::NotFound,
                "No transfer request of this order is held by this account.",
            ),
            Error::NoRequest => ApiError::new(
                ErrorKind::NotFound,
                "No transfer request exists for this order.",
            ),
            Error::WrongToken => ApiError::new(
                ErrorKind::Forbidden,
                "The token is not this transfer request's.",
            ),
            Error::Closed(verdict) => ApiError::new(ErrorKind::InvalidState, verdict.detail()),
            Error::Contended => ApiError::new(
                ErrorKind::Unavailable,
                "The transfer request kept changing under this decision; send it again.",
            )
            .retry_after(Duration::from_secs(1)),
            Error::Policy(error) => {
                let pointer = match error {
                    PolicyError::WindowOutOfRange(_) => "/window_hours",
                    PolicyError::AllowlistTooLong(_) => "/allowlist",
                };
                ApiError::at_pointer(ErrorKind::Validation, pointer, error.to_string())
            }
            Error::Entropy(error) => ApiError::internal(error.as_ref()),
            Error::Store(error) => textport_platform::db::api_error(&error),
        }
    }
}

impl From<Error> for tonic::Status {
    fn from(error: Error) -> Self {
        ApiError::from(error).into()
    }
}
