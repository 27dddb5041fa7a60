use super::*;

/// An inspection as typed, before validation: the form and the JSON body both become one of
/// these, so both get the same rules and the same messages.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub merchant_id: String,
    pub inspected_on: String,
    pub kind: String,
    pub deductions: Vec<DraftDeduction>,
    pub violations: Vec<DraftViolation>,
    pub notes: String,
}

/// One checklist deduction as typed.
#[derive(Debug, Clone, Default)]
pub struct DraftDeduction {
    pub code: String,
    /// Whole points; empty means 0.
    pub points: String,
}

/// A fine as typed: yuan with up to two decimals (the form) or integer fen (the JSON API).
#[derive(Debug, Clone)]
pub enum Fine {
    Yuan(String),
    Fen(i64),
}

/// One violation as typed.
#[derive(Debug, Clone)]
pub struct DraftViolation {
    /// The row number the messages refer to (form row or JSON array index).
    pub row: usize,
    /// An existing violation being edited; `None` for a new one.
    pub id: Option<String>,
    pub code: String,
    pub severity: String,
    pub description: String,
    pub legal_basis: String,
    pub fine: Fine,
}

/// A validated inspection, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectionInput {
    pub merchant_id: i32,
    pub inspected_on: NaiveDate,
    pub kind: InspectionKind,
    /// Non-zero deductions only, in checklist order.
    pub deductions: Vec<(String, i32)>,
    pub violations: Vec<ViolationInput>,
    pub notes: String,
    /// 100 minus the deductions, from the policy.
    pub score: i32,
}

/// A validated violation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViolationInput {
    pub row: usize,
    pub id: Option<i32>,
    pub code: String,
    pub severity: Severity,
    pub description: String,
    pub legal_basis: String,
    pub fine_fen: i64,
}

/// Parses a fine as typed (yuan) into fen with [`parse_yuan`]; empty means no fine.
pub fn parse_fine(input: &str) -> Result<i64, MoneyError> {
    if input.trim().is_empty() {
        return Ok(0);
    }
    parse_yuan(input).and_then(|f| {
        if f <= MAX_FINE_FEN {
            Ok(f)
        } else {
            Err(MoneyError::TooLarge)
        }
    })
}

/// Checks a draft against the policy and today's date. Every problem is reported, not just the
/// first, so the inspector fixes the form in one go. The merchant's existence is checked by
/// [`log_inspection`] / [`edit_inspection`], which have the database.
pub fn validate(draft: &Draft, policy: &Policy, today: NaiveDate) -> Result<InspectionInput, Vec<Problem>> {
    let mut problems = Vec::new();
    let merchant_id = keep(&mut problems, merchant_id(&draft.merchant_id));
    let inspected_on = keep(&mut problems, inspected_on(&draft.inspected_on, today));
    let kind = keep(&mut problems, kind(&draft.kind));
    let deductions = deductions(&draft.deductions, policy, &mut problems);
    let violations: Vec<ViolationInput> = draft
        .violations
        .iter()
        .filter_map(|v| violation(v, &mut problems))
        .collect();
    let notes = keep(&mut problems, notes(&draft.notes)).unwrap_or_default();
    let score = keep(&mut problems, score(policy, &deductions)).unwrap_or(0);
    match (merchant_id, inspected_on, kind) {
        (Some(merchant_id), Some(inspected_on), Some(kind)) if problems.is_empty() => Ok(InspectionInput {
            merchant_id,
            inspected_on,
            kind,
            deductions,
            violations,
            notes: notes.to_string(),
            score,
        }),
        _ => Err(problems),
    }
}

/// The value, or `None` with its problem added to `problems`.
pub(super) fn keep<T>(problems: &mut Vec<Problem>, checked: Result<T, Problem>) -> Option<T> {
    checked.map_err(|p| problems.push(p)).ok()
}

/// The merchant's id as typed: a positive number.
pub(super) fn merchant_id(text: &str) -> Result<i32, Problem> {
    let at = Problem::at("merchant_id");
    match text.trim() {
        "" => Err(at.t("problems-inspection-merchant-missing")),
        s => match s.parse::<i32>() {
            Ok(id) if id > 0 => Ok(id),
            _ => Err(at.t("problems-inspection-merchant-invalid")),
        },
    }
}

/// The inspection's date: `YYYY-MM-DD`, not after `today`, not before [`earliest_date`].
pub(super) fn inspected_on(text: &str, today: NaiveDate) -> Result<NaiveDate, Problem> {
    let at = Problem::at("inspected_on");
    match text.trim() {
        "" => Err(at.t("problems-inspection-date-missing")),
        s => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Err(_) => Err(at.t("problems-inspection-date-format")),
            Ok(d) if d > today => Err(at.tr("problems-inspection-date-future", &[("today", today.into())])),
            Ok(d) if d < earliest_date() => Err(at.tr(
                "problems-inspection-date-too-early",
                &[("year", earliest_date().year().into())],
            )),
            Ok(d) => Ok(d),
        },
    }
}

/// The kind of inspection, by its code.
pub(super) fn kind(text: &str) -> Result<InspectionKind, Problem> {
    text.trim()
        .parse::<InspectionKind>()
        .map_err(|_| Problem::at("kind").t("problems-inspection-kind"))
}

/// The checklist's deductions: each item of the policy's checklist at most once, within its
/// points. Returns the non-zero ones in checklist order, whatever order the caller sent.
pub(super) fn deductions(
    rows: &[DraftDeduction],
    policy: &Policy,
    problems: &mut Vec<Problem>,
) -> Vec<(String, i32)> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out: Vec<(String, i32)> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, d)| keep(problems, deduction(i, d, policy, &mut seen)).flatten())
        .collect();
    out.sort_by_key(|(code, _)| policy.checklist.iter().position(|it| &it.code == code));
    out
}

