//! The words, numbers and dates of what people read (HTML and Markdown), in the report's
//! language: IOM's official languages, English, French and Spanish.
//!
//! Every label, heading and note comes from a Project Fluent file, `locales/{lang}/report.ftl`,
//! which staff can edit; the files are compiled into the binary so a deployed image needs none.
//! Numbers and dates are formatted by ICU4X from its compiled locale data. An amount is formatted
//! from its decimal string, digit for digit: it never passes through floating point.

use std::{collections::BTreeMap, str::FromStr};

use fixed_decimal::Decimal;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue, concurrent::FluentBundle};
use icu_calendar::{Date, Gregorian};
use icu_collator::{Collator, CollatorBorrowed};
use icu_datetime::{
    FixedCalendarDateTimeFormatter,
    fieldsets::{YM, YMD, YMDT},
    input::{DateTime, Time},
    options::TimePrecision,
};
use icu_decimal::DecimalFormatter;
use icu_experimental::displaynames::{DisplayNamesOptions, multi::RegionDisplayNames};
use icu_locale_core::{Locale, subtags::Region};

use crate::pb;

/// A language a report is rendered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    #[default]
    English,
    French,
    Spanish,
}

impl Language {
    /// Every language, in the order the README lists them.
    pub const ALL: [Language; 3] = [Language::English, Language::French, Language::Spanish];

    /// The BCP 47 tag: `en`, `fr` or `es`.
    pub fn tag(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::French => "fr",
            Language::Spanish => "es",
        }
    }

    /// A BCP 47 tag whose language is English, French or Spanish (`fr`, `fr-CH`, `es-419`); the
    /// empty tag is English. `None` for any other language or a tag that is not BCP 47.
    pub fn parse(tag: &str) -> Option<Language> {
        if tag.is_empty() {
            return Some(Language::English);
        }
        let id = icu_locale_core::LanguageIdentifier::try_from_str(tag).ok()?;
        match id.language.as_str() {
            "en" => Some(Language::English),
            "fr" => Some(Language::French),
            "es" => Some(Language::Spanish),
            _ => None,
        }
    }

    /// The Fluent source of the language.
    fn source(self) -> &'static str {
        match self {
            Language::English => include_str!("../../../locales/en/report.ftl"),
            Language::French => include_str!("../../../locales/fr/report.ftl"),
            Language::Spanish => include_str!("../../../locales/es/report.ftl"),
        }
    }

    /// The locale numbers and dates are formatted for. English is written the way the
    /// Organization writes it, day before month: "30 June 2025".
    fn locale(self) -> Locale {
        let tag = match self {
            Language::English => "en-GB",
            other => other.tag(),
        };
        Locale::try_from_str(tag).expect("a fixed, valid locale")
    }

    /// The words of the language, set up for one rendering: the Fluent file is parsed and the
    /// formatters are made from the compiled locale data, with no file read.
    pub fn words(self) -> Words {
        Words::new(self)
    }
}

/// The messages, number and date formats of one language.
pub struct Words {
    language: Language,
    bundle: FluentBundle<FluentResource>,
    decimal: DecimalFormatter,
    day: FixedCalendarDateTimeFormatter<Gregorian, YMD>,
    month: FixedCalendarDateTimeFormatter<Gregorian, YM>,
    instant: FixedCalendarDateTimeFormatter<Gregorian, YMDT>,
    regions: RegionDisplayNames,
    collator: CollatorBorrowed<'static>,
    /// The country of each government the report names, by `organizations/{id}`.
    countries: BTreeMap<String, String>,
}

/// An argument of a message.
pub enum Arg<'a> {
    /// Text put in as it is (a name, a currency code, a formatted figure).
    Text(&'a str),
    /// A count, which may select the message's plural form.
    Count(i64),
}

