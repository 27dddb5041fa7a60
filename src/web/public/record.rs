use super::*;

/// One line of a breakdown, ready to print.
pub struct TermRow {
    pub label: String,
    pub points: String,
    pub records: usize,
}

/// One inspection, ready to print.
pub struct InspectionRow {
    pub date: String,
    pub kind: &'static str,
    pub score: i32,
}

impl InspectionRow {
    /// An inspection in `lang`.
    pub fn new(i: &crate::db::models::inspection::Inspection, lang: Lang) -> Self {
        InspectionRow {
            date: i.inspected_on.to_string(),
            kind: crate::i18n::words::inspection_kind(i.kind, lang),
            score: i.score,
        }
    }
}

/// A rating's breakdown, one row per term, in `lang` (the public record and the merchant portal).
pub fn term_rows(r: &crate::domain::rating::Rating, lang: Lang) -> Vec<TermRow> {
    r.breakdown
        .iter()
        .map(|t| TermRow {
            label: crate::i18n::words::term(t.key, &r.policy_version, lang).to_string(),
            points: points(t.points_tenths, true),
            records: t.record_ids.len(),
        })
        .collect()
}

/// Why a rating is on its list, in `lang`.
pub fn reason_lines(r: &crate::domain::rating::Rating, lang: Lang) -> Vec<String> {
    r.list_reasons
        .iter()
        .map(|x| crate::i18n::words::list_reason(x, lang))
        .collect()
}

/// One disclosed violation, ready to print.
pub struct ViolationRow {
    pub date: String,
    pub severity: &'static str,
    pub description: String,
}

#[derive(Template)]
#[template(path = "public/merchant.html")]
pub struct MerchantPage {
    pub(super) page: PageCtx,
    pub(super) m: ListRow,
    pub(super) address: String,
    /// "Alliance member since …", "… from … to …" once it left, or empty.
    pub(super) membership: String,
    pub(super) list: String,
    pub(super) list_since: String,
    pub(super) list_reason: String,
    pub(super) reasons: Vec<String>,
    pub(super) terms: Vec<TermRow>,
    pub(super) total: String,
    pub(super) policy_version: String,
    pub(super) as_of: String,
    pub(super) chart_points: String,
    pub(super) chart_dots: Vec<(i32, i32, String)>,
    pub(super) inspections: Vec<InspectionRow>,
    pub(super) violations: Vec<ViolationRow>,
    pub(super) replies: Vec<(String, String)>,
    /// The merchant's annual commendations as badges (title, badge), newest first.
    pub(super) commendations: Vec<(String, crate::web::commendations::Badge)>,
}

/// The record's membership line: since when, or from when to when once the merchant left.
pub(super) fn membership_line(m: &crate::db::models::merchant::Merchant, lang: Lang) -> String {
    match (m.member_since, m.member_left_on) {
        (Some(since), Some(left)) => format!(
            "{} {since} {} {left}",
            lang.t("record-member-from"),
            lang.t("record-member-to")
        ),
        (Some(since), None) => format!("{} {since}", lang.t("record-member-since")),
        (None, _) => String::new(),
    }
}

/// Tenths of a point as "85.3", signed when asked ("+85.3", "−20.0").
pub fn points(tenths: i32, signed: bool) -> String {
    let sign = if tenths < 0 {
        "−"
    } else if signed {
        "+"
    } else {
        ""
    };
    let a = tenths.abs();
    format!("{sign}{}.{}", a / 10, a % 10)
}

/// GET /merchants/{id}: the public record, with the rating explained in plain words. Its ETag
/// is the hash of the page, so it changes with anything shown (rating, inspection, reply, user).
pub async fn merchant_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    id: Id,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    let page = viewer_ctx(&req, &session);
    let public = page.user.is_none();
    // Visitors get the rendered record while nothing it shows has changed (one small query).
    let mut version = None;
    if public {
        let lang = page.lang;
        if let Some(hit) = state.records.get_recent(id, lang, state.config.public_recheck) {
            return Ok(page_response(&req, &hit, true));
        }
        let records = state.records.clone();
        let today = state.config.today();
        let hit = with_db(&state, move |c| {
            let checked = Checked::now();
            let v = crate::services::records::record_version(c, id, today)?.ok_or(AppError::NotFound)?;
            Ok(records.get(id, lang, &v, checked).ok_or((v, checked)))
        })
        .await?;
        match hit {
            Ok(cached) => return Ok(page_response(&req, &cached, true)),
            Err(v) => version = Some(v),
        }
    }
    let policy = state.policy.clone();
    let (rec, ks, policy) = with_db(&state, move |c| {
        let policy = policy.current(c)?;
        let rec = crate::services::records::merchant_record(c, id, &policy)?;
        Ok((rec, crate::services::commendations::for_merchant(c, id)?, policy))
    })
    .await?;
    let rec = rec.ok_or(AppError::NotFound)?;
    let lang = page.lang;
    let m = &rec.merchant;
    let list = match m.current_list {
        ListStatus::Red => lang.t("list-red-title"),
        ListStatus::Black => lang.t("list-black-title"),
        ListStatus::None => "",
    };
    let (terms, total, reasons, policy_version, as_of) = match &rec.rating {
        Some(r) => (
            term_rows(r, lang),
            r.score_tenths.map(|s| points(s, false)).unwrap_or_default(),
            reason_lines(r, lang),
            r.policy_version.clone(),
            r.as_of.to_string(),
        ),
        None => (
            Vec::new(),
            String::new(),
            Vec::new(),
            String::new(),
            String::new(),
        ),
    };
    // Rating history as an inline SVG polyline: x by position, y by score (0–100).
    let rated: Vec<_> = rec
        .history
        .iter()
        .filter_map(|h| h.score_tenths.map(|s| (h.as_of, s)))
        .collect();
    let n = rated.len().max(2) as i32 - 1;
    let chart_dots: Vec<(i32, i32, String)> = rated
        .iter()
        .enumerate()
        .map(|(i, (d, s))| {
            (
                10 + i as i32 * 280 / n,
                110 - s / 10,
                format!("{d}: {}", points(*s, false)),
            )
        })
        .collect();
    let chart_points = chart_dots
        .iter()
        .map(|(x, y, _)| format!("{x},{y}"))
        .collect::<Vec<_>>()
        .join(" ");
    let out = MerchantPage {
        address: m.address.clone(),
        membership: membership_line(m, lang),
        list: list.to_string(),
        list_since: rec.list.as_ref().map(|l| l.since.to_string()).unwrap_or_default(),
        list_reason: rec
            .list
            .as_ref()
            .map(|l| crate::i18n::words::entered_reasons(&l.reasons, lang))
            .unwrap_or_default(),
        reasons,
        terms,
        total,
        policy_version,
        as_of,
        chart_points,
        chart_dots,
        inspections: rec
            .inspections
            .iter()
            .map(|i| InspectionRow::new(i, lang))
            .collect(),
        violations: rec
            .violations
            .iter()
            .map(|v| ViolationRow {
                date: v.found_on.to_string(),
                severity: crate::i18n::words::severity(v.severity, lang),
                description: v.description.clone(),
            })
            .collect(),
        replies: rec
            .replies
            .iter()
            .map(|(at, body)| (at.date().to_string(), body.clone()))
            .collect(),
        commendations: crate::web::commendations::badges(&ks, state.config.today(), lang),
        m: ListRow::new(m, lang, &policy),
        page,
    };
    let rendered = Rendered::of(&out)?;
    if let Some((v, checked)) = version {
        state.records.put(id, lang, v, checked, rendered.clone());
    }
    Ok(page_response(&req, &rendered, public))
}
