//! `scpf.v1.ResultService`: indicators and their measurements.

mod import;
pub(crate) mod indicators;
pub(crate) mod measurements;

use tonic::Streaming;

use crate::{
    api::resource,
    domain::result::Indicator,
    pb::{self, result_service_server::ResultService},
};

rpcs!(ResultService {
    create_indicator(pb::CreateIndicatorRequest) -> pb::Indicator = indicators::create;
    get_indicator(pb::GetIndicatorRequest) -> pb::Indicator = resource::get::<Indicator, _>;
    list_indicators(pb::ListIndicatorsRequest) -> pb::ListIndicatorsResponse = indicators::list;
    update_indicator(pb::UpdateIndicatorRequest) -> pb::Indicator = indicators::update;
    record_measurement(pb::RecordMeasurementRequest) -> pb::Measurement = measurements::record;
    get_measurement(pb::GetMeasurementRequest) -> pb::Measurement = measurements::get;
    list_measurements(pb::ListMeasurementsRequest) -> pb::ListMeasurementsResponse = measurements::list;
    import_measurements(Streaming<pb::ImportMeasurementsRequest>) -> pb::ImportMeasurementsResponse = import::import;
});
