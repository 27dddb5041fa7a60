//! The email outbox end to end: a real SMTP server (mailin-embedded) listens on 127.0.0.1, the
//! server's outbox worker sends to it, and the tests read what arrived — headers decoded, both
//! MIME parts — and what the outbox, the notices and the admin page say about it.

mod common;

use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::smtp::{wait_for, Smtp};
use common::TestApp;
use diesel::prelude::*;
use gongzhi::db::schema::{audit_log, notices, outbox};
use gongzhi::mail::outbox::{attempts_of, enqueue, find, Attempt, NewMail, OutboxRow};
use gongzhi::mail::render::Rendered;
use gongzhi::mail::transport::Mailer;
use gongzhi::mail::worker::{run_once, Report};
use mailparse::MailHeaderMap;

/// Settings that make the worker poll and retry in a fraction of a second.
const FAST: &[(&str, &str)] = &[
    ("GONGZHI_MAIL_POLL_SECS", "0.1"),
    ("GONGZHI_MAIL_RETRY_BASE_SECS", "0.1"),
    ("GONGZHI_MAIL_RETRY_CAP_SECS", "0.3"),
];

fn env<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut v: Vec<(&str, &str)> = FAST.to_vec();
    v.extend_from_slice(extra);
    v
}

fn rendered(subject: &str) -> Rendered {
    Rendered {
        subject: subject.to_string(),
        text: "您好，这是共治平台的测试邮件。\nHello, this is a gongzhi test email.\n".into(),
        html: "<p>您好，这是共治平台的测试邮件。</p><p>Hello, this is a gongzhi test email.</p>".into(),
    }
}

fn queue(app: &TestApp, kind: &str, to: &str, notice_id: Option<i32>, subject: &str) -> i32 {
    let mut c = app.conn();
    let mail = NewMail {
        kind,
        to,
        notice_id,
        rendered: rendered(subject),
    };
    enqueue(&mut c, mail, &app.config.base_url).unwrap()
}

fn row(app: &TestApp, id: i32) -> OutboxRow {
    find(&mut app.conn(), id).unwrap().unwrap()
}

fn attempts(app: &TestApp, id: i32) -> Vec<Attempt> {
    attempts_of(&mut app.conn(), id).unwrap()
}

fn wait_sent(app: &TestApp, id: i32) -> OutboxRow {
    wait_for(&format!("outbox row {id} to be sent"), || {
        Some(row(app, id)).filter(|r| r.sent_at.is_some())
    })
}

#[test]
fn an_email_arrives_once_with_its_headers_and_both_parts() {
    let smtp = Smtp::start(None);
    let url = smtp.url();
    let app = TestApp::spawn_with_config(
        false,
        &env(&[
            ("GONGZHI_SMTP_URL", &url),
            ("GONGZHI_SMTP_FROM", "共治平台 <noreply@gongzhi.test>"),
        ]),
        true,
    );
    let subject = "整改通知书 整改〔2026〕第0001号 — 一品豆花 / Rectification notice";
    let id = queue(&app, "test.hello", "merchant-a@example.com", None, subject);
    let sent = wait_sent(&app, id);
    assert_eq!(sent.attempts, 1);
    assert!(sent.failed_at.is_none() && sent.last_error.is_none());
    let tries = attempts(&app, id);
    assert_eq!(tries.len(), 1);
    assert!(tries[0].ok && tries[0].error.is_none());

    // A few more polls: still exactly one copy.
    std::thread::sleep(Duration::from_millis(500));
    let got = smtp.with_id(&sent.message_id);
    assert_eq!(got.len(), 1, "exactly one delivery of {}", sent.message_id);
    let m = &got[0];
    assert_eq!(m.envelope_from, "noreply@gongzhi.test");
    assert_eq!(m.envelope_to, vec!["merchant-a@example.com".to_string()]);

    let parsed = mailparse::parse_mail(&m.data).unwrap();
    let h = &parsed.headers;
    assert_eq!(h.get_first_value("Subject").unwrap(), subject);
    let from = h.get_first_value("From").unwrap();
    assert!(
        from.contains("共治平台") && from.contains("<noreply@gongzhi.test>"),
        "{from}"
    );
    assert_eq!(h.get_first_value("To").unwrap().trim(), "merchant-a@example.com");
    assert_eq!(h.get_first_value("Message-ID").unwrap().trim(), sent.message_id);
    assert_eq!(parsed.ctype.mimetype, "multipart/alternative");
    assert_eq!(parsed.subparts.len(), 2);
    let (text, html) = (&parsed.subparts[0], &parsed.subparts[1]);
    assert_eq!(text.ctype.mimetype, "text/plain");
    assert_eq!(html.ctype.mimetype, "text/html");
    let text_body = text.get_body().unwrap();
    assert!(
        text_body.contains("您好，这是共治平台的测试邮件。"),
        "{text_body}"
    );
    assert!(text_body.contains("Hello, this is a gongzhi test email."));
    assert!(html
        .get_body()
        .unwrap()
        .contains("<p>您好，这是共治平台的测试邮件。</p>"));
}

