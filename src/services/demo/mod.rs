//! The demo town: about forty merchants of several kinds, a year of inspections, a few
//! violations, notices (one overdue), trainings, rewards and the accounts to look at it all.
//! Loaded by `gongzhi demo` and on the first start of an empty database.

use chrono::{Datelike, Duration, NaiveDate};

use crate::config::Config;
use crate::db::models::audit::{self, Actor, Change};
use crate::db::models::inspection::{Inspection, NewInspection, NewItem, NewViolation};
use crate::db::models::merchant::{Merchant, NewMerchant};
use crate::db::models::notice::{format_number, NewNotice, Notice};
use crate::db::models::training::{self, NewTraining};
use crate::db::models::{now_utc, write_tx};
use crate::db::schema::rewards;
use crate::db::DbConn;
use crate::domain::credit_code::CreditCode;
use crate::domain::policy::Policy;
use crate::services::users::{add_user_unchecked_password, UserSpec};
use diesel::prelude::*;

/// The demo accounts' password; the start-up banner and README show it. Turn the demo off in
/// production with `GONGZHI_DEMO=false`; `serve` refuses to expose accounts that still have it on
/// an address other than loopback unless `GONGZHI_DEMO=true` is set on purpose.
pub const DEMO_PASSWORD: &str = "gongzhi-demo";

/// The demo accounts: (user name, role, what it is for).
pub const DEMO_ACCOUNTS: &[(&str, &str, &str)] = &[
    ("admin", "admin", "管理员 administrator"),
    ("committee", "committee", "联盟委员会 alliance committee"),
    ("inspector", "inspector", "检查员 inspector"),
    ("merchant", "merchant", "商家 merchant (老王家常菜馆)"),
];