impl Words {
    fn new(language: Language) -> Self {
        let id = unic_langid::LanguageIdentifier::from_str(language.tag())
            .expect("a fixed, valid language tag");
        let mut bundle = FluentBundle::new_concurrent(vec![id]);
        // Marks around each argument help bidirectional text, not these languages, and would
        // reach the page as invisible characters.
        bundle.set_use_isolating(false);
        // NUMBER(), for the ordinals of session numbers.
        bundle
            .add_builtins()
            .expect("the built-in functions are added once");
        let resource = FluentResource::try_new(language.source().to_owned())
            .unwrap_or_else(|(_, errors)| panic!("{}: {errors:?}", language.tag()));
        bundle
            .add_resource(resource)
            .unwrap_or_else(|errors| panic!("{}: {errors:?}", language.tag()));
        let locale = language.locale();
        Self {
            language,
            bundle,
            decimal: DecimalFormatter::try_new(locale.clone().into(), Default::default())
                .expect("compiled decimal data for en, fr and es"),
            day: FixedCalendarDateTimeFormatter::try_new(locale.clone().into(), YMD::long())
                .expect("compiled date data for en, fr and es"),
            month: FixedCalendarDateTimeFormatter::try_new(locale.clone().into(), YM::long())
                .expect("compiled date data for en, fr and es"),
            instant: FixedCalendarDateTimeFormatter::try_new(
                locale.clone().into(),
                YMDT::long().with_time_precision(TimePrecision::Second),
            )
            .expect("compiled date and time data for en, fr and es"),
            regions: RegionDisplayNames::try_new(
                locale.clone().into(),
                DisplayNamesOptions::default(),
            )
            .expect("compiled region names for en, fr and es"),
            collator: Collator::try_new(locale.into(), Default::default())
                .expect("compiled collation data for en, fr and es"),
            countries: BTreeMap::new(),
        }
    }

    /// These words for one report: Member States and donor governments are named by their
    /// country in the language (the header's `organization_countries`).
    pub fn for_report(mut self, content: &pb::ReportContent) -> Self {
        if let Some(h) = &content.header {
            self.countries = h
                .organization_countries
                .iter()
                .map(|c| (c.organization.clone(), c.country_code.clone()))
                .collect();
        }
        self
    }

    /// A country's name in the language, from CLDR: "BE" is "Belgium", "Belgique", "Bélgica".
    /// `None` for a code CLDR does not name.
    pub fn country(&self, code: &str) -> Option<String> {
        let region = Region::try_from_str(code).ok()?;
        self.regions.of(region).map(str::to_owned)
    }

    /// The alphabetical order of names in the language: CLDR's collation for it (accents and
    /// case weigh less than letters, so "États-Unis" comes after "Espagne" and before
    /// "Finlande"; in Spanish "ñ" is a letter after "n"), then the names' code points, so that
    /// the order is total.
    pub fn compare_names(&self, a: &str, b: &str) -> std::cmp::Ordering {
        self.collator.compare(a, b).then_with(|| a.cmp(b))
    }

    /// An organization as the reader names it: a government by its country in the language,
    /// any other organization (or a government whose country CLDR does not name) by the name
    /// it was recorded with.
    pub fn organization(&self, organization: &str, recorded: &str) -> String {
        self.countries
            .get(organization)
            .and_then(|code| self.country(code))
            .unwrap_or_else(|| recorded.to_owned())
    }

    /// The language these words are in.
    pub fn language(&self) -> Language {
        self.language
    }

    /// The message `id`, without arguments.
    pub fn t(&self, id: &str) -> String {
        self.t_args(id, &[])
    }

    /// The message `id` with its arguments. A message missing from the file shows its id, so a
    /// page is never blank for it; a test keeps the files complete.
    pub fn t_args(&self, id: &str, args: &[(&str, Arg<'_>)]) -> String {
        let Some(pattern) = self.bundle.get_message(id).and_then(|m| m.value()) else {
            return id.to_owned();
        };
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            let value = match value {
                Arg::Text(text) => FluentValue::from(*text),
                Arg::Count(n) => FluentValue::from(*n),
            };
            fluent_args.set(*name, value);
        }
        let mut errors = Vec::new();
        self.bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors)
            .into_owned()
    }

    /// A decimal string as the language writes numbers: "1234567.89" is "1,234,567.89" in
    /// English, "1 234 567,89" in French (narrow no-break spaces) and "1.234.567,89" in Spanish.
    /// Every digit of the string is kept, trailing zeros too. Anything that is not a plain
    /// decimal is returned unchanged.
    pub fn number(&self, value: &str) -> String {
        match Decimal::from_str(value) {
            Ok(d) if !value.contains(['e', 'E']) => self.decimal.format(&d).to_string(),
            _ => value.to_owned(),
        }
    }

