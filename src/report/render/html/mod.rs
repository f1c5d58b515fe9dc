//! HTML: one standalone page, readable offline (inline CSS and SVG; no fonts, scripts or images
//! fetched), printable on A4. The page is an askama template (`templates/report.html`), which
//! escapes every string of the report; only the charts, drawn here, are inserted as markup.

mod chart;
mod draw;

use askama::Template;

use self::chart::Chart;
use super::{
    RenderError,
    document::{Document, Row, Section, Table, cell},
    words::Words,
};
use crate::pb;

/// A section with the charts drawn from its figures.
struct SectionView<'a> {
    section: &'a Section,
    charts: Vec<Chart>,
}

#[derive(Template)]
#[template(path = "report.html")]
struct Page<'a> {
    doc: &'a Document,
    sections: Vec<SectionView<'a>>,
}

impl<'a> Page<'a> {
    /// The page of `doc`: each of its sections with the charts drawn from `content`.
    fn of(doc: &'a Document, content: &pb::ReportContent, w: &Words) -> Result<Self, RenderError> {
        let sections = doc
            .sections
            .iter()
            .map(|section| {
                Ok(SectionView {
                    section,
                    charts: charts(section.id, content, w)?,
                })
            })
            .collect::<Result<Vec<_>, RenderError>>()?;
        Ok(Page { doc, sections })
    }
}

/// The charts of a section, by its anchor.
fn charts(id: &str, content: &pb::ReportContent, w: &Words) -> Result<Vec<Chart>, RenderError> {
    Ok(match id {
        "voluntary" => chart::donors(
            &content.voluntary_contributions.clone().unwrap_or_default(),
            w,
        )?
        .into_iter()
        .collect(),
        "flexibility" => chart::flexibility(&content.flexibility.clone().unwrap_or_default(), w)?
            .into_iter()
            .collect(),
        "multi-year" => chart::schedules(
            &content.multi_year_commitments.clone().unwrap_or_default(),
            w,
        )?,
        "results" => chart::achievement(&content.programme_results.clone().unwrap_or_default(), w)?
            .into_iter()
            .collect(),
        _ => Vec::new(),
    })
}

/// Writes the report as an HTML page.
pub fn write(
    report: &pb::Report,
    content: &pb::ReportContent,
    w: &Words,
    out: &mut dyn std::io::Write,
) -> Result<(), RenderError> {
    let doc = Document::build(report, content, w);
    Page::of(&doc, content, w)?.write_into(out)?;
    Ok(())
}

/// Writes the report as an HTML page whose annexes (see `render::annex`) come from `annexes`, a
/// page at a time: the document is drawn from the stored content, and the annex sections are
/// written where the numbered sections end.
pub fn write_annexed(
    report: &pb::Report,
    content: &pb::ReportContent,
    w: &Words,
    out: &mut dyn super::Sink,
    annexes: &mut dyn super::annex::Annexes,
) -> Result<(), RenderError> {
    let mut doc = Document::build(report, content, w);
    doc.sections.retain(|s| s.id != "annex-schedules");
    let page = Page::of(&doc, content, w)?.render()?;
    let end = page.rfind("</main>").unwrap_or(page.len());
    out.write_all(&page.as_bytes()[..end])?;
    let mut pieces = Pieces {
        doc: &doc,
        sink: out,
        tail: String::new(),
    };
    super::annex::sections(content, w, annexes, &mut pieces)?;
    out.write_all(&page.as_bytes()[end..])?;
    Ok(())
}

#[derive(Template)]
#[template(path = "report_table.html")]
struct TableView<'a> {
    doc: &'a Document,
    table: &'a Table,
}

/// Stands in a table's body while its head and tail are cut apart.
const ROWS_GO_HERE: &str = "ANNEX-ROWS-GO-HERE";

/// HTML pieces of the annex sections, cut from the page's own table template so that they read
/// exactly as the document's tables do.
pub struct Pieces<'a> {
    doc: &'a Document,
    sink: &'a mut dyn super::Sink,
    /// The end of the table being written.
    tail: String,
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

