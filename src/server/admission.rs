//! Which calls may run: the tower layer that stands between authentication and the services.
//!
//! - A call whose request is one message (unary and server-streaming methods) is admitted only
//!   once that message has arrived, within the request body timeout: a client that opens a call
//!   and never sends its body holds no permit, and is answered DEADLINE_EXCEEDED.
//! - API calls then take a permit of the global concurrency limit, held until the response body
//!   ends, so that a streamed export counts for as long as it runs, but never longer than the
//!   request timeout without the client taking a message: a client that stops reading a stream
//!   cannot hold a permit for ever, nor the response's memory (the body is dropped then, and the
//!   call ends CANCELLED), while one that keeps reading finishes however long the stream is.
//!   None left: RESOURCE_EXHAUSTED.
//! - Before that permit, an API call of an identified caller (a token's or certificate's
//!   principal) takes a place in its caller's lane: at most `per_caller` of one caller's calls
//!   run at once, and its further calls wait (within their deadline, holding no permit of the
//!   concurrency limit) for one of them to end. One caller can thus hold neither the whole
//!   concurrency limit nor the whole database pool while others wait. A lane's queue is as long
//!   as the concurrency limit; past that, RESOURCE_EXHAUSTED.
//! - Health and reflection have their own, smaller limit, held while their handler runs (a health
//!   `Watch` lasts for ever and must not starve `Check`): flooding them never touches the API's
//!   permits, and flooding the API never fails a probe.
//! - A streamed request (imports, reflection) must keep its messages coming: a pause longer than
//!   the request body timeout while the server waits for the next one ends the call.
//! - tonic answers a health or reflection request that does not decode with INTERNAL; such an
//!   answer is turned into INVALID_ARGUMENT here (the API's own codec already does so).

use std::{
    collections::HashMap,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll, ready},
    time::Duration,
};

use bytes::Bytes;
use futures::future::{BoxFuture, FutureExt};
use http::{HeaderMap, Request, Response};
use http_body::{Frame, SizeHint};
use http_body_util::{BodyExt, Full, Limited};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tonic::{Code, Status, body::Body};
use tonic_types::{ErrorDetails, StatusExt};
use tower::{Layer, Service};

use super::connection::Refusals;
use crate::{
    api::Caller,
    error::ERROR_DOMAIN,
    memory,
    methods::{self, Streaming},
};

/// The limits of [`AdmissionLayer`].
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// API calls in flight at once.
    pub calls: usize,
    /// API calls of one caller running at once (0: no limit).
    pub per_caller: usize,
    /// Health and reflection handlers running at once.
    pub probes: usize,
    /// Longest wait for a request message (or the next message of a streamed request).
    pub body_timeout: Duration,
    /// Largest API request message.
    pub max_message_bytes: usize,
    /// Longest time an API call holds its permit.
    pub request_timeout: Duration,
}

/// Largest health or reflection request: their messages hold a service or file name.
const PROBE_MESSAGE_BYTES: usize = 16 * 1024;

/// The gRPC frame header before each message: a flag byte and a 4-byte length.
const FRAME_HEADER_BYTES: usize = 5;

/// See the module documentation.
#[derive(Clone)]
pub struct AdmissionLayer {
    shared: Arc<Shared>,
}

struct Shared {
    limits: Limits,
    calls: Arc<Semaphore>,
    probes: Arc<Semaphore>,
    lanes: Arc<Lanes>,
}

/// Every caller's lane (see the module documentation). A lane exists while its caller has a
/// call running or waiting, so the map holds at most one entry per call in flight.
struct Lanes {
    running: usize,
    waiting: usize,
    by_caller: std::sync::Mutex<HashMap<String, Arc<Lane>>>,
}

struct Lane {
    /// Calls of the caller running or waiting: `running + waiting` places.
    places: Arc<Semaphore>,
    /// Calls of the caller running.
    running: Arc<Semaphore>,
}

