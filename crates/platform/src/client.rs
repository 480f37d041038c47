//! Downstream services as seen by their callers. A [`Downstream`] is built once at boot and
//! shared (clones share it); every call carries the current trace context. It is either a
//! network channel (one HTTP/2 connection multiplexing every call) or, for measuring what the
//! network hops cost, the service's own routes called in memory.

use std::convert::Infallible;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tonic::body::Body;
use tonic::service::Interceptor;
use tonic::service::Routes;
use tonic::service::interceptor::{InterceptedService, ResponseBody};
use tonic::transport::Endpoint;
use tower::util::BoxCloneSyncService;
use tower::{BoxError, ServiceBuilder, ServiceExt as _};

use crate::tls::Tls;
use crate::trace_context;

pub type Downstream =
    BoxCloneSyncService<http::Request<Body>, http::Response<Body>, TransportError>;

/// Why a call never got an answer (connection refused, reset, timed out).
// A concrete type rather than `BoxError`: handlers built on a boxed `dyn Error` trip rustc's
// higher-ranked lifetime inference ("implementation of `From` is not general enough").
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct TransportError(BoxError);

/// HTTP/2 flow-control windows of every channel and server. h2's default 64 KiB stalls
/// concurrent messages of a few dozen KiB each (a 1 000-number check) on one connection until
/// the next WINDOW_UPDATE.
pub(crate) const CONNECTION_WINDOW: u32 = 8 * 1024 * 1024;
pub(crate) const STREAM_WINDOW: u32 = 2 * 1024 * 1024;

/// A lazily connecting plaintext channel: services may boot in any order; the first call
/// connects.
pub fn channel(url: &str) -> anyhow::Result<Downstream> {
    channel_with(url, None)
}

/// A lazily connecting channel, presenting this service's certificate when `tls` is given
/// (`https://` URLs).
pub fn channel_with(url: &str, tls: Option<&Tls>) -> anyhow::Result<Downstream> {
    let mut endpoint = Endpoint::from_shared(url.to_owned())?;
    if let Some(tls) = tls {
        endpoint = endpoint.tls_config(tls.client())?;
    }
    let endpoint = endpoint
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(30))
        .tcp_nodelay(true)
        .http2_keep_alive_interval(Duration::from_secs(30))
        .initial_connection_window_size(CONNECTION_WINDOW)
        .initial_stream_window_size(STREAM_WINDOW);
    let traced = InterceptedService::new(endpoint.connect_lazy(), TraceContextInterceptor);
    Ok(Downstream::new(
        ServiceBuilder::new()
            .map_err(|error: tonic::transport::Error| TransportError(error.into()))
            .map_response(|response: http::Response<ResponseBody<Body>>| response.map(Body::new))
            .service(traced),
    ))
}

/// The service's routes, called in this process: the same handlers and protobuf encoding, without
/// the network and without the server's own layers (its call span and timeout).
pub fn in_process(routes: Routes) -> Downstream {
    let traced =
        InterceptedService::new(routes.prepare().into_axum_router(), TraceContextInterceptor);
    Downstream::new(
        ServiceBuilder::new()
            .map_err(|never: Infallible| -> TransportError { match never {} })
            .map_response(|response: http::Response<ResponseBody<axum::body::Body>>| {
                response.map(Body::new)
            })
            .service(traced),
    )
}

/// The sending end of a [`deferred`] downstream: where its calls go, once that service exists.
#[derive(Clone)]
pub struct DeferredTarget(Arc<OnceLock<Downstream>>);

impl DeferredTarget {
    /// Points the deferred downstream at `target`; a second call changes nothing.
    pub fn set(&self, target: Downstream) {
        let _ = self.0.set(target);
    }
}

/// A downstream whose service is built after its caller (an event sink later in `up`'s order,
/// such as a relay's destination that itself calls the relay's service): calls before
/// [`DeferredTarget::set`] fail as a connection would, and relays retry them.
pub fn deferred() -> (Downstream, DeferredTarget) {
    let target = Arc::new(OnceLock::<Downstream>::new());
    let calls = target.clone();
    let service = tower::service_fn(move |request: http::Request<Body>| {
        let target = calls.get().cloned();
        async move {
            match target {
                Some(target) => target.oneshot(request).await,
                None => Err(TransportError("the service is not started yet".into())),
            }
        }
    });
    (Downstream::new(service), DeferredTarget(target))
}

#[derive(Debug, Clone, Copy)]
pub struct TraceContextInterceptor;

impl Interceptor for TraceContextInterceptor {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        trace_context::inject_current(request.metadata_mut());
        Ok(request)
    }
}