#[test]
fn mail_queued_while_smtp_is_down_all_arrives_once_it_is_up() {
    // A port with nothing listening: every attempt is refused, a transient failure.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("smtp://127.0.0.1:{port}");
    // Transient failures go past max_attempts: they are retried forever.
    let app = TestApp::spawn_with_config(
        false,
        &env(&[("GONGZHI_SMTP_URL", &url), ("GONGZHI_MAIL_MAX_ATTEMPTS", "2")]),
        true,
    );
    let ids: Vec<i32> = (0..5)
        .map(|i| {
            queue(
                &app,
                "test.batch",
                &format!("shop{i}@example.com"),
                None,
                &format!("批量邮件 {i} / Batch mail {i}"),
            )
        })
        .collect();
    for &id in &ids {
        wait_for("three failed attempts each", || {
            let r = row(&app, id);
            (r.attempts >= 3).then_some(())
        });
        let r = row(&app, id);
        assert!(r.sent_at.is_none());
        assert!(
            r.failed_at.is_none(),
            "a refused connection never fails the email"
        );
        assert!(r.last_error.is_some());
        assert!(attempts(&app, id).iter().all(|a| !a.ok && a.error.is_some()));
    }

    // The SMTP server comes up on that port.
    let listener = wait_for("the port to be free again", || {
        TcpListener::bind(("127.0.0.1", port)).ok()
    });
    let smtp = Smtp::start_on(listener, None);
    let sent: Vec<OutboxRow> = ids.iter().map(|&id| wait_sent(&app, id)).collect();
    std::thread::sleep(Duration::from_millis(500));
    for r in &sent {
        assert_eq!(
            smtp.with_id(&r.message_id).len(),
            1,
            "{} arrived exactly once",
            r.message_id
        );
        let tries = attempts(&app, r.id);
        assert_eq!(tries.iter().filter(|a| a.ok).count(), 1);
        assert!(tries.last().unwrap().ok);
        assert_eq!(r.attempts as usize, tries.len());
    }
    assert_eq!(
        smtp.got.lock().unwrap().len(),
        ids.len(),
        "nothing else, nothing twice"
    );
}

