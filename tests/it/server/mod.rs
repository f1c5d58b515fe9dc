//! The server itself, whatever the resource: health, reflection and limits, credentials, TLS,
//! sockets, metrics, traces, and the README's commands run as written.

mod auth;
mod foundation;
mod metrics;
mod readme;
mod sockets;
mod tls;
mod traces;
