//! The report as people read it: titled sections of notes and tables, built once and written out
//! as Markdown or HTML, in the reader's language. A figure cell holds the report's decimal string
//! written the language's way, digit for digit (`words::Words::number`); a mark (†) or a flag
//! travels beside a figure, never inside it.

mod changes;
mod funding;
mod sections;
pub mod terms;

use super::words::{Arg, Words};
use crate::pb;

/// The whole document.
pub struct Document {
    /// For example "36th session of the Standing Committee on Programmes and Finance".
    pub title: String,
    /// "Report sessions/36/reports/3, revision 3".
    pub subtitle: String,
    /// "Draft" or "Final".
    pub state: String,
    /// Drafts are marked prominently.
    pub draft: bool,
    /// The sections, in the contract's order.
    pub sections: Vec<Section>,
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
    /// "Status of contributions as at 30 June 2025; figures as known at ...".
    pub two_times: String,
    /// The page's fixed words, in the report's language.
    pub text: PageText,
}

/// The words around the sections: the draft warning, how to read the figures, the footer.
pub struct PageText {
    /// The BCP 47 tag of the language, for `<html lang>`.
    pub lang: &'static str,
    /// "Report to the committee".
    pub kicker: String,
    /// "DRAFT".
    pub draft_mark: String,
    /// "this revision is not the session's report of record; ...".
    pub draft_warning: String,
    /// How to read the figures.
    pub reading: String,
    /// "unverified", the title of the † mark.
    pub unverified: String,
    /// "Sections", the name of the table of contents.
    pub sections: String,
    /// "Content SHA-256:", the footer's label with the punctuation of its language.
    pub sha256: String,
}

impl PageText {
    fn new(w: &Words) -> Self {
        Self {
            lang: w.language().tag(),
            kicker: w.t("page-kicker"),
            draft_mark: w.t("page-draft-mark"),
            draft_warning: w.t("page-draft-warning"),
            reading: w.t("page-reading"),
            unverified: w.t("page-unverified"),
            sections: w.t("page-sections"),
            sha256: w.t("page-sha256"),
        }
    }
}

/// One numbered section.
pub struct Section {
    /// Anchor, for example `voluntary`.
    pub id: &'static str,
    /// "3. Voluntary contributions".
    pub heading: String,
    /// Short explanations of the counting rules.
    pub notes: Vec<String>,
    /// Its tables, in order.
    pub tables: Vec<Table>,
}

/// A table with its optional title, a total row where the report has a total, and a sentence
/// for when it has no rows.
#[derive(Clone)]
pub struct Table {
    /// Sub-heading above the table.
    pub title: String,
    /// A note under the sub-heading (for pledges: not counted).
    pub note: String,
    /// Column headers.
    pub columns: Vec<Column>,
    /// Body rows.
    pub rows: Vec<Row>,
    /// Total rows, shown apart from the body.
    pub totals: Vec<Row>,
    /// Shown instead of an empty table.
    pub empty: String,
    /// `facts` for label/value tables, `pledges` for the uncounted table; empty otherwise.
    pub class: &'static str,
}

/// A column header.
#[derive(Clone)]
pub struct Column {
    pub label: String,
    /// Figures are right-aligned.
    pub numeric: bool,
    /// Dates and codes are kept on one line.
    pub nowrap: bool,
}

impl Column {
    /// The header's CSS classes: figures right-aligned, short headers on one line.
    pub fn class(&self) -> String {
        let mut classes = Vec::new();
        if self.numeric {
            classes.push("num");
        }
        if self.label.chars().count() <= 16 {
            classes.push("nowrap");
        }
        classes.join(" ")
    }
}

/// A row of cells.
#[derive(Clone)]
pub struct Row {
    pub cells: Vec<Cell>,
    /// A disaggregation under the row above it.
    pub detail: bool,
}

/// One cell: the report's string, and what to show beside it.
#[derive(Clone, Default)]
pub struct Cell {
    pub text: String,
    /// A secondary line (a date, a qualifier) shown under or after the text.
    pub note: String,
    /// Right-aligned figure.
    pub numeric: bool,
    /// Kept on one line.
    pub nowrap: bool,
    /// A figure resting on an unverified measurement: marked †.
    pub unverified: bool,
    /// Something the reader must not miss (Article 4, an installment due).
    pub flag: bool,
}

/// A plain cell.
pub fn cell(text: impl Into<String>) -> Cell {
    Cell {
        text: text.into(),
        ..Cell::default()
    }
}

impl Cell {
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = note.into();
        self
    }

    pub fn unverified(mut self, unverified: bool) -> Self {
        self.unverified = unverified && !self.text.is_empty();
        self
    }

    pub fn flag(mut self, flag: bool) -> Self {
        self.flag = flag;
        self
    }

    /// The cell's CSS classes: `num`, `nowrap`, `flag`.
    pub fn class(&self) -> String {
        [
            (self.numeric, "num"),
            (self.nowrap, "nowrap"),
            (self.flag, "flag"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, class)| *class)
        .collect::<Vec<_>>()
        .join(" ")
    }
}

impl Table {
    /// A table whose columns are given as labels; a label ending in `#` is a figure column, one
    /// ending in `~` a date or code kept on one line.
    pub fn new(title: impl Into<String>, columns: &[&str]) -> Self {
        Self {
            title: title.into(),
            note: String::new(),
            columns: columns
                .iter()
                .map(|c| {
                    let (label, numeric, nowrap) = if let Some(label) = c.strip_suffix('#') {
                        (label, true, true)
                    } else if let Some(label) = c.strip_suffix('~') {
                        (label, false, true)
                    } else {
                        (*c, false, false)
                    };
                    Column {
                        label: label.into(),
                        numeric,
                        nowrap,
                    }
                })
                .collect(),
            rows: Vec::new(),
            totals: Vec::new(),
            empty: String::new(),
            class: "",
        }
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = note.into();
        self
    }

