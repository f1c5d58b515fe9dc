//! `scpf.v1.IatiService`: IATI 2.03 documents in (ImportIati), out (ExportIati), and a donor's
//! publication compared with what is recorded (Reconcile).

mod export;
pub(crate) mod import;
mod reconcile;

use tonic::{Request, Response, Status, Streaming};

use crate::{
    api::Api,
    pb::{self, iati_service_server::IatiService},
};

#[tonic::async_trait]
impl IatiService for Api {
    async fn import_iati(
        &self,
        request: Request<Streaming<pb::ImportIatiRequest>>,
    ) -> Result<Response<pb::ImportIatiResponse>, Status> {
        import::import(self, request).await.map(Response::new)
    }

    type ExportIatiStream = export::ExportStream;

    async fn export_iati(
        &self,
        request: Request<pb::ExportIatiRequest>,
    ) -> Result<Response<Self::ExportIatiStream>, Status> {
        export::export(self, request).await.map(Response::new)
    }

    async fn reconcile(
        &self,
        request: Request<Streaming<pb::ReconcileRequest>>,
    ) -> Result<Response<pb::ReconcileResponse>, Status> {
        reconcile::reconcile(self, request).await.map(Response::new)
    }
}
