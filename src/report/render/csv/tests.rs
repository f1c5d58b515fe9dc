//! CSV parts parsed back with the csv crate: names, headers, totals, pledges, statuses.

use std::collections::HashMap;

use crate::report::render::{Format, fixture, render};

/// A part parsed back: its header, and its records by column name.
type Parsed = (Vec<String>, Vec<HashMap<String, String>>);

/// Every part, parsed back, by name.
fn parsed() -> HashMap<String, Parsed> {
    let report = fixture::report();
    let parts = render(
        &report,
        Format::Csv,
        crate::report::render::Language::English,
    )
    .expect("the fixture renders");
    parts
        .into_iter()
        .map(|part| {
            assert_eq!(part.content_type, "text/csv; charset=utf-8");
            let mut reader = ::csv::Reader::from_reader(part.data.as_slice());
            let header: Vec<String> = reader
                .headers()
                .expect("a header row")
                .iter()
                .map(str::to_owned)
                .collect();
            let records = reader
                .records()
                .map(|r| {
                    let r = r.expect("a well-formed record");
                    header
                        .iter()
                        .cloned()
                        .zip(r.iter().map(str::to_owned))
                        .collect()
                })
                .collect();
            (part.name, (header, records))
        })
        .collect()
}

fn total_row<'a>(parts: &'a HashMap<String, Parsed>, part: &str) -> &'a HashMap<String, String> {
    let (header, records) = &parts[part];
    let first = &header[0];
    let totals: Vec<_> = records.iter().filter(|r| r[first] == "Total").collect();
    assert_eq!(totals.len(), 1, "{part} has exactly one Total row");
    totals[0]
}

#[test]
fn every_table_is_a_part_with_a_lower_snake_case_header() {
    let parts = parsed();
    let mut names: Vec<&str> = parts.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "article_4.csv",
            "assessed_contributions.csv",
            "changes.csv",
            "changes_stated.csv",
            "council_decisions.csv",
            "data_quality.csv",
            "flexibility_categories.csv",
            "flexibility_donors.csv",
            "flexibility_modalities.csv",
            "header.csv",
            "multi_year_by_year.csv",
            "multi_year_commitments.csv",
            "multi_year_schedules.csv",
            "payment_plans.csv",
            "pledges.csv",
            "programme_results.csv",
            "rates_used.csv",
            "unearmarked_allocations.csv",
            "unearmarked_objectives.csv",
            "voluntary_committed.csv",
            "voluntary_donors.csv",
            "voluntary_paid.csv",
        ]
    );
    for (name, (header, _)) in &parts {
        for column in header {
            assert!(
                !column.is_empty()
                    && column
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{name}: column {column:?} is not lower_snake_case"
            );
        }
    }
}

#[test]
fn total_rows_equal_the_reports_totals() {
    let report = fixture::report();
    let c = report.content.expect("content");
    let a = c.assessed_contributions.expect("assessed");
    let v = c.voluntary_contributions.expect("voluntary");
    let f = c.flexibility.expect("flexibility");
    let m = c.multi_year_commitments.expect("multi-year");
    let u = c.use_of_unearmarked_funding.expect("unearmarked");
    let expected: [(&str, &str, &str); 16] = [
        (
            "assessed_contributions.csv",
            "outstanding_at_year_start",
            &a.total_outstanding_at_year_start,
        ),
        (
            "assessed_contributions.csv",
            "assessed_in_year",
            &a.total_assessed_in_year,
        ),
        (
            "assessed_contributions.csv",
            "received_in_year",
            &a.total_received_in_year,
        ),
        (
            "assessed_contributions.csv",
            "outstanding_at_status_date",
            &a.total_outstanding_at_status_date,
        ),
        ("assessed_contributions.csv", "arrears", &a.total_arrears),
        ("assessed_contributions.csv", "article_4", "1"),
        ("voluntary_paid.csv", "converted_amount", &v.total_paid),
        (
            "voluntary_committed.csv",
            "converted_amount",
            &v.total_committed,
        ),
        ("voluntary_donors.csv", "paid", &v.total_paid),
        ("voluntary_donors.csv", "committed", &v.total_committed),
        ("flexibility_categories.csv", "amount", &f.total),
        ("flexibility_categories.csv", "share", "100.0"),
        ("flexibility_modalities.csv", "share", "100.0"),
        (
            "multi_year_commitments.csv",
            "outstanding_converted",
            &m.total_outstanding,
        ),
        ("unearmarked_allocations.csv", "amount", &u.total_allocated),
        ("unearmarked_objectives.csv", "amount", &u.total_allocated),
    ];
    let parts = parsed();
    for (part, column, value) in expected {
        assert_eq!(total_row(&parts, part)[column], value, "{part} {column}");
    }
    assert_eq!(
        total_row(&parts, "flexibility_modalities.csv")["amount"],
        f.total
    );
    assert_eq!(
        total_row(&parts, "unearmarked_objectives.csv")["share"],
        "100.0"
    );
}

