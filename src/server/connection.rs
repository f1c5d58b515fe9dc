//! Accepted connections that must keep talking: a connection that has not sent the 24 bytes of
//! the HTTP/2 connection preface within the handshake timeout is closed, and so is one from which
//! nothing at all arrives for longer than a live client ever stays silent (HTTP/2 keepalive pings
//! make every live client answer at least once per keepalive interval).
//!
//! hyper has no timeout of its own before the preface, so without this a peer could hold a
//! connection (and its file descriptor and buffers) for ever by connecting and saying nothing.
//!
//! Each connection also has a budget of refused streams ([`Refusals`]): a call the edge refuses
//! (no or a bad credential, a request that never came, a limit reached, an unknown method)
//! spends one, and a connection that has spent its budget is not read from until it has earned
//! one back. Every stream costs the server its HTTP/2 bookkeeping, a task, its layers and its
//! answer whatever the answer is, so without this a few connections that open streams only to
//! have them refused (or to never finish them) can keep the server's CPU busy and starve every
//! other caller; with it, such a connection makes the server do at most a refused stream's work
//! per [`REFUSALS_EARNED_PER_SECOND`]th of a second. A client whose calls succeed never waits.

use std::{
    collections::HashMap,
    future::Future,
    io,
    net::SocketAddr,
    pin::Pin,
    sync::{Arc, Mutex},
    task::{Context, Poll, ready},
    time::Duration,
};

use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    time::{Instant, Sleep},
};
use tonic::transport::server::{Connected, TcpConnectInfo, TlsConnectInfo};

/// Length of the HTTP/2 client connection preface (`PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`).
const PREFACE_BYTES: usize = 24;

/// How long a connection may stay silent.
#[derive(Debug, Clone, Copy)]
pub struct Deadlines {
    /// From accept to the end of the preface (or, under TLS, of the first 24 bytes).
    pub handshake: Duration,
    /// Between any two reads once the preface is in.
    pub idle: Duration,
}

/// Refused streams a connection may have before it is slowed down: as many as it may have open
/// at once, so that a client whose whole window of calls is refused once (a token that just
/// expired) is not slowed.
pub const REFUSALS_AT_ONCE: f64 = 100.0;

/// Refused streams a connection earns back per second once it has spent [`REFUSALS_AT_ONCE`].
pub const REFUSALS_EARNED_PER_SECOND: f64 = 5.0;

/// One connection's budget of refused streams: a token bucket of [`REFUSALS_AT_ONCE`] tokens
/// filled at [`REFUSALS_EARNED_PER_SECOND`]. A refusal spends a token, down to a debt of a full
/// bucket (so that a connection is never paused for more than `REFUSALS_AT_ONCE /
/// REFUSALS_EARNED_PER_SECOND` seconds at a time).
#[derive(Debug)]
pub struct Refusals {
    bucket: Mutex<(f64, Instant)>,
}

impl Refusals {
    fn new() -> Self {
        Refusals {
            bucket: Mutex::new((REFUSALS_AT_ONCE, Instant::now())),
        }
    }

    /// The tokens now, after what was earned since the last look.
    fn refill(bucket: &mut (f64, Instant), now: Instant) -> f64 {
        let earned =
            now.saturating_duration_since(bucket.1).as_secs_f64() * REFUSALS_EARNED_PER_SECOND;
        bucket.0 = (bucket.0 + earned).min(REFUSALS_AT_ONCE);
        bucket.1 = now;
        bucket.0
    }

    /// A stream of the connection was refused.
    pub fn spend(&self) {
        let mut bucket = self.bucket.lock().unwrap_or_else(|e| e.into_inner());
        let tokens = Self::refill(&mut bucket, Instant::now());
        bucket.0 = (tokens - 1.0).max(-REFUSALS_AT_ONCE);
    }

    /// When the connection may be read from again, if it is in debt.
    fn paused_until(&self) -> Option<Instant> {
        let mut bucket = self.bucket.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let tokens = Self::refill(&mut bucket, now);
        (tokens < 0.0).then(|| now + Duration::from_secs_f64(-tokens / REFUSALS_EARNED_PER_SECOND))
    }
}

