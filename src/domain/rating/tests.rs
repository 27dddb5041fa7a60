use super::*;
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn days_before(as_of: NaiveDate, n: u64) -> NaiveDate {
    as_of.checked_sub_days(Days::new(n)).unwrap()
}

fn days_after(date: NaiveDate, n: u64) -> NaiveDate {
    date.checked_add_days(Days::new(n)).unwrap()
}

fn insp(id: i64, date: NaiveDate, score: i32) -> InspectionFact {
    InspectionFact {
        id,
        date,
        kind: InspectionKind::Routine,
        score,
        fhrs: None,
    }
}

fn follow_up(id: i64, date: NaiveDate, score: i32) -> InspectionFact {
    InspectionFact {
        id,
        date,
        kind: InspectionKind::FollowUp,
        score,
        fhrs: None,
    }
}

fn viol(id: i64, date: NaiveDate, severity: Severity) -> ViolationFact {
    ViolationFact {
        id,
        inspection_id: 0,
        date,
        severity,
    }
}

fn notice(id: i64, issued_on: NaiveDate, deadline: NaiveDate, verified_on: Option<NaiveDate>) -> NoticeFact {
    NoticeFact {
        id,
        issued_on,
        deadline,
        verified_on,
    }
}

const AS_OF: &str = "2025-06-30";

/// A member with one routine inspection of `score` ten days ago.
fn merchant(score: i32) -> MerchantHistory {
    MerchantHistory {
        merchant_id: 7,
        alliance_member: true,
        inspections: vec![insp(1, days_before(d(AS_OF), 10), score)],
        ..Default::default()
    }
}

fn policy() -> Policy {
    Policy::default_policy()
}

fn sum(r: &Rating) -> i32 {
    r.breakdown.iter().map(|t| t.points_tenths).sum()
}

#[test]
fn clean_top_merchant_is_red() {
    let r = rate(&merchant(95), &policy(), d(AS_OF));
    assert_eq!(r.score_tenths, Some(950));
    assert_eq!(r.stars, Some(5));
    assert_eq!(r.list, ListStatus::Red);
    assert_eq!(r.list_reasons, vec![ListReason::RedAllCriteria { stars: 5 }]);
    assert_eq!(r.policy_version, "2025.1");
    assert_eq!(r.merchant_id, 7);
    assert_eq!(r.breakdown.len(), 1);
    assert_eq!(r.breakdown[0].key, TermKey::Inspections);
    assert_eq!(r.breakdown[0].record_ids, vec![1]);
}

#[test]
fn score_89_9_is_four_stars_and_90_is_five() {
    let p = policy();
    let as_of = d(AS_OF);
    // Ten inspections summing to 899 points: mean 89.9.
    let mut h = merchant(0);
    h.inspections = (0..10)
        .map(|i| insp(i, days_before(as_of, 1 + i as u64), if i == 0 { 89 } else { 90 }))
        .collect();
    let r = rate(&h, &p, as_of);
    assert_eq!(r.score_tenths, Some(899));
    assert_eq!(r.stars, Some(4));
    assert_eq!(r.list, ListStatus::None);
    h.inspections[0].score = 90;
    let r = rate(&h, &p, as_of);
    assert_eq!(r.score_tenths, Some(900));
    assert_eq!(r.stars, Some(5));
    assert_eq!(r.list, ListStatus::Red);
}

#[test]
fn mean_rounds_half_up_to_tenths() {
    assert_eq!(mean_tenths(268, 3), 893); // 89.333…
    assert_eq!(mean_tenths(179, 2), 895);
    assert_eq!(mean_tenths(1781, 20), 891); // 89.05 → 89.1
    assert_eq!(mean_tenths(1779, 20), 890); // 88.95 → 89.0
    assert_eq!(mean_tenths(200, 3), 667); // 66.666…
    assert_eq!(mean_tenths(0, 5), 0);
    assert_eq!(mean_tenths(100, 1), 1000);
}

