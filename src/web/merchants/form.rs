use super::*;

/// A form field's name, value, help key, input type, whether it is required, and its length limit.
pub(super) type FieldSpec<'a> = (
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
pub(super) fn field_views(
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
    pub(super) page: PageCtx,
    pub(super) title: &'static str,
    pub(super) action: String,
    pub(super) submit: &'static str,
    pub(super) fields: Vec<FieldView>,
    /// Messages not tied to a field of the form.
    pub(super) other_errors: Vec<String>,
    pub(super) has_errors: bool,
    pub(super) saved: bool,
    pub(super) merchant_id: Option<i32>,
    pub(super) closed: bool,
    pub(super) can_close: bool,
    /// The programme's next inspection, in words (the merchant's staff page only).
    pub(super) due: Option<String>,
}

pub(super) struct FormSpec<'a> {
    pub(super) input: &'a MerchantInput,
    pub(super) errors: &'a [FieldError],
    pub(super) merchant: Option<&'a Merchant>,
    pub(super) saved: bool,
}

pub(super) fn form_page(page: PageCtx, user: &CurrentUser, spec: FormSpec<'_>) -> FormPage {
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
        due: None,
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
                    errors: &crate::web::error::field_errors(errors),
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
    pub(super) saved: String,
}

pub(super) async fn load(state: &AppState, id: i32) -> Result<Merchant, AppError> {
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
    let mid = m.id;
    let due = with_db(&state, move |c| {
        Ok(crate::services::programme::of_merchant(c, mid)?)
    })
    .await?;
    let input = MerchantInput::from_merchant(&m);
    let mut tpl = form_page(
        page,
        &user,
        FormSpec {
            input: &input,
            errors: &[],
            merchant: Some(&m),
            saved: flag.saved == "1",
        },
    );
    tpl.due = due.map(|(on, reason)| {
        let lang = tpl.page.lang;
        lang.tr(
            "queue-next-inspection",
            &[
                ("date", on.into()),
                ("reason", crate::web::programme::reason_text(lang, &reason).into()),
            ],
        )
    });
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
                    errors: &crate::web::error::field_errors(errors),
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
