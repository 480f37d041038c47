//! Everything a use case of hosted-order can fail with, and its public answer: one exhaustive
//! `match`, so a new variant does not compile until it has one.

use std::time::Duration;

use sea_orm::DbErr;
use textport_platform::{ApiError, ErrorKind};

use crate::documents::PdfError;
use crate::domain::InvalidTransition;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("hosted number order not found")]
    OrderNotFound,
    #[error("hosted number not found")]
    NumberNotFound,
    #[error("document not uploaded")]
    DocumentNotFound,
    /// The receiving account tried to approve or reject its own transfer.
    #[error("the receiver cannot decide its own transfer")]
    ReceiverDecides,
    /// A request field that makes no sense, at its JSON pointer.
    #[error("{pointer}: {detail}")]
    Invalid { pointer: String, detail: String },
    /// The messaging profile named at `pointer` is not the account's.
    #[error("{pointer}: messaging profile not found")]
    ProfileNotFound { pointer: &'static str },
    /// The number at `/phone_numbers/{at}` cannot be hosted; `detail` says why.
    #[error("phone_numbers/{at} is not eligible: {detail}")]
    Ineligible { at: usize, detail: String },
    #[error(transparent)]
    Transition(#[from] InvalidTransition),
    /// A transition refused for one number of the request, at its pointer.
    #[error("{pointer}: {source}")]
    NumberTransition {
        pointer: String,
        source: InvalidTransition,
    },
    /// Every requested number is still cooling down; the earliest may be re-sent after the delay.
    #[error("every number is cooling down")]
    CoolingDown { retry_after: Duration },
    /// An uploaded part is not a usable PDF.
    #[error("{part}: {error}")]
    Document { part: &'static str, error: PdfError },
    /// Another request changed the order meanwhile, every time it was tried.
    #[error("the order changed while it was being updated")]
    Contended,
    /// A service this one calls refused or failed; its answer passes through.
    #[error("{0}")]
    Downstream(ApiError),
    #[error("blob store: {0:#}")]
    Blobs(anyhow::Error),
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
            Error::OrderNotFound => ApiError::not_found("hosted number order"),
            Error::NumberNotFound => ApiError::not_found("hosted number"),
            Error::DocumentNotFound => ApiError::not_found("document"),
            Error::ReceiverDecides => ApiError::new(
                ErrorKind::Forbidden,
                "Only the account that holds the numbers may approve or reject their transfer.",
            ),
            Error::Invalid { pointer, detail } => {
                ApiError::at_pointer(ErrorKind::Validation, pointer, detail)
            }
            // As everywhere: another account's resource is not found, also when a body names it.
            Error::ProfileNotFound { pointer } => ApiError::at_pointer(
                ErrorKind::NotFound,
                pointer,
                "No messaging profile with this id exists in your account.",
            ),
            Error::Ineligible { at, detail } => ApiError::at_pointer(
                ErrorKind::InvalidState,
                format!("/phone_numbers/{at}"),
                format!("This phone number cannot be hosted: {detail}."),
            ),
            Error::Transition(error) => ApiError::new(ErrorKind::InvalidState, error.to_string()),
            Error::NumberTransition { pointer, source } => {
                ApiError::at_pointer(ErrorKind::InvalidState, pointer, source.to_string())
            }
            Error::CoolingDown { retry_after } => ApiError::at_pointer(
                ErrorKind::CoolingDown,
                "/phone_numbers",
                "Every requested number received a code too recently; wait before sending another.",
            )
            .retry_after(retry_after),
            Error::Document { part, error } => {
                let kind = match error {
                    PdfError::TooLarge { .. } => ErrorKind::PayloadTooLarge,
                    PdfError::Empty | PdfError::NotPdf | PdfError::Unreadable(_) => {
                        ErrorKind::Validation
                    }
                };
                ApiError::at_pointer(kind, format!("/{part}"), error.to_string())
            }
            Error::Contended => ApiError::new(
                ErrorKind::Unavailable,
                "The order was changed by another request; try again.",
            )
            .retry_after(Duration::from_millis(200)),
            Error::Downstream(error) => error,
            Error::Blobs(error) => ApiError::internal(error.as_ref()),
            Error::Store(error) => textport_platform::db::api_error(&error),
        }
    }
}

impl From<Error> for tonic::Status {
    fn from(error: Error) -> Self {
        ApiError::from(error).into()
    }
}