/// A call's place in its caller's lane, given back when the call ends.
struct LanePermit {
    running: Option<OwnedSemaphorePermit>,
    place: Option<OwnedSemaphorePermit>,
    actor: String,
    lanes: Arc<Lanes>,
}

impl Lanes {
    fn lane(&self, actor: &str) -> Arc<Lane> {
        let mut by_caller = self
            .by_caller
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        by_caller
            .entry(actor.to_owned())
            .or_insert_with(|| {
                Arc::new(Lane {
                    places: Arc::new(Semaphore::new(self.running + self.waiting)),
                    running: Arc::new(Semaphore::new(self.running)),
                })
            })
            .clone()
    }

    /// Drops `actor`'s lane when no call of it is running, waiting or entering.
    fn forget_idle(&self, actor: &str) {
        let mut by_caller = self
            .by_caller
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if by_caller.get(actor).is_some_and(|lane| {
            Arc::strong_count(lane) == 1
                && lane.places.available_permits() == self.running + self.waiting
        }) {
            by_caller.remove(actor);
        }
    }

    /// Waits, at most `timeout`, for one of `actor`'s calls to run.
    async fn enter(self: &Arc<Self>, actor: &str, timeout: Duration) -> Result<LanePermit, Status> {
        let lane = self.lane(actor);
        let mut permit = LanePermit {
            running: None,
            place: None,
            actor: actor.to_owned(),
            lanes: self.clone(),
        };
        let Ok(place) = lane.places.clone().try_acquire_owned() else {
            return Err(refusal(
                Code::ResourceExhausted,
                "TOO_MANY_CALLS",
                format!(
                    "this caller already has {} calls running and {} waiting; retry shortly",
                    self.running, self.waiting
                ),
            ));
        };
        permit.place = Some(place);
        let running = lane.running.clone();
        drop(lane);
        match tokio::time::timeout(timeout, running.acquire_owned()).await {
            Ok(Ok(running)) => {
                permit.running = Some(running);
                Ok(permit)
            }
            _ => Err(refusal(
                Code::DeadlineExceeded,
                "TOO_MANY_CALLS",
                format!(
                    "this caller's other {} calls kept running for {}",
                    self.running,
                    humantime::format_duration(timeout)
                ),
            )),
        }
    }
}

impl Drop for LanePermit {
    fn drop(&mut self) {
        self.running.take();
        self.place.take();
        self.lanes.forget_idle(&self.actor);
    }
}

/// What an admitted API call holds until its response ends.
struct Permits {
    _call: OwnedSemaphorePermit,
    _lane: Option<LanePermit>,
}

impl From<OwnedSemaphorePermit> for Permits {
    fn from(call: OwnedSemaphorePermit) -> Self {
        Permits {
            _call: call,
            _lane: None,
        }
    }
}

impl AdmissionLayer {
    pub fn new(limits: Limits) -> Self {
        AdmissionLayer {
            shared: Arc::new(Shared {
                limits,
                calls: Arc::new(Semaphore::new(limits.calls)),
                probes: Arc::new(Semaphore::new(limits.probes)),
                lanes: Arc::new(Lanes {
                    running: limits.per_caller,
                    waiting: limits.calls,
                    by_caller: std::sync::Mutex::new(HashMap::new()),
                }),
            }),
        }
    }
}

impl<S> Layer<S> for AdmissionLayer {
    type Service = Admission<S>;

    fn layer(&self, inner: S) -> Admission<S> {
        Admission {
            inner,
            shared: self.shared.clone(),
        }
    }
}

/// See [`AdmissionLayer`].
#[derive(Clone)]
pub struct Admission<S> {
    inner: S,
    shared: Arc<Shared>,
}

/// How a call is admitted, from its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Class {
    /// Health or reflection, rather than the API (or an unknown path, answered UNIMPLEMENTED).
    probe: bool,
    /// The request is one message, read whole before the call is admitted.
    single_request: bool,
}

fn classify(path: &str) -> Class {
    match methods::catalog().by_path(path) {
        Some(method) => Class {
            probe: !method.is_api(),
            single_request: matches!(method.streaming, Streaming::Unary | Streaming::ServerStream),
        },
        None => Class {
            probe: false,
            single_request: false,
        },
    }
}