#[test]
fn not_yet_rated_without_inspection_in_window() {
    let as_of = d(AS_OF);
    let mut h = merchant(100);
    h.inspections[0].date = days_before(as_of, 365); // just outside
    let r = rate(&h, &policy(), as_of);
    assert_eq!(r.score_tenths, None);
    assert_eq!(r.stars, None);
    assert!(!r.is_rated());
    assert!(r.breakdown.is_empty());
    assert_eq!(r.list, ListStatus::None);
    assert!(r.list_reasons.is_empty());
    // A future inspection does not rate either.
    h.inspections[0].date = days_after(as_of, 1);
    assert_eq!(rate(&h, &policy(), as_of).stars, None);
    // Black-list triggers still apply to an unrated merchant.
    h.violations
        .push(viol(5, days_before(as_of, 3), Severity::Serious));
    let r = rate(&h, &policy(), as_of);
    assert_eq!(r.stars, None);
    assert_eq!(r.list, ListStatus::Black);
    assert_eq!(
        r.list_reasons[0],
        ListReason::SeriousViolation {
            violation_id: 5,
            date: days_before(as_of, 3)
        }
    );
}

#[test]
fn inspection_window_boundary() {
    let as_of = d(AS_OF);
    let mut h = merchant(100);
    h.inspections.push(insp(2, days_before(as_of, 364), 50)); // first day in
    h.inspections.push(insp(3, days_before(as_of, 365), 0)); // out
    h.inspections.push(insp(4, as_of, 60)); // as_of itself is in
    h.inspections.push(insp(5, days_after(as_of, 1), 0)); // future: ignored
    let r = rate(&h, &policy(), as_of);
    assert_eq!(r.breakdown[0].record_ids, vec![1, 2, 4]);
    assert_eq!(r.score_tenths, Some(700));
    assert_eq!(window_start_exclusive(as_of, 365), days_before(as_of, 365));
}

#[test]
fn violation_leaves_window_after_365_days() {
    let p = policy();
    let found = d("2024-07-01");
    let mut h = merchant(100);
    h.inspections[0].date = d("2025-06-01");
    h.violations.push(viol(9, found, Severity::Major));
    // 2025-06-30 is 364 days after 2024-07-01: still in the window.
    let r = rate(&h, &p, days_after(found, 364));
    assert_eq!(r.score_tenths, Some(920));
    assert_eq!(r.list, ListStatus::None, "a violation in the window blocks red");
    assert_eq!(r.breakdown[1].key, TermKey::ViolationsMajor);
    assert_eq!(r.breakdown[1].record_ids, vec![9]);
    // On day 365 it is out.
    let r = rate(&h, &p, days_after(found, 365));
    assert_eq!(r.score_tenths, Some(1000));
    assert_eq!(r.list, ListStatus::Red);
}

#[test]
fn violation_points_by_severity() {
    let as_of = d(AS_OF);
    let mut h = merchant(100);
    let day = days_before(as_of, 5);
    h.violations = vec![
        viol(1, day, Severity::Minor),
        viol(2, day, Severity::Minor),
        viol(3, day, Severity::Major),
        viol(4, days_after(as_of, 2), Severity::Serious), // future: ignored
    ];
    let r = rate(&h, &policy(), as_of);
    assert_eq!(r.score_tenths, Some(1000 - 60 - 80));
    assert_eq!(r.stars, Some(4));
    let keys: Vec<_> = r.breakdown.iter().map(|t| t.key.as_str()).collect();
    assert_eq!(keys, ["inspections", "violations.minor", "violations.major"]);
    assert_eq!(r.breakdown[1].record_ids, vec![1, 2]);
    assert_eq!(r.breakdown[1].points_tenths, -60);
    assert_eq!(sum(&r), 860);
}

#[test]
fn complaints_are_capped_and_training_bonus_too() {
    let as_of = d(AS_OF);
    let mut h = merchant(80);
    h.complaints = (1..=4)
        .map(|i| ComplaintFact {
            id: i,
            verified_on: days_before(as_of, i as u64),
        })
        .collect();
    h.trainings = vec![
        TrainingFact {
            id: 1,
            date: days_before(as_of, 3),
            hours_tenths: 15,
        },
        TrainingFact {
            id: 2,
            date: days_before(as_of, 400),
            hours_tenths: 100,
        },
    ];
    let r = rate(&h, &policy(), as_of);
    // 80 - min(4*5, 15) + floor(1.5 h * 0.5) = 80 - 15 + 0.7
    assert_eq!(r.score_tenths, Some(800 - 150 + 7));
    let c = &r.breakdown[1];
    assert_eq!(
        (c.key, c.points_tenths, c.record_ids.len()),
        (TermKey::Complaints, -150, 4)
    );
    let t = &r.breakdown[2];
    assert_eq!(
        (t.key, t.points_tenths, t.record_ids.clone()),
        (TermKey::Training, 7, vec![1])
    );
    // The cap on training: 20 hours would be 10 points, capped at 3.
    h.trainings[0].hours_tenths = 200;
    let r = rate(&h, &policy(), as_of);
    assert_eq!(r.score_tenths, Some(800 - 150 + 30));
}

