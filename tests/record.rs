//! The public merchant record reads (issue 14): rectification notices with their outcome in plain
//! words, disclosed violations with their status, the way off the black list with its dates, and
//! a rating history chart (axes, dates, a text alternative) recomputed from what happened — in
//! both languages, with no internal id, and the cached page follows a notice's life.

mod common;

use chrono::{Duration, NaiveDate};
use common::TestApp;
use diesel::prelude::*;
use gongzhi::db::models::audit::Actor;
use gongzhi::db::models::inspection::{Inspection, NewInspection};
use gongzhi::db::models::merchant::{Merchant, NewMerchant};
use gongzhi::db::models::now_utc;
use gongzhi::db::schema::{notices, rating_snapshots};
use gongzhi::domain::words::NoticeState;
use gongzhi::i18n::words::long_date;
use gongzhi::i18n::Lang;
use gongzhi::services::notices::{AnswerDraft, DecisionDraft};

/// The record's `<article>` only (the header carries the site's name and the language switch).
fn article(body: &str) -> &str {
    let a = body.find("<article").expect("an article");
    let b = body.find("</article>").expect("its end");
    &body[a..b]
}

/// What a reader sees: the article without tags, the chart, or text marked `translate="no"`
/// (names and what people typed).
fn visible(body: &str, keep_untranslated: bool) -> String {
    let mut s = article(body).to_string();
    // The chart's own text is checked separately; its markup holds colours like #B3261E.
    while let (Some(a), Some(b)) = (s.find("<svg"), s.find("</svg>")) {
        s.replace_range(a..b + 6, " ");
    }
    if !keep_untranslated {
        while let Some(a) = s.find(" translate=\"no\"") {
            let open = s[..a].rfind('<').unwrap();
            let tag: String = s[open + 1..]
                .chars()
                .take_while(|c| c.is_alphanumeric())
                .collect();
            let close = format!("</{tag}>");
            let end = a + s[a..].find(&close).unwrap() + close.len();
            s.replace_range(open..end, " ");
        }
    }
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn page(app: &TestApp, id: i32, lang: &str) -> String {
    let (s, body) = app.get_text(&format!("/merchants/{id}?lang={lang}"));
    assert_eq!(s, 200, "/merchants/{id}");
    body
}

fn no_internal_ids(body: &str) {
    let text = visible(body, true);
    for (i, _) in text.match_indices('#') {
        let next = text[i + 1..].chars().next().unwrap_or(' ');
        assert!(
            !next.is_ascii_digit(),
            "an internal id shows: …{}…",
            &text[i.saturating_sub(40)..]
        );
    }
    for word in ["记录 #", "整改通知 #", "notice_id", "violation_id"] {
        assert!(!body.contains(word), "{word} on the page");
    }
}

fn no_chinese(body: &str) {
    let text = visible(body, false);
    let cjk: String = text
        .chars()
        .filter(|c| ('\u{3000}'..='\u{9fff}').contains(c) || ('\u{ff00}'..='\u{ffef}').contains(c))
        .collect();
    assert!(cjk.is_empty(), "Chinese on the English record: {cjk:?} in {text}");
}

/// A merchant's notices that are not verified, newest first.
fn open_notices(app: &TestApp, merchant: i32) -> Vec<i32> {
    notices::table
        .filter(notices::merchant_id.eq(merchant))
        .filter(notices::state.ne(NoticeState::Verified))
        .order(notices::id.desc())
        .select(notices::id)
        .load(&mut *app.conn())
        .unwrap()
}

#[test]
fn notices_read_their_outcome_in_every_state_and_the_cache_follows() {
    let app = TestApp::spawn_with_config(true, &[("GONGZHI_PUBLIC_RECHECK_MS", "0")], false);
    // 一品豆花 (14): a serious violation whose notice is overdue.
    let en = page(&app, 14, "en");
    assert!(en.contains("Rectification notices"));
    assert!(en.contains("Overdue since"), "{}", visible(&en, true));
    assert!(
        en.contains("Rectification overdue since"),
        "the violation's status"
    );
    let zh = page(&app, 14, "zh");
    assert!(zh.contains("整改〔"), "the public document number, as written");
    assert!(zh.contains("起逾期，尚未整改验收"));
    // 金剪刀理发店 (29): one notice verified after its deadline, one open.
    let en = page(&app, 29, "en");
    assert!(en.contains("Fixed late: verified on"), "{}", visible(&en, true));
    assert!(en.contains("Open, due by"));
    assert!(en.contains("Rectified late, verified on"));
    assert!(en.contains("Rectification due by"));
    assert!(en.contains("No. "), "the number in English words");
    // Verified by the deadline (a major violation found this year).
    let on_time = (1..=40)
        .find(|id| page(&app, *id, "en").contains("Fixed and verified on"))
        .expect("a merchant with a notice verified on time");
    assert!(page(&app, on_time, "en").contains("Rectified and verified on"));
    for id in [14, 29, on_time] {
        for lang in ["zh", "en"] {
            no_internal_ids(&page(&app, id, lang));
        }
    }

    // The merchant answers the open notice: the page says so at once (a new version).
    let nid = open_notices(&app, 29)[0];
    let tag = |app: &TestApp| {
        app.get("/merchants/29?lang=en").headers()["etag"]
            .to_str()
            .unwrap()
            .to_string()
    };
    let before = tag(&app);
    let today = app.config.today();
    let version = |app: &TestApp| {
        gongzhi::services::records::record_version(&mut app.conn(), 29, today)
            .unwrap()
            .unwrap()
    };
    let v0 = version(&app);
    let actor = Actor::system("test");
    gongzhi::services::notices::answer(
        &mut app.conn(),
        app.uploads.path(),
        &app.base,
        nid,
        29,
        &actor,
        &AnswerDraft {
            body: "冷藏柜已更换，温度记录已补齐。".into(),
            wants_follow_up: false,
            photos: Vec::new(),
        },
    )
    .unwrap();
    let v1 = version(&app);
    assert_ne!(v0, v1, "an answer changes the record's version");
    let answered = tag(&app);
    assert_ne!(before, answered);
    let en = page(&app, 29, "en");
    assert!(
        visible(&en, true).contains("Answered, awaiting the inspector"),
        "{en}"
    );
    assert!(
        !en.contains("冷藏柜已更换"),
        "the merchant's answer is not public"
    );

    // The inspector accepts: verified, and the page changes again.
    let policy = gongzhi::services::policy::active_policy(&mut app.conn()).unwrap();
    gongzhi::services::notices::decide(
        &mut app.conn(),
        &policy,
        &app.base,
        today,
        nid,
        &actor,
        &DecisionDraft {
            accept: true,
            reason: String::new(),
            new_deadline: String::new(),
        },
    )
    .unwrap();
    assert_ne!(v1, version(&app), "a verification changes the record's version");
    assert_ne!(answered, tag(&app), "a verified notice changes the page");
    let en = page(&app, 29, "en");
    assert!(!en.contains("Open, due by") && !en.contains("Answered, awaiting"));
    assert!(en.contains(&format!("Fixed and verified on {}", long_date(today, Lang::En))));
    assert!(en.contains(&format!(
        "Rectified and verified on {}",
        long_date(today, Lang::En)
    )));
}

#[test]
fn a_notice_past_its_deadline_reads_overdue_before_the_nightly_job_and_the_version_knows() {
    let app = TestApp::spawn_with_config(true, &[("GONGZHI_PUBLIC_RECHECK_MS", "0")], false);
    let nid = open_notices(&app, 29)[0];
    let deadline: NaiveDate = notices::table
        .find(nid)
        .select(notices::deadline)
        .first(&mut *app.conn())
        .unwrap();
    let v = |day| {
        gongzhi::services::records::record_version(&mut app.conn(), 29, day)
            .unwrap()
            .unwrap()
    };
    assert_eq!(
        v(deadline - Duration::days(1)),
        v(deadline),
        "nothing changes while it is due"
    );
    assert_ne!(
        v(deadline),
        v(deadline + Duration::days(1)),
        "the day after the deadline it is overdue"
    );
}

#[test]
fn a_black_listed_merchant_is_told_the_way_out_with_its_dates() {
    let app = TestApp::spawn();
    let en = page(&app, 14, "en");
    let text = visible(&en, true);
    assert!(text.contains("To leave the black list"), "{text}");
    assert!(
        text.contains("get the overdue rectification notice fixed and verified"),
        "{text}"
    );
    assert!(
        text.contains("pass a follow-up inspection (score 60 or more) after"),
        "{text}"
    );
    assert!(text.contains("days after the serious violation of"), "{text}");
    // The reasons read in words with the record's dates, no ids.
    assert!(text.contains("serious violation on "), "{text}");
    no_chinese(&en);
    let zh = page(&app, 14, "zh");
    let text = visible(&zh, true);
    assert!(text.contains("如何移出黑榜"), "{text}");
    assert!(text.contains("之后通过一次复查（不低于60分）"), "{text}");
    assert!(text.contains("起方可移出"), "{text}");
    assert!(text.contains("年") && text.contains("月") && text.contains("日"));
    // A merchant on no list is told nothing of the kind.
    assert!(!page(&app, 1, "en").contains("To leave the black list"));
}

#[test]
fn the_history_chart_has_axes_dates_and_a_table_even_without_snapshots() {
    let app = TestApp::spawn_with(false);
    let today = app.config.today();
    let id = {
        let mut conn = app.conn();
        let c = &mut *conn;
        let now = now_utc();
        let id = Merchant::insert(
            c,
            &NewMerchant {
                name: "新来的面馆".into(),
                credit_code: None,
                category: "餐饮服务".into(),
                address: "新城片区一号".into(),
                area: "新城片区".into(),
                contact_name: String::new(),
                email: "new@shop.test".into(),
                phone: String::new(),
                member_since: None,
                member_left_on: None,
                external_source: None,
                external_id: None,
                created_at: now,
                updated_at: now,
            },
        )
        .unwrap();
        for (days, score) in [(200, 72), (120, 88), (30, 95)] {
            let on = today - Duration::days(days);
            Inspection::insert(
                c,
                &NewInspection::scored(id, on, "routine".parse().unwrap(), score),
            )
            .unwrap();
        }
        id
    };
    let snapshots: i64 = rating_snapshots::table
        .filter(rating_snapshots::merchant_id.eq(id))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(snapshots, 0, "an imported merchant: no stored rating");
    for (lang, l, table) in [
        ("zh", Lang::Zh, "评分历史（表格）"),
        ("en", Lang::En, "Rating history as a table"),
    ] {
        let body = page(&app, id, lang);
        let a = article(&body);
        assert!(
            a.contains("<svg class=\"report-chart timeline-chart\""),
            "a chart: {a}"
        );
        assert!(a.contains("role=\"img\"") && a.contains("<title id=\"chart-history-title\">"));
        assert_eq!(a.matches("<circle").count(), 4, "three inspections and today");
        let score = if lang == "zh" { "评分" } else { "Score" };
        assert!(
            a.contains(&format!("\n{score}\n</text>")),
            "the value axis is named"
        );
        assert!(a.contains("\n100\n</text>"), "the value axis has values");
        assert!(
            a.contains(&format!(
                "\n{}\n</text>",
                long_date(today - Duration::days(200), l)
            )),
            "the time axis is labelled with dates"
        );
        assert!(a.contains("<details>") && a.contains(table), "a text alternative");
        // Every inspection day, and today, in the reader's format, with its score.
        for days in [200, 120, 30, 0] {
            assert!(
                a.contains(&long_date(today - Duration::days(days), l)),
                "{days} days ago"
            );
        }
        assert!(
            a.contains("<td>72.0</td>") && a.contains("<td>80.0</td>"),
            "the means as of each day"
        );
        if lang == "en" {
            no_chinese(&body);
        }
        no_internal_ids(&body);
    }
}

#[test]
fn the_english_records_speak_english_apart_from_names_and_typed_text() {
    let app = TestApp::spawn();
    for id in [1, 9, 14, 15, 19, 29, 36] {
        let body = page(&app, id, "en");
        no_chinese(&body);
        no_internal_ids(&body);
        let zh = page(&app, id, "zh");
        no_internal_ids(&zh);
        assert!(!zh.contains("Rating history") && !zh.contains("Overdue since"));
    }
}

/// The record's history is built from the notices, violations and inspections the record read
/// (the rest read apart): it must give, point for point, what the engine gives from a full
/// history load — for every demo merchant, and for one with more inspections than the record
/// shows (so that its history reads them all).
#[test]
fn the_history_from_what_the_record_read_is_the_engines_from_a_full_load() {
    use gongzhi::domain::rating::rate;
    use gongzhi::services::records::{self, HISTORY_POINTS, RECORD_INSPECTIONS};
    let app = TestApp::spawn_with(true);
    let today = app.config.today();
    let mut conn = app.conn();
    let c = &mut *conn;
    let ids: Vec<i32> = gongzhi::db::schema::merchants::table
        .select(gongzhi::db::schema::merchants::id)
        .order(gongzhi::db::schema::merchants::id)
        .load(c)
        .unwrap();
    let busy = ids[0];
    for days in 0..RECORD_INSPECTIONS + 5 {
        let on = today - Duration::days(40 + 13 * days);
        let score = 50 + (days * 7 % 50) as i32;
        Inspection::insert(
            c,
            &NewInspection::scored(busy, on, "routine".parse().unwrap(), score),
        )
        .unwrap();
    }
    let policy = gongzhi::services::policy::active_policy(c).unwrap();
    let tz = app.config.time_zone;
    let mut merchants = 0;
    let mut skipped = false;
    for &id in &ids {
        let rec = records::merchant_record(c, id).unwrap().unwrap();
        let m = &rec.merchant;
        let got = records::record_details(c, &rec, records::Present::UNKNOWN, &policy, today, tz).unwrap();
        // What the version counted spares queries, never rows.
        let present = records::record_version(c, id, today).unwrap().unwrap().present();
        let spared = records::merchant_record_of(c, id, present).unwrap().unwrap();
        assert_eq!(format!("{spared:?}"), format!("{rec:?}"), "merchant {id}");
        let spared = records::record_details(c, &spared, present, &policy, today, tz).unwrap();
        assert_eq!(format!("{spared:?}"), format!("{got:?}"), "merchant {id}");
        skipped |= present != records::Present::UNKNOWN;
        let mut h = gongzhi::services::histories::load_histories(c, Some(&[m.id]), today)
            .unwrap()
            .remove(&m.id)
            .unwrap();
        let last = rec.rating.as_ref().map_or(today, |r| r.as_of);
        let mut days: Vec<NaiveDate> = h
            .inspections
            .iter()
            .map(|i| i.date)
            .filter(|d| *d < last)
            .collect();
        days.sort_unstable();
        days.dedup();
        let days = &days[days.len().saturating_sub(HISTORY_POINTS)..];
        assert_eq!(got.history.len(), days.len() + 1, "merchant {}", m.id);
        for (p, d) in got.history.iter().zip(days) {
            h.alliance_member = m.is_member_on(*d);
            let want = rate(&h, &policy, *d);
            assert_eq!(
                (p.as_of, p.score_tenths, p.stars, p.list),
                (
                    want.as_of,
                    want.score_tenths,
                    want.stars.map(i32::from),
                    want.list
                ),
                "merchant {} on {d}",
                m.id
            );
        }
        if rec.rating.is_none() {
            h.alliance_member = m.is_member_on(today);
            let want = rate(&h, &policy, today);
            let r = got.today_rating.expect("the rating as of today");
            assert_eq!(
                (r.score_tenths, r.stars, r.list, &r.list_reasons),
                (want.score_tenths, want.stars, want.list, &want.list_reasons)
            );
        }
        merchants += 1;
    }
    assert!(merchants > 5, "the demo town has merchants");
    assert!(skipped, "some demo merchant has an empty table");
    let rec = records::merchant_record(c, busy).unwrap().unwrap();
    assert_eq!(
        rec.inspections.len() as i64,
        RECORD_INSPECTIONS,
        "the record shows its most"
    );
}