impl<S> Service<Request<Body>> for Admission<S>
where
    S: Service<Request<Body>, Response = Response<Body>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Response<Body>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let shared = self.shared.clone();
        let class = classify(request.uri().path());
        let large_work = methods::catalog()
            .by_path(request.uri().path())
            .is_some_and(|m| memory::is_large_work(&m.name));
        async move {
            let limits = shared.limits;
            let (parts, body) = request.into_parts();
            let body = if class.single_request {
                let largest = if class.probe {
                    PROBE_MESSAGE_BYTES
                } else {
                    limits.max_message_bytes
                };
                match read_whole(body, largest, limits.body_timeout).await {
                    Ok(bytes) => Body::new(Full::new(bytes)),
                    Err(status) => return Ok(status.into_http()),
                }
            } else {
                let refusals = parts.extensions.get::<Arc<Refusals>>().cloned();
                Body::new(Paced::new(body, limits.body_timeout, refusals))
            };
            // The caller's lane first: a call waiting for its turn holds no permit of the
            // concurrency limit.
            let actor = parts.extensions.get::<Caller>().map(|c| c.actor.clone());
            let lane = match actor {
                Some(actor) if !class.probe && limits.per_caller > 0 => {
                    match shared.lanes.enter(&actor, limits.request_timeout).await {
                        Ok(lane) => Some(lane),
                        Err(status) => return Ok(status.into_http()),
                    }
                }
                _ => None,
            };
            let semaphore = if class.probe {
                &shared.probes
            } else {
                &shared.calls
            };
            let Ok(permit) = semaphore.clone().try_acquire_owned() else {
                let limit = if class.probe {
                    limits.probes
                } else {
                    limits.calls
                };
                return Ok(refusal(
                    Code::ResourceExhausted,
                    "TOO_MANY_CALLS",
                    format!(
                        "the server is running its limit of {limit} calls at once; retry shortly"
                    ),
                )
                .into_http());
            };
            let response = inner.call(Request::from_parts(parts, body)).await?;
            Ok(if class.probe {
                drop(permit);
                let (mut parts, body) = response.into_parts();
                readable_decode_error(&mut parts.headers);
                Response::from_parts(parts, Body::new(ProbeBody { inner: body }))
            } else {
                let permits = Permits {
                    _call: permit,
                    _lane: lane,
                };
                response.map(|body| {
                    let mut body = Permitted::new(body, permits, limits.request_timeout);
                    body.large_work = large_work;
                    Body::new(body)
                })
            })
        }
        .boxed()
    }
}

/// Reads a whole request body, one message of at most `largest` bytes, within `timeout`.
async fn read_whole(body: Body, largest: usize, timeout: Duration) -> Result<Bytes, Status> {
    let limited = Limited::new(body, largest + FRAME_HEADER_BYTES);
    match tokio::time::timeout(timeout, limited.collect()).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        // As tonic answers a message over the limit.
        Ok(Err(err)) if err.is::<http_body_util::LengthLimitError>() => Err(refusal(
            Code::OutOfRange,
            "MESSAGE_TOO_LARGE",
            format!("the request message is larger than the limit of {largest} bytes"),
        )),
        Ok(Err(_)) => Err(Status::cancelled("the client stopped sending the request")),
        Err(_) => Err(refusal(
            Code::DeadlineExceeded,
            "REQUEST_TOO_SLOW",
            format!(
                "the request message did not arrive within {}",
                humantime::format_duration(timeout)
            ),
        )),
    }
}

/// A status with this service's `ErrorInfo`.
fn refusal(code: Code, reason: &str, message: String) -> Status {
    let mut details = ErrorDetails::new();
    details.set_error_info(reason, ERROR_DOMAIN, HashMap::new());
    Status::with_error_details(code, message, details)
}

/// The prefix of tonic's message for a request that does not decode.
const DECODE_ERROR: &str = "failed to decode Protobuf message";

