//! The hosted-order service: hosted SMS orders from creation to activation (ownership codes
//! through verification, documents, the operator's review, activation through eligibility's
//! routing database), the hosted numbers they produce, and their webhooks through the outbox.

mod app;
pub mod documents;
pub mod domain;
mod error;
mod grpc;
pub mod store;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use textport_platform::outbox::{Relay, RelaySettings};
use textport_platform::service::{Deps, GrpcService, ServiceRoutes};
use textport_proto::accounts::v1::account_service_client::AccountServiceClient;
use textport_proto::accounts::v1::messaging_profile_service_client::MessagingProfileServiceClient;
use textport_proto::eligibility::v1::number_directory_service_client::NumberDirectoryServiceClient;
use textport_proto::events::v1::event_sink_service_client::EventSinkServiceClient;
use textport_proto::events::v1::event_sink_service_server::EventSinkServiceServer;
use textport_proto::hosted_order::v1::hosted_number_service_server::HostedNumberServiceServer;
use textport_proto::hosted_order::v1::hosted_order_service_server::HostedOrderServiceServer;
use textport_proto::hosted_order::v1::operator_review_service_server::OperatorReviewServiceServer;
use textport_proto::transfer_approval::v1::transfer_approval_service_client::TransferApprovalServiceClient;
use textport_proto::verification::v1::verification_service_client::VerificationServiceClient;

pub use error::Error;

/// The largest upload message: two documents of `documents::MAX_DOCUMENT_BYTES` and their
/// framing. tonic's default of 4 MiB would refuse a legitimate upload.
pub const MAX_UPLOAD_MESSAGE_BYTES: usize = 2 * documents::MAX_DOCUMENT_BYTES + 64 * 1024;

/// `[hosted_order]` keys beside `listen` and `database`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Where uploaded documents are kept: `directory` (`documents_dir`) or `database` (the
    /// service's own, which every replica shares).
    pub documents_store: DocumentsStore,
    /// With `directory`: where; empty: `hosted-order-documents` beside the SQLite database.
    /// Replicas must share it.
    pub documents_dir: String,
    /// How often an activation the losing carrier has not answered is asked again.
    pub activation_poll_seconds: u64,
    /// After this long without an answer, a number is `failed_timeout`.
    pub activation_timeout_seconds: u64,
    /// With the sandbox on: orders awaiting review are accepted after this long; 0 leaves the
    /// review to the operator.
    pub auto_review_seconds: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            documents_store: DocumentsStore::Directory,
            documents_dir: String::new(),
            activation_poll_seconds: 30,
            activation_timeout_seconds: 24 * 3600,
            auto_review_seconds: 0,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentsStore {
    Directory,
    Database,
}

/// The service's entry point for the registry.
pub struct HostedOrder;

impl GrpcService for HostedOrder {
    type Migrator = store::Migrator;
    type Settings = Settings;
    /// Transfer decisions arrive from transfer-approval's outbox.
    const EVENT_SINK: bool = true;

    async fn routes(deps: Deps, settings: Settings) -> anyhow::Result<ServiceRoutes> {
        let eligibility = deps.downstreams.get("eligibility")?;
        let accounts = deps.downstreams.get("accounts")?;
        let clients = app::Clients {
            directory: NumberDirectoryServiceClient::new(eligibility.clone()),
            eligibility_sink: EventSinkServiceClient::new(eligibility),
            profiles: MessagingProfileServiceClient::new(accounts.clone()),
            accounts: AccountServiceClient::new(accounts),
            verification: VerificationServiceClient::new(deps.downstreams.get("verification")?),
            transfers: TransferApprovalServiceClient::new(
                deps.downstreams.get("transfer_approval")?,
            ),
        };
        let relay = Relay::new(
            "hosted_order",
            deps.db.clone(),
            deps.clock.clone(),
            &deps.downstreams,
            &["notifier", "eligibility", "transfer_approval"],
            RelaySettings::default(),
        )?;
        let blobs: Arc<dyn documents::BlobStore> = match settings.documents_store {
            DocumentsStore::Database => Arc::new(store::DatabaseBlobStore::new(deps.db.clone())),
            DocumentsStore::Directory if settings.documents_dir.is_empty() => Arc::new(
                documents::LocalDirStore::new(deps.files_dir.join("hosted-order-documents")),
            ),
            DocumentsStore::Directory => Arc::new(documents::LocalDirStore::new(PathBuf::from(
                &settings.documents_dir,
            ))),
        };
        let policy = app::Policy {
            activation_poll: Duration::from_secs(settings.activation_poll_seconds.max(1)),
            activation_timeout: Duration::from_secs(settings.activation_timeout_seconds),
            auto_review: (deps.sandbox && settings.auto_review_seconds > 0)
                .then(|| Duration::from_secs(settings.auto_review_seconds)),
            sweep_poll: Duration::from_millis(500),
            lease: Duration::from_secs(60),
        };
        let app = app::App::new(deps.db, deps.clock, clients, blobs, relay.waker(), policy);
        deps.workers.spawn(|shutdown| relay.run(shutdown));
        let work = app.clone();
        deps.workers.spawn(|shutdown| work.run_deadlines(shutdown));
        let api = grpc::HostedOrderApi::new(app);
        Ok(ServiceRoutes::new()
            .add_service(EventSinkServiceServer::new(api.clone()))
            .add_service(
                HostedOrderServiceServer::new(api.clone())
                    .max_decoding_message_size(MAX_UPLOAD_MESSAGE_BYTES),
            )
            .add_service(HostedNumberServiceServer::new(api.clone()))
            .add_service(OperatorReviewServiceServer::new(api)))
    }
}
