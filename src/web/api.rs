//! The JSON API. Public endpoints need no login; errors are JSON bodies with both languages.

use actix_web::{http::header, web, HttpResponse};
use serde::Serialize;

use super::cache::{json_response, Rendered, PUBLIC_JSON};
use super::extract::{Id, NumberSegment, PathId};
use super::{with_db, ApiError, AppError, AppState, Lang};
use crate::domain::rating::Rating;
use crate::domain::reasons::EnteredReasons;
use crate::domain::words::{ListStatus, Role};
use crate::i18n::words;
use crate::services::lists::Entry;

/// One merchant on a list, as the API gives it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ListItem {
    /// The merchant's id (its record is `/api/v1/public/merchants/{id}`).
    pub id: i32,
    pub name: String,
    pub category: String,
    pub area: String,
    pub stars: Option<i32>,
    /// Why the merchant is on the list, in words: in the request's language (`?lang=en`, else
    /// `Accept-Language`; Chinese by default).
    pub reason: String,
    /// The same reasons as codes with their arguments, e.g.
    /// `{"code": "serious_violation", "violation_id": 4, "date": "2026-03-01"}` (codes:
    /// docs/api.md); an entry from before codes has `{"code": "legacy", "text": "…"}`.
    #[schema(value_type = Vec<Object>)]
    pub reasons: EnteredReasons,
    /// The day the merchant entered the list.
    pub since: Option<chrono::NaiveDate>,
}

impl ListItem {
    fn new(e: Entry, lang: Lang) -> Self {
        ListItem {
            id: e.merchant_id,
            name: e.name,
            category: e.category,
            area: e.area,
            stars: e.stars,
            reason: words::entered_reasons(&e.reasons, lang),
            reasons: e.reasons,
            since: e.since,
        }
    }
}

/// Items per page of `/api/v1/public/lists/{list}`, as on the list pages.
pub const LIST_ITEMS_PER_PAGE: usize = super::public::LIST_PAGE_SIZE;

/// The red or black list, a page of it: the latest published edition, or the live ratings before
/// the first. Each page is kept as bytes while the lists do not change (like the list pages), so
/// most requests cost no database query and no serialising.
#[utoipa::path(get, path = "/api/v1/public/lists/{list}", tag = "public",
    params(("list" = String, Path, description = "red or black"),
        ("lang" = Option<String>, Query, description = "zh or en: the language of each item's reason (else Accept-Language; zh by default)"),
        ("page" = Option<i64>, Query, description = "from 1; 100 items a page, in the list's order")),
    responses((status = 200, body = ListResponse), (status = 404), (status = 422, description = "a page that is not a whole number from 1 to 100000")))]
pub async fn public_list(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let list = match path.parse() {
        Ok(l @ (ListStatus::Red | ListStatus::Black)) => l,
        _ => return Err(AppError::NotFound.into()),
    };
    let lang = Lang::from_api_request(&req);
    let page = api_page(req.query_string())?;
    let key = format!("api-list:{}:{}:{page}", list.as_str(), lang.tag());
    if let Some(hit) = state.pages.get_recent(&key, state.config.public_recheck) {
        return Ok(json_response(&req, &hit));
    }
    // One request at a time makes a missing page; the others then find it kept.
    let _turn = match state.pages.fill_turn(&key, state.config.public_recheck).await {
        Ok(turn) => turn,
        Err(hit) => return Ok(json_response(&req, &hit)),
    };
    let cache = state.lists.clone();
    let pages = state.pages.clone();
    let probe = key.clone();
    let found = with_db(&state, move |c| {
        Ok(match pages.check(c, Some(&probe))? {
            (_, _, Some(hit)) => Err(hit),
            (v, checked, None) => Ok((cache.get_at(c, list, v)?, v, checked)),
        })
    })
    .await?;
    let (published, version, checked) = match found {
        Err(hit) => return Ok(json_response(&req, &hit)),
        Ok(fresh) => fresh,
    };
    let skip = usize::try_from(page - 1)
        .unwrap_or(usize::MAX)
        .saturating_mul(LIST_ITEMS_PER_PAGE);
    let body = serde_json::to_vec(&ListResponse {
        list: published.list,
        edition: published.edition,
        published_on: published.published_on,
        items: published
            .entries
            .iter()
            .skip(skip)
            .take(LIST_ITEMS_PER_PAGE)
            .cloned()
            .map(|e| ListItem::new(e, lang))
            .collect(),
        page,
        per_page: LIST_ITEMS_PER_PAGE as i64,
        total: published.entries.len() as i64,
    })
    .map_err(|e| AppError::Internal(e.into()))?;
    let rendered = Rendered::from_body(body);
    // A page past the end is not worth keeping: anyone can ask for 100,000 of them.
    if skip < published.entries.len().max(1) {
        state.pages.put(key, &version, checked, rendered.clone());
    }
    Ok(json_response(&req, &rendered))
}

