//! The accounts service: customer accounts, their API keys (stored as hashes), their
//! messaging profiles and their notification profiles, channels and settings.

mod app;
pub mod domain;
mod error;
mod grpc;
pub mod store;

use textport_platform::service::{Deps, GrpcService, NoSettings, ServiceRoutes};
use textport_proto::accounts::v1::account_service_server::AccountServiceServer;
use textport_proto::accounts::v1::messaging_profile_service_server::MessagingProfileServiceServer;
use textport_proto::accounts::v1::notification_service_server::NotificationServiceServer;

pub use error::Error;

/// The service's entry point for the registry.
pub struct Accounts;

impl GrpcService for Accounts {
    type Migrator = store::Migrator;
    type Settings = NoSettings;

    async fn routes(deps: Deps, _: NoSettings) -> anyhow::Result<ServiceRoutes> {
        let api = grpc::AccountsApi::new(app::App::new(deps.db, deps.clock));
        Ok(ServiceRoutes::new()
            .add_service(AccountServiceServer::new(api.clone()))
            .add_service(MessagingProfileServiceServer::new(api.clone()))
            .add_service(NotificationServiceServer::new(api)))
    }
}
