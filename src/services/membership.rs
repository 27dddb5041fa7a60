//! Membership of the alliance (入盟、退盟): the public application at `/join` (checked as the
//! register checks a merchant; a second application for a pending credit code is merged into
//! the first), the committee's approval (the merchant linked or created, a member from that day,
//! its portal account and a sign-in link emailed) or decline (with the reason emailed), and
//! leaving (the member asks, may withdraw, the committee confirms). Every step is one write
//! transaction with its membership event, its emails and its audit entry.

use askama::Template;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::models::audit::{self, Actor, Change};
use crate::db::models::merchant::{Merchant, NewMerchant};
use crate::db::models::user::User;
use crate::db::models::write_tx;
use crate::db::schema::{leave_requests, membership_applications, membership_events, merchants, users};
use crate::db::DbConn;
use crate::domain::policy::Policy;
use crate::domain::words::Role;
use crate::i18n::Lang;
use crate::mail::outbox::{enqueue, NewMail};
use crate::mail::render::Rendered;
use crate::services::merchants::{self as register, MerchantInput, ValidMerchant};
use crate::services::policy::active_policy;
use crate::services::problem::Problem;
use crate::services::rating::recompute_merchant;

/// The longest decline reason or leave reason, in characters.
pub const REASON_MAX: usize = 500;

/// An application as stored.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = membership_applications)]
pub struct Application {
    pub id: i32,
    pub name: String,
    pub credit_code: String,
    pub category: String,
    pub area: String,
    pub address: String,
    pub contact_name: String,
    pub email: String,
    pub phone: String,
    pub language: String,
    pub charter_version_id: Option<i32>,
    pub state: String,
    pub times_applied: i32,
    pub merchant_id: Option<i32>,
    pub decided_by: Option<i32>,
    pub decided_at: Option<NaiveDateTime>,
    pub decline_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A leave request as stored.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = leave_requests)]
pub struct LeaveRequest {
    pub id: i32,
    pub merchant_id: i32,
    pub reason: String,
    pub state: String,
    pub requested_by: Option<i32>,
    pub requested_at: NaiveDateTime,
    pub decided_by: Option<i32>,
    pub decided_at: Option<NaiveDateTime>,
}

/// A membership event as stored.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = membership_events)]
pub struct Event {
    pub id: i32,
    pub merchant_id: Option<i32>,
    pub application_id: Option<i32>,
    pub kind: String,
    pub happened_on: NaiveDate,
    pub at: NaiveDateTime,
    pub actor_id: Option<i32>,
    pub actor_name: String,
    pub note: String,
}

/// The application form as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ApplicationInput {
    pub name: String,
    pub credit_code: String,
    pub category: String,
    pub area: String,
    pub address: String,
    pub contact_name: String,
    pub email: String,
    pub phone: String,
    /// The charter version the applicant ticked ("I have read and accept version N").
    pub accept_charter: String,
}

/// An application that passed the checks.
#[derive(Debug, Clone)]
pub struct ValidApplication {
    pub merchant: ValidMerchant,
    /// The credit code (an application always has one).
    pub credit_code: String,
    pub language: Lang,
    pub charter_version_id: Option<i32>,
}

/// Whether `value` is one of the declared names (or anything, when none are declared).
fn declared(names: &[crate::domain::policy::DeclaredName], value: &str) -> bool {
    names.is_empty() || names.iter().any(|n| n.name_zh == value.trim())
}

