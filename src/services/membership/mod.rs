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

/// Records a step of a membership; `about` is (merchant, application), either or both.
fn event(
    c: &mut DbConn,
    about: (Option<i32>, Option<i32>),
    kind: &str,
    on: NaiveDate,
    actor: &Actor,
    note: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let (merchant_id, application_id) = about;
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
        event(c, (None, Some(id)), "applied", today, &actor, "", now)?;
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

mod decide;
mod leave;

pub use decide::*;
pub use leave::*;

#[cfg(test)]
mod tests;
