//! The merchant register for staff: search, register, edit and close merchants, and import a
//! register from CSV — as askama pages under `/staff/merchants` and as JSON under
//! `/api/v1/merchants`. Inspectors, the committee and admins keep the register; closing a
//! merchant is the committee's (and admins') decision.

use actix_web::{http::header, http::StatusCode, web, HttpResponse};
use askama::Template;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::error::FieldError;
use super::extract::{CsrfForm, Id};
use super::guard::{ApiRequire, Committee, CurrentUser, Require, RoleSet, Staff};
use super::public::stars_display;
use super::{html, see_other, with_db, ApiError, AppError, AppState, Lang, PageCtx};
use crate::db::models::merchant::{Merchant, MerchantFilter};
use crate::domain::words::ListStatus;
use crate::services::merchants::{self as service, MerchantError, MerchantInput, RegisterReport, SearchPage};

impl From<MerchantError> for AppError {
    fn from(e: MerchantError) -> Self {
        match e {
            MerchantError::Invalid(f) => AppError::Invalid(super::error::field_errors(f)),
            MerchantError::NotFound => AppError::NotFound,
            MerchantError::Other(e) => AppError::Internal(e),
        }
    }
}

fn status_label(status: &str, lang: Lang) -> &'static str {
    if status == "closed" {
        lang.t("merchants-status-closed")
    } else {
        lang.t("merchants-status-open")
    }
}

// ---------------------------------------------------------------------------------------------
// Search (HTML)

/// The search form's parameters; everything is optional, a bad page number means page 1.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Part of the name (any case) or of the credit code.
    pub q: String,
    /// Exact category.
    pub category: String,
    /// Exact area.
    pub area: String,
    /// `open`, `closed`, or empty for both.
    pub status: String,
    /// 1-based page number.
    #[param(value_type = Option<i64>)]
    pub page: String,
}

impl SearchParams {
    fn filter(&self) -> MerchantFilter {
        let status = match self.status.trim() {
            s @ ("open" | "closed") => s.to_string(),
            _ => String::new(),
        };
        MerchantFilter {
            q: self.q.trim().to_string(),
            category: self.category.trim().to_string(),
            area: self.area.trim().to_string(),
            status,
        }
    }

    /// The query string of this search at another page.
    fn href(&self, page: i64) -> String {
        let f = self.filter();
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &f.q)
            .append_pair("category", &f.category)
            .append_pair("area", &f.area)
            .append_pair("status", &f.status)
            .append_pair("page", &page.to_string())
            .finish();
        format!("/staff/merchants?{query}")
    }
}

/// A merchant in the staff list, ready to print.
pub struct Row {
    pub id: i32,
    pub name: String,
    pub credit_code: String,
    pub category: String,
    pub area: String,
    pub status: &'static str,
    pub closed: bool,
    pub stars_text: String,
    pub stars_label: String,
}

#[derive(Template)]
#[template(path = "staff/merchants/list.html")]
pub struct ListPage {
    page: PageCtx,
    filter: MerchantFilter,
    rows: Vec<Row>,
    total: i64,
    page_no: i64,
    pages: i64,
    prev_href: Option<String>,
    next_href: Option<String>,
    categories: Vec<String>,
    areas: Vec<String>,
}

/// GET /staff/merchants: the register with its search form.
pub async fn list(
    state: web::Data<AppState>,
    page: PageCtx,
    _user: Require<Staff>,
    query: web::Query<SearchParams>,
) -> Result<HttpResponse, AppError> {
    let params = query.into_inner();
    let filter = params.filter();
    let page_no = params.page.trim().parse::<i64>().unwrap_or(1);
    let f = filter.clone();
    let (result, (categories, areas)) = with_db(&state, move |c| {
        let result = service::search(c, &f, page_no)?;
        Ok((result, Merchant::categories_and_areas(c)?))
    })
    .await?;
    let lang = page.lang;
    let pages = result.pages();
    let SearchPage {
        items,
        page: page_no,
        total,
    } = result;
    let rows = items
        .into_iter()
        .map(|m| {
            let (stars_text, stars_label) = stars_display(m.current_stars, lang);
            Row {
                id: m.id,
                status: status_label(&m.status, lang),
                closed: m.status == "closed",
                name: m.name,
                credit_code: m.credit_code.unwrap_or_default(),
                category: m.category,
                area: m.area,
                stars_text,
                stars_label,
            }
        })
        .collect();
    let tpl = ListPage {
        page,
        filter,
        rows,
        total,
        page_no,
        pages,
        prev_href: (page_no > 1).then(|| params.href(page_no - 1)),
        next_href: (page_no < pages).then(|| params.href(page_no + 1)),
        categories,
        areas,
    };
    html(StatusCode::OK, &tpl)
}