/// Checks an application: the register's rules for a merchant's details (the same credit-code
/// messages), an email (approval is emailed), a declared category and area when the policy
/// declares them, and the acceptance of the charter in force (`charter`: its id and number).
pub fn validate(
    i: &ApplicationInput,
    policy: &Policy,
    charter: Option<(i32, i32)>,
    language: Lang,
    today: NaiveDate,
) -> Result<ValidApplication, Vec<Problem>> {
    let input = MerchantInput {
        name: i.name.clone(),
        credit_code: i.credit_code.clone(),
        category: i.category.clone(),
        address: i.address.clone(),
        area: i.area.clone(),
        contact_name: i.contact_name.clone(),
        email: i.email.clone(),
        phone: i.phone.clone(),
        member_since: String::new(),
        member_left_on: String::new(),
    };
    let mut errors = Vec::new();
    let merchant = register::validate(&input, true, today)
        .map_err(|e| errors.extend(e))
        .ok();
    let has = |f: &str| errors.iter().any(|p: &Problem| p.field == f);
    let mut more = Vec::new();
    if i.email.trim().is_empty() {
        more.push(Problem::at("email").t("join-error-email"));
    }
    if !has("category") && !declared(&policy.categories, &i.category) {
        more.push(Problem::at("category").t("join-error-category"));
    }
    if !has("area") && !declared(&policy.areas, &i.area) {
        more.push(Problem::at("area").t("join-error-area"));
    }
    if let Some((_, number)) = charter {
        if i.accept_charter.trim() != number.to_string() {
            more.push(Problem::at("accept_charter").tr("join-error-charter", &[("n", number.into())]));
        }
    }
    errors.extend(more);
    match merchant {
        Some(m) if errors.is_empty() => Ok(ValidApplication {
            credit_code: m
                .credit_code
                .as_ref()
                .map(|c| c.as_str().to_string())
                .unwrap_or_default(),
            merchant: m,
            language,
            charter_version_id: charter.map(|c| c.0),
        }),
        _ => Err(errors),
    }
}

/// What became of an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// A new application, pending.
    New(i32),
    /// Merged into the pending application for the same credit code.
    Merged(i32),
    /// The credit code is already a member's: nothing was written. (its name, member since)
    AlreadyMember(String, NaiveDate),
}

fn event(
    c: &mut DbConn,
    merchant_id: Option<i32>,
    application_id: Option<i32>,
    kind: &str,
    on: NaiveDate,
    actor: &Actor,
    note: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(membership_events::table)
        .values((
            membership_events::merchant_id.eq(merchant_id),
            membership_events::application_id.eq(application_id),
            membership_events::kind.eq(kind),
            membership_events::happened_on.eq(on),
            membership_events::at.eq(now),
            membership_events::actor_id.eq(actor.user_id),
            membership_events::actor_name.eq(&actor.label),
            membership_events::note.eq(note),
        ))
        .execute(c)
        .map(|_| ())
}

fn find_pending(c: &mut DbConn, code: &str) -> QueryResult<Option<Application>> {
    membership_applications::table
        .filter(membership_applications::credit_code.eq(code))
        .filter(membership_applications::state.eq("pending"))
        .select(Application::as_select())
        .first(c)
        .optional()
}

/// Stores an application (or merges it into the pending one for its credit code), with its
/// event and audit entry.
pub fn apply(
    conn: &mut DbConn,
    v: &ValidApplication,
    today: NaiveDate,
    now: NaiveDateTime,
) -> anyhow::Result<Applied> {
    let actor = Actor::system("join");
    let m = &v.merchant;
    write_tx(conn, |c| {
        if let Some(existing) = Merchant::find_by_credit_code(c, &v.credit_code)? {
            if existing.is_member_on(today) {
                if let Some(since) = existing.member_since {
                    return Ok(Applied::AlreadyMember(existing.name, since));
                }
            }
        }
        let fields = (
            membership_applications::name.eq(&m.name),
            membership_applications::category.eq(&m.category),
            membership_applications::area.eq(&m.area),
            membership_applications::address.eq(&m.address),
            membership_applications::contact_name.eq(&m.contact_name),
            membership_applications::email.eq(&m.email),
            membership_applications::phone.eq(&m.phone),
            membership_applications::language.eq(v.language.tag()),
            membership_applications::charter_version_id.eq(v.charter_version_id),
            membership_applications::updated_at.eq(now),
        );
        let (id, outcome, before) = match find_pending(c, &v.credit_code)? {
            Some(p) => {
                diesel::update(membership_applications::table.find(p.id))
                    .set((
                        fields,
                        membership_applications::times_applied.eq(p.times_applied + 1),
                    ))
                    .execute(c)?;
                (p.id, Applied::Merged(p.id), Some(serde_json::to_value(&p)?))
            }
            None => {
                let id: i32 =
                    crate::db::dispatch!(c, |c| diesel::insert_into(membership_applications::table)
                        .values((
                            fields,
                            membership_applications::credit_code.eq(&v.credit_code),
                            membership_applications::state.eq("pending"),
                            membership_applications::times_applied.eq(1),
                            membership_applications::created_at.eq(now),
                        ))
                        .returning(membership_applications::id)
                        .get_result(c))?;
                (id, Applied::New(id), None)
            }
        };
        event(c, None, Some(id), "applied", today, &actor, "", now)?;
        let after = membership_applications::table
            .find(id)
            .select(Application::as_select())
            .first(c)?;
        audit::append(
            c,
            &actor,
            Change {
                action: if before.is_some() {
                    "membership.apply_again"
                } else {
                    "membership.apply"
                },
                entity: "membership_application",
                entity_id: Some(id.to_string()),
                before,
                after: Some(serde_json::to_value(&after)?),
            },
        )?;
        Ok(outcome)
    })
}

