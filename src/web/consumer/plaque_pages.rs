use super::*;
use crate::i18n::words::long_date;

#[derive(Template, WebTemplate)]
#[template(path = "consumer/plaque.html")]
pub struct PlaquePage {
    pub(super) page: PageCtx,
    pub(super) id: i32,
    pub(super) name: String,
    pub(super) stars_text: String,
    pub(super) stars_label: String,
    pub(super) stars_words: &'static str,
    pub(super) stars_level: &'static str,
    pub(super) list: &'static str,
    pub(super) list_class: String,
    pub(super) member: bool,
    pub(super) year_text: String,
    /// "2025 年度示范商家" when the merchant holds a commendation in force.
    pub(super) commendation: Option<String>,
    pub(super) issued: String,
    pub(super) check_url: String,
    pub(super) qr_svg: String,
}

/// GET /merchants/{id}/plaque: a printable A5 plaque whose QR code checks itself.
pub async fn plaque_page(state: web::Data<AppState>, page: PageCtx, id: Id) -> Result<PlaquePage, AppError> {
    let id = *id;
    let configured = state.config.session_secret.clone();
    let today = state.config.today();
    let (m, secret, commended) = with_db(&state, move |c| {
        let m = Merchant::find(c, id)?.ok_or(AppError::NotFound)?;
        let k = crate::services::commendations::in_force_for(c, id, today)?;
        Ok((m, plaque::app_secret(c, configured.as_deref())?, k))
    })
    .await?;
    if m.status != "open" {
        return Err(AppError::NotFound);
    }
    let code = plaque::sign(
        &plaque::plaque_key(&secret),
        &PlaqueFacts {
            merchant_id: id,
            stars: m.current_stars,
            list: m.current_list,
            issued_on: today,
            commendation: commended.as_ref().map(|k| (k.year, k.level.clone())),
        },
    );
    let check_url = plaque::check_url(&state.config.base_url, id, &code);
    let qr_svg = plaque::qr_svg(&check_url)?;
    let lang = page.lang;
    let (stars_text, stars_label) = stars_display(m.current_stars, lang);
    let member = m.is_member_on(today);
    Ok(PlaquePage {
        page,
        id,
        name: m.name,
        stars_text,
        stars_label,
        stars_words: crate::web::public::stars_words(m.current_stars, lang),
        stars_level: crate::web::public::stars_level(m.current_stars),
        list: list_label(m.current_list, lang),
        list_class: m.current_list.to_string(),
        member,
        year_text: lang.tr("consumer-year", &[("year", today.year().to_string().into())]),
        commendation: commended.map(|k| crate::web::commendations::Badge::new(&k, today, lang).title(lang)),
        issued: today.to_string(),
        check_url,
        qr_svg,
    })
}

/// `?code=` of the plaque check.
#[derive(Deserialize)]
pub struct CodeQuery {
    #[serde(default)]
    pub(super) code: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "consumer/check.html")]
