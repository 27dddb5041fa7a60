//! Who lives in the demo town and when things happen there: the forty merchants, their
//! membership of the alliance, how well each keeps its kitchen in each year, and the calendar
//! (the previous year from 1 January, the current year up to today) every story is dated on.

use chrono::{Datelike, Duration, NaiveDate};

use crate::domain::policy::Policy;

/// The merchants: (name, category). Index 0 is the demo merchant account's shop.
pub(super) const MERCHANTS: &[(&str, &str)] = &[
    ("老王家常菜馆", "餐饮服务"),
    ("李记牛肉面", "餐饮服务"),
    ("福满楼酒家", "餐饮服务"),
    ("小城故事奶茶店", "餐饮服务"),
    ("鲜丰水果超市", "食品销售"),
    ("好又多便利店", "食品销售"),
    ("悦来客栈", "住宿服务"),
    ("丽人美发工作室", "美容美发"),
    ("张姐麻辣烫", "餐饮服务"),
    ("陈记烧腊", "餐饮服务"),
    ("江南春早餐店", "餐饮服务"),
    ("蜀香川菜馆", "餐饮服务"),
    ("阿强烧烤", "餐饮服务"),
    ("一品豆花", "餐饮服务"),
    ("乡村土菜馆", "餐饮服务"),
    ("老街糕点铺", "食品销售"),
    ("百姓粮油店", "食品销售"),
    ("海鲜码头大排档", "餐饮服务"),
    ("甜蜜蜜蛋糕房", "食品销售"),
    ("兰州拉面", "餐饮服务"),
    ("沙县小吃", "餐饮服务"),
    ("黄焖鸡米饭", "餐饮服务"),
    ("湘味小厨", "餐饮服务"),
    ("粤港茶餐厅", "餐饮服务"),
    ("锦绣宾馆", "住宿服务"),
    ("平安大药房", "药品零售"),
    ("康宁药店", "药品零售"),
    ("时尚丽影美容院", "美容美发"),
    ("金剪刀理发店", "美容美发"),
    ("新华书店老街店", "零售"),
    ("老街百货", "零售"),
    ("绿源生鲜", "食品销售"),
    ("刘记包子铺", "餐饮服务"),
    ("徽州臭鳜鱼馆", "餐饮服务"),
    ("东北饺子馆", "餐饮服务"),
    ("星辰咖啡", "餐饮服务"),
    ("茶香阁茶楼", "餐饮服务"),
    ("快乐汉堡", "餐饮服务"),
    ("晨光文具", "零售"),
    ("滨江渔家乐", "餐饮服务"),
];

pub(super) const AREAS: &[&str] = &["老街片区", "新城片区", "滨江片区", "车站片区"];

/// The town's categories and areas with their English names: declared in the policy the demo
/// loads (`[[categories]]`, `[[areas]]`), so English pages name them in English.
pub(super) const CATEGORY_NAMES: &[(&str, &str)] = &[
    ("餐饮服务", "Food service"),
    ("食品销售", "Food shop"),
    ("住宿服务", "Lodging"),
    ("美容美发", "Hair and beauty"),
    ("药品零售", "Pharmacy"),
    ("零售", "Retail"),
];
pub(super) const AREA_NAMES: &[(&str, &str)] = &[
    ("老街片区", "Old Street"),
    ("新城片区", "New Town"),
    ("滨江片区", "Riverside"),
    ("车站片区", "Station"),
];

/// The policy file `body` with the town's categories and areas declared and `version` as its
/// version.
pub(super) fn with_town_names(body: &str, old_version: &str, version: &str) -> String {
    let mut out = body.replacen(
        &format!("version = \"{old_version}\""),
        &format!("version = \"{version}\""),
        1,
    );
    out.push_str("\n# The demo town's categories and areas (src/services/demo/town.rs).\n");
    for (section, names) in [("categories", CATEGORY_NAMES), ("areas", AREA_NAMES)] {
        for (zh, en) in names {
            out.push_str(&format!(
                "\n[[{section}]]\nname_zh = \"{zh}\"\nname_en = \"{en}\"\n"
            ));
        }
    }
    out
}

