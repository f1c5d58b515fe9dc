//! `scpf.v1.IatiService`: IATI 2.03 documents in (ImportIati), out (ExportIati), and a donor's
//! publication compared with what is recorded (Reconcile).

mod export;
pub(crate) mod import;
mod reconcile;

use tonic::Streaming;

use crate::pb::{self, iati_service_server::IatiService};

rpcs!(IatiService, type ExportIatiStream = export::ExportStream {
    import_iati(Streaming<pb::ImportIatiRequest>) -> pb::ImportIatiResponse = import::import;
    export_iati(pb::ExportIatiRequest) -> export::ExportStream = export::export;
    reconcile(Streaming<pb::ReconcileRequest>) -> pb::ReconcileResponse = reconcile::reconcile;
});
