//! Accepted connections that must keep talking: a connection that has not sent the 24 bytes of
//! the HTTP/2 connection preface within the handshake timeout is closed, and so is one from which
//! nothing at all arrives for longer than a live client ever stays silent (HTTP/2 keepalive pings
//! make every live client answer at least once per keepalive interval).
//!
//! hyper has no timeout of its own before the preface, so without this a peer could hold a
//! connection (and its file descriptor and buffers) for ever by connecting and saying nothing.

use std::{
    future::Future,
    io,
    pin::Pin,
    task::{Context, Poll, ready},
    time::Duration,
};

use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    time::{Instant, Sleep},
};
use tonic::transport::server::Connected;

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

/// An accepted connection with [`Deadlines`]. Reading fails with `TimedOut` once one has
/// passed, which makes the server close the connection.
pub struct Deadlined<IO> {
    io: IO,
    sleep: Pin<Box<Sleep>>,
    deadlines: Deadlines,
    received: usize,
    last_read: Instant,
}

impl<IO> Deadlined<IO> {
    pub fn new(io: IO, deadlines: Deadlines) -> Self {
        let now = Instant::now();
        Deadlined {
            io,
            sleep: Box::pin(tokio::time::sleep_until(now + deadlines.handshake)),
            deadlines,
            received: 0,
            last_read: now,
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
