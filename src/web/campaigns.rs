//! Star-rating campaigns (星级评比) for the staff: the committee opens, assigns and closes them;
//! every inspector sees their own assignment and everyone the progress.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use askama_web::WebTemplate;
use chrono::NaiveDate;
use serde::Deserialize;

use super::extract::{CsrfForm, Id};
use super::guard::{Committee, Require, RoleSet, Staff};
use super::public::declared_name;
use super::{html, see_other, with_db, AppError, AppState, Lang, PageCtx};
use crate::domain::policy::Policy;
use crate::services::campaigns::{
    self, Campaign, CampaignError, CampaignMerchant, NewCampaign, Progress, Scope, Target,
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/staff/campaigns")
            .route(web::get().to(index))
            .route(web::post().to(create)),
    )
    .service(web::resource("/staff/campaigns/{id}").route(web::get().to(show)))
    .service(web::resource("/staff/campaigns/{id}/assign").route(web::post().to(assign)))
    .service(
        web::resource("/staff/campaigns/{id}/close")
            .route(web::get().to(close_form))
            .route(web::post().to(close)),
    );
}

/// A choice in the scope or inspector lists: (stored value, words, shown as typed).
pub struct Choice {
    pub value: String,
    pub label: String,
    pub typed: bool,
    pub checked: bool,
    /// Areas: the inspector chosen for it on the form (`None` = spread automatically).
    pub inspector: Option<i32>,
}

impl Choice {
    /// Whether inspector `id` is the one chosen for this area (for the select's choice).
    pub fn is_assigned_to(&self, id: &i32) -> bool {
        self.inspector == Some(*id)
    }
}

/// A progress line: who or where, done / assigned, percent.
pub struct ProgressRow {
    pub label: String,
    pub typed: bool,
    pub done: usize,
    pub assigned: usize,
    pub percent: usize,
    /// Area rows: the stored area (for the assignment form) and its inspector now.
    pub area: String,
    pub inspector: Option<i32>,
}

impl ProgressRow {
    /// Whether the row's area is assigned to inspector `id` (for the select's choice).
    pub fn is_assigned_to(&self, id: &i32) -> bool {
        self.inspector == Some(*id)
    }
}

/// A campaign in the list.
pub struct CampaignRow {
    pub c: Campaign,
    pub status: String,
    pub progress: Progress,
    pub percent: usize,
}

fn status_words(c: &Campaign, lang: Lang) -> String {
    if c.is_open() {
        lang.t("campaigns-status-open").to_string()
    } else {
        lang.t("campaigns-status-closed").to_string()
    }
}

/// The new-campaign form as typed.
#[derive(Default, Clone)]
pub struct CampaignInput {
    pub name: String,
    pub starts_on: String,
    pub ends_on: String,
    pub scope: String,
    pub areas: Vec<String>,
    pub categories: Vec<String>,
    /// The inspector chosen per area (`inspector:{area}` fields; empty = spread automatically).
    pub chosen: BTreeMap<String, i32>,
    /// An `inspector:{area}` field that was not a number.
    pub bad_choice: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/campaigns.html")]
pub struct CampaignsPage {
    page: PageCtx,
    campaigns: Vec<CampaignRow>,
    can_open: bool,
    errors: Vec<String>,
    input: CampaignInput,
    areas: Vec<Choice>,
    categories: Vec<Choice>,
    /// The active inspectors: (user id, name).
    inspectors: Vec<(i32, String)>,
}

async fn campaigns_page(
    state: &AppState,
    page: PageCtx,
    errors: Vec<String>,
    input: CampaignInput,
) -> Result<CampaignsPage, AppError> {
    let (list, (areas, cats), policy, inspectors) = with_db(state, |c| {
        Ok((
            campaigns::list(c)?,
            campaigns::scope_choices(c)?,
            crate::services::policy::active_policy(c)?,
            campaigns::inspectors(c)?,
        ))
    })
    .await?;
    let lang = page.lang;
    let choices = |names: Vec<String>, picked: &[String], area: bool| -> Vec<Choice> {
        names
            .into_iter()
            .map(|n| {
                let declared = if area {
                    policy.area(&n)
                } else {
                    policy.category(&n)
                };
                let (label, typed) = declared_name(declared, &n, lang);
                Choice {
                    inspector: if area { input.chosen.get(&n).copied() } else { None },
                    checked: picked.contains(&n),
                    value: n,
                    label,
                    typed,
                }
            })
            .collect()
    };
    let areas = choices(areas, &input.areas, true);
    let categories = choices(cats, &input.categories, false);
    let campaigns = list
        .into_iter()
        .map(|(c, progress)| CampaignRow {
            status: status_words(&c, lang),
            percent: progress.percent(),
            progress,
            c,
        })
        .collect();
    Ok(CampaignsPage {
        can_open: page.role.is_some_and(Committee::allows),
        page,
        campaigns,
        errors,
        input,
        areas,
        categories,
        inspectors,
    })
}

/// GET /staff/campaigns: every campaign with its status and progress; the committee's form to
/// open one.
pub async fn index(
    state: web::Data<AppState>,
    page: PageCtx,
    _user: Require<Staff>,
) -> Result<CampaignsPage, AppError> {
    let today = state.config.today();
    let input = CampaignInput {
        starts_on: today.to_string(),
        ends_on: (today + chrono::Duration::days(30)).to_string(),
        scope: "all".into(),
        ..Default::default()
    };
    campaigns_page(&state, page, vec![], input).await
}

fn parse_day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| chrono::Datelike::year(d) >= 2000)
}

