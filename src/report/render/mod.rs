//! Rendering a computed report for people: CSV (one part per table), Markdown, and a standalone
//! HTML page with SVG charts. JSON is the canonical protobuf encoding and is produced where the
//! report is stored, not here.
//!
//! Every figure is printed from the decimal string the report carries: nothing is re-computed and
//! no amount passes through floating point (charts parse the strings for drawing only). CSV prints
//! the strings as they are; HTML and Markdown write them the way the report's language writes
//! numbers, every digit kept (`words`).
//!
//! A rendering is written into a [`Sink`] as it is made, part after part, so that an export can
//! hand it to the client piece by piece instead of holding the whole of it.

pub mod annex;
mod csv;
mod document;
mod html;
pub mod labels;
mod markdown;
pub mod words;

#[cfg(test)]
pub(crate) mod fixture;

use std::io;

use crate::pb;

pub use words::Language;

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
    /// Handing the rendering on failed (for an export: the client has gone).
    #[error("writing the rendering failed: {0}")]
    Write(#[from] io::Error),
    /// The annexes' source failed, or found its list differs from the stored report.
    #[error("{0}")]
    Annex(Box<crate::error::Error>),
}

/// Where a rendering goes, one part after the other: the bytes written belong to the part
/// begun last.
pub trait Sink: io::Write {
    /// Starts the next part; the previous one is complete.
    fn begin(&mut self, name: &str, content_type: &'static str) -> io::Result<()>;
}

/// A rendering gathered in memory, part by part.
#[derive(Debug, Default)]
pub struct Parts(pub Vec<Part>);

impl io::Write for Parts {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.0.last_mut() {
            Some(part) => {
                part.data.extend_from_slice(buf);
                Ok(buf.len())
            }
            None => Err(io::Error::other("bytes written before any part was begun")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Sink for Parts {
    fn begin(&mut self, name: &str, content_type: &'static str) -> io::Result<()> {
        self.0.push(Part {
            name: name.to_owned(),
            content_type,
            data: Vec::new(),
        });
        Ok(())
    }
}

/// Renders a report in one of the formats made here, into memory. HTML and Markdown are in
/// `language`; CSV is the same in every language.
pub fn render(
    report: &pb::Report,
    format: Format,
    language: Language,
) -> Result<Vec<Part>, RenderError> {
    let mut parts = Parts::default();
    render_into(report, format, language, &mut parts)?;
    Ok(parts.0)
}

/// Renders a report in one of the formats made here, writing each part into `sink` as it is
/// made. Only one CSV table at a time is held whole; Markdown and HTML are written as they go.
pub fn render_into(
    report: &pb::Report,
    format: Format,
    language: Language,
    sink: &mut dyn Sink,
) -> Result<(), RenderError> {
    let content = report.content.as_ref().ok_or(RenderError::NoContent)?;
    match format {
        Format::Csv => csv::render(report, content, &mut |part| {
            sink.begin(&part.name, part.content_type)?;
            sink.write_all(&part.data)?;
            Ok(())
        })?,
        Format::Markdown => {
            sink.begin("report.md", "text/markdown; charset=utf-8")?;
            let words = language.words().for_report(content);
            let doc = document::Document::build(report, content, &words);
            let mut out = FmtWriter::new(sink);
            if markdown::write(&doc, &mut out).is_err() {
                return Err(RenderError::Write(out.into_error()));
            }
        }
        Format::Html => {
            sink.begin("report.html", "text/html; charset=utf-8")?;
            html::write(report, content, &language.words().for_report(content), sink)?;
        }
        Format::Json => return Err(RenderError::Unsupported(Some(Format::Json))),
    }
    sink.flush()?;
    Ok(())
}

/// Renders a report whose stored content keeps counts and samples (CSV, Markdown or HTML):
/// the document from the content as it is, then the lists it only counts, whole, from
/// `annexes`, a page at a time (see [`annex`]). The schedules' annex of the document is
/// replaced by the annex sections.
pub fn render_annexed(
    report: &pb::Report,
    format: Format,
    language: Language,
    sink: &mut dyn Sink,
    annexes: &mut dyn annex::Annexes,
) -> Result<(), RenderError> {
    let content = report.content.as_ref().ok_or(RenderError::NoContent)?;
    match format {
        Format::Csv => csv::render_annexed(report, content, annexes, sink)?,
        Format::Markdown => {
            sink.begin("report.md", "text/markdown; charset=utf-8")?;
            let words = language.words().for_report(content);
            let mut doc = document::Document::build(report, content, &words);
            doc.sections.retain(|s| s.id != "annex-schedules");
            let mut text = String::new();
            markdown::write(&doc, &mut text)
                .map_err(|_| io::Error::other("formatting the document failed"))?;
            drop(doc);
            let end = text.rfind("---\n\n").unwrap_or(text.len());
            sink.write_all(&text.as_bytes()[..end])?;
            annex::sections(
                content,
                &words,
                annexes,
                &mut annex::MarkdownPieces { sink: &mut *sink },
            )?;
            sink.write_all(&text.as_bytes()[end..])?;
        }
        Format::Html => {
            sink.begin("report.html", "text/html; charset=utf-8")?;
            html::write_annexed(
                report,
                content,
                &language.words().for_report(content),
                sink,
                annexes,
            )?;
        }
        Format::Json => return Err(RenderError::Unsupported(Some(Format::Json))),
    }
    sink.flush()?;
    Ok(())
}

/// `fmt::Write` over an `io::Write`, keeping the I/O error that `fmt::Error` cannot carry.
struct FmtWriter<'a> {
    inner: &'a mut dyn Sink,
    error: Option<io::Error>,
}

impl<'a> FmtWriter<'a> {
    fn new(inner: &'a mut dyn Sink) -> Self {
        Self { inner, error: None }
    }

    /// The I/O error behind a `fmt::Error`, if there was one.
    fn into_error(self) -> io::Error {
        self.error
            .unwrap_or_else(|| io::Error::other("formatting the document failed"))
    }
}

impl std::fmt::Write for FmtWriter<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.inner.write_all(s.as_bytes()).map_err(|e| {
            self.error = Some(e);
            std::fmt::Error
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes every export of the founding example to `$SCPF_RENDER_OUT` (default the system's
    /// temporary directory), HTML and Markdown in each language (`fr.report.html`), to look at:
    /// `cargo test -- --ignored writes_the_founding_example`.
    #[test]
    #[ignore = "writes files for people to look at"]
    fn writes_the_founding_example() {
        let dir = std::env::var_os("SCPF_RENDER_OUT")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        let report = fixture::report();
        for part in render(&report, Format::Csv, Language::English).expect("the fixture renders") {
            std::fs::write(dir.join(&part.name), &part.data).expect("the file is written");
        }
        for language in Language::ALL {
            for format in [Format::Html, Format::Markdown] {
                for part in render(&report, format, language).expect("the fixture renders") {
                    let name = format!("{}.{}", language.tag(), part.name);
                    std::fs::write(dir.join(name), &part.data).expect("the file is written");
                }
            }
        }
    }

    #[test]
    fn json_is_not_rendered_here() {
        let report = fixture::report();
        assert!(matches!(
            render(&report, Format::Json, Language::English),
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
            let parts =
                render(&report, format, Language::English).expect("an empty report renders");
            assert!(parts.iter().all(|p| !p.data.is_empty()), "{format:?}");
        }
        let html = String::from_utf8(
            render(&report, Format::Html, Language::English).expect("renders")[0]
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
            render(&report, Format::Html, Language::English),
            Err(RenderError::NoContent)
        ));
    }
}
