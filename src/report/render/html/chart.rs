//! The page's SVG charts, drawn with plotters. Their numbers come from the report's decimal
//! strings, parsed here for drawing only: coordinates may be floating point, but every figure a
//! chart prints beside a bar is the report's own string, and every chart's data is also in the
//! table beside it.

use std::{collections::BTreeMap, fmt::Display, str::FromStr};

use plotters::{
    prelude::*,
    style::text_anchor::{HPos, Pos, VPos},
};
use rust_decimal::{Decimal, prelude::ToPrimitive};

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
}

/// Bar charts are wider than the schedules so that long indicator names fit beside the bars.
const BARS_WIDTH: u32 = 900;
const WIDTH: u32 = 760;
const FONT: &str = "sans-serif";
const INK: RGBColor = RGBColor(33, 37, 41);
const GRID: RGBColor = RGBColor(222, 226, 230);
const PRIMARY: RGBColor = RGBColor(31, 58, 95);
const MUTED: RGBColor = RGBColor(163, 176, 194);
const DUE: RGBColor = RGBColor(176, 94, 34);
const FUTURE: RGBColor = RGBColor(200, 208, 220);
/// Categories 1 to 4, from most flexible (darkest) to tightly earmarked (lightest).
const CATEGORY: [RGBColor; 4] = [
    RGBColor(31, 58, 95),
    RGBColor(70, 106, 153),
    RGBColor(122, 151, 190),
    RGBColor(180, 197, 219),
];

fn drawn<T, E: Display>(result: Result<T, E>) -> Result<T, RenderError> {
    result.map_err(|e| RenderError::Chart(e.to_string()))
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

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Gives plotters' SVG an accessible name and description, and a class for the page's CSS.
fn accessible(svg: String, id: &str, title: &str, desc: &str) -> String {
    let Some(end) = svg.find('>') else {
        return svg;
    };
    let open = svg[..end].replacen(
        "<svg ",
        &format!(r#"<svg class="chart" role="img" aria-labelledby="{id}-title {id}-desc" "#),
        1,
    );
    format!(
        "{open}>\n<title id=\"{id}-title\">{}</title>\n<desc id=\"{id}-desc\">{}</desc>{}",
        xml_escape(title),
        xml_escape(desc),
        &svg[end + 1..]
    )
}

/// Axis ticks: 1.5M, 250k, 40. Ticks are positions, not figures of the report.
fn compact(v: f64) -> String {
    let a = v.abs();
    let (scaled, suffix) = if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e3 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let text = format!("{scaled:.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text);
    format!("{text}{suffix}")
}

fn percent(v: f64) -> String {
    format!("{v:.0}%")
}

/// A label cut to fit beside a bar; the table has it whole.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max - 1).collect();
    format!("{}…", cut.trim_end())
}

fn font(size: u32) -> TextStyle<'static> {
    (FONT, size).into_font().color(&INK)
}

/// One horizontal bar.
struct Bar {
    label: String,
    value: f64,
    /// Printed at the end of the bar: the report's string.
    text: String,
    color: RGBColor,
}

/// Horizontal bars, first bar on top, with an optional dashed reference line.
struct Bars {
    id: &'static str,
    title: String,
    desc: String,
    axis: String,
    ticks: fn(f64) -> String,
    range: (f64, f64),
    reference: Option<(f64, String)>,
    bars: Vec<Bar>,
}

impl Bars {
    fn draw(self) -> Result<String, RenderError> {
        let n = self.bars.len();
        let longest = self
            .bars
            .iter()
            .map(|b| b.label.chars().count())
            .max()
            .unwrap_or(0);
        // Long labels (indicator names) go above their bar so the bars keep the full width;
        // short ones (donors, categories) sit beside it.
        let above = longest > 28;
        let (row, label_width) = if above {
            (50, 12)
        } else {
            (34, (longest as u32 * 7 + 16).clamp(80, 260))
        };
        let height = 70 + row * n as u32;
        // Band of one bar, as fractions of its row: bar bottom and top, and where its label sits.
        let (bar_low, bar_high, label_at) = if above {
            (0.10, 0.52, 0.78)
        } else {
            (0.18, 0.82, 0.5)
        };
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (BARS_WIDTH, height)).into_drawing_area();
            drawn(root.fill(&WHITE))?;
            let mut chart = drawn(
                ChartBuilder::on(&root)
                    .margin_top(18)
                    .margin_right(90)
                    .margin_left(8)
                    .margin_bottom(4)
                    .x_label_area_size(44)
                    .y_label_area_size(label_width)
                    .build_cartesian_2d(self.range.0..self.range.1, 0f64..n as f64),
            )?;
            let mut mesh = chart.configure_mesh();
            // Grid lines would run through labels placed above the bars.
            if above {
                mesh.disable_x_mesh();
            }
            drawn(
                mesh.disable_y_mesh()
                    .y_labels(0)
                    .x_labels(6)
                    .x_label_formatter(&|v| (self.ticks)(*v))
                    .x_desc(self.axis.as_str())
                    .label_style(font(15))
                    .axis_desc_style(font(15))
                    .axis_style(INK.mix(0.6))
                    .bold_line_style(GRID)
                    .light_line_style(TRANSPARENT)
                    .draw(),
            )?;
            let base = 0f64.clamp(self.range.0, self.range.1);
            for (rank, bar) in self.bars.iter().enumerate() {
                let y = (n - 1 - rank) as f64;
                drawn(chart.draw_series(std::iter::once(Rectangle::new(
                    [(base, y + bar_low), (bar.value, y + bar_high)],
                    bar.color.filled(),
                ))))?;
                let middle = y + (bar_low + bar_high) / 2.0;
                let (x, text_y) = chart.backend_coord(&(bar.value.max(base), middle));
                drawn(root.draw(&Text::new(
                    bar.text.clone(),
                    (x + 6, text_y),
                    font(15).pos(Pos::new(HPos::Left, VPos::Center)),
                )))?;
                let (left, label_y) = chart.backend_coord(&(self.range.0, y + label_at));
                let (x, anchor) = if above {
                    (left + 2, HPos::Left)
                } else {
                    (left - 8, HPos::Right)
                };
                drawn(root.draw(&Text::new(
                    bar.label.clone(),
                    (x, label_y),
                    font(15).pos(Pos::new(anchor, VPos::Center)),
                )))?;
            }
            if let Some((at, label)) = &self.reference {
                drawn(chart.draw_series(DashedLineSeries::new(
                    [(*at, 0.0), (*at, n as f64)],
                    6,
                    4,
                    INK.stroke_width(1),
                )))?;
                let (x, top) = chart.backend_coord(&(*at, n as f64));
                drawn(root.draw(&Text::new(
                    label.clone(),
                    (x, top - 3),
                    font(13).pos(Pos::new(HPos::Center, VPos::Bottom)),
                )))?;
            }
            drawn(root.present())?;
        }
        Ok(accessible(svg, self.id, &self.title, &self.desc))
    }
}

