use super::*;

/// The list page: merchant search and recent inspections.
#[derive(Template, WebTemplate)]
#[template(path = "staff/inspections/index.html")]
pub struct IndexPage {
    pub(super) page: PageCtx,
    pub(super) q: String,
    pub(super) searched: bool,
    pub(super) hits: Vec<svc::MerchantHit>,
    pub(super) recent: Vec<RecentRow>,
    pub(super) can_log: bool,
}

/// A recent inspection, ready to print.
pub struct RecentRow {
    pub id: i32,
    pub merchant_name: String,
    pub date: String,
    pub kind: &'static str,
    pub score: i32,
    pub mine: bool,
}

pub(super) fn kind_label(kind: InspectionKind, lang: Lang) -> &'static str {
    crate::i18n::words::inspection_kind(kind, lang)
}

/// `?q=` of the list page.
#[derive(Deserialize)]
pub struct IndexQuery {
    #[serde(default)]
    pub(super) q: String,
}

/// GET /staff/inspections: find a merchant to inspect; the latest inspections.
pub async fn index(
    state: web::Data<AppState>,
    page: PageCtx,
    user: Require<Staff>,
    query: web::Query<IndexQuery>,
) -> Result<IndexPage, AppError> {
    let q: String = query.into_inner().q.trim().chars().take(50).collect();
    let term = q.clone();
    let (hits, recent) = with_db(&state, move |c| {
        Ok((svc::search_merchants(c, &term, 20)?, svc::recent(c, 20)?))
    })
    .await?;
    let lang = page.lang;
    Ok(IndexPage {
        searched: !q.is_empty(),
        q,
        hits,
        recent: recent
            .into_iter()
            .map(|r| RecentRow {
                id: r.id,
                merchant_name: r.merchant_name,
                date: r.inspected_on.to_string(),
                kind: kind_label(r.kind, lang),
                score: r.score,
                mine: r.inspector_id == Some(user.id),
            })
            .collect(),
        can_log: Loggers::allows(user.role),
        page,
    })
}

/// One checklist deduction on the result page.
pub struct ItemRow {
    pub code: String,
    pub title: String,
    pub deduction: i32,
    pub max: i32,
}

/// One violation on the result page.
pub struct ViolationRow {
    pub code: String,
    pub severity: &'static str,
    pub serious: bool,
    pub description: String,
    pub legal_basis: String,
    pub fine: String,
}

/// The merchant's rating before → after, ready to print.
pub struct ChangeView {
    pub stars_before: String,
    pub stars_before_label: String,
    pub stars_after: String,
    pub stars_after_label: String,
    pub score_before: String,
    pub score_after: String,
    pub list_before: String,
    pub list_after: String,
    pub changed: bool,
}