/// A page of a list as the API returns it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ListResponse {
    #[schema(value_type = String)]
    pub list: ListStatus,
    /// The edition (第N期) the list comes from; null before the first edition (live ratings).
    pub edition: Option<i32>,
    pub published_on: Option<chrono::NaiveDate>,
    /// This page's items (at most `per_page`), in the order of the list page.
    pub items: Vec<ListItem>,
    pub page: i64,
    pub per_page: i64,
    /// Merchants on the list in all (`ceil(total / per_page)` pages).
    pub total: i64,
}

/// A published edition as the API returns it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct EditionResponse {
    pub number: i32,
    pub published_on: chrono::NaiveDate,
    pub policy_version: String,
    pub note: String,
    pub red: Vec<ListItem>,
    pub black: Vec<ListItem>,
}

/// Every published edition (number, date), newest first.
#[utoipa::path(get, path = "/api/v1/public/editions", tag = "public", responses((status = 200)))]
pub async fn public_editions(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let list = with_db(&state, |c| Ok(crate::services::editions::list(c)?)).await?;
    let items: Vec<serde_json::Value> = list
        .iter()
        .map(|e| serde_json::json!({"number": e.number, "published_on": e.published_on, "note": e.note}))
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, PUBLIC_JSON))
        .json(serde_json::json!({ "items": items })))
}

/// One published edition with both lists.
#[utoipa::path(get, path = "/api/v1/public/editions/{number}", tag = "public",
    params(("number" = i32, Path),
        ("lang" = Option<String>, Query, description = "zh or en: the language of each item's reason (else Accept-Language; zh by default)")),
    responses((status = 200, body = EditionResponse), (status = 404)))]
pub async fn public_edition(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    number: PathId<NumberSegment>,
) -> Result<HttpResponse, ApiError> {
    let lang = Lang::from_api_request(&req);
    let number = *number;
    let (e, entries) = with_db(&state, move |c| Ok(crate::services::editions::find(c, number)?))
        .await?
        .ok_or(AppError::NotFound)?;
    let (mut red, mut black) = (Vec::new(), Vec::new());
    for x in entries {
        let on_red = x.list == ListStatus::Red;
        let item = ListItem::new(Entry::from(x), lang);
        if on_red {
            red.push(item);
        } else {
            black.push(item);
        }
    }
    // A published edition never changes: cache it for a day.
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .insert_header((header::VARY, "Accept-Language"))
        .json(EditionResponse {
            number: e.number,
            published_on: e.published_on,
            policy_version: e.policy_version,
            note: e.note,
            red,
            black,
        }))
}

/// A merchant's public record as JSON: no contact details, the rating with its breakdown.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PublicMerchant {
    pub id: i32,
    pub name: String,
    pub category: String,
    pub address: String,
    pub area: String,
    pub alliance_member: bool,
    #[schema(value_type = String)]
    pub list: ListStatus,
    /// The latest rating: score_tenths, stars, list, list_reasons (codes) and the breakdown
    /// terms, each with its label in both languages (`label_zh`, `label_en`).
    #[schema(value_type = Object)]
    pub rating: Option<serde_json::Value>,
}

