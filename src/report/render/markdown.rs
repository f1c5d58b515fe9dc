//! Markdown: one document, the sections in order, each table as a GitHub-flavoured pipe table
//! with its total rows in bold at the end.

use std::fmt::{self, Write};

use super::document::{Cell, Document, Row, Section, Table};

/// Escapes text so that no character of a name or message acts as Markdown or HTML: every ASCII
/// punctuation mark that means something is backslash-escaped, and line breaks become spaces so a
/// cell stays on its row.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '&' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn cell(c: &Cell, total: bool) -> String {
    let mut text = escape(&c.text);
    if c.unverified {
        text.push_str(" †");
    }
    if !c.note.is_empty() {
        let note = format!("({})", escape(&c.note));
        text = if text.is_empty() {
            note
        } else {
            format!("{text} {note}")
        };
    }
    if (total || c.flag) && !text.is_empty() {
        text = format!("**{text}**");
    }
    text
}

fn row(out: &mut impl Write, r: &Row, total: bool) -> fmt::Result {
    let cells: Vec<String> = r
        .cells
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let text = cell(c, total);
            // A disaggregation is indented under its indicator.
            if r.detail && i == 1 {
                format!("↳ {text}")
            } else {
                text
            }
        })
        .collect();
    writeln!(out, "| {} |", cells.join(" | "))
}

fn table(out: &mut impl Write, t: &Table) -> fmt::Result {
    title_and_note(out, t)?;
    if t.is_empty() {
        return writeln!(out, "{}\n", escape(&t.empty));
    }
    column_header(out, t)?;
    rows(out, &t.rows)?;
    table_tail(out, t)
}

fn title_and_note(out: &mut impl Write, t: &Table) -> fmt::Result {
    if !t.title.is_empty() {
        writeln!(out, "### {}\n", escape(&t.title))?;
    }
    if !t.note.is_empty() {
        writeln!(out, "{}\n", escape(&t.note))?;
    }
    Ok(())
}

/// The column labels and the rule under them, which aligns numbers to the right.
fn column_header(out: &mut impl Write, t: &Table) -> fmt::Result {
    let labels: Vec<String> = t.columns.iter().map(|c| escape(&c.label)).collect();
    writeln!(out, "| {} |", labels.join(" | "))?;
    let rules: Vec<&str> = t
        .columns
        .iter()
        .map(|c| if c.numeric { "---:" } else { "---" })
        .collect();
    writeln!(out, "| {} |", rules.join(" | "))
}

/// A section's heading and notes, for a section written a piece at a time (the annexes).
pub fn section_head(out: &mut impl Write, section: &Section) -> fmt::Result {
    writeln!(out, "## {}\n", escape(&section.heading))?;
    for note in &section.notes {
        writeln!(out, "{}\n", escape(note))?;
    }
    Ok(())
}

/// A table's title, note and column header, before its rows are written with [`rows`].
pub fn table_head(out: &mut impl Write, t: &Table) -> fmt::Result {
    title_and_note(out, t)?;
    column_header(out, t)
}

/// Body rows of a table begun with [`table_head`].
pub fn rows(out: &mut impl Write, rows: &[Row]) -> fmt::Result {
    for r in rows {
        row(out, r, false)?;
    }
    Ok(())
}

/// The total rows of a table begun with [`table_head`], and its end.
pub fn table_tail(out: &mut impl Write, t: &Table) -> fmt::Result {
    for r in &t.totals {
        row(out, r, true)?;
    }
    out.write_char('\n')
}

/// A table without rows (`t.rows` is empty): its title, note and the sentence saying so.
pub fn table_empty(out: &mut impl Write, t: &Table) -> fmt::Result {
    table(out, t)
}

/// Writes the document as Markdown.
pub fn write(doc: &Document, out: &mut impl Write) -> fmt::Result {
    writeln!(out, "# {}\n", escape(&doc.title))?;
    writeln!(
        out,
        "{} — **{}**\n",
        escape(&doc.subtitle),
        escape(&doc.state.to_uppercase())
    )?;
    writeln!(out, "**{}.**\n", escape(&doc.two_times))?;
    if doc.draft {
        writeln!(
            out,
            "> **{}.** {}\n",
            escape(&doc.text.draft_mark),
            escape(&doc.text.draft_warning)
        )?;
    }
    writeln!(out, "{}\n", escape(&doc.text.reading))?;
    for section in &doc.sections {
        section_head(out, section)?;
        for t in &section.tables {
            table(out, t)?;
        }
    }
    writeln!(
        out,
        "---\n\n{}. {} `{}`",
        escape(&doc.two_times),
        escape(&doc.text.sha256),
        doc.sha256.replace('`', "")
    )
}

