//! The demo town's two calendar years: editions published every two months in both years, a
//! rating history for every merchant, members who join and leave, notices verified on time, late
//! or not at all, complaints, trainings — and the stories the demo accounts rely on.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use common::{TestApp, TestDb};
use diesel::prelude::*;
use gongzhi::db::schema::{
    complaints, edition_entries, editions, merchants, notices, rating_snapshots, training_attendance,
    trainings, violations,
};
use gongzhi::db::DbConn;

/// The days editions are published: the first of every even month from February of the
/// previous year, before today.
fn edition_days(today: NaiveDate) -> Vec<NaiveDate> {
    (today.year() - 1..=today.year())
        .flat_map(|y| {
            (2..=12)
                .step_by(2)
                .map(move |m| NaiveDate::from_ymd_opt(y, m, 1).unwrap())
        })
        .filter(|d| *d < today)
        .collect()
}

/// (merchant id, as_of, stars, list) of every snapshot, oldest first.
fn snapshots(c: &mut DbConn) -> Vec<(i32, NaiveDate, Option<i32>, String)> {
    rating_snapshots::table
        .order((rating_snapshots::as_of.asc(), rating_snapshots::id.asc()))
        .select((
            rating_snapshots::merchant_id,
            rating_snapshots::as_of,
            rating_snapshots::stars,
            rating_snapshots::list_status,
        ))
        .load(c)
        .unwrap()
}

/// The stars a merchant had on `day`: its latest rating as of that day or before.
fn stars_on(snaps: &[(i32, NaiveDate, Option<i32>, String)], merchant: i32, day: NaiveDate) -> Option<i32> {
    snaps
        .iter()
        .rfind(|s| s.0 == merchant && s.1 <= day)
        .and_then(|s| s.2)
}

/// (edition day, list) of every edition entry of a merchant.
fn edition_lists(c: &mut DbConn, merchant: i32) -> Vec<(NaiveDate, String)> {
    edition_entries::table
        .inner_join(editions::table)
        .filter(edition_entries::merchant_id.eq(merchant))
        .order(editions::published_on.asc())
        .select((editions::published_on, edition_entries::list))
        .load(c)
        .unwrap()
}

fn in_year(d: NaiveDate, year: i32) -> bool {
    d.year() == year
}

#[test]
fn editions_cover_both_years_and_every_inspected_merchant_has_a_rating_history() {
    let app = TestApp::spawn();
    let today = app.config.today();
    let prev = today.year() - 1;
    let mut c = app.conn();
    let published: Vec<(i32, NaiveDate)> = editions::table
        .order(editions::number.asc())
        .select((editions::number, editions::published_on))
        .load(&mut *c)
        .unwrap();
    let days: Vec<NaiveDate> = published.iter().map(|e| e.1).collect();
    assert_eq!(days, edition_days(today), "numbered in date order");
    assert_eq!(published.first().map(|e| e.0), Some(1));
    assert_eq!(days.iter().filter(|d| in_year(**d, prev)).count(), 6);
    if today > NaiveDate::from_ymd_opt(today.year(), 2, 1).unwrap() {
        assert!(days.iter().any(|d| in_year(*d, today.year())), "{days:?}");
    }
    // Every edition lists someone on the red list; the black list has had merchants on it too.
    for (number, _) in &published {
        let id: i32 = editions::table
            .filter(editions::number.eq(number))
            .select(editions::id)
            .first(&mut *c)
            .unwrap();
        let red = gongzhi::services::editions::count_on(&mut c, id, gongzhi::domain::words::ListStatus::Red)
            .unwrap();
        assert!(red > 0, "edition {number} has a red list");
    }
    let black: i64 = edition_entries::table
        .filter(edition_entries::list.eq("black"))
        .count()
        .get_result(&mut *c)
        .unwrap();
    assert!(black > 0);

    // Every merchant with an inspection has a rating history of at least two points, and its
    // public record draws it.
    let snaps = snapshots(&mut c);
    let inspected: BTreeSet<i32> = gongzhi::db::schema::inspections::table
        .select(gongzhi::db::schema::inspections::merchant_id)
        .distinct()
        .load(&mut *c)
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(inspected.len(), 40);
    for m in &inspected {
        let points: Vec<_> = snaps.iter().filter(|s| s.0 == *m && s.2.is_some()).collect();
        assert!(points.len() >= 2, "merchant {m}: {points:?}");
        assert!(
            points.iter().any(|p| in_year(p.1, prev)),
            "merchant {m} rated in {prev}"
        );
    }
    drop(c);
    for m in [1, 14, 16, 40] {
        let (s, page) = app.get_text(&format!("/merchants/{m}"));
        assert_eq!(s, 200);
        assert!(
            page.contains("class=\"report-chart timeline-chart\""),
            "merchant {m} draws its history"
        );
        assert!(page.matches("<circle").count() >= 2, "merchant {m}");
    }
}

