//! Existence checks for references between resources (a contribution's donor, a programme's
//! partners...). They read identity tables only: an identity, once created, never disappears.

use sqlx::PgConnection;

use crate::error::Result;

/// A kind of resource another one can point to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Organization,
    Session,
    Programme,
    Contribution,
}

impl Target {
    const fn sql(self) -> &'static str {
        match self {
            Target::Organization => "SELECT EXISTS (SELECT 1 FROM organizations WHERE id = $1)",
            Target::Session => "SELECT EXISTS (SELECT 1 FROM sessions WHERE id = $1)",
            Target::Programme => "SELECT EXISTS (SELECT 1 FROM programmes WHERE id = $1)",
            Target::Contribution => "SELECT EXISTS (SELECT 1 FROM contributions WHERE id = $1)",
        }
    }
}

/// Whether the resource with this id exists.
pub async fn exists(conn: &mut PgConnection, target: Target, id: &str) -> Result<bool> {
    Ok(sqlx::query_scalar(target.sql())
        .bind(id)
        .fetch_one(conn)
        .await?)
}
