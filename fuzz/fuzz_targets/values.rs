//! The parsers every request field goes through: amounts, currencies, rates, dates, months, ids,
//! resource names and request ids. Any text is parsed or refused, never a panic; an accepted
//! amount reads back as exactly the same number.
#![no_main]

use std::str::FromStr;

use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;
use scpf_reports::domain::{
    dates::{Month, parse_date, parse_optional_date},
    exchange_rate::{Rate, RateKey},
    money::{Currency, Money, parse_plain_decimal},
    text::{Id, RequestId, parse_name, parse_nested_name, parse_parent_or_wildcard, required_text},
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for currency in [Currency::USD, Currency::CHF, Currency::EUR] {
        if let Ok(money) = Money::parse(text, currency, "amount") {
            assert_eq!(money.amount(), Decimal::from_str(text).unwrap(), "{text:?}");
            assert_eq!(money.amount().scale(), currency.minor_units());
        }
    }
    let _ = Currency::parse(text, "currency_code");
    let _ = parse_plain_decimal(text, "value", "value");
    let _ = Rate::parse(text, "rate");
    let _ = RateKey::parse_name(text, "name");
    let _ = parse_date(text, "date");
    let _ = parse_optional_date(text, "date");
    let _ = Month::parse(text, "month");
    let _ = Id::parse(text, "id");
    let _ = RequestId::parse(text, "request_id");
    let _ = parse_name(text, "organizations", "name");
    let _ = parse_nested_name(text, &["programmes", "indicators"], "name");
    let _ = parse_parent_or_wildcard(text, "contributions", "parent");
    let _ = required_text(text, "display_name", 200);
});
