use super::*;

/// A merchant's details as typed by a person (form, JSON or CSV row), before validation.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct MerchantInput {
    pub name: String,
    pub credit_code: String,
    pub category: String,
    pub address: String,
    pub area: String,
    pub contact_name: String,
    pub email: String,
    pub phone: String,
    pub member_since: String,
    /// The day it left the alliance (离盟日期); empty while it is a member.
    pub member_left_on: String,
}

impl MerchantInput {
    /// The input that shows `m` in the edit form.
    pub fn from_merchant(m: &Merchant) -> Self {
        MerchantInput {
            name: m.name.clone(),
            credit_code: m.credit_code.clone().unwrap_or_default(),
            category: m.category.clone(),
            address: m.address.clone(),
            area: m.area.clone(),
            contact_name: m.contact_name.clone(),
            email: m.email.clone(),
            phone: m.phone.clone(),
            member_since: m.member_since.map(|d| d.to_string()).unwrap_or_default(),
            member_left_on: m.member_left_on.map(|d| d.to_string()).unwrap_or_default(),
        }
    }
}

/// Details that passed validation: a `ValidMerchant` cannot hold a bad credit code or date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidMerchant {
    pub name: String,
    pub credit_code: Option<CreditCode>,
    pub category: String,
    pub address: String,
    pub area: String,
    pub contact_name: String,
    pub email: String,
    pub phone: String,
    pub member_since: Option<NaiveDate>,
    /// Never before `member_since`, never after the day it was validated.
    pub member_left_on: Option<NaiveDate>,
}

impl ValidMerchant {
    pub(super) fn code_string(&self) -> Option<String> {
        self.credit_code.as_ref().map(|c| c.as_str().to_string())
    }

    pub(super) fn to_new(&self, now: NaiveDateTime) -> NewMerchant {
        NewMerchant {
            name: self.name.clone(),
            credit_code: self.code_string(),
            category: self.category.clone(),
            address: self.address.clone(),
            area: self.area.clone(),
            contact_name: self.contact_name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            member_since: self.member_since,
            member_left_on: self.member_left_on,
            external_source: None,
            external_id: None,
            created_at: now,
            updated_at: now,
        }
    }

    pub(super) fn to_changes(&self, now: NaiveDateTime) -> MerchantChanges {
        MerchantChanges {
            name: self.name.clone(),
            credit_code: self.code_string(),
            category: self.category.clone(),
            address: self.address.clone(),
            area: self.area.clone(),
            contact_name: self.contact_name.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            member_since: self.member_since,
            member_left_on: self.member_left_on,
            updated_at: now,
        }
    }
}

/// A required text of at most `max` characters, trimmed; `label` is the message that names the
/// field.
pub(super) fn required_text(
    errors: &mut Vec<Problem>,
    name: &str,
    label: &'static str,
    value: &str,
    max: usize,
) -> String {
    let v = value.trim();
    if v.is_empty() {
        errors.push(Problem::at(name).tr("problems-field-required", &[("label", ArgValue::Message(label))]));
    } else {
        optional_text(errors, name, label, v, max);
    }
    v.to_string()
}

/// An optional text of at most `max` characters, trimmed.
pub(super) fn optional_text(
    errors: &mut Vec<Problem>,
    name: &str,
    label: &'static str,
    value: &str,
    max: usize,
) -> String {
    let v = value.trim();
    if v.chars().count() > max {
        errors.push(Problem::at(name).tr(
            "problems-field-too-long",
            &[("label", ArgValue::Message(label)), ("max", max.into())],
        ));
    }
    v.to_string()
}

/// A plausible email address: one `@`, a non-empty local part, a dotted domain, no spaces. Kept
/// simple on purpose: the real test of an address is the email that reaches it.
pub fn email_ok(email: &str) -> bool {
    let mut parts = email.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    email.len() <= 254
        && !local.is_empty()
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && domain.contains('.')
        && domain.split('.').all(|label| !label.is_empty())
}

/// A date typed as `YYYY-MM-DD`, or `None` (with the problem) when it is not one.
pub(super) fn date(errors: &mut Vec<Problem>, text: &str, problem: Problem) -> Option<NaiveDate> {
    let parsed = (text.len() == 10)
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten();
    if parsed.is_none() {
        errors.push(problem);
    }
    parsed
}