    /// A `YYYY-MM-DD` date in words: "30 June 2025", "30 juin 2025", "30 de junio de 2025";
    /// a `YYYY-MM` month: "June 2025". Anything else is returned unchanged.
    pub fn date(&self, value: &str) -> String {
        let mut parts = value.splitn(3, '-');
        let (Some(y), Some(m)) = (parts.next(), parts.next()) else {
            return value.to_owned();
        };
        let day = parts.next();
        let parsed = (
            y.parse::<i32>().ok().filter(|_| y.len() == 4),
            m.parse::<u8>().ok().filter(|_| m.len() == 2),
            day.map(|d| d.parse::<u8>().ok().filter(|_| d.len() == 2)),
        );
        match parsed {
            (Some(y), Some(m), None) => Date::try_new_gregorian(y, m, 1)
                .map(|date| self.month.format(&date).to_string())
                .unwrap_or_else(|_| value.to_owned()),
            (Some(y), Some(m), Some(Some(d))) => Date::try_new_gregorian(y, m, d)
                .map(|date| {
                    let text = self.day.format(&date).to_string();
                    // French writes the first day of a month as an ordinal: "1er janvier 2025".
                    match (self.language, d, text.strip_prefix("1 ")) {
                        (Language::French, 1, Some(rest)) => format!("1er {rest}"),
                        _ => text,
                    }
                })
                .unwrap_or_else(|_| value.to_owned()),
            _ => value.to_owned(),
        }
    }

    /// An instant in words, to the second, in UTC: "1 July 2025, 00:00:00 UTC" in English; empty
    /// when unset. An instant outside the calendar's range is shown as its seconds.
    pub fn instant(&self, ts: Option<&prost_types::Timestamp>) -> String {
        let Some(ts) = ts else {
            return String::new();
        };
        let Some(t) = u32::try_from(ts.nanos)
            .ok()
            .and_then(|nanos| chrono::DateTime::from_timestamp(ts.seconds, nanos))
        else {
            return format!("{}s {}ns", ts.seconds, ts.nanos);
        };
        use chrono::{Datelike, Timelike};
        let date = Date::try_new_gregorian(t.year(), t.month() as u8, t.day() as u8).ok();
        let time = Time::try_new(t.hour() as u8, t.minute() as u8, t.second() as u8, 0).ok();
        let (Some(date), Some(time)) = (date, time) else {
            return t.to_rfc3339();
        };
        let text = self.instant.format(&DateTime { date, time }).to_string();
        let text = match (self.language, t.day(), text.strip_prefix("1 ")) {
            (Language::French, 1, Some(rest)) => format!("1er {rest}"),
            _ => text,
        };
        self.t_args("instant-utc", &[("instant", Arg::Text(&text))])
    }

