//! Staff pages in words: an audit action (`notice.issued`), an actor (`system:demo`), an
//! entity (`merchant 14`) and an email's kind as a reader says them, from Fluent messages with a
//! fallback that shows the code; and the audit log's JSON change as (field, before, after) rows.

use serde_json::Value;

use crate::i18n::Lang;

/// A code as a Fluent selector key: `notice.issued` → `notice-issued`.
fn key(code: &str) -> String {
    code.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// An audit action in words, e.g. `notice.issued` → "签发整改通知" / "Notice issued"; an
/// unknown action shows its code.
pub fn action(code: &str, lang: Lang) -> String {
    lang.tr(
        "entry-action",
        &[("key", key(code).into()), ("code", code.to_string().into())],
    )
}

/// Who acted, in words: a username stays as typed; `system:demo` becomes "系统（演示数据）".
/// Returns (words, whether it is a username to mark `translate="no"`).
pub fn actor(label: &str, lang: Lang) -> (String, bool) {
    match label.strip_prefix("system:") {
        Some(what) => (
            lang.tr(
                "entry-actor-system",
                &[("key", key(what).into()), ("code", what.to_string().into())],
            ),
            false,
        ),
        None => (label.to_string(), true),
    }
}

/// An entity kind in words, e.g. `notice` → "整改通知".
pub fn entity(code: &str, lang: Lang) -> String {
    lang.tr(
        "entry-entity",
        &[("key", key(code).into()), ("code", code.to_string().into())],
    )
}

/// An email's kind in words, e.g. `notice.issued` → "整改通知书".
pub fn mail_kind(code: &str, lang: Lang) -> String {
    lang.tr(
        "entry-mail-kind",
        &[("key", key(code).into()), ("code", code.to_string().into())],
    )
}

/// Where staff see an entity: (link, whether the link exists).
pub fn entity_href(entity: &str, id: &str) -> Option<String> {
    let id: i32 = id.parse().ok()?;
    Some(match entity {
        "merchant" => format!("/staff/merchants/{id}/edit"),
        "notice" => format!("/staff/notices/{id}"),
        "inspection" => format!("/staff/inspections/{id}"),
        "training" => format!("/staff/trainings/{id}"),
        "bulletin" => format!("/staff/bulletins/{id}"),
        _ => return None,
    })
}

/// One changed field of an audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffRow {
    /// The field, as stored (`state`, `deadline`, `address.city` for a nested one).
    pub field: String,
    /// The value before, or "" when there was none.
    pub before: String,
    /// The value after, or "" when it was removed.
    pub after: String,
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(a) => a.iter().map(text).collect::<Vec<_>>().join(", "),
        Value::Object(_) => v.to_string(),
    }
}

fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let name = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&name, x, out);
            }
        }
        _ => out.push((
            if prefix.is_empty() {
                "value".to_string()
            } else {
                prefix.to_string()
            },
            text(v),
        )),
    }
}

fn fields(json: Option<&str>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(v) = json.and_then(|s| serde_json::from_str::<Value>(s).ok()) {
        flatten("", &v, &mut out);
    } else if let Some(s) = json.filter(|s| !s.trim().is_empty()) {
        // Not JSON: show it whole.
        out.push(("value".to_string(), s.to_string()));
    }
    out
}

/// The change an audit entry records, as the fields that differ between its stored `before` and
/// `after` JSON (nested objects flattened to `a.b`), in the order of `after`'s fields (alphabetical, as stored), then
/// the fields only `before` had. Unchanged fields are left out; a new record lists every field
/// with an empty "before".
pub fn diff_rows(before: Option<&str>, after: Option<&str>) -> Vec<DiffRow> {
    let b = fields(before);
    let a = fields(after);
    let mut out = Vec::new();
    for (field, after) in &a {
        let before = b
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        if &before != after {
            out.push(DiffRow {
                field: field.clone(),
                before,
                after: after.clone(),
            });
        }
    }
    for (field, before) in &b {
        if !a.iter().any(|(f, _)| f == field) && !before.is_empty() {
            out.push(DiffRow {
                field: field.clone(),
                before: before.clone(),
                after: String::new(),
            });
        }
    }
    out
}

