//! The gRPC edge of accounts: proto ⇄ domain, and domain/store errors through the error table.

use sea_orm::{DatabaseConnection, DbErr};
use textport_domain::{ApiKey, ApiKeyHash, MessagingProfileId, SharedClock};
use textport_platform::db::Versioned;
use textport_platform::{ApiError, ErrorKind, Violation, convert};
use textport_proto::accounts::v1::{
    self as pb, account_service_server, messaging_profile_service_server,
};
use tonic::{Request, Response, Status};

use crate::domain::{
    Account, AccountName, Change, FieldError, MessagingProfile, NewProfileInput, ProfilePatch,
    WebhookApiVersion,
};
use crate::store::{self, ProfileFilter};

/// Tries of a read-apply-write update before the caller is asked to retry.
const UPDATE_ATTEMPTS: usize = 5;

#[derive(Clone)]
pub struct AccountsApi {
    db: DatabaseConnection,
    clock: SharedClock,
}

impl AccountsApi {
    pub fn new(db: DatabaseConnection, clock: SharedClock) -> Self {
        Self { db, clock }
    }
}

fn db_error(error: DbErr) -> ApiError {
    ApiError::internal(error)
}

fn field_errors(errors: Vec<FieldError>) -> ApiError {
    let kind = if errors.iter().all(|e| e.enumerated) {
        ErrorKind::InvalidEnum
    } else {
        ErrorKind::Validation
    };
    let mut error = ApiError::new(
        kind,
        errors.first().map(|e| e.detail.clone()).unwrap_or_default(),
    );
    error.violations = errors
        .into_iter()
        .map(|e| Violation {
            source: textport_platform::error::Source::Pointer(e.pointer),
            detail: e.detail,
        })
        .collect();
    error
}

fn profile_id(raw: &str) -> Result<MessagingProfileId, ApiError> {
    // An id that cannot exist is simply not found, as the public API answers for any unknown id.
    MessagingProfileId::parse(raw).map_err(|_| ApiError::not_found("Messaging profile"))
}

fn account_to_proto(account: Account) -> pb::Account {
    pb::Account {
        id: account.id.to_string(),
        name: account.name.as_str().to_owned(),
        created_at: Some(convert::timestamp(account.created_at)),
    }
}

// === impl AccountService ===

#[tonic::async_trait]
impl account_service_server::AccountService for AccountsApi {
    #[tracing::instrument(skip_all, fields(account_id = tracing::field::Empty))]
    async fn authenticate_api_key(
        &self,
        request: Request<pb::AuthenticateApiKeyRequest>,
    ) -> Result<Response<pb::AuthenticateApiKeyResponse>, Status> {
        let unauthenticated = || {
            ApiError::new(
                ErrorKind::Unauthenticated,
                "Could not understand the provided credentials.",
            )
        };
        let hash = ApiKeyHash::from_slice(&request.get_ref().api_key_sha256)
            .ok_or_else(unauthenticated)?;
        let account = store::account_by_key(&self.db, &hash)
            .await
            .map_err(db_error)?
            .ok_or_else(unauthenticated)?;
        tracing::Span::current().record("account_id", tracing::field::display(account.id));
        Ok(Response::new(pb::AuthenticateApiKeyResponse {
            account: Some(account_to_proto(account)),
        }))
    }

    async fn ensure_account(
        &self,
        request: Request<pb::EnsureAccountRequest>,
    ) -> Result<Response<pb::EnsureAccountResponse>, Status> {
        let name =
            AccountName::parse(&request.get_ref().name).map_err(|e| field_errors(vec![e]))?;
        let (account, created) = store::ensure_account(&self.db, &name, self.clock.now())
            .await
            .map_err(db_error)?;
        Ok(Response::new(pb::EnsureAccountResponse {
            account: Some(account_to_proto(account)),
            created,
        }))
    }

    async fn get_account(
        &self,
        request: Request<pb::GetAccountRequest>,
    ) -> Result<Response<pb::GetAccountResponse>, Status> {
        let id = convert::caller(&request.get_ref().account_id)?;
        let account = store::account(&self.db, id)
            .await
            .map_err(db_error)?
            .ok_or_else(|| ApiError::not_found("Account"))?;
        Ok(Response::new(pb::GetAccountResponse {
            account: Some(account_to_proto(account)),
        }))
    }

