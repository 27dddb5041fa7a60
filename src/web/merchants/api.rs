use super::*;

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
    req: actix_web::HttpRequest,
    query: web::Query<SearchParams>,
) -> Result<HttpResponse, ApiError> {
    let params = query.into_inner();
    let page = crate::web::api::api_page(req.query_string())?;
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
        .map_err(|p| AppError::Invalid(crate::web::error::field_errors(p)))?;
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
        .map_err(|p| AppError::Invalid(crate::web::error::field_errors(p)))?;
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