// ---------------------------------------------------------------------------------------------
// Register and edit (HTML)

/// A form field's name, value, help key, input type, whether it is required, and its length limit.
type FieldSpec<'a> = (
    &'static str,
    &'a str,
    Option<&'static str>,
    &'static str,
    bool,
    usize,
);

/// One form field, ready to print: its value as typed and its message, if any.
pub struct FieldView {
    pub name: &'static str,
    pub label: &'static str,
    pub help: Option<&'static str>,
    pub input_type: &'static str,
    pub required: bool,
    pub maxlength: usize,
    pub value: String,
    pub error: Option<String>,
}

/// The form's fields; the date of leaving the alliance only when editing (a merchant is
/// registered as a member or not, and leaves later).
fn field_views(
    input: &MerchantInput,
    errors: &[FieldError],
    lang: Lang,
    code_required: bool,
    editing: bool,
) -> Vec<FieldView> {
    let error = |name: &str| {
        let msgs: Vec<&str> = errors
            .iter()
            .filter(|e| e.field == name)
            .map(|e| lang.pick(&e.zh, &e.en))
            .collect();
        (!msgs.is_empty()).then(|| msgs.join(" "))
    };
    let spec: [FieldSpec<'_>; 10] = [
        ("name", &input.name, None, "text", true, 100),
        (
            "credit_code",
            &input.credit_code,
            Some("merchants-credit-code-help"),
            "text",
            code_required,
            30,
        ),
        ("category", &input.category, None, "text", true, 50),
        ("address", &input.address, None, "text", true, 200),
        ("area", &input.area, None, "text", true, 50),
        ("contact_name", &input.contact_name, None, "text", false, 50),
        ("email", &input.email, None, "email", false, 254),
        ("phone", &input.phone, None, "tel", false, 30),
        (
            "member_since",
            &input.member_since,
            Some("merchants-member-since-help"),
            "date",
            false,
            10,
        ),
        (
            "member_left_on",
            &input.member_left_on,
            Some("merchants-member-left-on-help"),
            "date",
            false,
            10,
        ),
    ];
    spec.into_iter()
        .filter(|(name, ..)| editing || *name != "member_left_on")
        .map(|(name, value, help, input_type, required, maxlength)| FieldView {
            name,
            label: lang.t(&format!("merchants-{}", name.replace('_', "-"))),
            help: help.map(|k| lang.t(k)),
            input_type,
            required,
            maxlength,
            value: value.to_string(),
            error: error(name),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "staff/merchants/form.html")]
pub struct FormPage {
    page: PageCtx,
    title: &'static str,
    action: String,
    submit: &'static str,
    fields: Vec<FieldView>,
    /// Messages not tied to a field of the form.
    other_errors: Vec<String>,
    has_errors: bool,
    saved: bool,
    merchant_id: Option<i32>,
    closed: bool,
    can_close: bool,
}

struct FormSpec<'a> {
    input: &'a MerchantInput,
    errors: &'a [FieldError],
    merchant: Option<&'a Merchant>,
    saved: bool,
}

fn form_page(page: PageCtx, user: &CurrentUser, spec: FormSpec<'_>) -> FormPage {
    let lang = page.lang;
    let code_required = spec.merchant.is_none_or(|m| m.credit_code.is_some());
    let fields = field_views(
        spec.input,
        spec.errors,
        lang,
        code_required,
        spec.merchant.is_some(),
    );
    let other_errors = spec
        .errors
        .iter()
        .filter(|e| !fields.iter().any(|f| f.name == e.field))
        .map(|e| lang.pick(&e.zh, &e.en).to_string())
        .collect();
    let closed = spec.merchant.is_some_and(|m| m.status == "closed");
    FormPage {
        title: lang.t(if spec.merchant.is_some() {
            "merchants-edit"
        } else {
            "merchants-new"
        }),
        action: spec.merchant.map_or_else(
            || "/staff/merchants".to_string(),
            |m| format!("/staff/merchants/{}", m.id),
        ),
        submit: lang.t(if spec.merchant.is_some() {
            "merchants-save"
        } else {
            "merchants-register"
        }),
        fields,
        other_errors,
        has_errors: !spec.errors.is_empty(),
        saved: spec.saved,
        merchant_id: spec.merchant.map(|m| m.id),
        closed,
        can_close: !closed && Committee::allows(user.role),
        page,
    }
}

