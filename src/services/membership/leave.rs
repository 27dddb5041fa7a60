//! Leaving the alliance: the member asks and may withdraw; the committee confirms.

use super::*;

/// A member asks to leave (from the portal); refused when it is not a member today or already
/// asked.
pub fn request_leave(
    conn: &mut DbConn,
    actor: &Actor,
    merchant_id: i32,
    reason: &str,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<i32, MembershipError> {
    let reason = check_reason(reason, false).map_err(MembershipError::Invalid)?;
    write_tx(conn, |c| {
        let m = Merchant::find(c, merchant_id)?.ok_or(MembershipError::NotFound)?;
        if !m.is_member_on(today) || pending_leave_of(c, merchant_id)?.is_some() {
            return Err(MembershipError::NotPending);
        }
        let id: i32 = crate::db::dispatch!(c, |c| diesel::insert_into(leave_requests::table)
            .values((
                leave_requests::merchant_id.eq(merchant_id),
                leave_requests::reason.eq(&reason),
                leave_requests::state.eq("pending"),
                leave_requests::requested_by.eq(actor.user_id),
                leave_requests::requested_at.eq(now),
            ))
            .returning(leave_requests::id)
            .get_result(c))?;
        event(
            c,
            (Some(merchant_id), None),
            "leave_requested",
            today,
            actor,
            &reason,
            now,
        )?;
        audit::append(
            c,
            actor,
            Change {
                action: "membership.leave_request",
                entity: "merchant",
                entity_id: Some(merchant_id.to_string()),
                before: None,
                after: Some(serde_json::json!({ "leave_request": id, "reason": reason })),
            },
        )?;
        Ok(id)
    })
}

/// The member takes back its pending request to leave.
pub fn withdraw_leave(
    conn: &mut DbConn,
    actor: &Actor,
    merchant_id: i32,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<(), MembershipError> {
    write_tx(conn, |c| {
        let r = pending_leave_of(c, merchant_id)?.ok_or(MembershipError::NotPending)?;
        diesel::update(leave_requests::table.find(r.id))
            .set((
                leave_requests::state.eq("withdrawn"),
                leave_requests::decided_by.eq(actor.user_id),
                leave_requests::decided_at.eq(Some(now)),
            ))
            .execute(c)?;
        event(
            c,
            (Some(merchant_id), None),
            "leave_withdrawn",
            today,
            actor,
            "",
            now,
        )?;
        audit::append(
            c,
            actor,
            Change {
                action: "membership.leave_withdraw",
                entity: "merchant",
                entity_id: Some(merchant_id.to_string()),
                before: Some(serde_json::json!({ "leave_request": r.id, "state": "pending" })),
                after: Some(serde_json::json!({ "state": "withdrawn" })),
            },
        )?;
        Ok(())
    })
}

/// The committee confirms a request to leave: the merchant leaves the alliance on `today` (from
/// that day it is no member, as when the register sets 离盟日期), its rating is recomputed, and
/// the merchant is told by email.
pub fn confirm_leave(
    conn: &mut DbConn,
    actor: &Actor,
    request_id: i32,
    today: NaiveDate,
    now: NaiveDateTime,
    base_url: &str,
) -> Result<i32, MembershipError> {
    write_tx(conn, |c| {
        let r: LeaveRequest = leave_requests::table
            .find(request_id)
            .select(LeaveRequest::as_select())
            .first(c)
            .optional()?
            .ok_or(MembershipError::NotFound)?;
        if r.state != "pending" {
            return Err(MembershipError::NotPending);
        }
        let m = Merchant::find(c, r.merchant_id)?.ok_or(MembershipError::NotFound)?;
        diesel::update(leave_requests::table.find(r.id))
            .set((
                leave_requests::state.eq("confirmed"),
                leave_requests::decided_by.eq(actor.user_id),
                leave_requests::decided_at.eq(Some(now)),
            ))
            .execute(c)?;
        // Joined today and leaving today: it was a member for no day, and stays consistent.
        let left = m.member_since.map_or(today, |s| s.max(today));
        diesel::update(merchants::table.find(m.id))
            .set((
                merchants::member_left_on.eq(Some(left)),
                merchants::updated_at.eq(now),
            ))
            .execute(c)?;
        let policy = active_policy(c)?;
        recompute_merchant(c, &policy, m.id, today, actor)?;
        event(c, (Some(m.id), None), "left", left, actor, &r.reason, now)?;
        if let Some(to) = m.mail_address(c)? {
            let lang = users::table
                .filter(users::merchant_id.eq(m.id))
                .select(users::language)
                .first::<String>(c)
                .optional()?
                .map_or(Lang::Zh, |t| lang_of(&t));
            let name = if m.contact_name.trim().is_empty() {
                m.name.clone()
            } else {
                m.contact_name.clone()
            };
            let body = mail(
                lang,
                &name,
                vec![
                    lang.tr(
                        "join-mail-left-body",
                        &[("name", m.name.clone().into()), ("left", left.into())],
                    ),
                    lang.t("join-mail-left-again").to_string(),
                ],
                None,
            );
            let rendered = render(lang.t("join-mail-left-subject").to_string(), &body)?;
            enqueue(
                c,
                NewMail {
                    kind: "membership.left",
                    to: &to,
                    notice_id: None,
                    rendered,
                },
                base_url,
            )?;
        }
        audit::append(
            c,
            actor,
            Change {
                action: "membership.leave_confirm",
                entity: "merchant",
                entity_id: Some(m.id.to_string()),
                before: Some(serde_json::json!({ "member_left_on": m.member_left_on })),
                after: Some(serde_json::json!({ "member_left_on": left, "leave_request": r.id })),
            },
        )?;
        Ok(m.id)
    })
}
