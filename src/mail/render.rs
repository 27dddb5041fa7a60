//! Email rendering: each email is an askama text template and an HTML template under
//! `templates/email/`, with its subject beside them, sent as multipart/alternative.

/// A rendered email, ready for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The subject line.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
}

use askama::Template;

use crate::domain::rating::Severity;
use crate::i18n::{words, Lang};

/// One violation line in a notice email.
#[derive(Debug, Clone)]
pub struct ViolationLine {
    /// The checklist code, e.g. `F-03`.
    pub code: String,
    /// Severity in Chinese (一般 / 较重 / 严重).
    pub severity_zh: String,
    /// Severity in English.
    pub severity_en: String,
    /// What the inspector wrote.
    pub description: String,
}

impl ViolationLine {
    /// A violation with its severity in words (empty when the stored severity is unknown).
    pub fn new(code: String, severity: Option<Severity>, description: String) -> Self {
        let word = |lang| severity.map_or("", |s| words::severity(s, lang)).to_string();
        ViolationLine {
            code,
            severity_zh: word(Lang::Zh),
            severity_en: word(Lang::En),
            description,
        }
    }
}

/// What a notice email says: the notice issued, or the reminder before its deadline.
#[derive(Debug, Clone)]
pub struct NoticeMail {
    /// The merchant's name.
    pub merchant_name: String,
    /// The notice number, e.g. `整改〔2026〕第0012号`.
    pub number: String,
    /// The day it was issued.
    pub issued_on: String,
    /// The last day to rectify.
    pub deadline: String,
    /// The violations it concerns.
    pub violations: Vec<ViolationLine>,
    /// What must be done.
    pub required_actions: String,
    /// The notice in the merchant portal.
    pub link: String,
    /// Days left before the deadline (reminders only).
    pub days_left: i64,
}

#[derive(Template)]
#[template(path = "email/notice_issued.txt")]
struct NoticeIssuedText<'a> {
    m: &'a NoticeMail,
}

#[derive(Template)]
#[template(path = "email/notice_issued.html")]
struct NoticeIssuedHtml<'a> {
    m: &'a NoticeMail,
}

#[derive(Template)]
#[template(path = "email/notice_reminder.txt")]
struct NoticeReminderText<'a> {
    m: &'a NoticeMail,
}

#[derive(Template)]
#[template(path = "email/notice_reminder.html")]
struct NoticeReminderHtml<'a> {
    m: &'a NoticeMail,
}

/// The email that carries a new notice to the merchant.
pub fn notice_issued(m: &NoticeMail) -> askama::Result<Rendered> {
    Ok(Rendered {
        subject: format!(
            "整改通知书 {} — {} / Rectification notice",
            m.number, m.merchant_name
        ),
        text: NoticeIssuedText { m }.render()?,
        html: NoticeIssuedHtml { m }.render()?,
    })
}

/// The reminder a few days before a notice's deadline.
pub fn notice_reminder(m: &NoticeMail) -> askama::Result<Rendered> {
    Ok(Rendered {
        subject: format!(
            "提醒：整改通知书 {} 将于 {} 到期 / Reminder: notice due {}",
            m.number, m.deadline, m.deadline
        ),
        text: NoticeReminderText { m }.render()?,
        html: NoticeReminderHtml { m }.render()?,
    })
}

/// What the inspector is told when a merchant answers a notice.
#[derive(Debug, Clone)]
pub struct AnsweredMail {
    /// The inspector's display name.
    pub inspector_name: String,
    /// The merchant's name.
    pub merchant_name: String,
    /// The notice number.
    pub number: String,
    /// The answer's text.
    pub body: String,
    /// How many photos came with it.
    pub photos: usize,
    /// Whether the merchant asks for a follow-up inspection.
    pub wants_follow_up: bool,
    /// The notice on the staff side.
    pub link: String,
}

#[derive(Template)]
#[template(path = "email/notice_answered.txt")]
struct AnsweredText<'a> {
    m: &'a AnsweredMail,
}

#[derive(Template)]
#[template(path = "email/notice_answered.html")]
struct AnsweredHtml<'a> {
    m: &'a AnsweredMail,
}

/// The email to the issuing inspector when the merchant answers.
pub fn notice_answered(m: &AnsweredMail) -> askama::Result<Rendered> {
    Ok(Rendered {
        subject: format!(
            "商家已回复整改通知书 {} — {} / Merchant answered",
            m.number, m.merchant_name
        ),
        text: AnsweredText { m }.render()?,
        html: AnsweredHtml { m }.render()?,
    })
}