    /// An amount with its currency, "EUR 1,000,000.00", "1 000 000,00 EUR"; the language's
    /// message `amount` places the code.
    pub fn money(&self, currency: &str, amount: &str) -> String {
        if amount.is_empty() {
            return String::new();
        }
        self.t_args(
            "amount",
            &[
                ("currency", Arg::Text(currency)),
                ("amount", Arg::Text(&self.number(amount))),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NNBSP: char = '\u{202f}';

    #[test]
    fn numbers_are_written_as_each_language_writes_them() {
        let en = Language::English.words();
        let fr = Language::French.words();
        let es = Language::Spanish.words();
        assert_eq!(en.number("1234567.89"), "1,234,567.89");
        assert_eq!(fr.number("1234567.89"), format!("1{NNBSP}234{NNBSP}567,89"));
        assert_eq!(es.number("1234567.89"), "1.234.567,89");
        assert_eq!(en.number("-1000.50"), "-1,000.50");
        assert_eq!(en.number("0.00"), "0.00");
        assert_eq!(
            en.number("12345678901234567890.12"),
            "12,345,678,901,234,567,890.12"
        );
        assert_eq!(en.number("no rate"), "no rate");
        assert_eq!(en.number(""), "");
        assert_eq!(en.number("1e5"), "1e5");
    }

    #[test]
    fn dates_and_months_are_written_in_words() {
        assert_eq!(Language::English.words().date("2025-06-30"), "30 June 2025");
        assert_eq!(Language::French.words().date("2025-06-30"), "30 juin 2025");
        assert_eq!(
            Language::Spanish.words().date("2025-06-30"),
            "30 de junio de 2025"
        );
        assert_eq!(
            Language::French.words().date("2025-01-01"),
            "1er janvier 2025"
        );
        assert_eq!(
            Language::Spanish.words().date("2025-01-01"),
            "1 de enero de 2025"
        );
        assert_eq!(
            Language::English.words().date("2025-01-01"),
            "1 January 2025"
        );
        assert_eq!(Language::English.words().date("2025-06"), "June 2025");
        assert_eq!(Language::French.words().date("2025-01"), "janvier 2025");
        assert_eq!(Language::English.words().date("2025-02-30"), "2025-02-30");
        assert_eq!(Language::English.words().date("soon"), "soon");
    }

    #[test]
    fn spanish_leaves_four_digit_numbers_ungrouped_as_cldr_and_the_rae_do() {
        let es = Language::Spanish.words();
        assert_eq!(es.number("1234.56"), "1234,56");
        assert_eq!(es.number("12345.67"), "12.345,67");
        assert_eq!(es.number("-1234.00"), "-1234,00");
        // English and French group from four digits on.
        assert_eq!(Language::English.words().number("1234.56"), "1,234.56");
        assert_eq!(
            Language::French.words().number("1234.56"),
            format!("1{NNBSP}234,56")
        );
    }

    #[test]
    fn countries_are_named_in_each_language() {
        let name = |language: Language, code: &str| language.words().country(code);
        assert_eq!(name(Language::English, "BE").as_deref(), Some("Belgium"));
        assert_eq!(name(Language::French, "BE").as_deref(), Some("Belgique"));
        assert_eq!(name(Language::Spanish, "BE").as_deref(), Some("Bélgica"));
        assert_eq!(name(Language::French, "DE").as_deref(), Some("Allemagne"));
        assert_eq!(name(Language::Spanish, "DE").as_deref(), Some("Alemania"));
        assert_eq!(name(Language::French, "US").as_deref(), Some("États-Unis"));
        assert_eq!(
            name(Language::Spanish, "US").as_deref(),
            Some("Estados Unidos")
        );
        assert_eq!(name(Language::French, "CH").as_deref(), Some("Suisse"));
        assert_eq!(name(Language::French, "XF"), None);
        assert_eq!(name(Language::French, "not a code"), None);
    }

    #[test]
    fn names_are_ordered_with_accents_set_aside() {
        let fr = Language::French.words();
        let mut names = vec![
            "États-Unis",
            "Suisse",
            "Allemagne",
            "Espagne",
            "Finlande",
            "Égypte",
        ];
        names.sort_by(|a, b| fr.compare_names(a, b));
        assert_eq!(
            names,
            [
                "Allemagne",
                "Égypte",
                "Espagne",
                "États-Unis",
                "Finlande",
                "Suisse"
            ]
        );
    }

    #[test]
    fn names_follow_the_collation_of_the_language() {
        // In Spanish "ñ" is a letter of its own, after "n"; in English it is an "n" with a mark.
        let order = |language: Language| {
            let words = language.words();
            let mut names = vec!["Omán", "Ñame", "Nueva Zelanda"];
            names.sort_by(|a, b| words.compare_names(a, b));
            names
        };
        assert_eq!(order(Language::Spanish), ["Nueva Zelanda", "Ñame", "Omán"]);
        assert_eq!(order(Language::English), ["Ñame", "Nueva Zelanda", "Omán"]);
    }

    #[test]
    fn governments_are_named_by_their_country_and_others_as_recorded() {
        let content = pb::ReportContent {
            header: Some(pb::ReportHeader {
                organization_countries: vec![
                    pb::OrganizationCountry {
                        organization: "organizations/belgium".into(),
                        country_code: "BE".into(),
                    },
                    pb::OrganizationCountry {
                        organization: "organizations/freedonia".into(),
                        country_code: "XF".into(),
                    },
                ],
                ..Default::default()
            }),
            ..Default::default()
        };
        let fr = Language::French.words().for_report(&content);
        assert_eq!(
            fr.organization("organizations/belgium", "Kingdom of Belgium"),
            "Belgique"
        );
        assert_eq!(
            fr.organization("organizations/freedonia", "Freedonia"),
            "Freedonia"
        );
        assert_eq!(
            fr.organization("organizations/fedasil", "Fedasil"),
            "Fedasil"
        );
        // Without the report's countries, every organization keeps its recorded name.
        assert_eq!(
            Language::Spanish
                .words()
                .organization("organizations/belgium", "Belgium"),
            "Belgium"
        );
    }

    #[test]
    fn instants_are_written_in_words_with_utc() {
        let ts = prost_types::Timestamp {
            seconds: 1_750_435_200 + 5 * 60 + 7,
            nanos: 250_000_000,
        };
        let at = |language: Language| language.words().instant(Some(&ts));
        assert_eq!(at(Language::English), "20 June 2025 at 16:05:07 UTC");
        assert_eq!(at(Language::French), "20 juin 2025 à 16:05:07 UTC");
        assert_eq!(
            at(Language::Spanish),
            "20 de junio de 2025 a las 16:05:07 UTC"
        );
        // 1 July 2025, midnight.
        let first = prost_types::Timestamp {
            seconds: 1_751_328_000,
            nanos: 0,
        };
        assert_eq!(
            Language::French.words().instant(Some(&first)),
            "1er juillet 2025 à 00:00:00 UTC"
        );
        assert_eq!(
            Language::Spanish.words().instant(Some(&first)),
            "1 de julio de 2025 a las 00:00:00 UTC"
        );
        assert_eq!(Language::English.words().instant(None), "");
    }

    #[test]
    fn tags_name_a_language() {
        assert_eq!(Language::parse(""), Some(Language::English));
        assert_eq!(Language::parse("fr-CH"), Some(Language::French));
        assert_eq!(Language::parse("es-419"), Some(Language::Spanish));
        assert_eq!(Language::parse("de"), None);
        assert_eq!(Language::parse("not a tag"), None);
    }

    /// The message ids of a Fluent file.
    fn ids_in_file(language: Language) -> std::collections::BTreeSet<String> {
        let resource = FluentResource::try_new(language.source().to_owned()).expect("parses");
        resource
            .entries()
            .filter_map(|entry| match entry {
                fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                _ => None,
            })
            .collect()
    }

    /// The message ids the renderers ask for: every literal passed to `t`, `t_args`, or the
    /// column helpers `figure` and `in_currency`, in the sources of `render/` and the templates.
    fn ids_in_code() -> std::collections::BTreeSet<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        let mut dirs = vec![root.join("src/report/render"), root.join("templates")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).expect("a source directory") {
                let path = entry.expect("an entry").path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    files.push(path);
                }
            }
        }
        let mut ids = std::collections::BTreeSet::new();
        for file in files {
            let text = std::fs::read_to_string(&file).expect("a text file");
            for call in [".t(", ".t_args(", "figure(w, ", "in_currency(w, "] {
                for (at, _) in text.match_indices(call) {
                    let rest = text[at + call.len()..].trim_start();
                    let Some(rest) = rest.strip_prefix('"') else {
                        continue;
                    };
                    let id: String = rest.chars().take_while(|c| *c != '"').collect();
                    if !id.is_empty()
                        && id
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    {
                        ids.insert(id);
                    }
                }
            }
        }
        ids
    }