impl super::annex::Pieces for Pieces<'_> {
    fn section_head(&mut self, section: &Section) -> Result<(), RenderError> {
        let mut text = format!(
            "<section id=\"{}\">\n<h2>{}</h2>\n",
            escape(section.id),
            escape(&section.heading)
        );
        for note in &section.notes {
            text.push_str(&format!("<p class=\"note\">{}</p>\n", escape(note)));
        }
        Ok(self.sink.write_all(text.as_bytes())?)
    }

    fn table_head(&mut self, table: &Table) -> Result<(), RenderError> {
        let mut marked = table.clone();
        marked.rows = vec![Row {
            cells: vec![cell(ROWS_GO_HERE)],
            detail: false,
        }];
        let text = TableView {
            doc: self.doc,
            table: &marked,
        }
        .render()?;
        let at = text.find(ROWS_GO_HERE).unwrap_or(0);
        let start = text[..at].rfind("<tr").unwrap_or(at);
        let end = text[at..]
            .find("</tr>\n")
            .map_or(at, |i| at + i + "</tr>\n".len());
        self.tail = text[end..].to_owned();
        Ok(self.sink.write_all(&text.as_bytes()[..start])?)
    }

    fn rows(&mut self, table: &Table) -> Result<String, RenderError> {
        let text = TableView {
            doc: self.doc,
            table,
        }
        .render()?;
        let body = text
            .find("<tbody>\n")
            .map(|i| i + "<tbody>\n".len())
            .and_then(|start| {
                text[start..]
                    .find("</tbody>")
                    .map(|len| &text[start..start + len])
            })
            .unwrap_or("");
        Ok(body.to_owned())
    }

    fn put(&mut self, text: &[u8]) -> Result<(), RenderError> {
        Ok(self.sink.write_all(text)?)
    }

    fn table_tail(&mut self, _table: &Table) -> Result<(), RenderError> {
        let tail = std::mem::take(&mut self.tail);
        Ok(self.sink.write_all(tail.as_bytes())?)
    }

    fn table_empty(&mut self, table: &Table) -> Result<(), RenderError> {
        let text = TableView {
            doc: self.doc,
            table,
        }
        .render()?;
        Ok(self.sink.write_all(text.as_bytes())?)
    }

    fn section_end(&mut self) -> Result<(), RenderError> {
        Ok(self.sink.write_all(b"</section>\n")?)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use scraper::{Html, Selector};

    use crate::{
        pb,
        report::render::{Format, fixture, render},
    };

    fn page(report: &pb::Report) -> String {
        let parts = render(
            report,
            Format::Html,
            crate::report::render::Language::English,
        )
        .expect("the report renders");
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].name, "report.html");
        assert_eq!(parts[0].content_type, "text/html; charset=utf-8");
        String::from_utf8(parts[0].data.clone()).expect("UTF-8")
    }

    fn select(s: &str) -> Selector {
        Selector::parse(s).expect("a valid selector")
    }

    /// Every text node inside the page's tables, trimmed.
    fn table_texts(doc: &Html) -> HashSet<String> {
        doc.select(&select("table"))
            .flat_map(|t| t.text().map(|s| s.trim().to_owned()).collect::<Vec<_>>())
            .collect()
    }

    #[test]
    fn every_figure_of_the_report_appears_in_the_pages_tables_exactly() {
        let report = fixture::report();
        let doc = Html::parse_document(&page(&report));
        assert!(doc.errors.is_empty(), "HTML parse errors: {:?}", doc.errors);
        // Digit for digit, once the thousands separators are taken out.
        let texts: HashSet<String> = table_texts(&doc)
            .into_iter()
            .map(|t| t.replace(',', ""))
            .collect();
        let figures = fixture::figures(&report);
        assert!(figures.len() > 100, "the fixture has its figures");
        for figure in figures.iter().map(|f| fixture::as_read_in_english(f)) {
            assert!(
                texts.contains(&figure),
                "{figure} is not in the page's tables"
            );
        }
    }

    #[test]
    fn totals_are_in_the_table_footers() {
        let report = fixture::report();
        let doc = Html::parse_document(&page(&report));
        let footers: HashSet<String> = doc
            .select(&select("tfoot td"))
            .flat_map(|td| {
                td.text()
                    .map(|s| s.trim().replace(',', ""))
                    .collect::<Vec<_>>()
            })
            .collect();
        let c = report.content.expect("content");
        let v = c.voluntary_contributions.expect("voluntary");
        let a = c.assessed_contributions.expect("assessed");
        for total in [
            v.total_paid.as_str(),
            &v.total_committed,
            &a.total_assessed_in_year,
            &a.total_outstanding_at_status_date,
            "100.0",
            &c.multi_year_commitments
                .expect("multi-year")
                .total_outstanding,
            &c.use_of_unearmarked_funding
                .expect("unearmarked")
                .total_allocated,
        ] {
            assert!(footers.contains(total), "{total} is not a total row");
        }
    }

    #[test]
    fn unverified_figures_are_marked() {
        let doc = Html::parse_document(&page(&fixture::report()));
        let marked: Vec<String> = doc
            .select(&select("td"))
            .filter(|td| td.select(&select(".mark")).next().is_some())
            .filter_map(|td| td.text().next().map(str::to_owned))
            .collect();
        assert_eq!(marked, ["1,046", "87.2", "512", "85.3"]);
    }

    #[test]
    fn pledges_are_shown_as_not_counted() {
        let doc = Html::parse_document(&page(&fixture::report()));
        let pledges = doc
            .select(&select(".pledges"))
            .next()
            .expect("a pledges table");
        let text: String = pledges.text().collect();
        assert!(text.contains("Pledges (not counted)"));
        assert_eq!(
            pledges.select(&select("tfoot")).count(),
            0,
            "pledges have no total"
        );
        assert_eq!(
            pledges
                .select(&select("tbody tr"))
                .filter(|tr| tr.text().any(|t| t == "not counted"))
                .count(),
            3
        );
    }

    #[test]
    fn the_charts_are_well_formed_accessible_svg() {
        let html = page(&fixture::report());
        let mut ids = Vec::new();
        let mut rest = html.as_str();
        while let Some(start) = rest.find("<svg") {
            let end = rest[start..].find("</svg>").expect("a closed svg") + start + "</svg>".len();
            let svg = &rest[start..end];
            let tree = roxmltree::Document::parse(svg).expect("well-formed SVG");
            let root = tree.root_element();
            assert_eq!(root.tag_name().name(), "svg");
            assert_eq!(root.attribute("role"), Some("img"));
            let child = |name: &str| {
                root.children()
                    .find(|n| n.has_tag_name(name))
                    .and_then(|n| n.text())
                    .unwrap_or_default()
                    .to_owned()
            };
            assert!(!child("title").is_empty(), "an svg without title");
            assert!(!child("desc").is_empty(), "an svg without desc");
            assert!(root.descendants().any(|n| n.has_tag_name("rect")));
            ids.push(
                child("title")
                    .split_whitespace()
                    .take(3)
                    .collect::<Vec<_>>()
                    .join(" "),
            );
            rest = &rest[end..];
        }
        assert_eq!(
            ids.len(),
            6,
            "donors, flexibility, three schedules, achievement: {ids:?}"
        );
        for id in [
            "chart-donors",
            "chart-flexibility",
            "chart-schedules-eur",
            "chart-achievement",
        ] {
            assert!(
                html.contains(&format!("id=\"{id}-title\"")),
                "{id} is missing"
            );
        }
    }

    #[test]
    fn the_donor_chart_puts_the_largest_first_and_prints_the_reports_strings() {
        let html = page(&fixture::report());
        let start = html
            .find("aria-labelledby=\"chart-donors-title")
            .expect("donor chart");
        let svg = &html[start..start + html[start..].find("</svg>").expect("end")];
        let us = svg.find("United States of America").expect("US bar");
        let switzerland = svg.find("Switzerland").expect("Swiss bar");
        assert!(us < switzerland, "largest first");
        assert!(svg.contains("2,500,000.00") && svg.contains("566,250.00"));
    }

    #[test]
    fn the_page_is_standalone() {
        let html = page(&fixture::report());
        let doc = Html::parse_document(&html);
        for forbidden in ["script", "link", "img", "iframe", "object", "embed"] {
            assert_eq!(doc.select(&select(forbidden)).count(), 0, "a <{forbidden}>");
        }
        for element in doc.select(&select("[href], [src]")) {
            let target = element
                .value()
                .attr("href")
                .or(element.value().attr("src"))
                .unwrap_or_default();
            assert!(target.starts_with('#'), "an outside reference: {target}");
        }
        assert!(!html.contains("@import") && !html.contains("url("));
    }

    #[test]
    fn the_page_states_the_status_date_and_the_as_of_instant_together() {
        let doc = Html::parse_document(&page(&fixture::report()));
        let sentence = "Status of contributions as at 31 May 2025; \
                        figures as known at 20 June 2025 at 16:00:00 UTC";
        let masthead: String = doc
            .select(&select("p.two-times"))
            .flat_map(|p| p.text())
            .collect();
        assert_eq!(masthead, sentence);
        let footer: String = doc
            .select(&select("footer"))
            .flat_map(|p| p.text())
            .collect();
        assert!(footer.contains(sentence), "{footer}");
    }

    #[test]
    fn a_draft_is_marked_and_the_hash_is_in_the_footer() {
        let report = fixture::report();
        let doc = Html::parse_document(&page(&report));
        assert_eq!(doc.select(&select(".watermark")).count(), 1);
        let banner: String = doc
            .select(&select(".banner"))
            .flat_map(|b| b.text())
            .collect();
        assert!(banner.contains("DRAFT"));
        let footer: String = doc
            .select(&select("footer"))
            .flat_map(|f| f.text())
            .collect();
        assert!(footer.contains(&report.content_sha256));
    }

    #[test]
    fn a_final_report_has_no_draft_marks() {
        let mut report = fixture::report();
        report.state = pb::ReportState::Final as i32;
        let doc = Html::parse_document(&page(&report));
        assert_eq!(doc.select(&select(".watermark, .banner")).count(), 0);
        let state: String = doc
            .select(&select(".state"))
            .flat_map(|s| s.text())
            .collect();
        assert_eq!(state, "Final");
    }

    #[test]
    fn names_are_escaped_in_tables_and_charts() {
        let report = fixture::report_with_markup_in_a_name();
        let html = page(&report);
        assert!(
            !html.contains("<script"),
            "markup from a name reached the page"
        );
        let doc = Html::parse_document(&html);
        assert_eq!(doc.select(&select("script")).count(), 0);
        let texts = table_texts(&doc);
        assert!(texts.contains("<script>alert(\"x\")</script> & Co"));
        let chart = html.find("id=\"chart-donors-title\"").expect("donor chart");
        let svg_start = html[..chart].rfind("<svg").expect("svg start");
        let svg_end = chart + html[chart..].find("</svg>").expect("svg end") + 6;
        let tree = roxmltree::Document::parse(&html[svg_start..svg_end]).expect("well-formed");
        assert!(
            tree.descendants()
                .any(|n| n.text().is_some_and(|t| t.contains("<script>alert")))
        );
    }
}
