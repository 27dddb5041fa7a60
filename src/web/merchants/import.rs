use super::*;

/// A report line, ready to print.
pub struct ReportLine {
    pub row: u64,
    pub field: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "staff/merchants/import.html")]
pub struct ImportPage {
    pub(super) page: PageCtx,
    pub(super) csv: String,
    pub(super) good_rows_only: bool,
    pub(super) summary: Option<String>,
    pub(super) rejected: bool,
    pub(super) lines: Vec<ReportLine>,
    /// The encodings a file upload may choose, the chosen one marked.
    pub(super) encodings: Vec<EncodingOption>,
}

/// One choice of the upload's encoding select.
pub struct EncodingOption {
    /// The WHATWG label sent back.
    pub value: &'static str,
    /// Its name in the reader's language.
    pub label: &'static str,
    pub selected: bool,
}

/// The encodings offered on the upload form (any WHATWG label is accepted).
const ENCODINGS: [(&str, &str); 6] = [
    ("utf-8", "imports-encoding-utf8"),
    ("gb18030", "imports-encoding-gb18030"),
    ("big5", "imports-encoding-big5"),
    ("windows-1252", "imports-encoding-windows-1252"),
    ("shift_jis", "imports-encoding-shift-jis"),
    ("euc-kr", "imports-encoding-euc-kr"),
];

fn encoding_options(lang: Lang, chosen: &str) -> Vec<EncodingOption> {
    ENCODINGS
        .iter()
        .map(|(value, id)| EncodingOption {
            value,
            label: lang.t(id),
            selected: *value == chosen,
        })
        .collect()
}

/// The most an uploaded register may weigh.
const MAX_REGISTER_BYTES: usize = 8 * 1024 * 1024;

/// POST /staff/merchants/import/file (multipart: `csrf`, `file`, `encoding`, `good_rows_only`):
/// imports an uploaded register file in the chosen encoding and shows the per-row report (422
/// when the file is not valid text in that encoding, or bad rows stopped the import).
pub async fn import_file_submit(
    state: web::Data<AppState>,
    session: actix_session::Session,
    page: PageCtx,
    user: Require<Staff>,
    mut payload: crate::web::extract::Upload,
) -> Result<HttpResponse, AppError> {
    use futures_util::StreamExt;
    let (mut csrf, mut data, mut label, mut good) = (String::new(), Vec::new(), String::new(), false);
    let mut parts = 0;
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|e| {
            AppError::invalid(
                "file",
                "表单内容无法解析。",
                &format!("The form could not be read: {e}"),
            )
        })?;
        parts += 1;
        if parts > 8 {
            return Err(AppError::invalid(
                "file",
                "表单字段过多。",
                "Too many form fields.",
            ));
        }
        let name = field.name().unwrap_or("").to_string();
        let limit = if name == "file" {
            MAX_REGISTER_BYTES + 1
        } else {
            1024
        };
        let (bytes, over) = crate::web::extract::read_field_capped(&mut field, limit, "file").await?;
        match name.as_str() {
            "csrf" => csrf = String::from_utf8_lossy(&bytes).into_owned(),
            "encoding" => label = String::from_utf8_lossy(&bytes).trim().to_string(),
            "good_rows_only" => good = matches!(&bytes[..], b"on" | b"1" | b"true"),
            "file" => {
                if over {
                    return Err(AppError::invalid(
                        "file",
                        "文件过大（最大 8 MB）。",
                        "The file is too large (8 MB at most).",
                    ));
                }
                data = bytes;
            }
            _ => {}
        }
    }
    crate::web::extract::check_csrf(&session, &csrf)?;
    let lang = page.lang;
    let label = if label.is_empty() {
        "utf-8".to_string()
    } else {
        label
    };
    let Some(encoding) = service::register_encoding(&label) else {
        return Err(AppError::invalid(
            "encoding",
            lang_zh("imports-encoding-unknown"),
            Lang::En.t("imports-encoding-unknown"),
        ));
    };
    let mut tpl = ImportPage {
        csv: String::new(),
        good_rows_only: good,
        summary: None,
        rejected: true,
        lines: Vec::new(),
        encodings: encoding_options(lang, &label),
        page,
    };
    if data.is_empty() {
        tpl.summary = Some(lang.t("imports-no-file").to_string());
        return html(StatusCode::UNPROCESSABLE_ENTITY, &tpl);
    }
    let text = match service::decode_register(&data, Some(encoding)) {
        Ok(t) => t,
        Err(p) => {
            tpl.summary = Some(p.message.render(lang));
            return html(StatusCode::UNPROCESSABLE_ENTITY, &tpl);
        }
    };
    let actor = user.actor();
    let today = state.config.today();
    let text2 = text.clone();
    let report: RegisterReport = with_db(&state, move |c| {
        Ok(service::import_register(c, &actor, today, &text2, good)?)
    })
    .await?;
    tpl.rejected = report.rejected();
    tpl.summary = Some(report.summary().render(lang));
    tpl.lines = report_lines(&report, lang);
    // Nothing written: the decoded text goes into the box, to fix and import from there.
    if report.written == 0 {
        tpl.csv = String::from_utf8_lossy(&text).into_owned();
    }
    let status = if report.rejected() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    html(status, &tpl)
}

fn lang_zh(id: &str) -> &'static str {
    Lang::Zh.t(id)
}

/// GET /staff/merchants/import
pub async fn import_form(page: PageCtx, _user: Require<Staff>) -> Result<HttpResponse, AppError> {
    let lang = page.lang;
    let tpl = ImportPage {
        page,
        csv: String::new(),
        good_rows_only: false,
        summary: None,
        rejected: false,
        lines: Vec::new(),
        encodings: encoding_options(lang, "utf-8"),
    };
    html(StatusCode::OK, &tpl)
}

/// The import form: the pasted CSV and the good-rows-only choice.
#[derive(Deserialize)]
pub struct ImportForm {
    #[serde(default)]
    pub(super) csv: String,
    #[serde(default)]
    pub(super) good_rows_only: String,
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
        lines: report_lines(&report, lang),
        // After a successful import the box is emptied, so it is not imported twice.
        csv: if report.written > 0 {
            String::new()
        } else {
            form.csv
        },
        good_rows_only,
        encodings: encoding_options(lang, "utf-8"),
        page,
    };
    html(status, &tpl)
}

/// The problems of an import as the page lists them, in `lang`.
fn report_lines(report: &RegisterReport, lang: Lang) -> Vec<ReportLine> {
    report
        .problems
        .iter()
        .map(|p| ReportLine {
            row: p.row,
            field: p.field.clone(),
            reason: p.message.render(lang),
        })
        .collect()
}