/// The [`Refusals`] of every open connection, by its local and remote address, so that the
/// layer that sees a call's answer finds the budget of the connection it came on.
#[derive(Debug, Clone, Default)]
pub struct Connections {
    open: Arc<Mutex<HashMap<Ends, Arc<Refusals>>>>,
}

/// A connection's local and remote addresses.
type Ends = (SocketAddr, SocketAddr);

impl Connections {
    /// A new connection's budget, forgotten when the returned guard is dropped.
    fn open(&self, key: Option<Ends>) -> Registered {
        let refusals = Arc::new(Refusals::new());
        if let Some(key) = key {
            self.open
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(key, refusals.clone());
        }
        Registered {
            refusals,
            key,
            connections: self.clone(),
        }
    }

    /// The budget of the connection a request came on (plain TCP or TLS).
    pub fn of<B>(&self, request: &http::Request<B>) -> Option<Arc<Refusals>> {
        let extensions = request.extensions();
        let tcp = extensions.get::<TcpConnectInfo>().or_else(|| {
            extensions
                .get::<TlsConnectInfo<TcpConnectInfo>>()
                .map(|i| i.get_ref())
        })?;
        let key = (tcp.local_addr()?, tcp.remote_addr()?);
        self.open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .cloned()
    }
}

/// A connection's place in [`Connections`].
struct Registered {
    refusals: Arc<Refusals>,
    key: Option<Ends>,
    connections: Connections,
}

impl Drop for Registered {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            let mut open = self
                .connections
                .open
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if open
                .get(&key)
                .is_some_and(|r| Arc::ptr_eq(r, &self.refusals))
            {
                open.remove(&key);
            }
        }
    }
}

/// An accepted connection with [`Deadlines`] and a budget of [`Refusals`]. Reading fails with
/// `TimedOut` once a deadline has passed, which makes the server close the connection; reading
/// waits while the connection is in debt of refusals.
pub struct Deadlined<IO> {
    io: IO,
    sleep: Pin<Box<Sleep>>,
    deadlines: Deadlines,
    received: usize,
    last_read: Instant,
    registered: Registered,
    pause: Option<Pin<Box<Sleep>>>,
}

impl Deadlined<tokio::net::TcpStream> {
    pub fn new(io: tokio::net::TcpStream, deadlines: Deadlines, connections: &Connections) -> Self {
        let key = io.local_addr().ok().zip(io.peer_addr().ok());
        let now = Instant::now();
        Deadlined {
            io,
            sleep: Box::pin(tokio::time::sleep_until(now + deadlines.handshake)),
            deadlines,
            received: 0,
            last_read: now,
            registered: connections.open(key),
            pause: None,
        }
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for Deadlined<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        // In debt of refusals: nothing more is read (no new stream is seen) until it is paid.
        loop {
            if let Some(pause) = this.pause.as_mut() {
                ready!(pause.as_mut().poll(cx));
                this.pause = None;
                // Time spent not reading is not the client's silence.
                this.last_read = this.last_read.max(Instant::now());
            }
            match this.registered.refusals.paused_until() {
                Some(until) => this.pause = Some(Box::pin(tokio::time::sleep_until(until))),
                None => break,
            }
        }
        let before = buf.filled().len();
        if let Poll::Ready(result) = Pin::new(&mut this.io).poll_read(cx, buf) {
            let read = buf.filled().len() - before;
            if read > 0 {
                this.received = this.received.saturating_add(read);
                this.last_read = Instant::now();
            }
            return Poll::Ready(result);
        }
        loop {
            // The deadline is moved lazily, when the timer fires, rather than on every read.
            let deadline = if this.received < PREFACE_BYTES {
                this.sleep.deadline()
            } else {
                this.last_read + this.deadlines.idle
            };
            if deadline > this.sleep.deadline() {
                this.sleep.as_mut().reset(deadline);
            }
            ready!(this.sleep.as_mut().poll(cx));
            if Instant::now() >= deadline {
                let what = if this.received < PREFACE_BYTES {
                    "no HTTP/2 preface within the handshake timeout"
                } else {
                    "nothing received within the idle timeout"
                };
                return Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, what)));
            }
        }
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Deadlined<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

