//! The demo's bulletins (政策宣传): three notes from the committee — to every member and to one
//! area — sent over the last weeks, with the receipts of the members who read them (in the portal
//! or through the email's link) and the reminders of those who did not, so the read rates, the
//! lists of who has not read and the statistics' curves show out of the box. No email is queued:
//! they went out long ago.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::town::{Calendar, AREAS};
use super::Town;
use crate::db::models::bulletin::{Bulletin, NewBulletin, NewRecipient, Recipient};
use crate::db::schema::bulletin_recipients;
use crate::db::DbConn;
use crate::services::bulletins::{members_in, Audience};

/// (title, Markdown body, audience, days ago, remind after days, read by ‰ of recipients).
type Spec = (&'static str, &'static str, Audience, i64, i32, u64);

fn specs() -> Vec<Spec> {
    vec![
        (
            "关于开展食品安全月活动的通知",
            "各成员商家：\n\n\
             为提升全镇餐饮和食品经营的安全水平，联盟委员会决定在本月开展**食品安全月**活动。\n\n\
             ## 活动内容\n\n\
             - 每家商家完成一次**自查**，并在商家平台提交自查记录；\n\
             - 后厨张贴最新的《食品安全操作规范》；\n\
             - 参加联盟组织的食品安全快速检测培训（时间另行通知）。\n\n\
             自查中发现的问题请在两周内整改。活动期间表现突出的商家，将在年度表彰中予以考虑。\n\n\
             联盟委员会",
            Audience::All,
            40,
            7,
            820,
        ),
        (
            "关于明码标价新规的宣传",
            "老街片区各成员商家：\n\n\
             根据《明码标价和禁止价格欺诈规定》，自下月起：\n\n\
             1. 所有商品和服务须**明码标价**，价签标明品名、计价单位和价格；\n\
             2. 不得在标价之外加价收取任何未标明的费用；\n\
             3. 菜单、价目表须放在顾客进门即可看到的位置。\n\n\
             老街是游客最集中的片区，请各商家在本周内对照检查。有疑问可联系联盟委员会。",
            Audience::Area(AREAS[0].to_string()),
            12,
            7,
            640,
        ),
        (
            "关于冬季燃气安全专项检查的提醒",
            "各成员商家：\n\n\
             入冬以来燃气使用增多。联盟将配合镇应急办在下周开展**燃气安全专项检查**，重点查看：\n\n\
             - 燃气报警器是否安装并有效；\n\
             - 软管是否老化、是否超过两年；\n\
             - 后厨是否配备灭火器和灭火毯。\n\n\
             请提前自查，检查当天请安排熟悉情况的人员在店。",
            Audience::All,
            2,
            7,
            350,
        ),
    ]
}

/// Writes the demo's bulletins with their recipients, receipts and reminders.
pub(super) fn bulletins(c: &mut DbConn, town: &mut Town, cal: &Calendar) -> anyhow::Result<()> {
    for (n, (title, body, audience, days_ago, remind, read_permille)) in specs().into_iter().enumerate() {
        let day = cal.today - Duration::days(days_ago);
        // Sent at 10:00 Beijing time.
        let sent_at: NaiveDateTime = day.and_hms_opt(2, 0, 0).unwrap_or_default();
        let new = NewBulletin {
            title: title.into(),
            body: body.into(),
            audience_kind: audience.kind().into(),
            audience_value: audience.value().into(),
            attachment_name: None,
            attachment_type: None,
            attachment_key: None,
            attachment_size: None,
            remind_after_days: remind,
            sent_at,
            sent_by: Some(town.committee),
        };
        let id = Bulletin::insert(c, &new)?;
        let members = members_in(c, &audience, day)?;
        let count = members.len() as u64;
        for (k, m) in members.iter().enumerate() {
            let rid = Recipient::insert(
                c,
                &NewRecipient {
                    bulletin_id: id,
                    merchant_id: m.id,
                    address: Some(m.email.clone()).filter(|e| !e.is_empty()),
                    language: "zh-CN".into(),
                },
            )?;
            // The first readers come on the first day, the rest over the following days; the
            // demo's own merchant (the first) has not read the newest yet.
            let rank = (k as u64 * 7 + n as u64 * 3) % count.max(1);
            let reads = rank * 1000 < read_permille * count && !(k == 0 && days_ago < 7);
            let hours = (rank * rank * 3 + 1) as i64 % ((days_ago - 1) * 24).max(1);
            let read_at = sent_at + Duration::hours(hours) + Duration::minutes((k as i64 * 13) % 60);
            let reminder_at = sent_at + Duration::days(i64::from(remind));
            let reminded = remind > 0 && days_ago >= i64::from(remind) && (!reads || read_at > reminder_at);
            if reads || reminded {
                diesel::update(bulletin_recipients::table.find(rid))
                    .set((
                        bulletin_recipients::read_at.eq(reads.then_some(read_at)),
                        bulletin_recipients::read_via.eq(reads.then_some(if k % 3 == 0 {
                            "portal"
                        } else {
                            "email"
                        })),
                        bulletin_recipients::reminded_at.eq(reminded.then_some(reminder_at)),
                    ))
                    .execute(c)?;
            }
        }
        town.log(
            "bulletin.send",
            "bulletin",
            Some(id),
            serde_json::json!({
                "title": title, "audience": audience.form_value(), "recipients": members.len(),
            }),
        );
    }
    Ok(())
}
