//! A loopback TCP proxy that can be switched off, to make a database "go away" for one store
//! without touching the shared server.
//!
//! [`TcpProxy::in_front_of`] starts one in front of a service URL and gives back the URL to
//! build the store with; [`crate::cut_and_restore`] then cuts it and checks the store's errors
//! and its recovery.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Forwards connections from its own loopback port to a target until switched down.
#[derive(Debug)]
pub struct TcpProxy {
    addr: SocketAddr,
    up: Arc<AtomicBool>,
    generation: watch::Sender<u64>,
    task: tokio::task::JoinHandle<()>,
}

impl TcpProxy {
    /// Starts forwarding `127.0.0.1:<free port>` to `target`.
    pub async fn start(target: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let up = Arc::new(AtomicBool::new(true));
        let (generation, _) = watch::channel(0u64);
        let (up2, gen2) = (Arc::clone(&up), generation.clone());
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    drop(client); // refused: the peer sees the connection close at once
                    continue;
                }
                let mut cut = gen2.subscribe();
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(target).await else {
                        return;
                    };
                    let (mut client, mut server) = (client, server);
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.changed() => {} // switched down: drop both ends
                    }
                });
            }
        });
        Ok(Self {
            addr,
            up,
            generation,
            task,
        })
    }

    /// Starts a proxy in front of the service at `url` (for example
    /// `postgres://user@db.local/app`) and returns it with the same URL pointing at the proxy
    /// instead: scheme, credentials, path and query are kept, only host and port change.
    ///
    /// `default_port` is the port the URL's scheme implies when it names none (5432 for
    /// PostgreSQL, 6379 for Redis). Fails when the URL cannot be parsed, names no host (a Unix
    /// socket, say), or its host does not resolve.
    pub async fn in_front_of(url: &str, default_port: u16) -> io::Result<(Self, String)> {
        // The messages leave the URL out: it may carry a password, and they end up in CI logs.
        let invalid = |why: String| io::Error::new(io::ErrorKind::InvalidInput, why);
        let mut parsed = url::Url::parse(url)
            .map_err(|e| invalid(format!("the service URL is not valid: {e}")))?;
        let host = parsed
            .host_str()
            .ok_or_else(|| invalid("the service URL names no host".to_owned()))?;
        // `host_str` keeps the brackets of an IPv6 literal, which the resolver does not take.
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let port = parsed.port().unwrap_or(default_port);
        let target = tokio::net::lookup_host((host.as_str(), port))
            .await?
            .next()
            .ok_or_else(|| invalid(format!("{host} resolves to no address")))?;
        let proxy = Self::start(target).await?;
        let addr = proxy.addr();
        parsed
            .set_host(Some(&addr.ip().to_string()))
            .map_err(|e| invalid(format!("cannot point the service URL at the proxy: {e}")))?;
        parsed
            .set_port(Some(addr.port()))
            .map_err(|()| invalid("the service URL cannot take a port".to_owned()))?;
        Ok((proxy, parsed.into()))
    }

    /// The address to connect to instead of the target.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Cuts every open connection and refuses new ones until [`Self::up`].
    pub fn down(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.generation.send_modify(|g| *g += 1);
    }

    /// Accepts connections again.
    pub fn up(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}