/// An audit entry as the audit page shows it: local time, words, links and the changed fields.
pub struct AuditRow {
    pub id: i32,
    /// Local time in the deployment's zone.
    pub at: String,
    pub actor: String,
    /// Whether `actor` is a username (typed text, `translate="no"`).
    pub actor_typed: bool,
    pub action: String,
    pub action_code: String,
    pub entity: String,
    pub entity_id: String,
    /// The staff page of the entity, when there is one.
    pub href: Option<String>,
    /// The merchant's name when the entity is a merchant.
    pub name: String,
    pub diff: Vec<DiffRow>,
    /// The stored JSON, for the curious (collapsed).
    pub raw: String,
}

impl AuditRow {
    /// Builds the row; `names` are (merchant id, name) for merchant entries.
    pub fn new(
        e: &crate::db::models::audit::AuditEntry,
        names: &[(i32, String)],
        lang: Lang,
        config: &crate::config::Config,
    ) -> Self {
        let (actor, actor_typed) = actor(&e.actor_label, lang);
        let entity_id = e.entity_id.clone().unwrap_or_default();
        let name = if e.entity == "merchant" {
            entity_id
                .parse::<i32>()
                .ok()
                .and_then(|id| names.iter().find(|(i, _)| *i == id))
                .map(|(_, n)| n.clone())
                .unwrap_or_default()
        } else {
            String::new()
        };
        let raw = match (&e.before_json, &e.after_json) {
            (Some(b), Some(a)) => format!("{b} → {a}"),
            (Some(b), None) => b.clone(),
            (None, Some(a)) => a.clone(),
            (None, None) => String::new(),
        };
        AuditRow {
            id: e.id,
            at: config.local_time(e.at),
            actor,
            actor_typed,
            action: action(&e.action, lang),
            action_code: e.action.clone(),
            entity: entity(&e.entity, lang),
            href: entity_href(&e.entity, &entity_id),
            entity_id,
            name,
            diff: diff_rows(e.before_json.as_deref(), e.after_json.as_deref()),
            raw,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(f: &str, b: &str, a: &str) -> DiffRow {
        DiffRow {
            field: f.into(),
            before: b.into(),
            after: a.into(),
        }
    }

    #[test]
    fn only_changed_fields_are_listed() {
        let rows = diff_rows(
            Some(r#"{"state":"answered","deadline":"2026-12-01"}"#),
            Some(r#"{"state":"issued","deadline":"2026-12-15","answer_id":3}"#),
        );
        assert_eq!(
            rows,
            vec![
                row("answer_id", "", "3"),
                row("deadline", "2026-12-01", "2026-12-15"),
                row("state", "answered", "issued"),
            ]
        );
    }

    #[test]
    fn a_new_record_lists_every_field_and_a_removal_shows_what_went() {
        assert_eq!(
            diff_rows(None, Some(r#"{"name":"王记","stars":null,"tags":["a","b"]}"#)),
            vec![row("name", "", "王记"), row("tags", "", "a, b")]
        );
        assert_eq!(
            diff_rows(Some(r#"{"note":"x","n":1}"#), Some(r#"{"n":1}"#)),
            vec![row("note", "x", "")]
        );
    }

    #[test]
    fn nested_objects_are_flattened_and_odd_input_does_not_panic() {
        assert_eq!(
            diff_rows(Some(r#"{"a":{"b":1}}"#), Some(r#"{"a":{"b":2}}"#)),
            vec![row("a.b", "1", "2")]
        );
        assert_eq!(
            diff_rows(None, Some("not json")),
            vec![row("value", "", "not json")]
        );
        assert_eq!(diff_rows(Some("5"), Some("6")), vec![row("value", "5", "6")]);
        assert!(diff_rows(None, None).is_empty());
        assert!(diff_rows(Some("{}"), Some("{}")).is_empty());
    }

    #[test]
    fn codes_become_words_with_the_code_as_fallback() {
        assert_eq!(action("notice.issued", Lang::En), "Notice issued");
        assert_eq!(action("notice.issued", Lang::Zh), "签发整改通知");
        assert_eq!(action("something.new", Lang::En), "something.new");
        assert_eq!(actor("system:demo", Lang::En).0, "System (demo data)");
        assert_eq!(actor("system:zzz", Lang::En).0, "System (zzz)");
        assert_eq!(actor("wang.li", Lang::En), ("wang.li".to_string(), true));
        assert_eq!(entity("merchant", Lang::En), "Merchant");
        assert_eq!(mail_kind("notice.issued", Lang::Zh), "整改通知书");
        assert_eq!(mail_kind("odd", Lang::Zh), "odd");
    }
}
