//! Everything a use case of verification can fail with, and its public answer: one exhaustive
//! `match`, so a new variant does not compile until it has one. A number's own failure (a
//! cooldown, a wrong code) is never one of these: it is that number's answer.

use std::time::Duration;

use sea_orm::DbErr;
use textport_platform::{ApiError, ErrorKind};

use crate::domain::RequestError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Too few or too many numbers in the list at `/{field}`.
    #[error("{field}: {error:?}")]
    Request {
        field: &'static str,
        error: RequestError,
    },
    /// Other requests kept changing the same numbers first; nothing of this one is left half
    /// done that a resend would not finish.
    #[error("other requests kept changing the same numbers")]
    Contended,
    /// The SMS or voice provider could not be asked; every send was taken back.
    #[error("code sender: {0:#}")]
    Sender(anyhow::Error),
    #[error("no code could be drawn: {0:#}")]
    Entropy(anyhow::Error),
    #[error("store: {0}")]
    Store(#[from] DbErr),
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        match error {
            Error::Request { field, error } => {
                ApiError::at_pointer(ErrorKind::Validation, format!("/{field}"), error.detail())
            }
            Error::Contended => ApiError::new(
                ErrorKind::Unavailable,
                "The request collided with others about the same numbers; send it again.",
            )
            .retry_after(Duration::from_secs(1)),
            Error::Sender(error) => {
                tracing::warn!(error = %format!("{error:#}"), "the code sender failed");
                ApiError::new(
                    ErrorKind::Unavailable,
                    "The SMS and voice provider could not be reached; no code was sent. Try again.",
                )
                .retry_after(Duration::from_secs(5))
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