/// What is wrong with a credit code, as the field's problem (the words of the domain's
/// `CreditCodeError`).
pub(super) fn credit_code_problem(e: &CreditCodeError) -> Problem {
    let at = Problem::at("credit_code");
    match *e {
        CreditCodeError::Length(n) => at.tr("problems-credit-code-length", &[("n", n.into())]),
        CreditCodeError::Charset { position, ch } => at.tr(
            "problems-credit-code-charset",
            &[("position", position.into()), ("ch", ch.into())],
        ),
        CreditCodeError::AreaCode => at.t("problems-credit-code-area-code"),
        CreditCodeError::CheckChar { expected, found } => at.tr(
            "problems-credit-code-check-char",
            &[("expected", expected.into()), ("found", found.into())],
        ),
        CreditCodeError::OrgCheckChar { expected, found } => at.tr(
            "problems-credit-code-org-check-char",
            &[("expected", expected.into()), ("found", found.into())],
        ),
    }
}

/// Checks every field and returns the validated details, or a problem per bad field. `code_required` is false only when editing a merchant that never had a code
/// (imported public data); such a merchant may keep none. A merchant cannot leave the alliance
/// before it joined, nor after `today`.
pub fn validate(
    input: &MerchantInput,
    code_required: bool,
    today: NaiveDate,
) -> Result<ValidMerchant, Vec<Problem>> {
    let mut errors = Vec::new();
    let name = required_text(&mut errors, "name", "merchants-name", &input.name, 100);
    let code_text = input.credit_code.trim();
    let credit_code = if code_text.is_empty() {
        if code_required {
            errors.push(Problem::at("credit_code").t("problems-credit-code-required"));
        }
        None
    } else {
        match CreditCode::parse(code_text) {
            Ok(c) => Some(c),
            Err(e) => {
                errors.push(credit_code_problem(&e));
                None
            }
        }
    };
    let category = required_text(&mut errors, "category", "merchants-category", &input.category, 50);
    let address = required_text(&mut errors, "address", "merchants-address", &input.address, 200);
    let area = required_text(&mut errors, "area", "merchants-area", &input.area, 50);
    let contact_name = optional_text(
        &mut errors,
        "contact_name",
        "merchants-contact-name",
        &input.contact_name,
        50,
    );
    let email = input.email.trim().to_string();
    if !email.is_empty() && !email_ok(&email) {
        errors.push(Problem::at("email").t("problems-email-invalid"));
    }
    let phone = input.phone.trim().to_string();
    if !phone.is_empty()
        && (phone.chars().count() > MAX_PHONE
            || !phone.chars().any(|c| c.is_ascii_digit())
            || !phone.chars().all(|c| c.is_ascii_digit() || "+- ".contains(c)))
    {
        errors.push(Problem::at("phone").tr("problems-phone-invalid", &[("max", MAX_PHONE.into())]));
    }
    let since_text = input.member_since.trim();
    let member_since = if since_text.is_empty() {
        None
    } else {
        date(
            &mut errors,
            since_text,
            Problem::at("member_since").t("problems-member-since-format"),
        )
    };
    let left_text = input.member_left_on.trim();
    let member_left_on = if left_text.is_empty() {
        None
    } else {
        date(
            &mut errors,
            left_text,
            Problem::at("member_left_on").t("problems-member-left-on-format"),
        )
    };
    if let Some(left) = member_left_on {
        match member_since {
            None if since_text.is_empty() => {
                errors.push(Problem::at("member_left_on").t("problems-member-left-not-member"))
            }
            Some(since) if left < since => errors.push(
                Problem::at("member_left_on")
                    .tr("problems-member-left-before-joining", &[("since", since.into())]),
            ),
            _ => {}
        }
        if left > today {
            errors.push(Problem::at("member_left_on").t("problems-member-left-future"));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(ValidMerchant {
        name,
        credit_code,
        category,
        address,
        area,
        contact_name,
        email,
        phone,
        member_since,
        member_left_on,
    })
}

/// The problem of a credit code that another merchant (`holder`, when known) holds.
pub fn duplicate_code(code: &str, holder: Option<&str>) -> Problem {
    let at = Problem::at("credit_code");
    match holder {
        Some(name) => at.tr(
            "problems-credit-code-taken-by",
            &[("code", code.into()), ("name", name.into())],
        ),
        None => at.tr("problems-credit-code-taken", &[("code", code.into())]),
    }
}
