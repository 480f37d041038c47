//! Everything a use case of accounts can fail with, and its public answer: one exhaustive
//! `match`, so a new variant does not compile until it has one.

use sea_orm::DbErr;
use textport_platform::error::Source;
use textport_platform::{ApiError, ErrorKind, Violation};

use crate::domain::{ChannelUpdateError, FieldError, ForeignChannel};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid request: {0:?}")]
    Invalid(Vec<FieldError>),
    #[error("no live API key has this hash")]
    UnknownKey,
    #[error("account not found")]
    AccountNotFound,
    #[error("account name taken")]
    AccountNameTaken,
    #[error("API key already registered")]
    ApiKeyTaken,
    #[error("API key not found")]
    ApiKeyNotFound,
    #[error("messaging profile not found")]
    ProfileNotFound,
    #[error("messaging profile kept changing during an update")]
    ProfileContended,
    #[error("notification profile not found")]
    NotificationProfileNotFound,
    #[error("notification channel not found")]
    NotificationChannelNotFound,
    #[error("notification setting not found")]
    NotificationSettingNotFound,
    /// A request field names something the caller does not have.
    #[error("{} not found", .0.what())]
    ReferenceNotFound(Reference),
    #[error("notification profile still has channels or settings")]
    ProfileInUse,
    /// Settings use the channel, so it can neither go nor move to another profile.
    #[error("notification channel used by settings")]
    ChannelInUse { moving: bool },
    /// The type or destination sent does not fit the other as the channel has it.
    #[error("notification channel update does not fit the channel: {0:?}")]
    ChannelMismatch(FieldError),
    #[error("notification setting names a channel of another profile")]
    ChannelOfAnotherProfile,
    #[error("notification channel kept changing during an update")]
    ChannelContended,
    #[error("store: {0}")]
    Store(#[from] DbErr),
}

/// What a request field refers to, by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    /// A notification profile.
    Profile,
    /// A notification channel.
    Channel,
    /// A notification event condition.
    Condition,
}

impl Reference {
    fn what(self) -> &'static str {
        match self {
            Self::Profile => "Notification profile",
            Self::Channel => "Notification channel",
            Self::Condition => "Notification event condition",
        }
    }

    fn pointer(self) -> &'static str {
        match self {
            Self::Profile => "/notification_profile_id",
            Self::Channel => "/notification_channel_id",
            Self::Condition => "/notification_event_condition_id",
        }
    }
}

impl From<ChannelUpdateError> for Error {
    fn from(error: ChannelUpdateError) -> Self {
        match error {
            ChannelUpdateError::Invalid(errors) => Error::Invalid(errors),
            ChannelUpdateError::Mismatch(error) => Error::ChannelMismatch(error),
        }
    }
}

impl From<ForeignChannel> for Error {
    fn from(_: ForeignChannel) -> Self {
        Error::ChannelOfAnotherProfile
    }
}

impl From<FieldError> for Error {
    fn from(error: FieldError) -> Self {
        Error::Invalid(vec![error])
    }
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        match error {
            Error::Invalid(errors) => field_errors(errors),
            Error::UnknownKey => ApiError::new(
                ErrorKind::Unauthenticated,
                "Could not understand the provided credentials.",
            ),
            Error::AccountNotFound => ApiError::not_found("Account"),
            Error::AccountNameTaken => ApiError::at_pointer(
                ErrorKind::Conflict,
                "/name",
                "An account with this name already exists.",
            ),
            Error::ApiKeyTaken => {
                ApiError::new(ErrorKind::Conflict, "This API key is already registered.")
            }
            Error::ApiKeyNotFound => ApiError::not_found("API key"),
            Error::ProfileNotFound => ApiError::not_found("Messaging profile"),
            Error::ProfileContended => ApiError::new(
                ErrorKind::Unavailable,
                "The messaging profile kept changing while this update was applied; try again.",
            ),
            Error::NotificationProfileNotFound => ApiError::not_found("Notification profile"),
            Error::NotificationChannelNotFound => ApiError::not_found("Notification channel"),
            Error::NotificationSettingNotFound => ApiError::not_found("Notification setting"),
            Error::ReferenceNotFound(reference) => ApiError::at_pointer(
                ErrorKind::NotFound,
                reference.pointer(),
                format!("{} not found", reference.what()),
            ),
            // Conflicts with the resource as it is: the request is fine in itself.
            Error::ProfileInUse => ApiError::new(
                ErrorKind::Conflict,
                "The notification profile still has channels or settings; delete them first.",
            ),
            Error::ChannelInUse { moving: true } => ApiError::at_pointer(
                ErrorKind::Conflict,
                "/notification_profile_id",
                "Notification settings of its profile use this channel; delete them before moving it to another profile.",
            ),
            Error::ChannelInUse { moving: false } => ApiError::new(
                ErrorKind::Conflict,
                "Notification settings use this channel; delete them first.",
            ),
            Error::ChannelMismatch(error) => {
                ApiError::at_pointer(ErrorKind::Conflict, error.pointer, error.detail)
            }
            Error::ChannelOfAnotherProfile => ApiError::at_pointer(
                ErrorKind::NotFound,
                "/notification_channel_id",
                "The notification profile has no such channel: a setting sends only to its own profile's channels.",
            ),
            Error::ChannelContended => ApiError::new(
                ErrorKind::Unavailable,
                "The notification channel kept changing while this update was applied; try again.",
            ),
            Error::Store(error) => textport_platform::db::api_error(&error),
        }
    }
}

impl From<Error> for tonic::Status {
    fn from(error: Error) -> Self {
        ApiError::from(error).into()
    }
}

/// Every field error of a request, each with its pointer.
fn field_errors(errors: Vec<FieldError>) -> ApiError {
    let mut error = ApiError::new(
        ErrorKind::Validation,
        errors.first().map(|e| e.detail.clone()).unwrap_or_default(),
    );
    error.violations = errors
        .into_iter()
        .map(|e| Violation {
            source: Source::Pointer(e.pointer),
            detail: e.detail,
        })
        .collect();
    error
}
