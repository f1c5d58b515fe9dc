//! `scpf.v1.ResultService`: indicators and their measurements.

mod import;
pub(crate) mod indicators;
pub(crate) mod measurements;

use tonic::{Request, Response, Status, Streaming};

use crate::{
    api::{Api, Caller},
    pb::{self, result_service_server::ResultService},
};

pub use import::BATCH_ROWS;

#[tonic::async_trait]
impl ResultService for Api {
    async fn create_indicator(
        &self,
        request: Request<pb::CreateIndicatorRequest>,
    ) -> Result<Response<pb::Indicator>, Status> {
        let caller = Caller::of(&request);
        Ok(indicators::create(self, &caller, request.into_inner()).await?)
    }

    async fn get_indicator(
        &self,
        request: Request<pb::GetIndicatorRequest>,
    ) -> Result<Response<pb::Indicator>, Status> {
        Ok(indicators::get(self, request.into_inner()).await?)
    }

    async fn list_indicators(
        &self,
        request: Request<pb::ListIndicatorsRequest>,
    ) -> Result<Response<pb::ListIndicatorsResponse>, Status> {
        Ok(indicators::list(self, request.into_inner()).await?)
    }

    async fn update_indicator(
        &self,
        request: Request<pb::UpdateIndicatorRequest>,
    ) -> Result<Response<pb::Indicator>, Status> {
        let caller = Caller::of(&request);
        Ok(indicators::update(self, &caller, request.into_inner()).await?)
    }

    async fn record_measurement(
        &self,
        request: Request<pb::RecordMeasurementRequest>,
    ) -> Result<Response<pb::Measurement>, Status> {
        let caller = Caller::of(&request);
        Ok(measurements::record(self, &caller, request.into_inner()).await?)
    }

    async fn get_measurement(
        &self,
        request: Request<pb::GetMeasurementRequest>,
    ) -> Result<Response<pb::Measurement>, Status> {
        Ok(measurements::get(self, request.into_inner()).await?)
    }

    async fn list_measurements(
        &self,
        request: Request<pb::ListMeasurementsRequest>,
    ) -> Result<Response<pb::ListMeasurementsResponse>, Status> {
        Ok(measurements::list(self, request.into_inner()).await?)
    }

    async fn import_measurements(
        &self,
        request: Request<Streaming<pb::ImportMeasurementsRequest>>,
    ) -> Result<Response<pb::ImportMeasurementsResponse>, Status> {
        let caller = Caller::of(&request);
        let response = import::import(self, &caller, request.into_inner()).await?;
        Ok(Response::new(response))
    }
}
