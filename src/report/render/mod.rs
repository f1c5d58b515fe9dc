//! Rendering a computed report for people: CSV (one part per table), Markdown, and a standalone
//! HTML page with SVG charts. JSON is the canonical protobuf encoding and is produced where the
//! report is stored, not here.
//!
//! Every figure is printed as the decimal string the report carries: nothing is re-computed and
//! no amount passes through floating point (charts parse the strings for drawing only).

mod csv;
mod document;
mod html;
pub mod labels;
mod markdown;

#[cfg(test)]
pub(crate) mod fixture;

use crate::pb;

/// One file of an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// File name, for example `report.html` or `voluntary_paid.csv`.
    pub name: String,
    /// MIME type.
    pub content_type: &'static str,
    /// The bytes.
    pub data: Vec<u8>,
}

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Canonical protobuf JSON, produced where reports are stored.
    Json,
    /// One CSV file per table.
    Csv,
    /// One Markdown document.
    Markdown,
    /// One standalone HTML page.
    Html,
}

impl TryFrom<pb::ExportFormat> for Format {
    type Error = RenderError;

    fn try_from(format: pb::ExportFormat) -> Result<Self, RenderError> {
        match format {
            pb::ExportFormat::Json => Ok(Self::Json),
            pb::ExportFormat::Csv => Ok(Self::Csv),
            pb::ExportFormat::Markdown => Ok(Self::Markdown),
            pb::ExportFormat::Html => Ok(Self::Html),
            pb::ExportFormat::Unspecified => Err(RenderError::Unsupported(None)),
        }
    }
}

/// Why a report could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// JSON is not rendered here, and an unspecified format is no format.
    #[error("the format {0:?} is not rendered here")]
    Unsupported(Option<Format>),
    /// The report was read without its content.
    #[error("the report has no content to render")]
    NoContent,
    /// A figure a chart needs is not a decimal number: the report itself is damaged.
    #[error("{field} is not a decimal number: {value:?}")]
    Figure { field: String, value: String },
    /// Writing CSV failed.
    #[error("writing CSV failed: {0}")]
    Csv(#[from] ::csv::Error),
    /// The HTML template failed.
    #[error("rendering the HTML page failed: {0}")]
    Template(#[from] askama::Error),
    /// Drawing a chart failed.
    #[error("drawing a chart failed: {0}")]
    Chart(String),
}

/// Renders a report in one of the formats made here.
pub fn render(report: &pb::Report, format: Format) -> Result<Vec<Part>, RenderError> {
    let content = report.content.as_ref().ok_or(RenderError::NoContent)?;
    match format {
        Format::Csv => csv::render(report, content),
        Format::Markdown => Ok(vec![Part {
            name: "report.md".into(),
            content_type: "text/markdown; charset=utf-8",
            data: markdown::render(&document::Document::build(report, content)).into_bytes(),
        }]),
        Format::Html => Ok(vec![Part {
            name: "report.html".into(),
            content_type: "text/html; charset=utf-8",
            data: html::render(report, content)?.into_bytes(),
        }]),
        Format::Json => Err(RenderError::Unsupported(Some(Format::Json))),
    }
}

/// Splits parts into pieces of at most `max_chunk` bytes (at least one byte), in order, for
/// streaming. An empty part still yields one empty piece, so the reader learns it exists.
pub fn chunks(
    parts: Vec<Part>,
    max_chunk: usize,
) -> impl Iterator<Item = (String, &'static str, Vec<u8>)> {
    let max = max_chunk.max(1);
    parts.into_iter().flat_map(move |part| {
        let pieces = part.data.len().div_ceil(max).max(1);
        (0..pieces).map(move |i| {
            let start = i * max;
            let end = (start + max).min(part.data.len());
            (
                part.name.clone(),
                part.content_type,
                part.data[start..end].to_vec(),
            )
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(name: &str, len: usize) -> Part {
        Part {
            name: name.into(),
            content_type: "text/csv; charset=utf-8",
            data: (0..len).map(|i| (i % 251) as u8).collect(),
        }
    }

    #[test]
    fn concatenating_the_chunks_of_each_part_gives_the_parts_back() {
        let parts = vec![
            part("a.csv", 10),
            part("b.csv", 0),
            part("c.csv", 7),
            part("d.csv", 3),
        ];
        for max in [1, 3, 4, 7, 100] {
            let mut joined: Vec<Part> = Vec::new();
            for (name, content_type, data) in chunks(parts.clone(), max) {
                assert!(
                    data.len() <= max,
                    "a piece of {} bytes exceeds {max}",
                    data.len()
                );
                match joined.last_mut() {
                    Some(last) if last.name == name => last.data.extend(data),
                    _ => joined.push(Part {
                        name,
                        content_type,
                        data,
                    }),
                }
            }
            assert_eq!(joined, parts, "max_chunk {max}");
        }
    }

    #[test]
    fn a_zero_chunk_size_still_makes_progress() {
        assert_eq!(chunks(vec![part("a.csv", 3)], 0).count(), 3);
    }

    /// Writes every export of the founding example to `$SCPF_RENDER_OUT` (default the system's
    /// temporary directory), to look at: `cargo test -- --ignored writes_the_founding_example`.
    #[test]
    #[ignore = "writes files for people to look at"]
    fn writes_the_founding_example() {
        let dir = std::env::var_os("SCPF_RENDER_OUT")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        let report = fixture::report();
        for format in [Format::Html, Format::Markdown, Format::Csv] {
            for part in render(&report, format).expect("the fixture renders") {
                std::fs::write(dir.join(&part.name), &part.data).expect("the file is written");
            }
        }
    }

    #[test]
    fn json_is_not_rendered_here() {
        let report = fixture::report();
        assert!(matches!(
            render(&report, Format::Json),
            Err(RenderError::Unsupported(Some(Format::Json)))
        ));
    }

    #[test]
    fn a_report_with_empty_sections_renders_in_every_format() {
        let report = pb::Report {
            name: "sessions/37/reports/1".into(),
            revision: 1,
            content: Some(pb::ReportContent::default()),
            ..Default::default()
        };
        for format in [Format::Csv, Format::Markdown, Format::Html] {
            let parts = render(&report, format).expect("an empty report renders");
            assert!(parts.iter().all(|p| !p.data.is_empty()), "{format:?}");
        }
        let html = String::from_utf8(
            render(&report, Format::Html).expect("renders")[0]
                .data
                .clone(),
        )
        .expect("UTF-8");
        assert!(!html.contains("<svg"), "no data, no chart");
        assert!(html.contains("Nothing is missing or doubtful."));
    }

    #[test]
    fn a_report_without_content_is_refused() {
        let report = pb::Report::default();
        assert!(matches!(
            render(&report, Format::Html),
            Err(RenderError::NoContent)
        ));
    }
}