/// Checks a new campaign; the errors are Fluent ids.
pub fn validate(i: &CampaignInput) -> Result<NewCampaign, Vec<&'static str>> {
    let mut e = Vec::new();
    let name = i.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        e.push("campaigns-err-name");
    }
    let starts = parse_day(&i.starts_on);
    let ends = parse_day(&i.ends_on);
    if starts.is_none() || ends.is_none() {
        e.push("campaigns-err-date");
    }
    if i.bad_choice {
        e.push("campaigns-err-inspector");
    }
    if let (Some(s), Some(t)) = (starts, ends) {
        if t < s {
            e.push("campaigns-err-order");
        } else if (t - s).num_days() > 366 {
            e.push("campaigns-err-long");
        }
    }
    let scope = match i.scope.as_str() {
        "all" => Some(Scope::All),
        "areas" if !i.areas.is_empty() => Some(Scope::Areas(i.areas.clone())),
        "categories" if !i.categories.is_empty() => Some(Scope::Categories(i.categories.clone())),
        "areas" | "categories" => {
            e.push("campaigns-err-scope-empty");
            None
        }
        _ => {
            e.push("campaigns-err-scope");
            None
        }
    };
    match (starts, ends, scope) {
        (Some(starts_on), Some(ends_on), Some(scope)) if e.is_empty() => Ok(NewCampaign {
            name,
            starts_on,
            ends_on,
            scope,
        }),
        _ => Err(e),
    }
}

