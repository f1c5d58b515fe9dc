//! The bench's data: a fixed seed gives the same rows on every run and platform. Each kind of
//! row has a stream of its own, so growing one size never changes the rows of another, and the
//! first n contributions are the same whatever the final size.

use chrono::{Days, NaiveDate};
use rand::{Rng, SeedableRng, seq::IndexedRandom};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::{
    domain::{geo::Country, money::Currency},
    pb,
};

/// The 30 currencies donors pay in, with about how many units buy one US dollar.
const CURRENCIES: [(&str, f64); 30] = [
    ("USD", 1.0),
    ("EUR", 0.92),
    ("CHF", 0.88),
    ("GBP", 0.79),
    ("JPY", 150.0),
    ("SEK", 10.5),
    ("NOK", 10.7),
    ("DKK", 6.9),
    ("CAD", 1.36),
    ("AUD", 1.52),
    ("NZD", 1.65),
    ("KRW", 1350.0),
    ("CNY", 7.2),
    ("INR", 83.0),
    ("BRL", 5.0),
    ("MXN", 17.0),
    ("ZAR", 18.5),
    ("PLN", 4.0),
    ("CZK", 23.0),
    ("HUF", 360.0),
    ("TRY", 32.0),
    ("THB", 36.0),
    ("SGD", 1.35),
    ("HKD", 7.8),
    ("AED", 3.67),
    ("SAR", 3.75),
    ("KWD", 0.31),
    ("QAR", 3.64),
    ("ISK", 138.0),
    ("CLP", 930.0),
];

/// The months every currency has a rate for.
pub const FIRST_YEAR: i32 = 2021;
pub const LAST_YEAR: i32 = 2026;

/// SCPF sessions 30 to 37, one per half-year from 2022 to 2025.
pub const SESSIONS: std::ops::RangeInclusive<i32> = 30..=37;

const THEMES: [&str; 6] = [
    "Migration governance",
    "Labour mobility and skills",
    "Return and reintegration",
    "Climate, environment and migration",
    "Transition and recovery",
    "Diaspora and remittances",
];

/// The sizes of everything but the contributions, which grow in steps.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Sizes {
    pub donors: usize,
    pub currencies: usize,
    pub programmes: usize,
    pub indicators: usize,
    pub measurements: usize,
}

pub struct Generator {
    seed: u64,
    pub sizes: Sizes,
    contributions: ChaCha8Rng,
    /// Contributions generated so far.
    made: usize,
}

/// A stream of its own for each kind of row.
fn stream(seed: u64, kind: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(kind);
    rng
}

/// A decimal with `decimals` places from a count of minor units.
fn amount(minor: i64, decimals: u32) -> String {
    Decimal::new(minor, decimals).to_string()
}

/// The request id of a generated request: the same seed and place give the same id, so a
/// second run replays instead of writing twice.
fn request_id(seed: u64, what: &str, n: usize) -> String {
    Uuid::new_v5(
        &Uuid::NAMESPACE_OID,
        format!("scpf-bench/{seed}/{what}/{n}").as_bytes(),
    )
    .to_string()
}

pub fn donor_id(n: usize) -> String {
    format!("donor-{n:03}")
}

pub fn programme_id(n: usize) -> String {
    format!("prog-{n:04}")
}

pub fn contribution_id(n: usize) -> String {
    format!("c-{n:07}")
}

impl Generator {
    pub fn new(seed: u64, sizes: Sizes) -> Generator {
        Generator {
            seed,
            sizes,
            contributions: stream(seed, 7),
            made: 0,
        }
    }

