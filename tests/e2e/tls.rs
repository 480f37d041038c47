//! Mutual TLS between services: with `[tls]` configured, a service's gRPC server answers only
//! callers presenting a certificate signed by the deployment's CA.

use std::path::Path;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use textport::{Config, Role, Storage};
use textport_domain::SystemClock;
use textport_platform::CancellationToken;
use textport_platform::config::ServiceConfig;
use textport_platform::db::Schema;
use textport_platform::service::{Downstreams, Start};
use textport_platform::tls::{Tls, TlsFiles};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

/// A CA and the PEMs of a certificate it signed for `names`.
struct Authority {
    params: CertificateParams,
    key: KeyPair,
    pem: String,
}

impl Authority {
    fn new(name: &str) -> Self {
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let pem = params.self_signed(&key).expect("CA certificate").pem();
        Self { params, key, pem }
    }

    /// (certificate PEM, key PEM) for `names`.
    fn issue(&self, names: &[&str]) -> (String, String) {
        let key = KeyPair::generate().expect("key");
        let params = CertificateParams::new(
            names
                .iter()
                .map(|name| (*name).to_owned())
                .collect::<Vec<_>>(),
        )
        .expect("params");
        let issuer = Issuer::new(self.params.clone(), &self.key);
        let certificate = params.signed_by(&key, &issuer).expect("signed");
        (certificate.pem(), key.serialize_pem())
    }
}

fn write(dir: &Path, name: &str, pem: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, pem).expect("written");
    path
}

async fn health(channel: Channel) -> Result<ServingStatus, tonic::Status> {
    HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .map(|answer| answer.into_inner().status())
}

async fn connect(
    url: &str,
    tls: Option<ClientTlsConfig>,
) -> Result<Channel, tonic::transport::Error> {
    let mut endpoint = Channel::from_shared(url.to_owned()).expect("url");
    if let Some(tls) = tls {
        endpoint = endpoint.tls_config(tls)?;
    }
    endpoint.connect().await
}

#[tokio::test(flavor = "multi_thread")]
async fn only_a_caller_with_a_certificate_of_our_ca_is_answered() {
    let dir = std::env::temp_dir().join(format!("textport-tls-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("dir");
    let ca = Authority::new("textport test CA");
    let (server_cert, server_key) = ca.issue(&["localhost", "127.0.0.1"]);
    let files = TlsFiles {
        cert: write(&dir, "server.pem", &server_cert),
        key: write(&dir, "server.key", &server_key),
        ca: write(&dir, "ca.pem", &ca.pem),
    };
    let tls: Tls = files.load().expect("loads").expect("on");
    assert!(TlsFiles::default().load().expect("off").is_none());
    assert!(
        TlsFiles {
            ca: Default::default(),
            ..files.clone()
        }
        .load()
        .is_err(),
        "all three or none"
    );

    let role = Role::find("accounts").expect("accounts");
    let storage = Storage::fresh("t");
    let built = role
        .build(
            Start {
                config: ServiceConfig {
                    listen: "127.0.0.1:0".parse().expect("address"),
                    database: storage.database(role.section),
                    drain_seconds: 0,
                    settings: Default::default(),
                },
                tls: Some(tls.clone()),
                schema: Schema::Migrate,
                clock: Arc::new(SystemClock),
                sandbox: false,
                downstreams: Downstreams::default(),
            },
            &Config::default(),
        )
        .await
        .expect("builds");
    let url = format!("https://localhost:{}", built.local_addr().port());
    let shutdown = CancellationToken::new();
    let served = tokio::spawn(built.run(shutdown.clone()));

    // Our services' channels present their certificate: answered.
    let ours = connect(&url, Some(tls.client())).await.expect("connects");
    assert_eq!(health(ours).await.expect("answers"), ServingStatus::Serving);

    // Trusting our CA but presenting no certificate: refused.
    let anonymous = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(&ca.pem));
    let refused = match connect(&url, Some(anonymous)).await {
        Ok(channel) => health(channel).await.is_err(),
        Err(_) => true,
    };
    assert!(refused, "a caller without a certificate is refused");

    // A certificate from another CA: refused.
    let stranger = Authority::new("someone else");
    let (cert, key) = stranger.issue(&["intruder"]);
    let impostor = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(&ca.pem))
        .identity(Identity::from_pem(cert, key));
    let refused = match connect(&url, Some(impostor)).await {
        Ok(channel) => health(channel).await.is_err(),
        Err(_) => true,
    };
    assert!(refused, "a certificate of another CA is refused");

    // Plaintext: refused.
    let plain = format!("http://127.0.0.1:{}", url.rsplit(':').next().expect("port"));
    let refused = match connect(&plain, None).await {
        Ok(channel) => health(channel).await.is_err(),
        Err(_) => true,
    };
    assert!(refused, "plaintext is refused");

    shutdown.cancel();
    served.await.expect("joins").expect("stops");
    storage.discard().await.expect("removed");
    std::fs::remove_dir_all(&dir).expect("removed");
}
