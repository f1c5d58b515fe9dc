//! The one error type of the service, and its one mapping to a gRPC status.
//!
//! Every refusal a client can act on carries a stable `ErrorInfo.reason` (listed in the README);
//! bad input also carries a `BadRequest` field violation naming the field. Internal failures are
//! logged with their cause and answered with a message that reveals nothing.

use std::collections::HashMap;

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::domain::FieldViolation;

/// `ErrorInfo.domain` of every error this service returns.
pub const ERROR_DOMAIN: &str = "scpf-reports";

/// Result with the crate's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while serving a call.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request is malformed: one field is wrong.
    #[error("{}: {}", .0.field, .0.description)]
    Invalid(Box<FieldViolation>),

    /// The named resource does not exist (at the instant asked for).
    #[error("{name} was not found")]
    NotFound { name: String },

    /// A resource with that name already exists.
    #[error("{name} already exists")]
    AlreadyExists { name: String },

    /// The caller's etag is stale: someone changed the resource since it was read.
    #[error("{name} has changed since it was read (etag {} is stale; current is {current})", crate::domain::text::quote(.given))]
    StaleEtag {
        name: String,
        given: String,
        current: String,
    },

    /// The request is well formed but the system is not in a state to accept it.
    #[error("{message}")]
    FailedPrecondition {
        reason: &'static str,
        message: String,
    },

    /// No credential, or one that is not recognised.
    #[error("{0}")]
    Unauthenticated(String),

    /// The credential is valid but its role does not allow the call.
    #[error("{0}")]
    PermissionDenied(String),

    /// The database cannot be reached; the call can be retried.
    #[error("the database is unavailable")]
    Unavailable(#[source] sqlx::Error),

    /// A statement ran past the database session's statement timeout and was cancelled (SQLSTATE
    /// 57014): the work took longer than any call may; nothing of it was committed.
    #[error("the database cancelled a statement that ran past the statement timeout")]
    StatementTimeout(#[source] sqlx::Error),

    /// Anything else: a bug or an unexpected database answer. Logged, never shown.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl Error {
    /// A refusal of one field.
    pub fn invalid(
        field: impl Into<String>,
        reason: &'static str,
        description: impl Into<String>,
    ) -> Self {
        Error::Invalid(Box::new(FieldViolation::new(field, reason, description)))
    }

    /// The resource named does not exist.
    pub fn not_found(name: impl Into<String>) -> Self {
        Error::NotFound { name: name.into() }
    }

    /// The stable reason clients match on.
    pub fn reason(&self) -> &'static str {
        match self {
            Error::Invalid(v) => v.reason,
            Error::NotFound { .. } => "NOT_FOUND",
            Error::AlreadyExists { .. } => "ALREADY_EXISTS",
            Error::StaleEtag { .. } => "ETAG_MISMATCH",
            Error::FailedPrecondition { reason, .. } => reason,
            Error::Unauthenticated(_) => "UNAUTHENTICATED",
            Error::PermissionDenied(_) => "PERMISSION_DENIED",
            Error::Unavailable(_) => "DATABASE_UNAVAILABLE",
            Error::StatementTimeout(_) => "STATEMENT_TIMEOUT",
            Error::Internal(_) => "INTERNAL",
        }
    }

    /// The gRPC code.
    pub fn code(&self) -> Code {
        match self {
            Error::Invalid(_) => Code::InvalidArgument,
            Error::NotFound { .. } => Code::NotFound,
            Error::AlreadyExists { .. } => Code::AlreadyExists,
            Error::StaleEtag { .. } => Code::Aborted,
            Error::FailedPrecondition { .. } => Code::FailedPrecondition,
            Error::Unauthenticated(_) => Code::Unauthenticated,
            Error::PermissionDenied(_) => Code::PermissionDenied,
            Error::Unavailable(_) => Code::Unavailable,
            Error::StatementTimeout(_) => Code::DeadlineExceeded,
            Error::Internal(_) => Code::Internal,
        }
    }
}

impl From<FieldViolation> for Error {
    fn from(v: FieldViolation) -> Self {
        Error::Invalid(Box::new(v))
    }
}

impl From<FieldViolation> for Status {
    fn from(v: FieldViolation) -> Self {
        Error::from(v).into()
    }
}

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => Error::Unavailable(err),
            sqlx::Error::Database(db) if db.code().is_some_and(|c| connection_lost(&c)) => {
                Error::Unavailable(err)
            }
            sqlx::Error::Database(db) if db.code().as_deref() == Some("57014") => {
                Error::StatementTimeout(err)
            }
            _ => Error::Internal(err.into()),
        }
    }
}

/// SQLSTATEs with which PostgreSQL says it is going away or not there yet, rather than that the
/// statement was wrong: the server stopping (57P01 admin_shutdown, 57P02 crash_shutdown), still
/// starting (57P03 cannot_connect_now), out of connections (53300), or the connection failing
/// (class 08). The call may be retried once the database is back.
fn connection_lost(sqlstate: &str) -> bool {
    matches!(sqlstate, "57P01" | "57P02" | "57P03" | "53300") || sqlstate.starts_with("08")
}

impl From<Error> for Status {
    fn from(err: Error) -> Status {
        let code = err.code();
        let reason = err.reason();
        let mut message = match &err {
            Error::Internal(cause) => {
                tracing::error!(error = format!("{cause:#}"), "internal error");
                "internal error; the cause is in the server log".to_owned()
            }
            Error::Unavailable(cause) => {
                tracing::warn!(error = %cause, "database unavailable");
                err.to_string()
            }
            _ => err.to_string(),
        };
        let mut metadata = HashMap::new();
        let mut details = ErrorDetails::new();
        match &err {
            // A request that does not decode may not say which field is wrong.
            Error::Invalid(v) if v.field.is_empty() => {}
            Error::Invalid(v) => {
                metadata.insert("field".to_owned(), v.field.clone());
                details.add_bad_request_violation(v.field.clone(), bounded(&v.description));
            }
            Error::NotFound { name } | Error::AlreadyExists { name } => {
                metadata.insert("resource".to_owned(), name.clone());
            }
            Error::StaleEtag { name, current, .. } => {
                metadata.insert("resource".to_owned(), name.clone());
                metadata.insert("current_etag".to_owned(), current.clone());
            }
            _ => {}
        }
        details.set_error_info(reason, ERROR_DOMAIN, metadata);
        message = bounded(&message);
        Status::with_error_details(code, message, details)
    }
}

/// Most characters of a message or description. Messages quote at most a short prefix of any
/// input (see `domain::text::quote`); this bound holds even where one was missed, so that
/// trailers stay small for every client (gRPC core refuses large ones as RESOURCE_EXHAUSTED).
const MAX_MESSAGE_CHARS: usize = 512;

fn bounded(text: &str) -> String {
    match text.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text.to_owned(),
    }
}