pub(super) const STREETS: &[&str] = &["老街", "人民路", "滨江路", "站前路", "文昌路", "解放路"];
pub(super) const CONTACTS: &[&str] = &["王建国", "李秀英", "张伟", "刘芳", "陈强", "杨丽", "赵磊", "黄敏"];

/// A small deterministic generator, so the demo town is the same on every machine.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n` > 0).
    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The demo's calendar: the previous year (`prev`) from 1 January and the current year up to
/// `today`. Stories of the previous year fall on fixed days; those of the current year on a
/// share of the days gone by, so the town has the same shape whatever day it is loaded on.
#[derive(Debug, Clone, Copy)]
pub(super) struct Calendar {
    pub(super) today: NaiveDate,
    /// The previous calendar year.
    pub(super) prev: i32,
    /// 1 January of the previous year: the demo's history starts here.
    pub(super) start: NaiveDate,
    /// 1 January of the current year.
    pub(super) new_year: NaiveDate,
}

impl Calendar {
    pub(super) fn new(today: NaiveDate) -> Self {
        let prev = today.year() - 1;
        let jan1 = |y| NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or(today);
        Calendar {
            today,
            prev,
            start: jan1(prev),
            new_year: jan1(today.year()),
        }
    }

    /// A day of the previous year (days past a short month's end fall on its last day).
    pub(super) fn prev_year(&self, month: u32, day: u32) -> NaiveDate {
        (1..=day)
            .rev()
            .find_map(|d| NaiveDate::from_ymd_opt(self.prev, month, d))
            .unwrap_or(self.start)
    }

    /// The day `permille` thousandths of the way from 1 January of the current year to today.
    pub(super) fn this_year(&self, permille: i64) -> NaiveDate {
        let span = (self.today - self.new_year).num_days();
        self.new_year + Duration::days(span * permille.clamp(0, 1000) / 1000)
    }

    /// Whether `day` lies in the previous year.
    pub(super) fn in_prev_year(&self, day: NaiveDate) -> bool {
        day.year() == self.prev
    }

    /// The days the red and black lists were published (红黑榜): the first of every even month,
    /// from February of the previous year up to the last one before today.
    pub(super) fn edition_days(&self) -> Vec<NaiveDate> {
        (self.prev..=self.today.year())
            .flat_map(|y| {
                (2..=12)
                    .step_by(2)
                    .filter_map(move |m| NaiveDate::from_ymd_opt(y, m, 1))
            })
            .filter(|d| *d < self.today)
            .collect()
    }
}

/// How well a merchant keeps its premises, which sets its inspection scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Quality {
    /// One or two small deductions: 96 points and more.
    Good,
    /// Three or four real deductions.
    Middling,
    /// Half the checklist, heavily.
    Poor,
}

/// The quality of merchant `i` in the previous year (`this_year` false) or the current one.
/// Most keep theirs; 丽人美发工作室 (7) gets better and 老街百货 (30) slips.
pub(super) fn quality(i: usize, this_year: bool) -> Quality {
    match (i, this_year) {
        (7, true) => Quality::Good,
        (30, true) => Quality::Middling,
        _ => match i % 10 {
            0..=4 => Quality::Good,
            5..=7 => Quality::Middling,
            _ => Quality::Poor,
        },
    }
}