impl<IO: Connected> Connected for Deadlined<IO> {
    type ConnectInfo = IO::ConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.io.connect_info()
    }
}

/// Spends a connection's [`Refusals`] for every call the edge refuses: an answer without a
/// body (a refusal never has one) whose status is one the edge gives before any handler ran.
/// Also hands the budget to the layers inside, in the request's extensions, for refusals they
/// make later (a streamed request that stops coming).
#[derive(Debug, Clone)]
pub struct RefusalLayer {
    connections: Connections,
}

impl RefusalLayer {
    pub fn new(connections: Connections) -> Self {
        RefusalLayer { connections }
    }
}

impl<S> tower::Layer<S> for RefusalLayer {
    type Service = Refusing<S>;

    fn layer(&self, inner: S) -> Refusing<S> {
        Refusing {
            inner,
            connections: self.connections.clone(),
        }
    }
}

/// See [`RefusalLayer`].
#[derive(Debug, Clone)]
pub struct Refusing<S> {
    inner: S,
    connections: Connections,
}

/// Whether an answer is a refusal at the edge, which a well-behaved client rarely gets.
fn refused(headers: &http::HeaderMap) -> bool {
    use tonic::Code;
    headers.get("grpc-status").is_some_and(|code| {
        matches!(
            Code::from_bytes(code.as_bytes()),
            Code::Unauthenticated
                | Code::DeadlineExceeded
                | Code::ResourceExhausted
                | Code::Unimplemented
        )
    })
}

impl<S, ReqBody, ResBody> tower::Service<http::Request<ReqBody>> for Refusing<S>
where
    S: tower::Service<http::Request<ReqBody>, Response = http::Response<ResBody>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    ReqBody: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = futures::future::BoxFuture<'static, Result<S::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<ReqBody>) -> Self::Future {
        use futures::FutureExt;
        let refusals = self.connections.of(&request);
        if let Some(refusals) = &refusals {
            request.extensions_mut().insert(refusals.clone());
        }
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        async move {
            let response = inner.call(request).await?;
            if let Some(refusals) = refusals
                && refused(response.headers())
            {
                refusals.spend();
            }
            Ok(response)
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_connection_is_paused_only_once_its_refusals_are_spent() {
        let refusals = Refusals::new();
        for _ in 0..REFUSALS_AT_ONCE as usize {
            refusals.spend();
        }
        assert_eq!(refusals.paused_until(), None, "a full bucket may be spent");
        refusals.spend();
        refusals.spend();
        let until = refusals.paused_until().expect("in debt of two");
        let pause = until - Instant::now();
        let expected = Duration::from_secs_f64(2.0 / REFUSALS_EARNED_PER_SECOND);
        assert!(
            pause <= expected && pause > expected - Duration::from_millis(100),
            "{pause:?}"
        );
        tokio::time::sleep_until(until + Duration::from_millis(20)).await;
        assert_eq!(refusals.paused_until(), None, "paid back");
        // The debt is bounded: a flood of refusals pauses for at most a full bucket's time.
        for _ in 0..100_000 {
            refusals.spend();
        }
        let longest = Duration::from_secs_f64(REFUSALS_AT_ONCE / REFUSALS_EARNED_PER_SECOND);
        assert!(refusals.paused_until().unwrap() - Instant::now() <= longest);
    }

    #[test]
    fn only_edge_refusals_are_spent() {
        let answer = |code: tonic::Code| {
            let mut headers = http::HeaderMap::new();
            tonic::Status::new(code, "x")
                .add_header(&mut headers)
                .unwrap();
            refused(&headers)
        };
        assert!(answer(tonic::Code::Unauthenticated));
        assert!(answer(tonic::Code::DeadlineExceeded));
        assert!(answer(tonic::Code::ResourceExhausted));
        assert!(!answer(tonic::Code::NotFound));
        assert!(!answer(tonic::Code::InvalidArgument));
        assert!(!refused(&http::HeaderMap::new()), "a streamed answer");
    }
}