/// 老王家常菜馆, the demo merchant account's shop: a good merchant all through the previous year
/// (five stars and on the red list at every edition, four hours and more of training, no
/// complaint upheld), with one minor violation this year whose notice is open, to be read and
/// answered.
#[test]
fn the_merchant_accounts_shop_is_good_with_one_open_notice_this_year() {
    let app = TestApp::spawn();
    let today = app.config.today();
    let prev = today.year() - 1;
    let mut c = app.conn();
    let id = 1;
    let name: String = merchants::table
        .find(id)
        .select(merchants::name)
        .first(&mut *c)
        .unwrap();
    assert_eq!(name, "老王家常菜馆");

    let found: Vec<(NaiveDate, String)> = violations::table
        .filter(violations::merchant_id.eq(id))
        .select((violations::found_on, violations::severity))
        .load(&mut *c)
        .unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1, "minor");
    assert_eq!(
        found[0].0.year(),
        today.year(),
        "this year's, not the previous year's"
    );
    let open: Vec<(String, NaiveDate, Option<NaiveDateTime>)> = notices::table
        .filter(notices::merchant_id.eq(id))
        .select((notices::state, notices::deadline, notices::read_at))
        .load(&mut *c)
        .unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].0, "issued");
    assert!(open[0].1 > today && open[0].2.is_none(), "{open:?}");

    let snaps = snapshots(&mut c);
    let lists = edition_lists(&mut c, id);
    for day in edition_days(today).into_iter().filter(|d| in_year(*d, prev)) {
        assert_eq!(stars_on(&snaps, id, day), Some(5), "{day}");
        assert!(
            lists.contains(&(day, "red".to_string())),
            "red on {day}: {lists:?}"
        );
    }
    let hours: i32 = training_hours(&mut c, prev).get(&id).copied().unwrap_or(0);
    assert!(hours >= 40, "{hours} tenths of an hour");
    let upheld: i64 = complaints::table
        .filter(complaints::merchant_id.eq(id))
        .filter(complaints::status.eq("verified"))
        .count()
        .get_result(&mut *c)
        .unwrap();
    assert_eq!(upheld, 0);
    drop(c);

    // The merchant account sees the notice on its own pages.
    app.login("merchant", "gongzhi-demo");
    let (s, home) = app.get_text("/my");
    assert_eq!(s, 200);
    assert!(home.contains("整改"), "{home}");
}

/// Hours of training in `year` by merchant, in tenths.
fn training_hours(c: &mut DbConn, year: i32) -> BTreeMap<i32, i32> {
    let rows: Vec<(i32, NaiveDate, i32)> = training_attendance::table
        .inner_join(trainings::table)
        .select((
            training_attendance::merchant_id,
            trainings::held_on,
            trainings::hours_tenths,
        ))
        .load(c)
        .unwrap();
    let mut out = BTreeMap::new();
    for (m, day, h) in rows {
        if in_year(day, year) {
            *out.entry(m).or_insert(0) += h;
        }
    }
    out
}

