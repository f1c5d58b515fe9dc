//! Every TCP socket the service owns has Nagle's algorithm off: the accepted gRPC connections
//! (plaintext and TLS), the health and metrics ports, the database connections, and the client
//! commands' connection. With Nagle on, a message written in more than one piece waits for the
//! peer's delayed acknowledgement, about 40 ms a call.
//!
//! The server runs in the test's process, so its sockets are this process's file descriptors:
//! the test reads TCP_NODELAY back from each of them, on the side the service owns.

use std::{net::SocketAddr, os::fd::BorrowedFd};

use scpf_reports::{
    cli::client::{ClientArgs, connect as client_connect},
    pb::{self, organization_service_client::OrganizationServiceClient},
};
use socket2::SockRef;
use sqlx::PgPool;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tonic::transport::Channel;

use super::{
    auth::ADMIN,
    tls::{connect as tls_connect, tls_settings},
};
use crate::support::{TestServer, test_settings};

/// One connected TCP socket of this process, as its file descriptor sees it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Tcp {
    local: SocketAddr,
    peer: SocketAddr,
    nodelay: bool,
}

/// The connected TCP sockets this process holds right now.
fn tcp_sockets() -> Vec<Tcp> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc/self/fd").expect("Linux exposes /proc/self/fd") {
        let Ok(entry) = entry else { continue };
        let Some(fd) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        let is_socket = std::fs::read_link(entry.path())
            .is_ok_and(|target| target.to_string_lossy().starts_with("socket:"));
        if !is_socket {
            continue;
        }
        // SAFETY: the descriptor is only asked for its addresses and one option, system calls
        // that change nothing; if another thread closed it meanwhile they fail with EBADF, and
        // if the number was reused the answer is about that other socket, which the callers
        // filter out by address.
        let fd = unsafe { BorrowedFd::borrow_raw(fd) };
        let socket = SockRef::from(&fd);
        let (Ok(local), Ok(peer), Ok(nodelay)) = (
            socket.local_addr(),
            socket.peer_addr(),
            socket.tcp_nodelay(),
        ) else {
            continue;
        };
        if let (Some(local), Some(peer)) = (local.as_socket(), peer.as_socket()) {
            found.push(Tcp {
                local,
                peer,
                nodelay,
            });
        }
    }
    found.sort();
    found
}

/// The sockets whose local port is `port`: the accepted side of a listener.
fn accepted_on(sockets: &[Tcp], port: u16) -> Vec<Tcp> {
    sockets
        .iter()
        .filter(|s| s.local.port() == port)
        .cloned()
        .collect()
}

/// The sockets connected to `port` from another port: the connecting side.
fn connected_to(sockets: &[Tcp], port: u16) -> Vec<Tcp> {
    sockets
        .iter()
        .filter(|s| s.peer.port() == port && s.local.port() != port)
        .cloned()
        .collect()
}

#[track_caller]
fn assert_all_nodelay(what: &str, sockets: &[Tcp]) {
    assert!(!sockets.is_empty(), "no {what} socket found");
    let nagle: Vec<&Tcp> = sockets.iter().filter(|s| !s.nodelay).collect();
    assert!(nagle.is_empty(), "{what} sockets with Nagle on: {nagle:?}");
}

/// Opens a keep-alive HTTP/1.1 connection to the metrics port and reads one scrape's headers;
/// the connection stays open for as long as the stream lives.
async fn scrape_and_hold(addr: SocketAddr) -> tokio::net::TcpStream {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: metrics\r\n\r\n")
        .await
        .unwrap();
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
    stream
}

async fn list(channel: Channel) {
    let mut request = tonic::Request::new(pb::ListOrganizationsRequest::default());
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {ADMIN}").parse().unwrap());
    OrganizationServiceClient::new(channel)
        .list_organizations(request)
        .await
        .expect("a listing answers");
}

async fn health_check(addr: SocketAddr) -> Channel {
    let channel = Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    tonic_health::pb::health_client::HealthClient::new(channel.clone())
        .check(tonic_health::pb::HealthCheckRequest::default())
        .await
        .expect("the health port answers");
    channel
}

#[sqlx::test(migrations = false)]
async fn every_socket_the_service_owns_has_nagle_off(pool: PgPool) {
    let database_port = pool.connect_options().get_port();
    let over_tcp = pool.connect_options().get_socket().is_none();

    // A plaintext server with a health port, and a TLS server.
    let mut settings = test_settings();
    settings.tls.health_listen = Some("127.0.0.1:0".parse().unwrap());
    let plain = TestServer::start_configured(pool.clone(), settings).await;
    let files = tls_settings(false, "");
    let secure = TestServer::start_configured(pool.clone(), files.settings.clone()).await;

    // The client commands' connection, as `report`, `import` and `seed` make it.
    let command = client_connect(&ClientArgs {
        server: format!("http://{}", plain.addr),
        token_file: None,
        ca_file: None,
        cert_file: None,
        key_file: None,
        call_timeout: std::time::Duration::from_secs(30),
    })
    .await
    .unwrap();
    OrganizationServiceClient::new(command.clone())
        .list_organizations(pb::ListOrganizationsRequest::default())
        .await
        .expect("the command's connection answers");

    let tls_channel = tls_connect(secure.addr, &files.ca.pem, None).await.unwrap();
    list(tls_channel.clone()).await;
    let health = health_check(plain.health.expect("a health port")).await;
    let metrics = scrape_and_hold(plain.metrics).await;

    let sockets = tcp_sockets();
    assert_all_nodelay("accepted gRPC", &accepted_on(&sockets, plain.addr.port()));
    assert_all_nodelay("accepted TLS", &accepted_on(&sockets, secure.addr.port()));
    let health_port = plain.health.expect("a health port").port();
    assert_all_nodelay("accepted health", &accepted_on(&sockets, health_port));
    assert_all_nodelay(
        "accepted metrics",
        &accepted_on(&sockets, plain.metrics.port()),
    );
    // Only the command's connection reaches the plaintext gRPC port.
    assert_all_nodelay("client command", &connected_to(&sockets, plain.addr.port()));
    if over_tcp {
        assert_all_nodelay("database", &connected_to(&sockets, database_port));
    }

    // The reading is real: the scrape's own socket, opened without asking, has Nagle on.
    let raw = sockets
        .iter()
        .find(|s| Some(s.local) == metrics.local_addr().ok())
        .expect("the scrape's socket is found");
    assert!(!raw.nodelay, "a socket nobody configured reads as Nagle on");

    drop((command, tls_channel, health, metrics));
}
