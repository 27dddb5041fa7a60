//! What the inspectors did in the demo town, dated: routine inspections and self-checks every few
//! months, violations with their rectification notices (verified on time, verified late, overdue,
//! still open) and the follow-ups that closed them. Every record carries the day it happened, so
//! rating the town as of any past day sees only what had happened by then.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use diesel::prelude::*;

use super::town::{deductions, quality, Calendar, Quality, Rng};
use super::Town;
use crate::db::models::inspection::{Inspection, NewInspection, NewItem, NewViolation};
use crate::db::models::notice::{format_number, NewNotice, Notice};
use crate::db::schema::{notice_answers, notices};
use crate::db::DbConn;
use crate::domain::facts::Severity;
use crate::domain::policy::Policy;
use crate::domain::words::{InspectionKind, NoticeState};

/// `day` at `hour`:`minute` UTC (in the morning or early afternoon in China, so the UTC date is
/// the local date too).
pub(super) fn at(day: NaiveDate, hour: u32, minute: u32) -> NaiveDateTime {
    day.and_time(NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or(NaiveTime::MIN))
}

/// What an inspection of the demo is: whose, when, why, and any deduction it must include.
pub(super) struct Visit<'a> {
    pub(super) merchant: usize,
    pub(super) day: NaiveDate,
    pub(super) kind: InspectionKind,
    pub(super) quality: Quality,
    /// A checklist item (by position) and the points it loses, for the item a violation concerns.
    pub(super) extra: Option<(usize, i32)>,
    pub(super) notes: &'a str,
}

/// Logs an inspection with its checklist deductions and audit entry; returns its id.
pub(super) fn inspect(
    c: &mut DbConn,
    policy: &Policy,
    rng: &mut Rng,
    town: &mut Town,
    v: Visit<'_>,
) -> anyhow::Result<i32> {
    let mut items = deductions(rng, policy, v.quality);
    if let Some(item) = v.extra.and_then(|(k, d)| {
        let item = policy.checklist.get(k % policy.checklist.len().max(1))?;
        Some((item.code.clone(), d.min(item.points)))
    }) {
        match items.iter_mut().find(|(code, _)| *code == item.0) {
            Some(found) => found.1 = found.1.max(item.1),
            None => items.push(item),
        }
    }
    let pairs: Vec<(&str, i32)> = items.iter().map(|(c, d)| (c.as_str(), *d)).collect();
    let score = policy
        .score_inspection(&pairs)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    // Logged on the day of the visit; today's just now (its inspector may correct it for a day).
    let logged = if v.day >= town.today {
        crate::db::models::now_utc()
    } else {
        at(v.day, 6, 10 + rng.below(40) as u32)
    };
    let new = NewInspection {
        inspector_id: Some(town.inspector),
        notes: v.notes.into(),
        created_at: logged,
        updated_at: logged,
        ..NewInspection::scored(town.merchants[v.merchant], v.day, v.kind, score)
    };
    let id = Inspection::insert(c, &new)?;
    let rows: Vec<NewItem> = items
        .iter()
        .map(|(code, d)| NewItem {
            inspection_id: id,
            item_code: code.clone(),
            deduction: *d,
            note: String::new(),
        })
        .collect();
    Inspection::insert_items(c, &rows)?;
    town.created("inspection", id, &(&new, &rows))?;
    Ok(id)
}

/// Routine inspections of every merchant from January of the previous year to today, every three
/// to four months, some of them the merchant's own self-check (自查), and one logged today.
pub(super) fn routine_inspections(
    c: &mut DbConn,
    policy: &Policy,
    rng: &mut Rng,
    town: &mut Town,
    cal: &Calendar,
) -> anyhow::Result<usize> {
    let mut n = 0;
    for i in 0..town.merchants.len() {
        let mut day = cal.start + Duration::days(4 + rng.below(24) as i64);
        let mut k = 0;
        while day < cal.today {
            let kind = if k > 0 && rng.below(6) == 0 {
                InspectionKind::SelfCheck
            } else {
                InspectionKind::Routine
            };
            let visit = Visit {
                merchant: i,
                day,
                kind,
                quality: quality(i, !cal.in_prev_year(day)),
                extra: None,
                notes: "",
            };
            inspect(c, policy, rng, town, visit)?;
            n += 1;
            k += 1;
            day += Duration::days(80 + rng.below(50) as i64);
        }
    }
    // This morning's round: 李记牛肉面, logged today.
    let visit = Visit {
        merchant: 1,
        day: cal.today,
        kind: InspectionKind::Routine,
        quality: quality(1, true),
        extra: None,
        notes: "",
    };
    inspect(c, policy, rng, town, visit)?;
    Ok(n + 1)
}

/// A violation found at an inspection and the rectification notice that followed.
struct Story {
    merchant: usize,
    severity: Severity,
    found: NaiveDate,
    deadline: NaiveDate,
    /// When the inspector verified the rectification (with a passed follow-up the same day);
    /// `None` for a notice still open (or overdue) today.
    verified: Option<NaiveDate>,
}