/// Largest value first; the right end leaves room for the printed figure.
fn money_range(bars: &[Bar]) -> (f64, f64) {
    let max = bars.iter().map(|b| b.value).fold(0.0, f64::max);
    let min = bars.iter().map(|b| b.value).fold(0.0, f64::min);
    (min * 1.1, if max > 0.0 { max * 1.08 } else { 1.0 })
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
        .map(|(currency, (years, count))| stacked(&currency, &years, count))
        .collect()
}

fn stacked(
    currency: &str,
    years: &BTreeMap<String, YearAmounts>,
    schedules: usize,
) -> Result<Chart, RenderError> {
    let n = years.len();
    let top = years
        .values()
        .map(|y| coordinate(y.paid + y.due + y.future))
        .fold(0.0, f64::max);
    let top = if top > 0.0 { top * 1.1 } else { 1.0 };
    let height = 340;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        drawn(root.fill(&WHITE))?;
        let mut chart = drawn(
            ChartBuilder::on(&root)
                .margin_top(40)
                .margin_right(20)
                .margin_left(8)
                .margin_bottom(4)
                .x_label_area_size(48)
                .y_label_area_size(70)
                .build_cartesian_2d(0f64..n as f64, 0f64..top),
        )?;
        drawn(
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(0)
                .y_labels(6)
                .y_label_formatter(&|v| compact(*v))
                .x_desc("Year of the due date")
                .y_desc(currency)
                .label_style(font(15))
                .axis_desc_style(font(15))
                .axis_style(INK.mix(0.6))
                .bold_line_style(GRID)
                .light_line_style(TRANSPARENT)
                .draw(),
        )?;
        for (i, (year, y)) in years.iter().enumerate() {
            let x = i as f64;
            let mut bottom = 0.0;
            for (amount, color) in [(y.paid, PRIMARY), (y.due, DUE), (y.future, FUTURE)] {
                let height = coordinate(amount);
                if height > 0.0 {
                    drawn(chart.draw_series(std::iter::once(Rectangle::new(
                        [(x + 0.2, bottom), (x + 0.8, bottom + height)],
                        color.filled(),
                    ))))?;
                }
                bottom += height;
            }
            let (cx, base) = chart.backend_coord(&(x + 0.5, 0.0));
            drawn(root.draw(&Text::new(
                year.clone(),
                (cx, base + 8),
                font(15).pos(Pos::new(HPos::Center, VPos::Top)),
            )))?;
        }
        // The legend sits above the plot, clear of the bars.
        let mut x = 90;
        for (label, color) in [("paid", PRIMARY), ("due", DUE), ("future", FUTURE)] {
            drawn(root.draw(&Rectangle::new([(x, 14), (x + 14, 28)], color.filled())))?;
            drawn(root.draw(&Text::new(
                label,
                (x + 20, 21),
                font(15).pos(Pos::new(HPos::Left, VPos::Center)),
            )))?;
            x += 90;
        }
        drawn(root.present())?;
    }
    let id = format!("chart-schedules-{}", currency.to_lowercase());
    let title = format!("Multi-year schedules in {currency}, by year: paid, due and future");
    let desc = format!(
        "Stacked bars, one per year of the installments' due dates ({}), for {schedules} \
         schedule(s) in {currency}: the part paid, the part due and unpaid, and the part due in \
         the future. Each installment is listed in the table below.",
        years.keys().cloned().collect::<Vec<_>>().join(", ")
    );
    Ok(Chart {
        svg: accessible(svg, &id, &title, &desc),
        caption: format!(
            "Installments in {currency} by year of the due date: paid, due and unpaid, future."
        ),
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
