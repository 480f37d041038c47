//! The gRPC edge of accounts: proto requests become domain values, the app answers, and domain
//! values become proto responses. No rules and no storage here.

use textport_domain::{ApiKeyHash, ApiKeyId, MessagingProfileId};
use textport_platform::{ApiError, ErrorKind, convert};
use textport_proto::accounts::v1::{
    self as pb, account_service_server, messaging_profile_service_server,
};
use tonic::{Request, Response, Status};

use crate::app::App;
use crate::domain::{
    Account, AccountName, Change, IssuedKey, KeyLabel, MessagingProfile, NewProfileInput,
    ProfilePatch, WebhookApiVersion,
};
use crate::error::Error;
use crate::store::ProfileFilter;

mod notifications;

#[derive(Clone)]
pub struct AccountsApi {
    app: App,
}

impl AccountsApi {
    pub fn new(app: App) -> Self {
        Self { app }
    }
}

fn profile_id(raw: &str) -> Result<MessagingProfileId, Error> {
    // An id that cannot exist is simply not found, as the public API answers for any unknown id.
    MessagingProfileId::parse(raw).map_err(|_| Error::ProfileNotFound)
}

fn key_hash(raw: &[u8], pointer: &str) -> Result<ApiKeyHash, ApiError> {
    ApiKeyHash::from_slice(raw).ok_or_else(|| {
        ApiError::at_pointer(
            ErrorKind::Validation,
            pointer,
            "A key's SHA-256 has 32 bytes.",
        )
    })
}

impl From<Account> for pb::Account {
    fn from(account: Account) -> Self {
        pb::Account {
            id: account.id.to_string(),
            name: account.name.as_str().to_owned(),
            created_at: Some(convert::timestamp(account.created_at)),
        }
    }
}

impl From<IssuedKey> for pb::ApiKey {
    fn from(key: IssuedKey) -> Self {
        pb::ApiKey {
            id: key.id.to_string(),
            account_id: key.account_id.to_string(),
            label: key.label.as_str().to_owned(),
            created_at: Some(convert::timestamp(key.created_at)),
        }
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
        let hash =
            ApiKeyHash::from_slice(&request.get_ref().api_key_sha256).ok_or(Error::UnknownKey)?;
        let account = self.app.authenticate(&hash).await?;
        tracing::Span::current().record("account_id", tracing::field::display(account.id));
        Ok(Response::new(pb::AuthenticateApiKeyResponse {
            account: Some(account.into()),
        }))
    }

    async fn ensure_account(
        &self,
        request: Request<pb::EnsureAccountRequest>,
    ) -> Result<Response<pb::EnsureAccountResponse>, Status> {
        let name = AccountName::parse(&request.get_ref().name).map_err(Error::from)?;
        let (account, created) = self.app.ensure_account(&name).await?;
        Ok(Response::new(pb::EnsureAccountResponse {
            account: Some(account.into()),
            created,
        }))
    }

    async fn create_account(
        &self,
        request: Request<pb::CreateAccountRequest>,
    ) -> Result<Response<pb::CreateAccountResponse>, Status> {
        let name = AccountName::parse(&request.get_ref().name).map_err(Error::from)?;
        let account = self.app.create_account(name).await?;
        Ok(Response::new(pb::CreateAccountResponse {
            account: Some(account.into()),
        }))
    }

    async fn get_account(
        &self,
        request: Request<pb::GetAccountRequest>,
    ) -> Result<Response<pb::GetAccountResponse>, Status> {
        let id = convert::caller(&request.get_ref().account_id)?;
        let account = self.app.account(id).await?;
        Ok(Response::new(pb::GetAccountResponse {
            account: Some(account.into()),
        }))
    }

    async fn list_accounts(
        &self,
        request: Request<pb::ListAccountsRequest>,
    ) -> Result<Response<pb::ListAccountsResponse>, Status> {
        let page = convert::page(request.get_ref().page.as_ref())?;
        let (accounts, total) = self.app.accounts(page).await?;
        Ok(Response::new(pb::ListAccountsResponse {
            accounts: accounts.into_iter().map(Into::into).collect(),
            page: Some(convert::page_info(page.info(total))),
        }))
    }

    async fn issue_api_key(
        &self,
        request: Request<pb::IssueApiKeyRequest>,
    ) -> Result<Response<pb::IssueApiKeyResponse>, Status> {
        let request = request.into_inner();
        let account = convert::caller(&request.account_id)?;
        let label = KeyLabel::parse(&request.label).map_err(Error::from)?;
        let hash = key_hash(&request.api_key_sha256, "/api_key_sha256")?;
        let key = self
            .app
            .issue_key(account, label, &hash, request.replace_label)
            .await?;
        Ok(Response::new(pb::IssueApiKeyResponse {
            api_key: Some(key.into()),
        }))
    }

    async fn list_api_keys(
        &self,
        request: Request<pb::ListApiKeysRequest>,
    ) -> Result<Response<pb::ListApiKeysResponse>, Status> {
        let request = request.into_inner();
        let account = convert::caller(&request.account_id)?;
        let page = convert::page(request.page.as_ref())?;
        let (keys, total) = self.app.keys(account, page).await?;
        Ok(Response::new(pb::ListApiKeysResponse {
            api_keys: keys.into_iter().map(Into::into).collect(),
            page: Some(convert::page_info(page.info(total))),
        }))
    }