#[test]
fn a_rejected_recipient_fails_after_max_attempts_and_the_admin_can_requeue_it() {
    let smtp = Smtp::start(Some("nobody@"));
    let url = smtp.url();
    let app = TestApp::spawn_with_config(
        true,
        &env(&[("GONGZHI_SMTP_URL", &url), ("GONGZHI_MAIL_MAX_ATTEMPTS", "3")]),
        true,
    );
    let bad = queue(
        &app,
        "test.reject",
        "nobody@example.com",
        None,
        "退信测试 / Bounce test",
    );
    let good = queue(&app, "test.accept", "somebody@example.com", None, "正常 / Fine");
    let good_row = wait_sent(&app, good);
    let failed = wait_for("the rejected email to fail", || {
        Some(row(&app, bad)).filter(|r| r.failed_at.is_some())
    });
    assert_eq!(failed.attempts, 3);
    assert!(failed.sent_at.is_none());
    let error = failed.last_error.clone().unwrap();
    assert!(error.contains("550"), "{error}");
    let tries = attempts(&app, bad);
    assert_eq!(tries.len(), 3);
    assert!(tries
        .iter()
        .all(|a| !a.ok && a.error.as_deref().unwrap_or("").contains("550")));
    assert!(smtp.with_id(&failed.message_id).is_empty());
    assert_eq!(smtp.with_id(&good_row.message_id).len(), 1);

    // The admin sees it, with the masked address and the error.
    app.login("admin", "gongzhi-demo");
    let (status, page) = app.get_text("/staff/outbox");
    assert_eq!(status, 200);
    assert!(!page.contains("未配置 SMTP"));
    assert!(page.contains("n***@example.com"), "masked recipient");
    assert!(
        !page.contains("nobody@example.com"),
        "the address itself is not shown"
    );
    assert!(page.contains("退信测试 / Bounce test"));
    assert!(page.contains("No such user here"));
    assert!(page.contains("发送失败"));
    let retry = format!("/staff/outbox/{bad}/retry");
    assert!(page.contains(&format!("action=\"{retry}\"")));
    assert!(
        !page.contains(&format!("action=\"/staff/outbox/{good}/retry\"")),
        "no retry button on a sent email"
    );

    // Forms that cannot work are refused with a message, never a 500.
    let csrf = common::extract_csrf(&page).unwrap();
    let r = app.post_form(&retry, &[("csrf", "forged")]);
    assert_eq!(r.status().as_u16(), 422);
    assert!(row(&app, bad).failed_at.is_some());
    let r = app.post_form(&format!("/staff/outbox/{good}/retry"), &[("csrf", &csrf)]);
    assert_eq!(r.status().as_u16(), 422);
    let body = r.text().unwrap();
    assert!(body.contains("这封邮件没有发送失败"), "{body}");
    assert_eq!(
        app.post_form("/staff/outbox/999999/retry", &[("csrf", &csrf)])
            .status()
            .as_u16(),
        404
    );
    assert_eq!(
        app.post_form("/staff/outbox/abc/retry", &[("csrf", &csrf)])
            .status()
            .as_u16(),
        404
    );

    // Requeue: due again with a fresh count, audited, and the worker tries again.
    let r = app.post_form(&retry, &[("csrf", &csrf)]);
    assert_eq!(r.status().as_u16(), 303);
    let audited: i64 = audit_log::table
        .filter(audit_log::action.eq("outbox.requeue"))
        .filter(audit_log::entity_id.eq(bad.to_string()))
        .filter(audit_log::actor_label.eq("admin"))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(audited, 1);
    wait_for("new attempts after the requeue", || {
        (attempts(&app, bad).len() > 3).then_some(())
    });
    wait_for("the email to fail again", || {
        Some(row(&app, bad)).filter(|r| r.failed_at.is_some())
    });
    assert_eq!(attempts(&app, bad).len(), 6, "the history keeps every attempt");
}

#[test]
fn sending_a_notice_email_marks_the_notice_emailed() {
    // The server answers 451 at first, so nothing of the demo town's queued mail goes out yet.
    let smtp = Smtp::start_closed();
    let url = smtp.url();
    let app = TestApp::spawn_with_config(true, &env(&[("GONGZHI_SMTP_URL", &url)]), true);
    let notice_of = |state: &str| -> i32 {
        notices::table
            .filter(notices::state.eq(state))
            .filter(notices::emailed_at.is_null())
            .order(notices::id.asc())
            .select(notices::id)
            .first(&mut *app.conn())
            .unwrap_or_else(|e| panic!("the demo town has a notice in state {state}: {e}"))
    };
    let (issued, overdue) = (notice_of("issued"), notice_of("overdue"));

    let id = queue(
        &app,
        "notice.issued",
        "shop@example.com",
        Some(issued),
        "整改通知书 / Notice",
    );
    // Any other kind of email about a notice does not count as the notice being emailed.
    let reminder = queue(
        &app,
        "notice.reminder",
        "shop@example.com",
        Some(overdue),
        "提醒 / Reminder",
    );
    wait_for("a 451 answer to be recorded", || {
        let r = row(&app, id);
        (r.attempts >= 1).then_some(r)
    });
    let r = row(&app, id);
    assert!(r.last_error.unwrap().contains("451"));
    assert!(r.failed_at.is_none(), "a 4xx answer is transient");
    let still: (String, Option<chrono::NaiveDateTime>) = notices::table
        .find(issued)
        .select((notices::state, notices::emailed_at))
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(
        still,
        ("issued".to_string(), None),
        "not emailed before the server accepted it"
    );

    smtp.open();
    let sent = wait_sent(&app, id);
    wait_sent(&app, reminder);
    assert_eq!(smtp.with_id(&sent.message_id).len(), 1);
    // Every email queued about this notice (the demo queued one too) goes out.
    let about: Vec<i32> = outbox::table
        .filter(outbox::notice_id.eq(issued))
        .select(outbox::id)
        .load(&mut *app.conn())
        .unwrap();
    let times: Vec<Option<chrono::NaiveDateTime>> =
        about.iter().map(|&o| wait_sent(&app, o).sent_at).collect();

    let mut c = app.conn();
    let (state, emailed_at): (String, Option<chrono::NaiveDateTime>) = notices::table
        .find(issued)
        .select((notices::state, notices::emailed_at))
        .first(&mut *c)
        .unwrap();
    assert_eq!(state, "emailed");
    assert!(
        emailed_at.is_some() && times.contains(&emailed_at),
        "{emailed_at:?} in {times:?}"
    );
    let audited: i64 = audit_log::table
        .filter(audit_log::action.eq("notice.emailed"))
        .filter(audit_log::entity_id.eq(issued.to_string()))
        .count()
        .get_result(&mut *c)
        .unwrap();
    assert_eq!(audited, 1, "emailed once, however many emails went out");
    let (state, emailed_at): (String, Option<chrono::NaiveDateTime>) = notices::table
        .find(overdue)
        .select((notices::state, notices::emailed_at))
        .first(&mut *c)
        .unwrap();
    assert_eq!((state.as_str(), emailed_at), ("overdue", None));
}