/// A rating as the API gives it: as stored, each breakdown term with its label in words.
fn rating_json(r: &Rating) -> serde_json::Value {
    let mut v = serde_json::to_value(r).unwrap_or_default();
    if let Some(terms) = v.get_mut("breakdown").and_then(|b| b.as_array_mut()) {
        for (json, term) in terms.iter_mut().zip(&r.breakdown) {
            if let Some(o) = json.as_object_mut() {
                for (name, lang) in [("label_zh", Lang::Zh), ("label_en", Lang::En)] {
                    let label = words::term(term.key, &r.policy_version, lang);
                    o.insert(name.into(), label.into());
                }
            }
        }
    }
    v
}

/// A merchant's public record with its explained rating.
#[utoipa::path(get, path = "/api/v1/public/merchants/{id}", tag = "public",
    params(("id" = i32, Path)), responses((status = 200, body = PublicMerchant), (status = 404)))]
pub async fn public_merchant(state: web::Data<AppState>, id: Id) -> Result<HttpResponse, ApiError> {
    let id = *id;
    let rec = with_db(&state, move |c| {
        Ok(crate::services::records::merchant_record(c, id)?)
    })
    .await?
    .ok_or(AppError::NotFound)?;
    let m = rec.merchant;
    let member = m.is_member_on(state.config.today());
    Ok(HttpResponse::Ok().json(PublicMerchant {
        id: m.id,
        name: m.name,
        category: m.category,
        address: m.address,
        area: m.area,
        alliance_member: member,
        list: m.current_list,
        rating: rec.rating.as_ref().map(rating_json),
    }))
}

/// Ratings per page of `/api/v1/public/merchants/{id}/ratings`.
pub const RATINGS_PER_PAGE: i64 = 50;

/// `?page=` of a paged public endpoint.
#[derive(serde::Deserialize, Default)]
pub struct PageQuery {
    #[serde(default)]
    page: Option<String>,
}

impl PageQuery {
    /// The page number (see [`page_number`]).
    fn number(&self) -> Result<i64, AppError> {
        page_number(self.page.as_deref())
    }
}

/// The `page` of an API query string (the last one given): absent, page 1; given, a whole number
/// from 1 to [`super::MAX_PAGE`] in plain digits, as the OpenAPI document says — an empty
/// `page=`, a sign or a space is refused (422), where the pages' links are read more loosely.
pub fn api_page(query_string: &str) -> Result<i64, AppError> {
    let page = url::form_urlencoded::parse(query_string.as_bytes())
        .filter(|(k, _)| k == "page")
        .map(|(_, v)| v.into_owned())
        .last();
    page_number(page.as_deref())
}

fn page_number(raw: Option<&str>) -> Result<i64, AppError> {
    match raw {
        None => Ok(1),
        Some(raw) if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) => super::parse_page(raw),
        Some(_) => super::parse_page("0"),
    }
}

/// A merchant's rating history, a page of it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RatingsResponse {
    pub merchant_id: i32,
    /// Newest first.
    pub items: Vec<crate::services::records::RatingPoint>,
    pub page: i64,
    pub per_page: i64,
    /// Ratings in all.
    pub total: i64,
}

/// A merchant's rating history, newest first, 50 a page: each rating's date, score, stars, list
/// status and the policy version it was computed under.
#[utoipa::path(get, path = "/api/v1/public/merchants/{id}/ratings", tag = "public",
    params(("id" = i32, Path), ("page" = Option<i64>, Query, description = "from 1; 50 ratings a page")),
    responses((status = 200, body = RatingsResponse), (status = 404), (status = 422, description = "a page that is not a whole number from 1 to 100000")))]
pub async fn public_ratings(
    state: web::Data<AppState>,
    id: Id,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = *id;
    let page = query.number()?;
    let offset = (page - 1) * RATINGS_PER_PAGE;
    let (items, total) = with_db(&state, move |c| {
        if crate::db::models::merchant::Merchant::find(c, id)?.is_none() {
            return Err(AppError::NotFound);
        }
        Ok(crate::services::records::rating_history(
            c,
            id,
            offset,
            RATINGS_PER_PAGE,
        )?)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, PUBLIC_JSON))
        .json(RatingsResponse {
            merchant_id: id,
            items,
            page,
            per_page: RATINGS_PER_PAGE,
            total,
        }))
}

