//! The page's four charts, taken from the report: money paid by donor, flexibility shares,
//! multi-year schedules and indicator achievement. The report's decimal strings are parsed here
//! for drawing only; every figure a chart prints is the report's own string, and every chart's
//! data is also in the table beside it.

use std::{collections::BTreeMap, str::FromStr};

use rust_decimal::{Decimal, prelude::ToPrimitive};

use super::draw::{
    Bar, Bars, CATEGORY, MUTED, PRIMARY, YearStack, compact, money_range, percent, shorten, stacked,
};
use crate::{
    pb,
    report::render::{RenderError, labels},
};

/// One chart, ready to be placed in the page.
pub struct Chart {
    /// The inline `<svg>` element, with its `<title>` and `<desc>`.
    pub svg: String,
    /// The caption under it.
    pub caption: String,
    /// Small charts sit side by side on a wide screen.
    pub small: bool,
}

/// A figure of the report as an exact decimal; `field` names it when it is damaged.
fn decimal(field: &str, value: &str) -> Result<Decimal, RenderError> {
    Decimal::from_str(value).map_err(|_| RenderError::Figure {
        field: field.to_owned(),
        value: value.to_owned(),
    })
}

/// A plotting coordinate; only ever used to place a mark.
fn coordinate(d: Decimal) -> f64 {
    d.to_f64().unwrap_or_default()
}

/// (a) Money paid in the period by donor, largest first.
pub fn donors(v: &pb::VoluntaryContributions) -> Result<Option<Chart>, RenderError> {
    let mut rows = Vec::new();
    for (i, d) in v.donors.iter().enumerate() {
        if d.paid.is_empty() {
            continue;
        }
        let field = format!("voluntary_contributions.donors[{i}].paid");
        rows.push((decimal(&field, &d.paid)?, d));
    }
    if rows.is_empty() {
        return Ok(None);
    }
    rows.sort_by_key(|row| std::cmp::Reverse(row.0));
    let bars: Vec<Bar> = rows
        .iter()
        .map(|(value, d)| Bar {
            label: shorten(&d.donor_name, 40),
            value: coordinate(*value),
            text: d.paid.clone(),
            color: PRIMARY,
        })
        .collect();
    let currency = &v.currency_code;
    let desc = rows
        .iter()
        .map(|(_, d)| format!("{}: {currency} {}", d.donor_name, d.paid))
        .collect::<Vec<_>>()
        .join("; ");
    let range = money_range(&bars);
    let svg = Bars {
        id: "chart-donors",
        title: format!("Money paid in the period by donor, in {currency}"),
        desc: format!(
            "Horizontal bars, largest first. {desc}. Total {currency} {}.",
            v.total_paid
        ),
        axis: currency.clone(),
        ticks: compact,
        range,
        reference: None,
        bars,
    }
    .draw()?;
    Ok(Some(Chart {
        svg,
        caption: format!(
            "Money paid in the period by donor, in {currency}, largest first (total {currency} {}).",
            v.total_paid
        ),
        small: false,
    }))
}

/// (b) Shares of the money paid by earmarking category.
pub fn flexibility(f: &pb::Flexibility) -> Result<Option<Chart>, RenderError> {
    let mut bars = Vec::new();
    let mut desc = Vec::new();
    for (i, c) in f.categories.iter().enumerate() {
        if c.share.is_empty() {
            continue;
        }
        let share = decimal(&format!("flexibility.categories[{i}].share"), &c.share)?;
        let label = labels::category_with_code(c.category);
        desc.push(format!("{label}: {} %", c.share));
        let shade = usize::try_from(c.category - 1).unwrap_or(0).min(3);
        bars.push(Bar {
            label,
            value: coordinate(share),
            text: format!("{} %", c.share),
            color: CATEGORY[shade],
        });
    }
    if bars.is_empty() {
        return Ok(None);
    }
    let svg = Bars {
        id: "chart-flexibility",
        title: "Shares of the money paid in the period by earmarking category".into(),
        desc: format!(
            "Horizontal bars of percentages adding up to 100.0. {}. Flexible (categories 1 and 2): {} %.",
            desc.join("; "),
            f.flexible_share
        ),
        axis: "Share of the money paid (%)".into(),
        ticks: percent,
        range: (0.0, 100.0),
        reference: None,
        bars,
    }
    .draw()?;
    Ok(Some(Chart {
        svg,
        caption: format!(
            "Shares by earmarking category; flexible funding (categories 1 and 2) is {} %.",
            f.flexible_share
        ),
        small: false,
    }))
}