/// Every violation of the demo, each with its notice. The previous year's fall on fixed days;
/// this year's on shares of the year so far; the last five are dated from the latest edition and
/// from today, so that today two notices are overdue and three are open.
fn stories(cal: &Calendar) -> Vec<Story> {
    let last_edition = cal.edition_days().last().copied().unwrap_or(cal.today);
    let p = |m, d| cal.prev_year(m, d);
    let y = |permille| cal.this_year(permille);
    let days = Duration::days;
    let story = |merchant, severity, found: NaiveDate, deadline_days, verified_days: Option<i64>| Story {
        merchant,
        severity,
        found,
        deadline: found + days(deadline_days),
        verified: verified_days.map(|d| found + days(d)),
    };
    use Severity::{Major, Minor, Serious};
    vec![
        // 老街糕点铺: a serious violation in March, rectified at once; on the black list for
        // the minimum stay, then out by credit repair (信用修复).
        story(15, Serious, p(3, 10), 14, Some(10)),
        story(5, Minor, p(4, 18), 14, Some(10)),
        // 星辰咖啡 rectifies late: black while overdue, repaired by the late follow-up.
        story(35, Major, p(5, 12), 14, Some(31)),
        story(38, Major, p(7, 8), 14, Some(12)),
        // 江南春早餐店: a minor slip in September ends its run on the red list.
        story(10, Minor, p(9, 10), 14, Some(9)),
        // 时尚丽影美容院 too, across the December edition.
        story(28, Major, p(11, 5), 14, Some(37)),
        story(25, Minor, p(11, 20), 14, Some(11)),
        story(18, Major, y(150), 14, Some(10)),
        story(26, Minor, y(350), 14, Some(40)),
        story(38, Minor, y(550), 14, Some(7)),
        story(30, Major, y(700), 14, Some(12)),
        // 一品豆花 and 陈记烧腊 let their notices go overdue before the latest edition, so that
        // edition (the public black list today) names them, and they are still overdue today…
        story(13, Serious, last_edition - days(20), 10, None),
        story(9, Major, last_edition - days(40), 14, None),
        // …and three notices are open, due in ten days; one of them is the demo merchant
        // account's own shop's, found this year.
        Story {
            merchant: 0,
            severity: Minor,
            found: (cal.today - days(20)).max(cal.new_year),
            deadline: cal.today + days(10),
            verified: None,
        },
        Story {
            merchant: 19,
            severity: Major,
            found: cal.today - days(12),
            deadline: cal.today + days(10),
            verified: None,
        },
        Story {
            merchant: 28,
            severity: Major,
            found: cal.today - days(6),
            deadline: cal.today + days(10),
            verified: None,
        },
    ]
}

