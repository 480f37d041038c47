//! Everything a use case of the notifier can fail with, and its public answer: one exhaustive
//! `match`, so a new variant does not compile until it has one.

use sea_orm::DbErr;
use textport_platform::{ApiError, ErrorKind};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("webhook delivery not found")]
    DeliveryNotFound,
    #[error("portal notice not found")]
    NoticeNotFound,
    /// An event a relay sent that cannot be delivered; `at` points into the batch.
    #[error("event at {at}: {detail}")]
    InvalidEvent { at: String, detail: String },
    /// Accounts could not say where an event goes; the relay sends the batch again later.
    #[error("accounts: {0}")]
    Accounts(tonic::Status),
    #[error("{0}")]
    Internal(String),
    #[error("store: {0}")]
    Store(#[from] DbErr),
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        match error {
            Error::DeliveryNotFound => ApiError::not_found("webhook delivery"),
            Error::NoticeNotFound => ApiError::not_found("portal notice"),
            Error::InvalidEvent { at, detail } => {
                ApiError::at_pointer(ErrorKind::Validation, at, detail)
            }
            Error::Accounts(status) => ApiError::from_status(&status),
            Error::Internal(message) => ApiError::internal_message(message),
            Error::Store(error) => textport_platform::db::api_error(&error),
        }
    }
}

impl From<Error> for tonic::Status {
    fn from(error: Error) -> Self {
        ApiError::from(error).into()
    }
}
