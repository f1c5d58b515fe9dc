//! Properties over generated inputs, in the normal test run (raise `PROPTEST_CASES` for a long
//! run): money never loses or invents a cent, shares add up to 100.0, and any modified page
//! token is refused.

use std::str::FromStr;

use proptest::prelude::*;
use rust_decimal::{Decimal, RoundingStrategy};
use scpf_reports::{
    api::{PageKey, PageRequest},
    domain::{
        money::{Currency, Money, round_to_currency},
        reporting::shares,
    },
};

/// Any currency that has minor units.
fn currency() -> impl Strategy<Value = Currency> {
    let all: Vec<Currency> = Currency::all().collect();
    (0..all.len()).prop_map(move |i| all[i])
}

/// A non-negative decimal with up to 15 integer digits and up to 10 decimals.
fn decimal() -> impl Strategy<Value = Decimal> {
    (0u64..1_000_000_000_000_000, 0u32..=10, any::<u64>()).prop_map(|(integer, scale, fraction)| {
        let fraction = fraction % 10u64.pow(scale);
        Decimal::from_i128_with_scale(
            i128::from(integer) * 10i128.pow(scale) + i128::from(fraction),
            scale,
        )
    })
}

/// Half of the currency's minor unit: 0.005 for USD.
fn half_unit(currency: Currency) -> Decimal {
    Decimal::new(5, currency.minor_units() + 1)
}

proptest! {
    /// An amount written with at most the currency's decimals is held exactly, at the currency's
    /// scale, and reads back as the same number.
    #[test]
    fn parsing_an_amount_neither_loses_nor_invents_a_cent(
        currency in currency(),
        integer in 0u64..1_000_000_000_000_000,
        fraction in any::<u64>(),
        decimals in 0u32..=4,
    ) {
        let decimals = decimals.min(currency.minor_units());
        let text = if decimals == 0 {
            integer.to_string()
        } else {
            format!("{integer}.{:0width$}", fraction % 10u64.pow(decimals), width = decimals as usize)
        };
        let money = Money::parse(&text, currency, "amount").unwrap();
        prop_assert_eq!(money.amount(), Decimal::from_str(&text).unwrap());
        prop_assert_eq!(money.amount().scale(), currency.minor_units());
        let again = Money::parse(&money.amount().to_string(), currency, "amount").unwrap();
        prop_assert_eq!(again, money);
    }

    /// An amount with more decimals than its currency allows is refused, never rounded.
    #[test]
    fn an_amount_finer_than_the_minor_unit_is_refused(
        currency in currency(),
        integer in 0u64..1_000_000_000,
        extra in 1u32..=6,
        last in 1u64..10,
    ) {
        let decimals = currency.minor_units() + extra;
        let text = format!("{integer}.{:0width$}", last, width = decimals as usize);
        let refused = Money::parse(&text, currency, "amount").unwrap_err();
        prop_assert!(
            ["TOO_MANY_DECIMALS"].contains(&refused.reason),
            "{} refused as {}", text, refused.reason
        );
    }

    /// Rounding to the minor unit moves a value by at most half a minor unit, half away from zero,
    /// and rounding again changes nothing.
    #[test]
    fn rounding_moves_at_most_half_a_minor_unit(currency in currency(), value in decimal()) {
        let rounded = round_to_currency(value, currency);
        let moved = (rounded - value).abs();
        prop_assert!(moved <= half_unit(currency), "{} -> {}", value, rounded);
        if moved == half_unit(currency) {
            prop_assert!(rounded > value, "a tie goes away from zero: {} -> {}", value, rounded);
        }
        prop_assert_eq!(rounded.scale(), currency.minor_units());
        prop_assert_eq!(round_to_currency(rounded, currency), rounded);
    }

    /// The line totals of a table add up: summing rounded lines and rounding each line once give
    /// a total within half a minor unit per line of the exact total, and the sum is exact.
    #[test]
    fn rounded_lines_stay_within_half_a_unit_each_of_the_exact_total(
        currency in currency(),
        values in prop::collection::vec(decimal(), 1..40),
    ) {
        let exact: Decimal = values.iter().sum();
        let lines: Vec<Decimal> = values.iter().map(|v| round_to_currency(*v, currency)).collect();
        let total: Decimal = lines.iter().sum();
        prop_assert!(
            (total - exact).abs() <= half_unit(currency) * Decimal::from(values.len()),
            "total {} exact {}", total, exact
        );
        prop_assert_eq!(total.scale(), currency.minor_units());
        prop_assert_eq!(round_to_currency(total, currency), total);
    }

    /// Shares always add up to exactly 100.0, each within a tenth of its exact percentage, none
    /// for nothing, and a larger amount never gets a smaller share.
    #[test]
    fn shares_add_up_to_one_hundred(values in prop::collection::vec(decimal(), 1..30)) {
        let total: Decimal = values.iter().sum();
        let Some(got) = shares(&values) else {
            prop_assert!(total.is_zero());
            return Ok(());
        };
        prop_assert_eq!(got.len(), values.len());
        prop_assert_eq!(got.iter().sum::<Decimal>(), Decimal::new(1000, 1));
        for (share, value) in got.iter().zip(&values) {
            prop_assert_eq!(share.scale(), 1);
            let exact = value * Decimal::from(100) / total;
            prop_assert!((share - exact).abs() < Decimal::new(1, 1), "{} for exact {}", share, exact);
            if value.is_zero() {
                prop_assert!(share.is_zero());
            }
        }
        for (i, a) in values.iter().enumerate() {
            for (j, b) in values.iter().enumerate() {
                if a > b {
                    prop_assert!(got[i] >= got[j], "{} got {} but {} got {}", a, got[i], b, got[j]);
                }
            }
        }
    }

    /// A page token changed in any way (one character, cut short, lengthened, its parts swapped,
    /// or signed with another key) is refused; the token as issued is accepted.
    #[test]
    fn any_modified_page_token_is_refused(
        last in "[a-z0-9-]{1,40}",
        position in any::<prop::sample::Index>(),
        replacement in "[A-Za-z0-9_.=+/-]",
        cut in any::<prop::sample::Index>(),
        tail in "[A-Za-z0-9_-]{1,8}",
        key in prop::collection::vec(any::<u8>(), 16..64),
        other_key in prop::collection::vec(any::<u8>(), 16..64),
    ) {
        let key = PageKey::new(key);
        let binding = || "scpf.v1.OrganizationService/ListOrganizations|filter=".to_owned();
        let first = PageRequest::<(String, i64)>::parse(&key, 1, "", binding()).unwrap();
        let rows = vec![(last.clone(), 1i64), ("zz".to_owned(), 2)];
        let (_, token) = first.finish(&key, rows, |r| r.clone());
        prop_assert!(!token.is_empty());
        let accepted = PageRequest::<(String, i64)>::parse(&key, 1, &token, binding()).unwrap();
        prop_assert_eq!(accepted.after, Some((last, 1i64)));

        let refuse = |modified: &str, how: &str| -> Result<(), TestCaseError> {
            if modified == token || modified.is_empty() {
                return Ok(()); // no change made, or no token at all: the first page
            }
            match PageRequest::<(String, i64)>::parse(&key, 1, modified, binding()) {
                Ok(_) => Err(TestCaseError::fail(format!("{how}: {modified:?} accepted (from {token:?})"))),
                Err(err) => {
                    prop_assert_eq!(err.reason(), "INVALID_PAGE_TOKEN", "{}: {}", how, err);
                    Ok(())
                }
            }
        };
        let chars: Vec<char> = token.chars().collect();
        let mut changed = chars.clone();
        changed[position.index(chars.len())] = replacement.chars().next().unwrap();
        refuse(&changed.iter().collect::<String>(), "one character changed")?;
        refuse(&chars[..cut.index(chars.len())].iter().collect::<String>(), "cut short")?;
        refuse(&format!("{token}{tail}"), "lengthened")?;
        let (payload, tag) = token.split_once('.').unwrap();
        refuse(&format!("{tag}.{payload}"), "parts swapped")?;
        refuse(&format!("{payload}.{payload}"), "payload as its own tag")?;
        let other = PageKey::new(other_key);
        let (_, forged) = PageRequest::<(String, i64)>::parse(&other, 1, "", binding())
            .unwrap()
            .finish(&other, vec![("a".to_owned(), 1i64), ("b".to_owned(), 2)], |r| r.clone());
        refuse(&forged, "signed with another key")?;
    }
}

