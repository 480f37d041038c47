//! What every textport service runs on. A service brings its domain, its store and its gRPC
//! handlers; everything around them (config, telemetry, serving, clients, database, errors) is here,
//! so seven services behave the same way.

pub mod client;
pub mod config;
pub mod convert;
pub mod db;
pub mod error;
pub mod metrics;
pub mod outbox;
pub mod public_enum;
pub mod secret;
pub mod server;
pub mod service;
pub mod sweeper;
pub mod telemetry;
pub mod tls;
pub mod trace_context;

pub use error::{ApiError, ErrorKind, Family, Retry, Violation};
pub use tokio_util::sync::CancellationToken;
