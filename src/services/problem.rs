//! What a service says to a person, without words: a catalogue message id with its arguments
//! ([`Message`]), and a problem with one input field ([`Problem`]), which every service's
//! validation returns. The words live in `locales/<lang>/*.ftl` (the services' in
//! `problems.ftl` and `errors.ftl`); the web layer (a form's message, the API's `errors`), the
//! mail layer and the CLI render them in the reader's language with [`Message::render`].
//! Services do not depend on the web layer.

use chrono::NaiveDate;
use serde::Serialize;

use crate::i18n::{Arg, Lang};

/// A value for a message's variable, owned so that a message can leave the service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ArgValue {
    /// Shown as is: a name, a code, a date, a line of a file.
    Text(String),
    /// A whole number, which Fluent can also choose a plural form by.
    Number(i64),
    /// Another message of the catalogue (one without arguments), rendered in the same language:
    /// a field's label inside "请填写{ $label }。".
    Message(&'static str),
    /// Whole numbers shown as a list, joined by the language's `problems-list-separator`.
    List(Vec<u64>),
}

impl ArgValue {
    /// The value as the catalogue's formatter takes it, in `lang`.
    fn to_arg(&self, lang: Lang) -> Arg<'_> {
        match self {
            ArgValue::Text(t) => Arg::from(t),
            ArgValue::Number(n) => Arg::Number(*n),
            ArgValue::Message(id) => Arg::from(lang.t(id)),
            ArgValue::List(items) => Arg::from(
                items
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(lang.t("problems-list-separator")),
            ),
        }
    }
}

impl From<&str> for ArgValue {
    fn from(s: &str) -> Self {
        ArgValue::Text(s.to_string())
    }
}

impl From<&String> for ArgValue {
    fn from(s: &String) -> Self {
        ArgValue::Text(s.clone())
    }
}

impl From<String> for ArgValue {
    fn from(s: String) -> Self {
        ArgValue::Text(s)
    }
}

impl From<char> for ArgValue {
    fn from(c: char) -> Self {
        ArgValue::Text(c.to_string())
    }
}

impl From<NaiveDate> for ArgValue {
    fn from(d: NaiveDate) -> Self {
        ArgValue::Text(d.to_string())
    }
}

macro_rules! number_value {
    ($($t:ty),*) => {$(
        impl From<$t> for ArgValue {
            fn from(n: $t) -> Self {
                ArgValue::Number(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }
    )*};
}
number_value!(i32, i64, u32, u64, usize);

/// A message of the catalogue with its arguments: what a service says, in no language yet.
/// Build one with [`Message::t`] (no arguments) or [`Message::tr`], the way [`Lang::t`] and
/// [`Lang::tr`] are called, so the catalogue tests find the id and its arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    /// The message's id in `locales/<lang>/*.ftl`.
    pub id: &'static str,
    /// The values of its variables, by name (without the `$`).
    pub args: Vec<(&'static str, ArgValue)>,
}

impl Message {
    /// The message `id`, which takes no arguments.
    pub fn t(id: &'static str) -> Self {
        Message { id, args: Vec::new() }
    }

    /// The message `id` with the values of its variables.
    pub fn tr(id: &'static str, args: &[(&'static str, ArgValue)]) -> Self {
        Message {
            id,
            args: args.to_vec(),
        }
    }

    /// The words in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        if self.args.is_empty() {
            return lang.t(self.id).to_string();
        }
        let args: Vec<(&str, Arg<'_>)> = self
            .args
            .iter()
            .map(|(name, v)| (*name, v.to_arg(lang)))
            .collect();
        lang.tr(self.id, &args)
    }
}

/// One field's problem: the field and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The field: `merchant_id`, `inspected_on`, `deductions[i].points`, `deadline`, `photos`, ...
    pub field: String,
    /// What is wrong, in no language yet.
    pub message: Message,
}

impl Problem {
    /// Starts a problem with `field`; say what is wrong with [`At::t`] or [`At::tr`]:
    /// `Problem::at("deadline").t("problems-notice-deadline-past")`.
    pub fn at(field: impl Into<String>) -> At {
        At(field.into())
    }

    /// The message in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        self.message.render(lang)
    }
}

/// A field that has a problem, waiting for its message.
#[derive(Debug)]
pub struct At(String);

impl At {
    /// The problem is the message `id`, which takes no arguments.
    pub fn t(self, id: &'static str) -> Problem {
        Problem {
            field: self.0,
            message: Message::t(id),
        }
    }

    /// The problem is the message `id` with the values of its variables.
    pub fn tr(self, id: &'static str, args: &[(&'static str, ArgValue)]) -> Problem {
        Problem {
            field: self.0,
            message: Message::tr(id, args),
        }
    }
}

#[cfg(test)]
mod tests;