    async fn issue_api_key(
        &self,
        request: Request<pb::IssueApiKeyRequest>,
    ) -> Result<Response<pb::IssueApiKeyResponse>, Status> {
        let request = request.into_inner();
        let account = convert::caller(&request.account_id)?;
        if request.label.trim().is_empty() {
            return Err(ApiError::at_pointer(
                ErrorKind::Validation,
                "/label",
                "A key needs a label.",
            )
            .into());
        }
        let key = match request.api_key.as_deref() {
            Some(raw) => ApiKey::parse(raw).map_err(|e| {
                ApiError::at_pointer(ErrorKind::Validation, "/api_key", e.to_string())
            })?,
            None => {
                let mut bytes = [0u8; 32];
                getrandom::fill(&mut bytes).map_err(ApiError::internal)?;
                ApiKey::from_random_bytes(bytes)
            }
        };
        store::account(&self.db, account)
            .await
            .map_err(db_error)?
            .ok_or_else(|| ApiError::not_found("Account"))?;
        store::replace_key(
            &self.db,
            account,
            &request.label,
            &key.hash(),
            self.clock.now(),
        )
        .await
        .map_err(db_error)?;
        Ok(Response::new(pb::IssueApiKeyResponse {
            api_key: key.expose().to_owned(),
        }))
    }
}

// === impl MessagingProfileService ===

fn profile_to_proto(profile: MessagingProfile) -> pb::MessagingProfile {
    pb::MessagingProfile {
        id: profile.id.to_string(),
        account_id: profile.account_id.to_string(),
        name: profile.name.as_str().to_owned(),
        enabled: profile.enabled,
        webhook_url: profile.webhook_url.map(|u| u.as_str().to_owned()),
        webhook_failover_url: profile.webhook_failover_url.map(|u| u.as_str().to_owned()),
        webhook_api_version: version_to_proto(profile.webhook_api_version) as i32,
        whitelisted_destinations: profile.whitelisted_destinations.as_slice().to_vec(),
        created_at: Some(convert::timestamp(profile.created_at)),
        updated_at: Some(convert::timestamp(profile.updated_at)),
    }
}

fn version_to_proto(version: WebhookApiVersion) -> pb::WebhookApiVersion {
    match version {
        WebhookApiVersion::V1 => pb::WebhookApiVersion::V1,
        WebhookApiVersion::V2 => pb::WebhookApiVersion::V2,
        WebhookApiVersion::V2010_04_01 => pb::WebhookApiVersion::V20100401,
    }
}

/// The wire text of a proto version, parsed by the domain like any other input; unspecified is absent.
fn version_text(raw: i32) -> Result<Option<String>, ApiError> {
    let version = match pb::WebhookApiVersion::try_from(raw) {
        Ok(pb::WebhookApiVersion::Unspecified) => return Ok(None),
        Ok(pb::WebhookApiVersion::V1) => WebhookApiVersion::V1,
        Ok(pb::WebhookApiVersion::V2) => WebhookApiVersion::V2,
        Ok(pb::WebhookApiVersion::V20100401) => WebhookApiVersion::V2010_04_01,
        Err(_) => {
            return Err(ApiError::at_pointer(
                ErrorKind::InvalidEnum,
                "/webhook_api_version",
                "Unknown webhook_api_version.",
            ));
        }
    };
    Ok(Some(version.as_str().to_owned()))
}

fn change(value: Option<pb::NullableString>) -> Change<String> {
    match value.and_then(|v| v.change) {
        None => Change::Keep,
        Some(pb::nullable_string::Change::Set(value)) => Change::Set(value),
        Some(pb::nullable_string::Change::Clear(_)) => Change::Clear,
    }
}

