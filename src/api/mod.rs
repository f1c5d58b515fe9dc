//! The gRPC services: protobuf in, domain values to the store, protobuf out. This is the only
//! layer that knows the generated types. Handlers validate with the domain parsers, call the
//! store, and return `Result<_, Error>`; the one `From<Error> for Status` does the rest.

/// A service's trait impl for [`Api`]: each RPC answers with what its function returns, so the
/// impl only names them. `rpcs!(Service { rpc_name(Request) -> Response = function; ... })`; a
/// service with a server-streaming method names its stream's type first:
/// `rpcs!(Service, type ExportStream = Stream { ... })`.
macro_rules! rpcs {
    ($service:path $(, type $stream:ident = $stream_type:ty)* { $($rpc:ident($request:ty) -> $response:ty = $function:path;)* }) => {
        #[tonic::async_trait]
        impl $service for $crate::api::Api {
            $(type $stream = $stream_type;)*

            $(
                async fn $rpc(
                    &self,
                    request: tonic::Request<$request>,
                ) -> Result<tonic::Response<$response>, tonic::Status> {
                    $function(self, request).await.map(tonic::Response::new)
                }
            )*
        }
    };
}

/// `impl Shown` (`resource::Shown`) for a resource of the module it is called in: its message is
/// that module's `message(v)`, its name is parsed by `parse` (that module's `parse_name` unless
/// given). `shown!(Resource => pb::Message)` or `shown!(Resource => pb::Message, parse)`.
macro_rules! shown {
    ($resource:ty => $message:ty) => {
        shown!($resource => $message, parse_name);
    };
    ($resource:ty => $message:ty, $parse:expr) => {
        impl $crate::api::resource::Shown for $resource {
            type Message = $message;

            fn parse_name(
                name: &str,
                field: &str,
            ) -> $crate::domain::Parsed<<Self as $crate::store::history::Kept>::Key> {
                ($parse)(name, field)
            }

            fn message(v: &$crate::store::Versioned<Self>) -> $message {
                message(v)
            }
        }
    };
}

/// The message of one version of a versioned resource: the struct literal given, with the fields
/// every such message ends with (`revision`, `etag`, `create_time`, `update_time`) filled from
/// `v`, a `&store::Versioned<_>`. `versioned_message!(v, pb::Organization { name: ..., ... })`.
macro_rules! versioned_message {
    ($v:expr, $message:path { $($field:ident $(: $value:expr)?),* $(,)? }) => {{
        let v = $v;
        $message {
            $($field $(: $value)?,)*
            revision: v.revision.into(),
            etag: $crate::api::convert::etag(v.revision),
            create_time: Some($crate::api::convert::timestamp(v.created_at)),
            update_time: Some($crate::api::convert::timestamp(v.updated_at)),
        }
    }};
}

/// `impl convert::Wire` for a domain enum whose variants are those of its protobuf enum (named
/// under `pb`), UNSPECIFIED aside: `wire_enum!(Domain => ProtoEnum { VariantA, VariantB })`.
macro_rules! wire_enum {
    ($domain:ident => $message:ident { $($variant:ident),* $(,)? }) => {
        impl $crate::api::convert::Wire for $domain {
            type Message = $crate::pb::$message;

            fn from_wire(value: i32) -> Option<Self> {
                match $crate::pb::$message::try_from(value) {
                    $(Ok($crate::pb::$message::$variant) => Some($domain::$variant),)*
                    _ => None,
                }
            }

            fn to_wire(self) -> $crate::pb::$message {
                match self {
                    $($domain::$variant => $crate::pb::$message::$variant,)*
                }
            }
        }
    };
}

/// `impl resource::Listing` for the request of a List of a resource read in pages, which
/// `resource::list` then answers (the service's `rpcs!` names it):
/// `listing!(Request => Resource, Response { items }, "ListX", filter: FILTER)`, with the function
/// that gives the store's filter from the caller's (`filter: FILTER, store_filter`), or with
/// `no filter`.
macro_rules! listing {
    (@impl $request:ty => $resource:ty, $response:path { $items:ident }, $method:literal, $filter:expr, { $($own:tt)* }) => {
        impl $crate::api::resource::Listing for $request {
            type Resource = $resource;
            type Response = $response;
            const METHOD: &'static str = $method;
            const FILTER: Option<&'static [$crate::domain::filter::FieldSpec]> = $filter;

            $($own)*

            fn response(
                $items: Vec<<$resource as $crate::api::resource::Shown>::Message>,
                next_page_token: String,
            ) -> $response {
                $response {
                    $items,
                    next_page_token,
                }
            }
        }
    };
    ($request:ty => $resource:ty, $response:path { $items:ident }, $method:literal, no filter) => {
        listing!(@impl $request => $resource, $response { $items }, $method, None, {});
    };
    ($request:ty => $resource:ty, $response:path { $items:ident }, $method:literal, filter: $filter:expr) => {
        listing!(@impl $request => $resource, $response { $items }, $method, Some($filter), {
            fn filter(&self) -> &str {
                &self.filter
            }
        });
    };
    ($request:ty => $resource:ty, $response:path { $items:ident }, $method:literal, filter: $filter:expr, $store:path) => {
        listing!(@impl $request => $resource, $response { $items }, $method, Some($filter), {
            fn filter(&self) -> &str {
                &self.filter
            }

            fn store_filter(
                filter: &$crate::domain::filter::Filter,
            ) -> $crate::error::Result<$crate::domain::filter::Filter> {
                $store(filter).map_err(Into::into)
            }
        });
    };
}

