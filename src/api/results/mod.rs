//! `scpf.v1.ResultService`: indicators and their measurements.

mod import;
pub(crate) mod indicators;
pub(crate) mod measurements;

use tonic::{Request, Response, Status, Streaming};

use crate::{
    api::Api,
    pb::{self, result_service_server::ResultService},
};

pub use import::BATCH_ROWS;

#[tonic::async_trait]
impl ResultService for Api {
    async fn create_indicator(
        &self,
        request: Request<pb::CreateIndicatorRequest>,
    ) -> Result<Response<pb::Indicator>, Status> {
        indicators::create(self, request).await.map(Response::new)
    }

    async fn get_indicator(
        &self,
        request: Request<pb::GetIndicatorRequest>,
    ) -> Result<Response<pb::Indicator>, Status> {
        indicators::get(self, request).await.map(Response::new)
    }

    async fn list_indicators(
        &self,
        request: Request<pb::ListIndicatorsRequest>,
    ) -> Result<Response<pb::ListIndicatorsResponse>, Status> {
        indicators::list(self, request).await.map(Response::new)
    }

    async fn update_indicator(
        &self,
        request: Request<pb::UpdateIndicatorRequest>,
    ) -> Result<Response<pb::Indicator>, Status> {
        indicators::update(self, request).await.map(Response::new)
    }

    async fn record_measurement(
        &self,
        request: Request<pb::RecordMeasurementRequest>,
    ) -> Result<Response<pb::Measurement>, Status> {
        measurements::record(self, request).await.map(Response::new)
    }

    async fn get_measurement(
        &self,
        request: Request<pb::GetMeasurementRequest>,
    ) -> Result<Response<pb::Measurement>, Status> {
        measurements::get(self, request).await.map(Response::new)
    }

    async fn list_measurements(
        &self,
        request: Request<pb::ListMeasurementsRequest>,
    ) -> Result<Response<pb::ListMeasurementsResponse>, Status> {
        measurements::list(self, request).await.map(Response::new)
    }

    async fn import_measurements(
        &self,
        request: Request<Streaming<pb::ImportMeasurementsRequest>>,
    ) -> Result<Response<pb::ImportMeasurementsResponse>, Status> {
        import::import(self, request).await.map(Response::new)
    }
}