/// A breakdown line.
pub struct TermView {
    pub label: String,
    pub points: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/inspections/show.html")]
pub struct ShowPage {
    pub(super) page: PageCtx,
    pub(super) id: i32,
    pub(super) merchant_id: i32,
    pub(super) merchant_name: String,
    pub(super) inspector: String,
    pub(super) date: String,
    pub(super) kind: &'static str,
    pub(super) score: i32,
    pub(super) notes: String,
    pub(super) items: Vec<ItemRow>,
    pub(super) violations: Vec<ViolationRow>,
    pub(super) change: Option<ChangeView>,
    pub(super) stars_now: String,
    pub(super) stars_now_label: String,
    pub(super) list_now: String,
    pub(super) list_class: &'static str,
    pub(super) reasons: Vec<String>,
    pub(super) terms: Vec<TermView>,
    pub(super) total: String,
    pub(super) can_edit: bool,
    pub(super) editable_until: String,
    /// The inspection's photos (their ids), and whether this user may add more.
    pub(super) photos: Vec<(i32, String)>,
    pub(super) can_add_photos: bool,
    /// The inspection's own inspector, within the edit window.
    pub(super) can_remove_photos: bool,
    pub(super) photos_help: String,
}

pub(super) fn list_label(list: ListStatus, lang: Lang) -> String {
    match list {
        ListStatus::Red => lang.t("nav-red"),
        ListStatus::Black => lang.t("nav-black"),
        ListStatus::None => lang.t("inspections-list-none"),
    }
    .to_string()
}

pub(super) fn score_text(tenths: Option<i32>) -> String {
    tenths.map_or_else(|| "—".into(), |t| points(t, false))
}

pub(super) fn change_view(before: &RatingState, after: &RatingState, lang: Lang) -> ChangeView {
    let (sb, sbl) = stars_display(before.stars, lang);
    let (sa, sal) = stars_display(after.stars, lang);
    ChangeView {
        stars_before: sb,
        stars_before_label: sbl,
        stars_after: sa,
        stars_after_label: sal,
        score_before: score_text(before.score_tenths),
        score_after: score_text(after.score_tenths),
        list_before: list_label(before.list, lang),
        list_after: list_label(after.list, lang),
        changed: before != after,
    }
}

pub(super) fn local_time(state: &AppState, at: NaiveDateTime) -> String {
    state
        .config
        .time_zone
        .from_utc_datetime(&at)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// GET /staff/inspections/{id}: the inspection, its score, and what it did to the rating.
pub async fn show(
    state: web::Data<AppState>,
    page: PageCtx,
    user: Require<Staff>,
    id: Id,
) -> Result<ShowPage, AppError> {
    let id = *id;
    let today = state.config.today();
    let (policy, v, photos) = with_db(&state, move |c| {
        let policy = crate::services::policy::active_policy(c)?;
        let v = svc::view(c, &policy, id, today)?;
        let photos = svc::photos_of(c, id)?;
        Ok((policy, v, photos))
    })
    .await?;
    let v = v.ok_or(AppError::NotFound)?;
    let lang = page.lang;
    let i = &v.inspection;
    let can_edit =
        Loggers::allows(user.role) && check_editable(i, user.id, crate::db::models::now_utc()).is_ok();
    let (stars_now, stars_now_label) = stars_display(v.rating.stars.map(i32::from), lang);
    let list = v.rating.list;
    Ok(ShowPage {
        id: i.id,
        merchant_id: i.merchant_id,
        merchant_name: v.merchant_name.clone(),
        inspector: v.inspector_name.clone().unwrap_or_default(),
        date: i.inspected_on.to_string(),
        kind: kind_label(i.kind, lang),
        score: i.score,
        notes: i.notes.clone(),
        items: v
            .items
            .iter()
            .map(|x| {
                let item = policy.checklist_item(&x.item_code);
                ItemRow {
                    code: x.item_code.clone(),
                    title: item
                        .map(|it| lang.pick(&it.title_zh, &it.title_en).to_string())
                        .unwrap_or_default(),
                    deduction: x.deduction,
                    max: item.map_or(0, |it| it.points),
                }
            })
            .collect(),
        violations: v
            .violations
            .iter()
            .map(|x| {
                let sev = Some(x.severity);
                ViolationRow {
                    code: x.code.clone(),
                    severity: sev.map_or("", |s| crate::i18n::words::severity(s, lang)),
                    serious: sev == Some(Severity::Serious),
                    description: x.description.clone(),
                    legal_basis: x.legal_basis.clone(),
                    fine: crate::domain::money::format_fen(x.fine_fen),
                }
            })
            .collect(),
        change: v.change.as_ref().map(|(b, a)| change_view(b, a, lang)),
        stars_now,
        stars_now_label,
        list_now: list_label(list, lang),
        list_class: match list {
            ListStatus::Red | ListStatus::Black => list.as_str(),
            ListStatus::None => "",
        },
        reasons: v
            .rating
            .list_reasons
            .iter()
            .map(|r| crate::i18n::words::list_reason(r, lang))
            .collect(),
        terms: v
            .rating
            .breakdown
            .iter()
            .map(|t| TermView {
                label: crate::i18n::words::term(t.key, &v.rating.policy_version, lang).to_string(),
                points: points(t.points_tenths, true),
            })
            .collect(),
        total: score_text(v.rating.score_tenths),
        can_edit,
        editable_until: local_time(&state, svc::editable_until(i)),
        can_add_photos: Loggers::allows(user.role) && photos.len() < svc::MAX_PHOTOS,
        can_remove_photos: can_edit,
        photos: photos
            .iter()
            .enumerate()
            .map(|(n, p)| (p.id, lang.tr("form-photo-alt", &[("n", (n + 1).into())])))
            .collect(),
        photos_help: lang.tr(
            "form-photos-help",
            &[
                ("mb", (svc::MAX_PHOTO_BYTES / (1024 * 1024)).into()),
                ("max", svc::MAX_PHOTOS.into()),
            ],
        ),
        page,
    })
}
