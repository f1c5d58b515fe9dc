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
        let money = match Money::parse(&text, currency, "amount") {
            Ok(money) => money,
            // Amounts have a documented upper bound; a billion is always within it.
            Err(refused) => {
                prop_assert!(integer >= 1_000_000_000, "{} refused: {}", text, refused.description);
                prop_assert_eq!(refused.reason, "AMOUNT_TOO_LARGE");
                return Ok(());
            }
        };
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
    // Rates below 10,000 with up to 10 decimals: products stay within 28 exact digits.
    let rate = (0u32..=10)
        .prop_flat_map(|s| (1i64..10_000 * 10i64.pow(s)).prop_map(move |m| Decimal::new(m, s)));
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

/// One generated period of data: donors, their contributions in several currencies, receipts in
/// random months, and a rate for every currency and month.
#[derive(Debug, Clone)]
struct Period {
    /// (currency, month 1-12, rate to USD)
    rates: Vec<(&'static str, u32, Decimal)>,
    contributions: Vec<Contribution>,
}

/// (donor index, currency, category index, [(month, amount)])
type Contribution = (usize, &'static str, usize, Vec<(u32, Decimal)>);

/// Currencies of 0, 2 and 3 decimals, and the report's own.
const CURRENCIES: &[(&str, u32)] = &[("EUR", 2), ("CHF", 2), ("JPY", 0), ("KWD", 3), ("USD", 2)];

fn period() -> impl Strategy<Value = Period> {
    let rate = (5_000u64..2_000_000, 4u32..=6).prop_map(|(m, s)| {
        Decimal::from_i128_with_scale(i128::from(m) * 10i128.pow(s - 4), s) / Decimal::from(100)
    });
    let rates = prop::collection::vec(rate, CURRENCIES.len() * 12);
    let receipt = |decimals: u32| {
        (1u32..=12, 1u64..5_000_000_000).prop_map(move |(month, units)| {
            (
                month,
                Decimal::from_i128_with_scale(i128::from(units), decimals),
            )
        })
    };
    let contribution = (0usize..4, 0usize..CURRENCIES.len(), 0usize..4).prop_flat_map(
        move |(donor, currency, category)| {
            let (code, decimals) = CURRENCIES[currency];
            prop::collection::vec(receipt(decimals), 1..5)
                .prop_map(move |receipts| (donor, code, category, receipts))
        },
    );
    (rates, prop::collection::vec(contribution, 1..7)).prop_map(|(rates, contributions)| {
        let rates = CURRENCIES
            .iter()
            .enumerate()
            .flat_map(|(c, (code, _))| {
                let rates = &rates;
                (1..=12u32).map(move |month| (*code, month, rates[c * 12 + month as usize - 1]))
            })
            .collect();
        Period {
            rates,
            contributions,
        }
    })
}

/// Generated periods through the real server: every converted line of a report is the exact
/// sum of its receipts times its month's rate, rounded once, half away from zero, to the cent;
/// each donor's total and the report's total are the sums of their lines; flexibility's
/// categories add up to its total and its shares to 100.0.
#[sqlx::test(migrations = false)]
async fn report_lines_are_exact_and_add_up_to_the_totals(pool: sqlx::PgPool) {
    use std::collections::BTreeMap;

    use proptest::{strategy::ValueTree, test_runner::TestRunner};
    use scpf_reports::pb;

    use crate::reports::fixture::{Voluntary, World, content};

    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .map_or(4, |n| (n / 64).clamp(4, 60));
    let mut runner = TestRunner::default();
    let mut w = World::start(pool).await;
    let categories = [
        (
            pb::EarmarkingCategory::Unearmarked,
            pb::EarmarkingModality::A,
        ),
        (
            pb::EarmarkingCategory::SoftlyEarmarked,
            pb::EarmarkingModality::D,
        ),
        (pb::EarmarkingCategory::Earmarked, pb::EarmarkingModality::G),
        (
            pb::EarmarkingCategory::TightlyEarmarked,
            pb::EarmarkingModality::I,
        ),
    ];
    w.programme("p", "P", pb::SrfObjective::SavingLives).await;
    let mut lines_checked = 0;
    for case in 0..cases {
        let p = period().new_tree(&mut runner).unwrap().current();
        // A past year of its own (rates are per month): receipts dated after today are not
        // reported as paid yet.
        let year = 1960 + case as i32;
        let session = 100 + case as i32;
        w.session(
            session,
            (
                &format!("{}-03-01", year + 1),
                &format!("{}-03-02", year + 1),
            ),
            (&format!("{year}-01-01"), &format!("{year}-12-31")),
        )
        .await;
        for (code, month, rate) in &p.rates {
            if *code != "USD" {
                w.rate(
                    code,
                    "USD",
                    &format!("{year}-{month:02}"),
                    &rate.to_string(),
                )
                .await;
            }
        }
        let rate_of = |code: &str, month: u32| -> Decimal {
            if code == "USD" {
                return Decimal::ONE;
            }
            p.rates
                .iter()
                .find(|(c, m, _)| *c == code && *m == month)
                .unwrap()
                .2
        };
        for d in 0..4 {
            w.donor(
                &format!("c{case}-d{d}"),
                &format!("Donor {case}.{d}"),
                "BE",
                false,
            )
            .await;
        }
        // Expected paid lines, computed here: (donor, category, currency, month) -> sum.
        let mut expected: BTreeMap<(String, i32, String, String), Decimal> = BTreeMap::new();
        for (k, (donor, code, category, receipts)) in p.contributions.iter().enumerate() {
            let donor = format!("c{case}-d{donor}");
            let id = format!("{donor}-{k}");
            let total: Decimal = receipts.iter().map(|r| r.1).sum();
            let due = format!("{year}-12-31");
            let total_text = total.to_string();
            let installments = [(due.as_str(), total_text.as_str())];
            let (category, modality) = categories[*category];
            let agreement = format!("{year}-01-05");
            w.voluntary(Voluntary {
                category,
                modality,
                programme: if category as i32 >= 3 { "p" } else { "" },
                agreement_date: &agreement,
                ..Voluntary::simple(&id, &donor, code, &installments)
            })
            .await;
            for (month, amount) in receipts {
                w.receipt(
                    &id,
                    &format!("{year}-{month:02}-15"),
                    code,
                    &amount.to_string(),
                )
                .await;
                *expected
                    .entry((
                        donor.clone(),
                        category as i32,
                        code.to_string(),
                        format!("{year}-{month:02}"),
                    ))
                    .or_default() += amount;
            }
        }
        let report = w.generate(session, None).await;
        let c = content(&report);
        let v = c.voluntary_contributions.as_ref().unwrap();
        assert_eq!(v.lines_without_rate, 0, "case {case}: {p:?}");
        let mut got: BTreeMap<(String, i32, String, String), Decimal> = BTreeMap::new();
        for line in &v.paid {
            let original = line.original.as_ref().unwrap();
            let key = (
                line.donor.trim_start_matches("organizations/").to_owned(),
                line.earmarking_category,
                original.currency_code.clone(),
                line.month.clone(),
            );
            let sum = expected
                .get(&key)
                .unwrap_or_else(|| panic!("case {case}: a line nobody paid: {line:?}"));
            assert_eq!(
                Decimal::from_str(&original.amount).unwrap(),
                *sum,
                "{key:?}"
            );
            let rate = rate_of(&original.currency_code, line.month[5..].parse().unwrap());
            let exact = sum.checked_mul(rate).unwrap();
            let cents = exact.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
            assert_eq!(
                Decimal::from_str(&line.amount).unwrap(),
                cents,
                "case {case}: {sum} {} at {rate}",
                original.currency_code
            );
            got.insert(key, cents);
        }
        assert_eq!(
            got.len(),
            expected.len(),
            "case {case}: one line per donor, earmarking, currency and month"
        );
        lines_checked += got.len();
        let total: Decimal = got.values().sum();
        assert_eq!(
            Decimal::from_str(&v.total_paid).unwrap(),
            total,
            "case {case}"
        );
        for donor in &v.donors {
            let id = donor.donor.trim_start_matches("organizations/");
            let sum: Decimal = got.iter().filter(|(k, _)| k.0 == id).map(|(_, v)| *v).sum();
            assert_eq!(
                Decimal::from_str(&donor.paid).unwrap(),
                sum,
                "case {case}: {id}"
            );
        }
        let committed: Decimal = v
            .committed
            .iter()
            .map(|l| Decimal::from_str(&l.amount).unwrap())
            .sum();
        assert_eq!(
            Decimal::from_str(&v.total_committed).unwrap(),
            committed,
            "case {case}"
        );
        let f = c.flexibility.as_ref().unwrap();
        let categories_sum: Decimal = f
            .categories
            .iter()
            .map(|x| Decimal::from_str(&x.amount).unwrap())
            .sum();
        assert_eq!(
            Decimal::from_str(&f.total).unwrap(),
            categories_sum,
            "case {case}"
        );
        if !categories_sum.is_zero() {
            let shares: Decimal = f
                .categories
                .iter()
                .map(|x| Decimal::from_str(&x.share).unwrap())
                .sum();
            assert_eq!(shares, Decimal::new(1000, 1), "case {case}");
        }
    }
    println!(
        "properties: {cases} generated periods reported, {lines_checked} converted lines exact, every total the sum of its lines"
    );
}