/// GET /staff/merchants/new
pub async fn new_form(page: PageCtx, user: Require<Staff>) -> Result<HttpResponse, AppError> {
    let input = MerchantInput::default();
    let tpl = form_page(
        page,
        &user,
        FormSpec {
            input: &input,
            errors: &[],
            merchant: None,
            saved: false,
        },
    );
    html(StatusCode::OK, &tpl)
}

/// POST /staff/merchants: registers a merchant, or shows the form again with messages (422).
pub async fn create_submit(
    state: web::Data<AppState>,
    page: PageCtx,
    user: Require<Staff>,
    form: CsrfForm<MerchantInput>,
) -> Result<HttpResponse, AppError> {
    let input = form.into_inner();
    let outcome = match service::validate(&input, true, state.config.today()) {
        Err(errors) => Err(errors),
        Ok(valid) => {
            let actor = user.actor();
            let today = state.config.today();
            let res = with_db(&state, move |c| Ok(service::create(c, &actor, today, &valid))).await?;
            match res {
                Ok(m) => Ok(m),
                Err(MerchantError::Invalid(errors)) => Err(errors),
                Err(e) => return Err(e.into()),
            }
        }
    };
    match outcome {
        Ok(m) => Ok(see_other(format!("/staff/merchants/{}/edit?saved=1", m.id))),
        Err(errors) => {
            let tpl = form_page(
                page,
                &user,
                FormSpec {
                    input: &input,
                    errors: &super::error::field_errors(errors),
                    merchant: None,
                    saved: false,
                },
            );
            html(StatusCode::UNPROCESSABLE_ENTITY, &tpl)
        }
    }
}

/// `?saved=1` after a successful save.
#[derive(Deserialize, Default)]
pub struct SavedFlag {
    #[serde(default)]
    saved: String,
}

async fn load(state: &AppState, id: i32) -> Result<Merchant, AppError> {
    with_db(state, move |c| Ok(Merchant::find(c, id)?))
        .await?
        .ok_or(AppError::NotFound)
}

/// GET /staff/merchants/{id}/edit
pub async fn edit_form(
    state: web::Data<AppState>,
    page: PageCtx,
    user: Require<Staff>,
    id: Id,
    flag: web::Query<SavedFlag>,
) -> Result<HttpResponse, AppError> {
    let m = load(&state, *id).await?;
    let input = MerchantInput::from_merchant(&m);
    let tpl = form_page(
        page,
        &user,
        FormSpec {
            input: &input,
            errors: &[],
            merchant: Some(&m),
            saved: flag.saved == "1",
        },
    );
    html(StatusCode::OK, &tpl)
}

/// GET /staff/merchants/{id}: the edit form is the merchant's staff page.
pub async fn show(_user: Require<Staff>, id: Id) -> Result<HttpResponse, AppError> {
    let id = *id;
    Ok(see_other(format!("/staff/merchants/{id}/edit")))
}

/// POST /staff/merchants/{id}: saves the edit form, or shows it again with messages (422).
pub async fn update_submit(
    state: web::Data<AppState>,
    page: PageCtx,
    user: Require<Staff>,
    id: Id,
    form: CsrfForm<MerchantInput>,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    let m = load(&state, id).await?;
    let input = form.into_inner();
    let outcome = match service::validate(&input, m.credit_code.is_some(), state.config.today()) {
        Err(errors) => Err(errors),
        Ok(valid) => {
            let actor = user.actor();
            let today = state.config.today();
            let res = with_db(&state, move |c| Ok(service::update(c, &actor, today, id, &valid))).await?;
            match res {
                Ok(m) => Ok(m),
                Err(MerchantError::Invalid(errors)) => Err(errors),
                Err(e) => return Err(e.into()),
            }
        }
    };
    match outcome {
        Ok(m) => Ok(see_other(format!("/staff/merchants/{}/edit?saved=1", m.id))),
        Err(errors) => {
            let tpl = form_page(
                page,
                &user,
                FormSpec {
                    input: &input,
                    errors: &super::error::field_errors(errors),
                    merchant: Some(&m),
                    saved: false,
                },
            );
            html(StatusCode::UNPROCESSABLE_ENTITY, &tpl)
        }
    }
}