pub struct CheckPage {
    pub(super) page: PageCtx,
    pub(super) id: i32,
    pub(super) name: String,
    /// "valid", "outdated" or "forged".
    pub(super) verdict: &'static str,
    pub(super) message: &'static str,
    /// What the plaque states (when genuine).
    pub(super) plaque_says: Option<String>,
    pub(super) current: String,
    /// The merchant is on the black list now: said first, whatever the plaque shows.
    pub(super) black: bool,
    /// Where the merchant stands now, said first and biggest: "black", "red" or "none" (the
    /// page's colour).
    pub(super) standing: &'static str,
    /// The standing in words ("Warning: this shop is on the black list since …").
    pub(super) standing_title: String,
    /// Why it is on its list, in words (empty when on none).
    pub(super) standing_reasons: String,
    /// "Last inspection: …" or "No inspection on record yet".
    pub(super) last_inspection: String,
    /// What the plaque's commendation is now: ("valid" | "revoked" | "past", text).
    pub(super) commendation: Option<(&'static str, String)>,
}

pub(super) fn rating_text(stars: Option<i32>, list: ListStatus, lang: Lang) -> String {
    let (_, label) = stars_display(stars, lang);
    format!("{label} · {}", list_label(list, lang))
}

/// GET /merchants/{id}/plaque/check?code=: is this plaque genuine and current?
pub async fn plaque_check(
    state: web::Data<AppState>,
    page: PageCtx,
    id: Id,
    query: web::Query<CodeQuery>,
) -> Result<CheckPage, AppError> {
    let id = *id;
    let configured = state.config.session_secret.clone();
    let (m, secret, ks, standing) = with_db(&state, move |c| {
        let m = Merchant::find(c, id)?.ok_or(AppError::NotFound)?;
        let ks = crate::services::commendations::for_merchant(c, id)?;
        let standing = plaque::standing(c, id)?;
        Ok((m, plaque::app_secret(c, configured.as_deref())?, ks, standing))
    })
    .await?;
    let lang = page.lang;
    let today = state.config.today();
    let key = plaque::plaque_key(&secret);
    let current = rating_text(m.current_stars, m.current_list, lang);
    let (verdict, message, says) = match plaque::check(&key, id, &query.code, m.current_stars, m.current_list)
    {
        Verdict::Current(f) => ("valid", lang.t("consumer-check-valid"), Some(f)),
        Verdict::Outdated(f) => ("outdated", lang.t("consumer-check-outdated"), Some(f)),
        Verdict::Forged => ("forged", lang.t("consumer-check-forged"), None),
    };
    // The commendation a genuine code states, compared with what became of it.
    let commendation = says
        .as_ref()
        .and_then(|f| f.commendation.clone())
        .map(|(year, level)| {
            match ks.iter().find(|k| k.year == year && k.level == level) {
                Some(k) => {
                    let b = crate::web::commendations::Badge::new(k, today, lang);
                    let title = b.title(lang);
                    match b.state {
                        "in-force" => (
                            "valid",
                            lang.tr(
                                "consumer-check-commended-state",
                                &[
                                    ("title", title.as_str().into()),
                                    ("state", b.state_text.as_str().into()),
                                ],
                            ),
                        ),
                        "revoked" => (
                            "revoked",
                            lang.tr(
                                "consumer-check-revoked-state",
                                &[
                                    ("title", title.as_str().into()),
                                    ("state", b.state_text.as_str().into()),
                                ],
                            ),
                        ),
                        _ => (
                            "past",
                            format!("{}{}", lang.t("consumer-check-commendation-past"), title),
                        ),
                    }
                }
                // Signed by us, yet no such commendation: the key leaked or the record is gone.
                None => (
                    "revoked",
                    lang.t("consumer-check-commendation-unknown").to_string(),
                ),
            }
        });
    let since = standing
        .entry
        .as_ref()
        .filter(|e| e.0 == m.current_list)
        .map(|e| e.1);
    let standing_title = match (m.current_list, since) {
        (ListStatus::Black, Some(d)) => {
            lang.tr("check-standing-black", &[("date", long_date(d, lang).into())])
        }
        (ListStatus::Black, None) => lang.t("consumer-check-black").to_string(),
        (ListStatus::Red, Some(d)) => lang.tr("check-standing-red", &[("date", long_date(d, lang).into())]),
        (ListStatus::Red, None) => lang.t("check-standing-red-now").to_string(),
        (ListStatus::None, _) => match m.current_stars {
            Some(s) => lang.tr("check-standing-stars", &[("stars", s.into())]),
            None => lang.t("check-standing-unrated").to_string(),
        },
    };
    let standing_reasons = standing
        .entry
        .as_ref()
        .filter(|e| e.0 == m.current_list && m.current_list != ListStatus::None)
        .map(|e| crate::i18n::words::entered_reasons(&e.2, lang))
        .unwrap_or_default();
    let last_inspection = match standing.last_inspection {
        Some(d) => lang.tr("check-standing-inspected", &[("date", long_date(d, lang).into())]),
        None => lang.t("check-standing-never-inspected").to_string(),
    };
    Ok(CheckPage {
        standing: match m.current_list {
            ListStatus::Black => "black",
            ListStatus::Red => "red",
            ListStatus::None => "none",
        },
        standing_title,
        standing_reasons,
        last_inspection,
        page,
        id,
        name: m.name,
        verdict,
        message,
        plaque_says: says.map(|f| format!("{} ({})", rating_text(f.stars, f.list, lang), f.issued_on)),
        current,
        black: m.current_list == ListStatus::Black,
        commendation,
    })
}