/// A member that left the alliance is on no red list published from the day it left.
#[test]
fn members_who_left_are_not_on_the_red_list_after_leaving() {
    let app = TestApp::spawn();
    let today = app.config.today();
    let mut c = app.conn();
    let left: Vec<(i32, NaiveDate, NaiveDate, String)> = merchants::table
        .filter(merchants::member_left_on.is_not_null())
        .order(merchants::member_left_on.asc())
        .select((
            merchants::id,
            merchants::member_since.assume_not_null(),
            merchants::member_left_on.assume_not_null(),
            merchants::current_list,
        ))
        .load(&mut *c)
        .unwrap();
    let years: Vec<i32> = left.iter().map(|l| l.2.year()).collect();
    assert_eq!(years, vec![today.year() - 1, today.year()], "one left each year");
    for (id, since, left_on, now) in &left {
        assert!(since < left_on);
        assert_ne!(now, "red", "merchant {id} left on {left_on}");
        let lists = edition_lists(&mut c, *id);
        assert!(
            lists.iter().all(|(day, list)| day < left_on || list != "red"),
            "merchant {id} left on {left_on}: {lists:?}"
        );
    }
    // The one that left in the previous year was on the red list before it left.
    let (first, _, left_on, _) = left[0];
    assert!(edition_lists(&mut c, first)
        .iter()
        .any(|(day, list)| *day < left_on && list == "red"));
}

