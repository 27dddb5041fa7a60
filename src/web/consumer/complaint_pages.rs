use super::*;

/// The longest complaint, in characters.
pub(super) const BODY_MAX: usize = 1000;

/// The shortest complaint, in characters.
pub(super) const BODY_MIN: usize = 10;

/// The longest contact, in characters.
pub(super) const CONTACT_MAX: usize = 100;

/// The complaint form as typed.
#[derive(Deserialize, Default, Clone)]
pub struct ComplaintInput {
    #[serde(default)]
    pub(super) merchant: String,
    #[serde(default)]
    pub(super) body: String,
    #[serde(default)]
    pub(super) contact: String,
}

/// Validates a complaint: (merchant id, body, contact).
pub fn validate_complaint(i: &ComplaintInput) -> Result<(i32, String, Option<String>), Vec<FieldError>> {
    let mut e = Vec::new();
    let merchant = i.merchant.trim().parse::<i32>().ok();
    if merchant.is_none() {
        e.push(field("merchant", "请选择被投诉的商家。", "Choose the merchant."));
    }
    let body = i.body.trim().to_string();
    let n = body.chars().count();
    if !(BODY_MIN..=BODY_MAX).contains(&n) {
        e.push(field(
            "body",
            "投诉内容应为 10 到 1000 个字。",
            "The complaint must be 10 to 1000 characters.",
        ));
    }
    let contact = i.contact.trim().to_string();
    if contact.chars().count() > CONTACT_MAX {
        e.push(field(
            "contact",
            "联系方式不能超过 100 个字。",
            "The contact must be at most 100 characters.",
        ));
    }
    match merchant {
        Some(m) if e.is_empty() => Ok((m, body, (!contact.is_empty()).then_some(contact))),
        _ => Err(e),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "consumer/complaint.html")]
pub struct ComplaintPage {
    pub(super) page: PageCtx,
    pub(super) merchant_name: String,
    pub(super) input: ComplaintInput,
    pub(super) ts: String,
    pub(super) errors: Vec<(String, String)>,
}

/// `?merchant=` of the complaint form.
#[derive(Deserialize)]
pub struct MerchantQuery {
    #[serde(default)]
    pub(super) merchant: String,
}

pub(super) async fn complaint_page(
    state: &AppState,
    page: PageCtx,
    input: ComplaintInput,
    ts: Option<String>,
    errors: Vec<FieldError>,
) -> Result<ComplaintPage, AppError> {
    let id = parse_id(&input.merchant)?;
    let configured = state.config.session_secret.clone();
    let (m, secret) = with_db(state, move |c| {
        let m = Merchant::find(c, id)?.ok_or(AppError::NotFound)?;
        Ok((m, plaque::app_secret(c, configured.as_deref())?))
    })
    .await?;
    let ts = ts.unwrap_or_else(|| complaints::form_token(&secret, now_utc().and_utc().timestamp()));
    let lang = page.lang;
    Ok(ComplaintPage {
        page,
        merchant_name: m.name,
        input,
        ts,
        errors: errors
            .iter()
            .map(|f| (f.field.clone(), lang.pick(&f.zh, &f.en).to_string()))
            .collect(),
    })
}

/// GET /complaints/new?merchant={id}
pub async fn complaint_form(
    state: web::Data<AppState>,
    page: PageCtx,
    query: web::Query<MerchantQuery>,
) -> Result<ComplaintPage, AppError> {
    let input = ComplaintInput {
        merchant: query.into_inner().merchant,
        ..Default::default()
    };
    complaint_page(&state, page, input, None, vec![]).await
}

/// The complaint form with its token, render time and honeypot.
#[derive(Deserialize)]
pub struct ComplaintForm {
    /// The signed render time ([`complaints::form_token`]).
    #[serde(default)]
    pub(super) ts: String,
    /// The honeypot: hidden from people, filled by bots.
    #[serde(default)]
    pub(super) website: String,
    #[serde(flatten)]
    pub(super) input: ComplaintInput,
}

#[derive(Template, WebTemplate)]
#[template(path = "consumer/limit.html")]
pub struct LimitPage {
    pub(super) page: PageCtx,
    pub(super) message: &'static str,
    pub(super) merchant_id: i32,
}