pub mod allocations;
pub mod audit;
pub mod codec;
pub mod contributions;
pub mod convert;
pub mod exchange_rates;
pub mod iati;
pub mod member_states;
pub mod organizations;
pub mod page;
pub mod programmes;
pub mod refs;
pub mod reports;
pub mod resource;
pub mod results;
pub mod sessions;
pub mod streamed;

use std::sync::Arc;

use prost::Message;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use crate::{
    domain::text::RequestId,
    error::{Error, Result},
    store::write::{Begun, RequestLock, Write, WriteContext},
};

pub use page::{PageKey, PageRequest};

/// What every service shares: the pool, the page-token key, the largest message a response may
/// be, and the turns at computing reports. Cheap to clone.
#[derive(Clone)]
pub struct Api {
    inner: Arc<Inner>,
}

struct Inner {
    pool: PgPool,
    page_key: PageKey,
    message_limit: usize,
    reports: tokio::sync::Semaphore,
}

/// Reports computed at once. Each holds up to two database connections and memory in proportion
/// to its report; more calls wait for a turn.
const CONCURRENT_REPORTS: usize = 2;

impl Api {
    /// `message_limit` is the largest response in bytes (the services' encoding limit).
    pub fn new(pool: PgPool, page_key: PageKey, message_limit: usize) -> Self {
        Api {
            inner: Arc::new(Inner {
                pool,
                page_key,
                message_limit,
                reports: tokio::sync::Semaphore::new(CONCURRENT_REPORTS),
            }),
        }
    }

    /// The largest response, in bytes.
    pub fn message_limit(&self) -> usize {
        self.inner.message_limit
    }

    /// Waits for a turn at computing a report.
    pub async fn report_turn(&self) -> Result<tokio::sync::SemaphorePermit<'_>> {
        self.inner
            .reports
            .acquire()
            .await
            .map_err(|e| Error::Internal(anyhow::anyhow!("the report turns are closed: {e}")))
    }

    pub fn pool(&self) -> &PgPool {
        &self.inner.pool
    }

    pub fn page_key(&self) -> &PageKey {
        &self.inner.page_key
    }

    /// Resolves the `as_of` of a read: now when unset, else a settled past instant.
    pub async fn read_instant(
        &self,
        as_of: Option<&prost_types::Timestamp>,
        field: &str,
    ) -> Result<crate::store::AsOf> {
        let requested = convert::instant(as_of, field)?;
        crate::store::resolve_as_of(self.pool(), requested, field).await
    }

    /// Runs one mutation of `caller`'s method inside the write envelope (idempotency, history
    /// clock, audit, commit). Answers the response, or the stored one of an earlier call with the
    /// same request_id.
    pub async fn mutate<Req, Resp>(
        &self,
        caller: &Caller,
        request_id: &str,
        request: &Req,
        work: impl AsyncFnOnce(&mut Write) -> Result<Resp>,
    ) -> Result<Resp>
    where
        Req: Message,
        Resp: Message + Default,
    {
        let ctx = caller.write_context(request_id, request)?;
        self.write_once(ctx, work).await
    }

    /// Opens the write envelope of `ctx`: answers the stored response of an earlier call with
    /// its request_id, or runs `work` and commits its response with what it wrote.
    async fn write_once<Resp>(
        &self,
        ctx: WriteContext,
        work: impl AsyncFnOnce(&mut Write) -> Result<Resp>,
    ) -> Result<Resp>
    where
        Resp: Message + Default,
    {
        match Write::begin(self.pool(), ctx).await? {
            Begun::Replay(bytes) => decode_stored(&bytes),
            Begun::Fresh(mut write) => {
                let response = work(&mut write).await?;
                write.commit(&response.encode_to_vec()).await?;
                Ok(response)
            }
        }
    }
}

