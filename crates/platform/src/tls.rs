//! Mutual TLS between services: every gRPC server asks callers for a certificate signed by the
//! deployment's CA, and every channel presents one, so only our services can call each other.
//! Off unless all three files are configured (`up` stays plaintext on loopback).

use std::path::PathBuf;

use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use tonic::transport::{Certificate, ClientTlsConfig, Identity, ServerTlsConfig};

/// `[tls]`: PEM files (Kubernetes Secret mounts). All empty: plaintext.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsFiles {
    /// This service's certificate (its DNS names as callers address it).
    pub cert: PathBuf,
    pub key: PathBuf,
    /// The CA that signs every service's certificate.
    pub ca: PathBuf,
}

/// Loaded certificates, for servers and channels alike.
#[derive(Debug, Clone)]
pub struct Tls {
    identity: Identity,
    ca: Certificate,
}

impl TlsFiles {
    /// `None` when TLS is off; an error naming the key when only some files are given or one
    /// cannot be read.
    pub fn load(&self) -> anyhow::Result<Option<Tls>> {
        let given = [&self.cert, &self.key, &self.ca].map(|path| !path.as_os_str().is_empty());
        match given {
            [false, false, false] => Ok(None),
            [true, true, true] => {
                let read = |key: &str, path: &PathBuf| {
                    std::fs::read(path).with_context(|| format!("tls.{key} = {}", path.display()))
                };
                Ok(Some(Tls {
                    identity: Identity::from_pem(
                        read("cert", &self.cert)?,
                        read("key", &self.key)?,
                    ),
                    ca: Certificate::from_pem(read("ca", &self.ca)?),
                }))
            }
            _ => anyhow::bail!("configuration error: tls.cert, tls.key and tls.ca go together"),
        }
    }
}

impl Tls {
    pub fn server(&self) -> ServerTlsConfig {
        ServerTlsConfig::new()
            .identity(self.identity.clone())
            .client_ca_root(self.ca.clone())
    }

    pub fn client(&self) -> ClientTlsConfig {
        ClientTlsConfig::new()
            .identity(self.identity.clone())
            .ca_certificate(self.ca.clone())
    }
}
