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
    pub fn new(i: &crate::services::records::RecordInspection, lang: Lang) -> Self {
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

/// Why a rating is on its list, in `lang`, with the record's long dates.
/// The record says why the merchant is on its list; what still keeps it there (the repair
/// reasons) is said once, as the steps of "to leave the black list".
fn record_reason_lines(r: &crate::domain::rating::Rating, lang: Lang) -> Vec<String> {
    use crate::domain::rating::ListReason as R;
    r.list_reasons
        .iter()
        .filter(|x| {
            !matches!(
                x,
                R::RepairNeedsNoticesClosed | R::RepairNeedsFollowUp { .. } | R::RepairMinimumStay { .. }
            )
        })
        .map(|x| crate::i18n::words::list_reason_dated(x, lang, &|d| long_date(d, lang)))
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
    /// How its rectification stands, in plain words.
    pub status: String,
}

/// One rectification notice, ready to print: public number, dates, outcome and the disclosed
/// violations it concerns.
pub struct NoticeRow {
    /// The number as written on the notice (Chinese), or "No. 12 of 2026".
    pub number: String,
    /// Whether `number` is the notice's own Chinese text (marked `translate="no"`).
    pub number_as_written: bool,
    pub issued: String,
    pub deadline: String,
    pub outcome: String,
    /// `verified`, `late`, `overdue`, `answered` or `open`: the row's class.
    pub class: &'static str,
    /// (severity, description) of each disclosed violation it concerns.
    pub concerns: Vec<(&'static str, String)>,
}

/// One point of the rating history as the text alternative prints it.
pub struct HistoryRow {
    pub date: String,
    pub score: String,
    pub stars: String,
    pub list: &'static str,
}

/// A date as the public record writes it in `lang` (2026年3月12日, 12 Mar 2026).
pub fn long_date(d: chrono::NaiveDate, lang: Lang) -> String {
    crate::i18n::words::long_date(d, lang)
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
    /// The rating history chart (an inline `<svg>`), or empty with fewer than two points.
    pub(super) history_svg: String,
    pub(super) history: Vec<HistoryRow>,
    pub(super) notices: Vec<NoticeRow>,
    /// What a black-listed merchant must do to leave the list, one clause each.
    pub(super) way_out: Vec<String>,
    /// When the black-list triggers stop counting even without repair, or empty.
    pub(super) way_out_window: String,
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
            "{} {} {} {}",
            lang.t("record-member-from"),
            long_date(since, lang),
            lang.t("record-member-to"),
            long_date(left, lang)
        ),
        (Some(since), None) => format!("{} {}", lang.t("record-member-since"), long_date(since, lang)),
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
    // Visitors get the rendered record while nothing it shows has changed (one small query, or
    // none on the record watch's word).
    if public {
        if let Some(hit) = state
            .records
            .get_recent(id, page.lang, state.config.public_recheck)
        {
            return Ok(page_response(&req, &hit, true));
        }
    }
    let records = state.records.clone();
    let policy = state.policy.clone();
    let today = state.config.today();
    let tz = state.config.time_zone;
    let lang = page.lang;
    // One trip to the database (on SQLite, on this thread when a connection is free): the
    // version, and when the kept page is stale or missing, what the page shows.
    let found = crate::web::with_db_read(&state, move |c| {
        crate::db::reading(c, |c| {
            read_record(
                c,
                &records,
                &policy,
                RecordAsked {
                    id,
                    lang,
                    today,
                    tz,
                    public,
                },
            )
        })
    })
    .await?;
    let data = match found {
        Err(cached) => return Ok(page_response(&req, &cached, true)),
        Ok(fresh) => *fresh,
    };
    let version = data.version.clone();
    // Most records are drawn for one visitor: compressed quickly.
    let rendered = draw_record(data, page, &state.config)?.quick();
    // Answered first: the compressed bytes it makes are the ones kept.
    let response = page_response(&req, &rendered, public);
    if let Some((v, check)) = version {
        state.records.put(id, lang, v, check, &rendered);
    }
    Ok(response)
}

/// Which record is asked for, for whom, on which day.
#[derive(Clone, Copy)]
struct RecordAsked {
    id: i32,
    lang: Lang,
    today: chrono::NaiveDate,
    tz: chrono_tz::Tz,
    /// A visitor with no session (whose page is kept), not a logged-in user.
    public: bool,
}

/// What a record is drawn from, as read in one trip to the database.
struct RecordData {
    rec: crate::services::records::MerchantRecord,
    ks: Vec<crate::services::commendations::Commendation>,
    details: crate::services::records::RecordDetails,
    policy: std::sync::Arc<crate::domain::policy::Policy>,
    /// For a visitor: the version read, and when.
    version: Option<(
        crate::services::records::RecordVersion,
        crate::web::cache::RecordCheck,
    )>,
}

/// Reads what merchant `asked.id`'s record shows — or, for a visitor whose kept page is still
/// at the version just read, that page (`Ok(Err(page))`). `NotFound` when there is no such
/// merchant.
fn read_record(
    c: &mut crate::db::DbConn,
    records: &crate::web::cache::RecordCache,
    policy: &crate::services::policy::PolicyStore,
    asked: RecordAsked,
) -> Result<Result<Box<RecordData>, Rendered>, AppError> {
    let RecordAsked {
        id,
        lang,
        today,
        tz,
        public,
    } = asked;
    let mut version = None;
    if public {
        let check = records.check_now();
        let v = crate::services::records::record_version(c, id, today)?.ok_or(AppError::NotFound)?;
        match records.get(id, lang, &v, check) {
            Some(hit) => return Ok(Err(hit)),
            None => version = Some((v, check)),
        }
    }
    // The version has read the active policy's id (a visitor's page): not read again.
    let policy = match &version {
        Some((v, _)) => policy.current_with_id(c, v.policy_id())?,
        None => policy.current(c)?,
    };
    // What the version counted (same transaction on SQLite) spares the queries of the
    // tables that hold nothing for this merchant.
    let present = version
        .as_ref()
        .map_or(crate::services::records::Present::UNKNOWN, |(v, _)| v.present());
    let Some(rec) = crate::services::records::merchant_record_of(c, id, present)? else {
        return Err(AppError::NotFound);
    };
    let details = crate::services::records::record_details(c, &rec, present, &policy, today, tz)?;
    let ks = if present.commendations {
        crate::services::commendations::for_merchant(c, id)?
    } else {
        Vec::new()
    };
    Ok(Ok(Box::new(RecordData {
        rec,
        ks,
        details,
        policy,
        version,
    })))
}

/// Merchant `id`'s public record in `lang` drawn into the record cache, as a visitor with no
/// session would get it, unless a current one is kept: the record watch's warm-up
/// ([`crate::spawn_record_watch`]). Returns whether one was drawn; `false` too when there is no
/// such merchant. Compressed at the default level: kept for long, sent many times.
pub fn warm_record(
    state: &AppState,
    c: &mut crate::db::DbConn,
    id: i32,
    lang: Lang,
) -> Result<bool, AppError> {
    let asked = RecordAsked {
        id,
        lang,
        today: state.config.today(),
        tz: state.config.time_zone,
        public: true,
    };
    let found = crate::db::reading(c, |c| read_record(c, &state.records, &state.policy, asked));
    let data = match found {
        Ok(Ok(data)) => *data,
        Ok(Err(_)) | Err(AppError::NotFound) => return Ok(false),
        Err(e) => return Err(e),
    };
    let Some((v, check)) = data.version.clone() else {
        return Ok(false);
    };
    // What `viewer_ctx` makes of a visitor's `GET /merchants/{id}`.
    let page = PageCtx {
        lang,
        user: None,
        role: None,
        csrf: String::new(),
        here: format!("/merchants/{id}"),
    };
    let rendered = draw_record(data, page, &state.config)?;
    state.records.put(id, lang, v, check, &rendered);
    Ok(true)
}

/// Draws the record page from what [`read_record`] read.
fn draw_record(
    data: RecordData,
    page: PageCtx,
    config: &crate::config::Config,
) -> Result<Rendered, AppError> {
    let RecordData {
        rec,
        ks,
        details,
        policy,
        version: _,
    } = data;
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
            record_reason_lines(r, lang),
            r.policy_version.clone(),
            long_date(r.as_of, lang),
        ),
        None => (
            Vec::new(),
            String::new(),
            Vec::new(),
            String::new(),
            String::new(),
        ),
    };
    let (history_svg, history) = history_chart(&details.history, lang);
    // The way off the black list, from the rating that put the merchant there.
    let black = rec
        .rating
        .as_ref()
        .or(details.today_rating.as_ref())
        .filter(|r| r.list == ListStatus::Black && m.current_list == ListStatus::Black);
    let overdue = details.notices.iter().filter(|n| n.outcome.is_overdue()).count();
    let mut way_out = Vec::new();
    let mut way_out_window = String::new();
    for step in black
        .map(|r| crate::domain::public_record::way_out(r, &policy, overdue))
        .unwrap_or_default()
    {
        let words = crate::i18n::words::way_out_step(step, lang);
        match step {
            crate::domain::public_record::WayOutStep::TriggersLeaveWindow { .. } => way_out_window = words,
            _ => way_out.push(words),
        }
    }
    let out = MerchantPage {
        address: m.address.clone(),
        membership: membership_line(m, lang),
        list: list.to_string(),
        list_since: rec
            .list
            .as_ref()
            .map(|l| long_date(l.since, lang))
            .unwrap_or_default(),
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
        history_svg,
        history,
        notices: details.notices.iter().map(|n| notice_row(n, lang)).collect(),
        way_out,
        way_out_window,
        inspections: rec
            .inspections
            .iter()
            .map(|i| InspectionRow {
                date: long_date(i.inspected_on, lang),
                ..InspectionRow::new(i, lang)
            })
            .collect(),
        violations: details
            .violations
            .iter()
            .map(|v| ViolationRow {
                date: long_date(v.found_on, lang),
                severity: crate::i18n::words::severity(v.severity, lang),
                description: v.description.clone(),
                status: crate::i18n::words::violation_status(v.rectification, lang),
            })
            .collect(),
        replies: rec
            .replies
            .iter()
            .map(|(at, body)| {
                use chrono::TimeZone;
                let day = config.time_zone.from_utc_datetime(at).date_naive();
                (long_date(day, lang), body.clone())
            })
            .collect(),
        commendations: crate::web::commendations::badges(&ks, config.today(), lang),
        m: ListRow::new(m, lang, &policy),
        page,
    };
    Rendered::of(&out)
}

