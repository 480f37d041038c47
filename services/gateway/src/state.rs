use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use sea_orm::DatabaseConnection;
use textport_domain::{ApiKeyHash, SharedClock};
use textport_platform::client::Downstream;
use textport_platform::outbox::RelayWaker;
use textport_proto::accounts::v1::account_service_client::AccountServiceClient;
use textport_proto::accounts::v1::messaging_profile_service_client::MessagingProfileServiceClient;
use textport_proto::accounts::v1::notification_service_client::NotificationServiceClient;
use textport_proto::eligibility::v1::campaign_service_client::CampaignServiceClient;
use textport_proto::eligibility::v1::directory_sandbox_service_client::DirectorySandboxServiceClient;
use textport_proto::eligibility::v1::eligibility_service_client::EligibilityServiceClient;
use textport_proto::eligibility::v1::number_directory_service_client::NumberDirectoryServiceClient;

use textport_proto::hosted_order::v1::hosted_number_service_client::HostedNumberServiceClient;
use textport_proto::hosted_order::v1::hosted_order_service_client::HostedOrderServiceClient;
use textport_proto::hosted_order::v1::operator_review_service_client::OperatorReviewServiceClient;
use textport_proto::messaging_port::v1::porting_operator_service_client::PortingOperatorServiceClient;
use textport_proto::messaging_port::v1::porting_order_service_client::PortingOrderServiceClient;
use textport_proto::messaging_port::v1::porting_sandbox_service_client::PortingSandboxServiceClient;
use textport_proto::notifier::v1::notifier_sandbox_service_client::NotifierSandboxServiceClient;
use textport_proto::notifier::v1::notifier_service_client::NotifierServiceClient;
use textport_proto::transfer_approval::v1::transfer_approval_service_client::TransferApprovalServiceClient;
use textport_proto::verification::v1::verification_sandbox_service_client::VerificationSandboxServiceClient;

use crate::auth::KeyCache;

/// What every handler and middleware shares: one long-lived client per downstream service (clones
/// share the channel), the key cache, the operator key's hash and the gateway's own database.
#[derive(Clone)]
pub struct AppState {
    pub accounts: AccountServiceClient<Downstream>,
    pub profiles: MessagingProfileServiceClient<Downstream>,
    pub notifications: NotificationServiceClient<Downstream>,
    pub eligibility: EligibilityServiceClient<Downstream>,
    pub directory: NumberDirectoryServiceClient<Downstream>,
    pub campaigns: CampaignServiceClient<Downstream>,
    pub directory_sandbox: DirectorySandboxServiceClient<Downstream>,
    pub notifier: NotifierServiceClient<Downstream>,
    pub notifier_sandbox: NotifierSandboxServiceClient<Downstream>,
    pub hosted_orders: HostedOrderServiceClient<Downstream>,
    pub hosted_numbers: HostedNumberServiceClient<Downstream>,
    pub review: OperatorReviewServiceClient<Downstream>,
    pub verification_sandbox: VerificationSandboxServiceClient<Downstream>,
    pub porting_orders: PortingOrderServiceClient<Downstream>,
    pub porting_operator: PortingOperatorServiceClient<Downstream>,
    /// Served only with the sandbox on (so are the routes that use it).
    pub porting_sandbox: PortingSandboxServiceClient<Downstream>,
    /// The approval page's reads and decisions by token.
    pub transfers: TransferApprovalServiceClient<Downstream>,
    pub key_cache: KeyCache,
    /// `None`: no operator key configured, so the operator API refuses everyone.
    pub operator_key: Option<ApiKeyHash>,
    pub db: DatabaseConnection,
    /// Wakes the relay of the gateway's outbox (sandbox events); `None` with the sandbox off.
    pub relay: Option<RelayWaker>,
    pub clock: SharedClock,
    pub body_limit: usize,
    /// Set once shutdown began: `/readyz` answers 503 while requests are still served.
    pub draining: Arc<AtomicBool>,
    /// Every service the gateway calls, by section, for `/readyz`.
    pub readiness: Vec<(String, Downstream)>,
}