#[test]
fn clamp_term_keeps_sum_exact() {
    let as_of = d(AS_OF);
    let mut h = merchant(100);
    h.trainings.push(TrainingFact {
        id: 1,
        date: as_of,
        hours_tenths: 60,
    });
    let r = rate(&h, &policy(), as_of);
    assert_eq!(r.score_tenths, Some(1000));
    assert_eq!(
        r.breakdown.last().map(|t| (t.key, t.points_tenths)),
        Some((TermKey::Clamp, -30))
    );
    assert_eq!(sum(&r), 1000);

    let mut h = merchant(10);
    h.violations = (0..3).map(|i| viol(i, as_of, Severity::Major)).collect();
    let r = rate(&h, &policy(), as_of);
    assert_eq!(r.score_tenths, Some(0));
    assert_eq!(
        r.breakdown.last().map(|t| (t.key, t.points_tenths)),
        Some((TermKey::Clamp, 140))
    );
    assert_eq!(sum(&r), 0);
    assert_eq!(r.stars, Some(1));
    assert_eq!(r.list, ListStatus::Black);
}

#[test]
fn overdue_notice_rules() {
    let p = policy();
    let as_of = d(AS_OF);
    let issued = days_before(as_of, 20);
    let mut h = merchant(100);
    // Deadline today: not overdue yet, but open → not red.
    h.notices = vec![notice(3, issued, as_of, None)];
    let r = rate(&h, &p, as_of);
    assert_eq!(r.score_tenths, Some(1000));
    assert_eq!(r.list, ListStatus::None);
    // Deadline yesterday, not verified: overdue → -10 points and black.
    h.notices[0].deadline = days_before(as_of, 1);
    let r = rate(&h, &p, as_of);
    assert_eq!(r.score_tenths, Some(900));
    assert_eq!(r.breakdown[1].key, TermKey::OverdueNotices);
    assert_eq!(r.breakdown[1].record_ids, vec![3]);
    assert_eq!(r.list, ListStatus::Black);
    assert_eq!(
        r.list_reasons,
        vec![
            ListReason::OverdueNotice {
                notice_id: 3,
                deadline: days_before(as_of, 1),
                verified_on: None
            },
            ListReason::RepairNeedsNoticesClosed,
            ListReason::RepairNeedsFollowUp {
                after: days_before(as_of, 1),
                pass_score: 60
            },
        ]
    );
    // Verified after as_of: still overdue at as_of.
    h.notices[0].verified_on = Some(days_after(as_of, 1));
    assert_eq!(rate(&h, &p, as_of).list, ListStatus::Black);
    // Verified in time: nothing.
    h.notices[0].verified_on = Some(days_before(as_of, 1));
    let r = rate(&h, &p, as_of);
    assert_eq!((r.score_tenths, r.list), (Some(1000), ListStatus::Red));
    // Verified late (today): no longer overdue, no deduction, but black until a follow-up passes.
    h.notices[0].verified_on = Some(as_of);
    let r = rate(&h, &p, as_of);
    assert_eq!(r.score_tenths, Some(1000));
    assert_eq!(r.list, ListStatus::Black);
    h.inspections.push(follow_up(2, as_of, 90));
    let r = rate(&h, &p, as_of);
    // Repaired; with no violation in the window and nothing open, the merchant is even red.
    assert_eq!(r.list, ListStatus::Red);
    assert_eq!(
        r.list_reasons,
        vec![
            ListReason::CreditRepaired {
                follow_up_id: Some(2),
                follow_up_date: Some(as_of)
            },
            ListReason::RedAllCriteria { stars: 5 }
        ]
    );
    // A notice issued in the future is ignored.
    let mut h = merchant(100);
    h.notices = vec![notice(4, days_after(as_of, 1), days_after(as_of, 5), None)];
    assert_eq!(rate(&h, &p, as_of).list, ListStatus::Red);
}

