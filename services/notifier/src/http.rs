//! The HTTP side of a webhook attempt: one POST with a 2 s answer deadline, no redirects
//! followed, and, outside the sandbox, no loopback, link-local or private target — checked after
//! DNS resolution (in the resolver) and for literal addresses before connecting.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};

use crate::domain::{AttemptError, is_public, judge};

#[derive(Clone)]
pub struct WebhookClient {
    client: reqwest::Client,
    public_only: bool,
}

/// What one POST got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub http_status: Option<u16>,
    pub outcome: Result<(), AttemptError>,
}

impl WebhookClient {
    pub fn new(timeout: Duration, public_only: bool) -> anyhow::Result<Self> {
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("textport-webhooks/1")
            .pool_max_idle_per_host(64)
            .tcp_nodelay(true);
        if public_only {
            builder = builder.dns_resolver(Arc::new(PublicOnly));
        }
        Ok(Self {
            client: builder.build()?,
            public_only,
        })
    }

    pub async fn post(&self, url: &str, signature: &str, timestamp: i64, body: Vec<u8>) -> Answer {
        let Ok(parsed) = reqwest::Url::parse(url) else {
            return refused(AttemptError::InvalidUrl);
        };
        if self.public_only && literal_ip(&parsed).is_some_and(|ip| !is_public(ip)) {
            return refused(AttemptError::BlockedAddress);
        }
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        match (
            HeaderValue::from_str(signature),
            HeaderValue::from_str(&timestamp.to_string()),
        ) {
            (Ok(signature), Ok(timestamp)) => {
                headers.insert("telnyx-signature-ed25519", signature);
                headers.insert("telnyx-timestamp", timestamp);
            }
            _ => return refused(AttemptError::InvalidUrl),
        }
        match self
            .client
            .post(parsed)
            .headers(headers)
            .body(body)
            .send()
            .await
        {
            Ok(response) => {
                let status = response.status().as_u16();
                Answer {
                    http_status: Some(status),
                    outcome: judge(Some(status)),
                }
            }
            Err(error) => refused(classify(&error)),
        }
    }
}

fn refused(error: AttemptError) -> Answer {
    Answer {
        http_status: None,
        outcome: Err(error),
    }
}

fn literal_ip(url: &reqwest::Url) -> Option<IpAddr> {
    match url.host()? {
        url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        url::Host::Domain(_) => None,
    }
}

fn classify(error: &reqwest::Error) -> AttemptError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if cause.downcast_ref::<BlockedAddress>().is_some() {
            return AttemptError::BlockedAddress;
        }
        source = cause.source();
    }
    if error.is_timeout() {
        AttemptError::Timeout
    } else if error.is_builder() {
        AttemptError::InvalidUrl
    } else {
        AttemptError::Connection
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0} resolves only to loopback, link-local or private addresses")]
struct BlockedAddress(String);

/// The system resolver, keeping only public addresses.
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let resolved = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let public: Vec<SocketAddr> = resolved.filter(|addr| is_public(addr.ip())).collect();
            if public.is_empty() {
                return Err(
                    Box::new(BlockedAddress(host)) as Box<dyn std::error::Error + Send + Sync>
                );
            }
            let addrs: Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn post(client: &WebhookClient, url: &str) -> Answer {
        client
            .post(url, "c2ln", 1_700_000_000, b"{}".to_vec())
            .await
    }

    #[tokio::test]
    async fn outside_the_sandbox_local_targets_are_refused_before_and_after_resolution() {
        let guarded = WebhookClient::new(Duration::from_secs(2), true).expect("client");
        for url in [
            "http://127.0.0.1:9/hook",
            "http://[::1]:9/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://localhost:9/hook",
        ] {
            let answer = post(&guarded, url).await;
            assert_eq!(answer.outcome, Err(AttemptError::BlockedAddress), "{url}");
            assert_eq!(answer.http_status, None);
        }
        assert_eq!(
            post(&guarded, "not a url").await.outcome,
            Err(AttemptError::InvalidUrl)
        );
    }

    #[tokio::test]
    async fn a_receiver_that_does_not_answer_in_time_is_a_timeout() {
        let client = WebhookClient::new(Duration::from_millis(200), false).expect("client");
        // Accepts the connection and never answers.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binds");
        let addr = listener.local_addr().expect("address");
        let silent = tokio::spawn(async move {
            let (_socket, _) = listener.accept().await.expect("accepts");
            std::future::pending::<()>().await;
        });
        let answer = post(&client, &format!("http://{addr}/hook")).await;
        assert_eq!(answer.outcome, Err(AttemptError::Timeout));
        assert_eq!(answer.http_status, None);
        silent.abort();
    }

    #[tokio::test]
    async fn with_private_targets_allowed_a_closed_port_is_a_connection_failure() {
        let open = WebhookClient::new(Duration::from_secs(2), false).expect("client");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
        let addr = listener.local_addr().expect("address");
        drop(listener);
        let answer = post(&open, &format!("http://{addr}/hook")).await;
        assert_eq!(answer.outcome, Err(AttemptError::Connection));
    }
}