impl Api {
    /// Runs a mutation whose result is computed before its transaction opens (a report, which
    /// reads for a long time and must not hold a write transaction meanwhile). The request_id is
    /// held first: a call whose request_id already has a response answers it without computing
    /// anything, and a concurrent call with the same id waits for the first. `prepare` computes;
    /// `work` writes the result inside the write envelope. Nothing is written when either fails.
    pub async fn mutate_prepared<Req, Resp, P>(
        &self,
        caller: &Caller,
        request_id: &str,
        request: &Req,
        prepare: impl AsyncFnOnce() -> Result<P>,
        work: impl AsyncFnOnce(&mut Write, P) -> Result<Resp>,
    ) -> Result<Resp>
    where
        Req: Message,
        Resp: Message + Default,
    {
        let ctx = caller.write_context(request_id, request)?;
        let mut lock = RequestLock::acquire(self.pool(), &ctx.request_id).await?;
        let outcome = async {
            if let Some(bytes) = lock.earlier(&ctx).await? {
                return decode_stored::<Resp>(&bytes);
            }
            let prepared = prepare().await?;
            self.write_once(ctx, async |w| work(w, prepared).await)
                .await
        }
        .await;
        if let Err(e) = lock.release().await {
            // The lock's connection is closed instead, which releases it; the outcome stands.
            tracing::warn!(error = %e, "releasing a request_id lock failed");
        }
        outcome
    }
}

/// A response stored under a request_id by an earlier call, to be answered again.
fn decode_stored<Resp: Message + Default>(bytes: &[u8]) -> Result<Resp> {
    Resp::decode(bytes)
        .map_err(|e| Error::Internal(anyhow::anyhow!("stored response does not decode: {e}")))
}

/// SHA-256 of a request's encoding (deterministic: maps are generated as BTreeMaps), so that the
/// same request_id with a different payload can be told from a replay.
pub fn fingerprint<M: Message>(request: &M) -> [u8; 32] {
    Sha256::digest(request.encode_to_vec()).into()
}

/// The per-row result of a bulk import for a row that was refused.
pub fn row_failure(row: i64, err: Error) -> crate::pb::ImportRowResult {
    let field = match &err {
        Error::Invalid(v) => v.field.clone(),
        _ => String::new(),
    };
    let code = err.code() as i32;
    let reason = err.reason().to_owned();
    let message = tonic::Status::from(err).message().to_owned();
    crate::pb::ImportRowResult {
        row,
        name: String::new(),
        replayed: false,
        code,
        message,
        field,
        reason,
    }
}

/// Audits the creation of a resource: no before, the created message after.
pub fn audit_created<M: Message + prost::Name>(w: &mut Write, name: &str, created: &M) {
    w.audit(name, None, Some(convert::canonical_json(created)), None);
}

/// Audits a change of a resource from one message to another, with the caller's reason if any.
pub fn audit_changed<M: Message + prost::Name>(
    w: &mut Write,
    name: &str,
    before: &M,
    after: &M,
    reason: Option<&str>,
) {
    w.audit(
        name,
        Some(convert::canonical_json(before)),
        Some(convert::canonical_json(after)),
        reason,
    );
}

/// The authenticated caller of an RPC and the method it called, placed in the request extensions
/// by the auth layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Identity written into the audit trail.
    pub actor: String,
    /// The full name of the method called, as the audit trail and the idempotency keys name it
    /// (`scpf.v1.OrganizationService/CreateOrganization`).
    pub method: &'static str,
}

impl Caller {
    /// The caller of a request; `anonymous`, calling no known method, when the auth layer did not
    /// run (a handler called in process).
    pub fn of<T>(request: &tonic::Request<T>) -> Caller {
        request
            .extensions()
            .get::<Caller>()
            .cloned()
            .unwrap_or_else(|| Caller {
                actor: "anonymous".to_owned(),
                method: "",
            })
    }

    /// The caller of a request, and its message.
    pub fn split<T>(request: tonic::Request<T>) -> (Caller, T) {
        (Caller::of(&request), request.into_inner())
    }

    /// The write envelope's context of this caller's request.
    fn write_context<Req: Message>(&self, request_id: &str, request: &Req) -> Result<WriteContext> {
        let request_id = RequestId::parse(request_id, "request_id")?;
        Ok(WriteContext {
            actor: self.actor.clone(),
            method: self.method,
            request_id: request_id.as_str().to_owned(),
            fingerprint: fingerprint(request),
        })
    }
}
