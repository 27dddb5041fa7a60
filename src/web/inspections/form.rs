use super::*;

/// Violation rows the HTML form offers at least (the JSON API takes any number).
pub(super) const FORM_ROWS: usize = 5;

/// The highest violation row number the form parser reads.
pub(super) const MAX_FORM_ROWS: usize = 50;

/// One violation row as typed in the form.
#[derive(Debug, Clone, Default)]
pub(super) struct RowValues {
    pub(super) id: String,
    /// The catalogue entry picked (`[[violation_types]]` code), if any.
    pub(super) vtype: String,
    pub(super) code: String,
    pub(super) severity: String,
    pub(super) description: String,
    pub(super) legal_basis: String,
    pub(super) fine: String,
}

impl RowValues {
    /// A row with nothing typed is ignored (and, when editing, removes the violation).
    pub(super) fn is_blank(&self) -> bool {
        [&self.code, &self.description, &self.legal_basis, &self.fine]
            .iter()
            .all(|s| s.trim().is_empty())
    }

    pub(super) fn of(v: &Violation) -> Self {
        RowValues {
            id: v.id.to_string(),
            vtype: String::new(),
            code: v.code.clone(),
            severity: v.severity.to_string(),
            description: v.description.clone(),
            legal_basis: v.legal_basis.clone(),
            fine: if v.fine_fen == 0 {
                String::new()
            } else {
                crate::domain::money::format_fen(v.fine_fen)
            },
        }
    }
}

/// The whole form as typed, so a rejected form comes back exactly as it was sent.
#[derive(Debug, Clone, Default)]
pub(super) struct FormValues {
    pub(super) merchant_id: String,
    pub(super) inspected_on: String,
    pub(super) kind: String,
    /// (code, points): the checklist in order, then any code the checklist does not have.
    pub(super) deductions: Vec<(String, String)>,
    pub(super) violations: Vec<RowValues>,
    pub(super) notes: String,
    /// The inspector confirmed a second inspection of the merchant on the same day.
    pub(super) confirm_same_day: bool,
}

impl FormValues {
    /// Fills the blank fields of each row whose catalogue entry was picked (without the script,
    /// picking only sets the row's `<select>`): code, severity, description in the form's
    /// language, legal basis and typical fine. What the inspector typed is kept.
    pub(super) fn fill_from_catalogue(&mut self, policy: &Policy, lang: Lang) {
        for r in &mut self.violations {
            let Some(t) = policy.violation_type(r.vtype.trim()) else {
                continue;
            };
            let fill = |field: &mut String, value: String| {
                if field.trim().is_empty() {
                    *field = value;
                }
            };
            fill(&mut r.code, t.code.clone());
            fill(&mut r.severity, t.severity.as_str().to_string());
            fill(
                &mut r.description,
                lang.pick(&t.title_zh, &t.title_en).to_string(),
            );
            fill(&mut r.legal_basis, t.legal_basis.clone());
            if t.typical_fine_yuan > 0 {
                fill(&mut r.fine, t.typical_fine_yuan.to_string());
            }
        }
    }

    pub(super) fn from_pairs(pairs: &[(String, String)], policy: &Policy) -> Self {
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let mut deductions: Vec<(String, String)> = policy
            .checklist
            .iter()
            .map(|it| (it.code.clone(), get(&format!("d_{}", it.code))))
            .collect();
        for (k, v) in pairs {
            if let Some(code) = k.strip_prefix("d_") {
                if policy.checklist_item(code).is_none() && !deductions.iter().any(|(c, _)| c == code) {
                    deductions.push((code.to_string(), v.clone()));
                }
            }
        }
        let rows = pairs
            .iter()
            .filter_map(|(k, _)| {
                let rest = k.strip_prefix('v')?;
                let (n, _) = rest.split_once('_')?;
                n.parse::<usize>().ok()
            })
            .filter(|n| *n < MAX_FORM_ROWS)
            .max()
            .map_or(0, |n| n + 1);
        let violations = (0..rows)
            .map(|r| RowValues {
                id: get(&format!("v{r}_id")),
                vtype: get(&format!("v{r}_type")),
                code: get(&format!("v{r}_code")),
                severity: get(&format!("v{r}_severity")),
                description: get(&format!("v{r}_description")),
                legal_basis: get(&format!("v{r}_legal_basis")),
                fine: get(&format!("v{r}_fine")),
            })
            .collect();
        FormValues {
            merchant_id: get("merchant_id"),
            inspected_on: get("inspected_on"),
            kind: get("kind"),
            deductions,
            violations,
            notes: get("notes"),
            confirm_same_day: matches!(get("confirm_same_day").trim(), "1" | "on" | "true" | "yes"),
        }
    }

