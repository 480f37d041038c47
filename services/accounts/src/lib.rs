//! The accounts service: customer accounts, their API keys (stored as hashes) and their
//! messaging profiles.

pub mod domain;
mod grpc;
pub mod store;

use sea_orm::DatabaseConnection;
use textport_domain::SharedClock;
use textport_platform::CancellationToken;
use textport_platform::config::ServiceConfig;
use textport_platform::db::Schema;
use textport_platform::server::GrpcServer;
use textport_proto::accounts::v1::{
    account_service_server::{self, AccountServiceServer},
    messaging_profile_service_server::{self, MessagingProfileServiceServer},
};
use tonic::service::Routes;

use grpc::AccountsApi;

const SERVICES: &[&str] = &[
    account_service_server::SERVICE_NAME,
    messaging_profile_service_server::SERVICE_NAME,
];

/// The service, bound and migrated, ready to serve.
pub struct Accounts {
    server: GrpcServer,
    db: DatabaseConnection,
    api: AccountsApi,
}

impl Accounts {
    pub async fn build(
        config: &ServiceConfig,
        clock: SharedClock,
        schema: Schema,
    ) -> anyhow::Result<Self> {
        let db = textport_platform::db::open::<store::Migrator>(&config.database, schema).await?;
        let server = GrpcServer::bind(config.listen).await?;
        Ok(Self {
            server,
            api: AccountsApi::new(db.clone(), clock),
            db,
        })
    }

    pub fn local_addr(&self) -> std::net::SocketAddr {
        self.server.local_addr()
    }

    /// Every gRPC service this one answers.
    pub fn routes(&self) -> Routes {
        Routes::new(AccountServiceServer::new(self.api.clone()))
            .add_service(MessagingProfileServiceServer::new(self.api.clone()))
    }

    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let routes = self.routes();
        self.server.serve(routes, SERVICES, self.db, shutdown).await
    }
}

pub async fn migrate(config: &ServiceConfig) -> anyhow::Result<()> {
    textport_platform::db::open::<store::Migrator>(&config.database, Schema::Migrate).await?;
    Ok(())
}