#[test]
fn pledges_are_listed_but_never_totalled() {
    let parts = parsed();
    let (_, pledges) = &parts["pledges.csv"];
    assert_eq!(pledges.len(), 3);
    assert!(pledges.iter().all(|p| p["counted_in_totals"] == "no"));
    assert!(pledges.iter().all(|p| p["contribution"] != "Total"));
}

#[test]
fn lines_keep_their_original_currency_and_the_rate_they_used() {
    let parts = parsed();
    let (_, paid) = &parts["voluntary_paid.csv"];
    let belgium = &paid[0];
    assert_eq!(belgium["donor_name"], "Belgium");
    assert_eq!(belgium["earmarking_category"], "unearmarked");
    assert_eq!(belgium["earmarking_modality"], "A");
    assert_eq!(belgium["month"], "2025-06");
    assert_eq!(belgium["currency"], "EUR");
    assert_eq!(belgium["original_amount"], "1000000.00");
    assert_eq!(belgium["exchange_rate"], "exchangeRates/EUR-USD-2025-06");
    assert_eq!(belgium["rate"], "1.1450");
    assert_eq!(belgium["converted_amount"], "1145000.00");
    let without_rate = paid
        .iter()
        .find(|l| l["month"] == "2025-06" && l["currency"] == "CHF");
    assert_eq!(
        without_rate.map(|l| l["converted_amount"].as_str()),
        Some("")
    );
}

#[test]
fn schedules_have_one_row_per_installment_with_its_status() {
    let parts = parsed();
    let (_, rows) = &parts["multi_year_schedules.csv"];
    let belgium: Vec<_> = rows
        .iter()
        .filter(|r| r["donor_name"] == "Belgium")
        .collect();
    assert_eq!(belgium.len(), 4);
    let statuses: Vec<&str> = belgium.iter().map(|r| r["status"].as_str()).collect();
    assert_eq!(statuses, ["paid", "future", "future", "future"]);
    assert!(rows.iter().any(|r| r["status"] == "due"));
    assert_eq!(belgium[0]["amount"], "1000000.00");
    assert_eq!(belgium[0]["paid"], "1000000.00");
}

#[test]
fn results_have_a_total_row_and_one_per_disaggregation() {
    let parts = parsed();
    let (_, rows) = &parts["programme_results.csv"];
    let assisted: Vec<_> = rows
        .iter()
        .filter(|r| r["indicator"] == "programmes/be-avr/indicators/returnees-assisted")
        .collect();
    let dimensions: Vec<&str> = assisted.iter().map(|r| r["dimensions"].as_str()).collect();
    assert_eq!(
        dimensions,
        [
            "total",
            "sex=female;age=0-17",
            "sex=female;age=18-59",
            "sex=male;age=0-17",
            "sex=male;age=18-59"
        ]
    );
    assert_eq!(assisted[0]["verified"], "no");
    let returns = rows
        .iter()
        .find(|r| r["indicator"] == "programmes/be-avr/indicators/returns-since-1984")
        .expect("the cumulative returns indicator");
    assert_eq!(returns["baseline"], "0");
    assert_eq!(returns["baseline_date"], "1984-01-01");
    assert_eq!(returns["actual"], "90500");
    assert_eq!(returns["cumulative"], "yes");
}

#[test]
fn data_quality_entries_are_listed() {
    let parts = parsed();
    let (_, rows) = &parts["data_quality.csv"];
    let kinds: Vec<&str> = rows.iter().map(|r| r["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        [
            "missing rate",
            "unverified result",
            "overdue installment",
            "earmarked without programme",
            "overdue installment",
            "no results in period"
        ]
    );
}

#[test]
fn the_header_names_both_times() {
    let parts = parsed();
    let (_, records) = &parts["header.csv"];
    let value = |field: &str| {
        records
            .iter()
            .find(|r| r["field"] == field)
            .map(|r| r["value"].clone())
            .unwrap_or_else(|| panic!("no {field} row"))
    };
    assert_eq!(value("status_date"), "2025-05-31");
    assert_eq!(value("header_status_date"), "2025-05-31");
    assert_eq!(value("as_of"), "2025-06-20T16:00:00Z");
}

#[test]
fn programmes_are_named_beside_their_ids() {
    let parts = parsed();
    let (_, results) = &parts["programme_results.csv"];
    let avr = results
        .iter()
        .find(|r| r["programme"] == "programmes/be-avr")
        .expect("the AVR programme's rows");
    assert_eq!(avr["programme_code"], "BE-AVR");
    assert_eq!(
        avr["programme_title"],
        "Assisted voluntary return and reintegration from Belgium, with Fedasil"
    );
    // An allocation names its programme's title when the results section has the programme;
    // none of the fixture's allocated programmes reports results, so the column is empty.
    let (_, allocations) = &parts["unearmarked_allocations.csv"];
    let ukraine = allocations
        .iter()
        .find(|r| r["programme"] == "programmes/ua-er")
        .expect("the allocation to early recovery in Ukraine");
    assert_eq!(ukraine["programme_code"], "UA-ER");
    assert_eq!(ukraine["programme_title"], "");
}