    pub(super) fn of_inspection(
        i: &Inspection,
        items: &[NewItem],
        violations: &[Violation],
        policy: &Policy,
    ) -> Self {
        let deductions: Vec<(String, String)> = policy
            .checklist
            .iter()
            .map(|it| {
                let d = items
                    .iter()
                    .find(|x| x.item_code == it.code)
                    .map_or(0, |x| x.deduction);
                // Full marks show as an empty box (placeholder 0), so typing 5 never gives 50.
                (
                    it.code.clone(),
                    if d == 0 { String::new() } else { d.to_string() },
                )
            })
            .collect();
        // An edit scores against the active checklist: items a newer policy dropped are not offered.
        FormValues {
            merchant_id: i.merchant_id.to_string(),
            inspected_on: i.inspected_on.to_string(),
            kind: i.kind.to_string(),
            deductions,
            violations: violations.iter().map(RowValues::of).collect(),
            notes: i.notes.clone(),
            confirm_same_day: false,
        }
    }

    pub(super) fn to_draft(&self) -> Draft {
        Draft {
            merchant_id: self.merchant_id.clone(),
            inspected_on: self.inspected_on.clone(),
            kind: self.kind.clone(),
            deductions: self
                .deductions
                .iter()
                .map(|(code, points)| DraftDeduction {
                    code: code.clone(),
                    points: points.clone(),
                })
                .collect(),
            violations: self
                .violations
                .iter()
                .enumerate()
                .filter(|(_, v)| !v.is_blank())
                .map(|(row, v)| DraftViolation {
                    row,
                    id: Some(v.id.clone()),
                    code: v.code.clone(),
                    severity: v.severity.clone(),
                    description: v.description.clone(),
                    legal_basis: v.legal_basis.clone(),
                    fine: Fine::Yuan(v.fine.clone()),
                })
                .collect(),
            notes: self.notes.clone(),
        }
    }
}

/// A radio button or select option.
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

/// One checklist line of the form.
pub struct ItemField {
    pub code: String,
    pub title: String,
    pub max: i32,
    pub value: String,
    pub error: String,
}

/// A catalogue option of a row's `<select>`.
pub struct TypeOption {
    pub code: String,
    pub label: String,
    pub selected: bool,
}

/// Catalogue options of one severity (an `<optgroup>`).
pub struct TypeGroup {
    pub label: &'static str,
    pub options: Vec<TypeOption>,
}

/// One entry of the searchable catalogue the script shows (hidden without it).
pub struct CatalogueEntry {
    pub code: String,
    pub title: String,
    pub severity: &'static str,
    pub severity_label: &'static str,
    pub legal_basis: String,
    /// Typical fine in yuan, empty when none.
    pub fine: String,
    /// Code, both titles and the legal basis, lower-cased, for the filter.
    pub search: String,
}