/// POST /staff/merchants/{id}/close: the committee closes a merchant.
pub async fn close_submit(
    state: web::Data<AppState>,
    user: Require<Committee>,
    id: Id,
    _form: CsrfForm,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    let actor = user.actor();
    let m = with_db(&state, move |c| Ok(service::close(c, &actor, id)?)).await?;
    Ok(see_other(format!("/staff/merchants/{}/edit", m.id)))
}

// ---------------------------------------------------------------------------------------------
// CSV import (HTML)

/// A report line, ready to print.
pub struct ReportLine {
    pub row: u64,
    pub field: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "staff/merchants/import.html")]
pub struct ImportPage {
    page: PageCtx,
    csv: String,
    good_rows_only: bool,
    summary: Option<String>,
    rejected: bool,
    lines: Vec<ReportLine>,
}

/// GET /staff/merchants/import
pub async fn import_form(page: PageCtx, _user: Require<Staff>) -> Result<HttpResponse, AppError> {
    let tpl = ImportPage {
        page,
        csv: String::new(),
        good_rows_only: false,
        summary: None,
        rejected: false,
        lines: Vec::new(),
    };
    html(StatusCode::OK, &tpl)
}

/// The import form: the pasted CSV and the good-rows-only choice.
#[derive(Deserialize)]
pub struct ImportForm {
    #[serde(default)]
    csv: String,
    #[serde(default)]
    good_rows_only: String,
}

/// POST /staff/merchants/import: imports the pasted register and shows the per-row report
/// (422 when bad rows stopped the import).
pub async fn import_submit(
    state: web::Data<AppState>,
    page: PageCtx,
    user: Require<Staff>,
    form: CsrfForm<ImportForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let good_rows_only = matches!(form.good_rows_only.as_str(), "on" | "1" | "true");
    let actor = user.actor();
    let today = state.config.today();
    let data = form.csv.clone();
    let report: RegisterReport = with_db(&state, move |c| {
        Ok(service::import_register(
            c,
            &actor,
            today,
            data.as_bytes(),
            good_rows_only,
        )?)
    })
    .await?;
    let lang = page.lang;
    let status = if report.rejected() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let tpl = ImportPage {
        summary: Some(report.summary().render(lang)),
        rejected: report.rejected(),
        lines: report
            .problems
            .iter()
            .map(|p| ReportLine {
                row: p.row,
                field: p.field.clone(),
                reason: p.message.render(lang),
            })
            .collect(),
        // After a successful import the box is emptied, so it is not imported twice.
        csv: if report.written > 0 {
            String::new()
        } else {
            form.csv
        },
        good_rows_only,
        page,
    };
    html(status, &tpl)
}

// ---------------------------------------------------------------------------------------------
// JSON API

/// A merchant as staff see it through the API (contact details included).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MerchantJson {
    pub id: i32,
    pub name: String,
    pub credit_code: Option<String>,
    pub category: String,
    pub address: String,
    pub area: String,
    pub contact_name: String,
    pub email: String,
    pub phone: String,
    pub member_since: Option<NaiveDate>,
    /// The day it left the alliance; absent while a member (or never one).
    pub member_left_on: Option<NaiveDate>,
    /// `open` or `closed`.
    pub status: String,
    /// Stars 1–5; absent while not yet rated.
    pub stars: Option<i32>,
    /// Score 0–100.
    pub score: Option<f64>,
    /// `none`, `red` or `black`.
    #[schema(value_type = String)]
    pub list: ListStatus,
}

impl From<Merchant> for MerchantJson {
    fn from(m: Merchant) -> Self {
        MerchantJson {
            id: m.id,
            name: m.name,
            credit_code: m.credit_code,
            category: m.category,
            address: m.address,
            area: m.area,
            contact_name: m.contact_name,
            email: m.email,
            phone: m.phone,
            member_since: m.member_since,
            member_left_on: m.member_left_on,
            status: m.status,
            stars: m.current_stars,
            score: m.current_score_tenths.map(|t| f64::from(t) / 10.0),
            list: m.current_list,
        }
    }
}

