//! Logging and editing inspections: one validation shared by the inspector's form and the JSON
//! API, then one write transaction that stores the inspection, its checklist deductions and
//! violations with their audit entries, and recomputes the merchant's rating.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::models::audit::{self, Actor, Change};
use crate::db::models::inspection::{
    Inspection, InspectionChanges, InspectionListRow, NewInspection, NewItem, NewViolation, Violation,
    ViolationChanges,
};
use crate::db::models::{now_utc, write_tx};
use crate::db::schema::{audit_log, merchants};
use crate::db::DbConn;
use crate::domain::money::{parse_yuan, MoneyError};
use crate::domain::policy::Policy;
use crate::domain::rating::{rate, InspectionKind, ListStatus, Rating, Severity};

/// How long an inspector may correct an inspection after logging it; later corrections need a new
/// (follow-up) inspection, so the record the merchant saw does not change under them.
pub const EDIT_WINDOW_HOURS: i64 = 24;

/// The earliest inspection date accepted: older dates are typing mistakes.
pub fn earliest_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// Largest fine accepted, in fen (100 million yuan): anything larger is a typing mistake.
pub const MAX_FINE_FEN: i64 = 10_000_000_000;

const MAX_CODE: usize = 32;
const MAX_DESCRIPTION: usize = 500;
const MAX_LEGAL_BASIS: usize = 200;
const MAX_NOTES: usize = 2000;

use super::problem::Problem;

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
fn keep<T>(problems: &mut Vec<Problem>, checked: Result<T, Problem>) -> Option<T> {
    checked.map_err(|p| problems.push(p)).ok()
}

