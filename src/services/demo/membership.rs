//! The demo's membership: the charter (盟约) version 1, published by the committee early in the
//! previous year and confirmed by most of today's members (a few still have to, so the
//! committee's "who has not" list and the portal's banner show), and one application waiting
//! in the committee's queue.

use chrono::NaiveDate;

use super::town::Calendar;
use super::Town;
use crate::db::models::audit::Actor;
use crate::db::models::merchant::Merchant;
use crate::db::DbConn;
use crate::domain::credit_code::CreditCode;
use crate::i18n::Lang;
use crate::services::charter::{self, Draft};
use crate::services::membership::{self, ApplicationInput};

/// The charter's text (version 1).
const CHARTER_MD: &str = "\
本盟约由联盟成员商家共同遵守。加入联盟即表示接受本盟约。

## 第一条 诚信经营
守法经营，不欺诈消费者，不以次充好，不做虚假宣传。

## 第二条 明码标价
商品和服务明码标价，价签清楚、足斤足两，不收取标价以外的费用。

## 第三条 食品安全
从正规渠道进货，索证索票；生熟分开，按规定贮存，不使用过期或来源不明的原料。

## 第四条 环境卫生
保持店内外整洁，门前三包，垃圾分类，做好防蝇防鼠。

## 第五条 接受监督
接受联盟检查员的检查和消费者的监督，如实提供情况，不阻挠、不报复投诉人。

## 第六条 参加培训
每年参加联盟组织的培训，了解新的规定和要求。

## 第七条 积极整改
收到整改通知书后按期整改，并在商家平台如实答复。

## 第八条 退出机制
成员可以申请退出联盟，经联盟委员会确认后生效；严重违反本盟约的，由联盟委员会按规定处理并公示。
";

/// Publishes the charter, records the members' confirmations (every fifth member has not
/// confirmed yet) and files one pending application.
pub(super) fn charter_and_applicants(c: &mut DbConn, town: &Town, cal: &Calendar) -> anyhow::Result<()> {
    let committee = Actor::user(town.committee, "committee");
    let published = cal.prev_year(1, 15).and_hms_opt(9, 0, 0).unwrap_or_default();
    charter::publish(
        c,
        &committee,
        &Draft {
            title: "商家自治联盟盟约".into(),
            body: CHARTER_MD.into(),
            changes: String::new(),
        },
        published,
    )
    .map_err(|e| anyhow::anyhow!("the demo's charter: {e}"))?;
    let v = charter::current(c)?.ok_or_else(|| anyhow::anyhow!("no charter"))?;
    let members = charter::members_on(c, town.today)?;
    for (i, (id, _)) in members.iter().enumerate() {
        // The demo's merchant account (the town's first merchant) has confirmed: the banner
        // is for a new version. Others: every fifth has not yet.
        if i % 5 == 4 && *id != town.merchants[0] {
            continue;
        }
        let since: Option<NaiveDate> = Merchant::find(c, *id)?.and_then(|m| m.member_since);
        let at = since
            .map_or(published, |s| s.and_hms_opt(10, 0, 0).unwrap_or(published))
            .max(published);
        charter::record_confirmation(c, v.id, *id, None, at)?;
    }
    // One application waiting for the committee, in a category and area of the town.
    let sample = Merchant::find(c, town.merchants[1])?.ok_or_else(|| anyhow::anyhow!("no merchant"))?;
    let input = ApplicationInput {
        name: "巷口糖水铺".into(),
        credit_code: CreditCode::generate(77_000_001).as_str().to_string(),
        category: sample.category.clone(),
        area: sample.area.clone(),
        address: "古镇老街 52 号".into(),
        contact_name: "陈阿姨".into(),
        email: "tangshui@example.com".into(),
        phone: "0571-88886666".into(),
        accept_charter: v.number.to_string(),
    };
    let policy = crate::services::policy::active_policy(c)?;
    let valid = membership::validate(&input, &policy, Some((v.id, v.number)), Lang::Zh, town.today)
        .map_err(|e| anyhow::anyhow!("the demo's application: {e:?}"))?;
    let now = crate::db::models::now_utc();
    membership::apply(c, &valid, town.today, now)?;
    Ok(())
}