/// Converting in PostgreSQL, as the report's queries do (`round(amount * rate, minor_units)`
/// and `round(amount / rate, minor_units)`), gives the exact result rounded half away from zero:
/// the product checked against exact decimal arithmetic, the quotient within half a minor unit
/// of the exact one (checked by multiplying back, which is exact).
#[sqlx::test(migrations = false)]
async fn conversion_in_postgresql_neither_loses_nor_invents_a_cent(pool: sqlx::PgPool) {
    use proptest::{strategy::ValueTree, test_runner::TestRunner};
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(256)
        * 16;
    let mut runner = TestRunner::default();
    let amount = (0i64..10_000_000_000_000).prop_map(|cents| Decimal::new(cents, 2));
    let rate = (1i64..100_000_000_000_000, 0u32..=10)
        .prop_map(|(m, s)| Decimal::new(m, s))
        .prop_filter("rates below 10000", |r| *r < Decimal::from(10_000));
    let strategy = prop::collection::vec((amount, rate), cases..=cases);
    let pairs = strategy.new_tree(&mut runner).unwrap().current();
    let amounts: Vec<Decimal> = pairs.iter().map(|p| p.0).collect();
    let rates: Vec<Decimal> = pairs.iter().map(|p| p.1).collect();
    let rows: Vec<(Decimal, Decimal, bool)> = sqlx::query_as(
        "SELECT round(a * r, 2), round(a / r, 2),
                abs(round(a / r, 2) * r - a) <= 0.005 * r
         FROM UNNEST($1::numeric[], $2::numeric[]) AS t(a, r)",
    )
    .bind(&amounts)
    .bind(&rates)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), pairs.len());
    for ((product, _, quotient_within_half_a_cent), (a, r)) in rows.iter().zip(&pairs) {
        let exact = a.checked_mul(*r).expect("the product fits 28 digits");
        let expected = exact.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        assert_eq!(*product, expected, "{a} x {r}");
        assert!(quotient_within_half_a_cent, "{a} / {r}");
    }
    println!(
        "properties: {} conversions in PostgreSQL checked against exact arithmetic",
        pairs.len()
    );
}
