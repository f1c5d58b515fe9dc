//! The words, numbers and dates of what people read (HTML and Markdown), in the report's
//! language: IOM's official languages, English, French and Spanish.
//!
//! Every label, heading and note comes from a Project Fluent file, `locales/{lang}/report.ftl`,
//! which staff can edit; the files are compiled into the binary so a deployed image needs none.
//! Numbers and dates are formatted by ICU4X from its compiled locale data. An amount is formatted
//! from its decimal string, digit for digit: it never passes through floating point.

use std::str::FromStr;

use fixed_decimal::Decimal;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue, concurrent::FluentBundle};
use icu_calendar::{Date, Gregorian};
use icu_datetime::{
    FixedCalendarDateTimeFormatter,
    fieldsets::{YM, YMD},
};
use icu_decimal::DecimalFormatter;
use icu_locale_core::Locale;

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

    /// The words of the language: parsed and set up for one rendering (a few hundred
    /// microseconds; the locale data is compiled in).
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
            month: FixedCalendarDateTimeFormatter::try_new(locale.into(), YM::long())
                .expect("compiled date data for en, fr and es"),
        }
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
                .map(|date| self.day.format(&date).to_string())
                .unwrap_or_else(|_| value.to_owned()),
            _ => value.to_owned(),
        }
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
        assert_eq!(
            fr.number("1234567.89"),
            format!("1{NNBSP}234{NNBSP}567,89")
        );
        assert_eq!(es.number("1234567.89"), "1.234.567,89");
        assert_eq!(en.number("-1000.50"), "-1,000.50");
        assert_eq!(en.number("0.00"), "0.00");
        assert_eq!(en.number("12345678901234567890.12"), "12,345,678,901,234,567,890.12");
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
        assert_eq!(Language::English.words().date("2025-06"), "June 2025");
        assert_eq!(Language::French.words().date("2025-01"), "janvier 2025");
        assert_eq!(Language::English.words().date("2025-02-30"), "2025-02-30");
        assert_eq!(Language::English.words().date("soon"), "soon");
    }

    #[test]
    fn tags_name_a_language() {
        assert_eq!(Language::parse(""), Some(Language::English));
        assert_eq!(Language::parse("fr-CH"), Some(Language::French));
        assert_eq!(Language::parse("es-419"), Some(Language::Spanish));
        assert_eq!(Language::parse("de"), None);
        assert_eq!(Language::parse("not a tag"), None);
    }
}
