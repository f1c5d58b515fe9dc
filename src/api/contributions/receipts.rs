//! Receipts: RecordReceipt, CorrectReceipt, GetReceipt and ListReceipts.

use tonic::{Request, Status};

use crate::{
    api::{Api, Caller, convert, resource},
    domain::{
        Parsed,
        contribution::receipt::Receipt,
        dates::parse_date,
        field,
        filter::{FieldSpec, Filter, Kind},
        text::{self, Id},
    },
    error::Error,
    pb,
    store::{
        Versioned,
        contributions::receipts::{self, Cursor, ReceiptKey},
        history::Listed,
    },
};

/// Longest bank or ledger reference, in characters.
const MAX_REFERENCE: usize = 200;

const FILTER: &[FieldSpec] = &[
    FieldSpec::new("received_date", Kind::Date),
    FieldSpec::new("withdrawn", Kind::Bool),
];

/// Parses the receipt at `path` of a request, as receipt `id` of `contribution`.
fn receipt(
    contribution: Id,
    id: Id,
    r: Option<&pb::Receipt>,
    path: &str,
    withdrawn: bool,
) -> Parsed<Receipt> {
    let r = resource::required(r, path, "receipt")?;
    let at = |name: &str| field(path, name);
    let received_date = parse_date(&r.received_date, &at("received_date"))?;
    let amount_path = at("amount");
    let amount = convert::money(r.amount.as_ref(), &amount_path)?
        .require_positive(&field(&amount_path, "amount"))?;
    let reference = text::optional_text(&r.reference, &at("reference"), MAX_REFERENCE)?;
    Ok(Receipt {
        id,
        contribution,
        received_date,
        amount,
        reference,
        withdrawn,
    })
}

/// Parses `contributions/{contribution_id}/receipts/{receipt_id}` into its two ids.
fn parse_name(name: &str, field: &str) -> Parsed<(Id, Id)> {
    let [contribution, receipt] =
        text::parse_nested_name(name, &["contributions", "receipts"], field)?;
    Ok((contribution, receipt))
}

/// The protobuf form of a stored receipt.
pub fn message(v: &Versioned<Receipt>) -> pb::Receipt {
    let r = &v.value;
    versioned_message!(
        v,
        pb::Receipt {
            name: r.name(),
            received_date: convert::date(r.received_date),
            amount: Some(convert::money_message(r.amount)),
            reference: r.reference.clone(),
            withdrawn: r.withdrawn,
        }
    )
}

pub async fn record(
    api: &Api,
    request: Request<pb::RecordReceiptRequest>,
) -> Result<pb::Receipt, Status> {
    let (caller, req) = Caller::split(request);
    let contribution = text::parse_name(&req.parent, "contributions", "parent")?;
    let receipt = receipt(
        contribution,
        Id::generated(),
        req.receipt.as_ref(),
        "receipt",
        false,
    )?;
    Ok(api
        .create_checked(&caller, &req.request_id, &req, &receipt, async |w| {
            let currency = receipts::contribution_currency(w.conn(), &receipt.contribution)
                .await?
                .ok_or_else(|| Error::not_found(&req.parent))?;
            Ok(receipt.check_currency(currency, "receipt")?)
        })
        .await?)
}

pub async fn correct(
    api: &Api,
    request: Request<pb::CorrectReceiptRequest>,
) -> Result<pb::Receipt, Status> {
    let (caller, req) = Caller::split(request);
    let given = resource::required(req.receipt.as_ref(), "receipt", "receipt")?;
    let (contribution, id) = parse_name(&given.name, "receipt.name")?;
    let receipt = receipt(contribution, id, Some(given), "receipt", given.withdrawn)?;
    let reason = text::required_text(&req.reason, "reason", 500)?;
    let etag = given.etag.clone();
    Ok(api
        .mutate(&caller, &req.request_id, &req, async |w| {
            resource::correct(w, &receipt, &etag, Some(&reason), async |_, current| {
                Ok(receipt.check_currency(current.value.amount.currency(), "receipt")?)
            })
            .await
        })
        .await?)
}

pub async fn list(
    api: &Api,
    request: Request<pb::ListReceiptsRequest>,
) -> Result<pb::ListReceiptsResponse, Status> {
    let req = request.into_inner();
    let parent = text::parse_parent_or_wildcard(&req.parent, "contributions", "parent")?;
    let filter = Filter::parse(&req.filter, FILTER, "filter")?;
    let (rows, next_page_token) = api
        .list_page(
            &req,
            "ListReceipts",
            Some(format!("{}|{}", req.parent, filter.canonical())),
            async |as_of, after: Option<&Cursor>, limit| {
                if let Some(contribution) = &parent {
                    let mut conn = api.pool().acquire().await?;
                    if receipts::contribution_currency(&mut conn, contribution)
                        .await?
                        .is_none()
                    {
                        return Err(Error::not_found(&req.parent));
                    }
                }
                receipts::list(api.pool(), parent.as_ref(), &filter, as_of, after, limit).await
            },
            Receipt::cursor,
        )
        .await?;
    Ok(pb::ListReceiptsResponse {
        receipts: rows.iter().map(message).collect(),
        next_page_token,
    })
}

shown!(Receipt => pb::Receipt, |name, field| parse_name(name, field).map(|(contribution, id)| ReceiptKey { contribution, id }));