/// The merchant's id as typed: a positive number.
fn merchant_id(text: &str) -> Result<i32, Problem> {
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
fn inspected_on(text: &str, today: NaiveDate) -> Result<NaiveDate, Problem> {
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
fn kind(text: &str) -> Result<InspectionKind, Problem> {
    text.trim()
        .parse::<InspectionKind>()
        .map_err(|_| Problem::at("kind").t("problems-inspection-kind"))
}

/// The checklist's deductions: each item of the policy's checklist at most once, within its
/// points. Returns the non-zero ones in checklist order, whatever order the caller sent.
fn deductions(rows: &[DraftDeduction], policy: &Policy, problems: &mut Vec<Problem>) -> Vec<(String, i32)> {
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
fn deduction(
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
fn violation(v: &DraftViolation, problems: &mut Vec<Problem>) -> Option<ViolationInput> {
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
fn fine(fine: &Fine, row: usize) -> Result<i64, Problem> {
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
fn notes(text: &str) -> Result<&str, Problem> {
    let notes = text.trim();
    if notes.chars().count() > MAX_NOTES {
        return Err(
            Problem::at("notes").tr("problems-inspection-notes-too-long", &[("max", MAX_NOTES.into())])
        );
    }
    Ok(notes)
}

/// The inspection's score: 100 minus the deductions, as the policy counts them.
fn score(policy: &Policy, deductions: &[(String, i32)]) -> Result<i32, Problem> {
    let pairs: Vec<(&str, i32)> = deductions.iter().map(|(c, p)| (c.as_str(), *p)).collect();
    policy.score_inspection(&pairs).map_err(|e| {
        Problem::at("deductions").tr("problems-inspection-score", &[("error", e.to_string().into())])
    })
}

/// A merchant's rating as the merchant row holds it, before or after a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RatingState {
    pub score_tenths: Option<i32>,
    pub stars: Option<i32>,
    pub list: ListStatus,
}

impl RatingState {
    fn of(r: &Rating) -> Self {
        RatingState {
            score_tenths: r.score_tenths,
            stars: r.stars.map(i32::from),
            list: r.list,
        }
    }
}

/// What logging or editing an inspection did.
#[derive(Debug, Clone)]
pub struct Logged {
    pub inspection: Inspection,
    pub items: Vec<NewItem>,
    pub violations: Vec<Violation>,
    /// The merchant's rating before the change.
    pub before: RatingState,
    /// The merchant's rating after it, with its breakdown.
    pub rating: Rating,
}

/// Why an inspection could not be logged or edited.
#[derive(Debug, thiserror::Error)]
pub enum InspectionError {
    /// The input does not validate; every problem is listed.
    #[error("invalid inspection: {0:?}")]
    Invalid(Vec<Problem>),
    /// No such inspection.
    #[error("no such inspection")]
    NotFound,
    /// Only the inspector who logged an inspection may edit it.
    #[error("only the inspector who logged the inspection may edit it")]
    NotYours,
    /// The edit window has closed.
    #[error("the inspection was logged more than {EDIT_WINDOW_HOURS} hours ago")]
    TooLate,
    /// The database or the rating engine failed.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for InspectionError {
    fn from(e: diesel::result::Error) -> Self {
        InspectionError::Other(e.into())
    }
}

/// Whether `user_id` may still edit `inspection` at `now`.
pub fn check_editable(
    inspection: &Inspection,
    user_id: i32,
    now: NaiveDateTime,
) -> Result<(), InspectionError> {
    if inspection.inspector_id != Some(user_id) {
        return Err(InspectionError::NotYours);
    }
    if now - inspection.created_at >= Duration::hours(EDIT_WINDOW_HOURS) {
        return Err(InspectionError::TooLate);
    }
    Ok(())
}

/// Until when an inspection can be edited (UTC).
pub fn editable_until(inspection: &Inspection) -> NaiveDateTime {
    inspection.created_at + Duration::hours(EDIT_WINDOW_HOURS)
}

fn current_rating(c: &mut DbConn, merchant_id: i32) -> QueryResult<Option<RatingState>> {
    merchants::table
        .find(merchant_id)
        .select((
            merchants::current_score_tenths,
            merchants::current_stars,
            merchants::current_list,
        ))
        .first::<(Option<i32>, Option<i32>, ListStatus)>(c)
        .optional()
        .map(|r| {
            r.map(|(score_tenths, stars, list)| RatingState {
                score_tenths,
                stars,
                list,
            })
        })
}

fn unknown_merchant() -> Problem {
    Problem::at("merchant_id").t("problems-inspection-unknown-merchant")
}

fn violation_row(
    v: &ViolationInput,
    inspection_id: i32,
    merchant_id: i32,
    found_on: NaiveDate,
    now: NaiveDateTime,
) -> NewViolation {
    NewViolation {
        inspection_id,
        merchant_id,
        code: v.code.clone(),
        severity: v.severity,
        description: v.description.clone(),
        legal_basis: v.legal_basis.clone(),
        fine_fen: v.fine_fen,
        found_on,
        created_at: now,
    }
}

fn items_of(input: &InspectionInput, inspection_id: i32) -> Vec<NewItem> {
    input
        .deductions
        .iter()
        .map(|(code, d)| NewItem {
            inspection_id,
            item_code: code.clone(),
            deduction: *d,
            note: String::new(),
        })
        .collect()
}

/// Logs a new inspection by `inspector_id`: validates, then in one write transaction stores the
/// inspection, its deductions and violations with an audit entry each, and recomputes the
/// merchant's rating as of `today`.
pub fn log_inspection(
    conn: &mut DbConn,
    policy: &Policy,
    draft: &Draft,
    today: NaiveDate,
    actor: &Actor,
    inspector_id: i32,
) -> Result<Logged, InspectionError> {
    let checked = validate(draft, policy, today);
    write_tx(conn, |c| {
        let mut problems = checked.as_ref().err().cloned().unwrap_or_default();
        let merchant_id = draft.merchant_id.trim().parse::<i32>().ok();
        let before = match merchant_id {
            Some(mid) => current_rating(c, mid)?,
            None => None,
        };
        if merchant_id.is_some() && before.is_none() {
            problems.push(unknown_merchant());
        }
        let (input, before) = match (checked, before) {
            (Ok(input), Some(before)) if problems.is_empty() => (input, before),
            _ => return Err(InspectionError::Invalid(problems)),
        };
        let now = now_utc();
        let new = NewInspection {
            inspector_id: Some(inspector_id),
            created_at: now,
            updated_at: now,
            notes: input.notes.clone(),
            ..NewInspection::scored(input.merchant_id, input.inspected_on, input.kind, input.score)
        };
        let id = Inspection::insert(c, &new)?;
        let items = items_of(&input, id);
        Inspection::insert_items(c, &items)?;
        for v in &input.violations {
            let nv = violation_row(v, id, input.merchant_id, input.inspected_on, now);
            let vid = Inspection::insert_violation(c, &nv)?;
            audit::append(
                c,
                actor,
                Change {
                    action: "violation.create",
                    entity: "violation",
                    entity_id: Some(vid.to_string()),
                    before: None,
                    after: Some(serde_json::to_value(&nv).map_err(anyhow::Error::from)?),
                },
            )?;
        }
        let rating = crate::services::rating::recompute_merchant(c, policy, input.merchant_id, today, actor)?;
        let after = RatingState::of(&rating);
        audit::append(
            c,
            actor,
            Change {
                action: "inspection.create",
                entity: "inspection",
                entity_id: Some(id.to_string()),
                before: None,
                after: Some(serde_json::json!({
                    "inspection": &new,
                    "items": &items,
                    "rating": { "before": &before, "after": &after },
                })),
            },
        )?;
        let inspection = Inspection::find(c, id)?.ok_or(InspectionError::NotFound)?;
        let violations = Inspection::violations_of(c, id)?;
        Ok(Logged {
            inspection,
            items,
            violations,
            before,
            rating,
        })
    })
}

/// Edits an inspection: only its own inspector, within [`EDIT_WINDOW_HOURS`] of logging it.
/// Deductions are replaced; violations sent with their id are changed in place (so notices stay
/// attached), those left out are deleted unless a notice refers to them, new ones are added.
/// One transaction, audited with the state before and after, and the rating recomputed.
#[expect(
    clippy::too_many_arguments,
    reason = "one use case with its whole context; a struct would only rename them"
)]
pub fn edit_inspection(
    conn: &mut DbConn,
    policy: &Policy,
    id: i32,
    draft: &Draft,
    today: NaiveDate,
    actor: &Actor,
    user_id: i32,
    now: NaiveDateTime,
) -> Result<Logged, InspectionError> {
    write_tx(conn, |c| {
        let old = Inspection::find(c, id)?.ok_or(InspectionError::NotFound)?;
        check_editable(&old, user_id, now)?;
        let mut draft = draft.clone();
        if draft.merchant_id.trim().is_empty() {
            draft.merchant_id = old.merchant_id.to_string();
        }
        let checked = validate(&draft, policy, today);
        let mut problems = checked.as_ref().err().cloned().unwrap_or_default();
        if draft
            .merchant_id
            .trim()
            .parse::<i32>()
            .is_ok_and(|m| m != old.merchant_id)
        {
            problems.push(Problem::at("merchant_id").t("problems-inspection-merchant-fixed"));
        }
        let old_items = Inspection::items_of(c, id)?;
        let old_violations = Inspection::violations_of(c, id)?;
        let mut kept = std::collections::BTreeSet::new();
        if let Ok(input) = &checked {
            for v in &input.violations {
                if let Some(vid) = v.id {
                    if !old_violations.iter().any(|o| o.id == vid) {
                        problems.push(
                            Problem::at(format!("violations[{}].id", v.row)).t("problems-violation-not-here"),
                        );
                    } else if !kept.insert(vid) {
                        problems.push(
                            Problem::at(format!("violations[{}].id", v.row)).t("problems-violation-twice"),
                        );
                    }
                }
            }
        }
        let removed: Vec<i32> = old_violations
            .iter()
            .map(|v| v.id)
            .filter(|vid| !kept.contains(vid))
            .collect();
        if checked.is_ok() {
            for vid in Inspection::violations_on_notices(c, &removed)? {
                let code = old_violations
                    .iter()
                    .find(|v| v.id == vid)
                    .map(|v| v.code.clone())
                    .unwrap_or_default();
                problems.push(Problem::at("violations").tr(
                    "problems-violation-on-notice",
                    &[("code", code.into()), ("id", vid.into())],
                ));
            }
        }
        let input = match checked {
            Ok(input) if problems.is_empty() => input,
            _ => return Err(InspectionError::Invalid(problems)),
        };
        let before = current_rating(c, old.merchant_id)?.ok_or(InspectionError::NotFound)?;
        let stamp = now_utc();
        let changes = InspectionChanges {
            inspected_on: input.inspected_on,
            kind: input.kind,
            score: input.score,
            notes: input.notes.clone(),
            updated_at: stamp,
        };
        Inspection::update(c, id, &changes)?;
        Inspection::delete_items(c, id)?;
        let items = items_of(&input, id);
        Inspection::insert_items(c, &items)?;
        for vid in &removed {
            Inspection::delete_violation(c, *vid)?;
        }
        for v in &input.violations {
            match v.id {
                Some(vid) => {
                    Inspection::update_violation(
                        c,
                        vid,
                        &ViolationChanges {
                            code: v.code.clone(),
                            severity: v.severity,
                            description: v.description.clone(),
                            legal_basis: v.legal_basis.clone(),
                            fine_fen: v.fine_fen,
                            found_on: input.inspected_on,
                        },
                    )?;
                }
                None => {
                    Inspection::insert_violation(
                        c,
                        &violation_row(v, id, old.merchant_id, input.inspected_on, stamp),
                    )?;
                }
            }
        }
        let rating = crate::services::rating::recompute_merchant(c, policy, old.merchant_id, today, actor)?;
        let after = RatingState::of(&rating);
        let inspection = Inspection::find(c, id)?.ok_or(InspectionError::NotFound)?;
        let violations = Inspection::violations_of(c, id)?;
        audit::append(
            c,
            actor,
            Change {
                action: "inspection.update",
                entity: "inspection",
                entity_id: Some(id.to_string()),
                before: Some(serde_json::json!({
                    "inspection": &old,
                    "items": &old_items,
                    "violations": &old_violations,
                })),
                after: Some(serde_json::json!({
                    "inspection": &inspection,
                    "items": &items,
                    "violations": &violations,
                    "rating": { "before": &before, "after": &after },
                })),
            },
        )?;
        Ok(Logged {
            inspection,
            items,
            violations,
            before,
            rating,
        })
    })
}

/// An inspection with everything its result page shows.
#[derive(Debug, Clone)]
pub struct InspectionView {
    pub inspection: Inspection,
    pub merchant_name: String,
    pub inspector_name: Option<String>,
    pub items: Vec<NewItem>,
    pub violations: Vec<Violation>,
    /// The merchant's rating before and after the latest logging or edit of this inspection,
    /// as its audit entry recorded them.
    pub change: Option<(RatingState, RatingState)>,
    /// The merchant's rating now, with its breakdown.
    pub rating: Rating,
}

/// Loads an inspection for its result page; `None` when there is no such inspection.
pub fn view(
    conn: &mut DbConn,
    policy: &Policy,
    id: i32,
    today: NaiveDate,
) -> anyhow::Result<Option<InspectionView>> {
    use crate::db::schema::users;
    let Some(inspection) = Inspection::find(conn, id)? else {
        return Ok(None);
    };
    let merchant_name: String = merchants::table
        .find(inspection.merchant_id)
        .select(merchants::name)
        .first(conn)?;
    let inspector_name: Option<String> = match inspection.inspector_id {
        Some(uid) => users::table
            .find(uid)
            .select(users::username)
            .first(conn)
            .optional()?,
        None => None,
    };
    let items = Inspection::items_of(conn, id)?;
    let violations = Inspection::violations_of(conn, id)?;
    let last: Option<Option<String>> = audit_log::table
        .filter(audit_log::entity.eq("inspection"))
        .filter(audit_log::entity_id.eq(id.to_string()))
        .filter(audit_log::action.eq_any(["inspection.create", "inspection.update"]))
        .order(audit_log::id.desc())
        .select(audit_log::after_json)
        .first(conn)
        .optional()?;
    let change = last.flatten().and_then(|json| {
        let v: serde_json::Value = serde_json::from_str(&json).ok()?;
        let before = serde_json::from_value(v["rating"]["before"].clone()).ok()?;
        let after = serde_json::from_value(v["rating"]["after"].clone()).ok()?;
        Some((before, after))
    });
    let ids = [inspection.merchant_id];
    let histories = crate::services::rating::load_histories(conn, Some(&ids), today)?;
    let history = histories
        .get(&inspection.merchant_id)
        .ok_or_else(|| anyhow::anyhow!("no merchant {}", inspection.merchant_id))?;
    let rating = rate(history, policy, today);
    Ok(Some(InspectionView {
        inspection,
        merchant_name,
        inspector_name,
        items,
        violations,
        change,
        rating,
    }))
}

/// The most recently logged inspections, for the inspector's start page.
pub fn recent(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<InspectionListRow>> {
    Inspection::recent(conn, limit)
}

/// A merchant found by the picker.
#[derive(Debug, Clone, Serialize)]
pub struct MerchantHit {
    pub id: i32,
    pub name: String,
    pub area: String,
    pub address: String,
}

/// Merchants whose name contains `q` (or whose id is `q`), for the merchant picker.
pub fn search_merchants(conn: &mut DbConn, q: &str, limit: i64) -> QueryResult<Vec<MerchantHit>> {
    let q = q.trim();
    if q.is_empty() {
        return Ok(Vec::new());
    }
    let escaped: String = q
        .chars()
        .flat_map(|ch| match ch {
            '%' | '_' | '\\' => vec!['\\', ch],
            _ => vec![ch],
        })
        .collect();
    let by_id = q.parse::<i32>().unwrap_or(-1);
    let rows: Vec<(i32, String, String, String)> = merchants::table
        .filter(
            merchants::name
                .like(format!("%{escaped}%"))
                .escape('\\')
                .or(merchants::id.eq(by_id)),
        )
        .order((merchants::name.asc(), merchants::id.asc()))
        .limit(limit)
        .select((
            merchants::id,
            merchants::name,
            merchants::area,
            merchants::address,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, area, address)| MerchantHit {
            id,
            name,
            area,
            address,
        })
        .collect())
}

/// A merchant's name, for the form's heading; `None` when there is no such merchant.
pub fn merchant_name(conn: &mut DbConn, id: i32) -> QueryResult<Option<String>> {
    merchants::table
        .find(id)
        .select(merchants::name)
        .first(conn)
        .optional()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> Draft {
        Draft {
            merchant_id: "1".into(),
            inspected_on: "2026-03-01".into(),
            kind: "routine".into(),
            deductions: vec![DraftDeduction {
                code: "C01".into(),
                points: "3".into(),
            }],
            violations: vec![],
            notes: String::new(),
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
    }

    #[test]
    fn yuan_is_parsed_exactly() {
        assert_eq!(parse_fine("200.50"), Ok(20050));
        assert_eq!(parse_fine(""), Ok(0));
        assert_eq!(parse_fine("12.345"), Err(MoneyError::TooManyDecimals));
        assert_eq!(parse_fine("12."), Err(MoneyError::NotANumber));
        assert_eq!(parse_fine("99999999999"), Err(MoneyError::TooLarge));
    }

    #[test]
    fn a_good_draft_is_scored() {
        let p = Policy::default_policy();
        let v = validate(&draft(), &p, today()).unwrap();
        assert_eq!(v.score, 97);
        assert_eq!(v.deductions, vec![("C01".to_string(), 3)]);
    }

    #[test]
    fn a_huge_deduction_is_out_of_range_not_a_non_number() {
        let p = Policy::default_policy();
        let mut d = draft();
        d.deductions[0].points = "99999999999".into();
        let problems = validate(&d, &p, today()).unwrap_err();
        assert_eq!(problems[0].field, "deductions[0].points");
        let zh = problems[0].render(crate::i18n::Lang::Zh);
        assert!(zh.contains("0 到 8"), "{zh}");
    }

    #[test]
    fn every_problem_is_reported() {
        let p = Policy::default_policy();
        let mut d = draft();
        d.inspected_on = "2026-03-03".into();
        d.kind = "weekly".into();
        d.deductions.push(DraftDeduction {
            code: "C02".into(),
            points: "11".into(),
        });
        d.deductions.push(DraftDeduction {
            code: "X99".into(),
            points: "1".into(),
        });
        d.violations.push(DraftViolation {
            row: 0,
            id: None,
            code: "V1".into(),
            severity: "huge".into(),
            description: "x".into(),
            legal_basis: String::new(),
            fine: Fine::Yuan("12.345".into()),
        });
        let problems = validate(&d, &p, today()).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "inspected_on",
                "kind",
                "deductions[1].points",
                "deductions[2].code",
                "violations[0].severity",
                "violations[0].fine"
            ]
        );
    }
}