/// A notice as the record prints it.
fn notice_row(n: &crate::services::records::PublicNotice, lang: Lang) -> NoticeRow {
    use crate::services::records::NoticeOutcome as O;
    let zh = lang == Lang::Zh;
    NoticeRow {
        number: if zh {
            n.number.clone()
        } else {
            lang.tr(
                "record-notice-number",
                &[("seq", n.seq.into()), ("year", n.year.to_string().into())],
            )
        },
        number_as_written: zh,
        issued: long_date(n.issued_on, lang),
        deadline: long_date(n.deadline, lang),
        outcome: crate::i18n::words::notice_outcome(n.outcome, lang),
        class: match n.outcome {
            O::Verified { .. } => "verified",
            O::VerifiedLate { .. } => "late",
            O::Overdue { .. } => "overdue",
            O::Answered { .. } => "answered",
            O::Open { .. } => "open",
        },
        concerns: n
            .violations
            .iter()
            .map(|(_, sev, description)| (crate::i18n::words::severity(*sev, lang), description.clone()))
            .collect(),
    }
}

/// The rating history as a chart (axes, dates, scores; dots coloured by list) and as rows for
/// its text alternative. No chart with fewer than two rated points.
fn history_chart(
    history: &[crate::services::records::HistoryPoint],
    lang: Lang,
) -> (String, Vec<HistoryRow>) {
    use crate::web::charts;
    let rows = history
        .iter()
        .rev()
        .map(|p| HistoryRow {
            date: long_date(p.as_of, lang),
            score: p
                .score_tenths
                .map(|s| points(s, false))
                .unwrap_or_else(|| lang.t("record-unrated-short").to_string()),
            stars: p.stars.map(|s| s.to_string()).unwrap_or_default(),
            list: match p.list {
                ListStatus::None => "",
                other => crate::i18n::words::list_status(other, lang),
            },
        })
        .collect();
    let rated: Vec<_> = history.iter().filter(|p| p.score_tenths.is_some()).collect();
    let Some(first) = rated.first().map(|p| p.as_of) else {
        return (String::new(), rows);
    };
    if rated.len() < 2 {
        return (String::new(), rows);
    }
    let dots: Vec<(i64, i64, charts::Rgb)> = rated
        .iter()
        .map(|p| {
            (
                (p.as_of - first).num_days(),
                i64::from(p.score_tenths.unwrap_or(0) / 10),
                match p.list {
                    ListStatus::Red => charts::RED,
                    ListStatus::Black => charts::BLACK,
                    ListStatus::None => charts::ACCENT,
                },
            )
        })
        .collect();
    let label = |d: i64| long_date(first + chrono::Duration::days(d), lang);
    let svg = charts::timeline_svg(&charts::Timeline {
        id: "history",
        title: lang.t("record-history"),
        date_desc: lang.t("record-history-dates"),
        value_desc: lang.t("record-history-score"),
        points: &dots,
        values: (0, 100),
        day_label: &label,
        empty_text: lang.t("record-unrated"),
    });
    match svg {
        Ok(svg) => (svg, rows),
        Err(e) => {
            tracing::warn!(error = %e, "rating history chart");
            (String::new(), rows)
        }
    }
}