/// What the merchant is told when the inspector decides on its answer.
#[derive(Debug, Clone)]
pub struct DecisionMail {
    /// The merchant's name.
    pub merchant_name: String,
    /// The notice number.
    pub number: String,
    /// Accepted (closed) or rejected (try again).
    pub accepted: bool,
    /// The inspector's reason (required for a rejection).
    pub reason: String,
    /// The deadline now in force.
    pub deadline: String,
    /// The notice in the merchant portal.
    pub link: String,
}

#[derive(Template)]
#[template(path = "email/notice_decided.txt")]
struct DecidedText<'a> {
    m: &'a DecisionMail,
}

#[derive(Template)]
#[template(path = "email/notice_decided.html")]
struct DecidedHtml<'a> {
    m: &'a DecisionMail,
}

/// The email to the merchant when its answer is accepted or rejected.
pub fn notice_decided(m: &DecisionMail) -> askama::Result<Rendered> {
    let (zh, en) = if m.accepted {
        ("已验收", "verified")
    } else {
        ("未通过验收", "not accepted")
    };
    Ok(Rendered {
        subject: format!("整改通知书 {} {zh} / Notice {en}", m.number),
        text: DecidedText { m }.render()?,
        html: DecidedHtml { m }.render()?,
    })
}

/// A one-time sign-in link for the merchant portal.
#[derive(Debug, Clone)]
pub struct LoginLinkMail {
    /// Whom the link signs in.
    pub username: String,
    /// The link.
    pub link: String,
    /// How long it is valid.
    pub valid_minutes: i64,
}

#[derive(Template)]
#[template(path = "email/login_link.txt")]
struct LoginLinkText<'a> {
    m: &'a LoginLinkMail,
}

#[derive(Template)]
#[template(path = "email/login_link.html")]
struct LoginLinkHtml<'a> {
    m: &'a LoginLinkMail,
}

/// The sign-in link email.
pub fn login_link(m: &LoginLinkMail) -> askama::Result<Rendered> {
    Ok(Rendered {
        subject: "共治商家平台登录链接 / Your gongzhi sign-in link".to_string(),
        text: LoginLinkText { m }.render()?,
        html: LoginLinkHtml { m }.render()?,
    })
}

/// What the password-reset email says.
pub struct PasswordResetMail {
    /// Whose password is reset.
    pub username: String,
    /// The link to the page that sets a new password.
    pub link: String,
    /// How long it is valid.
    pub valid_hours: i64,
}

#[derive(Template)]
#[template(path = "email/password_reset.txt")]
struct PasswordResetText<'a> {
    m: &'a PasswordResetMail,
}

#[derive(Template)]
#[template(path = "email/password_reset.html")]
struct PasswordResetHtml<'a> {
    m: &'a PasswordResetMail,
}

/// The email an administrator's forced password reset sends.
pub fn password_reset(m: &PasswordResetMail) -> askama::Result<Rendered> {
    Ok(Rendered {
        subject: "共治平台：请设置新密码 / gongzhi: set a new password".to_string(),
        text: PasswordResetText { m }.render()?,
        html: PasswordResetHtml { m }.render()?,
    })
}

/// What the commendation email says to a commended merchant.
#[derive(Debug, Clone)]
pub struct CommendationMail {
    /// The merchant's name.
    pub merchant_name: String,
    /// The commended year.
    pub year: i32,
    /// The level's name in Chinese.
    pub level_zh: String,
    /// The level's name in English.
    pub level_en: String,
    /// The decision's number (共治表〔2026〕1号).
    pub number: String,
    /// The decision's number for English readers.
    pub number_en: String,
    /// The reward in yuan ("5,000.00"), when the level has one.
    pub reward_yuan: Option<String>,
    /// The last day the commendation is displayed.
    pub display_until: chrono::NaiveDate,
    /// The certificate and plaque in the merchant portal.
    pub link: String,
}

#[derive(Template)]
#[template(path = "email/commendation.txt")]
struct CommendationText<'a> {
    m: &'a CommendationMail,
}

#[derive(Template)]
#[template(path = "email/commendation.html")]
struct CommendationHtml<'a> {
    m: &'a CommendationMail,
}

/// The email a commendation decision sends to each commended merchant.
pub fn commendation(m: &CommendationMail) -> askama::Result<Rendered> {
    Ok(Rendered {
        subject: format!(
            "{}年度表彰：{} / {} commendation: {}",
            m.year, m.level_zh, m.year, m.level_en
        ),
        text: CommendationText { m }.render()?,
        html: CommendationHtml { m }.render()?,
    })
}