/// One violation row of the form.
pub struct RowField {
    pub row: usize,
    pub types: Vec<TypeGroup>,
    pub number: usize,
    pub id: String,
    pub code: String,
    pub severities: Vec<Choice>,
    pub description: String,
    pub legal_basis: String,
    pub fine: String,
    /// Shown unfolded: the first row, and any row with content or a message.
    pub open: bool,
    pub error: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/inspections/form.html")]
pub struct FormPage {
    pub(super) page: PageCtx,
    pub(super) title: &'static str,
    pub(super) action: String,
    pub(super) is_edit: bool,
    pub(super) merchant_id: String,
    pub(super) merchant_name: String,
    pub(super) merchant_error: String,
    pub(super) inspected_on: String,
    pub(super) max_date: String,
    pub(super) date_error: String,
    pub(super) kinds: Vec<Choice>,
    pub(super) kind_error: String,
    pub(super) items: Vec<ItemField>,
    pub(super) deductions_error: String,
    pub(super) rows: Vec<RowField>,
    pub(super) violations_error: String,
    pub(super) notes: String,
    pub(super) notes_error: String,
    pub(super) summary: Vec<String>,
    /// The merchant is known (prefilled): shown by name, its number kept hidden.
    pub(super) merchant_fixed: bool,
    /// The browser draft's key (per merchant, or per edited inspection).
    pub(super) draft_key: String,
    pub(super) catalogue: Vec<CatalogueEntry>,
    /// The inspections already logged for the merchant that day (the second-save warning).
    pub(super) same_day: Vec<String>,
    pub(super) confirm_same_day: bool,
}

pub(super) struct FormContext<'a> {
    pub(super) lang: Lang,
    pub(super) policy: &'a Policy,
    pub(super) today: NaiveDate,
    pub(super) merchant_name: Option<String>,
    pub(super) edit_id: Option<i32>,
    /// Lines of the same-day warning; empty when there is none.
    pub(super) same_day: Vec<String>,
}