#[test]
fn red_criteria_each_failing() {
    let p = policy();
    let as_of = d(AS_OF);
    assert_eq!(rate(&merchant(95), &p, as_of).list, ListStatus::Red);
    // Not 5 stars.
    assert_eq!(rate(&merchant(89), &p, as_of).list, ListStatus::None);
    // A violation in the window (even minor, and the score still ★5).
    let mut h = merchant(100);
    h.violations.push(viol(1, days_before(as_of, 1), Severity::Minor));
    let r = rate(&h, &p, as_of);
    assert_eq!((r.stars, r.list), (Some(5), ListStatus::None));
    // An open notice (not yet due).
    let mut h = merchant(95);
    h.notices
        .push(notice(1, days_before(as_of, 1), days_after(as_of, 10), None));
    assert_eq!(rate(&h, &p, as_of).list, ListStatus::None);
    // Not an alliance member.
    let mut h = merchant(95);
    h.alliance_member = false;
    assert_eq!(rate(&h, &p, as_of).list, ListStatus::None);
    // Criteria switched off in the policy.
    let mut q = p.clone();
    q.red.require_alliance_member = false;
    assert_eq!(rate(&h, &q, as_of).list, ListStatus::Red);
    // Not rated: never red.
    let mut h = merchant(95);
    h.inspections.clear();
    assert_eq!(rate(&h, &p, as_of).list, ListStatus::None);
}

#[test]
fn one_star_is_black_until_the_score_rises() {
    let p = policy();
    let as_of = d(AS_OF);
    let mut h = merchant(59);
    let r = rate(&h, &p, as_of);
    assert_eq!((r.stars, r.list), (Some(1), ListStatus::Black));
    assert_eq!(r.list_reasons, vec![ListReason::LowStars { stars: 1 }]);
    // A passed follow-up that lifts the mean above 60 lifts the stars.
    h.inspections.push(follow_up(2, as_of, 61));
    let r = rate(&h, &p, as_of);
    assert_eq!(
        (r.score_tenths, r.stars, r.list),
        (Some(600), Some(2), ListStatus::None)
    );
    let mut q = p.clone();
    q.black.max_stars = 0;
    assert_eq!(rate(&merchant(10), &q, as_of).list, ListStatus::None);
}

#[test]
fn serious_violation_repair_needs_follow_up_and_minimum_stay() {
    // The ★1 trigger is switched off here so that only the repair rules are at play.
    let mut p = policy();
    p.black.max_stars = 0;
    let found = d("2025-01-10");
    let mut h = merchant(100);
    h.inspections[0].date = d("2025-01-05");
    h.violations.push(viol(11, found, Severity::Serious));
    let stay_ends = days_after(found, 90); // 2025-04-10
                                           // Before any follow-up: black, needs follow-up and stay.
    let r = rate(&h, &p, days_after(found, 10));
    assert_eq!(r.list, ListStatus::Black);
    assert_eq!(
        r.list_reasons,
        vec![
            ListReason::SeriousViolation {
                violation_id: 11,
                date: found
            },
            ListReason::RepairNeedsFollowUp {
                after: found,
                pass_score: 60
            },
            ListReason::RepairMinimumStay { until: stay_ends },
        ]
    );
    // A follow-up on the same day as the violation does not count; a failed one neither.
    h.inspections.push(follow_up(2, found, 95));
    h.inspections.push(follow_up(3, days_after(found, 5), 59));
    assert_eq!(rate(&h, &p, stay_ends).list, ListStatus::Black);
    // A passed follow-up after the violation.
    h.inspections.push(follow_up(4, days_after(found, 20), 60));
    let r = rate(&h, &p, days_before(stay_ends, 1));
    assert_eq!(r.list, ListStatus::Black);
    assert_eq!(
        r.list_reasons.last(),
        Some(&ListReason::RepairMinimumStay { until: stay_ends })
    );
    // The day the minimum stay ends: repaired.
    let r = rate(&h, &p, stay_ends);
    assert_eq!(r.list, ListStatus::None);
    assert_eq!(
        r.list_reasons,
        vec![ListReason::CreditRepaired {
            follow_up_id: Some(4),
            follow_up_date: Some(days_after(found, 20))
        }]
    );
    // A newer serious violation restarts everything.
    h.violations
        .push(viol(12, days_after(found, 60), Severity::Serious));
    assert_eq!(rate(&h, &p, stay_ends).list, ListStatus::Black);
}