/// Applications waiting for the committee, oldest first.
pub fn pending(conn: &mut DbConn) -> QueryResult<Vec<Application>> {
    membership_applications::table
        .filter(membership_applications::state.eq("pending"))
        .order(membership_applications::created_at)
        .select(Application::as_select())
        .load(conn)
}

/// The latest decided applications, newest first.
pub fn decided(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<Application>> {
    membership_applications::table
        .filter(membership_applications::state.ne("pending"))
        .order(membership_applications::decided_at.desc())
        .limit(limit)
        .select(Application::as_select())
        .load(conn)
}

/// One application.
pub fn application(conn: &mut DbConn, id: i32) -> QueryResult<Option<Application>> {
    membership_applications::table
        .find(id)
        .select(Application::as_select())
        .first(conn)
        .optional()
}

/// Leave requests waiting for the committee, with their merchant's name, oldest first.
pub fn pending_leaves(conn: &mut DbConn) -> QueryResult<Vec<(LeaveRequest, String)>> {
    leave_requests::table
        .inner_join(merchants::table)
        .filter(leave_requests::state.eq("pending"))
        .order(leave_requests::requested_at)
        .select((LeaveRequest::as_select(), merchants::name))
        .load(conn)
}

/// The pending leave request of a merchant, if any.
pub fn pending_leave_of(conn: &mut DbConn, merchant_id: i32) -> QueryResult<Option<LeaveRequest>> {
    leave_requests::table
        .filter(leave_requests::merchant_id.eq(merchant_id))
        .filter(leave_requests::state.eq("pending"))
        .select(LeaveRequest::as_select())
        .first(conn)
        .optional()
}

/// What waits for the committee: pending applications plus pending leave requests (the start
/// page shows it beside the link).
pub fn waiting(conn: &mut DbConn) -> QueryResult<i64> {
    let a: i64 = membership_applications::table
        .filter(membership_applications::state.eq("pending"))
        .count()
        .get_result(conn)?;
    let l: i64 = leave_requests::table
        .filter(leave_requests::state.eq("pending"))
        .count()
        .get_result(conn)?;
    Ok(a + l)
}

/// A merchant's membership history (its events and those of its applications), oldest first.
pub fn history(conn: &mut DbConn, merchant_id: i32) -> QueryResult<Vec<Event>> {
    let apps: Vec<i32> = membership_applications::table
        .filter(membership_applications::merchant_id.eq(merchant_id))
        .select(membership_applications::id)
        .load(conn)?;
    membership_events::table
        .filter(
            membership_events::merchant_id
                .eq(merchant_id)
                .or(membership_events::application_id.eq_any(apps)),
        )
        .order((membership_events::at, membership_events::id))
        .select(Event::as_select())
        .load(conn)
}

/// Why a committee decision or a member's request was refused.
#[derive(Debug, thiserror::Error)]
pub enum MembershipError {
    /// No such application, request or merchant.
    #[error("not found")]
    NotFound,
    /// Already decided (or not in the state the step needs).
    #[error("already decided")]
    NotPending,
    /// The input is invalid (e.g. a decline without a reason).
    #[error("invalid: {0:?}")]
    Invalid(Vec<Problem>),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for MembershipError {
    fn from(e: diesel::result::Error) -> Self {
        MembershipError::Other(e.into())
    }
}

impl From<askama::Error> for MembershipError {
    fn from(e: askama::Error) -> Self {
        MembershipError::Other(e.into())
    }
}

/// A membership email: a greeting, paragraphs and an optional link, in one language.
#[derive(Debug, Clone)]
pub struct MembershipMail {
    pub lang: &'static str,
    pub greeting: String,
    pub paragraphs: Vec<String>,
    /// (label, address)
    pub link: Option<(String, String)>,
    pub signature: String,
}

#[derive(Template)]
#[template(path = "email/membership.txt")]
struct MembershipText<'a> {
    m: &'a MembershipMail,
}

#[derive(Template)]
#[template(path = "email/membership.html")]
struct MembershipHtml<'a> {
    m: &'a MembershipMail,
}

