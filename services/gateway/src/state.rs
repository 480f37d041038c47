use textport_platform::client::Downstream;
use textport_proto::accounts::v1::account_service_client::AccountServiceClient;
use textport_proto::accounts::v1::messaging_profile_service_client::MessagingProfileServiceClient;
use textport_proto::eligibility::v1::directory_sandbox_service_client::DirectorySandboxServiceClient;
use textport_proto::eligibility::v1::eligibility_service_client::EligibilityServiceClient;
use textport_proto::eligibility::v1::number_directory_service_client::NumberDirectoryServiceClient;

use crate::auth::KeyCache;

/// What every handler shares: one long-lived client per downstream service (clones share the
/// channel), and the key cache.
#[derive(Clone)]
pub struct AppState {
    pub accounts: AccountServiceClient<Downstream>,
    pub profiles: MessagingProfileServiceClient<Downstream>,
    pub eligibility: EligibilityServiceClient<Downstream>,
    pub directory: NumberDirectoryServiceClient<Downstream>,
    pub directory_sandbox: DirectorySandboxServiceClient<Downstream>,
    pub key_cache: KeyCache,
}