/// A page of search results.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MerchantPage {
    pub items: Vec<MerchantJson>,
    /// 1-based.
    pub page: i64,
    /// Matches over all pages.
    pub total: i64,
    pub per_page: i64,
}

/// `POST /api/v1/merchants` and `PUT /api/v1/merchants/{id}` body. PUT replaces every field:
/// an absent optional field is cleared. Validation is the same as the staff form's.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct MerchantRequest {
    /// Required, at most 100 characters.
    pub name: Option<String>,
    /// Unified social credit code (18 characters, GB 32100-2015), unique.
    pub credit_code: Option<String>,
    /// Required, at most 50 characters.
    pub category: Option<String>,
    /// Required, at most 200 characters.
    pub address: Option<String>,
    /// Required, at most 50 characters.
    pub area: Option<String>,
    pub contact_name: Option<String>,
    pub email: Option<String>,
    /// Digits, `+`, `-` and spaces, at most 30.
    pub phone: Option<String>,
    /// `YYYY-MM-DD`; absent or empty when not an alliance member.
    pub member_since: Option<String>,
    /// `YYYY-MM-DD`, the day it left the alliance: not before `member_since`, not after today;
    /// absent or empty while a member.
    pub member_left_on: Option<String>,
}

impl From<MerchantRequest> for MerchantInput {
    fn from(r: MerchantRequest) -> Self {
        MerchantInput {
            name: r.name.unwrap_or_default(),
            credit_code: r.credit_code.unwrap_or_default(),
            category: r.category.unwrap_or_default(),
            address: r.address.unwrap_or_default(),
            area: r.area.unwrap_or_default(),
            contact_name: r.contact_name.unwrap_or_default(),
            email: r.email.unwrap_or_default(),
            phone: r.phone.unwrap_or_default(),
            member_since: r.member_since.unwrap_or_default(),
            member_left_on: r.member_left_on.unwrap_or_default(),
        }
    }
}

/// Searches the register by name or credit code, category, area and status, 20 per page.
#[utoipa::path(get, path = "/api/v1/merchants", tag = "merchants", params(SearchParams),
    responses((status = 200, body = MerchantPage), (status = 401), (status = 403), (status = 422)),
    security(("bearer" = [])))]
pub async fn api_search(
    state: web::Data<AppState>,
    _user: ApiRequire<Staff>,
    query: web::Query<SearchParams>,
) -> Result<HttpResponse, ApiError> {
    let params = query.into_inner();
    let page = super::parse_page(&params.page)?;
    let filter = params.filter();
    let result = with_db(&state, move |c| Ok(service::search(c, &filter, page)?)).await?;
    Ok(HttpResponse::Ok().json(MerchantPage {
        page: result.page,
        total: result.total,
        per_page: service::PAGE_SIZE,
        items: result.items.into_iter().map(MerchantJson::from).collect(),
    }))
}

/// One merchant with its contact details.
#[utoipa::path(get, path = "/api/v1/merchants/{id}", tag = "merchants",
    params(("id" = i32, Path, description = "merchant id")),
    responses((status = 200, body = MerchantJson), (status = 401), (status = 403), (status = 404)),
    security(("bearer" = [])))]
pub async fn api_get(
    state: web::Data<AppState>,
    _user: ApiRequire<Staff>,
    id: Id,
) -> Result<HttpResponse, ApiError> {
    let m = load(&state, *id).await?;
    Ok(HttpResponse::Ok().json(MerchantJson::from(m)))
}

/// Registers a merchant. Bad fields answer 422 with a message per field in both languages.
#[utoipa::path(post, path = "/api/v1/merchants", tag = "merchants", request_body = MerchantRequest,
    responses((status = 201, body = MerchantJson), (status = 401), (status = 403),
        (status = 422, description = "`fields` lists each bad field with `zh` and `en` messages")),
    security(("bearer" = [])))]
pub async fn api_create(
    state: web::Data<AppState>,
    user: ApiRequire<Staff>,
    body: web::Json<MerchantRequest>,
) -> Result<HttpResponse, ApiError> {
    let input: MerchantInput = body.into_inner().into();
    let valid = service::validate(&input, true, state.config.today())
        .map_err(|p| AppError::Invalid(super::error::field_errors(p)))?;
    let actor = user.actor();
    let today = state.config.today();
    let m = with_db(&state, move |c| Ok(service::create(c, &actor, today, &valid)?)).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/merchants/{}", m.id)))
        .json(MerchantJson::from(m)))
}