/// (code, description, legal basis, fine in fen, checklist item position, points lost there).
type ViolationKind = (&'static str, &'static str, &'static str, i64, usize, i32);

fn violation_kind(severity: Severity, variant: usize) -> ViolationKind {
    let minor: [ViolationKind; 2] = [
        (
            "V101",
            "食品原料未离地存放",
            "《餐饮服务食品安全操作规范》",
            0,
            8,
            3,
        ),
        (
            "V102",
            "餐饮具消毒记录不全",
            "《餐饮服务食品安全操作规范》",
            0,
            6,
            3,
        ),
    ];
    let major: [ViolationKind; 2] = [
        (
            "V201",
            "从业人员未取得有效健康证明",
            "《中华人民共和国食品安全法》第四十五条",
            200_000,
            1,
            8,
        ),
        (
            "V202",
            "冷藏设施温度不达标",
            "《中华人民共和国食品安全法》第三十三条",
            200_000,
            3,
            8,
        ),
    ];
    let serious: [ViolationKind; 1] = [(
        "V301",
        "使用超过保质期的食品原料",
        "《中华人民共和国食品安全法》第三十四条",
        500_000,
        3,
        12,
    )];
    match severity {
        Severity::Minor => minor[variant % minor.len()],
        Severity::Major => major[variant % major.len()],
        Severity::Serious => serious[variant % serious.len()],
    }
}

/// What the stories left: the notices still open, whose emails wait in the outbox.
pub(super) struct Notices {
    pub(super) open: Vec<i32>,
    pub(super) written: usize,
}

/// Writes the violations and notices of [`stories`] in date order (notice numbers follow the
/// dates), with the answers, follow-ups and timestamps each notice's fate implies.
pub(super) fn violations_and_notices(
    c: &mut DbConn,
    policy: &Policy,
    rng: &mut Rng,
    town: &mut Town,
    cal: &Calendar,
) -> anyhow::Result<Notices> {
    let mut all = stories(cal);
    all.sort_by_key(|s| (s.found, s.merchant));
    let mut out = Notices {
        open: Vec::new(),
        written: 0,
    };
    for (k, s) in all.iter().enumerate() {
        let mid = town.merchants[s.merchant];
        let (code, description, basis, fine, item, lost) = violation_kind(s.severity, k);
        let this_year = !cal.in_prev_year(s.found);
        let iid = inspect(
            c,
            policy,
            rng,
            town,
            Visit {
                merchant: s.merchant,
                day: s.found,
                kind: InspectionKind::Routine,
                quality: quality(s.merchant, this_year),
                extra: Some((item, lost)),
                notes: "",
            },
        )?;
        let nv = NewViolation {
            inspection_id: iid,
            merchant_id: mid,
            code: code.into(),
            severity: s.severity,
            description: description.into(),
            legal_basis: basis.into(),
            fine_fen: fine,
            found_on: s.found,
            created_at: at(s.found, 7, 0),
        };
        let vid = Inspection::insert_violation(c, &nv)?;
        town.created("violation", vid, &nv)?;

        // A verification still ahead of today has not happened yet.
        let verified = s.verified.filter(|v| *v < cal.today);
        let state = match verified {
            Some(_) => NoticeState::Verified,
            None if s.deadline < cal.today => NoticeState::Overdue,
            None => NoticeState::Issued,
        };
        let year = s.found.year();
        let seq = Notice::next_seq(c, year)?;
        let nn = NewNotice {
            number: format_number(year, seq),
            year,
            seq,
            merchant_id: mid,
            inspection_id: iid,
            issued_by: Some(town.inspector),
            required_actions: format!(
                "请于期限内完成整改：{description}。整改完成后在商家平台提交整改说明及照片。"
            ),
            deadline: s.deadline,
            state,
            issued_at: at(s.found, 7, 30),
        };
        let nid = Notice::insert(c, &nn, &[vid])?;
        town.created("notice", nid, &nn)?;
        out.written += 1;
        match verified {
            Some(on) => close_verified(c, policy, rng, town, s, nid, on)?,
            None if state == NoticeState::Overdue => {
                // Handed over on the spot (现场送达), so no email; the daily job marked it
                // overdue the night after its deadline.
                diesel::update(notices::table.find(nid))
                    .set(notices::overdue_at.eq(Some(at(s.deadline + Duration::days(1), 0, 5))))
                    .execute(c)?;
            }
            None => out.open.push(nid),
        }
    }
    Ok(out)
}

/// A verified notice's life: emailed, read, answered with a request for a follow-up, accepted,
/// and the passed follow-up inspection (复查) on the day of verification.
fn close_verified(
    c: &mut DbConn,
    policy: &Policy,
    rng: &mut Rng,
    town: &mut Town,
    s: &Story,
    nid: i32,
    on: NaiveDate,
) -> anyhow::Result<()> {
    let answered = (on - Duration::days(2)).max(s.found + Duration::days(1)).min(on);
    diesel::insert_into(notice_answers::table)
        .values((
            notice_answers::notice_id.eq(nid),
            notice_answers::author_id.eq(None::<i32>),
            notice_answers::body.eq("已按整改要求完成整改，申请复查。"),
            notice_answers::wants_follow_up.eq(true),
            notice_answers::created_at.eq(at(answered, 3, 0)),
            notice_answers::decision.eq(Some("accepted")),
            notice_answers::decided_by.eq(Some(town.inspector)),
            notice_answers::decided_at.eq(Some(at(on, 8, 0))),
        ))
        .execute(c)?;
    diesel::update(notices::table.find(nid))
        .set((
            notices::emailed_at.eq(Some(at(s.found, 7, 31))),
            notices::read_at.eq(Some(at(s.found, 9, 12))),
            notices::answered_at.eq(Some(at(answered, 3, 0))),
            notices::verified_at.eq(Some(at(on, 8, 0))),
        ))
        .execute(c)?;
    let late = on > s.deadline;
    town.log(
        "notice.verified",
        "notice",
        Some(nid),
        serde_json::json!({ "state": NoticeState::Verified, "verified_on": on, "late": late }),
    );
    inspect(
        c,
        policy,
        rng,
        town,
        Visit {
            merchant: s.merchant,
            day: on,
            kind: InspectionKind::FollowUp,
            quality: Quality::Good,
            extra: None,
            notes: "复查：已整改到位",
        },
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stories_keep_to_their_years() {
        for today in ["2026-11-30", "2027-03-15"] {
            let cal = Calendar::new(today.parse().unwrap());
            let all = stories(&cal);
            // The demo merchant account's shop: one minor violation, this year, still open.
            let own: Vec<&Story> = all.iter().filter(|s| s.merchant == 0).collect();
            assert_eq!(own.len(), 1);
            assert_eq!(own[0].severity, Severity::Minor);
            assert!(!cal.in_prev_year(own[0].found) && own[0].verified.is_none());
            assert!(own[0].deadline > cal.today);
            for s in &all {
                assert!(s.found <= cal.today && s.deadline > s.found, "{}", s.merchant);
                assert!(s.found >= cal.start);
            }
        }
    }
}