    #[test]
    fn every_message_the_code_uses_is_in_every_language_and_no_file_has_an_unused_one() {
        let used = ids_in_code();
        assert!(used.len() > 150, "the scan finds the renderers' messages");
        for language in Language::ALL {
            let in_file = ids_in_file(language);
            let missing: Vec<_> = used.difference(&in_file).collect();
            let unused: Vec<_> = in_file.difference(&used).collect();
            assert!(
                missing.is_empty(),
                "{}: missing {missing:?}",
                language.tag()
            );
            assert!(unused.is_empty(), "{}: unused {unused:?}", language.tag());
        }
    }

    #[test]
    fn every_message_formats_without_error_in_every_language() {
        for language in Language::ALL {
            let words = language.words();
            let resource = FluentResource::try_new(language.source().to_owned()).expect("parses");
            for entry in resource.entries() {
                let fluent_syntax::ast::Entry::Message(m) = entry else {
                    continue;
                };
                let pattern = words
                    .bundle
                    .get_message(m.id.name)
                    .and_then(|m| m.value())
                    .expect("a message with a value");
                let mut args = FluentArgs::new();
                for name in [
                    "currency",
                    "amount",
                    "value",
                    "number",
                    "count",
                    "name",
                    "revision",
                    "date",
                    "instant",
                    "from",
                    "to",
                    "who",
                    "label",
                    "base",
                    "quote",
                    "month",
                    "title",
                    "source",
                    "rate",
                    "administrative",
                    "operational",
                    "year",
                    "bars",
                    "total",
                    "share",
                    "years",
                    "report",
                    "session",
                    "dates",
                    "final",
                    "objective",
                    "unit",
                    "listed",
                    "old",
                    "new",
                    "change",
                    "period",
                    "due",
                    "known",
                ] {
                    args.set(name, FluentValue::from(2));
                }
                let mut errors = Vec::new();
                words
                    .bundle
                    .format_pattern(pattern, Some(&args), &mut errors);
                assert!(
                    errors.is_empty(),
                    "{} {}: {errors:?}",
                    language.tag(),
                    m.id.name
                );
            }
        }
    }