/// Row `i` of the deductions: a checklist item not `seen` before and whole points within the
/// item's; `None` for zero points.
pub(super) fn deduction(
    i: usize,
    d: &DraftDeduction,
    policy: &Policy,
    seen: &mut std::collections::BTreeSet<String>,
) -> Result<Option<(String, i32)>, Problem> {
    let code = d.code.trim();
    let Some(item) = policy.checklist_item(code) else {
        return Err(Problem::at(format!("deductions[{i}].code"))
            .tr("problems-deduction-unknown", &[("code", code.into())]));
    };
    if !seen.insert(code.to_string()) {
        return Err(Problem::at(format!("deductions[{i}].code"))
            .tr("problems-deduction-twice", &[("code", code.into())]));
    }
    let points = match d.points.trim() {
        "" => Ok(0),
        s => s.parse::<i64>(),
    };
    let at = Problem::at(format!("deductions[{i}].points"));
    match points {
        Ok(p) if (0..=i64::from(item.points)).contains(&p) => {
            Ok((p > 0).then(|| (item.code.clone(), p as i32)))
        }
        Ok(_) => Err(at.tr(
            "problems-deduction-range",
            &[("code", code.into()), ("max", item.points.into())],
        )),
        Err(_) => Err(at.tr("problems-deduction-not-whole", &[("code", code.into())])),
    }
}

/// One violation as typed, or `None` with its problems added to `problems` (every one of them).
pub(super) fn violation(v: &DraftViolation, problems: &mut Vec<Problem>) -> Option<ViolationInput> {
    let at = |name: &str| Problem::at(format!("violations[{}].{name}", v.row));
    let n = v.row + 1;
    let before = problems.len();
    let id = match v.id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => keep(
            problems,
            s.parse::<i32>()
                .ok()
                .filter(|id| *id > 0)
                .ok_or_else(|| at("id").t("problems-violation-id-invalid")),
        ),
    };
    let code = v.code.trim();
    if code.is_empty() {
        problems.push(at("code").tr("problems-violation-code-missing", &[("n", n.into())]));
    } else if code.chars().count() > MAX_CODE {
        problems.push(at("code").tr(
            "problems-violation-code-too-long",
            &[("n", n.into()), ("max", MAX_CODE.into())],
        ));
    }
    let severity = v.severity.trim().parse::<Severity>().ok();
    if severity.is_none() {
        problems.push(at("severity").tr("problems-violation-severity", &[("n", n.into())]));
    }
    let description = v.description.trim();
    if description.is_empty() {
        problems.push(at("description").tr("problems-violation-description-missing", &[("n", n.into())]));
    } else if description.chars().count() > MAX_DESCRIPTION {
        problems.push(at("description").tr(
            "problems-violation-description-too-long",
            &[("n", n.into()), ("max", MAX_DESCRIPTION.into())],
        ));
    }
    let legal_basis = v.legal_basis.trim();
    if legal_basis.chars().count() > MAX_LEGAL_BASIS {
        problems.push(at("legal_basis").tr(
            "problems-violation-legal-basis-too-long",
            &[("n", n.into()), ("max", MAX_LEGAL_BASIS.into())],
        ));
    }
    let fine_fen = keep(problems, fine(&v.fine, v.row)).unwrap_or(0);
    match severity {
        Some(severity) if problems.len() == before => Some(ViolationInput {
            row: v.row,
            id,
            code: code.to_string(),
            severity,
            description: description.to_string(),
            legal_basis: legal_basis.to_string(),
            fine_fen,
        }),
        _ => None,
    }
}

/// A violation's fine in fen: yuan as typed on the form, fen from the API.
pub(super) fn fine(fine: &Fine, row: usize) -> Result<i64, Problem> {
    let n = row + 1;
    match fine {
        Fine::Yuan(s) => parse_fine(s).map_err(|e| {
            let at = Problem::at(format!("violations[{row}].fine"));
            match e {
                MoneyError::NotANumber | MoneyError::Empty => {
                    at.tr("problems-violation-fine-not-a-number", &[("n", n.into())])
                }
                MoneyError::TooManyDecimals => at.tr("problems-violation-fine-decimals", &[("n", n.into())]),
                MoneyError::TooLarge => at.tr("problems-violation-fine-too-large", &[("n", n.into())]),
            }
        }),
        Fine::Fen(fen) if (0..=MAX_FINE_FEN).contains(fen) => Ok(*fen),
        Fine::Fen(_) => Err(Problem::at(format!("violations[{row}].fine_fen")).tr(
            "problems-violation-fine-fen-range",
            &[("n", n.into()), ("max", MAX_FINE_FEN.into())],
        )),
    }
}

/// The notes, trimmed: at most [`MAX_NOTES`] characters.
pub(super) fn notes(text: &str) -> Result<&str, Problem> {
    let notes = text.trim();
    if notes.chars().count() > MAX_NOTES {
        return Err(
            Problem::at("notes").tr("problems-inspection-notes-too-long", &[("max", MAX_NOTES.into())])
        );
    }
    Ok(notes)
}

/// The inspection's score: 100 minus the deductions, as the policy counts them.
pub(super) fn score(policy: &Policy, deductions: &[(String, i32)]) -> Result<i32, Problem> {
    let pairs: Vec<(&str, i32)> = deductions.iter().map(|(c, p)| (c.as_str(), *p)).collect();
    policy.score_inspection(&pairs).map_err(|e| {
        Problem::at("deductions").tr("problems-inspection-score", &[("error", e.to_string().into())])
    })
}
