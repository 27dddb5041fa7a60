//! What consumers see with no login: the home page, the red and black lists, a merchant's
//! public record, and the health check.

use actix_web::{http::header, web, HttpResponse};
use askama::Template;
use askama_web::WebTemplate;
use diesel::connection::SimpleConnection;

use super::{with_db, AppError, AppState, Lang, PageCtx};
use crate::db::models::merchant::Merchant;

/// A merchant as the lists print it: every value ready to show.
pub struct ListRow {
    pub id: i32,
    pub name: String,
    pub category: String,
    pub area: String,
    pub stars_text: String,
    pub stars_label: String,
    pub score_text: String,
}

impl ListRow {
    fn new(m: &Merchant, lang: Lang) -> Self {
        let (stars_text, stars_label) = stars_display(m.current_stars, lang);
        ListRow {
            id: m.id,
            name: m.name.clone(),
            category: m.category.clone(),
            area: m.area.clone(),
            stars_text,
            stars_label,
            score_text: m
                .current_score_tenths
                .map(|t| format!("{}.{}", t / 10, t % 10))
                .unwrap_or_else(|| "—".into()),
        }
    }
}

/// "★★★★☆" and its spoken form, or "not yet rated".
pub fn stars_display(stars: Option<i32>, lang: Lang) -> (String, String) {
    match stars {
        Some(s) => {
            let s = s.clamp(0, 5) as usize;
            let text = format!("{}{}", "★".repeat(s), "☆".repeat(5 - s));
            let label = match lang {
                Lang::Zh => format!("{s}星"),
                Lang::En => format!("{s} star{}", if s == 1 { "" } else { "s" }),
            };
            (text, label)
        }
        None => {
            let t = lang.t("stars.unrated").to_string();
            (t.clone(), t)
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "public/home.html")]
pub struct HomePage {
    page: PageCtx,
    merchant_count: i64,
    red: Vec<ListRow>,
    black: Vec<ListRow>,
}

/// GET /
pub async fn home(state: web::Data<AppState>, page: PageCtx) -> Result<HomePage, AppError> {
    let (count, red, black) = with_db(&state, |c| {
        Ok((
            Merchant::count(c)?,
            Merchant::on_list(c, "red")?,
            Merchant::on_list(c, "black")?,
        ))
    })
    .await?;
    let lang = page.lang;
    Ok(HomePage {
        page,
        merchant_count: count,
        red: red.iter().take(10).map(|m| ListRow::new(m, lang)).collect(),
        black: black.iter().take(10).map(|m| ListRow::new(m, lang)).collect(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "public/list.html")]
pub struct ListPage {
    page: PageCtx,
    title: &'static str,
    rows: Vec<ListRow>,
}

/// GET /lists/{red|black}
pub async fn list_page(
    state: web::Data<AppState>,
    page: PageCtx,
    path: web::Path<String>,
) -> Result<ListPage, AppError> {
    let list = path.into_inner();
    let title_key = match list.as_str() {
        "red" => "list.red.title",
        "black" => "list.black.title",
        _ => return Err(AppError::NotFound),
    };
    let rows = with_db(&state, move |c| Ok(Merchant::on_list(c, &list)?)).await?;
    let lang = page.lang;
    Ok(ListPage {
        title: lang.t(title_key),
        rows: rows.iter().map(|m| ListRow::new(m, lang)).collect(),
        page,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "public/merchant.html")]
pub struct MerchantPage {
    page: PageCtx,
    m: ListRow,
    address: String,
    list: String,
}

/// GET /merchants/{id}
pub async fn merchant_page(
    state: web::Data<AppState>,
    page: PageCtx,
    path: web::Path<String>,
) -> Result<MerchantPage, AppError> {
    let id: i32 = path.parse().map_err(|_| AppError::NotFound)?;
    let m = with_db(&state, move |c| Ok(Merchant::find(c, id)?))
        .await?
        .ok_or(AppError::NotFound)?;
    let lang = page.lang;
    let list = match m.current_list.as_str() {
        "red" => lang.t("list.red.title"),
        "black" => lang.t("list.black.title"),
        _ => "",
    };
    Ok(MerchantPage {
        address: m.address.clone(),
        list: list.to_string(),
        m: ListRow::new(&m, lang),
        page,
    })
}

/// GET /healthz: 200 when the database answers, 503 when it does not.
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let backend = match state.config.database.backend {
        crate::config::Backend::Sqlite => "sqlite",
        crate::config::Backend::Postgres => "postgres",
    };
    let ok = with_db(&state, |c| c.batch_execute("SELECT 1").map_err(AppError::from)).await;
    match ok {
        Ok(()) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(serde_json::json!({"status": "ok", "database": backend})),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            HttpResponse::ServiceUnavailable()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .json(serde_json::json!({"status": "unavailable", "database": backend}))
        }
    }
}

const STYLESHEET: &str = include_str!("../../templates/static/app.css");

/// GET /static/app.css, cached by browsers for a day.
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/css; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(STYLESHEET)
}