    async fn revoke_api_key(
        &self,
        request: Request<pb::RevokeApiKeyRequest>,
    ) -> Result<Response<pb::RevokeApiKeyResponse>, Status> {
        let id =
            ApiKeyId::parse(&request.get_ref().api_key_id).map_err(|_| Error::ApiKeyNotFound)?;
        let (key, hash) = self.app.revoke_key(id).await?;
        Ok(Response::new(pb::RevokeApiKeyResponse {
            api_key: Some(key.into()),
            api_key_sha256: hash.as_bytes().to_vec(),
        }))
    }
}

// === impl MessagingProfileService ===

impl From<MessagingProfile> for pb::MessagingProfile {
    fn from(profile: MessagingProfile) -> Self {
        pb::MessagingProfile {
            id: profile.id.to_string(),
            account_id: profile.account_id.to_string(),
            name: profile.name.as_str().to_owned(),
            enabled: profile.enabled,
            webhook_url: profile.webhook_url.map(|u| u.as_str().to_owned()),
            webhook_failover_url: profile.webhook_failover_url.map(|u| u.as_str().to_owned()),
            webhook_api_version: pb::WebhookApiVersion::from(profile.webhook_api_version) as i32,
            whitelisted_destinations: profile.whitelisted_destinations.as_slice().to_vec(),
            created_at: Some(convert::timestamp(profile.created_at)),
            updated_at: Some(convert::timestamp(profile.updated_at)),
        }
    }
}

impl From<WebhookApiVersion> for pb::WebhookApiVersion {
    fn from(version: WebhookApiVersion) -> Self {
        match version {
            WebhookApiVersion::V1 => pb::WebhookApiVersion::V1,
            WebhookApiVersion::V2 => pb::WebhookApiVersion::V2,
            WebhookApiVersion::V2010_04_01 => pb::WebhookApiVersion::V20100401,
        }
    }
}

/// A proto version as the domain's; absent stays absent, and unspecified is no version.
fn version(raw: Option<i32>) -> Result<Option<WebhookApiVersion>, ApiError> {
    raw.map(|raw| match pb::WebhookApiVersion::try_from(raw) {
        Ok(pb::WebhookApiVersion::V1) => Ok(WebhookApiVersion::V1),
        Ok(pb::WebhookApiVersion::V2) => Ok(WebhookApiVersion::V2),
        Ok(pb::WebhookApiVersion::V20100401) => Ok(WebhookApiVersion::V2010_04_01),
        Ok(pb::WebhookApiVersion::Unspecified) | Err(_) => Err(ApiError::at_pointer(
            ErrorKind::InvalidEnum,
            "/webhook_api_version",
            "Unknown webhook_api_version.",
        )),
    })
    .transpose()
}

fn change(value: Option<pb::NullableString>) -> Change<String> {
    match value.and_then(|v| v.change) {
        None => Change::Keep,
        Some(pb::nullable_string::Change::Set(value)) => Change::Set(value),
        Some(pb::nullable_string::Change::Clear(_)) => Change::Clear,
    }
}

fn profile_response<T>(
    profile: MessagingProfile,
    wrap: impl FnOnce(Option<pb::MessagingProfile>) -> T,
) -> Response<T> {
    Response::new(wrap(Some(profile.into())))
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
            webhook_api_version: version(request.webhook_api_version)?,
            whitelisted_destinations: Some(request.whitelisted_destinations),
        };
        let profile = self.app.create_profile(account, input).await?;
        Ok(profile_response(profile, |profile| {
            pb::CreateMessagingProfileResponse { profile }
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn get_messaging_profile(
        &self,
        request: Request<pb::GetMessagingProfileRequest>,
    ) -> Result<Response<pb::GetMessagingProfileResponse>, Status> {
        let request = request.into_inner();
        let account = convert::caller(&request.account_id)?;
        let profile = self
            .app
            .profile(account, profile_id(&request.profile_id)?)
            .await?
            .value;
        Ok(profile_response(profile, |profile| {
            pb::GetMessagingProfileResponse { profile }
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
        let (profiles, total) = self.app.profiles(account, &filter, page).await?;
        Ok(Response::new(pb::ListMessagingProfilesResponse {
            profiles: profiles.into_iter().map(Into::into).collect(),
            page: Some(convert::page_info(page.info(total))),
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn update_messaging_profile(
        &self,
        request: Request<pb::UpdateMessagingProfileRequest>,
    ) -> Result<Response<pb::UpdateMessagingProfileResponse>, Status> {
        let request = request.into_inner();
        let account = convert::caller(&request.account_id)?;
        let id = profile_id(&request.profile_id)?;
        let patch = ProfilePatch {
            name: request.name,
            enabled: request.enabled,
            webhook_url: change(request.webhook_url),
            webhook_failover_url: change(request.webhook_failover_url),
            webhook_api_version: version(request.webhook_api_version)?,
            whitelisted_destinations: request.whitelisted_destinations.map(|list| list.values),
        };
        let profile = self.app.update_profile(account, id, patch).await?;
        Ok(profile_response(profile, |profile| {
            pb::UpdateMessagingProfileResponse { profile }
        }))
    }

    #[tracing::instrument(skip_all)]
    async fn delete_messaging_profile(
        &self,
        request: Request<pb::DeleteMessagingProfileRequest>,
    ) -> Result<Response<pb::DeleteMessagingProfileResponse>, Status> {
        let request = request.into_inner();
        let account = convert::caller(&request.account_id)?;
        let profile = self
            .app
            .delete_profile(account, profile_id(&request.profile_id)?)
            .await?;
        Ok(profile_response(profile, |profile| {
            pb::DeleteMessagingProfileResponse { profile }
        }))
    }
}
