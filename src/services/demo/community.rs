//! The rest of the demo town's life, dated: consumer complaints (verified, dismissed, waiting),
//! trainings with their attendance, and rewards, in both years.

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;

use super::history::{at, inspect, Visit};
use super::town::{quality, Calendar, Rng};
use super::Town;
use crate::db::models::training::{self, NewTraining};
use crate::db::schema::{complaints, rewards};
use crate::db::DbConn;
use crate::domain::policy::Policy;
use crate::domain::words::{ComplaintState, InspectionKind};
use crate::services::complaints::client_hash;

/// Consumer complaints over both years: some verified (they count in the rating from the day of
/// verification), some dismissed, and two still waiting for an inspector.
pub(super) fn complaints(
    c: &mut DbConn,
    policy: &Policy,
    rng: &mut Rng,
    town: &mut Town,
    cal: &Calendar,
    secret: &[u8],
) -> anyhow::Result<usize> {
    let p = |m, d| cal.prev_year(m, d);
    let y = |permille| cal.this_year(permille);
    let days = Duration::days;
    // (merchant, filed on, triage: (days later, verified?, note), what the consumer wrote, contact)
    type Filed<'a> = (
        usize,
        NaiveDate,
        Option<(i64, bool, &'a str)>,
        &'a str,
        Option<&'a str>,
    );
    let filed: [Filed<'_>; 8] = [
        (
            6,
            p(4, 2),
            Some((7, false, "现场核查：床品已按规定更换，投诉不属实。")),
            "房间床单有污渍，没有更换。",
            None,
        ),
        (
            31,
            p(5, 3),
            Some((5, true, "现场核查属实：冷柜内有过期酸奶，已当场下架。")),
            "买到的酸奶已经过期两天了。",
            Some("13905710001"),
        ),
        (
            0,
            p(8, 20),
            Some((5, false, "现场核查：当日菜品留样齐全，未发现问题，投诉不属实。")),
            "吃完饭后肚子不舒服，怀疑菜不新鲜。",
            None,
        ),
        (
            17,
            p(10, 10),
            Some((6, true, "现场核查属实：海鲜暂养池水质浑浊，已责令整改。")),
            "海鲜池的水很浑，鱼都不太精神。",
            Some("qq12345@example.com"),
        ),
        (
            22,
            y(300),
            Some((4, false, "现场核查：价目表与收费一致，投诉不属实。")),
            "结账时收费比菜单上的价格高。",
            None,
        ),
        (
            24,
            y(400),
            Some((5, true, "现场核查属实：客房热水器漏电保护失效，已责令维修。")),
            "洗澡时热水器有麻电的感觉。",
            Some("13905710002"),
        ),
        (
            2,
            cal.today - days(3),
            None,
            "包间的空调滴水，服务员说修不了。",
            None,
        ),
        (
            26,
            cal.today - days(1),
            None,
            "药店店员推荐保健品时说能治病。",
            Some("13905710003"),
        ),
    ];
    for (n, (merchant, on, triage, body, contact)) in filed.into_iter().enumerate() {
        let filed_at = at(on, 1 + n as u32 % 8, 7 * n as u32 % 60);
        let ip = format!("198.51.100.{}", 20 + n);
        let triage = triage.map(|(later, verified, note)| (on + days(later), verified, note));
        // A triage still ahead of today has not happened yet.
        let triage = triage.filter(|(day, _, _)| *day < cal.today);
        let status = match triage {
            Some((_, true, _)) => ComplaintState::Verified,
            Some((_, false, _)) => ComplaintState::Dismissed,
            None => ComplaintState::New,
        };
        let id: i32 = crate::db::dispatch!(c, |x| diesel::insert_into(complaints::table)
            .values((
                complaints::merchant_id.eq(town.merchants[merchant]),
                complaints::body.eq(body),
                complaints::contact.eq(contact),
                complaints::client_hash.eq(client_hash(secret, &ip, on)),
                complaints::status.eq(status),
                complaints::created_at.eq(filed_at),
                complaints::triaged_by.eq(triage.map(|_| town.inspector)),
                complaints::triaged_at.eq(triage.map(|(day, _, _)| at(day, 6, 0))),
                complaints::triage_note.eq(triage.map(|(_, _, note)| note)),
                complaints::visited_on.eq(Some(on)),
                complaints::reference.eq(Some(crate::services::complaints::new_reference())),
            ))
            .returning(complaints::id)
            .get_result(x))?;
        // The audit log keeps the fact, not the complainant's words or contact.
        let after = serde_json::json!({
            "merchant_id": town.merchants[merchant], "status": status,
            "body_chars": body.chars().count(), "has_contact": contact.is_some(),
        });
        town.log("complaint.create", "complaint", Some(id), after);
        if let Some((day, true, _)) = triage {
            // The visit that verified it (投诉检查).
            let visit = Visit {
                merchant,
                day,
                kind: InspectionKind::Complaint,
                quality: quality(merchant, !cal.in_prev_year(day)),
                extra: None,
                notes: "投诉核查",
            };
            inspect(c, policy, rng, town, visit)?;
        }
    }
    Ok(filed.len())
}