pub(super) fn form_page(
    page: PageCtx,
    ctx: FormContext<'_>,
    v: &FormValues,
    errors: &[FieldError],
) -> FormPage {
    let lang = ctx.lang;
    let msg = |field: &str| {
        errors
            .iter()
            .filter(|e| e.field == field || e.field.starts_with(&format!("{field}.")))
            .map(|e| lang.pick(&e.zh, &e.en).to_string())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let items = v
        .deductions
        .iter()
        .enumerate()
        .map(|(i, (code, value))| {
            let item = ctx.policy.checklist_item(code);
            ItemField {
                code: code.clone(),
                title: item
                    .map(|it| lang.pick(&it.title_zh, &it.title_en).to_string())
                    .unwrap_or_default(),
                max: item.map_or(0, |it| it.points),
                value: value.clone(),
                error: msg(&format!("deductions[{i}]")),
            }
        })
        .collect();
    let wanted = (v.violations.len() + usize::from(ctx.edit_id.is_some())).max(FORM_ROWS);
    let rows = (0..wanted)
        .map(|row| {
            let r = v.violations.get(row).cloned().unwrap_or_default();
            let error = msg(&format!("violations[{row}]"));
            RowField {
                types: type_groups(ctx.policy, lang, &r.vtype),
                row,
                number: row + 1,
                severities: Severity::ALL
                    .iter()
                    .map(|s| Choice {
                        value: s.as_str(),
                        label: crate::i18n::words::severity(*s, lang),
                        checked: r.severity.trim().parse::<Severity>().ok() == Some(*s),
                    })
                    .collect(),
                open: row == 0 || !r.is_blank() || !error.is_empty(),
                id: r.id,
                code: r.code,
                description: r.description,
                legal_basis: r.legal_basis,
                fine: r.fine,
                error,
            }
        })
        .collect();
    let kind = v.kind.trim().parse::<InspectionKind>().ok();
    let merchant_error = msg("merchant_id");
    let merchant_fixed = ctx.edit_id.is_none()
        && ctx.merchant_name.as_deref().is_some_and(|n| !n.is_empty())
        && merchant_error.is_empty();
    let draft_key = match ctx.edit_id {
        Some(id) => format!("edit-{id}"),
        None => match v.merchant_id.trim().parse::<i32>() {
            Ok(m) => format!("merchant-{m}"),
            Err(_) => "new".into(),
        },
    };
    FormPage {
        merchant_fixed,
        draft_key,
        catalogue: catalogue(ctx.policy, lang),
        same_day: ctx.same_day,
        confirm_same_day: v.confirm_same_day,
        title: lang.t(if ctx.edit_id.is_some() {
            "inspections-edit"
        } else {
            "inspections-new"
        }),
        action: match ctx.edit_id {
            Some(id) => format!("/staff/inspections/{id}/edit"),
            None => "/staff/inspections".into(),
        },
        is_edit: ctx.edit_id.is_some(),
        merchant_id: v.merchant_id.clone(),
        merchant_name: ctx.merchant_name.unwrap_or_default(),
        merchant_error,
        inspected_on: v.inspected_on.clone(),
        max_date: ctx.today.to_string(),
        date_error: msg("inspected_on"),
        kinds: InspectionKind::ALL
            .iter()
            .map(|k| Choice {
                value: k.as_str(),
                label: crate::i18n::words::inspection_kind(*k, lang),
                checked: kind == Some(*k),
            })
            .collect(),
        kind_error: msg("kind"),
        items,
        deductions_error: errors
            .iter()
            .filter(|e| e.field == "deductions")
            .map(|e| lang.pick(&e.zh, &e.en).to_string())
            .collect::<Vec<_>>()
            .join(" "),
        rows,
        violations_error: errors
            .iter()
            .filter(|e| e.field == "violations")
            .map(|e| lang.pick(&e.zh, &e.en).to_string())
            .collect::<Vec<_>>()
            .join(" "),
        notes: v.notes.clone(),
        notes_error: msg("notes"),
        summary: errors
            .iter()
            .map(|e| lang.pick(&e.zh, &e.en).to_string())
            .collect(),
        page,
    }
}

/// The catalogue as `<optgroup>`s by severity, `selected` picked.
fn type_groups(policy: &Policy, lang: Lang, selected: &str) -> Vec<TypeGroup> {
    Severity::ALL
        .iter()
        .map(|s| TypeGroup {
            label: crate::i18n::words::severity(*s, lang),
            options: policy
                .violation_types
                .iter()
                .filter(|t| t.severity == *s)
                .map(|t| TypeOption {
                    code: t.code.clone(),
                    label: format!("{} {}", t.code, lang.pick(&t.title_zh, &t.title_en)),
                    selected: t.code == selected.trim(),
                })
                .collect(),
        })
        .filter(|g| !g.options.is_empty())
        .collect()
}

fn catalogue(policy: &Policy, lang: Lang) -> Vec<CatalogueEntry> {
    policy
        .violation_types
        .iter()
        .map(|t| CatalogueEntry {
            code: t.code.clone(),
            title: lang.pick(&t.title_zh, &t.title_en).to_string(),
            severity: t.severity.as_str(),
            severity_label: crate::i18n::words::severity(t.severity, lang),
            legal_basis: t.legal_basis.clone(),
            fine: if t.typical_fine_yuan > 0 {
                t.typical_fine_yuan.to_string()
            } else {
                String::new()
            },
            search: format!("{} {} {} {}", t.code, t.title_zh, t.title_en, t.legal_basis).to_lowercase(),
        })
        .collect()
}

/// The warning's lines: one per inspection already logged that day, "HH:MM by name (No. id)".
pub(super) fn same_day_lines(state: &AppState, lang: Lang, found: &[svc::SameDay]) -> Vec<String> {
    found
        .iter()
        .map(|s| {
            let local = state.config.local_time(s.created_at);
            let time = local.rsplit(' ').next().unwrap_or(&local).to_string();
            lang.tr(
                "form-same-day-entry",
                &[
                    ("time", time.into()),
                    (
                        "inspector",
                        s.inspector_name.clone().unwrap_or_else(|| "—".into()).into(),
                    ),
                    ("id", s.id.into()),
                ],
            )
        })
        .collect()
}

/// The 403 page that says why (the edit window has closed), rather than the generic one.
#[derive(Template, WebTemplate)]
#[template(path = "staff/inspections/forbidden.html")]
pub struct ForbiddenPage {
    pub(super) page: PageCtx,
    pub(super) id: i32,
    pub(super) message: &'static str,
}

pub(super) fn too_late_page(page: PageCtx, id: i32) -> Result<HttpResponse, AppError> {
    let message = page.lang.t("inspections-too-late");
    html(StatusCode::FORBIDDEN, &ForbiddenPage { page, id, message })
}

/// `?merchant=` of the new-inspection form.
#[derive(Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    pub(super) merchant: String,
}

