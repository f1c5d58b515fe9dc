//! Reports in the committee's languages: ExportReport renders HTML and Markdown in English,
//! French or Spanish, while the figures, the content and its hash stay the same.

use std::collections::BTreeMap;

use scpf_reports::pb::{self, report_service_client::ReportServiceClient};
use sqlx::PgPool;
use tonic::transport::Channel;

use super::{
    fixture::{World, content},
    founding::seed,
};
use crate::support::{TestServer, assert_invalid, ok, rid};

/// The narrow no-break space French puts between groups of thousands.
const NNBSP: char = '\u{202f}';
/// The no-break space French puts before a colon.
const NBSP: char = '\u{a0}';

/// Every part of one export, by name.
async fn export(
    reports: &mut ReportServiceClient<Channel>,
    name: &str,
    format: pb::ExportFormat,
    language: &str,
) -> BTreeMap<String, Vec<u8>> {
    let mut stream = ok(reports.export_report(pb::ExportReportRequest {
        name: name.to_owned(),
        format: format.into(),
        language: language.to_owned(),
    }))
    .await;
    let mut parts = BTreeMap::<String, Vec<u8>>::new();
    while let Some(chunk) = stream.message().await.unwrap() {
        parts.entry(chunk.part).or_default().extend(chunk.data);
    }
    parts
}

async fn page(
    reports: &mut ReportServiceClient<Channel>,
    name: &str,
    format: pb::ExportFormat,
    language: &str,
) -> String {
    let parts = export(reports, name, format, language).await;
    let part = if format == pb::ExportFormat::Html {
        "report.html"
    } else {
        "report.md"
    };
    String::from_utf8(parts[part].clone()).unwrap()
}

/// A plain decimal written the French way, by hand: groups of three digits separated by a
/// narrow no-break space, a comma before the decimals.
fn french(amount: &str) -> String {
    let (sign, digits) = match amount.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", amount),
    };
    let (whole, decimals) = digits.split_once('.').unwrap_or((digits, ""));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(NNBSP);
        }
        grouped.push(c);
    }
    if decimals.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped},{decimals}")
    }
}

#[test]
fn the_tests_french_writing_is_right() {
    assert_eq!(french("1234567.89"), format!("1{NNBSP}234{NNBSP}567,89"));
    assert_eq!(french("-100.00"), "-100,00");
    assert_eq!(french("999"), "999");
}