#[test]
fn repair_is_blocked_by_an_overdue_notice() {
    let p = policy();
    let as_of = d(AS_OF);
    let found = days_before(as_of, 200);
    let mut h = merchant(100);
    h.violations.push(viol(1, found, Severity::Serious));
    h.inspections.push(follow_up(2, days_after(found, 10), 100));
    assert_eq!(rate(&h, &p, as_of).list, ListStatus::None);
    // An old notice (deadline outside the window) still open blocks repair.
    h.notices
        .push(notice(5, days_before(as_of, 500), days_before(as_of, 400), None));
    let r = rate(&h, &p, as_of);
    assert_eq!(r.list, ListStatus::Black);
    assert!(r.list_reasons.contains(&ListReason::RepairNeedsNoticesClosed));
    assert!(r.list_reasons.iter().any(|x| x.code() == "overdue_notice"));
}

#[test]
fn black_beats_red() {
    let mut p = policy();
    p.violations.serious = 0;
    p.red.require_no_violation = false;
    let as_of = d(AS_OF);
    let mut h = merchant(100);
    h.violations
        .push(viol(1, days_before(as_of, 1), Severity::Serious));
    let r = rate(&h, &p, as_of);
    assert_eq!(r.stars, Some(5));
    assert_eq!(r.list, ListStatus::Black);
    // Triggers switched off: red.
    p.black.on_serious_violation = false;
    assert_eq!(rate(&h, &p, as_of).list, ListStatus::Red);
}

#[test]
fn json_round_trip_and_shape() {
    let as_of = d(AS_OF);
    let mut h = merchant(70);
    h.violations
        .push(viol(1, days_before(as_of, 1), Severity::Serious));
    let r = rate(&h, &policy(), as_of);
    let j = serde_json::to_string(&r).unwrap();
    assert!(j.contains("\"key\":\"violations.serious\""), "{j}");
    assert!(j.contains("\"code\":\"serious_violation\""), "{j}");
    assert!(j.contains("\"list\":\"black\""), "{j}");
    let back: Rating = serde_json::from_str(&j).unwrap();
    assert_eq!(back, r);
    let reasons = serde_json::to_string(&r.list_reasons).unwrap();
    let back: Vec<ListReason> = serde_json::from_str(&reasons).unwrap();
    assert_eq!(back, r.list_reasons);
}

#[test]
fn enums_parse_and_print() {
    for s in Severity::ALL {
        assert_eq!(s.as_str().parse::<Severity>(), Ok(s));
    }
    // Imports name severities and kinds in Chinese too.
    assert_eq!("严重".parse::<Severity>(), Ok(Severity::Serious));
    for k in InspectionKind::ALL {
        assert_eq!(k.as_str().parse::<InspectionKind>(), Ok(k));
    }
    assert_eq!(InspectionKind::FollowUp.as_str(), "follow_up");
    assert_eq!("复查".parse::<InspectionKind>(), Ok(InspectionKind::FollowUp));
    assert!("grave".parse::<Severity>().is_err());
    for l in [ListStatus::None, ListStatus::Red, ListStatus::Black] {
        assert_eq!(l.as_str().parse::<ListStatus>(), Ok(l));
    }
}

// ---- properties ----