#[cfg(test)]
mod tests {
    use crate::{
        pb,
        report::render::{Format, Language, fixture, render},
    };

    fn markdown(report: &crate::pb::Report) -> String {
        let parts = render(
            report,
            Format::Markdown,
            crate::report::render::Language::English,
        )
        .expect("the report renders");
        assert_eq!(parts[0].name, "report.md");
        String::from_utf8(parts[0].data.clone()).expect("UTF-8")
    }

    #[test]
    fn every_section_has_its_heading_in_order() {
        let md = markdown(&fixture::report());
        let mut from = 0;
        for heading in [
            "# 36th session of the Standing Committee on Programmes and Finance",
            "## 1. Session, reporting period and rates",
            "## 2. Assessed contributions (Administrative Part, CHF)",
            "## 3. Voluntary contributions (Operational Part, USD)",
            "## 4. Flexibility",
            "## 5. Multi-year commitments",
            "## 6. Use of unearmarked funding",
            "## 7. Programme results",
            "## 8. Changes since the previous session’s final report",
            "## 9. Data quality",
            "## Annex: schedules",
        ] {
            let at = md[from..]
                .find(&format!("{heading}\n"))
                .unwrap_or_else(|| panic!("{heading} is missing or out of order"));
            from += at + heading.len();
        }
    }

    #[test]
    fn section_5_is_the_donor_by_year_table_and_the_schedules_come_after_the_sections() {
        let md = markdown(&fixture::report());
        let at = |text: &str| md.find(text).unwrap_or_else(|| panic!("{text} is missing"));
        let (five, six) = (at("## 5. Multi-year commitments\n"), at("## 6. "));
        let nine = at("## 9. Data quality\n");
        let annex = at("## Annex: schedules\n");
        let table = at("### Outstanding by donor and year (USD)\n");
        assert!(
            five < table && table < six,
            "the donor-by-year table is in section 5"
        );
        assert!(
            md.contains("| Donor | 2025 | 2026 | 2027 | 2028 | Total (USD) |"),
            "one column per year"
        );
        assert!(md.contains(
            "| **Total** | **0.00** | **2,718,500.00** | **1,145,000.00** | **1,145,000.00** | **5,008,500.00** |"
        ));
        let schedules = at("### Schedules\n");
        let installments = at("### Installments\n");
        assert!(nine < annex, "the annex follows the numbered sections");
        assert!(
            annex < schedules && annex < installments,
            "schedules are in the annex"
        );
    }

    #[test]
    fn totals_and_figures_are_printed_as_the_report_has_them() {
        let report = fixture::report();
        let md = markdown(&report);
        for total in [
            "| **Total** |  | **-16,060.00** | **7,891,480.00** | **5,283,900.00** | **2,591,520.00** | **85,180.00** |",
            "| **Total** | **8,665,250.00** | **9,977,000.00** |",
            "| **Total** | **8,665,250.00** | **100.0** |",
            "| **Flexible (categories 1 and 2)** |",
            "**5,008,500.00**",
            "**2,700,000.00**",
        ] {
            assert!(md.contains(total), "{total} is missing");
        }
        // Every figure, digit for digit, once the thousands separators are taken out.
        let plain = md.replace(',', "");
        for figure in fixture::figures(&report) {
            let figure = fixture::as_read_in_english(&figure);
            assert!(plain.contains(&figure), "{figure} is missing");
        }
    }

