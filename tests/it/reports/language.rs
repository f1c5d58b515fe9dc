//! Reports in the committee's languages: ExportReport renders HTML and Markdown in English,
//! French or Spanish, while the figures, the content and its hash stay the same.

use std::collections::BTreeMap;

use scpf_reports::pb::{self, report_service_client::ReportServiceClient};
use sqlx::PgPool;
use tonic::{Code, transport::Channel};

use super::{
    fixture::{Voluntary, World, content},
    founding::seed,
};
use crate::support::{TestServer, assert_refused, rid};

/// The narrow no-break space French puts between groups of thousands.
const NNBSP: char = '\u{202f}';

/// Every part of one export, by name.
async fn export(
    reports: &mut ReportServiceClient<Channel>,
    name: &str,
    format: pb::ExportFormat,
    language: &str,
) -> BTreeMap<String, Vec<u8>> {
    let mut stream = reports
        .export_report(pb::ExportReportRequest {
            name: name.to_owned(),
            format: format.into(),
            language: language.to_owned(),
        })
        .await
        .unwrap()
        .into_inner();
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
    let report = reports
        .generate_report(pb::GenerateReportRequest {
            parent: "sessions/36".into(),
            request_id: rid(),
            view: pb::ReportView::Full.into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
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

    // To look at: SCPF_RENDER_OUT=/some/dir writes the demo page in each language there.
    if let Some(dir) = std::env::var_os("SCPF_RENDER_OUT") {
        for language in ["en", "fr", "es"] {
            let html = page(&mut reports, &report.name, pb::ExportFormat::Html, language).await;
            std::fs::write(
                std::path::Path::new(&dir).join(format!("demo-36.{language}.html")),
                html,
            )
            .unwrap();
        }
    }

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
    ] {
        assert!(es.contains(text), "Spanish: {text:?} is missing");
    }

    let en = page(&mut reports, &report.name, pb::ExportFormat::Html, "").await;
    assert!(en.contains("<html lang=\"en\">"));
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
    let again = reports
        .get_report(pb::GetReportRequest {
            name: report.name.clone(),
            view: pb::ReportView::Full.into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.content_sha256, report.content_sha256);
    assert_eq!(again.content, report.content);
}

#[sqlx::test(migrations = false)]
async fn a_line_without_a_rate_says_no_rate_and_stays_out_of_the_total_in_every_language(
    pool: PgPool,
) {
    let mut w = World::start(pool).await;
    w.session(
        36,
        ("2025-06-25", "2025-06-26"),
        ("2025-01-01", "2025-06-30"),
    )
    .await;
    w.donor("norway", "Norway", "NO", true).await;
    w.donor("us", "United States", "US", true).await;
    w.voluntary(Voluntary::simple(
        "no",
        "norway",
        "NOK",
        &[("2025-02-28", "20000000.00")],
    ))
    .await;
    w.receipt("no", "2025-02-20", "NOK", "20000000.00").await;
    w.voluntary(Voluntary::simple(
        "us",
        "us",
        "USD",
        &[("2025-02-28", "5000000.00")],
    ))
    .await;
    w.receipt("us", "2025-02-21", "USD", "5000000.00").await;
    let report = w.generate(36, None).await;
    // Only the United States' 5,000,000.00 is counted: Norway's NOK has no rate.
    let v = content(&report).voluntary_contributions.clone().unwrap();
    assert_eq!(v.total_paid, "5000000.00");

    let cases = [
        (
            "en",
            "no rate",
            "5,000,000.00",
            "2 lines have no exchange rate",
            "20,000,000.00",
        ),
        (
            "fr",
            "pas de taux",
            "5\u{202f}000\u{202f}000,00",
            "2 lignes n’ont pas de taux de change",
            "20\u{202f}000\u{202f}000,00",
        ),
        (
            "es",
            "sin tipo de cambio",
            "5.000.000,00",
            "2 líneas no tienen tipo de cambio",
            "20.000.000,00",
        ),
    ];
    for (language, no_rate, total, note, nok) in cases {
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
            .filter(|l| l.starts_with("| Norway |") && l.contains(nok))
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
    w.session(
        36,
        ("2025-06-25", "2025-06-26"),
        ("2025-01-01", "2025-06-30"),
    )
    .await;
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
        assert_refused(
            refused,
            Code::InvalidArgument,
            "UNSUPPORTED_LANGUAGE",
            Some("language"),
        );
    }
}