/// Merchant `i`'s membership of the alliance: (member since, left on). Most joined before the
/// previous year; 沙县小吃 (20) and 黄焖鸡米饭 (21) join during it, 粤港茶餐厅 (23) and 锦绣宾馆 (24)
/// this year; 小城故事奶茶店 (3) leaves in the previous year and 阿强烧烤 (12) this year; every
/// tenth merchant (9, 19, 29, 39) never joins.
pub(super) fn membership(i: usize, cal: &Calendar) -> (Option<NaiveDate>, Option<NaiveDate>) {
    let long_ago = cal.start - Duration::days(60 + 41 * i as i64);
    match i {
        _ if i % 10 == 9 => (None, None),
        20 => (Some(cal.prev_year(3, 15)), None),
        21 => (Some(cal.prev_year(7, 1)), None),
        23 => (Some(cal.this_year(200)), None),
        24 => (Some(cal.this_year(600)), None),
        3 => (Some(long_ago), Some(cal.prev_year(9, 15))),
        12 => (Some(long_ago), Some(cal.this_year(500))),
        _ => (Some(long_ago), None),
    }
}

/// Checklist deductions for an inspection of a merchant of quality `q`: (item code, points).
pub(super) fn deductions(rng: &mut Rng, policy: &Policy, q: Quality) -> Vec<(String, i32)> {
    let wanted = match q {
        Quality::Good => 1,
        Quality::Middling => 3,
        Quality::Poor => 5,
    } + rng.below(2) as usize;
    let mut items = Vec::new();
    for item in &policy.checklist {
        if items.len() >= wanted {
            break;
        }
        if rng.below(3) == 0 {
            let max = item.points.max(1) as u64;
            let d = match q {
                Quality::Good => 1 + rng.below(2.min(max)),
                Quality::Middling => 2 + rng.below(max.saturating_sub(1).max(1)),
                Quality::Poor => max / 2 + rng.below(max / 2 + 1),
            };
            items.push((item.code.clone(), (d as i32).min(item.points)));
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_town_names_every_category_and_area_it_uses() {
        use crate::domain::policy::{Policy, DEFAULT_POLICY_TOML};
        let p = Policy::from_toml(&with_town_names(DEFAULT_POLICY_TOML, "2025.1", "2025.1+demo")).unwrap();
        assert_eq!(p.version, "2025.1+demo");
        for (_, category) in MERCHANTS {
            assert!(p.category(category).is_some(), "{category}");
        }
        for area in AREAS {
            assert!(p.area(area).is_some(), "{area}");
        }
    }

    #[test]
    fn editions_fall_on_the_first_of_even_months_before_today() {
        let cal = Calendar::new(d("2026-11-30"));
        let days: Vec<String> = cal.edition_days().iter().map(|d| d.to_string()).collect();
        assert_eq!(days.len(), 11, "{days:?}");
        assert_eq!(days[0], "2025-02-01");
        assert_eq!(days[5], "2025-12-01");
        assert_eq!(days[10], "2026-10-01");
        // On an edition day, that day's edition is still to come.
        assert_eq!(Calendar::new(d("2026-12-01")).edition_days().len(), 11);
        assert_eq!(Calendar::new(d("2026-12-02")).edition_days().len(), 12);
        assert_eq!(Calendar::new(d("2026-01-01")).edition_days().len(), 6);
    }

    #[test]
    fn this_year_stays_between_new_year_and_today() {
        for today in ["2026-01-01", "2026-01-02", "2026-06-30", "2028-12-31"] {
            let cal = Calendar::new(d(today));
            assert_eq!(cal.this_year(0), cal.new_year);
            assert_eq!(cal.this_year(1000), cal.today);
            assert!(cal.this_year(500) >= cal.new_year && cal.this_year(500) <= cal.today);
        }
        let leap = Calendar::new(d("2025-03-01"));
        assert_eq!(leap.prev_year(2, 30), d("2024-02-29"));
    }

    #[test]
    fn membership_ends_after_it_starts() {
        for today in ["2026-01-01", "2026-11-30"] {
            let cal = Calendar::new(d(today));
            for i in 0..MERCHANTS.len() {
                if let (Some(since), Some(left)) = membership(i, &cal) {
                    assert!(since <= left && left <= cal.today, "{i}: {since} {left}");
                }
            }
        }
    }
}