    #[test]
    fn the_header_facts_and_the_counting_rules_are_stated() {
        let md = markdown(&fixture::report());
        for fact in [
            "| Reporting period | 1 January 2025 to 30 June 2025 |",
            "| Status of contributions as at | 31 May 2025 |",
            "| Figures as known at | 20 June 2025 at 16:00:00 UTC |",
            "**Status of contributions as at 31 May 2025; figures as known at 20 June 2025 at 16:00:00 UTC.**",
            "| Revision | 3 |",
            "| State | Draft |",
            "| Content SHA-256 | 9f2c4e7a",
            "| EUR to USD, June 2025 | 1.1450 |",
            "> **DRAFT.**",
            "Pledges are listed but not counted.",
            "add up to exactly 100.0",
            "Figures marked † are unverified",
            "Article 4 of the Constitution",
            "| 1,046 † | 87.2 † |",
        ] {
            assert!(md.contains(fact), "{fact} is missing");
        }
    }

    fn markdown_in(report: &pb::Report, language: Language) -> String {
        let parts = render(report, Format::Markdown, language).expect("renders");
        String::from_utf8(parts[0].data.clone()).expect("UTF-8")
    }

    #[test]
    fn the_previous_report_is_named_by_its_session_and_the_day_it_was_made_final() {
        let report = fixture::report();
        let nbsp = '\u{a0}';
        for (language, said) in [
            (
                Language::English,
                "What changed since the final report of the 35th session of the Standing \
                 Committee on Programmes and Finance (4 November 2024 to 5 November 2024), made \
                 final on 12 November 2024, with the status of contributions as at 30 September \
                 2024: "
                    .to_owned(),
            ),
            (
                Language::French,
                format!(
                    "Ce qui a changé depuis le rapport définitif de la 35e session du Comité \
                     permanent des programmes et des finances (du 4 novembre 2024 au 5 novembre \
                     2024), arrêté le 12 novembre 2024, qui donnait la situation des \
                     contributions au 30 septembre 2024{nbsp}: "
                ),
            ),
            (
                Language::Spanish,
                "Lo que cambió desde el informe definitivo de la 35ª Reunión del Comité \
                 Permanente de Programas y Finanzas (del 4 de noviembre de 2024 al 5 de \
                 noviembre de 2024), aprobado como definitivo el 12 de noviembre de 2024, que \
                 daba la situación de las contribuciones al 30 de septiembre de 2024: "
                    .to_owned(),
            ),
        ] {
            let md = markdown_in(&report, language);
            assert!(md.contains(&said), "{language:?}: {said}");
            assert!(!md.contains("sessions/35/reports/2,"), "{language:?}");
        }
    }

    #[test]
    fn governments_data_quality_sentences_and_instants_are_in_the_readers_language() {
        let report = fixture::report();
        let fr = markdown_in(&report, Language::French);
        let es = markdown_in(&report, Language::Spanish);
        let nbsp = '\u{a0}';
        let nnbsp = '\u{202f}';
        for text in [
            "| Belgique |".to_owned(),
            "| Suisse |".to_owned(),
            // A government whose code CLDR does not name keeps the name it was recorded with.
            "| Freedonia |".to_owned(),
            format!(
                "Belgique{nbsp}: sur le versement échu le 31 mars 2025, \
                 250{nnbsp}000,00 EUR restent impayés au 31 mai 2025."
            ),
            "20 juin 2025 à 16:00:00 UTC".to_owned(),
            "taux de change opérationnels de l’ONU".to_owned(),
            // An entry stored with its English message only is shown as stored.
            "No CHF-USD rate for 2025-06: one paid line".to_owned(),
        ] {
            assert!(fr.contains(&text), "French: {text:?} is missing");
        }
        for text in [
            "| Bélgica |",
            "| Suiza |",
            "Bélgica: de la cuota con vencimiento el 31 de marzo de 2025, quedan \
             250.000,00 EUR sin pagar al 31 de mayo de 2025.",
            "20 de junio de 2025 a las 16:00:00 UTC",
            "tipos de cambio operacionales de las Naciones Unidas",
        ] {
            assert!(es.contains(text), "Spanish: {text:?} is missing");
        }
        let en = markdown_in(&report, Language::English);
        assert!(en.contains(
            "Belgium: the installment due on 31 March 2025 has EUR 250,000.00 unpaid at \
             31 May 2025."
        ));
        assert!(!fr.contains("| Belgium |") && !es.contains("| Belgium |"));
    }

    #[test]
    fn markup_in_a_name_is_escaped() {
        let md = markdown(&fixture::report_with_markup_in_a_name());
        assert!(!md.contains("<script>"));
        assert!(md.contains(r#"\<script\>alert("x")\</script\> \& Co"#));
    }
}