/// `POST /api/v1/tokens` body.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct TokenRequest {
    pub username: String,
    pub password: String,
    /// What the token is for, e.g. "inspection tablet".
    #[serde(default)]
    pub name: String,
    /// Days until the token stops working (1–3650); without it the token works until revoked.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 3650)]
    pub expires_in_days: Option<i64>,
}

/// `POST /api/v1/tokens` answer: the token is shown only here.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenCreated {
    pub id: i32,
    pub token: String,
    /// When the token stops working (UTC); absent for a token that works until revoked.
    #[serde(serialize_with = "crate::domain::utc::option::serialize")]
    pub expires_at: Option<chrono::NaiveDateTime>,
}

/// Exchanges a user name and password for a bearer token. Throttled with the log-in form, per
/// client address and per (address, user name): 429 with `Retry-After` when over the limit.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "auth", request_body = TokenRequest,
    responses((status = 201, body = TokenCreated), (status = 401), (status = 422), (status = 429)))]
pub async fn create_token(
    state: web::Data<AppState>,
    http: actix_web::HttpRequest,
    body: web::Json<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let req = body.into_inner();
    let name = req.name.trim().to_string();
    let mut fields = Vec::new();
    if req.username.trim().is_empty() {
        fields.push(super::error::FieldError {
            field: "username".into(),
            zh: "请填写用户名。".into(),
            en: "User name is required.".into(),
        });
    }
    if req.password.is_empty() {
        fields.push(super::error::FieldError {
            field: "password".into(),
            zh: "请填写密码。".into(),
            en: "Password is required.".into(),
        });
    }
    if name.chars().count() > 100 {
        fields.push(super::error::FieldError {
            field: "name".into(),
            zh: "名称不能超过 100 个字符。".into(),
            en: "The name must be at most 100 characters.".into(),
        });
    }
    if req.expires_in_days.is_some_and(|d| !(1..=3650).contains(&d)) {
        fields.push(super::error::FieldError {
            field: "expires_in_days".into(),
            zh: "有效天数应为 1 到 3650 之间的整数。".into(),
            en: "expires_in_days must be a whole number from 1 to 3650.".into(),
        });
    }
    if !fields.is_empty() {
        return Err(AppError::Invalid(fields).into());
    }
    let expires_at = req
        .expires_in_days
        .map(|d| crate::db::models::now_utc() + chrono::Duration::days(d));
    // The same budget as the log-in form: the API is no second door for guessing.
    let ip = super::client::client_ip(&http, &state.config);
    state
        .throttle
        .check(super::throttle::Family::Password, ip, Some(&req.username))?;
    let created = with_db(&state, move |c| {
        match crate::services::auth::login(c, req.username.trim(), &req.password)? {
            Ok(user) => Ok(crate::services::tokens::create(c, &user, &name, expires_at)?),
            Err(crate::services::auth::LoginError::BadCredentials) => Err(AppError::Unauthorized),
        }
    })
    .await?;
    Ok(HttpResponse::Created().json(TokenCreated {
        id: created.0,
        token: created.1,
        expires_at,
    }))
}

/// Revokes a token (your own; admins may revoke any).
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "auth",
    params(("id" = i32, Path, description = "token id")),
    responses((status = 204), (status = 401), (status = 404)), security(("bearer" = [])))]
pub async fn revoke_token(
    state: web::Data<AppState>,
    user: super::guard::ApiUser,
    id: Id,
) -> Result<HttpResponse, ApiError> {
    let id = *id;
    let actor = user.actor();
    let is_admin = user.role == Role::Admin;
    let done = with_db(&state, move |c| {
        Ok(crate::services::tokens::revoke(c, &actor, is_admin, id)?)
    })
    .await?;
    if done {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(AppError::NotFound.into())
    }
}
