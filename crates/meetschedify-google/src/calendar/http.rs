//! The one HTTP client every Calendar call shares.

use std::time::Duration;

use google_calendar3::common;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use meetschedify_core::{Error, ErrorCode, Result};

use super::limit::{LimitedConnector, Refusals};

/// The connector: rustls with ring and Mozilla's roots, HTTP/1.1, plain http allowed (the
/// endpoint checks only let it through on loopback, for the emulator), and a size limit on
/// each answer.
pub(crate) type Connector = LimitedConnector<HttpsConnector<HttpConnector>>;

/// The client type the generated hub runs on.
pub(crate) type HttpClient = common::Client<Connector>;

/// Builds the shared client.
///
/// The connector is built here rather than by the bindings' defaults because (1) their
/// hyper-rustls is compiled for HTTP/2 only, and a plain-http call without `http1` panics, and
/// (2) naming the ring provider explicitly keeps working even if some other crate in the
/// application enables aws-lc-rs (rustls then has no single process default). It speaks
/// HTTP/1.1 only: the size limit counts what a connection reads between two requests, which is
/// one answer over HTTP/1.1 but a mix of interleaved answers over HTTP/2; Google serves both,
/// and one event per request gains nothing from multiplexing.
pub(crate) fn http_client(max_response_bytes: usize, refusals: Refusals) -> Result<HttpClient> {
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
        .map_err(|e| {
            Error::new(ErrorCode::InvalidConfig, format!("tls setup failed: {e}")).with_source(e)
        })?
        .https_or_http()
        .enable_http1()
        .build();
    let connector = LimitedConnector::new(connector, max_response_bytes, refusals);
    Ok(
        hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            // Google closes idle connections after about 4 minutes; stay well below.
            .pool_idle_timeout(Duration::from_secs(90))
            .build(connector),
    )
}
