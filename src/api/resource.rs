//! The API side of the versioned-resource backbone (`store::history`): creating one resource,
//! getting one as of an instant, listing a page and updating one with its etag are the same for
//! every resource. A resource says only how it is named and shown, through [`Shown`], and a
//! List of one how it is filtered and answered, through [`Listing`].

use serde::{Serialize, de::DeserializeOwned};
use tonic::{Request, Status};

use crate::{
    api::{Api, Caller, PageRequest, convert},
    domain::{
        FieldViolation, Parsed,
        filter::{FieldSpec, Filter},
        text::Id,
    },
    error::{Error, Result},
    pb,
    store::{
        self, AsOf, Versioned,
        history::{self, Kept, Listed},
        write::Write,
    },
};

/// A kept resource and its protobuf message.
pub trait Shown: Kept {
    /// The message a Get or an Update answers with.
    type Message: prost::Message + prost::Name + Default;

    /// Parses a resource name given in the request field `field`.
    fn parse_name(name: &str, field: &str) -> Parsed<Self::Key>;

    /// The message of one version.
    fn message(v: &Versioned<Self>) -> Self::Message;
}

/// The fields every Get request has.
pub trait Named {
    /// `name`: the resource's.
    fn name(&self) -> &str;
    /// `as_of`: the instant to read at, now when not given.
    fn as_of(&self) -> Option<&prost_types::Timestamp>;
}

macro_rules! named {
    ($($request:ty),* $(,)?) => {$(
        impl Named for $request {
            fn name(&self) -> &str {
                &self.name
            }
            fn as_of(&self) -> Option<&prost_types::Timestamp> {
                self.as_of.as_ref()
            }
        }
    )*};
}

named!(
    pb::GetAllocationRequest,
    pb::GetContributionRequest,
    pb::GetIndicatorRequest,
    pb::GetMemberStateRequest,
    pb::GetOrganizationRequest,
    pb::GetProgrammeRequest,
    pb::GetReceiptRequest,
    pb::GetSessionRequest,
);

/// The paging fields every List request has.
pub trait Paged {
    /// `as_of`: the instant to read at, now when not given.
    fn as_of(&self) -> Option<&prost_types::Timestamp>;
    /// `page_size`.
    fn page_size(&self) -> i32;
    /// `page_token`.
    fn page_token(&self) -> &str;
}

macro_rules! paged {
    ($($request:ty),* $(,)?) => {$(
        impl Paged for $request {
            fn as_of(&self) -> Option<&prost_types::Timestamp> {
                self.as_of.as_ref()
            }
            fn page_size(&self) -> i32 {
                self.page_size
            }
            fn page_token(&self) -> &str {
                &self.page_token
            }
        }
    )*};
}

paged!(
    pb::ListAllocationsRequest,
    pb::ListContributionsRequest,
    pb::ListExchangeRatesRequest,
    pb::ListIndicatorsRequest,
    pb::ListMeasurementsRequest,
    pb::ListMemberStatesRequest,
    pb::ListOrganizationsRequest,
    pb::ListProgrammesRequest,
    pb::ListReceiptsRequest,
    pb::ListSessionsRequest,
);

impl Api {
    /// A List: checks the page token against the method, the query (what the list is of: the
    /// filter's canonical form, the parent; a token is good only for the same) and the instant, reads one row more than the page with
    /// `read` (given the instant, the cursor the page starts after and how many rows to read),
    /// and answers the page's rows with the token of the next page (empty after the last).
    pub async fn list_page<T, C>(
        &self,
        request: &impl Paged,
        method: &'static str,
        query: Option<String>,
        read: impl AsyncFnOnce(AsOf, Option<&C>, i64) -> Result<Vec<T>>,
        cursor: impl Fn(&T) -> C,
    ) -> Result<(Vec<T>, String)>
    where
        C: Serialize + DeserializeOwned,
    {
        let as_of = convert::instant(request.as_of(), "as_of")?;
        let binding = match query {
            Some(query) => format!("{method}|{query}|{as_of:?}"),
            None => format!("{method}|{as_of:?}"),
        };
        let page = PageRequest::<C>::parse(
            self.page_key(),
            request.page_size(),
            request.page_token(),
            binding,
        )?;
        let as_of = store::resolve_as_of(self.pool(), as_of, "as_of").await?;
        let rows = read(as_of, page.after.as_ref(), page.fetch_limit()).await?;
        Ok(page.finish(self.page_key(), rows, cursor))
    }

