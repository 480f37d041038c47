//! The eligibility service: the number directory (who holds each number on the platform, and the
//! routing facts the rules need) and the hosted-eligibility and portability rules.

mod app;
pub mod domain;
mod error;
mod grpc;
pub mod store;

use std::sync::Arc;

use textport_domain::{E164, NumberFacts};
use textport_platform::service::{Deps, GrpcService, NoSettings, ServiceRoutes};
use textport_proto::eligibility::v1::directory_sandbox_service_server::DirectorySandboxServiceServer;
use textport_proto::eligibility::v1::eligibility_service_server::EligibilityServiceServer;
use textport_proto::eligibility::v1::number_directory_service_server::NumberDirectoryServiceServer;

pub use error::Error;

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

/// The service's entry point for the registry.
pub struct Eligibility;

impl GrpcService for Eligibility {
    type Migrator = store::Migrator;
    type Settings = NoSettings;

    async fn routes(deps: Deps, _: NoSettings) -> anyhow::Result<ServiceRoutes> {
        let app = app::App::new(deps.db, Arc::new(SandboxRouting), deps.clock);
        let api = grpc::EligibilityApi::new(app);
        let routes = ServiceRoutes::new()
            .add_service(EligibilityServiceServer::new(api.clone()))
            .add_service(NumberDirectoryServiceServer::new(api.clone()));
        // The sandbox's hand on the directory exists only with the sandbox on.
        Ok(if deps.sandbox {
            routes.add_service(DirectorySandboxServiceServer::new(api))
        } else {
            routes
        })
    }
}
