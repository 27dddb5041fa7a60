//! A problem with one input field, in both languages: what every service's validation returns.
//! The web layer turns it into a `FieldError` (a form's message or the API's `errors`); services
//! do not depend on the web layer.

use serde::Serialize;

/// One field's problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The field: `merchant_id`, `inspected_on`, `deductions[i].points`, `deadline`, `photos`, ...
    pub field: String,
    /// The message in Chinese.
    pub zh: String,
    /// The message in English.
    pub en: String,
}

impl Problem {
    /// A problem with `field`.
    pub fn new(field: impl Into<String>, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Problem {
            field: field.into(),
            zh: zh.into(),
            en: en.into(),
        }
    }
}
