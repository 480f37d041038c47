//! The eligibility service: the number directory (who holds each number on the platform, and the
//! routing facts the rules need) and the hosted-eligibility and portability rules.

pub mod domain;
mod grpc;
pub mod store;

use std::sync::Arc;

use sea_orm::DatabaseConnection;
use textport_domain::{E164, NumberFacts, SharedClock};
use textport_platform::CancellationToken;
use textport_platform::config::ServiceConfig;
use textport_platform::db::Schema;
use textport_platform::server::GrpcServer;
use textport_proto::eligibility::v1::{
    directory_sandbox_service_server::{self, DirectorySandboxServiceServer},
    eligibility_service_server::{self, EligibilityServiceServer},
    number_directory_service_server::{self, NumberDirectoryServiceServer},
};
use tonic::service::Routes;

pub use grpc::Directory;

/// The outside routing database (line type, carrier, NNID, portability). The sandbox answers in
/// every deployment today; a real provider adapter implements this trait to replace it.
#[async_trait::async_trait]
pub trait RoutingDatabase: Send + Sync {
    /// One answer per number, in order.
    async fn lookup(&self, numbers: &[E164]) -> anyhow::Result<Vec<NumberFacts>>;
}

/// The simulated routing database and its magic numbers.
pub struct SandboxRouting;

#[async_trait::async_trait]
impl RoutingDatabase for SandboxRouting {
    async fn lookup(&self, numbers: &[E164]) -> anyhow::Result<Vec<NumberFacts>> {
        Ok(numbers.iter().map(textport_sandbox::facts_for).collect())
    }
}

const SERVICES: &[&str] = &[
    eligibility_service_server::SERVICE_NAME,
    number_directory_service_server::SERVICE_NAME,
];
const SANDBOX_SERVICES: &[&str] = &[
    eligibility_service_server::SERVICE_NAME,
    number_directory_service_server::SERVICE_NAME,
    directory_sandbox_service_server::SERVICE_NAME,
];

/// The service, bound and migrated, ready to serve.
pub struct Eligibility {
    server: GrpcServer,
    db: DatabaseConnection,
    directory: Directory,
    sandbox: bool,
}

impl Eligibility {
    pub async fn build(
        config: &ServiceConfig,
        clock: SharedClock,
        sandbox: bool,
        schema: Schema,
    ) -> anyhow::Result<Self> {
        let db = textport_platform::db::open::<store::Migrator>(&config.database, schema).await?;
        let server = GrpcServer::bind(config.listen).await?;
        let directory = Directory::new(db.clone(), Arc::new(SandboxRouting), clock);
        Ok(Self {
            server,
            db,
            directory,
            sandbox,
        })
    }

    pub fn local_addr(&self) -> std::net::SocketAddr {
        self.server.local_addr()
    }

    /// Every gRPC service this one answers (the sandbox's only with the sandbox on).
    pub fn routes(&self) -> Routes {
        let routes = Routes::new(EligibilityServiceServer::new(self.directory.clone()))
            .add_service(NumberDirectoryServiceServer::new(self.directory.clone()));
        if self.sandbox {
            routes.add_service(DirectorySandboxServiceServer::new(self.directory.clone()))
        } else {
            routes
        }
    }

    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let routes = self.routes();
        let services = if self.sandbox {
            SANDBOX_SERVICES
        } else {
            SERVICES
        };
        self.server.serve(routes, services, self.db, shutdown).await
    }
}

pub async fn migrate(config: &ServiceConfig) -> anyhow::Result<()> {
    textport_platform::db::open::<store::Migrator>(&config.database, Schema::Migrate).await?;
    Ok(())
}
