//! Everything a use case of eligibility can fail with, and its public answer: one exhaustive
//! `match`, so a new variant does not compile until it has one.

use sea_orm::DbErr;
use textport_domain::E164;
use textport_platform::{ApiError, ErrorKind};

use crate::domain::{CampaignIdError, LinkNumberError, RequestError, SeedError};

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
    /// The `phoneNumber` of a 10DLC link request.
    #[error("phoneNumber: {0}")]
    LinkNumber(LinkNumberError),
    #[error("campaignId: {0}")]
    CampaignId(CampaignIdError),
    /// A link names a number the account does not hold.
    #[error("{number:?} is not held by the account")]
    NotHeld { number: E164 },
    /// The account has no link for the number (another account's link is the same answer);
    /// `None` when what the caller sent is no phone number at all.
    #[error("no campaign link for {number:?}")]
    NoLink { number: Option<E164> },
    /// The account linked the number to another campaign already.
    #[error("{number:?} is linked to another campaign")]
    LinkConflict { number: E164, campaign_id: String },
    /// Two writes of one link met; the same request sent again finds the winner's.
    #[error("collided with a concurrent write of the same link")]
    Collided,
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
            Error::LinkNumber(error) => {
                let kind = match error {
                    LinkNumberError::NotE164(_) => ErrorKind::InvalidPhoneNumber,
                    LinkNumberError::Missing => ErrorKind::Validation,
                    // Only numbers the account holds can be linked, and it holds no such one.
                    LinkNumberError::NotUs => ErrorKind::NotFound,
                };
                ApiError::at_pointer(kind, "/phoneNumber", error.to_string())
            }
            Error::CampaignId(error) => {
                ApiError::at_pointer(ErrorKind::Validation, "/campaignId", error.to_string())
            }
            Error::NotHeld { number } => ApiError::at_pointer(
                ErrorKind::NotFound,
                "/phoneNumber",
                format!("{number} is not a phone number your account holds."),
            ),
            Error::NoLink { number } => ApiError::new(
                ErrorKind::NotFound,
                match number {
                    Some(number) => {
                        format!("No 10DLC campaign is linked to {number} in your account.")
                    }
                    None => "No 10DLC campaign is linked to that phone number in your account; \
                             a phone number is +E.164."
                        .to_owned(),
                },
            ),
            Error::LinkConflict {
                number,
                campaign_id,
            } => ApiError::at_pointer(
                ErrorKind::Conflict,
                "/phoneNumber",
                format!(
                    "{number} is already linked to campaign {campaign_id}; update that link to \
                     change its campaign."
                ),
            ),
            Error::Collided => ApiError::new(
                ErrorKind::Unavailable,
                "The request collided with another one; send it again.",
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