#[tonic::async_trait]
impl messaging_profile_service_server::MessagingProfileService for AccountsApi {
    #[tracing::instrument(skip_all)]
    async fn create_messaging_profile(
        &self,
        request: Request<pb::CreateMessagingProfileRequest>,
    ) -> Result<Response<pb::CreateMessagingProfileResponse>, Status> {
        let request = request.into_inner();
        let account = convert::caller(&request.account_id)?;
        let input = NewProfileInput {
            name: Some(request.name).filter(|n| !n.is_empty()),
            enabled: request.enabled,
            webhook_url: request.webhook_url,
            webhook_failover_url: request.webhook_failover_url,
            webhook_api_version: version_text(request.webhook_api_version)?,
            whitelisted_destinations: Some(request.whitelisted_destinations),
        };
        let profile =
            MessagingProfile::create(account, input, self.clock.now()).map_err(field_errors)?;
        store::insert_profile(&self.db, &profile)
            .await
            .map_err(db_error)?;
        Ok(Response::new(pb::CreateMessagingProfileResponse {
            profile: Some(profile_to_proto(profile)),
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn get_messaging_profile(
        &self,
        request: Request<pb::GetMessagingProfileRequest>,
    ) -> Result<Response<pb::GetMessagingProfileResponse>, Status> {
        let request = request.into_inner();
        let profile = self
            .find(&request.account_id, &request.profile_id)
            .await?
            .value;
        Ok(Response::new(pb::GetMessagingProfileResponse {
            profile: Some(profile_to_proto(profile)),
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn list_messaging_profiles(
        &self,
        request: Request<pb::ListMessagingProfilesRequest>,
    ) -> Result<Response<pb::ListMessagingProfilesResponse>, Status> {
        let request = request.into_inner();
        let account = convert::caller(&request.account_id)?;
        let page = convert::page(request.page.as_ref())?;
        let filter = ProfileFilter {
            name_eq: request.name_eq,
            name_contains: request.name_contains,
        };
        let (profiles, total) = store::list_profiles(&self.db, account, &filter, page)
            .await
            .map_err(db_error)?;
        Ok(Response::new(pb::ListMessagingProfilesResponse {
            profiles: profiles.into_iter().map(profile_to_proto).collect(),
            page: Some(convert::page_info(page.info(total))),
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn update_messaging_profile(
        &self,
        request: Request<pb::UpdateMessagingProfileRequest>,
    ) -> Result<Response<pb::UpdateMessagingProfileResponse>, Status> {
        let request = request.into_inner();
        let patch = ProfilePatch {
            name: request.name,
            enabled: request.enabled,
            webhook_url: change(request.webhook_url),
            webhook_failover_url: change(request.webhook_failover_url),
            webhook_api_version: version_text(request.webhook_api_version)?,
            whitelisted_destinations: request.whitelisted_destinations.map(|list| list.values),
        };
        // Read, apply, write if nobody wrote in between; otherwise apply again to what they wrote.
        for _ in 0..UPDATE_ATTEMPTS {
            let current = self.find(&request.account_id, &request.profile_id).await?;
            let updated = current
                .value
                .update(patch.clone(), self.clock.now())
                .map_err(field_errors)?;
            if store::update_profile(&self.db, &updated, current.revision)
                .await
                .map_err(db_error)?
            {
                return Ok(Response::new(pb::UpdateMessagingProfileResponse {
                    profile: Some(profile_to_proto(updated)),
                }));
            }
        }
        Err(ApiError::new(
            ErrorKind::Unavailable,
            "The messaging profile kept changing while this update was applied; try again.",
        )
        .into())
    }

    #[tracing::instrument(skip_all)]
    async fn delete_messaging_profile(
        &self,
        request: Request<pb::DeleteMessagingProfileRequest>,
    ) -> Result<Response<pb::DeleteMessagingProfileResponse>, Status> {
        let request = request.into_inner();
        let profile = self
            .find(&request.account_id, &request.profile_id)
            .await?
            .value;
        if !store::delete_profile(&self.db, profile.account_id, profile.id)
            .await
            .map_err(db_error)?
        {
            return Err(ApiError::not_found("Messaging profile").into());
        }
        Ok(Response::new(pb::DeleteMessagingProfileResponse {
            profile: Some(profile_to_proto(profile)),
        }))
    }
}

impl AccountsApi {
    /// The caller's profile; another account's profile is not found, as if it did not exist.
    async fn find(
        &self,
        account: &str,
        profile: &str,
    ) -> Result<Versioned<MessagingProfile>, ApiError> {
        let account = convert::caller(account)?;
        let id = profile_id(profile)?;
        store::profile(&self.db, account, id)
            .await
            .map_err(db_error)?
            .ok_or_else(|| ApiError::not_found("Messaging profile"))
    }
}