const MERCHANTS: &[(&str, &str)] = &[
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

const AREAS: &[&str] = &["老街片区", "新城片区", "滨江片区", "车站片区"];
const STREETS: &[&str] = &["老街", "人民路", "滨江路", "站前路", "文昌路", "解放路"];
const CONTACTS: &[&str] = &["王建国", "李秀英", "张伟", "刘芳", "陈强", "杨丽", "赵磊", "黄敏"];

/// A small deterministic generator, so the demo town is the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Loads the demo town when the database has no merchants; returns whether it did.
pub fn load_if_empty(conn: &mut DbConn, policy: &Policy, config: &Config) -> anyhow::Result<bool> {
    if Merchant::count(conn)? > 0 {
        return Ok(false);
    }
    load(conn, policy, config.today(), &config.base_url)?;
    Ok(true)
}

/// The demo accounts that can still be entered with the published demo password (active, and
/// the password unchanged), by user name.
pub fn accounts_with_demo_password(conn: &mut DbConn) -> anyhow::Result<Vec<String>> {
    let mut found = Vec::new();
    for (username, _, _) in DEMO_ACCOUNTS {
        if let Some(u) = crate::db::models::user::User::find_by_username(conn, username)? {
            if u.active && crate::services::auth::verify_password(DEMO_PASSWORD, &u.password_hash) {
                found.push(u.username);
            }
        }
    }
    Ok(found)
}

fn created<T: serde::Serialize>(
    c: &mut DbConn,
    actor: &Actor,
    entity: &str,
    id: i32,
    value: &T,
) -> anyhow::Result<()> {
    audit::append(
        c,
        actor,
        Change {
            action: &format!("{entity}.create"),
            entity,
            entity_id: Some(id.to_string()),
            before: None,
            after: Some(serde_json::to_value(value)?),
        },
    )?;
    Ok(())
}

/// Writes the demo town as of `today`, in one transaction, then rates every merchant.
pub fn load(conn: &mut DbConn, policy: &Policy, today: NaiveDate, base_url: &str) -> anyhow::Result<()> {
    let actor = Actor::system("demo");
    let mut rng = Rng(0x6f6e_677a_6869_2026);
    let now = now_utc();
    write_tx(conn, |c| -> anyhow::Result<()> {
        let mut merchant_ids = Vec::new();
        for (i, (name, category)) in MERCHANTS.iter().enumerate() {
            let area = AREAS[i % AREAS.len()];
            let street = STREETS[rng.below(STREETS.len() as u64) as usize];
            let new = NewMerchant {
                name: (*name).into(),
                credit_code: Some(CreditCode::generate(1_000 + i as u64 * 7919).as_str().to_string()),
                category: (*category).into(),
                address: format!("{area}{street}{}号", 1 + rng.below(200)),
                area: area.into(),
                contact_name: CONTACTS[i % CONTACTS.len()].into(),
                email: format!("shop{:02}@merchants.gongzhi.localhost", i + 1),
                phone: format!("1380571{:04}", 1000 + i),
                // Four merchants are not (yet) alliance members.
                member_since: (i % 10 != 9).then(|| today - Duration::days(400 + 17 * i as i64)),
                external_source: None,
                external_id: None,
                created_at: now,
                updated_at: now,
            };
            let id = Merchant::insert(c, &new)?;
            created(c, &actor, "merchant", id, &new)?;
            merchant_ids.push(id);
        }

        let mut users = Vec::new();
        for (username, role, display) in DEMO_ACCOUNTS {
            let spec = UserSpec {
                username,
                password: DEMO_PASSWORD,
                role,
                merchant_id: (*role == "merchant").then_some(merchant_ids[0]),
                display_name: display,
                email: &format!("{username}@gongzhi.localhost"),
            };
            users.push(add_user_unchecked_password(c, &actor, &spec).map_err(|e| anyhow::anyhow!("{e}"))?);
        }
        let inspector = users[2];

        for (i, &mid) in merchant_ids.iter().enumerate() {
            // A profile per merchant: most are good, some middling, a few poor.
            let quality = match i % 10 {
                0..=4 => 0,
                5..=7 => 1,
                _ => 2,
            };
            let count = 2 + rng.below(3) as i64;
            let mut last: Option<(i32, NaiveDate)> = None;
            for k in 0..count {
                let day = today - Duration::days(20 + (k * 330 / count) + rng.below(25) as i64);
                let mut items = Vec::new();
                let deductions_wanted = [1, 3, 5][quality] + rng.below(2) as usize;
                for item in policy.checklist.iter() {
                    if items.len() >= deductions_wanted {
                        break;
                    }
                    if rng.below(3) == 0 {
                        let max = item.points.max(1) as u64;
                        let d = match quality {
                            0 => 1 + rng.below(2.min(max)),
                            1 => 2 + rng.below(max.saturating_sub(1).max(1)),
                            _ => max / 2 + rng.below(max / 2 + 1),
                        };
                        items.push((item.code.clone(), (d as i32).min(item.points)));
                    }
                }
                let pairs: Vec<(&str, i32)> = items.iter().map(|(c, d)| (c.as_str(), *d)).collect();
                let score = policy
                    .score_inspection(&pairs)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                let new = NewInspection {
                    merchant_id: mid,
                    inspector_id: Some(inspector),
                    inspected_on: day,
                    kind: if k == 0 && rng.below(4) == 0 {
                        "self_check"
                    } else {
                        "routine"
                    }
                    .into(),
                    score,
                    notes: String::new(),
                    fhrs_hygiene: None,
                    fhrs_structural: None,
                    fhrs_confidence: None,
                    published_rating: None,
                    external_ref: None,
                    created_at: now,
                    updated_at: now,
                };
                let iid = Inspection::insert(c, &new)?;
                let rows: Vec<NewItem> = items
                    .iter()
                    .map(|(code, d)| NewItem {
                        inspection_id: iid,
                        item_code: code.clone(),
                        deduction: *d,
                        note: String::new(),
                    })
                    .collect();
                Inspection::insert_items(c, &rows)?;
                created(c, &actor, "inspection", iid, &(&new, &rows))?;
                if last.is_none_or(|(_, d)| day > d) {
                    last = Some((iid, day));
                }
            }

            // Violations and notices for a few merchants, each telling a different story.
            let Some((iid, day)) = last else { continue };
            let story = match i {
                13 => Some(("serious", "overdue")),
                18 => Some(("serious", "verified")),
                9 => Some(("major", "overdue")),
                19 | 28 => Some(("major", "open")),
                // The demo merchant account's own shop has a notice to read and answer.
                0 => Some(("minor", "open")),
                5 | 15 | 25 | 38 => Some(("minor", "verified")),
                _ => None,
            };
            let Some((severity, notice_state)) = story else {
                continue;
            };
            let (code, description, basis, fine) = match severity {
                "serious" => (
                    "V301",
                    "使用超过保质期的食品原料",
                    "《中华人民共和国食品安全法》第三十四条",
                    500_000,
                ),
                "major" => (
                    "V201",
                    "从业人员未取得有效健康证明",
                    "《中华人民共和国食品安全法》第四十五条",
                    200_000,
                ),
                _ => ("V101", "食品原料未离地存放", "《餐饮服务食品安全操作规范》", 0),
            };
            let nv = NewViolation {
                inspection_id: iid,
                merchant_id: mid,
                code: code.into(),
                severity: severity.into(),
                description: description.into(),
                legal_basis: basis.into(),
                fine_fen: fine,
                found_on: day,
                created_at: now,
            };
            let vid = Inspection::insert_violation(c, &nv)?;
            created(c, &actor, "violation", vid, &nv)?;

            let year = day.year();
            let seq = Notice::next_seq(c, year)?;
            let deadline = match notice_state {
                "overdue" => day + Duration::days(7),
                _ => today + Duration::days(10),
            };
            let deadline = if notice_state == "overdue" && deadline >= today {
                today - Duration::days(1)
            } else {
                deadline
            };
            let nn = NewNotice {
                number: format_number(year, seq),
                year,
                seq,
                merchant_id: mid,
                inspection_id: iid,
                issued_by: Some(inspector),
                required_actions: format!(
                    "请于期限内完成整改：{description}。整改完成后在商家平台提交整改说明及照片。"
                ),
                deadline,
                state: match notice_state {
                    "verified" => "verified",
                    "overdue" => "overdue",
                    _ => "issued",
                }
                .into(),
                issued_at: now,
            };
            let nid = Notice::insert(c, &nn, &[vid])?;
            created(c, &actor, "notice", nid, &nn)?;
            if notice_state == "open" {
                // A real email in the outbox: it goes out once SMTP is configured.
                crate::services::notices::queue_issue_email(c, nid, base_url, today)?;
            }
            if notice_state == "verified" {
                let verified_on = (day + Duration::days(5)).min(today);
                crate::db::models::notice::Notice::mark_verified(
                    c,
                    nid,
                    verified_on.and_hms_opt(10, 0, 0).unwrap_or(now),
                )?;
                // The passed follow-up inspection that closes it (复查).
                let fu = NewInspection {
                    merchant_id: mid,
                    inspector_id: Some(inspector),
                    inspected_on: verified_on,
                    kind: "follow_up".into(),
                    score: 92,
                    notes: "复查：已整改到位".into(),
                    fhrs_hygiene: None,
                    fhrs_structural: None,
                    fhrs_confidence: None,
                    published_rating: None,
                    external_ref: None,
                    created_at: now,
                    updated_at: now,
                };
                let fid = Inspection::insert(c, &fu)?;
                Inspection::insert_items(
                    c,
                    &[NewItem {
                        inspection_id: fid,
                        item_code: policy.checklist[0].code.clone(),
                        deduction: 8.min(policy.checklist[0].points),
                        note: String::new(),
                    }],
                )?;
                created(c, &actor, "inspection", fid, &fu)?;
            }
        }

        for (t, (title, days_ago, hours_tenths)) in [
            ("食品安全法规培训", 300_i64, 30),
            ("餐饮服务食品安全操作规范培训", 180, 20),
            ("消防安全与应急处置培训", 60, 15),
        ]
        .into_iter()
        .enumerate()
        {
            let nt = NewTraining {
                title: title.into(),
                held_on: today - Duration::days(days_ago),
                hours_tenths,
                created_by: Some(users[1]),
                created_at: now,
            };
            let tid = training::insert(c, &nt)?;
            created(c, &actor, "training", tid, &nt)?;
            for (i, &mid) in merchant_ids.iter().enumerate() {
                if (i + t) % 3 != 0 {
                    training::add_attendance(c, tid, mid)?;
                }
            }
        }

        for (i, amount) in [
            (0usize, 500_000i64),
            (1, 300_000),
            (2, 300_000),
            (3, 200_000),
            (4, 200_000),
        ] {
            let granted_on = today - Duration::days(45);
            let reason = "年度优秀商家表彰";
            diesel::insert_into(rewards::table)
                .values((
                    rewards::merchant_id.eq(merchant_ids[i]),
                    rewards::amount_fen.eq(amount),
                    rewards::reason.eq(reason),
                    rewards::granted_on.eq(granted_on),
                    rewards::granted_by.eq(Some(users[1])),
                    rewards::created_at.eq(now),
                ))
                .execute(c)?;
            audit::append(
                c,
                &actor,
                Change {
                    action: "reward.create",
                    entity: "reward",
                    entity_id: None,
                    before: None,
                    after: Some(
                        serde_json::json!({"merchant_id": merchant_ids[i], "amount_fen": amount, "reason": reason}),
                    ),
                },
            )?;
        }
        // Rate everyone in the same transaction: the demo town appears whole or not at all.
        crate::services::rating::recompute_in_tx(c, policy, today, &actor, None)?;
        Ok(())
    })
}