    /// A List of a resource read in pages ([`Listed`]): its messages after the page token's
    /// cursor, as [`Api::list_page`] reads them with `history::list`, of `parent`'s resources
    /// (every one with `None`) that match `filter`.
    pub async fn list_of<T: Listed + Shown>(
        &self,
        request: &impl Paged,
        method: &'static str,
        query: Option<String>,
        parent: Option<&Id>,
        filter: &Filter,
    ) -> Result<(Vec<T::Message>, String)> {
        let (rows, next_page_token) = self
            .list_page(
                request,
                method,
                query,
                async |as_of, after: Option<&T::Cursor>, limit| {
                    let mut conn = self.pool().acquire().await?;
                    history::list::<T>(&mut conn, parent, filter, as_of, after, Some(limit)).await
                },
                T::cursor,
            )
            .await?;
        Ok((rows.iter().map(T::message).collect(), next_page_token))
    }

    /// A Get by the request's `name`: the resource as of the request's `as_of`; NOT_FOUND when
    /// it did not exist then.
    pub async fn get_named<T: Shown>(&self, request: &impl Named) -> Result<T::Message> {
        let key = T::parse_name(request.name(), "name")?;
        self.get_one::<T>(&key, request.name(), request.as_of())
            .await
    }

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

/// A Get RPC of a resource shown as `T`: the resource the request names, as of its `as_of`.
pub async fn get<T: Shown, R: Named>(api: &Api, request: Request<R>) -> Result<T::Message, Status> {
    Ok(api.get_named::<T>(request.get_ref()).await?)
}

/// A List RPC of a resource read in pages, implemented by its request (`listing!` writes it) and
/// answered by [`list`]: what it lists, the filter it accepts and how its page is answered.
pub trait Listing: Paged {
    /// What it lists.
    type Resource: Listed + Shown;
    /// Its answer.
    type Response;
    /// The method's name, to which its page tokens are bound.
    const METHOD: &'static str;
    /// The fields its filter accepts; `None` for a List without a filter.
    const FILTER: Option<&'static [FieldSpec]>;

    /// The request's `filter`.
    fn filter(&self) -> &str {
        ""
    }

    /// The filter the store runs, from the one the caller wrote (a name may become an id).
    fn store_filter(filter: &Filter) -> Result<Filter> {
        Ok(filter.clone())
    }

    /// The answer: a page of messages and the token of the next page.
    fn response(
        items: Vec<<Self::Resource as Shown>::Message>,
        next_page_token: String,
    ) -> Self::Response;
}

/// A List RPC (see [`Listing`]): the page of resources that match the request's filter, bound
/// with the filter's canonical form to its page token.
pub async fn list<R: Listing>(api: &Api, request: Request<R>) -> Result<R::Response, Status> {
    let req = request.into_inner();
    let (query, filter) = match R::FILTER {
        Some(specs) => {
            let filter = Filter::parse(req.filter(), specs, "filter")?;
            (Some(filter.canonical()), R::store_filter(&filter)?)
        }
        None => (None, Filter::default()),
    };
    let (items, next_page_token) = api
        .list_of::<R::Resource>(&req, R::METHOD, query, None, &filter)
        .await?;
    Ok(R::response(items, next_page_token))
}

/// The resource message a request carries in `field`: REQUIRED naming it when it is missing
/// (`what` is how the refusal calls it: "the {what} is required").
pub fn required<'m, M>(given: Option<&'m M>, field: &str, what: &str) -> Parsed<&'m M> {
    given.ok_or_else(|| FieldViolation::required(field, format!("the {what} is required")))
}

impl Api {
    /// A Create RPC's write: `value` as revision 1 (see [`create_audited`]), under the request's
    /// `request_id`.
    pub async fn create_one<T: Shown, R: prost::Message>(
        &self,
        caller: &Caller,
        request_id: &str,
        request: &R,
        value: &T,
    ) -> Result<T::Message> {
        self.create_checked(caller, request_id, request, value, async |_| Ok(()))
            .await
    }