    fn currencies(&self) -> &'static [(&'static str, f64)] {
        &CURRENCIES[..self.sizes.currencies.clamp(1, CURRENCIES.len())]
    }

    /// Three donors in four are Member States (governments of distinct countries); the others
    /// are multilateral, private and public bodies.
    fn member_states(&self) -> usize {
        self.sizes.donors * 3 / 4
    }

    /// The currency a donor mostly pays in.
    fn home_currency(&self, donor: usize) -> (&'static str, f64) {
        let currencies = self.currencies();
        currencies[donor * 7 % currencies.len()]
    }

    pub fn organizations(&self) -> Vec<pb::CreateOrganizationRequest> {
        let countries: Vec<Country> = Country::all().collect();
        (0..self.sizes.donors)
            .map(|n| {
                let member_state = n < self.member_states();
                let country = countries[n % countries.len()];
                let kind = if member_state {
                    pb::OrganizationKind::Government
                } else {
                    [
                        pb::OrganizationKind::Multilateral,
                        pb::OrganizationKind::Foundation,
                        pb::OrganizationKind::PrivateSector,
                        pb::OrganizationKind::InternationalNgo,
                    ][n % 4]
                };
                pb::CreateOrganizationRequest {
                    organization_id: donor_id(n),
                    organization: Some(pb::Organization {
                        display_name: format!("Donor {n:03} ({})", country.display_name()),
                        kind: kind.into(),
                        member_state,
                        country_code: if member_state {
                            country.code().to_owned()
                        } else {
                            String::new()
                        },
                        ..Default::default()
                    }),
                    request_id: request_id(self.seed, "organization", n),
                }
            })
            .collect()
    }

    pub fn sessions(&self) -> Vec<pb::CreateSessionRequest> {
        SESSIONS
            .map(|number| {
                let (year, second_half) = (2022 + (number - 30) / 2, (number - 30) % 2 == 1);
                let (start, end, meeting) = if second_half {
                    ((7, 1), (12, 31), (11, 4))
                } else {
                    ((1, 1), (6, 30), (6, 25))
                };
                let date = |(m, d): (u32, u32)| format!("{year}-{m:02}-{d:02}");
                let meeting_end = (meeting.0, meeting.1 + 1);
                pb::CreateSessionRequest {
                    session: Some(pb::Session {
                        body: pb::GoverningBody::Scpf.into(),
                        number,
                        start_date: date(meeting),
                        end_date: date(meeting_end),
                        reporting_period_start: date(start),
                        reporting_period_end: date(end),
                        state: pb::SessionState::Held.into(),
                        ..Default::default()
                    }),
                    request_id: request_id(self.seed, "session", number as usize),
                }
            })
            .collect()
    }

    /// Monthly rates of every currency against the dollar, moving a little each month.
    pub fn rates(&self) -> Vec<pb::CreateExchangeRateRequest> {
        let mut rng = stream(self.seed, 1);
        let mut rows = Vec::new();
        for &(code, per_dollar) in self.currencies().iter().filter(|(c, _)| *c != "USD") {
            let mut level = 1.0 / per_dollar;
            for year in FIRST_YEAR..=LAST_YEAR {
                for month in 1..=12u32 {
                    level *= 1.0 + rng.random_range(-0.02..0.02);
                    let rate = Decimal::from_f64_retain(level)
                        .unwrap_or(Decimal::ONE)
                        .round_sf(6)
                        .unwrap_or(Decimal::ONE)
                        .normalize();
                    rows.push(pb::CreateExchangeRateRequest {
                        exchange_rate: Some(pb::ExchangeRate {
                            base_currency_code: code.into(),
                            quote_currency_code: "USD".into(),
                            month: format!("{year}-{month:02}"),
                            rate: rate.to_string(),
                            source: "UN operational rates of exchange".into(),
                            ..Default::default()
                        }),
                        request_id: String::new(),
                    });
                }
            }
        }
        for (n, row) in rows.iter_mut().enumerate() {
            row.request_id = request_id(self.seed, "rate", n);
        }
        rows
    }

    pub fn programmes(&self) -> Vec<pb::CreateProgrammeRequest> {
        let mut rng = stream(self.seed, 2);
        let countries: Vec<Country> = Country::all().collect();
        (0..self.sizes.programmes)
            .map(|n| {
                let funder = rng.random_range(0..self.sizes.donors);
                let objective = rng.random_range(1..=3);
                let country_codes = (0..rng.random_range(1..=3))
                    .map(|_| {
                        countries[rng.random_range(0..countries.len())]
                            .code()
                            .to_owned()
                    })
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                pb::CreateProgrammeRequest {
                    programme_id: programme_id(n),
                    programme: Some(pb::Programme {
                        code: format!("P{n:04}"),
                        title: format!("Programme {n:04}"),
                        description: format!("Generated programme number {n}."),
                        country_codes,
                        thematic_area: THEMES[n % THEMES.len()].into(),
                        srf_objective: objective,
                        partners: vec![pb::Partner {
                            organization: format!("organizations/{}", donor_id(funder)),
                            role: pb::PartnerRole::Funding.into(),
                        }],
                        start_date: "2020-01-01".into(),
                        end_date: "2028-12-31".into(),
                        ..Default::default()
                    }),
                    request_id: request_id(self.seed, "programme", n),
                }
            })
            .collect()
    }

    /// Indicators per programme.
    fn indicators_per_programme(&self) -> usize {
        self.sizes
            .indicators
            .div_ceil(self.sizes.programmes.max(1))
            .max(1)
    }

    /// The indicator `n`: its parent, its id, and whether it is disaggregated by sex.
    fn indicator(&self, n: usize) -> (String, String, bool) {
        let per = self.indicators_per_programme();
        (
            format!("programmes/{}", programme_id(n / per)),
            format!("ind-{:03}", n % per),
            n.is_multiple_of(2),
        )
    }

    pub fn indicators(&self) -> Vec<pb::CreateIndicatorRequest> {
        let mut rng = stream(self.seed, 3);
        (0..self
            .sizes
            .indicators
            .min(self.sizes.programmes * self.indicators_per_programme()))
            .map(|n| {
                let (parent, id, by_sex) = self.indicator(n);
                pb::CreateIndicatorRequest {
                    parent,
                    indicator_id: id,
                    indicator: Some(pb::Indicator {
                        title: format!("Indicator {n}"),
                        result_level: [
                            pb::ResultLevel::Output,
                            pb::ResultLevel::Outcome,
                            pb::ResultLevel::Impact,
                        ][n % 3]
                            .into(),
                        measure: pb::IndicatorMeasure::Unit.into(),
                        direction: pb::IndicatorDirection::Increasing.into(),
                        cumulative: n % 3 == 0,
                        baseline: Some(pb::Baseline {
                            value: rng.random_range(0..5000).to_string(),
                            date: "2021-12-31".into(),
                            comment: String::new(),
                        }),
                        dimensions: if by_sex {
                            vec!["sex".to_owned()]
                        } else {
                            Vec::new()
                        },
                        unit: "people".into(),
                        ..Default::default()
                    }),
                    request_id: request_id(self.seed, "indicator", n),
                }
            })
            .collect()
    }

    /// Quarterly measurements of the indicators, in turn, 2022 to 2025.
    pub fn measurements(&self) -> Vec<pb::ImportMeasurementsRequest> {
        let mut rng = stream(self.seed, 4);
        let indicators = self.indicators().len().max(1);
        (0..self.sizes.measurements)
            .map(|n| {
                let (programme, indicator, by_sex) = self.indicator(n % indicators);
                let round = n / indicators;
                let (quarter, sex) = if by_sex {
                    (round / 2, ["female", "male"][round % 2])
                } else {
                    (round, "")
                };
                // Past the sixteen quarters, a round corrects an earlier one.
                let quarter = quarter % 16;
                let year = 2022 + (quarter / 4) as i32;
                let first = NaiveDate::from_ymd_opt(year, (quarter % 4) as u32 * 3 + 1, 1)
                    .unwrap_or_default();
                let last = (first + chrono::Months::new(3)) - Days::new(1);
                let target = rng.random_range(100..10_000u32);
                let actual = target * rng.random_range(50..130u32) / 100;
                let mut dimensions = std::collections::BTreeMap::new();
                if by_sex {
                    dimensions.insert("sex".to_owned(), sex.to_owned());
                }
                pb::ImportMeasurementsRequest {
                    row: n as i64 + 1,
                    measurement: Some(pb::RecordMeasurementRequest {
                        parent: format!("{programme}/indicators/{indicator}"),
                        measurement: Some(pb::Measurement {
                            period_start: first.to_string(),
                            period_end: last.to_string(),
                            target: target.to_string(),
                            actual: actual.to_string(),
                            dimensions,
                            source: "Programme monitoring".into(),
                            verified: rng.random_bool(0.8),
                            ..Default::default()
                        }),
                        request_id: request_id(self.seed, "measurement", n),
                    }),
                }
            })
            .collect()
    }

    /// The next `count` contributions, continuing where the previous call stopped.
    pub fn contributions(&mut self, count: usize) -> Vec<pb::ImportContributionsRequest> {
        (0..count).map(|_| self.next_contribution()).collect()
    }

    fn next_contribution(&mut self) -> pb::ImportContributionsRequest {
        let n = self.made;
        self.made += 1;
        let sizes = self.sizes;
        let member_states = self.member_states();
        let currencies = self.currencies();
        let donor = self.contributions.random_range(0..sizes.donors);
        let home = self.home_currency(donor);
        let rng = &mut self.contributions;
        let assessed = donor < member_states && rng.random_bool(0.12);
        let start_year = rng.random_range(2022..=2026);
        let (currency, per_dollar) = if assessed {
            ("CHF", 0.88)
        } else if rng.random_bool(0.7) {
            home
        } else {
            *currencies.choose(rng).unwrap_or(&CURRENCIES[0])
        };
        let decimals = Currency::parse(currency, "")
            .map(|c| c.minor_units())
            .unwrap_or(2);
        let unit = 10i64.pow(decimals);
        let years = if assessed { 1 } else { rng.random_range(1..=4) };
        // Whole units of the currency, worth about 20,000 to 2,000,000 dollars a year.
        let yearly_dollars = rng.random_range(20_000.0..2_000_000.0);
        let installments: Vec<(NaiveDate, i64)> = (0..years)
            .map(|k| {
                let year = start_year + k;
                let due = if assessed {
                    NaiveDate::from_ymd_opt(year, 1, 1)
                } else {
                    NaiveDate::from_ymd_opt(year, rng.random_range(1..=12), 15)
                }
                .unwrap_or_default();
                let units = (yearly_dollars * per_dollar * rng.random_range(0.8..1.2)).round();
                (due, (units as i64).max(1) * unit)
            })
            .collect();
        let total: i64 = installments.iter().map(|(_, a)| a).sum();
        let category = rng.random_range(1..=4);
        let (category, modality, programme) = if assessed {
            (0, 0, String::new())
        } else {
            let letters: &[i32] = match category {
                1 => &[1, 2, 3],
                2 => &[4, 5, 6],
                3 => &[7, 8],
                _ => &[9, 10, 11, 12],
            };
            let modality = *letters.choose(rng).unwrap_or(&1);
            let programme = if category >= 3 || (category == 2 && rng.random_bool(0.5)) {
                format!(
                    "programmes/{}",
                    programme_id(rng.random_range(0..sizes.programmes.max(1)))
                )
            } else {
                String::new()
            };
            (category, modality, programme)
        };
        let pledge = !assessed && rng.random_bool(0.08);
        let agreement = NaiveDate::from_ymd_opt(start_year - 1, rng.random_range(6..=12), 1)
            .unwrap_or_default();
        let announced_at = if rng.random_bool(0.1) {
            format!("sessions/{}", rng.random_range(SESSIONS))
        } else {
            String::new()
        };
        let end = NaiveDate::from_ymd_opt(start_year + years - 1, 12, 31).unwrap_or_default();
        let contribution = pb::Contribution {
            donor: format!("organizations/{}", donor_id(donor)),
            funding_type: if assessed {
                pb::FundingType::Assessed
            } else {
                pb::FundingType::Voluntary
            }
            .into(),
            earmarking_category: category,
            earmarking_modality: modality,
            programme,
            earmarked_to: String::new(),
            status: if pledge {
                pb::FlowStatus::Pledge
            } else {
                pb::FlowStatus::Commitment
            }
            .into(),
            total: Some(pb::Money {
                currency_code: currency.into(),
                amount: amount(total, decimals),
            }),
            installments: installments
                .iter()
                .map(|(due, a)| pb::Installment {
                    due_date: due.to_string(),
                    amount: Some(pb::Money {
                        currency_code: currency.into(),
                        amount: amount(*a, decimals),
                    }),
                })
                .collect(),
            agreement_date: agreement.to_string(),
            period_start: format!("{start_year}-01-01"),
            period_end: end.to_string(),
            announced_at,
            description: format!("Generated contribution {n}"),
            ..Default::default()
        };
        pb::ImportContributionsRequest {
            row: n as i64 + 1,
            contribution: Some(pb::CreateContributionRequest {
                contribution_id: contribution_id(n),
                contribution: Some(contribution),
                request_id: request_id(self.seed, "contribution", n),
            }),
        }
    }
}