#[sqlx::test(migrations = false)]
async fn the_demo_report_reads_in_french_and_spanish_with_the_same_figures_and_hash(pool: PgPool) {
    seed(&pool).await;
    let server = TestServer::start(pool).await;
    let mut reports = ReportServiceClient::new(server.channel.clone());
    let report = ok(reports.generate_report(pb::GenerateReportRequest {
        parent: "sessions/36".into(),
        request_id: rid(),
        view: pb::ReportView::Full.into(),
        ..Default::default()
    }))
    .await;
    let c = content(&report);
    let total_paid = &c.voluntary_contributions.as_ref().unwrap().total_paid;
    let assessed = &c
        .assessed_contributions
        .as_ref()
        .unwrap()
        .total_assessed_in_year;
    assert!(total_paid.len() > 7, "the demo's total is in the millions");

    let fr = page(&mut reports, &report.name, pb::ExportFormat::Html, "fr").await;
    for text in [
        "<html lang=\"fr\">",
        "36e session du Comité permanent des programmes et des finances",
        "2. Contributions statutaires (Partie administrative, CHF)",
        "3. Contributions volontaires (Partie opérationnelle, USD)",
        "Situation des contributions au 30 juin 2025",
        "du 1er janvier 2025 au 30 juin 2025",
        "EUR en USD, juin 2025",
        "Annonces de contributions (non comptabilisées)",
        &french(total_paid),
        &french(assessed),
        &report.content_sha256,
    ] {
        assert!(fr.contains(text), "French: {text:?} is missing");
    }
    for english in ["Voluntary contributions", "Total paid", "Member State<"] {
        assert!(
            !fr.contains(english),
            "French: {english:?} is still English"
        );
    }

    // Member States and donor governments by their country's name in French (CLDR), the
    // data-quality sentence, the rate source and the as-known-at instant in French words.
    for text in [
        ">Belgique<".to_owned(),
        ">Allemagne<".to_owned(),
        ">États-Unis<".to_owned(),
        format!(
            "Allemagne{NBSP}: sur le versement échu le 31 mars 2025, {} EUR restent impayés \
             au 30 juin 2025.",
            french("1000000.00")
        ),
        "taux de change opérationnels de l’ONU".to_owned(),
        format!(
            "chiffres tels que connus le {}",
            in_words("fr", report.as_of.as_ref().unwrap())
        ),
    ] {
        assert!(fr.contains(&text), "French: {text:?} is missing");
    }
    for english in [
        ">Belgium<",
        ">Germany<",
        "UN operational rates",
        "T00:",
        "Z<",
    ] {
        assert!(!fr.contains(english), "French: {english:?} is still there");
    }

    // To look at: SCPF_RENDER_OUT=/some/dir writes the demo page in each language there.
    write_to_look_at(&mut reports, &report.name, 36).await;

    let es = page(&mut reports, &report.name, pb::ExportFormat::Markdown, "es").await;
    for text in [
        "# 36ª Reunión del Comité Permanente de Programas y Finanzas",
        "## 2. Contribuciones prorrateadas (Parte de Administración, CHF)",
        "## 3. Contribuciones voluntarias (Parte de Operaciones, USD)",
        "Situación de las contribuciones al 30 de junio de 2025",
        "Anuncios de contribuciones (no contabilizados)",
        // Spanish groups thousands with points and puts a comma before the decimals.
        &french(total_paid).replace(NNBSP, ".").to_string(),
        &report.content_sha256,
        "| Bélgica |",
        "| Alemania |",
        "Alemania: de la cuota con vencimiento el 31 de marzo de 2025, quedan 1.000.000,00 EUR \
         sin pagar al 30 de junio de 2025.",
        "tipos de cambio operacionales de las Naciones Unidas",
        &format!(
            "cifras según lo conocido el {}",
            in_words("es", report.as_of.as_ref().unwrap())
        ),
    ] {
        assert!(es.contains(text), "Spanish: {text:?} is missing");
    }

    let en = page(&mut reports, &report.name, pb::ExportFormat::Html, "").await;
    assert!(en.contains("<html lang=\"en\">"));
    assert!(en.contains(">Belgium<"));
    assert!(en.contains(
        "Germany: the installment due on 31 March 2025 has EUR 1,000,000.00 unpaid at \
         30 June 2025."
    ));
    assert!(en.contains(&format!(
        "figures as known at {}",
        in_words("en", report.as_of.as_ref().unwrap())
    )));
    assert!(en.contains("Status of contributions as at 30 June 2025"));
    assert!(en.contains(&french(total_paid).replace(',', ".").replace(NNBSP, ",")));

    // The language changes the words, never the figures or what is stored: CSV and JSON are
    // the same bytes in every language, and the stored report keeps its hash.
    for format in [pb::ExportFormat::Csv, pb::ExportFormat::Json] {
        let english = export(&mut reports, &report.name, format, "en").await;
        for language in ["fr", "es-419"] {
            assert_eq!(
                export(&mut reports, &report.name, format, language).await,
                english,
                "{format:?} in {language}"
            );
        }
    }
    let again = ok(reports.get_report(pb::GetReportRequest {
        name: report.name.clone(),
        view: pb::ReportView::Full.into(),
    }))
    .await;
    assert_eq!(again.content_sha256, report.content_sha256);
    assert_eq!(again.content, report.content);

    // The 37th session, after the 36th's report is final: stated at 30 September 2025, with
    // the changes since the 36th.
    reports
        .finalize_report(pb::FinalizeReportRequest {
            name: report.name.clone(),
            etag: report.etag.clone(),
            request_id: rid(),
        })
        .await
        .unwrap();
    let r37 = ok(reports.generate_report(pb::GenerateReportRequest {
        parent: "sessions/37".into(),
        request_id: rid(),
        view: pb::ReportView::Full.into(),
        ..Default::default()
    }))
    .await;
    write_to_look_at(&mut reports, &r37.name, 37).await;
    let fr = page(&mut reports, &r37.name, pb::ExportFormat::Markdown, "fr").await;
    for text in [
        "Situation des contributions au 30 septembre 2025".to_owned(),
        // Belgium's West Africa installment of September came on 6 October.
        format!(
            "Belgique{NBSP}: sur le versement échu le 30 septembre 2025, {} EUR restent \
             impayés au 30 septembre 2025.",
            french("800000.00")
        ),
        format!(
            "Allemagne{NBSP}: sur le versement échu le 31 mars 2025, {} EUR restent impayés \
             au 30 septembre 2025.",
            french("1000000.00")
        ),
    ] {
        assert!(fr.contains(&text), "37th, French: {text:?} is missing");
    }
    let es = page(&mut reports, &r37.name, pb::ExportFormat::Markdown, "es").await;
    for text in [
        "Situación de las contribuciones al 30 de septiembre de 2025",
        "Bélgica: de la cuota con vencimiento el 30 de septiembre de 2025, quedan 800.000,00 EUR \
         sin pagar al 30 de septiembre de 2025.",
    ] {
        assert!(es.contains(text), "37th, Spanish: {text:?} is missing");
    }
}

/// With `SCPF_RENDER_OUT` set, writes a report's HTML and Markdown in each language there, as
/// `demo-{session}.{language}.html`, to look at.
async fn write_to_look_at(reports: &mut ReportServiceClient<Channel>, name: &str, session: i32) {
    let Some(dir) = std::env::var_os("SCPF_RENDER_OUT") else {
        return;
    };
    for language in ["en", "fr", "es"] {
        for (format, extension) in [
            (pb::ExportFormat::Html, "html"),
            (pb::ExportFormat::Markdown, "md"),
        ] {
            let text = page(reports, name, format, language).await;
            std::fs::write(
                std::path::Path::new(&dir).join(format!("demo-{session}.{language}.{extension}")),
                text,
            )
            .unwrap();
        }
    }
}

