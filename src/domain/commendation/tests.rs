use super::*;
use crate::domain::policy::Policy;
use proptest::prelude::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn policy() -> CommendationPolicy {
    Policy::default_policy().commendation
}

/// A merchant that meets every criterion of the top level of the shipped policy in 2025.
fn model_2025() -> YearRecord {
    YearRecord {
        merchant_id: 7,
        member_since: Some(d(2023, 5, 1)),
        member_left_on: None,
        editions: (0..6)
            .map(|i| EditionStanding {
                number: i + 1,
                published_on: d(2025, 2 + 2 * i as u32, 1),
                stars: Some(5),
                on_red: true,
            })
            .collect(),
        year_end_stars: Some(5),
        violations: vec![ViolationFact {
            id: 1,
            inspection_id: 1,
            date: d(2025, 3, 3),
            severity: Severity::Minor,
        }],
        notices: vec![NoticeFact {
            id: 1,
            issued_on: d(2025, 3, 3),
            deadline: d(2025, 3, 20),
            verified_on: Some(d(2025, 3, 18)),
        }],
        complaints: vec![],
        trainings: vec![
            TrainingFact {
                id: 1,
                date: d(2025, 4, 1),
                hours_tenths: 30,
            },
            TrainingFact {
                id: 2,
                date: d(2025, 9, 1),
                hours_tenths: 15,
            },
        ],
        black_entries: vec![],
    }
}

fn failed(e: &Evaluation, level: usize) -> Vec<&'static str> {
    e.levels[level]
        .criteria
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.detail.code())
        .collect()
}

#[test]
fn shipped_policy_has_two_levels() {
    let p = policy();
    assert_eq!(p.levels.len(), 2);
    assert_eq!(p.levels[0].code, "model");
    assert_eq!(p.levels[0].reward_fen, 500_000);
    assert!(p.revoke.on_serious_violation && p.revoke.on_black_list);
}

#[test]
fn a_model_merchant_is_proposed_for_the_top_level() {
    let e = evaluate(&model_2025(), &policy(), 2025, d(2026, 1, 10));
    assert_eq!(e.proposed, Some(0), "{e:#?}");
    let codes: Vec<&str> = e.levels[0].criteria.iter().map(|c| c.detail.code()).collect();
    assert_eq!(
        codes,
        [
            "stars",
            "red_editions",
            "no_serious_violation",
            "no_overdue_notice",
            "training_hours",
            "member_all_year",
            "complaints",
            "still_in_good_standing"
        ]
    );
}

#[test]
fn one_four_star_edition_drops_to_the_second_level() {
    let mut r = model_2025();
    r.editions[3].stars = Some(4);
    r.editions[3].on_red = false;
    let e = evaluate(&r, &policy(), 2025, d(2026, 1, 10));
    assert_eq!(failed(&e, 0), ["stars"]);
    assert_eq!(e.proposed, Some(1));
    match &e.levels[0].criteria[0].detail {
        Detail::Stars { seen, .. } => assert_eq!(seen.len(), 6),
        other => panic!("{other:?}"),
    }
}

#[test]
fn each_failing_criterion_is_named_with_its_records() {
    let p = policy();
    let after = d(2026, 1, 10);
    // A serious violation in the year.
    let mut r = model_2025();
    r.violations.push(ViolationFact {
        id: 9,
        inspection_id: 2,
        date: d(2025, 6, 1),
        severity: Severity::Serious,
    });
    let e = evaluate(&r, &p, 2025, after);
    assert_eq!(failed(&e, 0), ["no_serious_violation"]);
    assert_eq!(e.proposed, None);
    assert_eq!(
        e.levels[0].criteria[2].detail,
        Detail::NoSeriousViolation {
            found: vec![(9, d(2025, 6, 1))]
        }
    );
    // A notice verified one day late.
    let mut r = model_2025();
    r.notices[0].verified_on = Some(d(2025, 3, 22));
    assert_eq!(failed(&evaluate(&r, &p, 2025, after), 0), ["no_overdue_notice"]);
    // Overdue from a deadline in December, verified in January: still overdue in the year.
    let mut r = model_2025();
    r.notices[0].deadline = d(2025, 12, 30);
    r.notices[0].verified_on = Some(d(2026, 1, 5));
    assert_eq!(failed(&evaluate(&r, &p, 2025, after), 0), ["no_overdue_notice"]);
    // Overdue only in the previous year does not count.
    let mut r = model_2025();
    r.notices[0].issued_on = d(2024, 11, 1);
    r.notices[0].deadline = d(2024, 11, 20);
    r.notices[0].verified_on = Some(d(2024, 12, 1));
    assert_eq!(failed(&evaluate(&r, &p, 2025, after), 0), Vec::<&str>::new());
    // Too little training.
    let mut r = model_2025();
    r.trainings.pop();
    assert_eq!(failed(&evaluate(&r, &p, 2025, after), 0), ["training_hours"]);
    // Joined in February.
    let mut r = model_2025();
    r.member_since = Some(d(2025, 2, 1));
    assert_eq!(failed(&evaluate(&r, &p, 2025, after), 0), ["member_all_year"]);
    // Left on 31 December (the last day it was no longer a member).
    let mut r = model_2025();
    r.member_left_on = Some(d(2025, 12, 31));
    assert_eq!(failed(&evaluate(&r, &p, 2025, after), 0), ["member_all_year"]);
    // A verified complaint.
    let mut r = model_2025();
    r.complaints.push(ComplaintFact {
        id: 3,
        verified_on: d(2025, 8, 8),
    });
    let e = evaluate(&r, &p, 2025, after);
    assert_eq!(failed(&e, 0), ["complaints"]);
    assert_eq!(e.proposed, Some(1));
    // On the red list in only three editions.
    let mut r = model_2025();
    for e in &mut r.editions[..3] {
        e.on_red = false;
    }
    assert_eq!(failed(&evaluate(&r, &p, 2025, after), 0), ["red_editions"]);
}

