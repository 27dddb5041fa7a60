//! The committee's decisions on applications: approve (member from that day, portal account,
//! sign-in link emailed) or decline (the reason emailed).

use super::*;

/// What an approval did.
#[derive(Debug, Clone)]
pub struct Approved {
    pub merchant_id: i32,
    /// The merchant was registered before and is now linked.
    pub linked: bool,
    /// The portal account's user name.
    pub username: String,
}

/// A user name for a new portal account: the credit code in lower case, or with the merchant's
/// id when that is taken.
fn free_username(c: &mut DbConn, code: &str, merchant_id: i32) -> QueryResult<String> {
    let base = code.to_lowercase();
    if User::find_by_username(c, &base)?.is_none() {
        return Ok(base);
    }
    Ok(format!("{base}-{merchant_id}"))
}

fn random_password() -> String {
    let mut bytes = [0u8; 24];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut bytes);
    format!("Gz-{}", hex::encode(bytes))
}

/// Approves a pending application in one transaction: links the registered merchant with its
/// credit code or registers it, makes it a member from `today` (recomputing its rating), records
/// the event and its acceptance of the charter, creates its portal account when it has none,
/// and queues the approval email with a sign-in link valid for
/// [`crate::services::login_links::WELCOME_VALID_DAYS`] days.
pub fn approve(
    conn: &mut DbConn,
    actor: &Actor,
    id: i32,
    today: NaiveDate,
    now: NaiveDateTime,
    base_url: &str,
) -> Result<Approved, MembershipError> {
    write_tx(conn, |c| {
        let app = application(c, id)?.ok_or(MembershipError::NotFound)?;
        if app.state != "pending" {
            return Err(MembershipError::NotPending);
        }
        let (merchant_id, linked) = match Merchant::find_by_credit_code(c, &app.credit_code)? {
            Some(m) => {
                // A member already (approved twice by two people at once): keep its date.
                let since = if m.is_member_on(today) {
                    m.member_since
                } else {
                    Some(today)
                };
                diesel::update(merchants::table.find(m.id))
                    .set((
                        merchants::member_since.eq(since),
                        merchants::member_left_on.eq(None::<NaiveDate>),
                        merchants::updated_at.eq(now),
                    ))
                    .execute(c)?;
                (m.id, true)
            }
            None => {
                let new = NewMerchant {
                    name: app.name.clone(),
                    credit_code: Some(app.credit_code.clone()),
                    category: app.category.clone(),
                    address: app.address.clone(),
                    area: app.area.clone(),
                    contact_name: app.contact_name.clone(),
                    email: app.email.clone(),
                    phone: app.phone.clone(),
                    member_since: Some(today),
                    member_left_on: None,
                    external_source: None,
                    external_id: None,
                    created_at: now,
                    updated_at: now,
                };
                let mid = Merchant::insert(c, &new)?;
                audit::append(
                    c,
                    actor,
                    Change {
                        action: "merchant.create",
                        entity: "merchant",
                        entity_id: Some(mid.to_string()),
                        before: None,
                        after: Some(serde_json::to_value(&new).map_err(anyhow::Error::from)?),
                    },
                )?;
                (mid, false)
            }
        };
        let policy = active_policy(c)?;
        recompute_merchant(c, &policy, merchant_id, today, actor)?;
        diesel::update(membership_applications::table.find(id))
            .set((
                membership_applications::state.eq("approved"),
                membership_applications::merchant_id.eq(Some(merchant_id)),
                membership_applications::decided_by.eq(actor.user_id),
                membership_applications::decided_at.eq(Some(now)),
                membership_applications::updated_at.eq(now),
            ))
            .execute(c)?;
        event(
            c,
            (Some(merchant_id), Some(id)),
            "approved",
            today,
            actor,
            "",
            now,
        )?;
        if let Some(v) = app.charter_version_id {
            crate::services::charter::record_confirmation(c, v, merchant_id, None, now)?;
        }
        // The portal account: the merchant's active one, or a new one.
        let existing: Option<User> = users::table
            .filter(users::merchant_id.eq(merchant_id))
            .filter(users::role.eq(Role::Merchant))
            .filter(users::active.eq(true))
            .order(users::id)
            .select(User::as_select())
            .first(c)
            .optional()?;
        let user = match existing {
            Some(u) => u,
            None => {
                let username = free_username(c, &app.credit_code, merchant_id)?;
                let password = random_password();
                let uid = crate::services::users::add_user(
                    c,
                    actor,
                    &crate::services::users::UserSpec {
                        username: &username,
                        password: &password,
                        role: "merchant",
                        merchant_id: Some(merchant_id),
                        display_name: &app.contact_name,
                        email: &app.email,
                    },
                )
                .map_err(|e| anyhow::anyhow!("portal account: {e}"))?;
                diesel::update(users::table.find(uid))
                    .set(users::language.eq(&app.language))
                    .execute(c)?;
                User::find(c, uid)?.ok_or(MembershipError::NotFound)?
            }
        };
        let days = crate::services::login_links::WELCOME_VALID_DAYS;
        let token = crate::services::login_links::issue(c, user.id, now + Duration::days(days))?;
        let lang = lang_of(&app.language);
        let link = format!("{}/login/link/{token}", base_url.trim_end_matches('/'));
        let body = mail(
            lang,
            &app.contact_name_or(&app.name),
            vec![
                lang.tr(
                    "join-mail-approved-body",
                    &[("name", app.name.clone().into()), ("since", today.into())],
                ),
                lang.tr(
                    "join-mail-approved-account",
                    &[("username", user.username.clone().into()), ("days", days.into())],
                ),
            ],
            Some((lang.t("join-mail-approved-link").to_string(), link)),
        );
        let rendered = render(lang.t("join-mail-approved-subject").to_string(), &body)?;
        enqueue(
            c,
            NewMail {
                kind: "membership.approved",
                to: &app.email,
                notice_id: None,
                rendered,
            },
            base_url,
        )?;
        audit::append(
            c,
            actor,
            Change {
                action: "membership.approve",
                entity: "membership_application",
                entity_id: Some(id.to_string()),
                before: Some(serde_json::json!({ "state": "pending" })),
                after: Some(serde_json::json!({
                    "state": "approved", "merchant_id": merchant_id, "member_since": today,
                    "linked": linked, "username": user.username,
                })),
            },
        )?;
        Ok(Approved {
            merchant_id,
            linked,
            username: user.username,
        })
    })
}

