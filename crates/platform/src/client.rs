//! Channels to downstream services: built once at boot and shared (a channel multiplexes calls
//! over one HTTP/2 connection), each call carrying the current trace context.

use std::time::Duration;

use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};

use crate::trace_context;

pub type TracedChannel = InterceptedService<Channel, TraceContextInterceptor>;

/// A lazily connecting channel: services may boot in any order; the first call connects.
pub fn channel(url: &str) -> anyhow::Result<TracedChannel> {
    let endpoint = Endpoint::from_shared(url.to_owned())?
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(30))
        .tcp_nodelay(true)
        .http2_keep_alive_interval(Duration::from_secs(30));
    Ok(InterceptedService::new(
        endpoint.connect_lazy(),
        TraceContextInterceptor,
    ))
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
