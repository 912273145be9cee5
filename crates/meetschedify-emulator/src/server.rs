//! The accept loop: hyper connections serving the axum router, with a per-connection hook that lets a
//! fault drop the connection (TCP reset) instead of answering.
//!
//! `axum::serve` cannot do that: a handler there can only return a response. Owning the loop also
//! gives graceful shutdown when the handle is dropped.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;
use tower::ServiceExt as _;

/// How long in-flight requests get to finish after shutdown starts.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(2);

/// Lets a request drop its own connection.
#[derive(Clone, Debug, Default)]
pub(crate) struct ConnAbort(Arc<Notify>);

impl ConnAbort {
    pub(crate) fn trigger(&self) {
        // `notify_one` stores a permit, so the trigger is not lost if the task is not waiting yet.
        self.0.notify_one();
    }
}

/// Serves until `shutdown` flips (or its sender is dropped).
pub(crate) async fn serve(listener: TcpListener, app: Router, mut shutdown: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(connection(stream, app.clone(), shutdown.clone()));
                }
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        connections.abort_all();
    }
}

async fn connection(stream: TcpStream, app: Router, mut shutdown: watch::Receiver<bool>) {
    let _ = stream.set_nodelay(true);
    let reset_handle = reset_handle(&stream);
    let abort = ConnAbort::default();
    let aborted = abort.0.clone();
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(abort.clone());
        app.clone().oneshot(request)
    });
    let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let mut draining = false;
    loop {
        tokio::select! {
            _ = conn.as_mut() => return,
            () = aborted.notified() => {
                // Linger 0 turns the close into a reset, which is what a client sees when a
                // load balancer or the server process dies mid-request.
                if let Some(handle) = &reset_handle {
                    set_reset_on_close(handle);
                }
                return;
            }
            _ = shutdown.changed(), if !draining => {
                draining = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

#[cfg(unix)]
type ResetHandle = std::os::fd::OwnedFd;
#[cfg(not(unix))]
type ResetHandle = ();

/// A duplicate of the socket's descriptor, to set `SO_LINGER` on it later (options belong to the
/// socket, not the descriptor).
#[cfg(unix)]
fn reset_handle(stream: &TcpStream) -> Option<ResetHandle> {
    use std::os::fd::AsFd as _;
    stream.as_fd().try_clone_to_owned().ok()
}

#[cfg(not(unix))]
fn reset_handle(_stream: &TcpStream) -> Option<ResetHandle> {
    None
}

#[cfg(unix)]
fn set_reset_on_close(handle: &ResetHandle) {
    let _ = socket2::SockRef::from(handle).set_linger(Some(Duration::ZERO));
}

#[cfg(not(unix))]
fn set_reset_on_close(_handle: &ResetHandle) {}
