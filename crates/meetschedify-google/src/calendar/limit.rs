//! A size limit on Calendar answers, below the generated bindings.
//!
//! `google-calendar3` reads each answer whole before handing it over, so the limit sits in the
//! connection: [`LimitedConnector`] wraps every connection it makes, and a connection refuses
//! to read more than the limit since the client last wrote to it. Over HTTP/1.1 (the only
//! protocol the Calendar client speaks, see `http.rs`) a client writes a request and then
//! reads its whole answer, so "read since the last write" is one answer, headers included.
//! Beyond the limit the read fails with [`ResponseTooLarge`]. The bindings drop a body read
//! error and decode an empty body instead, so the connector also counts its refusals
//! ([`Refusals`]): a call that fails while the count moved is reported as over the limit, a
//! non-retryable `PROVIDER_ERROR` naming it.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use hyper::rt::{Read, ReadBuf, ReadBufCursor, Write};
use hyper::Uri;
use hyper_util::client::legacy::connect::{Connected, Connection};

/// The default limit on one Calendar answer: an event with 300 attendees and a long
/// description is tens of kilobytes; 4 MiB leaves room for anything Google sends for one event
/// and stops a hostile or broken endpoint long before memory is at risk.
pub(crate) const DEFAULT_MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// Why a read was refused: the answer is larger than the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ResponseTooLarge {
    /// The limit, in bytes.
    pub(crate) limit: usize,
}

impl fmt::Display for ResponseTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "google calendar answered with more than {} bytes",
            self.limit
        )
    }
}

impl std::error::Error for ResponseTooLarge {}

/// How many answers a connector's connections refused for their size.
#[derive(Debug, Clone, Default)]
pub(crate) struct Refusals(Arc<AtomicU64>);

impl Refusals {
    /// The count so far.
    pub(crate) fn count(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }

    fn add(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Wraps a connector so each of its connections reads at most `limit` bytes per answer.
#[derive(Debug, Clone)]
pub(crate) struct LimitedConnector<C> {
    inner: C,
    limit: usize,
    refusals: Refusals,
}

impl<C> LimitedConnector<C> {
    /// `inner`'s connections, each limited to `limit` bytes per answer, counting refusals in
    /// `refusals`.
    pub(crate) fn new(inner: C, limit: usize, refusals: Refusals) -> Self {
        Self {
            inner,
            limit,
            refusals,
        }
    }
}

impl<C> tower_service::Service<Uri> for LimitedConnector<C>
where
    C: tower_service::Service<Uri>,
    C::Future: Unpin,
{
    type Response = LimitedIo<C::Response>;
    type Error = C::Error;
    type Future = Connecting<C::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        Connecting {
            inner: self.inner.call(dst),
            limit: self.limit,
            refusals: self.refusals.clone(),
        }
    }
}

/// A connection being made by a [`LimitedConnector`].
#[derive(Debug)]
pub(crate) struct Connecting<F> {
    inner: F,
    limit: usize,
    refusals: Refusals,
}

impl<F, T, E> Future for Connecting<F>
where
    F: Future<Output = Result<T, E>> + Unpin,
{
    type Output = Result<LimitedIo<T>, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let (limit, refusals) = (self.limit, self.refusals.clone());
        Pin::new(&mut self.inner).poll(cx).map_ok(|io| LimitedIo {
            inner: io,
            limit,
            read_since_write: 0,
            refusals,
            staging: Vec::new(),
        })
    }
}

/// A connection that refuses to read more than its limit since the last write.
#[derive(Debug)]
pub(crate) struct LimitedIo<T> {
    inner: T,
    limit: usize,
    read_since_write: usize,
    refusals: Refusals,
    /// Where a read lands before it is copied into hyper's buffer: zeroed once, when the
    /// connection first reads, and reused. A fresh zeroed array per read cost more than the
    /// rest of the read (16 KiB of `memset` for every poll, `Pending` ones included).
    staging: Vec<u8>,
}

/// How much one read asks of the connection at most; the bytes are copied once more into
/// hyper's buffer, so the copy stays small.
const CHUNK: usize = 16 * 1024;

impl<T: Read + Unpin> Read for LimitedIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        if self.read_since_write > self.limit {
            return Poll::Ready(Err(io::Error::other(ResponseTooLarge {
                limit: self.limit,
            })));
        }
        // Read into a buffer of our own first: hyper's cursor only says how much it can take,
        // not how much a read put in, without unsafe code.
        let this = &mut *self;
        if this.staging.is_empty() {
            this.staging = vec![0; CHUNK];
        }
        let want = buf.remaining().min(CHUNK);
        let mut staged = ReadBuf::new(&mut this.staging[..want]);
        match Pin::new(&mut this.inner).poll_read(cx, staged.unfilled()) {
            Poll::Ready(Ok(())) => {
                let filled = staged.filled();
                this.read_since_write = this.read_since_write.saturating_add(filled.len());
                if this.read_since_write > this.limit {
                    this.refusals.add();
                    return Poll::Ready(Err(io::Error::other(ResponseTooLarge {
                        limit: this.limit,
                    })));
                }
                buf.put_slice(filled);
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}

impl<T: Write + Unpin> Write for LimitedIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.inner).poll_write(cx, data);
        if let Poll::Ready(Ok(n)) = written {
            if n > 0 {
                // A new request: its answer starts afresh.
                self.read_since_write = 0;
            }
        }
        written
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = written {
            if n > 0 {
                self.read_since_write = 0;
            }
        }
        written
    }
}

impl<T: Connection> Connection for LimitedIo<T> {
    fn connected(&self) -> Connected {
        self.inner.connected()
    }
}

/// Whether `err`, or any error it was caused by, is a [`ResponseTooLarge`].
pub(crate) fn too_large(err: &(dyn std::error::Error + 'static)) -> Option<ResponseTooLarge> {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(t) = e.downcast_ref::<ResponseTooLarge>() {
            return Some(*t);
        }
        if let Some(io) = e.downcast_ref::<io::Error>() {
            if let Some(t) = io
                .get_ref()
                .and_then(|i| i.downcast_ref::<ResponseTooLarge>())
            {
                return Some(*t);
            }
        }
        current = e.source();
    }
    None
}