/// GET /staff/inspections/new?merchant={id}: the empty form, dated today.
pub async fn new_form(
    state: web::Data<AppState>,
    page: PageCtx,
    _user: Require<Loggers>,
    query: web::Query<NewQuery>,
) -> Result<FormPage, AppError> {
    let merchant = query.into_inner().merchant.trim().to_string();
    let id = merchant.parse::<i32>().ok();
    let (policy, name) = with_db(&state, move |c| {
        let policy = crate::services::policy::active_policy(c)?;
        let name = match id {
            Some(id) => svc::merchant_name(c, id)?,
            None => None,
        };
        Ok((policy, name))
    })
    .await?;
    let today = state.config.today();
    let mut values = FormValues::from_pairs(&[], &policy);
    values.merchant_id = merchant.clone();
    values.inspected_on = today.to_string();
    values.kind = InspectionKind::Routine.as_str().into();
    let errors = if !merchant.is_empty() && name.is_none() {
        vec![FieldError {
            field: "merchant_id".into(),
            zh: "没有这个商家，请重新选择。".into(),
            en: "There is no such merchant; choose again.".into(),
        }]
    } else {
        Vec::new()
    };
    let ctx = FormContext {
        lang: page.lang,
        policy: &policy,
        today,
        merchant_name: name,
        edit_id: None,
        same_day: Vec::new(),
    };
    Ok(form_page(page, ctx, &values, &errors))
}

/// What a submitted new inspection came to.
enum Created {
    Saved(i32),
    /// The form again: 422 with the problems, or 409 with the same-day warning.
    Again(Box<Again>),
}

struct Again {
    policy: Policy,
    values: FormValues,
    problems: Vec<crate::services::problem::Problem>,
    name: Option<String>,
    same_day: Vec<svc::SameDay>,
}

/// POST /staff/inspections: log it, then show the result (303); or the form again (422); or,
/// when the merchant already has an inspection that day and the inspector has not confirmed a
/// second one, the form again with the warning and a confirm box (409).
pub async fn create(
    state: web::Data<AppState>,
    page: PageCtx,
    user: Require<Loggers>,
    form: CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let pairs = form.into_inner();
    let today = state.config.today();
    let actor = user.actor();
    let uid = user.id;
    let lang = page.lang;
    let outcome = with_db(&state, move |c| {
        let policy = crate::services::policy::active_policy(c)?;
        let mut values = FormValues::from_pairs(&pairs, &policy);
        values.fill_from_catalogue(&policy, lang);
        let draft = values.to_draft();
        let name_of =
            |c: &mut crate::db::DbConn, values: &FormValues| match values.merchant_id.trim().parse::<i32>() {
                Ok(id) => svc::merchant_name(c, id),
                Err(_) => Ok(None),
            };
        if !values.confirm_same_day {
            if let Ok(input) = svc::validate(&draft, &policy, today) {
                let found = svc::same_day(c, input.merchant_id, input.inspected_on)?;
                if !found.is_empty() {
                    let name = name_of(c, &values)?;
                    return Ok(Created::Again(Box::new(Again {
                        policy,
                        values,
                        problems: Vec::new(),
                        name,
                        same_day: found,
                    })));
                }
            }
        }
        match svc::log_inspection(c, &policy, &draft, today, &actor, uid) {
            Ok(logged) => Ok(Created::Saved(logged.inspection.id)),
            Err(InspectionError::Invalid(problems)) => {
                let name = name_of(c, &values)?;
                Ok(Created::Again(Box::new(Again {
                    policy,
                    values,
                    problems,
                    name,
                    same_day: Vec::new(),
                })))
            }
            Err(e) => Err(app_error(e)),
        }
    })
    .await?;
    match outcome {
        Created::Saved(id) => Ok(see_other(format!("/staff/inspections/{id}"))),
        Created::Again(again) => {
            let Again {
                policy,
                values,
                problems,
                name,
                same_day,
            } = *again;
            let status = if same_day.is_empty() {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::CONFLICT
            };
            let ctx = FormContext {
                lang,
                policy: &policy,
                today,
                merchant_name: name,
                edit_id: None,
                same_day: same_day_lines(&state, lang, &same_day),
            };
            let p = form_page(page, ctx, &values, &field_errors(problems));
            html(status, &p)
        }
    }
}