#[test]
fn without_smtp_mail_stays_queued_and_the_admin_page_says_so() {
    let app = TestApp::spawn_with_config(true, FAST, true);
    let id = queue(
        &app,
        "test.waiting",
        "merchant@example.com",
        None,
        "等待 / Waiting",
    );
    app.login("admin", "gongzhi-demo");
    let (status, page) = app.get_text("/staff/outbox");
    assert_eq!(status, 200);
    assert!(
        page.contains("未配置 SMTP：邮件保留在发件箱中，配置 GONGZHI_SMTP_URL 后自动发送"),
        "{page}"
    );
    assert!(page.contains("m***@example.com"));
    let (_, en) = app.get_text("/staff/outbox?lang=en");
    assert!(en.contains("No SMTP configured"));
    // The dashboard links to the page.
    let (_, staff) = app.get_text("/staff");
    assert!(staff.contains("href=\"/staff/outbox\""));
    // Many polls later, nothing was attempted.
    std::thread::sleep(Duration::from_millis(800));
    let r = row(&app, id);
    assert_eq!((r.attempts, r.sent_at, r.failed_at), (0, None, None));
    assert!(attempts(&app, id).is_empty());
}

#[test]
fn the_outbox_page_is_for_admins_only() {
    let app = TestApp::spawn();
    assert_eq!(app.get("/staff/outbox").status().as_u16(), 401);
    app.login("committee", "gongzhi-demo");
    assert_eq!(app.get("/staff/outbox").status().as_u16(), 403);
}

#[test]
fn two_workers_on_one_database_never_send_an_email_twice() {
    let smtp = Smtp::start(None);
    let url = smtp.url();
    let app = TestApp::spawn_with_config(false, &env(&[("GONGZHI_SMTP_URL", &url)]), true);
    // A second worker, as a second server process would run it, on the same database.
    let mailer = Mailer::from_config(&app.config).unwrap();
    let (pool, settings) = (app.pool.clone(), app.config.mail.clone());
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let second = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let mut report = Report::default();
            while !stop2.load(Ordering::SeqCst) {
                let r = run_once(
                    &pool,
                    &mailer,
                    &settings,
                    gongzhi::services::notices::on_email_sent,
                )
                .await
                .unwrap();
                report.sent += r.sent;
                report.skipped += r.skipped;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            report
        })
    });
    let ids: Vec<i32> = (0..30)
        .map(|i| {
            queue(
                &app,
                "test.race",
                &format!("r{i}@example.com"),
                None,
                &format!("并发 {i}"),
            )
        })
        .collect();
    let sent: Vec<OutboxRow> = ids.iter().map(|&id| wait_sent(&app, id)).collect();
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::SeqCst);
    let second = second.join().unwrap();
    for r in &sent {
        assert_eq!(smtp.with_id(&r.message_id).len(), 1, "{} sent once", r.message_id);
        assert_eq!(r.attempts, 1);
        assert_eq!(attempts(&app, r.id).len(), 1);
    }
    assert_eq!(smtp.got.lock().unwrap().len(), ids.len());
    eprintln!(
        "the second worker sent {} and lost {} claims",
        second.sent, second.skipped
    );
}