impl Application {
    /// Whom the emails greet: the contact, or the business when no contact was given.
    pub fn contact_name_or(&self, name: &str) -> String {
        if self.contact_name.trim().is_empty() {
            name.to_string()
        } else {
            self.contact_name.clone()
        }
    }
}

/// A reason as typed: required (for a decline) or optional (for leaving), at most
/// [`REASON_MAX`] characters.
pub fn check_reason(reason: &str, required: bool) -> Result<String, Vec<Problem>> {
    let r = reason.trim();
    let n = r.chars().count();
    if (required && n == 0) || n > REASON_MAX {
        let id = if required {
            "join-error-reason"
        } else {
            "join-error-reason-long"
        };
        return Err(vec![Problem::at("reason").tr(id, &[("max", REASON_MAX.into())])]);
    }
    Ok(r.to_string())
}

/// Declines a pending application with a reason, emailed to the applicant in their language.
pub fn decline(
    conn: &mut DbConn,
    actor: &Actor,
    id: i32,
    reason: &str,
    today: NaiveDate,
    now: NaiveDateTime,
    base_url: &str,
) -> Result<(), MembershipError> {
    let reason = check_reason(reason, true).map_err(MembershipError::Invalid)?;
    write_tx(conn, |c| {
        let app = application(c, id)?.ok_or(MembershipError::NotFound)?;
        if app.state != "pending" {
            return Err(MembershipError::NotPending);
        }
        diesel::update(membership_applications::table.find(id))
            .set((
                membership_applications::state.eq("declined"),
                membership_applications::decline_reason.eq(Some(&reason)),
                membership_applications::decided_by.eq(actor.user_id),
                membership_applications::decided_at.eq(Some(now)),
                membership_applications::updated_at.eq(now),
            ))
            .execute(c)?;
        event(c, (None, Some(id)), "declined", today, actor, &reason, now)?;
        let lang = lang_of(&app.language);
        let body = mail(
            lang,
            &app.contact_name_or(&app.name),
            vec![
                lang.tr("join-mail-declined-body", &[("name", app.name.clone().into())]),
                lang.tr("join-mail-declined-reason", &[("reason", reason.clone().into())]),
                lang.t("join-mail-declined-again").to_string(),
            ],
            Some((
                lang.t("join-mail-declined-link").to_string(),
                format!("{}/join", base_url.trim_end_matches('/')),
            )),
        );
        let rendered = render(lang.t("join-mail-declined-subject").to_string(), &body)?;
        enqueue(
            c,
            NewMail {
                kind: "membership.declined",
                to: &app.email,
                notice_id: None,
                rendered,
            },
            base_url,
        )?;
        audit::append(
            c,
            actor,
            Change {
                action: "membership.decline",
                entity: "membership_application",
                entity_id: Some(id.to_string()),
                before: Some(serde_json::json!({ "state": "pending" })),
                after: Some(serde_json::json!({ "state": "declined", "reason": reason })),
            },
        )?;
        Ok(())
    })
}
