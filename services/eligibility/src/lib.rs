//! The eligibility service: the number directory (who holds each number on the platform, and the
//! routing facts the rules need, and each number's 10DLC campaign link) and the hosted-eligibility
//! and portability rules.

mod app;
pub mod domain;
mod error;
mod grpc;
pub mod store;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use textport_domain::{E164, NumberFacts};
use textport_platform::service::{Deps, GrpcService, NoSettings, ServiceRoutes};
use textport_proto::eligibility::v1::campaign_service_server::CampaignServiceServer;
use textport_proto::eligibility::v1::directory_sandbox_service_server::DirectorySandboxServiceServer;
use textport_proto::eligibility::v1::eligibility_service_server::EligibilityServiceServer;
use textport_proto::eligibility::v1::number_directory_service_server::NumberDirectoryServiceServer;
use textport_proto::events::v1::event_sink_service_server::EventSinkServiceServer;

pub use error::Error;

/// The outside routing database (line type, carrier, NNID, portability). The sandbox answers in
/// every deployment today; a real provider adapter implements this trait to replace it.
#[async_trait::async_trait]
pub trait RoutingDatabase: Send + Sync {
    /// One answer per number, in order.
    async fn lookup(&self, numbers: &[E164]) -> anyhow::Result<Vec<NumberFacts>>;
    /// Asks the losing carriers to let our NNID route these numbers; one answer per number.
    async fn activate(&self, numbers: &[E164]) -> anyhow::Result<Vec<domain::CarrierAnswer>>;
    /// Asks the losing carriers of a port whose FOC is `foc` to hand these numbers' NNIDs over
    /// to ours; one answer per number: when the carrier releases it (`None`: never by itself).
    async fn hand_over_nnids(
        &self,
        numbers: &[E164],
        foc: DateTime<Utc>,
    ) -> anyhow::Result<Vec<Option<DateTime<Utc>>>>;
    /// The operator's override: our NNID on these numbers whatever their losing carriers say;
    /// one answer per number, `Ours` when the carrier accepts it.
    async fn override_nnids(&self, numbers: &[E164]) -> anyhow::Result<Vec<domain::NnidOutcome>>;
}

/// The simulated routing database and its magic numbers.
pub struct SandboxRouting;

#[async_trait::async_trait]
impl RoutingDatabase for SandboxRouting {
    async fn lookup(&self, numbers: &[E164]) -> anyhow::Result<Vec<NumberFacts>> {
        Ok(numbers.iter().map(textport_sandbox::facts_for).collect())
    }

    async fn activate(&self, numbers: &[E164]) -> anyhow::Result<Vec<domain::CarrierAnswer>> {
        use domain::CarrierAnswer as A;
        use textport_sandbox::Activation as S;
        Ok(numbers
            .iter()
            .map(|number| match textport_sandbox::activation(number) {
                S::Succeeds => A::Activated,
                S::CarrierRejects => A::CarrierRejected,
                S::IneligibleCarrier => A::IneligibleCarrier,
                S::NotFound => A::NotFound,
                S::AlreadyHosted => A::AlreadyHosted,
                S::NoAnswer => A::Pending,
                S::Fails => A::Failed,
            })
            .collect())
    }

    async fn hand_over_nnids(
        &self,
        numbers: &[E164],
        foc: DateTime<Utc>,
    ) -> anyhow::Result<Vec<Option<DateTime<Utc>>>> {
        Ok(numbers
            .iter()
            .map(|number| textport_sandbox::nnid_release(number, foc))
            .collect())
    }

    async fn override_nnids(&self, numbers: &[E164]) -> anyhow::Result<Vec<domain::NnidOutcome>> {
        use domain::NnidOutcome as O;
        Ok(numbers
            .iter()
            .map(|number| {
                if textport_sandbox::accepts_nnid_override(number) {
                    O::Ours
                } else {
                    O::Refused
                }
            })
            .collect())
    }
}

/// The service's entry point for the registry.
pub struct Eligibility;

impl GrpcService for Eligibility {
    type Migrator = store::Migrator;
    type Settings = NoSettings;
    /// Orders release their numbers through their outboxes.
    const EVENT_SINK: bool = true;

    async fn routes(deps: Deps, _: NoSettings) -> anyhow::Result<ServiceRoutes> {
        let app = app::App::new(deps.db, Arc::new(SandboxRouting), deps.clock);
        let api = grpc::EligibilityApi::new(app);
        let routes = ServiceRoutes::new()
            .add_service(EventSinkServiceServer::new(api.clone()))
            .add_service(EligibilityServiceServer::new(api.clone()))
            .add_service(NumberDirectoryServiceServer::new(api.clone()))
            .add_service(CampaignServiceServer::new(api.clone()));
        // The sandbox's hand on the directory exists only with the sandbox on.
        Ok(if deps.sandbox {
            routes.add_service(DirectorySandboxServiceServer::new(api))
        } else {
            routes
        })
    }
}