#[test]
fn no_edition_in_the_year_reads_the_year_end_rating() {
    let mut r = model_2025();
    r.editions.clear();
    let e = evaluate(&r, &policy(), 2025, d(2026, 1, 10));
    match &e.levels[0].criteria[0] {
        Criterion {
            passed: true,
            detail: Detail::Stars { seen, .. },
        } => assert_eq!(seen[0].edition, None),
        other => panic!("{other:?}"),
    }
    // The top level wants red-list editions; the second does not.
    assert_eq!(failed(&e, 0), ["red_editions"]);
    assert_eq!(e.proposed, Some(1));
    r.year_end_stars = None;
    assert_eq!(evaluate(&r, &policy(), 2025, d(2026, 1, 10)).proposed, None);
}

#[test]
fn records_outside_the_year_or_after_today_do_not_count() {
    let mut r = model_2025();
    r.violations.push(ViolationFact {
        id: 4,
        inspection_id: 3,
        date: d(2024, 12, 31),
        severity: Severity::Serious,
    });
    r.complaints.push(ComplaintFact {
        id: 5,
        verified_on: d(2024, 12, 30),
    });
    assert_eq!(evaluate(&r, &policy(), 2025, d(2026, 1, 10)).proposed, Some(0));
    // Judged during the year, nothing after today is known and no good-standing check applies.
    let e = evaluate(&model_2025(), &policy(), 2025, d(2025, 5, 1));
    assert!(e.levels[0]
        .criteria
        .iter()
        .all(|c| c.detail.code() != "still_in_good_standing"));
    assert_eq!(failed(&e, 0), ["red_editions", "training_hours"]);
}

#[test]
fn something_since_the_year_end_that_would_revoke_it_blocks_the_proposal() {
    let mut r = model_2025();
    r.black_entries.push((12, d(2026, 1, 3)));
    let e = evaluate(&r, &policy(), 2025, d(2026, 1, 10));
    assert_eq!(failed(&e, 0), ["still_in_good_standing"]);
    assert_eq!(e.proposed, None);
}

#[test]
fn revocation_takes_the_earliest_event_of_the_display_year() {
    let rule = policy().revoke;
    let mut r = model_2025();
    assert_eq!(revocation(&r, &rule, 2025, d(2026, 12, 31)), None);
    r.violations.push(ViolationFact {
        id: 20,
        inspection_id: 5,
        date: d(2026, 5, 2),
        severity: Severity::Serious,
    });
    r.black_entries.push((30, d(2026, 5, 2)));
    r.black_entries.push((31, d(2026, 4, 9)));
    // Not yet happened on the day asked.
    assert_eq!(revocation(&r, &rule, 2025, d(2026, 4, 1)), None);
    assert_eq!(
        revocation(&r, &rule, 2025, d(2026, 6, 1)),
        Some(Revocation {
            on: d(2026, 4, 9),
            reason: RevokeReason::BlackList { list_entry_id: 31 }
        })
    );
    // Switched off: only the violation counts.
    let only_violations = RevokeRule {
        on_black_list: false,
        ..rule
    };
    assert_eq!(
        revocation(&r, &only_violations, 2025, d(2026, 6, 1)).map(|x| x.reason),
        Some(RevokeReason::SeriousViolation { violation_id: 20 })
    );
    // After the display year, nothing revokes it any more.
    let mut late = model_2025();
    late.black_entries.push((40, d(2027, 1, 2)));
    assert_eq!(revocation(&late, &rule, 2025, d(2027, 3, 1)), None);
    // A minor violation never revokes.
    let mut minor = model_2025();
    minor.violations.push(ViolationFact {
        id: 41,
        inspection_id: 6,
        date: d(2026, 2, 2),
        severity: Severity::Minor,
    });
    assert_eq!(revocation(&minor, &rule, 2025, d(2026, 6, 1)), None);
}

#[test]
fn criteria_survive_a_json_round_trip() {
    let e = evaluate(&model_2025(), &policy(), 2025, d(2026, 1, 10));
    let json = serde_json::to_string(&e.levels[0].criteria).unwrap();
    assert!(json.contains("\"code\":\"red_editions\""), "{json}");
    let back: Vec<Criterion> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, e.levels[0].criteria);
}

