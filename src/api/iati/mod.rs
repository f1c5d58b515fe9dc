//! `scpf.v1.IatiService`: IATI 2.03 documents in (ImportIati), out (ExportIati), and a donor's
//! publication compared with what is recorded (Reconcile).

mod export;
pub(crate) mod import;
mod reconcile;

use sqlx::PgPool;
use tonic::Streaming;

use crate::{
    domain::{filter::Filter, text::Id},
    error::Result,
    pb::{self, iati_service_server::IatiService},
    store::{
        AsOf, Versioned,
        history::{self, Listed},
    },
};

/// Rows read per page from the store.
const PAGE: i64 = 1000;

/// Every row a List of the store gives, read [`PAGE`] rows at a time: `read` reads the page after
/// a cursor (the first with `None`), `cursor` is the cursor a row ends its page with.
async fn every_page<T, C, F>(
    mut read: impl FnMut(Option<C>) -> F,
    cursor: impl Fn(&T) -> C,
) -> Result<Vec<T>>
where
    F: Future<Output = Result<Vec<T>>>,
{
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = read(after.take()).await?;
        let done = (page.len() as i64) < PAGE;
        after = page.last().map(&cursor);
        all.extend(page);
        if done {
            return Ok(all);
        }
    }
}

/// Every resource of a kind read in pages ([`Listed`]) of `parent` (all with `None`) that
/// matches `filter`, as of `as_of`: [`every_page`] over `history::list`.
async fn every<T: Listed>(
    pool: &PgPool,
    parent: Option<&Id>,
    filter: &Filter,
    as_of: AsOf,
) -> Result<Vec<Versioned<T>>> {
    every_page(
        |after: Option<T::Cursor>| async move {
            let mut conn = pool.acquire().await?;
            history::list(&mut conn, parent, filter, as_of, after.as_ref(), Some(PAGE)).await
        },
        T::cursor,
    )
    .await
}

rpcs!(IatiService, type ExportIatiStream = export::ExportStream {
    import_iati(Streaming<pb::ImportIatiRequest>) -> pb::ImportIatiResponse = import::import;
    export_iati(pb::ExportIatiRequest) -> export::ExportStream = export::export;
    reconcile(Streaming<pb::ReconcileRequest>) -> pb::ReconcileResponse = reconcile::reconcile;
});
