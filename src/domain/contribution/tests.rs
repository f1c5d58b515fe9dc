use super::*;
use crate::domain::assert_refused;
use crate::domain::dates::parse_date;

fn eur(amount: &str) -> Money {
    Money::parse(amount, Currency::EUR, "a").unwrap()
}

fn day(text: &str) -> NaiveDate {
    parse_date(text, "d").unwrap()
}

fn modality(letter: char) -> EarmarkingModality {
    EarmarkingModality::from_letter(letter).unwrap()
}

/// Belgium's founding example: EUR 4,000,000 unearmarked, four yearly installments.
fn belgium() -> Contribution {
    Contribution {
        id: Id::parse("belgium-2025-2028", "id").unwrap(),
        donor: Id::parse("belgium", "donor").unwrap(),
        funding_type: FundingType::Voluntary,
        earmarking: Some(
            Earmarking::new(EarmarkingCategory::Unearmarked, modality('A'), "m").unwrap(),
        ),
        programme: None,
        earmarked_to: String::new(),
        status: FlowStatus::Commitment,
        total: eur("4000000"),
        installments: (2025..=2028)
            .map(|year| Installment {
                due_date: day(&format!("{year}-06-30")),
                amount: eur("1000000"),
            })
            .collect(),
        agreement_date: day("2025-06-25"),
        period_start: day("2025-01-01"),
        period_end: day("2028-12-31"),
        announced_at: None,
        description: String::new(),
    }
}

fn refusal(c: Contribution) -> (String, &'static str) {
    let v = c.check("contribution").unwrap_err();
    (v.field, v.reason)
}

#[test]
fn the_founding_example_is_valid() {
    assert_eq!(belgium().check("contribution").unwrap(), belgium());
}

#[test]
fn each_modality_belongs_to_one_category() {
    let expected = [
        ('A', 1),
        ('C', 1),
        ('D', 2),
        ('F', 2),
        ('G', 3),
        ('H', 3),
        ('I', 4),
        ('L', 4),
    ];
    for (letter, code) in expected {
        assert_eq!(modality(letter).category().code(), code, "{letter}");
    }
    assert!(EarmarkingModality::from_letter('M').is_none());
    let err = Earmarking::new(EarmarkingCategory::Earmarked, modality('A'), "m").unwrap_err();
    assert_eq!(err.reason, "MODALITY_CATEGORY_MISMATCH");
}

#[test]
fn assessed_money_carries_no_earmarking_and_funds_the_administrative_part() {
    assert_refused(
        earmarking(
            FundingType::Assessed,
            Some(EarmarkingCategory::Unearmarked),
            None,
            "c",
        ),
        "c.earmarking_category",
        "ASSESSED_EARMARKED",
    );
    assert_eq!(
        check_budget_part(FundingType::Assessed, None, "b").unwrap(),
        BudgetPart::Administrative
    );
    assert_eq!(
        check_budget_part(FundingType::Assessed, Some(BudgetPart::Operational), "b")
            .unwrap_err()
            .reason,
        "BUDGET_PART_MISMATCH"
    );
    assert_eq!(
        check_budget_part(FundingType::Voluntary, None, "b").unwrap(),
        BudgetPart::Operational
    );
}

#[test]
fn schedules_must_be_ordered_in_currency_and_add_up() {
    let mut unordered = belgium();
    unordered.installments.swap(1, 2);
    assert_eq!(
        refusal(unordered),
        (
            "contribution.installments[2].due_date".to_owned(),
            "INSTALLMENTS_OUT_OF_ORDER"
        )
    );

    let mut short = belgium();
    short.installments.pop();
    assert_eq!(
        refusal(short),
        (
            "contribution.installments".to_owned(),
            "INSTALLMENTS_DO_NOT_SUM"
        )
    );

    let mut foreign = belgium();
    foreign.installments[1].amount = Money::parse("1000000", Currency::USD, "a").unwrap();
    assert_eq!(
        refusal(foreign),
        (
            "contribution.installments[1].amount.currency_code".to_owned(),
            "CURRENCY_MISMATCH"
        )
    );

    let mut empty = belgium();
    empty.installments.clear();
    assert_eq!(
        refusal(empty),
        ("contribution.installments".to_owned(), "REQUIRED")
    );
}

#[test]
fn earmarked_money_names_its_programme() {
    let mut earmarked = belgium();
    earmarked.earmarking =
        Some(Earmarking::new(EarmarkingCategory::Earmarked, modality('G'), "m").unwrap());
    assert_eq!(
        refusal(earmarked),
        (
            "contribution.programme".to_owned(),
            "EARMARKED_WITHOUT_PROGRAMME"
        )
    );
}

#[test]
fn identity_fields_cannot_change() {
    let current = belgium();
    let mut other = belgium();
    other.donor = Id::parse("luxembourg", "d").unwrap();
    assert_refused(
        other.check_same_identity(&current, "contribution"),
        "contribution.donor",
        "IMMUTABLE_FIELD",
    );
    assert!(
        belgium()
            .check_same_identity(&current, "contribution")
            .is_ok()
    );
}