/// Replaces a merchant's details (every field; absent optional fields are cleared).
#[utoipa::path(put, path = "/api/v1/merchants/{id}", tag = "merchants", request_body = MerchantRequest,
    params(("id" = i32, Path, description = "merchant id")),
    responses((status = 200, body = MerchantJson), (status = 401), (status = 403), (status = 404),
        (status = 422, description = "`fields` lists each bad field with `zh` and `en` messages")),
    security(("bearer" = [])))]
pub async fn api_update(
    state: web::Data<AppState>,
    user: ApiRequire<Staff>,
    id: Id,
    body: web::Json<MerchantRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = *id;
    let existing = load(&state, id).await?;
    let input: MerchantInput = body.into_inner().into();
    let valid = service::validate(&input, existing.credit_code.is_some(), state.config.today())
        .map_err(|p| AppError::Invalid(super::error::field_errors(p)))?;
    let actor = user.actor();
    let today = state.config.today();
    let m = with_db(&state, move |c| {
        Ok(service::update(c, &actor, today, id, &valid)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(MerchantJson::from(m)))
}

/// Closes a merchant (committee and admins). Closing a closed merchant changes nothing.
#[utoipa::path(post, path = "/api/v1/merchants/{id}/close", tag = "merchants",
    params(("id" = i32, Path, description = "merchant id")),
    responses((status = 200, body = MerchantJson), (status = 401), (status = 403), (status = 404)),
    security(("bearer" = [])))]
pub async fn api_close(
    state: web::Data<AppState>,
    user: ApiRequire<Committee>,
    id: Id,
) -> Result<HttpResponse, ApiError> {
    let id = *id;
    let actor = user.actor();
    let m = with_db(&state, move |c| Ok(service::close(c, &actor, id)?)).await?;
    Ok(HttpResponse::Ok().json(MerchantJson::from(m)))
}

/// The merchant register's part of the OpenAPI document, merged by the lead into the whole.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_search, api_get, api_create, api_update, api_close),
    components(schemas(MerchantJson, MerchantPage, MerchantRequest))
)]
pub struct MerchantsApi;

/// Registers the merchant register's pages and API. The fixed paths come before `{id}`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/staff/merchants")
            .route(web::get().to(list))
            .route(web::post().to(create_submit)),
    )
    .service(web::resource("/staff/merchants/new").route(web::get().to(new_form)))
    .service(
        web::resource("/staff/merchants/import")
            .route(web::get().to(import_form))
            .route(web::post().to(import_submit)),
    )
    .service(
        web::resource("/staff/merchants/{id}")
            .route(web::get().to(show))
            .route(web::post().to(update_submit)),
    )
    .service(web::resource("/staff/merchants/{id}/edit").route(web::get().to(edit_form)))
    .service(web::resource("/staff/merchants/{id}/close").route(web::post().to(close_submit)))
    .service(
        web::resource("/api/v1/merchants")
            .route(web::get().to(api_search))
            .route(web::post().to(api_create)),
    )
    .service(
        web::resource("/api/v1/merchants/{id}")
            .route(web::get().to(api_get))
            .route(web::put().to(api_update)),
    )
    .service(web::resource("/api/v1/merchants/{id}/close").route(web::post().to(api_close)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::OpenApi;

    #[test]
    fn the_openapi_part_lists_every_merchant_endpoint() {
        let doc = serde_json::to_value(MerchantsApi::openapi()).unwrap();
        for path in [
            "/api/v1/merchants",
            "/api/v1/merchants/{id}",
            "/api/v1/merchants/{id}/close",
        ] {
            assert!(doc["paths"][path].is_object(), "{path} missing");
        }
        assert!(doc["paths"]["/api/v1/merchants"]["post"].is_object());
        assert!(doc["paths"]["/api/v1/merchants/{id}"]["put"].is_object());
        assert!(doc["components"]["schemas"]["MerchantRequest"].is_object());
        let params = doc["paths"]["/api/v1/merchants"]["get"]["parameters"].to_string();
        assert!(
            params.contains("\"q\"") && params.contains("\"page\""),
            "{params}"
        );
    }
}