/// POST /staff/campaigns: opens a campaign (name, starts_on, ends_on, scope = all | areas |
/// categories, repeated `area` / `category` fields) and assigns its merchants by area.
pub async fn create(
    state: web::Data<AppState>,
    page: PageCtx,
    user: Require<Committee>,
    form: CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let mut input = CampaignInput::default();
    for (k, v) in form.iter() {
        match k.as_str() {
            "name" => input.name = v.clone(),
            "starts_on" => input.starts_on = v.clone(),
            "ends_on" => input.ends_on = v.clone(),
            "scope" => input.scope = v.clone(),
            "area" => input.areas.push(v.clone()),
            "category" => input.categories.push(v.clone()),
            k => {
                if let Some(area) = k.strip_prefix("inspector:") {
                    match v.trim() {
                        "" => {}
                        id => match id.parse::<i32>() {
                            Ok(id) => {
                                input.chosen.insert(area.to_string(), id);
                            }
                            Err(_) => input.bad_choice = true,
                        },
                    }
                }
            }
        }
    }
    let lang = page.lang;
    let new = match validate(&input) {
        Ok(n) => n,
        Err(ids) => {
            let errors = ids.iter().map(|id| lang.t(id).to_string()).collect();
            let p = campaigns_page(&state, page, errors, input).await?;
            return html(StatusCode::UNPROCESSABLE_ENTITY, &p);
        }
    };
    let actor = user.actor();
    let chosen = input.chosen.clone();
    let opened = with_db(&state, move |c| Ok(campaigns::open(c, &actor, &new, &chosen))).await?;
    match opened {
        Ok(id) => Ok(see_other(format!("/staff/campaigns/{id}"))),
        Err(e @ (CampaignError::EmptyScope | CampaignError::NotInspector)) => {
            let id = match e {
                CampaignError::EmptyScope => "campaigns-err-no-merchants",
                _ => "campaigns-err-inspector",
            };
            let errors = vec![lang.t(id).to_string()];
            let p = campaigns_page(&state, page, errors, input).await?;
            html(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        Err(e) => Err(campaign_error(e)),
    }
}

fn campaign_error(e: CampaignError) -> AppError {
    let f = |id: &str| AppError::invalid("campaign", Lang::Zh.t(id), Lang::En.t(id));
    match e {
        CampaignError::NotFound => AppError::NotFound,
        CampaignError::Closed => f("campaigns-err-closed"),
        CampaignError::EmptyScope => f("campaigns-err-no-merchants"),
        CampaignError::NotInspector => f("campaigns-err-inspector"),
        CampaignError::NotInCampaign => f("campaigns-err-not-in"),
        CampaignError::Other(e) => AppError::Internal(e),
    }
}

/// A campaign merchant as the page shows it.
pub struct MerchantRow {
    pub m: CampaignMerchant,
    pub area: String,
    pub area_typed: bool,
}

impl MerchantRow {
    /// Whether the merchant is assigned to inspector `id` (for the select's choice).
    pub fn is_assigned_to(&self, id: &i32) -> bool {
        self.m.inspector_id == Some(*id)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/campaign.html")]
pub struct CampaignPage {
    page: PageCtx,
    c: Campaign,
    status: String,
    scope: String,
    overall: ProgressRow,
    by_inspector: Vec<ProgressRow>,
    by_area: Vec<ProgressRow>,
    merchants: Vec<MerchantRow>,
    inspectors: Vec<(i32, String)>,
    mine: bool,
    can_manage: bool,
}

/// `GET /staff/campaigns/{id}` query: `?mine=1` shows only the merchants assigned to the viewer.
#[derive(Deserialize, Default)]
pub struct ShowQuery {
    #[serde(default)]
    mine: String,
}

fn progress_row(label: String, typed: bool, p: &Progress) -> ProgressRow {
    ProgressRow {
        label,
        typed,
        done: p.done,
        assigned: p.assigned,
        percent: p.percent(),
        area: String::new(),
        inspector: None,
    }
}

fn scope_words(c: &Campaign, policy: &Policy, lang: Lang) -> String {
    let names = c.scope_names();
    match c.scope.as_str() {
        "areas" => {
            let n: Vec<String> = names
                .iter()
                .map(|a| declared_name(policy.area(a), a, lang).0)
                .collect();
            lang.tr(
                "campaigns-scope-areas-of",
                &[("names", n.join(lang.t("reason-separator")).into())],
            )
        }
        "categories" => {
            let n: Vec<String> = names
                .iter()
                .map(|a| declared_name(policy.category(a), a, lang).0)
                .collect();
            lang.tr(
                "campaigns-scope-categories-of",
                &[("names", n.join(lang.t("reason-separator")).into())],
            )
        }
        _ => lang.t("campaigns-scope-all").to_string(),
    }
}

/// GET /staff/campaigns/{id}: progress per inspector and per area, the merchants (still to
/// inspect first) with their inspectors; `?mine=1` the viewer's own assignment.
pub async fn show(
    state: web::Data<AppState>,
    page: PageCtx,
    user: Require<Staff>,
    id: Id,
    query: web::Query<ShowQuery>,
) -> Result<CampaignPage, AppError> {
    let id = *id;
    let (c, rows, inspectors, policy) = with_db(&state, move |c| {
        let found = campaigns::find(c, id)?.ok_or(AppError::NotFound)?;
        let rows = campaigns::merchants_of(c, &found)?;
        Ok((
            found,
            rows,
            campaigns::inspectors(c)?,
            crate::services::policy::active_policy(c)?,
        ))
    })
    .await?;
    let lang = page.lang;
    let tally = campaigns::tally(&rows);
    let unassigned = lang.t("campaigns-unassigned").to_string();
    let by_inspector = tally
        .by_inspector
        .iter()
        .map(|(who, (name, p))| {
            let label = if who.is_some() {
                name.clone()
            } else {
                unassigned.clone()
            };
            progress_row(label, who.is_some(), p)
        })
        .collect();
    let by_area = tally
        .by_area
        .iter()
        .map(|(a, p)| {
            let (label, typed) = declared_name(policy.area(a), a, lang);
            let mut row = progress_row(label, typed, p);
            row.area = a.clone();
            // The area's inspector when they all share one.
            let mut who = rows.iter().filter(|r| &r.area == a).map(|r| r.inspector_id);
            let first = who.next().flatten();
            row.inspector = if who.all(|w| w == first) { first } else { None };
            row
        })
        .collect();
    let mine = query.mine == "1";
    let me = user.id;
    let merchants = rows
        .into_iter()
        .filter(|r| !mine || r.inspector_id == Some(me))
        .map(|m| {
            let (area, area_typed) = declared_name(policy.area(&m.area), &m.area, lang);
            MerchantRow { m, area, area_typed }
        })
        .collect();
    let can_manage = user.role != crate::domain::words::Role::Inspector && c.is_open();
    Ok(CampaignPage {
        status: status_words(&c, lang),
        scope: scope_words(&c, &policy, lang),
        overall: progress_row(lang.t("campaigns-overall").to_string(), false, &tally.overall),
        by_inspector,
        by_area,
        merchants,
        inspectors,
        mine,
        can_manage,
        page,
        c,
    })
}

/// POST /staff/campaigns/{id}/assign: `inspector` plus `area` (every merchant of the area) or
/// `merchant` (one merchant).
#[derive(Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    inspector: String,
    #[serde(default)]
    area: Option<String>,
    #[serde(default)]
    merchant: Option<String>,
}

pub async fn assign(
    state: web::Data<AppState>,
    user: Require<Committee>,
    id: Id,
    form: CsrfForm<AssignForm>,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    let f = form.into_inner();
    let bad = |field: &str, msg: &str| AppError::invalid(field, Lang::Zh.t(msg), Lang::En.t(msg));
    let inspector = f
        .inspector
        .trim()
        .parse::<i32>()
        .map_err(|_| bad("inspector", "campaigns-err-inspector"))?;
    let target = match (f.area, f.merchant) {
        (_, Some(m)) if !m.trim().is_empty() => Target::Merchant(
            m.trim()
                .parse()
                .map_err(|_| bad("merchant", "campaigns-err-not-in"))?,
        ),
        (Some(a), _) => Target::Area(a),
        _ => return Err(bad("area", "campaigns-err-not-in")),
    };
    let actor = user.actor();
    with_db(&state, move |c| {
        campaigns::assign(c, &actor, id, &target, inspector).map_err(campaign_error)
    })
    .await?;
    Ok(see_other(format!("/staff/campaigns/{id}")))
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/campaign_close.html")]
pub struct ClosePage {
    page: PageCtx,
    c: Campaign,
    overall: ProgressRow,
    unfinished: Vec<MerchantRow>,
    unfinished_count: String,
}

/// GET /staff/campaigns/{id}/close: the confirmation, listing the merchants not yet inspected.
pub async fn close_form(
    state: web::Data<AppState>,
    page: PageCtx,
    _user: Require<Committee>,
    id: Id,
) -> Result<ClosePage, AppError> {
    let id = *id;
    let (c, rows, policy) = with_db(&state, move |c| {
        let found = campaigns::find(c, id)?.ok_or(AppError::NotFound)?;
        let rows = campaigns::merchants_of(c, &found)?;
        Ok((found, rows, crate::services::policy::active_policy(c)?))
    })
    .await?;
    if !c.is_open() {
        return Err(campaign_error(CampaignError::Closed));
    }
    let lang = page.lang;
    let tally = campaigns::tally(&rows);
    let unfinished: Vec<MerchantRow> = rows
        .into_iter()
        .filter(|r| r.done_on.is_none())
        .map(|m| {
            let (area, area_typed) = declared_name(policy.area(&m.area), &m.area, lang);
            MerchantRow { m, area, area_typed }
        })
        .collect();
    Ok(ClosePage {
        unfinished_count: lang.tr(
            "campaigns-close-unfinished",
            &[("count", (unfinished.len() as i64).into())],
        ),
        overall: progress_row(lang.t("campaigns-overall").to_string(), false, &tally.overall),
        unfinished,
        page,
        c,
    })
}

/// POST /staff/campaigns/{id}/close: closes the campaign (`confirm=1` required), then leads to
/// the campaign page, which offers the edition preview.
#[derive(Deserialize)]
pub struct CloseForm {
    #[serde(default)]
    confirm: String,
}

pub async fn close(
    state: web::Data<AppState>,
    user: Require<Committee>,
    id: Id,
    form: CsrfForm<CloseForm>,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    if form.confirm != "1" {
        return Ok(see_other(format!("/staff/campaigns/{id}/close")));
    }
    let actor = user.actor();
    with_db(&state, move |c| {
        campaigns::close(c, &actor, id).map_err(campaign_error)
    })
    .await?;
    Ok(see_other(format!("/staff/campaigns/{id}")))
}
