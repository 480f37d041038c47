//! Everything a use case of eligibility can fail with, and its public answer: one exhaustive
//! `match`, so a new variant does not compile until it has one.

use sea_orm::DbErr;
use textport_platform::{ApiError, ErrorKind};

use crate::domain::{RequestError, SeedError};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Too few or too many numbers in the list at `/{field}`.
    #[error("{field}: {error:?}")]
    Request {
        field: &'static str,
        error: RequestError,
    },
    /// A seed that makes no sense; `at` is where the seed sits in the request.
    #[error("seed at {at:?}: {error}")]
    Seed { at: String, error: SeedError },
    /// The number at `/phone_numbers/{at}` is in another open hosted order.
    #[error("phone_numbers/{at} is reserved by another order")]
    Reserved { at: usize },
    #[error("routing database: {0:#}")]
    Routing(anyhow::Error),
    #[error("store: {0}")]
    Store(#[from] DbErr),
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        match error {
            Error::Request { field, error } => {
                ApiError::at_pointer(ErrorKind::Validation, format!("/{field}"), error.detail())
            }
            Error::Seed { at, error } => ApiError::at_pointer(
                ErrorKind::Validation,
                format!("{at}/{}", error.field()),
                error.to_string(),
            ),
            Error::Reserved { at } => ApiError::at_pointer(
                ErrorKind::Conflict,
                format!("/phone_numbers/{at}"),
                "This phone number is already in an open hosted number order; it may be ordered \
                 again once that order is deleted or fails.",
            ),
            Error::Routing(error) => ApiError::internal(error.as_ref()),
            Error::Store(error) => textport_platform::db::api_error(&error),
        }
    }
}

impl From<Error> for tonic::Status {
    fn from(error: Error) -> Self {
        ApiError::from(error).into()
    }
}