/// An instant as each language writes it, by hand: "3 December 2026 at 06:54:28 UTC",
/// "3 décembre 2026 à 06:54:28 UTC" ("1er" for the first day of a month), "3 de diciembre de
/// 2026 a las 06:54:28 UTC".
fn in_words(language: &str, ts: &prost_types::Timestamp) -> String {
    use chrono::{Datelike, Timelike};
    let t = chrono::DateTime::from_timestamp(ts.seconds, 0).unwrap();
    let month = t.month0() as usize;
    let (day, year) = (t.day(), t.year());
    let (h, m, s) = (t.hour(), t.minute(), t.second());
    match language {
        "fr" => {
            const MOIS: [&str; 12] = [
                "janvier",
                "février",
                "mars",
                "avril",
                "mai",
                "juin",
                "juillet",
                "août",
                "septembre",
                "octobre",
                "novembre",
                "décembre",
            ];
            let day = if day == 1 {
                "1er".to_owned()
            } else {
                day.to_string()
            };
            format!("{day} {} {year} à {h:02}:{m:02}:{s:02} UTC", MOIS[month])
        }
        "es" => {
            const MESES: [&str; 12] = [
                "enero",
                "febrero",
                "marzo",
                "abril",
                "mayo",
                "junio",
                "julio",
                "agosto",
                "septiembre",
                "octubre",
                "noviembre",
                "diciembre",
            ];
            format!(
                "{day} de {} de {year} a las {h:02}:{m:02}:{s:02} UTC",
                MESES[month]
            )
        }
        _ => {
            const MONTHS: [&str; 12] = [
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ];
            format!("{day} {} {year} at {h:02}:{m:02}:{s:02} UTC", MONTHS[month])
        }
    }
}

#[test]
fn the_tests_instants_in_words_are_right() {
    let ts = prost_types::Timestamp {
        seconds: 1_751_328_000 + 6 * 3600 + 5 * 60 + 7,
        nanos: 0,
    };
    assert_eq!(in_words("fr", &ts), "1er juillet 2025 à 06:05:07 UTC");
    assert_eq!(in_words("es", &ts), "1 de julio de 2025 a las 06:05:07 UTC");
    assert_eq!(in_words("en", &ts), "1 July 2025 at 06:05:07 UTC");
}

#[sqlx::test(migrations = false)]
async fn a_line_without_a_rate_says_no_rate_and_stays_out_of_the_total_in_every_language(
    pool: PgPool,
) {
    let mut w = World::norway_without_a_rate(pool).await;
    let report = w.generate(36, None).await;
    // Only the United States' 5,000,000.00 is counted: Norway's NOK has no rate.
    let v = content(&report).voluntary_contributions.clone().unwrap();
    assert_eq!(v.total_paid, "5000000.00");

    // Norway is named in the reader's language (CLDR's name of NO).
    let cases = [
        (
            "en",
            "Norway",
            "no rate",
            "5,000,000.00",
            "2 lines have no exchange rate",
            "20,000,000.00",
        ),
        (
            "fr",
            "Norvège",
            "pas de taux",
            "5\u{202f}000\u{202f}000,00",
            "2 lignes n’ont pas de taux de change",
            "20\u{202f}000\u{202f}000,00",
        ),
        (
            "es",
            "Noruega",
            "sin tipo de cambio",
            "5.000.000,00",
            "2 líneas no tienen tipo de cambio",
            "20.000.000,00",
        ),
    ];
    for (language, norway, no_rate, total, note, nok) in cases {
        let md = page(
            &mut w.reports,
            &report.name,
            pb::ExportFormat::Markdown,
            language,
        )
        .await;
        // Norway's lines, paid and committed: its amount, "no rate" in place of a USD amount.
        let norway: Vec<&str> = md
            .lines()
            .filter(|l| l.starts_with(&format!("| {norway} |")) && l.contains(nok))
            .collect();
        assert_eq!(norway.len(), 2, "{language}: {norway:?}");
        for line in norway {
            assert!(
                line.contains(&format!("| **{no_rate}")),
                "{language}: {line}"
            );
            assert!(
                !line.ends_with("0.00 |") && !line.ends_with("0,00 |"),
                "{language}: {line}"
            );
        }
        // The paid and committed tables' totals are the United States' alone.
        let total_row = format!("| **Total** |  |  |  |  |  |  | **{total}** |");
        assert_eq!(md.matches(&total_row).count(), 2, "{language}: {total_row}");
        assert!(md.contains(note), "{language}: the note {note:?}");
    }
}

#[sqlx::test(migrations = false)]
async fn a_language_reports_are_not_written_in_is_refused_naming_the_field(pool: PgPool) {
    let mut w = World::start(pool).await;
    w.the_36th().await;
    let report = w.generate(36, None).await;
    for language in ["de", "zh-Hans", "not a tag", "fr_FR!"] {
        let refused = w
            .reports
            .export_report(pb::ExportReportRequest {
                name: report.name.clone(),
                format: pb::ExportFormat::Html.into(),
                language: language.into(),
            })
            .await;
        assert_invalid(refused, "UNSUPPORTED_LANGUAGE", "language");
    }
}
