//! Bulletins (政策宣传) on the web: the committee's list and new-bulletin form with its preview
//! and the reach of each audience, one bulletin with its read rate and who has not read it, and
//! "remind now" ([`staff`]); the merchant's copy in the portal, the email's link that needs no
//! sign-in, and the attachment for staff and the recipients only ([`reading`]); the read rate over
//! time on the statistics page ([`stats`]). Below: what they share.

mod reading;
mod staff;
mod stats;

pub use reading::{portal_lines, PortalLine};
pub use stats::{rate_stats, RateStats, STAT_DAYS};

use actix_web::web;

use super::public::declared_name;
use super::{AppError, AppState, FieldError, Lang};
use crate::db::models::bulletin::Bulletin;
use crate::domain::policy::Policy;
use crate::services::bulletins::reads::percent;
use crate::services::bulletins::{Audience, BulletinError};

pub(crate) fn bulletin_error(e: BulletinError) -> AppError {
    match e {
        BulletinError::NotFound => AppError::NotFound,
        BulletinError::Invalid(p) => AppError::Invalid(p.into_iter().map(FieldError::from).collect()),
        BulletinError::Other(e) => AppError::Internal(e),
    }
}

/// An audience in the reader's words: (label, the name is typed text).
pub fn audience_label(a: &Audience, policy: &Policy, lang: Lang) -> (String, bool) {
    match a {
        Audience::All => (lang.t("bulletins-audience-all").to_string(), false),
        Audience::Black => (lang.t("bulletins-audience-black").to_string(), false),
        Audience::Area(v) => {
            let (name, typed) = declared_name(policy.area(v), v, lang);
            (
                lang.tr("bulletins-audience-area", &[("name", name.into())]),
                typed,
            )
        }
        Audience::Category(v) => {
            let (name, typed) = declared_name(policy.category(v), v, lang);
            (
                lang.tr("bulletins-audience-category", &[("name", name.into())]),
                typed,
            )
        }
    }
}

/// "12 / 30 = 40%".
pub(crate) fn rate_text(read: i64, recipients: i64, lang: Lang) -> String {
    lang.tr(
        "bulletins-rate",
        &[
            ("read", read.into()),
            ("total", recipients.into()),
            ("percent", percent(read, recipients).into()),
        ],
    )
}

/// The bulletin's body and file as every reader sees it.
pub struct BulletinBody {
    pub id: i32,
    pub title: String,
    /// Sanitised HTML.
    pub body: String,
    pub sent: String,
    pub audience: String,
    pub typed: bool,
    /// (file name, size text), when it has one.
    pub attachment: Option<(String, String)>,
}

pub(crate) fn size_text(bytes: i64, lang: Lang) -> String {
    if bytes >= 1024 * 1024 {
        let tenths = bytes * 10 / (1024 * 1024);
        lang.tr(
            "bulletins-size-mb",
            &[("size", format!("{}.{}", tenths / 10, tenths % 10).into())],
        )
    } else {
        lang.tr("bulletins-size-kb", &[("size", ((bytes + 1023) / 1024).into())])
    }
}

impl BulletinBody {
    pub(crate) fn new(b: &Bulletin, policy: &Policy, state: &AppState, lang: Lang) -> Self {
        let (audience, typed) = audience_label(
            &Audience::from_columns(&b.audience_kind, &b.audience_value),
            policy,
            lang,
        );
        BulletinBody {
            id: b.id,
            title: b.title.clone(),
            body: crate::mail::markdown::to_html(&b.body),
            sent: state.config.local_time(b.sent_at),
            audience,
            typed,
            attachment: b
                .attachment_name
                .clone()
                .map(|n| (n, size_text(b.attachment_size.unwrap_or(0), lang))),
        }
    }
}

/// Registers the bulletin routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/staff/bulletins")
            .app_data(web::PayloadConfig::new(
                crate::services::bulletins::MAX_FILE_BYTES + 512 * 1024,
            ))
            .route(web::get().to(staff::index))
            .route(web::post().to(staff::send_bulletin)),
    )
    .service(web::resource("/staff/bulletins/{id}").route(web::get().to(staff::show)))
    .service(web::resource("/staff/bulletins/{id}/remind").route(web::post().to(staff::remind_unread)))
    .service(web::resource("/bulletins/read/{token}").route(web::get().to(reading::read_link)))
    .service(
        web::resource("/bulletins/read/{token}/attachment")
            .route(web::get().to(reading::read_link_attachment)),
    )
    .service(web::resource("/bulletins/{id}/attachment").route(web::get().to(reading::attachment)))
    .service(web::resource("/my/bulletins/{id}").route(web::get().to(reading::portal_show)));
}