/// The black list has a history: a merchant that left it by credit repair (信用修复) in the
/// previous year, and 一品豆花 still on it today.
#[test]
fn the_black_list_has_a_credit_repair_and_a_merchant_still_on_it() {
    use gongzhi::db::schema::list_entries;
    let app = TestApp::spawn();
    let today = app.config.today();
    let mut c = app.conn();
    let repaired: Vec<(i32, NaiveDate, Option<NaiveDate>)> = list_entries::table
        .filter(list_entries::list.eq("black"))
        .filter(list_entries::left_reason.eq(r#"{"code":"credit_repaired"}"#))
        .select((
            list_entries::merchant_id,
            list_entries::entered_on,
            list_entries::left_on,
        ))
        .load(&mut *c)
        .unwrap();
    assert!(
        repaired
            .iter()
            .any(|(_, _, left)| left.is_some_and(|d| d.year() == today.year() - 1)),
        "{repaired:?}"
    );
    // 老街糕点铺 (16): a serious violation in March of the previous year, on the black list of
    // April and June (the minimum stay), repaired by August.
    let lists = edition_lists(&mut c, 16);
    let prev = today.year() - 1;
    let black: Vec<u32> = lists
        .iter()
        .filter(|(d, l)| l == "black" && d.year() == prev)
        .map(|(d, _)| d.month())
        .collect();
    assert_eq!(black, vec![4, 6], "{lists:?}");
    let list: String = merchants::table
        .find(14)
        .select(merchants::current_list)
        .first(&mut *c)
        .unwrap();
    assert_eq!(list, "black", "一品豆花");
}

/// The previous year's annual commendation has candidates by the rule — five stars at every
/// edition of the year, on the red list at four editions or more, no serious violation and no
/// overdue notice in the year, four hours of training, a member all year, no complaint upheld —
/// and merchants that miss by one criterion each.
#[test]
fn the_previous_year_has_commendation_candidates_and_near_misses() {
    let app = TestApp::spawn();
    let today = app.config.today();
    let prev = today.year() - 1;
    let (jan1, dec31) = (
        NaiveDate::from_ymd_opt(prev, 1, 1).unwrap(),
        NaiveDate::from_ymd_opt(prev, 12, 31).unwrap(),
    );
    let mut c = app.conn();
    let snaps = snapshots(&mut c);
    let hours = training_hours(&mut c, prev);
    let days: Vec<NaiveDate> = edition_days(today)
        .into_iter()
        .filter(|d| in_year(*d, prev))
        .collect();
    type Row = (i32, Option<NaiveDate>, Option<NaiveDate>);
    let all: Vec<Row> = merchants::table
        .order(merchants::id.asc())
        .select((merchants::id, merchants::member_since, merchants::member_left_on))
        .load(&mut *c)
        .unwrap();
    let serious: BTreeSet<i32> = violations::table
        .filter(violations::severity.eq("serious"))
        .filter(violations::found_on.between(jan1, dec31))
        .select(violations::merchant_id)
        .load(&mut *c)
        .unwrap()
        .into_iter()
        .collect();
    let overdue: BTreeSet<i32> = notices::table
        .filter(notices::deadline.between(jan1, dec31 - chrono::Duration::days(1)))
        .select((notices::merchant_id, notices::deadline, notices::verified_at))
        .load::<(i32, NaiveDate, Option<NaiveDateTime>)>(&mut *c)
        .unwrap()
        .into_iter()
        .filter(|(_, deadline, verified)| verified.is_none_or(|v| v.date() > *deadline))
        .map(|(m, _, _)| m)
        .collect();
    let upheld: BTreeSet<i32> = complaints::table
        .filter(complaints::status.eq("verified"))
        .select((complaints::merchant_id, complaints::triaged_at))
        .load::<(i32, Option<NaiveDateTime>)>(&mut *c)
        .unwrap()
        .into_iter()
        .filter(|(_, at)| at.is_some_and(|a| in_year(a.date(), prev)))
        .map(|(m, _)| m)
        .collect();
    let mut candidates = Vec::new();
    let mut misses: BTreeMap<i32, Vec<&str>> = BTreeMap::new();
    for (id, since, left) in all {
        let lists = edition_lists(&mut c, id);
        let red = lists
            .iter()
            .filter(|(d, l)| in_year(*d, prev) && l == "red")
            .count();
        let checks = [
            ("stars", days.iter().all(|d| stars_on(&snaps, id, *d) == Some(5))),
            ("red", red >= 4),
            ("serious", !serious.contains(&id)),
            ("overdue", !overdue.contains(&id)),
            ("training", hours.get(&id).copied().unwrap_or(0) >= 40),
            (
                "member",
                since.is_some_and(|s| s <= jan1) && left.is_none_or(|l| l > dec31),
            ),
            ("complaints", !upheld.contains(&id)),
        ];
        let failed: Vec<&str> = checks.iter().filter(|c| !c.1).map(|c| c.0).collect();
        match failed.len() {
            0 => candidates.push(id),
            1 => {
                misses.insert(id, failed);
            }
            _ => {}
        }
    }
    // 老王家常菜馆, 李记牛肉面, 江南春早餐店 (red at exactly four editions), 蜀香川菜馆, 一品豆花
    // (its serious violation is this year's), 老街百货 (slips only this year), 徽州臭鳜鱼馆.
    assert_eq!(
        candidates,
        vec![1, 2, 11, 12, 14, 31, 34],
        "near misses: {misses:?}"
    );
    // 小城故事奶茶店 left the alliance in September; 绿源生鲜 had a complaint upheld; 福满楼酒家
    // and others trained less than four hours.
    assert_eq!(misses.get(&4), Some(&vec!["member"]));
    assert_eq!(misses.get(&32), Some(&vec!["complaints"]));
    assert_eq!(misses.get(&3), Some(&vec!["training"]));
}

/// The demo's figures, loaded afresh and timed: members joining and leaving, notices by fate,
/// complaints by status, trainings per year.
#[test]
fn the_demo_has_its_figures_and_loads_quickly() {
    let db = TestDb::new();
    let mut c = common::open(&db);
    gongzhi::db::run_migrations(&mut c).unwrap();
    let policy = gongzhi::services::policy::active_policy(&mut c).unwrap();
    let config = common::test_config(db.url(), true, &[]);
    let today = config.today();
    let (prev, this) = (today.year() - 1, today.year());
    let t0 = Instant::now();
    assert!(gongzhi::services::demo::load_if_empty(&mut c, &policy, &config).unwrap());
    eprintln!(
        "demo loaded in {:?} ({})",
        t0.elapsed(),
        if db.is_postgres() { "PostgreSQL" } else { "SQLite" }
    );

    let members: Vec<(Option<NaiveDate>, Option<NaiveDate>)> = merchants::table
        .select((merchants::member_since, merchants::member_left_on))
        .load(&mut c)
        .unwrap();
    let joined = |y| {
        members
            .iter()
            .filter(|m| m.0.is_some_and(|d| d.year() == y))
            .count()
    };
    let left = |y| {
        members
            .iter()
            .filter(|m| m.1.is_some_and(|d| d.year() == y))
            .count()
    };
    let never = members.iter().filter(|m| m.0.is_none()).count();
    assert_eq!(
        (joined(prev), joined(this), left(prev), left(this), never),
        (2, 2, 1, 1, 4)
    );

    let all: Vec<(NaiveDate, String, NaiveDateTime, Option<NaiveDateTime>)> = notices::table
        .select((
            notices::deadline,
            notices::state,
            notices::issued_at,
            notices::verified_at,
        ))
        .load(&mut c)
        .unwrap();
    let verified = |y: i32, late: bool| {
        all.iter()
            .filter(|n| in_year(n.2.date(), y))
            .filter(|n| n.3.is_some_and(|v| (v.date() > n.0) == late))
            .count()
    };
    let state = |s: &str| all.iter().filter(|n| n.1 == s).count();
    assert_eq!((verified(prev, false), verified(prev, true)), (5, 2));
    assert_eq!((state("overdue"), state("issued")), (2, 3));
    if today.ordinal() > 120 {
        assert_eq!((verified(this, false), verified(this, true)), (3, 1));
    }

    let statuses: Vec<String> = complaints::table.select(complaints::status).load(&mut c).unwrap();
    let status = |s: &str| statuses.iter().filter(|x| *x == s).count();
    assert_eq!(
        (status("verified"), status("dismissed"), status("new")),
        (3, 3, 2)
    );

    let held: Vec<NaiveDate> = trainings::table.select(trainings::held_on).load(&mut c).unwrap();
    // Held so far, and the three still to come that the portal offers for sign-up.
    let per_year = |y| held.iter().filter(|d| **d <= today && in_year(**d, y)).count();
    assert_eq!((per_year(prev), per_year(this)), (4, 3));
    assert_eq!(held.iter().filter(|d| **d > today).count(), 3);
    let hours = training_hours(&mut c, prev);
    let four = hours.values().filter(|h| **h >= 40).count();
    assert!((10..40).contains(&four), "{four} merchants with four hours");
}

/// On first start the previous year's commendation is already decided: the top level for the
/// merchants that met all of it, the second for the others the rule proposes; 一品豆花, commended
/// on 20 January, lost it to this year's serious violation, publicly.
#[test]
fn the_previous_year_is_commended_and_one_commendation_is_revoked() {
    use gongzhi::db::schema::{commendation_decisions, commendations};
    let app = TestApp::spawn();
    let mut c = app.conn();
    let prev = app.config.today().year() - 1;
    let decided: Vec<(i32, NaiveDate)> = commendation_decisions::table
        .select((commendation_decisions::year, commendation_decisions::decided_on))
        .load(&mut *c)
        .unwrap();
    assert_eq!(decided.len(), 1);
    assert_eq!(decided[0].0, prev);
    let rows: Vec<(i32, String, Option<NaiveDate>)> = commendations::table
        .order(commendations::merchant_id)
        .select((
            commendations::merchant_id,
            commendations::level,
            commendations::revoked_on,
        ))
        .load(&mut *c)
        .unwrap();
    let ids: Vec<i32> = rows.iter().map(|r| r.0).collect();
    assert!(ids.contains(&1), "老王家常菜馆 is commended: {rows:?}");
    let revoked: Vec<i32> = rows.iter().filter(|r| r.2.is_some()).map(|r| r.0).collect();
    assert_eq!(revoked, vec![14], "一品豆花's commendation is revoked: {rows:?}");
    drop(c);
    let (s, body) = app.get_text(&format!("/commendations/{prev}"));
    assert_eq!(s, 200);
    assert!(
        body.contains("老王家常菜馆") && body.contains("roll-card revoked"),
        "{body}"
    );
    let (_, body) = app.get_text("/merchants/1");
    assert!(body.contains("commend-badge in-force"), "{body}");
}