    /// A Create RPC's write whose value is first judged against the database (that what it
    /// refers to exists, say) inside the write, so that a refusal is never stored as a response
    /// and what was created since is found on retry: `check`, then `value` as revision 1 (see
    /// [`create_audited`]).
    pub async fn create_checked<T: Shown, R: prost::Message>(
        &self,
        caller: &Caller,
        request_id: &str,
        request: &R,
        value: &T,
        check: impl AsyncFnOnce(&mut Write) -> Result<()>,
    ) -> Result<T::Message> {
        self.mutate(caller, request_id, request, async |w| {
            check(w).await?;
            create_audited(w, value).await
        })
        .await
    }

    /// An Update RPC's write: `value` as the next version when the caller's `etag` is current
    /// (see [`update_with_etag`]), under the request's `request_id`.
    pub async fn update_one<T: Shown, R: prost::Message>(
        &self,
        caller: &Caller,
        request_id: &str,
        request: &R,
        value: &T,
        etag: &str,
    ) -> Result<T::Message> {
        self.mutate(caller, request_id, request, async |w| {
            update_with_etag(w, value, etag).await
        })
        .await
    }
}

/// A Create inside its write: records `value` (revision 1), audited; answers its message.
/// ALREADY_EXISTS when its key is taken.
pub async fn create_audited<T: Shown>(w: &mut Write, value: &T) -> Result<T::Message> {
    let created = history::create(w, value).await?;
    let response = T::message(&created);
    super::audit_created(w, &T::name_of(&value.key()), &response);
    Ok(response)
}

/// The start of a correction inside its write: waits for the resource's other writers and reads
/// its current version, which must be the one the caller's `etag` names (ABORTED otherwise).
async fn lock_with_etag<T: Shown>(w: &mut Write, key: &T::Key, etag: &str) -> Result<Versioned<T>> {
    let current = history::lock_current::<T>(w, key).await?;
    convert::check_etag(&T::name_of(key), etag, current.revision)?;
    Ok(current)
}

/// The end of a correction: `value` as the revision after `current` (locked with
/// [`lock_with_etag`]), audited with the version it replaces and the caller's `reason` if any;
/// nothing is written when nothing changed. Answers the message of the resource after, `None`
/// when nothing changed.
async fn revise_audited<T: Shown>(
    w: &mut Write,
    current: &Versioned<T>,
    value: &T,
    reason: Option<&str>,
) -> Result<Option<T::Message>> {
    let Some(after) = history::revise(w, current, value, reason.unwrap_or("")).await? else {
        return Ok(None);
    };
    let response = T::message(&after);
    let name = T::name_of(&value.key());
    super::audit_changed(w, &name, &T::message(current), &response, reason);
    Ok(Some(response))
}

/// An Update inside its write: the new version of `value` when the caller's `etag` is current
/// (ABORTED otherwise), audited with the version it replaces; nothing is written when nothing
/// changed. Answers the message of the resource after.
pub async fn update_with_etag<T: Shown>(
    w: &mut Write,
    value: &T,
    etag: &str,
) -> Result<T::Message> {
    correct(w, value, etag, None, async |_, _| Ok(())).await
}

/// A correction inside its write, judged against the version it replaces: waits for the
/// resource's other writers and reads its current version, which the caller's `etag` must name
/// (ABORTED otherwise); `check` judges `value` against it; then `value` is the next revision,
/// audited with the caller's `reason` if any (nothing is written when nothing changed). Answers
/// the message of the resource after.
pub async fn correct<T: Shown>(
    w: &mut Write,
    value: &T,
    etag: &str,
    reason: Option<&str>,
    check: impl AsyncFnOnce(&mut Write, &Versioned<T>) -> Result<()>,
) -> Result<T::Message> {
    let current = lock_with_etag(w, &value.key(), etag).await?;
    check(w, &current).await?;
    Ok(revise_audited(w, &current, value, reason)
        .await?
        .unwrap_or_else(|| T::message(&current)))
}
