//! Drawing with plotters: horizontal bars and stacked yearly bars, as SVG with an accessible
//! title and description. Coordinates are floating point; they only place marks. Every text a
//! chart prints beside a bar is given to it as a string.

use std::fmt::Display;

use plotters::{
    prelude::*,
    style::text_anchor::{HPos, Pos, VPos},
};

use crate::report::render::RenderError;

/// Bar charts are wider than the schedules so that long indicator names fit beside the bars.
const BARS_WIDTH: u32 = 900;
/// Yearly schedules are small enough to stand two abreast.
const STACK_WIDTH: u32 = 470;
const FONT: &str = "sans-serif";
const INK: RGBColor = RGBColor(33, 37, 41);
const GRID: RGBColor = RGBColor(222, 226, 230);
pub const PRIMARY: RGBColor = RGBColor(31, 58, 95);
pub const MUTED: RGBColor = RGBColor(163, 176, 194);
const DUE: RGBColor = RGBColor(176, 94, 34);
const FUTURE: RGBColor = RGBColor(200, 208, 220);
/// Categories 1 to 4, from most flexible (darkest) to tightly earmarked (lightest).
pub const CATEGORY: [RGBColor; 4] = [
    RGBColor(31, 58, 95),
    RGBColor(70, 106, 153),
    RGBColor(122, 151, 190),
    RGBColor(180, 197, 219),
];

fn drawn<T, E: Display>(result: Result<T, E>) -> Result<T, RenderError> {
    result.map_err(|e| RenderError::Chart(e.to_string()))
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
pub fn compact(v: f64) -> String {
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

pub fn percent(v: f64) -> String {
    format!("{v:.0}%")
}

/// A label cut to fit beside a bar; the table has it whole.
pub fn shorten(text: &str, max: usize) -> String {
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
pub struct Bar {
    pub label: String,
    pub value: f64,
    /// Printed at the end of the bar: the report's string.
    pub text: String,
    pub color: RGBColor,
}

/// Horizontal bars, first bar on top, with an optional dashed reference line.
pub struct Bars {
    pub id: &'static str,
    pub title: String,
    pub desc: String,
    pub axis: String,
    pub ticks: fn(f64) -> String,
    pub range: (f64, f64),
    pub reference: Option<(f64, String)>,
    pub bars: Vec<Bar>,
}

impl Bars {
    pub fn draw(self) -> Result<String, RenderError> {
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
            // The reference line goes under the bars and their figures.
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
            drawn(root.present())?;
        }
        Ok(accessible(svg, self.id, &self.title, &self.desc))
    }
}

/// Largest value first; the right end leaves room for the printed figure.
pub fn money_range(bars: &[Bar]) -> (f64, f64) {
    let max = bars.iter().map(|b| b.value).fold(0.0, f64::max);
    let min = bars.iter().map(|b| b.value).fold(0.0, f64::min);
    (min * 1.1, if max > 0.0 { max * 1.08 } else { 1.0 })
}

/// Paid, due and future amounts of one year, as plotting coordinates.
pub struct YearStack {
    pub year: String,
    pub paid: f64,
    pub due: f64,
    pub future: f64,
}

/// Vertical bars per year, each stacked paid / due / future, with a legend above the plot.
#[allow(clippy::too_many_arguments)]
pub fn stacked(
    id: &str,
    title: &str,
    desc: &str,
    axis: &str,
    x_axis: &str,
    legend: [&str; 3],
    years: &[YearStack],
) -> Result<String, RenderError> {
    let n = years.len();
    let top = years
        .iter()
        .map(|y| y.paid + y.due + y.future)
        .fold(0.0, f64::max);
    let top = if top > 0.0 { top * 1.1 } else { 1.0 };
    let height = 300;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (STACK_WIDTH, height)).into_drawing_area();
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
                .x_desc(x_axis)
                .y_desc(axis)
                .label_style(font(15))
                .axis_desc_style(font(15))
                .axis_style(INK.mix(0.6))
                .bold_line_style(GRID)
                .light_line_style(TRANSPARENT)
                .draw(),
        )?;
        for (i, y) in years.iter().enumerate() {
            let x = i as f64;
            let mut bottom = 0.0;
            for (height, color) in [(y.paid, PRIMARY), (y.due, DUE), (y.future, FUTURE)] {
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
                y.year.clone(),
                (cx, base + 8),
                font(15).pos(Pos::new(HPos::Center, VPos::Top)),
            )))?;
        }
        // The legend sits above the plot, clear of the bars.
        let mut x = 80;
        for (label, color) in legend.into_iter().zip([PRIMARY, DUE, FUTURE]) {
            drawn(root.draw(&Rectangle::new([(x, 14), (x + 14, 28)], color.filled())))?;
            drawn(root.draw(&Text::new(
                label,
                (x + 20, 21),
                font(15).pos(Pos::new(HPos::Left, VPos::Center)),
            )))?;
            x += 80;
        }
        drawn(root.present())?;
    }
    Ok(accessible(svg, id, title, desc))
}
