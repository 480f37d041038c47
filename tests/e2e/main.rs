//! End-to-end tests: the whole suite in-process on random ports, driven through the public JSON
//! API (and, for reflection and health, gRPC). One binary, so the suite links once.
//! With `TEXTPORT_TEST_DATABASE_URL` set, every service runs on PostgreSQL (a fresh schema each).

mod approval_page;
mod business_clock;
mod campaigns;
mod eligibility;
mod errors;
mod events;
mod grpc;
mod health;
mod hosted;
mod idempotency;
mod internal_transfer;
mod metrics;
mod notifications;
mod operator;
mod porting;
mod profiles;
mod replicas;
mod services;
mod support;
mod tls;
mod transfer_policy;
mod transfers;
mod verification;