/// Turns tonic's INTERNAL answer to a request that does not decode into INVALID_ARGUMENT.
fn readable_decode_error(headers: &mut HeaderMap) {
    let Some(status) = Status::from_header_map(headers) else {
        return;
    };
    if status.code() != Code::Internal || !status.message().starts_with(DECODE_ERROR) {
        return;
    }
    let mut metadata = HashMap::new();
    metadata.insert("field".to_owned(), String::new());
    let mut details = ErrorDetails::new();
    details.set_error_info("MALFORMED_MESSAGE", ERROR_DOMAIN, metadata);
    let readable = Status::with_error_details(
        Code::InvalidArgument,
        format!(
            "the request is not a valid protobuf message ({})",
            status.message()
        ),
        details,
    );
    for name in ["grpc-status", "grpc-message", "grpc-status-details-bin"] {
        headers.remove(name);
    }
    let _ = readable.add_header(headers);
}

/// A call's permit, released when its response ends or its time is up, whichever comes first:
/// its time is the request timeout from the last message the client took.
struct Held {
    permit: Arc<std::sync::Mutex<Option<Permits>>>,
    expiry: tokio::task::AbortHandle,
    /// When the client last took a frame of the body.
    progress: Arc<std::sync::Mutex<tokio::time::Instant>>,
}

/// A response body that the request timeout can take away from its connection.
type Expiring = Arc<std::sync::Mutex<Option<Body>>>;

impl Held {
    fn new(permit: Permits, body: Expiring, timeout: Duration) -> Self {
        let permit = Arc::new(std::sync::Mutex::new(Some(permit)));
        let expiring = permit.clone();
        let progress = Arc::new(std::sync::Mutex::new(tokio::time::Instant::now()));
        let last = progress.clone();
        // A client that stops reading leaves the body unpolled: only a timer of its own can
        // take the permit back, and drop the body with what it holds (an export holds a whole
        // report), so that a call never holds memory past the request timeout either.
        let expiry = tokio::spawn(async move {
            // hyper polls the body only when the client's flow-control window has room: a
            // client that reads moves the deadline on, one that does not lets it come.
            loop {
                let deadline = *last.lock().unwrap_or_else(|e| e.into_inner()) + timeout;
                if tokio::time::Instant::now() >= deadline {
                    break;
                }
                tokio::time::sleep_until(deadline).await;
            }
            release(&expiring);
            let body = body.lock().ok().and_then(|mut body| body.take());
            drop(body);
        })
        .abort_handle();
        Held {
            permit,
            expiry,
            progress,
        }
    }

    /// The client took a frame: its time starts again.
    fn moved(&self) {
        if let Ok(mut last) = self.progress.lock() {
            *last = tokio::time::Instant::now();
        }
    }
}

fn release(permit: &std::sync::Mutex<Option<Permits>>) {
    if let Ok(mut permit) = permit.lock() {
        permit.take();
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.expiry.abort();
        release(&self.permit);
    }
}

/// A response body that holds its call's permit (see [`Held`]) until it ends or is dropped, and
/// ends with CANCELLED (as tonic's own timeout answers) once the request timeout has taken its
/// body away. When it goes, a call of large work or with a large answer has the memory it freed
/// given back to the system ([`memory::give_back`]).
struct Permitted {
    inner: Expiring,
    held: Option<Held>,
    timeout: Duration,
    ended: bool,
    /// The method's work is large ([`memory::is_large_work`]).
    large_work: bool,
    /// Bytes of the answer so far.
    sent: usize,
}

impl Drop for Permitted {
    fn drop(&mut self) {
        // The body and what it held go first, so that their memory is free when trimmed.
        if let Ok(mut inner) = self.inner.lock() {
            inner.take();
        }
        self.held.take();
        if self.large_work || self.sent >= memory::LARGE_RESPONSE_BYTES {
            memory::give_back();
        }
    }
}

