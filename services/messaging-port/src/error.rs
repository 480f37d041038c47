//! Everything a use case of messaging-port can fail with, and its public answer: one exhaustive
//! `match`, so a new variant does not compile until it has one.

use std::time::Duration;

use sea_orm::DbErr;
use textport_platform::{ApiError, ErrorKind};

use crate::domain::{InvalidTransition, Refusal};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("porting order not found")]
    OrderNotFound,
    /// The number is not one of the order's.
    #[error("the phone number is not in this porting order")]
    NumberNotInOrder,
    /// A request field is wrong, named by its JSON pointer.
    #[error("{pointer}: {detail}")]
    Invalid { pointer: String, detail: String },
    /// A request's phone number is not E.164, named by its JSON pointer.
    #[error("{pointer}: {detail}")]
    InvalidNumber { pointer: String, detail: String },
    /// A number of the request cannot be ported (or not in this order), named by its pointer.
    #[error("{pointer}: {detail}")]
    NumberRefused { pointer: String, detail: String },
    /// The referenced messaging profile is not the caller's.
    #[error("messaging profile not found")]
    ProfileNotFound,
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Transition(#[from] InvalidTransition),
    /// The losing carrier refuses the operator's NNID override.
    #[error("the losing carrier refuses the NNID override")]
    OverrideRefused,
    /// Other changes to the order kept coming first.
    #[error("other changes to the order kept coming first")]
    Contended,
    /// A service this one calls refused or failed; its answer passes through.
    #[error("{0}")]
    Downstream(ApiError),
    #[error("store: {0}")]
    Store(#[from] DbErr),
}

impl From<tonic::Status> for Error {
    fn from(status: tonic::Status) -> Self {
        Error::Downstream(ApiError::from_status(&status))
    }
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        match error {
            Error::OrderNotFound => ApiError::new(ErrorKind::NotFound, "Porting order not found."),
            Error::NumberNotInOrder => ApiError::new(
                ErrorKind::NotFound,
                "The phone number is not in this porting order.",
            ),
            Error::Invalid { pointer, detail } => {
                ApiError::at_pointer(ErrorKind::Validation, pointer, detail)
            }
            Error::InvalidNumber { pointer, detail } => {
                ApiError::at_pointer(ErrorKind::InvalidPhoneNumber, pointer, detail)
            }
            Error::NumberRefused { pointer, detail } => {
                ApiError::at_pointer(ErrorKind::InvalidState, pointer, detail)
            }
            Error::ProfileNotFound => ApiError::at_pointer(
                ErrorKind::NotFound,
                crate::domain::MESSAGING_PROFILE_POINTER,
                "The messaging profile does not exist in this account.",
            ),
            Error::Refused(refusal) => {
                let detail = refusal.to_string();
                match refusal.pointer() {
                    Some(pointer) => ApiError::at_pointer(ErrorKind::InvalidState, pointer, detail),
                    None => ApiError::new(ErrorKind::InvalidState, detail),
                }
            }
            Error::Transition(refusal) => {
                ApiError::new(ErrorKind::InvalidState, refusal.to_string())
            }
            Error::OverrideRefused => ApiError::new(
                ErrorKind::InvalidState,
                "The losing carrier refuses to let our NNID override its own for this number; \
                 give its messaging up or keep waiting for a release.",
            ),
            Error::Contended => ApiError::new(
                ErrorKind::Unavailable,
                "The porting order kept changing under this request; send it again.",
            )
            .retry_after(Duration::from_secs(1)),
            Error::Downstream(error) => error,
            Error::Store(error) => textport_platform::db::api_error(&error),
        }
    }
}

impl From<Error> for tonic::Status {
    fn from(error: Error) -> Self {
        ApiError::from(error).into()
    }
}