/// Trainings: (title, day, hours in tenths).
fn trainings(cal: &Calendar) -> Vec<(&'static str, NaiveDate, i32)> {
    vec![
        ("食品安全法规培训", cal.prev_year(3, 18), 30),
        ("餐饮服务食品安全操作规范培训", cal.prev_year(6, 10), 20),
        ("消防安全与应急处置培训", cal.prev_year(9, 8), 15),
        ("诚信经营与消费者权益保护培训", cal.prev_year(11, 12), 10),
        ("《食品安全法》修订要点培训", cal.this_year(250), 25),
        ("燃气使用安全培训", cal.this_year(550), 15),
        ("冷链食品管理培训", cal.this_year(850), 20),
    ]
}

/// Who attended training `t` (its position in [`trainings`]). In the previous year merchant `i`
/// attends by `i % 5`: 3.0 + 2.0 h, 3.0 + 1.5 h, 2.0 + 1.5 h, 3.0 + 1.0 h or 1.5 + 1.0 h — so
/// three merchants in five reach four hours and two do not. This year by `i % 3`.
fn attends(i: usize, t: usize) -> bool {
    match t {
        0..=3 => {
            let pattern: [[bool; 4]; 5] = [
                [true, true, false, false],
                [true, false, true, false],
                [false, true, true, false],
                [true, false, false, true],
                [false, false, true, true],
            ];
            pattern[i % 5][t]
        }
        _ => !(i + t).is_multiple_of(3),
    }
}

/// The trainings of both years with their attendance; returns how many trainings.
pub(super) fn trainings_and_attendance(
    c: &mut DbConn,
    town: &mut Town,
    cal: &Calendar,
) -> anyhow::Result<usize> {
    let all = trainings(cal);
    for (t, (title, held_on, hours_tenths)) in all.iter().enumerate() {
        let nt = NewTraining {
            title: (*title).into(),
            held_on: *held_on,
            hours_tenths: *hours_tenths,
            created_by: Some(town.committee),
            created_at: at(*held_on, 2, 0),
        };
        let tid = training::insert(c, &nt)?;
        town.created("training", tid, &nt)?;
        for (i, &mid) in town.merchants.iter().enumerate() {
            if attends(i, t) {
                training::add_attendance(c, tid, mid)?;
            }
        }
    }
    Ok(all.len())
}

/// (title, days ahead, start, hours in tenths, place, seats, description, who signed up).
type UpcomingSpec = (
    &'static str,
    i64,
    &'static str,
    i32,
    &'static str,
    Option<i32>,
    &'static str,
    &'static [usize],
);

