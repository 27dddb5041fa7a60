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
