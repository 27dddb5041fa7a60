//! What consumers see with no login: the home page, the red and black lists, a merchant's
//! public record, and the health check.

use actix_session::Session;
use actix_web::{http::header, web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::connection::SimpleConnection;

use super::cache::{page_response, viewer_ctx, Rendered};
use super::extract::Id;
use super::{with_db, AppError, AppState, Lang, PageCtx};
use crate::db::models::merchant::Merchant;
use crate::domain::policy::{DeclaredName, Policy};
use crate::domain::words::ListStatus;
use crate::services::lists::{self, PublishedList};

mod assets;
mod health;
mod record;

pub use assets::*;
pub use health::*;
pub use record::*;

/// A merchant as the lists print it: every value ready to show.
pub struct ListRow {
    pub id: i32,
    pub name: String,
    /// The category in the reader's words (the declared English name on English pages).
    pub category: String,
    /// The category matches no declared name: shown as typed (`translate="no"`).
    pub category_typed: bool,
    pub area: String,
    pub area_typed: bool,
    pub stars_text: String,
    /// The spoken form with the plain words: "3 stars · generally satisfactory".
    pub stars_label: String,
    /// The plain words alone: "generally satisfactory".
    pub stars_words: &'static str,
    /// The level for the colour scale: "1" to "5", or "unrated".
    pub stars_level: &'static str,
    pub score_text: String,
}

impl ListRow {
    fn new(m: &Merchant, lang: Lang, policy: &Policy) -> Self {
        let (stars_text, stars_label) = stars_display(m.current_stars, lang);
        let (category, category_typed) = declared_name(policy.category(&m.category), &m.category, lang);
        let (area, area_typed) = declared_name(policy.area(&m.area), &m.area, lang);
        ListRow {
            id: m.id,
            name: m.name.clone(),
            category,
            category_typed,
            area,
            area_typed,
            stars_text,
            stars_label,
            stars_words: stars_words(m.current_stars, lang),
            stars_level: stars_level(m.current_stars),
            score_text: m
                .current_score_tenths
                .map(|t| format!("{}.{}", t / 10, t % 10))
                .unwrap_or_else(|| "—".into()),
        }
    }
}

/// "★★★★☆" and its spoken form with the level's plain words ("4星 · 良好"), or "not yet rated".
/// Every star display carries the words, so nobody has to guess what three stars mean.
pub fn stars_display(stars: Option<i32>, lang: Lang) -> (String, String) {
    let words = stars_words(stars, lang);
    match stars {
        Some(s) => {
            let s = s.clamp(0, 5) as usize;
            let text = format!("{}{}", "★".repeat(s), "☆".repeat(5 - s));
            let label = lang.tr("stars-label", &[("stars", s.into())]);
            (text, format!("{label} · {words}"))
        }
        None => {
            let t = lang.t("stars-unrated").to_string();
            (t.clone(), format!("{t} · {words}"))
        }
    }
}

/// The plain words of a star level (like the UK FHRS "5 – very good"): fixed words in the
/// catalogue, the same under every policy; the policy sets which scores reach a level.
pub fn stars_words(stars: Option<i32>, lang: Lang) -> &'static str {
    lang.t(match stars.map(|s| s.clamp(1, 5)) {
        Some(5) => "stars-words-5",
        Some(4) => "stars-words-4",
        Some(3) => "stars-words-3",
        Some(2) => "stars-words-2",
        Some(_) => "stars-words-1",
        None => "stars-words-unrated",
    })
}

/// The level of a star display for its colour on the scale: "1" to "5", or "unrated".
pub fn stars_level(stars: Option<i32>) -> &'static str {
    match stars.map(|s| s.clamp(1, 5)) {
        Some(5) => "5",
        Some(4) => "4",
        Some(3) => "3",
        Some(2) => "2",
        Some(_) => "1",
        None => "unrated",
    }
}

/// A category or area as the reader sees it: the committee's name in the reader's language when
/// the stored text is declared in the policy, else the stored text as typed (`true`: mark it
/// `translate="no"`).
pub fn declared_name(declared: Option<&DeclaredName>, stored: &str, lang: Lang) -> (String, bool) {
    match declared {
        Some(n) => (lang.pick(&n.name_zh, &n.name_en).to_string(), false),
        None => (stored.to_string(), true),
    }
}

/// A filter's choice: the stored text as the value, the reader's words as the label.
pub struct FilterOption {
    pub value: String,
    pub label: String,
    pub typed: bool,
}

/// The filter's choices for the stored `values`, each named by `find` (the policy's declaration).
fn filter_options<'p>(
    values: &[String],
    lang: Lang,
    find: impl Fn(&str) -> Option<&'p DeclaredName>,
) -> Vec<FilterOption> {
    values
        .iter()
        .map(|v| {
            let (label, typed) = declared_name(find(v), v, lang);
            FilterOption {
                value: v.clone(),
                label,
                typed,
            }
        })
        .collect()
}