/// The reminder the day before a training a merchant signed up for, in the language of the user
/// who signed up.
#[derive(Debug, Clone)]
pub struct TrainingReminderMail {
    /// The recipient's language.
    pub lang: Lang,
    /// The merchant's name.
    pub merchant_name: String,
    /// The training's title.
    pub title: String,
    /// Its day.
    pub held_on: chrono::NaiveDate,
    /// Its local start time, "HH:MM" (may be empty).
    pub starts_at: String,
    /// Its place (may be empty).
    pub place: String,
    /// Its hours, in tenths.
    pub hours_tenths: i32,
    /// The portal's trainings.
    pub link: String,
}

impl TrainingReminderMail {
    fn when(&self) -> String {
        let day = words::long_date(self.held_on, self.lang);
        if self.starts_at.is_empty() {
            day
        } else {
            format!("{day} {}", self.starts_at)
        }
    }

    fn hours(&self) -> String {
        format!("{}.{}", self.hours_tenths / 10, self.hours_tenths % 10)
    }

    fn body(&self) -> String {
        self.lang
            .tr("signup-mail-body", &[("title", self.title.as_str().into())])
    }
}

#[derive(Template)]
#[template(path = "email/training_reminder.txt")]
struct TrainingReminderText<'a> {
    m: &'a TrainingReminderMail,
    lang: Lang,
}

#[derive(Template)]
#[template(path = "email/training_reminder.html")]
struct TrainingReminderHtml<'a> {
    m: &'a TrainingReminderMail,
    lang: Lang,
}

/// The reminder the day before a training.
pub fn training_reminder(m: &TrainingReminderMail) -> askama::Result<Rendered> {
    let lang = m.lang;
    Ok(Rendered {
        subject: lang.tr("signup-mail-subject", &[("title", m.title.as_str().into())]),
        text: TrainingReminderText { m, lang }.render()?,
        html: TrainingReminderHtml { m, lang }.render()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice() -> NoticeMail {
        NoticeMail {
            merchant_name: "一品豆花 <&>".into(),
            number: "整改〔2026〕第0012号".into(),
            issued_on: "2026-11-26".into(),
            deadline: "2026-12-10".into(),
            violations: vec![ViolationLine {
                code: "F-03".into(),
                severity_zh: "严重".into(),
                severity_en: "serious".into(),
                description: "冷藏温度 9°C".into(),
            }],
            required_actions: "修复冷柜".into(),
            link: "http://127.0.0.1:8080/my/notices/3".into(),
            days_left: 3,
        }
    }

    #[test]
    fn notice_email_has_both_languages_and_the_link() {
        let r = notice_issued(&notice()).unwrap();
        assert!(r.subject.contains("整改〔2026〕第0012号"));
        for part in [&r.text, &r.html] {
            assert!(part.contains("整改〔2026〕第0012号"));
            assert!(part.contains("2026-12-10"));
            assert!(part.contains("F-03"));
            assert!(part.contains("Rectification notice"));
            assert!(part.contains("http://127.0.0.1:8080/my/notices/3"));
        }
        // The text part is not HTML-escaped; the HTML part is.
        assert!(r.text.contains("一品豆花 <&>"));
        assert!(r.html.contains("一品豆花 &#60;&#38;&#62;") || r.html.contains("一品豆花 &lt;&amp;&gt;"));
    }

    #[test]
    fn every_email_renders() {
        let n = notice();
        assert!(notice_reminder(&n).unwrap().text.contains("3"));
        let a = notice_answered(&AnsweredMail {
            inspector_name: "张检查员".into(),
            merchant_name: "一品豆花".into(),
            number: n.number.clone(),
            body: "已更换冷柜".into(),
            photos: 2,
            wants_follow_up: true,
            link: "http://x/staff/notices/3".into(),
        })
        .unwrap();
        assert!(a.text.contains("已更换冷柜") && a.html.contains("http://x/staff/notices/3"));
        let d = notice_decided(&DecisionMail {
            merchant_name: "一品豆花".into(),
            number: n.number.clone(),
            accepted: false,
            reason: "照片不清楚".into(),
            deadline: "2026-12-20".into(),
            link: "http://x/my/notices/3".into(),
        })
        .unwrap();
        assert!(d.text.contains("照片不清楚") && d.subject.contains("未通过"));
        let l = login_link(&LoginLinkMail {
            username: "m-yipin".into(),
            link: "http://x/login/link/abc".into(),
            valid_minutes: 15,
        })
        .unwrap();
        assert!(l.text.contains("http://x/login/link/abc") && l.html.contains("15"));
    }
}
