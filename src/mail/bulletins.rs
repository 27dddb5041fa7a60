//! The bulletin emails (政策宣传): the bulletin itself and the one reminder to a member who has not
//! read it. Unlike the notices' emails, which carry both languages, these are written in the
//! recipient's language (its portal user's, else Chinese), from the `bulletins-email-*` messages.

use askama::Template;

use super::render::Rendered;
use crate::i18n::{Arg, Lang};

/// What a bulletin email says.
#[derive(Debug, Clone)]
pub struct BulletinMail {
    /// The merchant's name.
    pub merchant_name: String,
    /// The bulletin's title.
    pub title: String,
    /// Its Markdown body.
    pub body_md: String,
    /// The day it was sent (local date).
    pub sent_on: String,
    /// The link that opens it without signing in (and records the read receipt).
    pub link: String,
    /// The attachment's file name, when it has one (the file is in the portal, not in the email).
    pub attachment: Option<String>,
    /// Whether this is the reminder.
    pub reminder: bool,
}

#[derive(Template)]
#[template(path = "email/bulletin.txt")]
struct BulletinText<'a> {
    m: &'a BulletinMail,
    lang: Lang,
    body: String,
}

#[derive(Template)]
#[template(path = "email/bulletin.html")]
struct BulletinHtml<'a> {
    m: &'a BulletinMail,
    lang: Lang,
    body: String,
}

/// The bulletin (or its reminder) in `lang`.
pub fn bulletin(m: &BulletinMail, lang: Lang) -> askama::Result<Rendered> {
    let key = if m.reminder {
        "bulletins-email-reminder-subject"
    } else {
        "bulletins-email-subject"
    };
    Ok(Rendered {
        subject: lang.tr(key, &[("title", Arg::from(&m.title))]),
        text: BulletinText {
            m,
            lang,
            body: super::markdown::to_text(&m.body_md),
        }
        .render()?,
        html: BulletinHtml {
            m,
            lang,
            body: super::markdown::to_html(&m.body_md),
        }
        .render()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_email_is_in_the_recipients_language() {
        let m = BulletinMail {
            merchant_name: "老王家常菜馆 <&>".into(),
            title: "关于明码标价新规的宣传".into(),
            body_md: "**价格**须公示。\n\n<script>x</script>".into(),
            sent_on: "2026-11-30".into(),
            link: "http://x/bulletins/read/1-abc".into(),
            attachment: Some("新规.pdf".into()),
            reminder: false,
        };
        let zh = bulletin(&m, Lang::Zh).unwrap();
        assert!(zh.subject.contains("关于明码标价新规的宣传"), "{}", zh.subject);
        assert!(zh.text.contains("价格") && zh.text.contains("http://x/bulletins/read/1-abc"));
        assert!(zh.html.contains("<strong>价格</strong>") && !zh.html.contains("<script>"));
        assert!(zh.html.contains("老王家常菜馆 &#60;&#38;&#62;") || zh.html.contains("&lt;&amp;&gt;"));
        assert!(zh.text.contains("新规.pdf"));
        let en = bulletin(&BulletinMail { reminder: true, ..m }, Lang::En).unwrap();
        assert!(en.subject.starts_with("Reminder"), "{}", en.subject);
        assert!(en.text.contains("http://x/bulletins/read/1-abc"));
    }
}
