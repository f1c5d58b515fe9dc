//! The API side of the versioned-resource backbone (`store::history`): getting one resource as of
//! an instant and updating one with its etag are the same for every resource. A resource says
//! only how it is shown, through [`Shown`].

use crate::{
    api::{Api, convert},
    error::{Error, Result},
    store::{
        Versioned,
        history::{self, Kept},
        write::Write,
    },
};

/// A kept resource and its protobuf message.
pub trait Shown: Kept {
    /// The message a Get or an Update answers with.
    type Message: prost::Message + prost::Name + Default;

    /// The message of one version.
    fn message(v: &Versioned<Self>) -> Self::Message;
}

impl Api {
    /// A Get: the resource `key` (named `name` in the request) as of the request's `as_of`;
    /// NOT_FOUND when it did not exist then.
    pub async fn get_one<T: Shown>(
        &self,
        key: &T::Key,
        name: &str,
        as_of: Option<&prost_types::Timestamp>,
    ) -> Result<T::Message> {
        let as_of = self.read_instant(as_of, "as_of").await?;
        let mut conn = self.pool().acquire().await.map_err(Error::from)?;
        let found = history::get::<T>(&mut conn, key, as_of)
            .await?
            .ok_or_else(|| Error::not_found(name))?;
        Ok(T::message(&found))
    }
}

/// An Update inside its write: the new version of `value` when the caller's `etag` is current
/// (ABORTED otherwise), audited with the version it replaces; nothing is written when nothing
/// changed. Answers the message of the resource after.
pub async fn update_with_etag<T: Shown>(
    w: &mut Write,
    value: &T,
    etag: &str,
) -> Result<T::Message> {
    let name = T::name_of(value.key());
    let (before, after) = history::update(w, value, |current| {
        convert::check_etag(&name, etag, current.revision)
    })
    .await?;
    let response = T::message(&after);
    if before.revision != after.revision {
        super::audit_changed(w, &name, &T::message(&before), &response, None).await?;
    }
    Ok(response)
}
