//! `scpf.v1.ExchangeRateService`.

use tonic::{Request, Status};

use crate::{
    api::{Api, Caller, resource},
    domain::{
        FieldViolation, Parsed,
        dates::Month,
        exchange_rate::{ExchangeRate, Rate, RateKey},
        field,
        filter::{FieldSpec, Kind},
        money::Currency,
        text,
    },
    error::Result,
    pb::{self, exchange_rate_service_server::ExchangeRateService},
    store::Versioned,
};

const FILTER: &[FieldSpec] = &[
    FieldSpec::new("base_currency_code", Kind::Enum(currency_filter)),
    FieldSpec::new("quote_currency_code", Kind::Enum(currency_filter)),
    FieldSpec::new("month", Kind::Month),
];

/// A currency in a filter must be a known code, so that a typo is refused rather than matching
/// nothing.
fn currency_filter(raw: &str) -> Option<&'static str> {
    Currency::parse(raw, "").ok().map(Currency::code)
}

/// The value and source of a rate at `path`.
fn value(m: &pb::ExchangeRate, path: &str) -> Parsed<(Rate, String)> {
    Ok((
        Rate::parse(&m.rate, &field(path, "rate"))?,
        text::required_text(&m.source, &field(path, "source"), 200)?,
    ))
}

/// Parses the rate of a Create request: its key comes from the pair and month fields.
fn new_rate(m: Option<&pb::ExchangeRate>, path: &str) -> Parsed<ExchangeRate> {
    let m = resource::required(m, path, "exchange rate")?;
    let quote_field = field(path, "quote_currency_code");
    let key = RateKey::new(
        Currency::parse(&m.base_currency_code, &field(path, "base_currency_code"))?,
        Currency::parse(&m.quote_currency_code, &quote_field)?,
        Month::parse(&m.month, &field(path, "month"))?,
        &quote_field,
    )?;
    let (rate, source) = value(m, path)?;
    Ok(ExchangeRate { key, rate, source })
}

/// Parses the rate of an Update request: its key comes from the name. The pair and month fields
/// may be left empty; when given they must agree with the name, since they cannot change.
fn corrected_rate(m: &pb::ExchangeRate, path: &str) -> Parsed<ExchangeRate> {
    let key = RateKey::parse_name(&m.name, &field(path, "name"))?;
    let agree = |given: &str, child: &str, named: String| {
        let field = field(path, child);
        if given.is_empty() || given == named {
            Ok(())
        } else {
            Err(FieldViolation::new(
                field,
                "NAME_MISMATCH",
                format!(
                    "is {given} but {} says {named:?}; the pair and month of a rate cannot change, create a rate for them instead",
                    crate::domain::text::quote(&m.name),
                    given = crate::domain::text::quote(given)
                ),
            ))
        }
    };
    agree(
        &m.base_currency_code,
        "base_currency_code",
        key.base.to_string(),
    )?;
    agree(
        &m.quote_currency_code,
        "quote_currency_code",
        key.quote.to_string(),
    )?;
    agree(&m.month, "month", key.month.to_string())?;
    let (rate, source) = value(m, path)?;
    Ok(ExchangeRate { key, rate, source })
}

/// The protobuf form of a stored rate.
pub fn message(v: &Versioned<ExchangeRate>) -> pb::ExchangeRate {
    let r = &v.value;
    versioned_message!(
        v,
        pb::ExchangeRate {
            name: r.name(),
            base_currency_code: r.key.base.code().to_owned(),
            quote_currency_code: r.key.quote.code().to_owned(),
            month: r.key.month.to_string(),
            rate: r.rate.to_string(),
            source: r.source.clone(),
        }
    )
}

async fn create_exchange_rate(
    api: &Api,
    request: Request<pb::CreateExchangeRateRequest>,
) -> Result<pb::ExchangeRate, Status> {
    let (caller, req) = Caller::split(request);
    let rate = new_rate(req.exchange_rate.as_ref(), "exchange_rate")?;
    Ok(api
        .create_one(&caller, &req.request_id, &req, &rate)
        .await?)
}

async fn get_exchange_rate(
    api: &Api,
    request: Request<pb::GetExchangeRateRequest>,
) -> Result<pb::ExchangeRate, Status> {
    let req = request.into_inner();
    let key = RateKey::parse_name(&req.name, "name")?;
    let found = api
        .get_one::<ExchangeRate>(&key, &key.name(), req.as_of.as_ref())
        .await?;
    Ok(found)
}

async fn update_exchange_rate(
    api: &Api,
    request: Request<pb::UpdateExchangeRateRequest>,
) -> Result<pb::ExchangeRate, Status> {
    let (caller, req) = Caller::split(request);
    let given = resource::required(req.exchange_rate.as_ref(), "exchange_rate", "exchange rate")?;
    let rate = corrected_rate(given, "exchange_rate")?;
    let etag = &given.etag;
    Ok(api
        .update_one(&caller, &req.request_id, &req, &rate, etag)
        .await?)
}

shown!(ExchangeRate => pb::ExchangeRate, RateKey::parse_name);

listing!(pb::ListExchangeRatesRequest => ExchangeRate, pb::ListExchangeRatesResponse { exchange_rates }, "ListExchangeRates", filter: FILTER);

rpcs!(ExchangeRateService {
    create_exchange_rate(pb::CreateExchangeRateRequest) -> pb::ExchangeRate = create_exchange_rate;
    get_exchange_rate(pb::GetExchangeRateRequest) -> pb::ExchangeRate = get_exchange_rate;
    list_exchange_rates(pb::ListExchangeRatesRequest) -> pb::ListExchangeRatesResponse = resource::list;
    update_exchange_rate(pb::UpdateExchangeRateRequest) -> pb::ExchangeRate = update_exchange_rate;
});
