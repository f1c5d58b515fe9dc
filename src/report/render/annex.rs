//! The annexes of an export: the lists the stored content keeps as counts and samples
//! (schedules with their installments, pledges, changes to contributions, and the data-quality
//! entries about contributions: overdue installments, overpaid contributions and pledges with
//! receipts), written after the
//! document a page at a time as their source gives them, so that an export holds one page of
//! them at once whatever their length.

use std::io;

use super::{
    RenderError, Sink,
    document::{Section, Table, annex},
    html, markdown,
    words::Words,
};
use crate::pb;

/// A page of entries handed to a renderer.
pub type Each<'a, T> = dyn FnMut(Vec<T>) -> Result<(), RenderError> + 'a;

/// Where the annexes come from: each call goes through one list from its start, a page at a
/// time, in a stable order, and may be made more than once (a document lists the schedules,
/// then their installments). A source that finds its list differs from the stored report's
/// counts ends the call with an error.
pub trait Annexes {
    /// The multi-year schedules, each with its installments.
    fn schedules(&mut self, each: &mut Each<'_, pb::Schedule>) -> Result<(), RenderError>;
    /// The pledges listed (not counted) in section 3.
    fn pledges(&mut self, each: &mut Each<'_, pb::PledgeLine>) -> Result<(), RenderError>;
    /// Section 8's changes to contributions.
    fn changes(&mut self, each: &mut Each<'_, pb::ReportChange>) -> Result<(), RenderError>;
    /// Section 9's overdue-installment entries.
    fn overdue(&mut self, each: &mut Each<'_, pb::DataQualityIssue>) -> Result<(), RenderError>;
    /// Section 9's other entries about contributions: overpaid contributions, then pledges
    /// with receipts.
    fn quality(&mut self, each: &mut Each<'_, pb::DataQualityIssue>) -> Result<(), RenderError>;
}

/// A document format written a piece at a time.
pub trait Pieces {
    fn section_head(&mut self, section: &Section) -> Result<(), RenderError>;
    fn table_head(&mut self, table: &Table) -> Result<(), RenderError>;
    /// The body rows of `table` (one page), after [`Pieces::table_head`].
    fn rows(&mut self, table: &Table) -> Result<(), RenderError>;
    fn table_tail(&mut self, table: &Table) -> Result<(), RenderError>;
    fn table_empty(&mut self, table: &Table) -> Result<(), RenderError>;
    fn section_end(&mut self) -> Result<(), RenderError>;
}

/// Writes one annex section: its heading once, then each of its tables, the rows of every page
/// of `list` (built into a section by `build`) between the table's head and tail.
fn section<T>(
    out: &mut dyn Pieces,
    build: &dyn Fn(Vec<T>) -> Section,
    list: &mut dyn FnMut(&mut Each<'_, T>) -> Result<(), RenderError>,
) -> Result<(), RenderError> {
    let proto = build(Vec::new());
    out.section_head(&proto)?;
    for (i, table) in proto.tables.iter().enumerate() {
        let mut started = false;
        list(&mut |page| {
            let section = build(page);
            let Some(rows) = section.tables.get(i).filter(|t| !t.is_empty()) else {
                return Ok(());
            };
            if !started {
                out.table_head(table)?;
                started = true;
            }
            out.rows(rows)
        })?;
        if started {
            out.table_tail(table)?;
        } else {
            out.table_empty(table)?;
        }
    }
    out.section_end()
}

/// The annex sections of a document, after its numbered sections.
pub fn sections(
    content: &pb::ReportContent,
    w: &Words,
    annexes: &mut dyn Annexes,
    out: &mut dyn Pieces,
) -> Result<(), RenderError> {
    let header = content.header.clone().unwrap_or_default();
    let m = content.multi_year_commitments.clone().unwrap_or_default();
    let schedules = |schedules: Vec<pb::Schedule>| {
        annex::schedules(
            &header,
            &pb::MultiYearCommitments {
                schedules,
                currency_code: m.currency_code.clone(),
                total_outstanding: m.total_outstanding.clone(),
                ..Default::default()
            },
            w,
        )
    };
    section(out, &schedules, &mut |each| annexes.schedules(each))?;
    let pledges = |pledges: Vec<pb::PledgeLine>| {
        annex::pledges(
            &header,
            &pb::VoluntaryContributions {
                pledges,
                ..Default::default()
            },
            w,
        )
    };
    section(out, &pledges, &mut |each| annexes.pledges(each))?;
    let changes = |statements: Vec<pb::ReportChange>| annex::changes(&statements, w);
    section(out, &changes, &mut |each| annexes.changes(each))?;
    let overdue = |issues: Vec<pb::DataQualityIssue>| {
        annex::overdue(
            &pb::DataQuality {
                issues,
                ..Default::default()
            },
            w,
        )
    };
    section(out, &overdue, &mut |each| annexes.overdue(each))?;
    let quality = |issues: Vec<pb::DataQualityIssue>| {
        annex::quality(
            &pb::DataQuality {
                issues,
                ..Default::default()
            },
            w,
        )
    };
    section(out, &quality, &mut |each| annexes.quality(each))
}

/// Markdown pieces, written into a sink.
pub struct MarkdownPieces<'a> {
    pub sink: &'a mut dyn Sink,
}

impl MarkdownPieces<'_> {
    fn put(&mut self, write: impl FnOnce(&mut String) -> std::fmt::Result) -> io::Result<()> {
        let mut text = String::new();
        write(&mut text).map_err(|_| io::Error::other("formatting the annex failed"))?;
        self.sink.write_all(text.as_bytes())
    }
}

impl Pieces for MarkdownPieces<'_> {
    fn section_head(&mut self, section: &Section) -> Result<(), RenderError> {
        Ok(self.put(|out| markdown::section_head(out, section))?)
    }
    fn table_head(&mut self, table: &Table) -> Result<(), RenderError> {
        Ok(self.put(|out| markdown::table_head(out, table))?)
    }
    fn rows(&mut self, table: &Table) -> Result<(), RenderError> {
        Ok(self.put(|out| markdown::rows(out, &table.rows))?)
    }
    fn table_tail(&mut self, table: &Table) -> Result<(), RenderError> {
        Ok(self.put(|out| markdown::table_tail(out, table))?)
    }
    fn table_empty(&mut self, table: &Table) -> Result<(), RenderError> {
        Ok(self.put(|out| markdown::table_empty(out, table))?)
    }
    fn section_end(&mut self) -> Result<(), RenderError> {
        Ok(())
    }
}

pub use html::Pieces as HtmlPieces;
