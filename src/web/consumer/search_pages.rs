use super::*;

/// Results per page.
pub(super) const PER_PAGE: i64 = 50;

/// Longer queries are cut: no merchant name or address is this long.
pub(super) const MAX_QUERY_CHARS: usize = 100;

/// `?q=&page=` of the search page and the search API.
#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    pub(super) q: String,
    #[serde(default)]
    pub(super) page: String,
}

impl SearchQuery {
    pub(super) fn text(&self) -> String {
        self.q.trim().chars().take(MAX_QUERY_CHARS).collect()
    }

    pub(super) fn page(&self) -> Result<i64, AppError> {
        crate::web::parse_page(&self.page)
    }
}

/// The open merchants matching the query's text, a page of them, and how many match; with no
/// text, every open merchant (`all_when_empty`, the open-data listing) or none (the search page's
/// empty form).
pub(super) async fn run_search(
    state: &AppState,
    q: &SearchQuery,
    page: i64,
    all_when_empty: bool,
) -> Result<(Vec<Merchant>, i64), AppError> {
    let text = q.text();
    let offset = (page - 1) * PER_PAGE;
    if text.is_empty() && all_when_empty {
        return with_db(state, move |c| Ok(search::list_open(c, offset, PER_PAGE)?)).await;
    }
    if text.is_empty() {
        return Ok((Vec::new(), 0));
    }
    let find = finder(state, text, page);
    with_db(state, move |c| find(c)).await
}

/// What finds a page of the open merchants containing `text` on a connection (on the database
/// thread, with whatever else the caller reads there).
fn finder(
    state: &AppState,
    text: String,
    page: i64,
) -> impl FnOnce(&mut crate::db::DbConn) -> Result<(Vec<Merchant>, i64), AppError> {
    let recent = state.search.get_recent(state.config.public_recheck);
    let cache = state.search.clone();
    let offset = (page - 1) * PER_PAGE;
    move |c| {
        let index = match recent {
            Some(index) => index,
            None => {
                let checked = Checked::now();
                let v = search::version(c)?;
                cache.at(c, v, checked)?
            }
        };
        let ids = index.matching(&text);
        let page: Vec<i32> = ids
            .iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(PER_PAGE as usize)
            .copied()
            .collect();
        let total = i64::try_from(ids.len()).unwrap_or(i64::MAX);
        Ok((search::open_merchants(c, &page)?, total))
    }
}

/// A search hit, ready to print.
pub struct HitRow {
    pub id: i32,
    pub name: String,
    pub category: String,
    /// The category matches no declared name: shown as typed.
    pub category_typed: bool,
    pub address: String,
    pub stars_text: String,
    pub stars_label: String,
    pub stars_words: &'static str,
    pub stars_level: &'static str,
    pub list: &'static str,
    pub list_class: String,
}

#[derive(Template)]
#[template(path = "consumer/search.html")]
pub struct SearchPage {
    pub(super) page: PageCtx,
    pub(super) q: String,
    pub(super) searched: bool,
    pub(super) total: i64,
    pub(super) hits: Vec<HitRow>,
    pub(super) prev_href: Option<String>,
    pub(super) next_href: Option<String>,
}

pub(super) fn search_href(q: &str, page: i64) -> String {
    let q: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
    format!("/search?q={q}&page={page}")
}

/// GET /search?q=&page=: open merchants by part of their name, credit code or address.
///
/// Sent like the cached public pages ([`crate::web::cache::page_response`]): gzip-compressed in
/// place when the browser accepts it (not on a blocking thread by the `Compress` middleware), with
/// an ETag; and a visitor gets no session cookie (the form is a GET; only a logged-in user's
/// log-out button needs the CSRF token).
pub async fn search_page(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    session: actix_session::Session,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, AppError> {
    let mut page = crate::web::cache::viewer_ctx(&req, &session);
    // The language switch keeps the query and the page number.
    page.switch_to(PageCtx::here_of(&req));
    let public = page.user.is_none();
    let q = query.into_inner();
    let text = q.text();
    let n = q.page()?;
    // The policy only names the hits' categories: the copy this server last read (a policy
    // loaded elsewhere shows at the next page that checks it), not one more query a search.
    let policy = state.policy.latest();
    let (rows, total) = match (!text.is_empty()).then(|| finder(&state, text.clone(), n)) {
        // One trip to the database thread: the hits.
        Some(find) => with_db(&state, move |c| crate::db::reading(c, find)).await?,
        None => (Vec::new(), 0),
    };
    let lang = page.lang;
    let hits = rows
        .iter()
        .map(|m| {
            let (stars_text, stars_label) = stars_display(m.current_stars, lang);
            let (category, category_typed) =
                crate::web::public::declared_name(policy.category(&m.category), &m.category, lang);
            HitRow {
                id: m.id,
                name: m.name.clone(),
                category,
                category_typed,
                address: m.address.clone(),
                stars_text,
                stars_label,
                stars_words: crate::web::public::stars_words(m.current_stars, lang),
                stars_level: crate::web::public::stars_level(m.current_stars),
                list: list_label(m.current_list, lang),
                list_class: m.current_list.to_string(),
            }
        })
        .collect();
    let out = SearchPage {
        page,
        searched: !text.is_empty(),
        total,
        hits,
        prev_href: (n > 1).then(|| search_href(&text, n - 1)),
        next_href: (n * PER_PAGE < total).then(|| search_href(&text, n + 1)),
        q: text,
    };
    Ok(crate::web::cache::page_response(
        &req,
        &crate::web::cache::Rendered::of(&out)?.quick(),
        public,
    ))
}

/// A search hit in the API: public facts only, never contact details.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SearchItem {
    pub id: i32,
    pub name: String,
    pub category: String,
    pub address: String,
    pub area: String,
    pub alliance_member: bool,
    pub stars: Option<i32>,
    pub score: Option<f64>,
    #[schema(value_type = String)]
    pub list: ListStatus,
}

/// Open merchants, 50 a page: those whose name, credit code or address contains `q`, ordered by
/// name; with no `q`, every open merchant, ordered by id (new merchants come last, so paging
/// through all of them is stable).
#[utoipa::path(get, path = "/api/v1/public/merchants", tag = "public",
    params(("q" = Option<String>, Query, description = "part of a name, credit code or address"),
        ("page" = Option<i64>, Query, description = "from 1 (the default) to 100000")),
    responses((status = 200, description = "{\"items\": [SearchItem], \"page\", \"per_page\", \"total\"}"),
        (status = 422, description = "a page that is not a whole number from 1 to 100000")))]
pub async fn api_search(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let page = crate::web::api::api_page(req.query_string())?;
    let (rows, total) = run_search(&state, &q, page, true).await?;
    let today = state.config.today();
    let items: Vec<SearchItem> = rows
        .into_iter()
        .map(|m| SearchItem {
            id: m.id,
            alliance_member: m.is_member_on(today),
            name: m.name,
            category: m.category,
            address: m.address,
            area: m.area,
            stars: m.current_stars,
            score: m.current_score_tenths.map(|t| f64::from(t) / 10.0),
            list: m.current_list,
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .json(serde_json::json!({
            "items": items,
            "page": page,
            "per_page": PER_PAGE,
            "total": total,
        })))
}