    pub fn empty(mut self, empty: impl Into<String>) -> Self {
        self.empty = empty.into();
        self
    }

    pub fn class(mut self, class: &'static str) -> Self {
        self.class = class;
        self
    }

    /// No body rows: the table is replaced by its `empty` sentence.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn shape(&self, cells: Vec<Cell>, detail: bool) -> Row {
        let cells = cells
            .into_iter()
            .zip(&self.columns)
            .map(|(mut c, column)| {
                c.numeric = column.numeric;
                c.nowrap = column.nowrap;
                c
            })
            .collect();
        Row { cells, detail }
    }

    pub fn row(&mut self, cells: Vec<Cell>) {
        let row = self.shape(cells, false);
        self.rows.push(row);
    }

    pub fn detail(&mut self, cells: Vec<Cell>) {
        let row = self.shape(cells, true);
        self.rows.push(row);
    }

    pub fn total(&mut self, cells: Vec<Cell>) {
        let row = self.shape(cells, false);
        self.totals.push(row);
    }

    /// Writes every figure of a figure column as the language writes numbers (words in those
    /// columns, "no rate", stay as they are), and says "None." of a table left without rows
    /// and without a sentence of its own.
    fn finish(&mut self, w: &Words) {
        if self.empty.is_empty() {
            self.empty = w.t("table-none");
        }
        for cell in self
            .rows
            .iter_mut()
            .chain(self.totals.iter_mut())
            .flat_map(|r| r.cells.iter_mut())
        {
            if cell.numeric {
                cell.text = w.number(&cell.text);
            }
        }
    }
}

impl Document {
    /// The document of a report, in the language of `w`.
    pub fn build(report: &pb::Report, content: &pb::ReportContent, w: &Words) -> Self {
        let header = content.header.clone().unwrap_or_default();
        let title = terms::session_title(w, &header).unwrap_or_else(|| {
            if header.title.is_empty() {
                report.name.clone()
            } else {
                header.title.clone()
            }
        });
        let mut sections = sections::all(report, content, w);
        for table in sections.iter_mut().flat_map(|s| s.tables.iter_mut()) {
            table.finish(w);
        }
        Self {
            title,
            subtitle: w.t_args(
                "page-subtitle",
                &[
                    ("name", Arg::Text(&report.name)),
                    ("revision", Arg::Count(report.revision.into())),
                ],
            ),
            state: terms::state(w, report.state),
            draft: super::labels::is_draft(report),
            sections,
            sha256: report.content_sha256.clone(),
            two_times: terms::two_times(w, report),
            text: PageText::new(w),
        }
    }
}

/// The annexes of an export, built a page at a time: each function gives its section with the
/// rows of one page of entries, the figures written in the language of `w`. A streamed export
/// writes the section's heading and the tables' heads once, then the rows of every page (see
/// `render::annex`).
pub mod annex {
    use super::{Section, Table, Words, cell, funding, sections};
    use crate::pb;

    fn finished(mut section: Section, w: &Words) -> Section {
        for table in &mut section.tables {
            table.finish(w);
        }
        section
    }

    /// The schedules and their installments (the annex of section 5).
    pub fn schedules(
        header: &pb::ReportHeader,
        m: &pb::MultiYearCommitments,
        w: &Words,
    ) -> Section {
        finished(funding::schedules_annex(header, m, w), w)
    }

    /// The pledges of section 3, every one of them.
    pub fn pledges(
        header: &pb::ReportHeader,
        v: &pb::VoluntaryContributions,
        w: &Words,
    ) -> Section {
        let tables: Vec<Table> = funding::voluntary(header, v, w)
            .tables
            .into_iter()
            .filter(|t| t.class == "pledges")
            .collect();
        finished(
            Section {
                id: "annex-pledges",
                heading: w.t("heading-annex-pledges"),
                notes: Vec::new(),
                tables,
            },
            w,
        )
    }

    /// Section 8's changes to contributions, every one of them, with the contribution each is
    /// about.
    pub fn changes(statements: &[pb::ReportChange], w: &Words) -> Section {
        let mut t = Table::new("", &[&w.t("col-change"), &w.t("col-contribution")])
            .empty(w.t("changes-none"));
        for statement in statements {
            t.row(vec![
                cell(super::changes::sentence(statement, w)),
                cell(&statement.contribution),
            ]);
        }
        finished(
            Section {
                id: "annex-changes",
                heading: w.t("heading-annex-changes"),
                notes: vec![w.t("annex-changes-note")],
                tables: vec![t],
            },
            w,
        )
    }

    /// Section 9's entries about contributions other than overdue installments (overpaid
    /// contributions, pledges with receipts), every one of them.
    pub fn quality(d: &pb::DataQuality, w: &Words) -> Section {
        let mut section = sections::data_quality(d, w);
        section.id = "annex-quality";
        section.heading = w.t("heading-annex-quality");
        section.notes = Vec::new();
        finished(section, w)
    }

    /// Section 9's overdue installments, every one of them.
    pub fn overdue(d: &pb::DataQuality, w: &Words) -> Section {
        let mut section = sections::data_quality(d, w);
        section.id = "annex-overdue";
        section.heading = w.t("heading-annex-overdue");
        section.notes = Vec::new();
        finished(section, w)
    }
}
