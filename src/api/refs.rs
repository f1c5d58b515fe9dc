//! Checking that a resource name in a request points to something that exists.

use sqlx::PgConnection;

use crate::{
    domain::{session::SessionKey, text},
    error::{Error, Result},
    store::refs::{self, Target},
};

/// Parses `name` as a resource of `target`'s collection and checks that it exists, returning
/// its stored id. A name that does not parse is INVALID_NAME; one that names nothing is
/// `UNKNOWN_<KIND>` on the field.
pub async fn require(
    conn: &mut PgConnection,
    target: Target,
    name: &str,
    field: &str,
) -> Result<String> {
    let (collection, reason) = match target {
        Target::Organization => ("organizations", "UNKNOWN_ORGANIZATION"),
        Target::Programme => ("programmes", "UNKNOWN_PROGRAMME"),
        Target::Contribution => ("contributions", "UNKNOWN_CONTRIBUTION"),
        Target::Session => ("sessions", "UNKNOWN_SESSION"),
    };
    let id = match target {
        // Session ids are numbers (`sessions/36`) or `council-{n}`, not general ids.
        Target::Session => SessionKey::parse_name(name, field)?.id(),
        _ => text::parse_name(name, collection, field)?.into_string(),
    };
    if refs::exists(conn, target, &id).await? {
        Ok(id)
    } else {
        Err(Error::invalid(
            field,
            reason,
            format!("{name} does not exist"),
        ))
    }
}
