//! The annexes of an export: the lists the stored content keeps as counts and samples
//! (schedules with their installments, pledges, changes to contributions, and the data-quality
//! entries about contributions: overdue installments, overpaid contributions and pledges with
//! receipts), written after the
//! document a page at a time as their source gives them, so that an export holds one page of
//! them at once whatever their length.

use std::io::{self, Read, Seek, Write};

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
/// time, in a stable order. A source that finds its list differs from the stored report's
/// counts ends the call with an error.
pub trait Annexes {
    /// The multi-year schedules, each with its installments, and section 9's
    /// overdue-installment entries, in one pass over the pages: both are made from the same
    /// installments.
    fn installments(&mut self, each: &mut Both<'_>) -> Result<(), RenderError>;
    /// The pledges listed (not counted) in section 3.
    fn pledges(&mut self, each: &mut Each<'_, pb::PledgeLine>) -> Result<(), RenderError>;
    /// Section 8's changes to contributions.
    fn changes(&mut self, each: &mut Each<'_, pb::ReportChange>) -> Result<(), RenderError>;
    /// Section 9's other entries about contributions: overpaid contributions, then pledges
    /// with receipts.
    fn quality(&mut self, each: &mut Each<'_, pb::DataQualityIssue>) -> Result<(), RenderError>;
}

/// Entries read back from a [`Spool`] at once.
const SPOOLED_PAGE: usize = 500;

/// A page of schedules and the overdue-installment entries of the same contributions.
pub type Both<'a> =
    dyn FnMut(Vec<pb::Schedule>, Vec<pb::DataQualityIssue>) -> Result<(), RenderError> + 'a;

/// Text kept in a temporary file until its place in the export comes: what one pass over the
/// pages makes for a later part or table, without holding it in memory.
#[derive(Default)]
pub struct Spool(Option<std::fs::File>);

impl Spool {
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        if self.0.is_none() {
            self.0 = Some(tempfile::tempfile()?);
        }
        match &mut self.0 {
            Some(file) => file.write_all(bytes),
            None => Ok(()),
        }
    }

    /// Keeps messages, each as its length (four bytes, little-endian) and its encoding, to be
    /// read again with [`Spool::messages`].
    pub fn write_messages<T: prost::Message>(&mut self, messages: &[T]) -> io::Result<()> {
        let mut bytes = Vec::new();
        for m in messages {
            let len = u32::try_from(m.encoded_len())
                .map_err(|_| io::Error::other("an annex entry over 4 GiB"))?;
            bytes.extend_from_slice(&len.to_le_bytes());
            m.encode(&mut bytes)
                .map_err(|e| io::Error::other(format!("encoding an annex entry: {e}")))?;
        }
        self.write(&bytes)
    }

    /// The messages kept by [`Spool::write_messages`], in order, handed to `each` in pages of
    /// at most `page` of them.
    pub fn messages<T: prost::Message + Default>(
        &mut self,
        page: usize,
        each: &mut Each<'_, T>,
    ) -> Result<(), RenderError> {
        let Some(file) = &mut self.0 else {
            return Ok(());
        };
        file.seek(io::SeekFrom::Start(0))?;
        let mut reader = io::BufReader::new(file);
        let mut messages = Vec::new();
        loop {
            let mut len = [0; 4];
            match reader.read_exact(&mut len) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
                Err(e) => return Err(e.into()),
            }
            let mut bytes = vec![0; u32::from_le_bytes(len) as usize];
            reader.read_exact(&mut bytes)?;
            let message = T::decode(bytes.as_slice())
                .map_err(|e| io::Error::other(format!("decoding an annex entry: {e}")))?;
            messages.push(message);
            if messages.len() >= page {
                each(std::mem::take(&mut messages))?;
            }
        }
        if !messages.is_empty() {
            each(messages)?;
        }
        Ok(())
    }

    /// Whether nothing was kept.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// Hands what was kept to `out`, a piece at a time.
    pub fn copy_into(
        self,
        out: &mut dyn FnMut(&[u8]) -> Result<(), RenderError>,
    ) -> Result<(), RenderError> {
        let Some(mut file) = self.0 else {
            return Ok(());
        };
        file.seek(io::SeekFrom::Start(0))?;
        let mut buffer = vec![0; 64 * 1024];
        loop {
            let n = file.read(&mut buffer)?;
            if n == 0 {
                return Ok(());
            }
            out(&buffer[..n])?;
        }
    }
}

/// A document format written a piece at a time.
pub trait Pieces {
    fn section_head(&mut self, section: &Section) -> Result<(), RenderError>;
    fn table_head(&mut self, table: &Table) -> Result<(), RenderError>;
    /// The text of the body rows of `table` (one page), to write after [`Pieces::table_head`].
    fn rows(&mut self, table: &Table) -> Result<String, RenderError>;
    /// Writes text made by [`Pieces::rows`].
    fn put(&mut self, text: &[u8]) -> Result<(), RenderError>;
    fn table_tail(&mut self, table: &Table) -> Result<(), RenderError>;
    fn table_empty(&mut self, table: &Table) -> Result<(), RenderError>;
    fn section_end(&mut self) -> Result<(), RenderError>;
}

/// Writes one annex section: its heading once, then each of its tables, the rows of every page
/// of `list` (built into a section by `build`) between the table's head and tail. The list is
/// read once: the rows of the first table are written as each page comes, those of the others
/// (a schedule's installments) are kept in a temporary file until the first table is complete,
/// so that neither the reading nor the memory grows with the pages.
fn section<T>(
    out: &mut dyn Pieces,
    build: &dyn Fn(Vec<T>) -> Section,
    list: &mut dyn FnMut(&mut Each<'_, T>) -> Result<(), RenderError>,
) -> Result<(), RenderError> {
    let proto = build(Vec::new());
    out.section_head(&proto)?;
    let mut started = false;
    let mut later: Vec<Spool> = proto
        .tables
        .iter()
        .skip(1)
        .map(|_| Spool::default())
        .collect();
    list(&mut |page| {
        let section = build(page);
        for (i, rows) in section.tables.iter().enumerate() {
            if rows.is_empty() {
                continue;
            }
            let text = out.rows(rows)?;
            if i == 0 {
                if !started {
                    out.table_head(&proto.tables[0])?;
                    started = true;
                }
                out.put(text.as_bytes())?;
            } else if let Some(spool) = later.get_mut(i - 1) {
                spool.write(text.as_bytes())?;
            }
        }
        Ok(())
    })?;
    let mut later = later.into_iter();
    for (i, table) in proto.tables.iter().enumerate() {
        let spooled = if i == 0 {
            if started {
                out.table_tail(table)?;
                continue;
            }
            Spool::default()
        } else {
            later.next().unwrap_or_default()
        };
        if spooled.is_empty() {
            out.table_empty(table)?;
            continue;
        }
        out.table_head(table)?;
        spooled.copy_into(&mut |bytes| out.put(bytes))?;
        out.table_tail(table)?;
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
    // One pass over the installments: the overdue entries wait in a temporary file for their
    // section.
    let mut overdue_entries = Spool::default();
    section(out, &schedules, &mut |each| {
        annexes.installments(&mut |schedules, overdue| {
            overdue_entries.write_messages(&overdue)?;
            each(schedules)
        })
    })?;
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
    section(out, &overdue, &mut |each| {
        overdue_entries.messages(SPOOLED_PAGE, each)
    })?;
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
    fn text(&mut self, write: impl FnOnce(&mut String) -> std::fmt::Result) -> io::Result<()> {
        let mut text = String::new();
        write(&mut text).map_err(|_| io::Error::other("formatting the annex failed"))?;
        self.sink.write_all(text.as_bytes())
    }
}

impl Pieces for MarkdownPieces<'_> {
    fn section_head(&mut self, section: &Section) -> Result<(), RenderError> {
        Ok(self.text(|out| markdown::section_head(out, section))?)
    }
    fn table_head(&mut self, table: &Table) -> Result<(), RenderError> {
        Ok(self.text(|out| markdown::table_head(out, table))?)
    }
    fn rows(&mut self, table: &Table) -> Result<String, RenderError> {
        let mut text = String::new();
        markdown::rows(&mut text, &table.rows)
            .map_err(|_| io::Error::other("formatting the annex failed"))?;
        Ok(text)
    }
    fn put(&mut self, text: &[u8]) -> Result<(), RenderError> {
        Ok(self.sink.write_all(text)?)
    }
    fn table_tail(&mut self, table: &Table) -> Result<(), RenderError> {
        Ok(self.text(|out| markdown::table_tail(out, table))?)
    }
    fn table_empty(&mut self, table: &Table) -> Result<(), RenderError> {
        Ok(self.text(|out| markdown::table_empty(out, table))?)
    }
    fn section_end(&mut self) -> Result<(), RenderError> {
        Ok(())
    }
}

pub use html::Pieces as HtmlPieces;
