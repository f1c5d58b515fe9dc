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
    report::render::{
        RenderError,
        document::terms,
        labels,
        words::{Arg, Words},
    },
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
pub fn donors(v: &pb::VoluntaryContributions, w: &Words) -> Result<Option<Chart>, RenderError> {
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
            label: shorten(&w.organization(&d.donor, &d.donor_name), 40),
            value: coordinate(*value),
            text: w.number(&d.paid),
            color: PRIMARY,
        })
        .collect();
    let currency = &v.currency_code;
    let desc = rows
        .iter()
        .map(|(_, d)| {
            format!(
                "{}: {}",
                w.organization(&d.donor, &d.donor_name),
                w.money(currency, &d.paid)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let range = money_range(&bars);
    let svg = Bars {
        id: "chart-donors",
        title: w.t_args("chart-donors-title", &[("currency", Arg::Text(currency))]),
        desc: w.t_args(
            "chart-donors-desc",
            &[
                ("bars", Arg::Text(&desc)),
                ("total", Arg::Text(&w.money(currency, &v.total_paid))),
            ],
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
        caption: w.t_args(
            "chart-donors-caption",
            &[
                ("currency", Arg::Text(currency)),
                ("total", Arg::Text(&w.money(currency, &v.total_paid))),
            ],
        ),
        small: false,
    }))
}

/// (b) Shares of the money paid by earmarking category.
pub fn flexibility(f: &pb::Flexibility, w: &Words) -> Result<Option<Chart>, RenderError> {
    let mut bars = Vec::new();
    let mut desc = Vec::new();
    for (i, c) in f.categories.iter().enumerate() {
        if c.share.is_empty() {
            continue;
        }
        let share = decimal(&format!("flexibility.categories[{i}].share"), &c.share)?;
        let label = terms::category_with_code(w, c.category);
        let percent = w.t_args("percent", &[("value", Arg::Text(&w.number(&c.share)))]);
        desc.push(format!("{label}: {percent}"));
        let shade = usize::try_from(c.category - 1).unwrap_or(0).min(3);
        bars.push(Bar {
            label,
            value: coordinate(share),
            text: percent,
            color: CATEGORY[shade],
        });
    }
    if bars.is_empty() {
        return Ok(None);
    }
    let svg = Bars {
        id: "chart-flexibility",
        title: w.t("chart-flexibility-title"),
        desc: w.t_args(
            "chart-flexibility-desc",
            &[
                ("bars", Arg::Text(&desc.join("; "))),
                ("share", Arg::Text(&w.number(&f.flexible_share))),
            ],
        ),
        axis: w.t("chart-flexibility-axis"),
        ticks: percent,
        range: (0.0, 100.0),
        reference: None,
        bars,
    }
    .draw()?;
    Ok(Some(Chart {
        svg,
        caption: w.t_args(
            "chart-flexibility-caption",
            &[("share", Arg::Text(&w.number(&f.flexible_share)))],
        ),
        small: false,
    }))
}

/// (d) Achievement of each indicator's total against its target; unverified bars are pale and
/// marked †.
pub fn achievement(r: &pb::ProgrammeResults, w: &Words) -> Result<Option<Chart>, RenderError> {
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
            let percent = w.t_args(
                "percent",
                &[("value", Arg::Text(&w.number(&total.achievement)))],
            );
            let unverified = if total.verified {
                String::new()
            } else {
                format!(" ({})", w.t("page-unverified"))
            };
            desc.push(format!("{} {}: {percent}{unverified}", p.code, i.title));
            bars.push(Bar {
                label: shorten(&format!("{} · {}", p.code, i.title), 90),
                value: coordinate(value),
                text: format!("{percent}{mark}"),
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
        title: w.t("chart-achievement-title"),
        desc: w.t_args(
            "chart-achievement-desc",
            &[("bars", Arg::Text(&desc.join("; ")))],
        ),
        axis: w.t("col-achievement"),
        ticks: percent,
        range: (min * 1.1, max * 1.12),
        reference: Some((100.0, w.t("chart-achievement-target"))),
        bars,
    }
    .draw()?;
    Ok(Some(Chart {
        svg,
        caption: w.t("chart-achievement-caption"),
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
pub fn schedules(m: &pb::MultiYearCommitments, w: &Words) -> Result<Vec<Chart>, RenderError> {
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
            if inst.status == pb::InstallmentStatus::Due as i32 {
                y.due += rest;
            } else {
                y.future += rest;
            }
        }
    }
    by_currency
        .into_iter()
        .map(|(currency, (years, count))| schedule_chart(&currency, &years, count, w))
        .collect()
}

fn schedule_chart(
    currency: &str,
    years: &BTreeMap<String, YearAmounts>,
    schedules: usize,
    w: &Words,
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
    let title = w.t_args(
        "chart-schedules-title",
        &[("currency", Arg::Text(currency))],
    );
    let years_list = years.keys().cloned().collect::<Vec<_>>().join(", ");
    let desc = w.t_args(
        "chart-schedules-desc",
        &[
            ("years", Arg::Text(&years_list)),
            (
                "count",
                Arg::Count(i64::try_from(schedules).unwrap_or(i64::MAX)),
            ),
            ("currency", Arg::Text(currency)),
        ],
    );
    let legend = [
        w.t("installment-paid"),
        w.t("installment-due"),
        w.t("installment-future"),
    ];
    Ok(Chart {
        svg: stacked(
            &id,
            &title,
            &desc,
            currency,
            &w.t("chart-schedules-axis"),
            [&legend[0], &legend[1], &legend[2]],
            &stacks,
        )?,
        caption: w.t_args(
            "chart-schedules-caption",
            &[("currency", Arg::Text(currency))],
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
        match donors(&v, &crate::report::render::Language::English.words()) {
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
