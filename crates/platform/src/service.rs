//! What a service crate gives the binary, and what the binary gives it back. A gRPC service
//! implements [`GrpcService`]: its migrations and, given its database, clock and downstream
//! channels, its routes. Everything else (connecting, migrating or requiring a current schema,
//! binding, health, reflection, serving) is done here the same way for every service.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;

use sea_orm::DatabaseConnection;
use sea_orm_migration::MigratorTrait;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use textport_domain::SharedClock;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tonic::body::Body;
use tonic::server::NamedService;
use tonic::service::Routes;

use crate::client::Downstream;
use crate::config::{DatabaseConfig, ServiceConfig};
use crate::db::{self, Schema};
use crate::server::GrpcServer;
use crate::tls::Tls;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The gRPC services one server hosts, with their names: health and reflection list exactly these.
#[derive(Clone, Default)]
pub struct ServiceRoutes {
    routes: Routes,
    names: Vec<&'static str>,
}

impl ServiceRoutes {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add_service<S>(mut self, service: S) -> Self
    where
        S: tower::Service<http::Request<Body>, Error = Infallible>
            + NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Response: axum::response::IntoResponse,
        S::Future: Send + 'static,
    {
        self.names.push(S::NAME);
        self.routes = self.routes.add_service(service);
        self
    }

    pub fn names(&self) -> &[&'static str] {
        &self.names
    }

    pub fn routes(&self) -> Routes {
        self.routes.clone()
    }
}

/// The channels to the services a service calls, by config section (`hosted_order`), built once
/// at boot.
#[derive(Clone, Default)]
pub struct Downstreams(BTreeMap<String, Downstream>);

impl Downstreams {
    pub fn insert(&mut self, section: &str, downstream: Downstream) {
        self.0.insert(section.to_owned(), downstream);
    }

    /// Every channel, by section.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Downstream)> {
        self.0
            .iter()
            .map(|(section, downstream)| (section.as_str(), downstream))
    }

    /// The channel to `section`; missing means the registry does not list it among the caller's
    /// downstreams, a wiring mistake reported at boot.
    pub fn get(&self, section: &str) -> anyhow::Result<Downstream> {
        self.0.get(section).cloned().ok_or_else(|| {
            anyhow::anyhow!(
                "no channel to {section}: add it to this service's `calls` in the registry"
            )
        })
    }
}

/// What a gRPC service's routes are built from.
pub struct Deps {
    pub db: DatabaseConnection,
    pub clock: SharedClock,
    /// Whether the sandbox (the simulated outside world and its API) is on.
    pub sandbox: bool,
    pub downstreams: Downstreams,
    /// Where the service starts its background work (relay, sweepers).
    pub workers: Workers,
    /// Where it may keep files by default: beside its SQLite database, else the system's
    /// temporary directory (a deployment on PostgreSQL configures a real place).
    pub files_dir: std::path::PathBuf,
}

/// A gRPC service crate's entry point.
pub trait GrpcService: 'static {
    type Migrator: MigratorTrait;
    /// The keys of its configuration section beside `listen` and `database`.
    type Settings: DeserializeOwned + Send;
    /// Whether it serves `textport.events.v1.EventSinkService` (relays send it events).
    const EVENT_SINK: bool = false;

    fn routes(
        deps: Deps,
        settings: Self::Settings,
    ) -> impl Future<Output = anyhow::Result<ServiceRoutes>> + Send;
}

/// The settings of a service that has none: any extra key in its section is refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoSettings {}

/// A service's background tasks: started while it is built, stopped after its server has
/// drained, each given a token that fires then.
#[derive(Clone, Default)]
pub struct Workers {
    tracker: TaskTracker,
    shutdown: CancellationToken,
}

impl Workers {
    pub fn spawn<F, Fut>(&self, work: F)
    where
        F: FnOnce(CancellationToken) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.tracker.spawn(work(self.shutdown.clone()));
    }

    async fn stop(self) {
        self.shutdown.cancel();
        self.tracker.close();
        self.tracker.wait().await;
    }
}

/// How a service is started; the binary's registry fills it in.
pub struct Start {
    pub config: ServiceConfig,
    /// Mutual TLS for its gRPC server (its callers' channels carry the same); `None`: plaintext.
    pub tls: Option<Tls>,
    pub schema: Schema,
    pub clock: SharedClock,
    pub sandbox: bool,
    pub downstreams: Downstreams,
}

/// A service built (database open, listener bound) and ready to run, whatever it serves.
pub trait Built: Send {
    fn local_addr(&self) -> SocketAddr;
    /// A second listener for operators, which no Ingress routes to (the gateway's).
    fn admin_addr(&self) -> Option<SocketAddr> {
        None
    }
    /// Its gRPC routes, for callers in the same process; `None` when it serves no gRPC.
    fn routes(&self) -> Option<Routes>;
    fn run(self: Box<Self>, shutdown: CancellationToken) -> BoxFuture<'static, anyhow::Result<()>>;
}

/// A gRPC service, built.
pub struct BuiltGrpc {
    server: GrpcServer,
    db: DatabaseConnection,
    routes: ServiceRoutes,
    workers: Workers,
    drain: Duration,
    tls: Option<Tls>,
}

impl BuiltGrpc {
    pub async fn build<S: GrpcService>(start: Start) -> anyhow::Result<Self> {
        let settings = start.config.settings::<S::Settings>()?;
        let server = GrpcServer::bind(start.config.listen).await?;
        let db = db::open::<S::Migrator>(&start.config.database, start.schema).await?;
        let workers = Workers::default();
        let routes = S::routes(
            Deps {
                db: db.clone(),
                clock: start.clock,
                sandbox: start.sandbox,
                downstreams: start.downstreams,
                workers: workers.clone(),
                files_dir: db::files_dir(&start.config.database),
            },
            settings,
        )
        .await?;
        Ok(Self {
            server,
            db,
            routes,
            workers,
            drain: Duration::from_secs(start.config.drain_seconds),
            tls: start.tls,
        })
    }
}

impl Built for BuiltGrpc {
    fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    fn routes(&self) -> Option<Routes> {
        Some(self.routes.routes())
    }

    fn run(self: Box<Self>, shutdown: CancellationToken) -> BoxFuture<'static, anyhow::Result<()>> {
        let BuiltGrpc {
            server,
            db,
            routes,
            workers,
            drain,
            tls,
        } = *self;
        Box::pin(async move {
            let served = server
                .serve(routes, db, shutdown, drain, tls.as_ref())
                .await;
            workers.stop().await;
            served
        })
    }
}

/// Brings a service's schema up to date (`textport migrate`).
pub async fn migrate<M: MigratorTrait>(database: &DatabaseConfig) -> anyhow::Result<()> {
    db::open::<M>(database, Schema::Migrate)
        .await?
        .close()
        .await?;
    Ok(())
}