fn arb_record() -> impl Strategy<Value = YearRecord> {
    let day = (0i64..1000).prop_map(|n| d(2024, 6, 1) + chrono::Duration::days(n));
    (
        proptest::option::of(day.clone()),
        proptest::option::of(day.clone()),
        proptest::collection::vec((day.clone(), proptest::option::of(1u8..=5), any::<bool>()), 0..8),
        proptest::option::of(1u8..=5),
        proptest::collection::vec((day.clone(), 0usize..3), 0..5),
        proptest::collection::vec((day.clone(), 0i64..40, proptest::option::of(0i64..60)), 0..4),
        proptest::collection::vec(day.clone(), 0..3),
        proptest::collection::vec((day.clone(), 0i32..60), 0..5),
        proptest::collection::vec(day, 0..3),
    )
        .prop_map(|(since, left, eds, ye, vs, ns, cs, ts, bs)| {
            let mut editions: Vec<EditionStanding> = eds
                .into_iter()
                .enumerate()
                .map(|(i, (date, stars, red))| EditionStanding {
                    number: i as i32 + 1,
                    published_on: date,
                    stars,
                    on_red: red && stars == Some(5),
                })
                .collect();
            editions.sort_by_key(|e| e.published_on);
            YearRecord {
                merchant_id: 1,
                member_since: since,
                member_left_on: left.filter(|l| since.is_some_and(|s| *l > s)),
                editions,
                year_end_stars: ye,
                violations: vs
                    .into_iter()
                    .enumerate()
                    .map(|(i, (date, s))| ViolationFact {
                        id: i as i64,
                        inspection_id: 0,
                        date,
                        severity: Severity::ALL[s],
                    })
                    .collect(),
                notices: ns
                    .into_iter()
                    .enumerate()
                    .map(|(i, (date, dl, v))| NoticeFact {
                        id: i as i64,
                        issued_on: date,
                        deadline: date + chrono::Duration::days(dl),
                        verified_on: v.map(|v| date + chrono::Duration::days(v)),
                    })
                    .collect(),
                complaints: cs
                    .into_iter()
                    .enumerate()
                    .map(|(i, date)| ComplaintFact {
                        id: i as i64,
                        verified_on: date,
                    })
                    .collect(),
                trainings: ts
                    .into_iter()
                    .enumerate()
                    .map(|(i, (date, h))| TrainingFact {
                        id: i as i64,
                        date,
                        hours_tenths: h,
                    })
                    .collect(),
                black_entries: bs.into_iter().enumerate().map(|(i, d)| (i as i64, d)).collect(),
            }
        })
}

proptest! {
    /// The proposal is the first level passed; a merchant meeting a stricter level's criteria
    /// never fails a laxer one that checks the same things less strictly.
    #[test]
    fn proposal_is_the_first_level_passed(r in arb_record(), today_off in 0i64..700) {
        let today = d(2025, 1, 1) + chrono::Duration::days(today_off);
        let p = policy();
        let e = evaluate(&r, &p, 2025, today);
        prop_assert_eq!(e.levels.len(), p.levels.len());
        match e.proposed {
            Some(i) => {
                prop_assert!(e.levels[i].passed());
                prop_assert!(e.levels[..i].iter().all(|l| !l.passed()));
            }
            None => prop_assert!(e.levels.iter().all(|l| !l.passed())),
        }
        // The shipped levels are nested: passing "model" implies passing "excellent".
        if e.levels[0].passed() {
            prop_assert!(e.levels[1].passed());
        }
    }

    /// Records outside the year (before it, or after today within it) never change the verdict
    /// on the criteria that look only inside the year.
    #[test]
    fn adding_records_before_the_year_changes_nothing(r in arb_record(), n in 1i64..300) {
        let today = d(2026, 1, 15);
        let p = policy();
        let base = evaluate(&r, &p, 2025, today);
        let mut more = r.clone();
        let day = d(2025, 1, 1) - chrono::Duration::days(n);
        more.violations.push(ViolationFact { id: 999, inspection_id: 0, date: day, severity: Severity::Serious });
        more.complaints.push(ComplaintFact { id: 999, verified_on: day });
        more.trainings.push(TrainingFact { id: 999, date: day, hours_tenths: 100 });
        more.black_entries.push((999, day));
        prop_assert_eq!(evaluate(&more, &p, 2025, today).proposed, base.proposed);
    }

    /// A revocation, when there is one, is dated inside the display year and not after today;
    /// and once found it stays found on every later day of the display year.
    #[test]
    fn revocation_is_in_the_display_year_and_stable(r in arb_record(), a in 0i64..400, b in 0i64..400) {
        let rule = policy().revoke;
        let (t1, t2) = (d(2026, 1, 1) + chrono::Duration::days(a.min(b)), d(2026, 1, 1) + chrono::Duration::days(a.max(b)));
        if let Some(rv) = revocation(&r, &rule, 2025, t1) {
            prop_assert!(rv.on >= d(2026, 1, 1) && rv.on <= t1 && rv.on <= display_until(2025));
            prop_assert_eq!(revocation(&r, &rule, 2025, t2), Some(rv));
        }
    }
}
