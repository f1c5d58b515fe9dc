//! `scpf.v1.IatiService`: IATI 2.03 documents in (ImportIati), out (ExportIati), and a donor's
//! publication compared with what is recorded (Reconcile).

mod export;
pub(crate) mod import;
mod reconcile;

use tonic::Streaming;

use crate::{
    error::Result,
    pb::{self, iati_service_server::IatiService},
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

rpcs!(IatiService, type ExportIatiStream = export::ExportStream {
    import_iati(Streaming<pb::ImportIatiRequest>) -> pb::ImportIatiResponse = import::import;
    export_iati(pb::ExportIatiRequest) -> export::ExportStream = export::export;
    reconcile(Streaming<pb::ReconcileRequest>) -> pb::ReconcileResponse = reconcile::reconcile;
});