/// Renders a membership email with its subject.
pub fn render(subject: String, m: &MembershipMail) -> askama::Result<Rendered> {
    Ok(Rendered {
        subject,
        text: MembershipText { m }.render()?,
        html: MembershipHtml { m }.render()?,
    })
}

fn mail(
    lang: Lang,
    greeting_name: &str,
    paragraphs: Vec<String>,
    link: Option<(String, String)>,
) -> MembershipMail {
    MembershipMail {
        lang: lang.tag(),
        greeting: lang.tr(
            "join-mail-greeting",
            &[("name", greeting_name.to_string().into())],
        ),
        paragraphs,
        link,
        signature: lang.t("join-mail-signature").to_string(),
    }
}

fn lang_of(tag: &str) -> Lang {
    Lang::from_tag(tag).unwrap_or(Lang::Zh)
}

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
        event(c, Some(merchant_id), Some(id), "approved", today, actor, "", now)?;
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
        event(c, None, Some(id), "declined", today, actor, &reason, now)?;
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
            Some(merchant_id),
            None,
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
            Some(merchant_id),
            None,
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
        event(c, Some(m.id), None, "left", left, actor, &r.reason, now)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy::from_toml(crate::domain::policy::DEFAULT_POLICY_TOML).expect("default policy")
    }

    fn input() -> ApplicationInput {
        ApplicationInput {
            name: "新开小面馆".into(),
            credit_code: "91330102MA2H4X7Q52".into(),
            category: "餐饮".into(),
            area: "老街片区".into(),
            address: "老街 1 号".into(),
            contact_name: "李".into(),
            email: "li@example.com".into(),
            phone: "0571-1234".into(),
            accept_charter: "2".into(),
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    #[test]
    fn a_good_application_passes_with_its_charter() {
        let v = validate(&input(), &policy(), Some((7, 2)), Lang::En, today()).expect("valid");
        assert_eq!(v.credit_code, "91330102MA2H4X7Q52");
        assert_eq!(v.charter_version_id, Some(7));
    }

    #[test]
    fn email_and_charter_acceptance_are_required() {
        let mut i = input();
        i.email = " ".into();
        i.accept_charter = "1".into();
        let e = validate(&i, &policy(), Some((7, 2)), Lang::Zh, today()).unwrap_err();
        let fields: Vec<_> = e.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["email", "accept_charter"]);
        // Without a charter there is nothing to accept.
        i.email = "li@example.com".into();
        assert!(validate(&i, &policy(), None, Lang::Zh, today()).is_ok());
    }

    #[test]
    fn a_bad_credit_code_gets_the_registers_message() {
        let mut i = input();
        i.credit_code = "91330102MA2H4X7Q53".into();
        let e = validate(&i, &policy(), None, Lang::Zh, today()).unwrap_err();
        assert_eq!(e[0].field, "credit_code");
        assert!(
            e[0].render(Lang::En).contains("check character"),
            "{}",
            e[0].render(Lang::En)
        );
    }

    #[test]
    fn reasons() {
        assert!(check_reason("  ", true).is_err());
        assert_eq!(check_reason("  ", false).unwrap(), "");
        assert!(check_reason(&"x".repeat(REASON_MAX + 1), false).is_err());
    }
}
