use super::*;

/// A merchant's rating as the merchant row holds it, before or after a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RatingState {
    pub score_tenths: Option<i32>,
    pub stars: Option<i32>,
    pub list: ListStatus,
}

impl RatingState {
    pub(super) fn of(r: &Rating) -> Self {
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

pub(super) fn current_rating(c: &mut DbConn, merchant_id: i32) -> QueryResult<Option<RatingState>> {
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

pub(super) fn unknown_merchant() -> Problem {
    Problem::at("merchant_id").t("problems-inspection-unknown-merchant")
}

pub(super) fn violation_row(
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

pub(super) fn items_of(input: &InspectionInput, inspection_id: i32) -> Vec<NewItem> {
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
    let merchant_id = draft.merchant_id.trim().parse::<i32>().ok();
    // Only this merchant's rows change: on PostgreSQL, other merchants' inspections are logged
    // at the same time.
    let tx = |c: &mut DbConn| {
        let mut problems = checked.as_ref().err().cloned().unwrap_or_default();
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
    };
    match merchant_id {
        Some(mid) => write_tx_for_merchant(conn, mid, tx),
        None => write_tx(conn, tx),
    }
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
