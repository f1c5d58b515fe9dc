//! The committee's counting rules, as pure functions: shares that add up, achievement that
//! respects direction, the Article 4 test.

use rust_decimal::{Decimal, RoundingStrategy, prelude::ToPrimitive};

/// Splits 100.0 percent among `amounts` in proportion, to one decimal, so that the shares add up
/// to exactly 100.0 (largest remainder: each share is first rounded down to a tenth, then the
/// missing tenths go to the largest remainders, earlier items first on ties).
/// `None` when the amounts sum to zero: there is nothing to share.
pub fn shares(amounts: &[Decimal]) -> Option<Vec<Decimal>> {
    let total: Decimal = amounts.iter().sum();
    if total <= Decimal::ZERO {
        return None;
    }
    let thousand = Decimal::from(1000);
    let mut tenths: Vec<i64> = Vec::with_capacity(amounts.len());
    let mut remainders: Vec<(Decimal, usize)> = Vec::with_capacity(amounts.len());
    for (i, amount) in amounts.iter().enumerate() {
        let exact = amount * thousand / total;
        let floor = exact.floor();
        tenths.push(floor.to_i64().unwrap_or(0));
        remainders.push((exact - floor, i));
    }
    let missing = 1000 - tenths.iter().sum::<i64>();
    // Largest remainder first; the stable sort keeps earlier items first on ties.
    remainders.sort_by_key(|b| std::cmp::Reverse(b.0));
    for &(_, i) in remainders.iter().take(missing.max(0) as usize) {
        tenths[i] += 1;
    }
    Some(tenths.into_iter().map(|t| Decimal::new(t, 1)).collect())
}

/// Which way is better for an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Increasing,
    Decreasing,
}

/// Progress from baseline to target, in percent with one decimal (half away from zero):
/// `(actual - baseline) / (target - baseline)` when higher is better, and
/// `(baseline - actual) / (baseline - target)` when lower is better. Without a baseline, the
/// baseline is zero for an increasing indicator; a decreasing one without baseline compares
/// target to actual (`target / actual`). `None` when there is no target or no actual, or when
/// target equals baseline (no progress is asked for).
pub fn achievement(
    direction: Direction,
    baseline: Option<Decimal>,
    target: Option<Decimal>,
    actual: Option<Decimal>,
) -> Option<Decimal> {
    let (target, actual) = (target?, actual?);
    let hundred = Decimal::ONE_HUNDRED;
    let ratio = match (direction, baseline) {
        (Direction::Increasing, baseline) => {
            let baseline = baseline.unwrap_or(Decimal::ZERO);
            let asked = target - baseline;
            if asked.is_zero() {
                return None;
            }
            (actual - baseline).checked_div(asked)?
        }
        (Direction::Decreasing, Some(baseline)) => {
            let asked = baseline - target;
            if asked.is_zero() {
                return None;
            }
            (baseline - actual).checked_div(asked)?
        }
        (Direction::Decreasing, None) => {
            if actual.is_zero() {
                return None;
            }
            target.checked_div(actual)?
        }
    };
    Some((ratio * hundred).round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero))
}

/// Article 4 of the Constitution: a Member State whose arrears equal or exceed the contributions
/// due from it for the two preceding years has no vote. Equal counts; no arrears, no flag.
pub fn article_4(arrears: Decimal, due_two_preceding_years: Decimal) -> bool {
    arrears > Decimal::ZERO && arrears >= due_two_preceding_years
}

/// What remains unpaid of the assessments due before this year, when receipts settle the oldest
/// assessments first: never negative.
pub fn arrears(due_before_this_year: Decimal, received: Decimal) -> Decimal {
    (due_before_this_year - received).max(Decimal::ZERO)
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn shares_add_up_to_exactly_one_hundred() {
        let thirds = shares(&[d("1"), d("1"), d("1")]).unwrap();
        assert_eq!(thirds, [d("33.4"), d("33.3"), d("33.3")]);
        let uneven = shares(&[d("1000000.00"), d("250000.00"), d("1.00"), d("333333.33")]).unwrap();
        assert_eq!(uneven.iter().sum::<Decimal>(), d("100.0"));
        // 63.1578.. / 15.7894.. / 21.0526..: floors 63.1 + 15.7 + 21.0 = 99.8; the two tenths
        // go to the largest remainders (15.78.. and 63.15..).
        assert_eq!(
            shares(&[d("60"), d("15"), d("20")]).unwrap(),
            [d("63.2"), d("15.8"), d("21.0")]
        );
        assert_eq!(shares(&[d("0"), d("0")]), None);
        assert_eq!(shares(&[d("5")]).unwrap(), [d("100.0")]);
    }

    #[test]
    fn achievement_respects_direction_and_baseline() {
        use Direction::*;
        // 90,500 returns of a 92,000 target since a zero baseline.
        assert_eq!(
            achievement(Increasing, Some(d("0")), Some(d("92000")), Some(d("90500"))),
            Some(d("98.4"))
        );
        // Lower is better: from 40 down to a target of 20, now 25: three quarters of the way.
        assert_eq!(
            achievement(Decreasing, Some(d("40")), Some(d("20")), Some(d("25"))),
            Some(d("75.0"))
        );
        // Overshooting shows above 100.
        assert_eq!(
            achievement(Decreasing, Some(d("40")), Some(d("20")), Some(d("10"))),
            Some(d("150.0"))
        );
        assert_eq!(
            achievement(Increasing, None, Some(d("3")), Some(d("1"))),
            Some(d("33.3"))
        );
        assert_eq!(
            achievement(Increasing, Some(d("5")), Some(d("5")), Some(d("7"))),
            None
        );
        assert_eq!(achievement(Increasing, None, None, Some(d("7"))), None);
        assert_eq!(
            achievement(Decreasing, None, Some(d("10")), Some(d("20"))),
            Some(d("50.0"))
        );
    }

    #[test]
    fn article_4_counts_equality_and_needs_arrears() {
        assert!(article_4(d("200.00"), d("200.00")));
        assert!(article_4(d("200.01"), d("200.00")));
        assert!(!article_4(d("199.99"), d("200.00")));
        assert!(!article_4(d("0"), d("0")));
        assert_eq!(arrears(d("100"), d("150")), d("0"));
        assert_eq!(arrears(d("300"), d("100")), d("200"));
    }
}