impl Permitted {
    fn new(inner: Body, permit: Permits, timeout: Duration) -> Self {
        let inner = Arc::new(std::sync::Mutex::new(Some(inner)));
        Permitted {
            held: Some(Held::new(permit, inner.clone(), timeout)),
            inner,
            timeout,
            ended: false,
            large_work: false,
            sent: 0,
        }
    }
}

impl http_body::Body for Permitted {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        if self.ended {
            return Poll::Ready(None);
        }
        let frame = {
            let Ok(mut inner) = self.inner.lock() else {
                return Poll::Ready(None);
            };
            match inner.as_mut() {
                Some(body) => ready!(Pin::new(body).poll_frame(cx)),
                None => {
                    let status = Status::cancelled(format!(
                        "the call ran past the request timeout ({})",
                        humantime::format_duration(self.timeout)
                    ));
                    let mut trailers = HeaderMap::new();
                    let _ = status.add_header(&mut trailers);
                    Some(Ok(Frame::trailers(trailers)))
                }
            }
        };
        if let (Some(Ok(_)), Some(held)) = (&frame, &self.held) {
            held.moved();
        }
        if let Some(Ok(data)) = frame.as_ref().map(|f| f.as_ref().map(Frame::data_ref)) {
            self.sent = self.sent.saturating_add(data.map_or(0, Bytes::len));
        }
        let expired = self.inner.lock().map_or(true, |inner| inner.is_none());
        if frame.is_none() || expired {
            self.ended = expired;
            self.held.take();
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.ended
            || self.inner.lock().map_or(true, |inner| {
                inner.as_ref().is_some_and(|b| b.is_end_stream())
            })
    }

    fn size_hint(&self) -> SizeHint {
        self.inner
            .lock()
            .ok()
            .and_then(|inner| inner.as_ref().map(|b| b.size_hint()))
            .unwrap_or_default()
    }
}

pin_project_lite::pin_project! {
    /// A health or reflection response body whose trailers get [`readable_decode_error`].
    struct ProbeBody {
        #[pin]
        inner: Body,
    }
}

impl http_body::Body for ProbeBody {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        let frame = ready!(self.project().inner.poll_frame(cx));
        Poll::Ready(frame.map(|frame| {
            frame.map(|mut frame| {
                if let Some(trailers) = frame.trailers_mut() {
                    readable_decode_error(trailers);
                }
                frame
            })
        }))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

pin_project_lite::pin_project! {
    /// A streamed request body that fails when the server has waited longer than `timeout` for
    /// the client's next frame. Time the server spends elsewhere does not count: the clock runs
    /// only from a poll that found nothing to the frame that ends the wait. Such a failure is a
    /// refusal of the connection's (see [`Refusals`]).
    struct Paced {
        #[pin]
        inner: Body,
        timeout: Duration,
        #[pin]
        waiting: Option<tokio::time::Sleep>,
        refusals: Option<Arc<Refusals>>,
    }
}

impl Paced {
    fn new(inner: Body, timeout: Duration, refusals: Option<Arc<Refusals>>) -> Self {
        Paced {
            inner,
            timeout,
            waiting: None,
            refusals,
        }
    }
}

impl http_body::Body for Paced {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        let mut this = self.project();
        if let Poll::Ready(frame) = this.inner.poll_frame(cx) {
            this.waiting.set(None);
            return Poll::Ready(frame);
        }
        if this.waiting.is_none() {
            this.waiting.set(Some(tokio::time::sleep(*this.timeout)));
        }
        if let Some(sleep) = this.waiting.as_mut().as_pin_mut() {
            ready!(sleep.poll(cx));
        }
        if let Some(refusals) = this.refusals.take() {
            refusals.spend();
        }
        Poll::Ready(Some(Err(refusal(
            Code::DeadlineExceeded,
            "REQUEST_TOO_SLOW",
            format!(
                "the next request message did not arrive within {}",
                humantime::format_duration(*this.timeout)
            ),
        ))))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_classed_by_their_method() {
        let class = |path| classify(path);
        assert_eq!(
            class("/scpf.v1.SessionService/GetSession"),
            Class {
                probe: false,
                single_request: true
            }
        );
        assert_eq!(
            class("/scpf.v1.ContributionService/ImportContributions"),
            Class {
                probe: false,
                single_request: false
            }
        );
        assert_eq!(
            class("/grpc.health.v1.Health/Check"),
            Class {
                probe: true,
                single_request: true
            }
        );
        assert_eq!(
            class("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"),
            Class {
                probe: true,
                single_request: false
            }
        );
    }

