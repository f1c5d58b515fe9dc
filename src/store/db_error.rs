//! Database refusals as the service's errors.

use std::future::Future;

use sqlx::{PgConnection, Postgres, postgres::PgArguments, query::Query};

use crate::error::{Error, Result};

/// A statement that writes. Its database refusals are mapped here ([`map_db_error`]), once for
/// every write of the store.
pub(crate) trait Statement {
    /// Runs the statement on `conn`.
    fn write(self, conn: &mut PgConnection) -> impl Future<Output = Result<()>> + Send;
}

impl Statement for Query<'_, Postgres, PgArguments> {
    async fn write(self, conn: &mut PgConnection) -> Result<()> {
        self.execute(conn).await.map_err(map_db_error)?;
        Ok(())
    }
}

/// The SQLSTATE of a database error, if it is one.
fn sqlstate(err: &sqlx::Error) -> Option<String> {
    err.as_database_error()
        .and_then(|e| e.code())
        .map(|c| c.into_owned())
}

/// The constraint a database error names, if any.
fn constraint(err: &sqlx::Error) -> Option<&str> {
    err.as_database_error().and_then(|e| e.constraint())
}

/// Maps a unique violation on `constraint_name` to ALREADY_EXISTS for `name`; other errors pass.
pub(crate) fn already_exists(err: sqlx::Error, constraint_name: &str, name: &str) -> Error {
    if sqlstate(&err).as_deref() == Some("23505") && constraint(&err) == Some(constraint_name) {
        Error::AlreadyExists {
            name: name.to_owned(),
        }
    } else {
        map_db_error(err)
    }
}

/// Maps the refusals the schema itself raises to precise errors. The API validates first, so these
/// are a backstop; they still give the client a reason rather than INTERNAL.
pub(crate) fn map_db_error(err: sqlx::Error) -> Error {
    match sqlstate(&err).as_deref() {
        Some("SC001") => Error::FailedPrecondition {
            reason: "HISTORY_IS_IMMUTABLE",
            message: err
                .as_database_error()
                .map(|e| e.message().to_owned())
                .unwrap_or_default(),
        },
        Some("SC002") => Error::FailedPrecondition {
            reason: "REPORT_ALREADY_FINAL",
            message: "a final report never changes".to_owned(),
        },
        Some("SC003") => Error::invalid(
            "installments",
            "INSTALLMENTS_DO_NOT_SUM",
            "the installments do not sum to the total",
        ),
        Some("23503") => Error::FailedPrecondition {
            reason: "REFERENCE_NOT_FOUND",
            message: format!(
                "a referenced resource does not exist ({})",
                constraint(&err).unwrap_or("foreign key")
            ),
        },
        Some("23514") => Error::FailedPrecondition {
            reason: "CONSTRAINT_VIOLATED",
            message: format!(
                "the database refused the values ({})",
                constraint(&err).unwrap_or("check")
            ),
        },
        _ => Error::from(err),
    }
}