/// POST /complaints
pub async fn complaint_submit(
    state: web::Data<AppState>,
    mut page: PageCtx,
    req: HttpRequest,
    form: CsrfForm<ComplaintForm>,
) -> Result<HttpResponse, AppError> {
    // The language switch of a page answering this POST leads back to the form (GET).
    let merchant: String =
        url::form_urlencoded::byte_serialize(form.input.merchant.trim().as_bytes()).collect();
    page.switch_to(format!("/complaints/new?merchant={merchant}"));
    let ip = client_ip(&req, &state.config);
    state
        .throttle
        .check(Family::Complaint, ip, Some(&form.input.merchant))?;
    let form = form.into_inner();
    let thanks = |id: &str| {
        let id: String = url::form_urlencoded::byte_serialize(id.trim().as_bytes()).collect();
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/complaints/thanks?merchant={id}")))
            .finish()
    };
    if !form.website.trim().is_empty() {
        // A bot: let it believe it succeeded, and store nothing.
        tracing::info!("complaint honeypot filled; discarded");
        return Ok(thanks(&form.input.merchant));
    }
    let secret = secret(&state).await?;
    let now = now_utc();
    let timing = complaints::form_timing(&secret, &form.ts, now.and_utc().timestamp());
    let mut errors = match validate_complaint(&form.input) {
        Ok(_) => Vec::new(),
        Err(e) => e,
    };
    match timing {
        FormTiming::Ok => {}
        FormTiming::TooFast => errors.push(field(
            "ts",
            "请稍后再提交。",
            "Please wait a moment before submitting.",
        )),
        FormTiming::Expired => errors.push(field(
            "ts",
            "表单已过期，请重新提交。",
            "The form has expired; please submit it again.",
        )),
    }
    if !errors.is_empty() {
        if form.input.merchant.trim().parse::<i32>().is_err() {
            return Err(AppError::Invalid(errors));
        }
        // Keep a genuine render time, so a form sent too fast is accepted when sent again.
        let ts = (timing != FormTiming::Expired).then_some(form.ts);
        let p = complaint_page(&state, page, form.input, ts, errors).await?;
        return html(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, &p);
    }
    let (merchant_id, body, contact) = validate_complaint(&form.input).map_err(AppError::Invalid)?;
    let form_token = complaints::form_token_id(&secret, &form.ts).ok_or_else(|| {
        AppError::invalid(
            "ts",
            "表单已过期，请重新提交。",
            "The form has expired; please submit it again.",
        )
    })?;
    let today = state.config.today();
    let day_start = today
        .and_hms_opt(0, 0, 0)
        .and_then(|d| state.config.time_zone.from_local_datetime(&d).earliest())
        .map(|d| d.naive_utc())
        .unwrap_or(now - chrono::Duration::days(1));
    let new = NewComplaint {
        merchant_id,
        body,
        contact,
        client_hash: complaints::client_hash(&secret, &ip.to_string(), today),
        form_token,
    };
    let outcome = with_db(&state, move |c| Ok(complaints::file(c, &new, now, day_start))).await?;
    let lang = page.lang;
    let limited = |page: PageCtx, message: &'static str| {
        html(
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
            &LimitPage {
                message,
                merchant_id,
                page,
            },
        )
    };
    match outcome {
        Ok(_) => Ok(thanks(&merchant_id.to_string())),
        Err(FileError::NoMerchant(_)) => Err(AppError::NotFound),
        Err(FileError::FormUsed) => {
            // Sent twice (a replayed post, or a second click): show a fresh form.
            let used = field(
                "ts",
                "此表单已提交过。如需再次投诉，请重新填写。",
                "This form was already sent. To complain again, fill in this new form.",
            );
            let p = complaint_page(&state, page, form.input, None, vec![used]).await?;
            html(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        Err(FileError::ClientLimit) => limited(page, lang.t("consumer-complaint-limit-client")),
        Err(FileError::MerchantLimit) => limited(page, lang.t("consumer-complaint-limit-merchant")),
        Err(FileError::Other(e)) => Err(AppError::Internal(e)),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "consumer/thanks.html")]
pub struct ThanksPage {
    pub(super) page: PageCtx,
    pub(super) merchant_id: Option<i32>,
}

/// GET /complaints/thanks?merchant={id}
pub async fn complaint_thanks(page: PageCtx, query: web::Query<MerchantQuery>) -> ThanksPage {
    ThanksPage {
        page,
        merchant_id: query.merchant.trim().parse().ok(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "consumer/triage.html")]
pub struct TriagePage {
    pub(super) page: PageCtx,
    pub(super) pending: Vec<(complaints::PendingComplaint, String)>,
}

/// GET /staff/complaints: complaints waiting for an inspector's decision.
pub async fn staff_complaints(
    state: web::Data<AppState>,
    page: PageCtx,
    _user: Require<Staff>,
) -> Result<TriagePage, AppError> {
    let rows = with_db(&state, |c| Ok(complaints::pending(c)?)).await?;
    let tz = state.config.time_zone;
    let pending = rows
        .into_iter()
        .map(|p| {
            let at = p
                .created_at
                .and_utc()
                .with_timezone(&tz)
                .format("%Y-%m-%d %H:%M")
                .to_string();
            (p, at)
        })
        .collect();
    Ok(TriagePage { page, pending })
}

/// The triage form.
#[derive(Deserialize)]
pub struct TriageForm {
    #[serde(default)]
    pub(super) decision: String,
    #[serde(default)]
    pub(super) note: String,
}

/// POST /staff/complaints/{id}/triage: verified (counts in the rating) or dismissed.
pub async fn triage(
    state: web::Data<AppState>,
    user: Require<Staff>,
    id: Id,
    form: CsrfForm<TriageForm>,
) -> Result<HttpResponse, AppError> {
    let id = *id;
    let mut errors = Vec::new();
    let decision = Decision::parse(&form.decision);
    if decision.is_none() {
        errors.push(field(
            "decision",
            "请选择处理结果（属实或不属实）。",
            "Choose verified or dismissed.",
        ));
    }
    let note = form.note.trim().to_string();
    if note.chars().count() > 500 {
        errors.push(field(
            "note",
            "处理说明不能超过 500 个字。",
            "The note must be at most 500 characters.",
        ));
    }
    let Some(decision) = decision.filter(|_| errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    let actor = user.actor();
    let today = state.config.today();
    with_db(&state, move |c| {
        let policy = crate::services::policy::active_policy(c)?;
        complaints::triage(c, &policy, today, now_utc(), &actor, id, decision, &note).map_err(|e| match e {
            TriageError::NotFound(_) => AppError::NotFound,
            TriageError::AlreadyTriaged(_) => AppError::invalid(
                "decision",
                "该投诉已处理。",
                "This complaint was already triaged.",
            ),
            TriageError::Other(e) => AppError::Internal(e),
        })
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/staff/complaints"))
        .finish())
}