    #[test]
    fn session_titles_are_ordinal_in_each_language() {
        let title = |language: Language, number: i64| {
            language
                .words()
                .t_args("title-scpf-session", &[("number", Arg::Count(number))])
        };
        assert_eq!(
            title(Language::English, 36),
            "36th session of the Standing Committee on Programmes and Finance"
        );
        assert_eq!(
            title(Language::English, 21),
            "21st session of the Standing Committee on Programmes and Finance"
        );
        assert_eq!(
            title(Language::English, 12),
            "12th session of the Standing Committee on Programmes and Finance"
        );
        assert_eq!(
            title(Language::French, 36),
            "36e session du Comité permanent des programmes et des finances"
        );
        assert_eq!(
            title(Language::Spanish, 36),
            "36ª Reunión del Comité Permanente de Programas y Finanzas"
        );
    }

    /// The text of a pattern, its placeables standing as `{}`, and the texts of the variants
    /// of its selections.
    fn texts(pattern: &fluent_syntax::ast::Pattern<&str>, out: &mut Vec<String>) {
        use fluent_syntax::ast::{Expression, PatternElement};
        let mut text = String::new();
        for element in &pattern.elements {
            match element {
                PatternElement::TextElement { value } => text.push_str(value),
                PatternElement::Placeable { expression } => {
                    text.push_str("{}");
                    if let Expression::Select { variants, .. } = expression {
                        for v in variants {
                            texts(&v.value, out);
                        }
                    }
                }
            }
        }
        out.push(text);
    }

    #[test]
    fn french_puts_a_no_break_space_before_high_punctuation() {
        // French typography: a no-break space before « : » (U+00A0 here) and a narrow one before
        // « ; », « ? » and « ! » (U+202F here), so that the mark never starts a line.
        let resource =
            fluent_syntax::parser::parse(Language::French.source()).expect("the file parses");
        let mut all = Vec::new();
        for entry in &resource.body {
            if let fluent_syntax::ast::Entry::Message(m) = entry {
                let mut texts_of = Vec::new();
                if let Some(value) = &m.value {
                    texts(value, &mut texts_of);
                }
                for attribute in &m.attributes {
                    texts(&attribute.value, &mut texts_of);
                }
                all.extend(texts_of.into_iter().map(|t| (m.id.name, t)));
            }
        }
        assert!(all.len() > 150, "the scan reads the messages");
        let wrong: Vec<String> = all
            .iter()
            .filter(|(_, text)| bare_high_punctuation(text))
            .map(|(id, text)| format!("{id}: {text:?}"))
            .collect();
        assert!(wrong.is_empty(), "{wrong:#?}");
        // The scan finds what it looks for.
        assert!(bare_high_punctuation("Annexe : échéanciers"));
        assert!(bare_high_punctuation("{}: montant"));
        assert!(bare_high_punctuation("oui ; non"));
        assert!(!bare_high_punctuation(
            "Annexe\u{a0}: échéanciers\u{202f}; non\u{202f}?"
        ));
    }

    /// Whether a high punctuation mark (`:`, `;`, `?`, `!`) follows something other than a
    /// no-break space.
    fn bare_high_punctuation(text: &str) -> bool {
        let mut before = None;
        for c in text.chars() {
            if matches!(c, ':' | ';' | '?' | '!') && !matches!(before, Some('\u{a0}' | '\u{202f}'))
            {
                return true;
            }
            before = Some(c);
        }
        false
    }
}
