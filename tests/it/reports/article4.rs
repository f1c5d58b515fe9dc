//! Section 2 at the session's status date: the IOM table of assessed contributions and the three
//! Article 4 lists, checked against figures worked out by hand from the rows written here.

use scpf_reports::pb::{self, CouncilActKind, VoteStatus};
use sqlx::PgPool;

use super::fixture::{World, content};

fn act(kind: CouncilActKind, date: &str) -> pb::CouncilAct {
    pb::CouncilAct {
        kind: kind.into(),
        date: date.into(),
        reference: format!("Council document of {date}"),
    }
}

#[sqlx::test(migrations = false)]
async fn section_2_states_each_member_and_article_4_at_the_status_date(pool: PgPool) {
    let mut w = World::start(pool).await;
    w.the_36th().await;
    for (id, name) in [
        ("freedonia", "Freedonia"),
        ("sylvania", "Sylvania"),
        ("grand-fenwick", "Grand Fenwick"),
        ("ruritania", "Ruritania"),
    ] {
        w.donor(id, name, "BE", true).await;
    }
    // Freedonia: CHF 1,000 a year from 2021; pays 2021 in 2022, then keeps a plan agreed in 2024.
    for y in 2021..=2025 {
        w.assessed("freedonia", y, "1000.00").await;
    }
    w.receipt("freedonia-assessed-2021", "2022-03-01", "CHF", "1000.00")
        .await;
    w.receipt("freedonia-assessed-2022", "2024-06-20", "CHF", "500.00")
        .await;
    w.receipt("freedonia-assessed-2022", "2025-06-30", "CHF", "500.00")
        .await;
    // After the status date: changes nothing in this report.
    w.receipt("freedonia-assessed-2023", "2025-07-15", "CHF", "1000.00")
        .await;
    w.standing(pb::MemberState {
        name: "memberStates/freedonia".into(),
        scale: vec![pb::ScaleOfAssessment {
            year: 2025,
            percentage: "0.02129".into(),
        }],
        council_acts: vec![act(CouncilActKind::Article4Notified, "2023-11-28")],
        payment_plans: vec![pb::PaymentPlan {
            reference: "Freedonia plan".into(),
            agreed_date: "2024-01-15".into(),
            installments: ["2024-06-30", "2025-06-30", "2026-06-30"]
                .into_iter()
                .map(|due| pb::PaymentPlanInstallment {
                    due_date: due.into(),
                    amount_chf: "500.00".into(),
                })
                .collect(),
        }],
        ..Default::default()
    })
    .await;
    // Sylvania: CHF 300 a year from 2022, nothing paid; the Council restored its vote in 2024.
    // A decision dated after the status date does not count.
    for y in 2022..=2025 {
        w.assessed("sylvania", y, "300.00").await;
    }
    w.standing(pb::MemberState {
        name: "memberStates/sylvania".into(),
        council_acts: vec![
            act(CouncilActKind::Article4Notified, "2023-11-28"),
            act(CouncilActKind::VoteRestored, "2024-11-27"),
            act(CouncilActKind::VoteMaintained, "2025-11-26"),
        ],
        ..Default::default()
    })
    .await;
    // Grand Fenwick: CHF 200 a year from 2023, nothing paid; the Council was informed in
    // November 2024, so the vote is lost only from November 2025.
    for y in 2023..=2025 {
        w.assessed("grand-fenwick", y, "200.00").await;
    }
    w.standing(pb::MemberState {
        name: "memberStates/grand-fenwick".into(),
        council_acts: vec![act(CouncilActKind::Article4Notified, "2024-11-28")],
        ..Default::default()
    })
    .await;
    // Ruritania: on the scale, nothing assessed.
    w.standing(pb::MemberState {
        name: "memberStates/ruritania".into(),
        scale: vec![pb::ScaleOfAssessment {
            year: 2025,
            percentage: "0.5".into(),
        }],
        ..Default::default()
    })
    .await;

    let report = w.generate(36, None).await;
    let a = content(&report).assessed_contributions.clone().unwrap();
    assert_eq!(a.year, 2025);
    let rows: Vec<[&str; 8]> = a
        .member_states
        .iter()
        .map(|l| {
            [
                l.display_name.as_str(),
                &l.scale_percentage,
                &l.outstanding_at_year_start,
                &l.assessed_in_year,
                &l.received_in_year,
                &l.outstanding_at_status_date,
                &l.arrears,
                &l.due_two_preceding_years,
            ]
        })
        .collect();
    // Worked by hand:
    // Freedonia: due before 2025 = 4 x 1000 = 4000; received before 2025 = 1000 + 500 = 1500;
    //   start 2500; 2025: assessed 1000, received 500; end 3000; arrears 4000 - 2000 = 2000;
    //   due 2023 + 2024 = 2000 -> subject (equal counts).
    // Grand Fenwick: start 400 (2023, 2024), assessed 200, end 600, arrears 400 = 2 x 200.
    // Ruritania: listed with nothing.
    // Sylvania: start 900 (2022-2024), assessed 300, end 1200, arrears 900 >= 600.
    assert_eq!(
        rows,
        [
            [
                "Freedonia",
                "0.02129",
                "2500.00",
                "1000.00",
                "500.00",
                "3000.00",
                "2000.00",
                "2000.00"
            ],
            [
                "Grand Fenwick",
                "",
                "400.00",
                "200.00",
                "0.00",
                "600.00",
                "400.00",
                "400.00"
            ],
            [
                "Ruritania",
                "0.5",
                "0.00",
                "0.00",
                "0.00",
                "0.00",
                "0.00",
                "0.00"
            ],
            [
                "Sylvania", "", "900.00", "300.00", "0.00", "1200.00", "900.00", "600.00"
            ],
        ]
    );
    assert_eq!(
        [
            a.total_outstanding_at_year_start.as_str(),
            &a.total_assessed_in_year,
            &a.total_received_in_year,
            &a.total_outstanding_at_status_date,
            &a.total_arrears,
        ],
        ["3800.00", "1500.00", "500.00", "4800.00", "3300.00"]
    );
    assert_eq!(a.article_4_count, 3);

    let subject: Vec<(&str, &str, &str, i32)> = a
        .subject_to_article_4
        .iter()
        .map(|l| {
            (
                l.display_name.as_str(),
                l.council_informed_date.as_str(),
                l.loss_of_vote_date.as_str(),
                l.vote,
            )
        })
        .collect();
    assert_eq!(
        subject,
        [
            (
                "Freedonia",
                "2023-11-28",
                "2024-11-28",
                VoteStatus::PaymentPlanHonoured as i32
            ),
            (
                "Grand Fenwick",
                "2024-11-28",
                "2025-11-28",
                VoteStatus::MayVote as i32
            ),
            (
                "Sylvania",
                "2023-11-28",
                "2024-11-28",
                VoteStatus::RestoredByCouncil as i32
            ),
        ]
    );
    // Freedonia's plan: 500 due 2024-06-30 and 500 due 2025-06-30 (the status date itself);
    // paid since 2024-01-15: 500 + 500 (the 2022 receipt came before the plan).
    let plan = &a.payment_plans[..];
    assert_eq!(plan.len(), 1);
    assert_eq!(
        (
            plan[0].due_to_date.as_str(),
            plan[0].paid_since_agreed.as_str(),
            plan[0].honoured
        ),
        ("1000.00", "1000.00", true)
    );
    let decisions: Vec<(&str, i32, &str)> = a
        .council_decisions
        .iter()
        .map(|d| (d.display_name.as_str(), d.decision, d.date.as_str()))
        .collect();
    assert_eq!(
        decisions,
        [(
            "Sylvania",
            VoteStatus::RestoredByCouncil as i32,
            "2024-11-27"
        )]
    );

    // A year later, at its own status date, the same session says the same.
    let later = w.generate_at(36, None, "2025-06-30").await;
    assert_eq!(
        content(&later).assessed_contributions,
        content(&report).assessed_contributions
    );
    // At the end of 2025 Freedonia's July receipt brings its arrears (1000) below two years of
    // contributions (2000): no longer subject. Grand Fenwick's vote is lost (a year after
    // November 2024) and the Council's latest decision on Sylvania maintains its vote.
    w.session(
        37,
        ("2025-11-25", "2025-11-26"),
        ("2025-07-01", "2025-12-31"),
    )
    .await;
    let december = w.generate(37, None).await;
    assert_eq!(december.status_date, "2025-12-31");
    let votes: Vec<i32> = content(&december)
        .assessed_contributions
        .as_ref()
        .unwrap()
        .subject_to_article_4
        .iter()
        .map(|l| l.vote)
        .collect();
    assert_eq!(
        votes,
        [
            VoteStatus::Lost as i32,
            VoteStatus::MaintainedByCouncil as i32
        ]
    );
}