/// Branch training: the trainings still to come, open for sign-up in the portal: one the demo
/// merchant (老王家常菜馆, signed up as `merchant_user`) has signed up for, one already full, one
/// without a seat limit. Returns how many.
pub(super) fn upcoming_trainings(
    c: &mut DbConn,
    town: &mut Town,
    merchant_user: i32,
) -> anyhow::Result<usize> {
    use crate::db::schema::{training_signups, trainings};
    let today = town.today;
    let upcoming: [UpcomingSpec; 3] = [
        (
            "冬季食品安全与一氧化碳防范培训",
            3,
            "14:30",
            20,
            "社区服务中心二楼会议室",
            Some(30),
            "冬季燃气、炭火使用与食材储存要点；现场答疑。",
            &[0, 1, 2, 4, 5, 6],
        ),
        (
            "餐饮油烟净化设施维护实操",
            10,
            "09:30",
            15,
            "联盟办公室",
            Some(3),
            "小班实操，每期三家。",
            &[1, 2, 4],
        ),
        (
            "《反食品浪费法》与诚信经营",
            20,
            "15:00",
            10,
            "社区服务中心多功能厅",
            None,
            "",
            &[5, 6],
        ),
    ];
    for (title, ahead, starts_at, hours_tenths, place, capacity, description, who) in upcoming {
        let held_on = today + Duration::days(ahead);
        let nt = NewTraining {
            title: title.into(),
            held_on,
            hours_tenths,
            created_by: Some(town.committee),
            created_at: at(today, 1, 0),
        };
        let tid = training::insert(c, &nt)?;
        diesel::update(trainings::table.find(tid))
            .set((
                trainings::place.eq(place),
                trainings::starts_at.eq(starts_at),
                trainings::capacity.eq(capacity),
                trainings::description.eq(description),
            ))
            .execute(c)?;
        town.created("training", tid, &nt)?;
        for &i in who {
            let mid = town.merchants[i];
            diesel::insert_into(training_signups::table)
                .values((
                    training_signups::training_id.eq(tid),
                    training_signups::merchant_id.eq(mid),
                    training_signups::user_id.eq((i == 0).then_some(merchant_user)),
                    training_signups::signed_up_at.eq(at(today, 1, 30)),
                ))
                .execute(c)?;
            town.log(
                "training.signup",
                "training",
                Some(tid),
                serde_json::json!({ "merchant_id": mid }),
            );
        }
    }
    Ok(upcoming.len())
}

/// Rewards of both years (the ledger). The annual commendation's rewards are not here: the
/// commendation decision grants those.
pub(super) fn rewards(c: &mut DbConn, town: &mut Town, cal: &Calendar) -> anyhow::Result<i64> {
    let granted: [(usize, i64, &str, NaiveDate); 5] = [
        (1, 300_000, "食品安全示范店", cal.prev_year(6, 20)),
        (11, 300_000, "食品安全示范店", cal.prev_year(6, 20)),
        (33, 200_000, "消防安全先进商家", cal.prev_year(12, 10)),
        (0, 200_000, "诚信经营示范户", cal.this_year(500)),
        (7, 150_000, "整改进步奖", cal.this_year(800)),
    ];
    let mut total = 0;
    for (i, amount, reason, granted_on) in granted {
        diesel::insert_into(rewards::table)
            .values((
                rewards::merchant_id.eq(town.merchants[i]),
                rewards::amount_fen.eq(amount),
                rewards::reason.eq(reason),
                rewards::granted_on.eq(granted_on),
                rewards::granted_by.eq(Some(town.committee)),
                rewards::created_at.eq(at(granted_on, 2, 30)),
            ))
            .execute(c)?;
        let after = serde_json::json!({
            "merchant_id": town.merchants[i], "amount_fen": amount, "reason": reason,
            "granted_on": granted_on,
        });
        town.log("reward.create", "reward", None, after);
        total += amount;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_in_five_reach_four_hours_in_the_previous_year() {
        let cal = Calendar::new("2026-11-30".parse().unwrap());
        let all = trainings(&cal);
        let hours = |i: usize| -> i32 { (0..4).filter(|&t| attends(i, t)).map(|t| all[t].2).sum() };
        let reached: Vec<usize> = (0..10).filter(|&i| hours(i) >= 40).collect();
        assert_eq!(reached, vec![0, 1, 3, 5, 6, 8]);
        assert!(all[..4].iter().all(|t| cal.in_prev_year(t.1)));
        assert!(all[4..].iter().all(|t| !cal.in_prev_year(t.1)));
    }
}