fn arb_history() -> impl Strategy<Value = MerchantHistory> {
    let base = d("2024-01-01");
    let day = move |n: u64| base.checked_add_days(Days::new(n)).unwrap_or(base);
    let sev = prop_oneof![
        Just(Severity::Minor),
        Just(Severity::Major),
        Just(Severity::Serious)
    ];
    let kind = prop_oneof![
        Just(InspectionKind::Routine),
        Just(InspectionKind::FollowUp),
        Just(InspectionKind::Complaint),
        Just(InspectionKind::SelfCheck)
    ];
    (
        any::<bool>(),
        prop::collection::vec((0u64..900, kind, 0i32..=100), 0..8),
        prop::collection::vec((0u64..900, sev), 0..5),
        prop::collection::vec((0u64..900, 0u64..60, prop::option::of(0u64..120)), 0..3),
        prop::collection::vec(0u64..900, 0..5),
        prop::collection::vec((0u64..900, 0i32..80), 0..4),
    )
        .prop_map(move |(member, ins, vs, ns, cs, ts)| MerchantHistory {
            merchant_id: 1,
            alliance_member: member,
            inspections: ins
                .into_iter()
                .enumerate()
                .map(|(i, (n, kind, score))| InspectionFact {
                    id: i as i64,
                    date: day(n),
                    kind,
                    score,
                    fhrs: None,
                })
                .collect(),
            violations: vs
                .into_iter()
                .enumerate()
                .map(|(i, (n, severity))| ViolationFact {
                    id: i as i64,
                    inspection_id: 0,
                    date: day(n),
                    severity,
                })
                .collect(),
            notices: ns
                .into_iter()
                .enumerate()
                .map(|(i, (n, len, ver))| NoticeFact {
                    id: i as i64,
                    issued_on: day(n),
                    deadline: day(n + len),
                    verified_on: ver.map(|v| day(n + v)),
                })
                .collect(),
            complaints: cs
                .into_iter()
                .enumerate()
                .map(|(i, n)| ComplaintFact {
                    id: i as i64,
                    verified_on: day(n),
                })
                .collect(),
            trainings: ts
                .into_iter()
                .enumerate()
                .map(|(i, (n, h))| TrainingFact {
                    id: i as i64,
                    date: day(n),
                    hours_tenths: h,
                })
                .collect(),
        })
}

fn arb_as_of() -> impl Strategy<Value = NaiveDate> {
    (200u64..1000).prop_map(|n| d("2024-01-01").checked_add_days(Days::new(n)).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn prop_breakdown_sums_to_score(h in arb_history(), as_of in arb_as_of()) {
        let r = rate(&h, &policy(), as_of);
        match r.score_tenths {
            Some(s) => {
                prop_assert_eq!(sum(&r), s);
                prop_assert!((0..=1000).contains(&s));
                prop_assert_eq!(r.stars, Some(policy().stars_for(s)));
            }
            None => {
                prop_assert!(r.breakdown.is_empty());
                prop_assert_eq!(r.stars, None);
                prop_assert!(r.list != ListStatus::Red);
            }
        }
    }

    #[test]
    fn prop_deterministic(h in arb_history(), as_of in arb_as_of()) {
        let p = policy();
        let a = rate(&h, &p, as_of);
        prop_assert_eq!(&a, &rate(&h, &p, as_of));
        // Record order does not change the outcome.
        let mut rev = h.clone();
        rev.inspections.reverse();
        rev.violations.reverse();
        rev.notices.reverse();
        rev.complaints.reverse();
        rev.trainings.reverse();
        let b = rate(&rev, &p, as_of);
        prop_assert_eq!((a.score_tenths, a.stars, a.list), (b.score_tenths, b.stars, b.list));
    }

    #[test]
    fn prop_adding_a_violation_never_raises_stars(
        h in arb_history(),
        as_of in arb_as_of(),
        n in 0u64..1000,
        sev in prop_oneof![Just(Severity::Minor), Just(Severity::Major), Just(Severity::Serious)],
    ) {
        let p = policy();
        let before = rate(&h, &p, as_of);
        let mut h2 = h.clone();
        h2.violations.push(ViolationFact {
            id: 999,
            inspection_id: 0,
            date: d("2024-01-01").checked_add_days(Days::new(n)).unwrap(),
            severity: sev,
        });
        let after = rate(&h2, &p, as_of);
        prop_assert_eq!(before.stars.is_some(), after.stars.is_some());
        if let (Some(b), Some(a)) = (before.stars, after.stars) {
            prop_assert!(a <= b, "stars rose from {} to {}", b, a);
        }
        if before.list == ListStatus::Black {
            prop_assert_eq!(after.list, ListStatus::Black);
        }
        if after.list == ListStatus::Red {
            prop_assert_eq!(before.list, ListStatus::Red);
        }
    }
}