/// (d) Achievement of each indicator's total against its target; unverified bars are pale and
/// marked †.
pub fn achievement(r: &pb::ProgrammeResults) -> Result<Option<Chart>, RenderError> {
    let mut bars = Vec::new();
    let mut desc = Vec::new();
    for (p_i, p) in r.programmes.iter().enumerate() {
        for (i_i, i) in p.indicators.iter().enumerate() {
            let total = i.total.clone().unwrap_or_default();
            if total.achievement.is_empty() {
                continue;
            }
            let field =
                format!("programme_results.programmes[{p_i}].indicators[{i_i}].total.achievement");
            let value = decimal(&field, &total.achievement)?;
            let mark = if total.verified { "" } else { " †" };
            desc.push(format!(
                "{} {}: {} %{}",
                p.code,
                i.title,
                total.achievement,
                if total.verified { "" } else { " (unverified)" }
            ));
            bars.push(Bar {
                label: shorten(&format!("{} · {}", p.code, i.title), 90),
                value: coordinate(value),
                text: format!("{} %{mark}", total.achievement),
                color: if total.verified { PRIMARY } else { MUTED },
            });
        }
    }
    if bars.is_empty() {
        return Ok(None);
    }
    let max = bars.iter().map(|b| b.value).fold(100.0, f64::max);
    let min = bars.iter().map(|b| b.value).fold(0.0, f64::min);
    let svg = Bars {
        id: "chart-achievement",
        title: "Achievement of each indicator against its target".into(),
        desc: format!(
            "Horizontal bars of achievement in percent, with a dashed line at 100 % (target \
             reached). {}.",
            desc.join("; ")
        ),
        axis: "Achievement (%)".into(),
        ticks: percent,
        range: (min * 1.1, max * 1.12),
        reference: Some((100.0, "target (100 %)".into())),
        bars,
    }
    .draw()?;
    Ok(Some(Chart {
        svg,
        caption: "Achievement against target, per indicator (totals). The dashed line is 100 %; \
                  pale bars marked † rest on unverified figures."
            .into(),
        small: false,
    }))
}

/// Paid, due and future amounts of one year.
#[derive(Default, Clone, Copy)]
struct YearAmounts {
    paid: Decimal,
    due: Decimal,
    future: Decimal,
}

/// (c) Multi-year schedules by year of the due date: paid, due and future amounts, stacked; one
/// chart per currency, since agreements in different currencies do not add up.
pub fn schedules(m: &pb::MultiYearCommitments) -> Result<Vec<Chart>, RenderError> {
    let mut by_currency: BTreeMap<String, (BTreeMap<String, YearAmounts>, usize)> = BTreeMap::new();
    for (s_i, s) in m.schedules.iter().enumerate() {
        let mut counted = false;
        for (i_i, inst) in s.installments.iter().enumerate() {
            let (currency, amount) = labels::money(inst.amount.as_ref());
            let field = format!("multi_year_commitments.schedules[{s_i}].installments[{i_i}]");
            let amount = decimal(&format!("{field}.amount.amount"), &amount)?;
            let paid = match labels::amount(inst.paid.as_ref()) {
                p if p.is_empty() => Decimal::ZERO,
                p => decimal(&format!("{field}.paid.amount"), &p)?,
            };
            let year = inst.due_date.get(..4).unwrap_or("").to_owned();
            let entry = by_currency.entry(currency).or_default();
            if !counted {
                entry.1 += 1;
                counted = true;
            }
            let y = entry.0.entry(year).or_default();
            let rest = (amount - paid).max(Decimal::ZERO);
            y.paid += paid;
            match labels::installment_status(inst.status).as_str() {
                "due" => y.due += rest,
                _ => y.future += rest,
            }
        }
    }
    by_currency
        .into_iter()
        .map(|(currency, (years, count))| schedule_chart(&currency, &years, count))
        .collect()
}

fn schedule_chart(
    currency: &str,
    years: &BTreeMap<String, YearAmounts>,
    schedules: usize,
) -> Result<Chart, RenderError> {
    let stacks: Vec<YearStack> = years
        .iter()
        .map(|(year, y)| YearStack {
            year: year.clone(),
            paid: coordinate(y.paid),
            due: coordinate(y.due),
            future: coordinate(y.future),
        })
        .collect();
    // An id from the currency code's letters only: it lands in attributes.
    let code: String = currency
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_lowercase();
    let id = format!("chart-schedules-{code}");
    let title = format!("Multi-year schedules in {currency}, by year: paid, due and future");
    let desc = format!(
        "Stacked bars, one per year of the installments' due dates ({}), for {schedules} \
         schedule(s) in {currency}: the part paid, the part due and unpaid, and the part due in \
         the future. Each installment is listed in the table below.",
        years.keys().cloned().collect::<Vec<_>>().join(", ")
    );
    Ok(Chart {
        svg: stacked(&id, &title, &desc, currency, &stacks)?,
        caption: format!(
            "Installments in {currency} by year of the due date: paid, due and unpaid, future."
        ),
        small: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_compact() {
        assert_eq!(compact(1_500_000.0), "1.5M");
        assert_eq!(compact(2_000_000.0), "2M");
        assert_eq!(compact(250_000.0), "250k");
        assert_eq!(compact(40.0), "40");
    }

    #[test]
    fn a_damaged_figure_is_named() {
        let v = pb::VoluntaryContributions {
            donors: vec![pb::DonorTotal {
                paid: "1,000.00".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        match donors(&v) {
            Err(RenderError::Figure { field, value }) => {
                assert_eq!(field, "voluntary_contributions.donors[0].paid");
                assert_eq!(value, "1,000.00");
            }
            other => panic!(
                "expected a damaged figure, got {:?}",
                other.map(|c| c.is_some())
            ),
        }
    }
}