/// A list entry (live or from an edition), ready to print.
pub struct EntryRow {
    pub id: i32,
    pub name: String,
    pub category: String,
    pub category_typed: bool,
    pub area: String,
    pub area_typed: bool,
    pub stars_text: String,
    pub stars_label: String,
    pub stars_words: &'static str,
    pub stars_level: &'static str,
    /// The reasons as one line.
    pub reason: String,
    /// The reasons one by one, for a short bulleted list.
    pub reasons: Vec<String>,
    pub since: String,
}

impl EntryRow {
    /// A list's or an edition's entry in `lang`, its reasons in words, its category and area in
    /// the names `policy` declares.
    pub fn new(e: &crate::services::lists::Entry, lang: Lang, policy: &Policy) -> Self {
        let (stars_text, stars_label) = stars_display(e.stars, lang);
        let (category, category_typed) = declared_name(policy.category(&e.category), &e.category, lang);
        let (area, area_typed) = declared_name(policy.area(&e.area), &e.area, lang);
        EntryRow {
            id: e.merchant_id,
            name: e.name.clone(),
            category,
            category_typed,
            area,
            area_typed,
            stars_text,
            stars_label,
            stars_words: stars_words(e.stars, lang),
            stars_level: stars_level(e.stars),
            reason: crate::i18n::words::entered_reasons(&e.reasons, lang),
            reasons: e
                .reasons
                .0
                .iter()
                .map(|r| crate::i18n::words::stored_reason(r, lang))
                .collect(),
            since: e
                .since
                .map(|d| crate::i18n::words::long_date(d, lang))
                .unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "public/home.html")]
pub struct HomePage {
    page: PageCtx,
    merchant_count: i64,
    edition: String,
    red: Vec<EntryRow>,
    red_total: usize,
    black: Vec<EntryRow>,
    black_total: usize,
}

fn edition_label(l: &crate::services::lists::PublishedList, lang: Lang) -> String {
    match (l.edition, l.published_on) {
        (Some(n), Some(d)) => format!(
            "{}{n}{} · {} {}",
            lang.t("editions-number-prefix"),
            lang.t("editions-number-suffix"),
            lang.t("editions-published-on"),
            crate::i18n::words::long_date(d, lang)
        ),
        _ => lang.t("list-live").to_string(),
    }
}

/// A cacheable public page: served from [`super::cache::PageCache`] to visitors with no session
/// while the lists' version holds, rendered afresh (and `private`) for a logged-in user.
async fn cached_page<F>(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
    key: String,
    wanted: &'static [ListStatus],
    with_count: bool,
    render: F,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce(
        PageCtx,
        Vec<std::sync::Arc<PublishedList>>,
        i64,
        &Policy,
    ) -> Result<(Rendered, bool), AppError>,
{
    let page = viewer_ctx(req, session);
    let public = page.user.is_none();
    if public {
        if let Some(hit) = state.pages.get_recent(&key, state.config.public_recheck) {
            return Ok(page_response(req, &hit, true));
        }
    }
    // One visitor at a time renders a missing page; the others then find it kept.
    let _turn = if public {
        match state.pages.fill_turn(&key, state.config.public_recheck).await {
            Ok(turn) => Some(turn),
            Err(hit) => return Ok(page_response(req, &hit, true)),
        }
    } else {
        None
    };
    let cache = state.lists.clone();
    let pages = state.pages.clone();
    let probe = public.then(|| key.clone());
    let (version, checked, hit) = with_db(state, move |c| Ok(pages.check(c, probe.as_deref())?)).await?;
    if let Some(hit) = hit {
        return Ok(page_response(req, &hit, true));
    }
    let v = version;
    let policy = state.policy.clone();
    let (loaded, count, policy) = with_db(state, move |c| {
        let loaded = wanted
            .iter()
            .map(|l| cache.get_at(c, *l, v))
            .collect::<Result<Vec<_>, _>>()?;
        let count = if with_count { Merchant::count(c)? } else { 0 };
        Ok((loaded, count, policy.current(c)?))
    })
    .await?;
    // `keep` is false for a page not worth keeping (a filter that matches nothing).
    let (rendered, keep) = render(page, loaded, count, &policy)?;
    if public && keep {
        state.pages.put(key, &version, checked, rendered.clone());
    }
    Ok(page_response(req, &rendered, public))
}

/// GET /: both lists at a glance.
pub async fn home(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
) -> Result<HttpResponse, AppError> {
    let lang = Lang::from_request_parts(&req);
    let key = format!("home:{}", lang.tag());
    cached_page(
        &req,
        &state,
        &session,
        key,
        &[ListStatus::Red, ListStatus::Black],
        true,
        |mut page, l, count, policy| {
            page.switch_to("/");
            let (red, black) = (&l[0], &l[1]);
            let lang = page.lang;
            let home = HomePage {
                page,
                merchant_count: count,
                edition: edition_label(red, lang),
                red: red
                    .entries
                    .iter()
                    .take(10)
                    .map(|e| EntryRow::new(e, lang, policy))
                    .collect(),
                red_total: red.entries.len(),
                black: black
                    .entries
                    .iter()
                    .take(10)
                    .map(|e| EntryRow::new(e, lang, policy))
                    .collect(),
                black_total: black.entries.len(),
            };
            Ok((Rendered::of(&home)?, true))
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "public/list.html")]
pub struct ListPage {
    page: PageCtx,
    list: String,
    title: &'static str,
    edition: String,
    /// "共 N 家商家 · 第 x/y 页".
    count_line: String,
    pages: usize,
    rows: Vec<EntryRow>,
    categories: Vec<FilterOption>,
    areas: Vec<FilterOption>,
    category: String,
    area: String,
    prev_href: Option<String>,
    next_href: Option<String>,
}

/// Entries per list page.
pub const LIST_PAGE_SIZE: usize = 100;
/// Longer filter values name no category or area.
const MAX_FILTER_CHARS: usize = 100;

/// Filters and page of a list page.
#[derive(serde::Deserialize, Default)]
pub struct ListFilter {
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub page: String,
}

impl ListFilter {
    /// The page number: empty is 1; anything but a whole number from 1 is refused.
    fn page(&self) -> Result<usize, AppError> {
        // At most MAX_PAGE, so the conversion cannot fail.
        super::parse_page(&self.page).map(|n| usize::try_from(n).unwrap_or(1))
    }
}

fn list_href(list: &str, category: &str, area: &str, page: usize) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    if !category.is_empty() {
        q.append_pair("category", category);
    }
    if !area.is_empty() {
        q.append_pair("area", area);
    }
    q.append_pair("page", &page.to_string());
    format!("/lists/{list}?{}", q.finish())
}

/// GET /lists/{red|black}?category=&area=&page=: the latest published edition of the list (the
/// live ratings before the first edition), 100 entries a page.
pub async fn list_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<String>,
    filter: web::Query<ListFilter>,
) -> Result<HttpResponse, AppError> {
    let list: ListStatus = path.parse().map_err(|_| AppError::NotFound)?;
    let (title_key, wanted): (&str, &'static [ListStatus]) = match list {
        ListStatus::Red => ("list-red-title", &[ListStatus::Red]),
        ListStatus::Black => ("list-black-title", &[ListStatus::Black]),
        ListStatus::None => return Err(AppError::NotFound),
    };
    let number = filter.page()?;
    let ListFilter { category, area, .. } = filter.into_inner();
    let (category, area) = (category.trim().to_string(), area.trim().to_string());
    if category.chars().count() > MAX_FILTER_CHARS || area.chars().count() > MAX_FILTER_CHARS {
        return Err(AppError::invalid(
            "category",
            "筛选条件过长。",
            "The filter is too long.",
        ));
    }
    let lang = Lang::from_request_parts(&req);
    let key = format!("list:{list}:{}:{category}\u{1f}{area}:{number}", lang.tag());
    cached_page(&req, &state, &session, key, wanted, false, |page, l, _, p| {
        let published = &l[0];
        let lang = page.lang;
        let mut categories: Vec<String> = published.entries.iter().map(|e| e.category.clone()).collect();
        categories.sort();
        categories.dedup();
        let mut areas: Vec<String> = published.entries.iter().map(|e| e.area.clone()).collect();
        areas.sort();
        areas.dedup();
        // Filters that name no real value are not kept: the cache's keys stay those of real values.
        let known = (category.is_empty() || categories.contains(&category))
            && (area.is_empty() || areas.contains(&area));
        let matching: Vec<&lists::Entry> = published
            .entries
            .iter()
            .filter(|e| category.is_empty() || e.category == category)
            .filter(|e| area.is_empty() || e.area == area)
            .collect();
        let pages = matching.len().div_ceil(LIST_PAGE_SIZE).max(1);
        if number > pages {
            return Err(AppError::NotFound);
        }
        let rows = matching
            .iter()
            .skip((number - 1) * LIST_PAGE_SIZE)
            .take(LIST_PAGE_SIZE)
            .map(|e| EntryRow::new(e, lang, p))
            .collect();
        let categories = filter_options(&categories, lang, |v| p.category(v));
        let areas = filter_options(&areas, lang, |v| p.area(v));
        let page = ListPage {
            title: lang.t(title_key),
            edition: edition_label(published, lang),
            count_line: lang.tr(
                "list-count-line",
                &[
                    ("total", matching.len().into()),
                    ("page", number.into()),
                    ("pages", pages.into()),
                ],
            ),
            pages,
            prev_href: (number > 1).then(|| list_href(list.as_str(), &category, &area, number - 1)),
            next_href: (number < pages).then(|| list_href(list.as_str(), &category, &area, number + 1)),
            list: list.to_string(),
            rows,
            categories,
            areas,
            category: category.clone(),
            area: area.clone(),
            page,
        };
        Ok((Rendered::of(&page)?, known))
    })
    .await
}