/// GET /staff/inspections/{id}/edit: the form filled in, for its own inspector within 24 hours.
pub async fn edit_form(
    state: web::Data<AppState>,
    page: PageCtx,
    user: Require<Loggers>,
    id: Id,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    let uid = user.id;
    let loaded = with_db(&state, move |c| {
        let policy = crate::services::policy::active_policy(c)?;
        let Some(i) = Inspection::find(c, id)? else {
            return Err(AppError::NotFound);
        };
        if let Err(e) = check_editable(&i, uid, crate::db::models::now_utc()) {
            return Ok(Err(e));
        }
        let items = Inspection::items_of(c, id)?;
        let violations = Inspection::violations_of(c, id)?;
        let name = svc::merchant_name(c, i.merchant_id)?;
        let values = FormValues::of_inspection(&i, &items, &violations, &policy);
        Ok(Ok((policy, values, name)))
    })
    .await?;
    match loaded {
        Ok((policy, values, name)) => {
            let ctx = FormContext {
                lang: page.lang,
                policy: &policy,
                today: state.config.today(),
                merchant_name: name,
                edit_id: Some(id),
                same_day: Vec::new(),
            };
            html(StatusCode::OK, &form_page(page, ctx, &values, &[]))
        }
        Err(InspectionError::TooLate) => too_late_page(page, id),
        Err(e) => Err(app_error(e)),
    }
}

/// POST /staff/inspections/{id}/edit: save the corrections (303), or the form again (422).
pub async fn update(
    state: web::Data<AppState>,
    page: PageCtx,
    user: Require<Loggers>,
    id: Id,
    form: CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    let pairs = form.into_inner();
    let today = state.config.today();
    let actor = user.actor();
    let uid = user.id;
    let lang = page.lang;
    let outcome = with_db(&state, move |c| {
        let policy = crate::services::policy::active_policy(c)?;
        let mut values = FormValues::from_pairs(&pairs, &policy);
        values.fill_from_catalogue(&policy, lang);
        let now = crate::db::models::now_utc();
        match svc::edit_inspection(c, &policy, id, &values.to_draft(), today, &actor, uid, now) {
            Ok(_) => Ok(Ok(())),
            Err(InspectionError::Invalid(problems)) => {
                let name = match Inspection::find(c, id)? {
                    Some(i) => svc::merchant_name(c, i.merchant_id)?,
                    None => None,
                };
                Ok(Err(Some((policy, values, problems, name))))
            }
            Err(InspectionError::TooLate) => Ok(Err(None)),
            Err(e) => Err(app_error(e)),
        }
    })
    .await?;
    match outcome {
        Ok(()) => Ok(see_other(format!("/staff/inspections/{id}"))),
        Err(None) => too_late_page(page, id),
        Err(Some((policy, values, problems, name))) => {
            let ctx = FormContext {
                lang: page.lang,
                policy: &policy,
                today,
                merchant_name: name,
                edit_id: Some(id),
                same_day: Vec::new(),
            };
            let p = form_page(page, ctx, &values, &field_errors(problems));
            html(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
    }
}