/// One receipt to load: money received against an installment of a commitment.
#[derive(Debug, Clone)]
pub struct Receipt {
    pub id: String,
    pub contribution_id: String,
    pub received_date: NaiveDate,
    pub amount: Decimal,
}

/// The receipts of a batch of generated commitments: most installments due by the end of 2025
/// are paid, a few weeks after their due date. Deterministic: drawn from the contribution's
/// own number.
pub fn receipts(seed: u64, rows: &[pb::ImportContributionsRequest]) -> Vec<Receipt> {
    let mut out = Vec::new();
    let last = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap_or_default();
    for row in rows {
        let Some(req) = &row.contribution else {
            continue;
        };
        let Some(c) = &req.contribution else { continue };
        if c.status != i32::from(pb::FlowStatus::Commitment) {
            continue;
        }
        let mut rng = stream(seed, 1000 + row.row as u64);
        for (k, i) in c.installments.iter().enumerate() {
            let Ok(due) = NaiveDate::parse_from_str(&i.due_date, "%Y-%m-%d") else {
                continue;
            };
            if due > last || !rng.random_bool(0.85) {
                continue;
            }
            let Some(amount) = i.amount.as_ref().and_then(|m| m.amount.parse().ok()) else {
                continue;
            };
            out.push(Receipt {
                id: format!("r-{}-{k}", req.contribution_id),
                contribution_id: req.contribution_id.clone(),
                received_date: due + Days::new(rng.random_range(0..60)),
                amount,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::contributions::parse_create;

    fn small() -> Sizes {
        Sizes {
            donors: 20,
            currencies: 30,
            programmes: 10,
            indicators: 40,
            measurements: 100,
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_rows_whatever_the_steps() {
        let mut once = Generator::new(7, small());
        let mut in_steps = Generator::new(7, small());
        let all = once.contributions(300);
        let mut stepped = in_steps.contributions(100);
        stepped.extend(in_steps.contributions(200));
        assert_eq!(all, stepped);
        assert_ne!(all, Generator::new(8, small()).contributions(300));
        assert_eq!(once.measurements(), in_steps.measurements());
    }

    #[test]
    fn every_generated_contribution_is_valid() {
        let rows = Generator::new(1, small()).contributions(2000);
        let mut kinds = std::collections::BTreeSet::new();
        for row in &rows {
            let request = row.contribution.as_ref().unwrap();
            let c = parse_create(request).unwrap_or_else(|e| panic!("{request:?}: {e}"));
            kinds.insert((c.funding_type.db_name(), c.status.db_name()));
        }
        // Assessed and voluntary money, pledges and commitments all occur.
        assert_eq!(kinds.len(), 3, "{kinds:?}");
        assert!(!receipts(1, &rows).is_empty());
    }
}