    #[tokio::test]
    async fn a_permit_is_held_until_the_body_ends_or_its_time_is_up() {
        let semaphore = Arc::new(Semaphore::new(1));
        // A body nobody reads keeps its permit only until the timeout.
        let permit = semaphore.clone().try_acquire_owned().unwrap();
        let unread = Permitted::new(Body::empty(), permit.into(), Duration::from_millis(100));
        assert_eq!(semaphore.available_permits(), 0);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(semaphore.available_permits(), 1);
        // ... and its body is gone: the call ends CANCELLED when the client reads again.
        let trailers = unread.collect().await.unwrap().trailers().cloned().unwrap();
        assert_eq!(
            Status::from_header_map(&trailers).unwrap().code(),
            Code::Cancelled
        );
        // A body read to its end gives its permit back at once.
        let permit = semaphore.clone().try_acquire_owned().unwrap();
        let read = Permitted::new(Body::empty(), permit.into(), Duration::from_secs(60));
        assert_eq!(semaphore.available_permits(), 0);
        let collected = read.collect().await.unwrap();
        assert!(collected.to_bytes().is_empty());
        assert_eq!(semaphore.available_permits(), 1);
    }

    #[tokio::test]
    async fn a_body_read_steadily_outlives_the_timeout_and_one_left_unread_does_not() {
        let semaphore = Arc::new(Semaphore::new(1));
        // Ten frames, one every 60 ms: 600 ms in all, each within the 150 ms timeout of the
        // one before.
        let frames = futures::stream::unfold(0, |n| async move {
            if n == 10 {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(60)).await;
            Some((
                Ok::<_, Status>(Frame::data(Bytes::from_static(b"x"))),
                n + 1,
            ))
        });
        let body = Body::new(http_body_util::StreamBody::new(frames));
        let permit = semaphore.clone().try_acquire_owned().unwrap();
        let steady = Permitted::new(body, permit.into(), Duration::from_millis(150));
        let collected = steady.collect().await.unwrap();
        assert!(collected.trailers().is_none(), "not cancelled");
        assert_eq!(collected.to_bytes().len(), 10);
        assert_eq!(semaphore.available_permits(), 1);
        // Read once, then left: the timeout counts from the frame taken.
        let body = Body::new(http_body_util::StreamBody::new(futures::stream::iter(
            (0..3).map(|_| Ok::<_, Status>(Frame::data(Bytes::from_static(b"y")))),
        )));
        let permit = semaphore.clone().try_acquire_owned().unwrap();
        let mut left = Permitted::new(body, permit.into(), Duration::from_millis(150));
        let first = left.frame().await.unwrap().unwrap();
        assert!(first.is_data());
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(
            semaphore.available_permits(),
            0,
            "within the timeout of the frame"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(semaphore.available_permits(), 1, "past it");
    }

    #[test]
    fn a_decode_error_becomes_invalid_argument() {
        let mut headers = HeaderMap::new();
        Status::internal("failed to decode Protobuf message: invalid wire type")
            .add_header(&mut headers)
            .unwrap();
        readable_decode_error(&mut headers);
        let status = Status::from_header_map(&headers).unwrap();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(
            status.get_details_error_info().unwrap().reason,
            "MALFORMED_MESSAGE"
        );
        let mut other = HeaderMap::new();
        Status::internal("something else")
            .add_header(&mut other)
            .unwrap();
        readable_decode_error(&mut other);
        assert_eq!(
            Status::from_header_map(&other).unwrap().code(),
            Code::Internal
        );
    }
}
