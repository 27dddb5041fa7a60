//! Every message a service can say exists in every language, takes exactly the variables the
//! service passes, and renders. The messages are found where they are said in `src/services`:
//! `.t(ID)` and `.tr(ID, &[("name", value), …])` on a [`Problem::at`] or a [`Message`] (an
//! element of the argument list may also be a variable bound by `let x = ("name", value);`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use fluent_syntax::ast;
use fluent_syntax::parser::parse;

use super::*;

/// The catalogue files that hold the services' messages.
const FILES: [&str; 2] = ["problems.ftl", "errors.ftl"];

/// A message said in the code: where, its id, and the names of the arguments it is given.
#[derive(Debug)]
struct Said {
    file: PathBuf,
    id: String,
    args: BTreeSet<String>,
}

/// The Rust files under `src/services`, but this one, without their comment lines.
fn service_sources() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/services");
    let mut stack = vec![root];
    let mut out = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "rs")
                && !path.ends_with("services/problem/tests.rs")
            {
                let text = std::fs::read_to_string(&path).unwrap();
                let code: Vec<&str> = text
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("//"))
                    .collect();
                out.push((path, code.join("\n")));
            }
        }
    }
    out
}

/// A string literal at the start of `s` (after blanks): its contents and the rest of `s`.
fn literal(s: &str) -> Option<(&str, &str)> {
    let rest = s.trim_start().strip_prefix('"')?;
    let end = rest.find('"')?;
    Some((&rest[..end], &rest[end + 1..]))
}

/// The text of a call's arguments up to its closing parenthesis (`s` starts inside the call),
/// split at its top-level commas.
fn arguments(s: &str) -> Vec<String> {
    let (mut depth, mut in_str, mut escaped) = (0i32, false, false);
    let mut parts = vec![String::new()];
    for c in s.chars() {
        if in_str {
            in_str = c != '"' || escaped;
            escaped = c == '\\' && !escaped;
        } else {
            match c {
                '"' => in_str = true,
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' if depth == 0 => break,
                ')' | ']' | '}' => depth -= 1,
                ',' if depth == 0 => {
                    parts.push(String::new());
                    continue;
                }
                _ => {}
            }
        }
        if let Some(last) = parts.last_mut() {
            last.push(c);
        }
    }
    parts
        .into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// The name of one element of an argument list: `("name", value)`, or a variable bound before
/// `at` by `let x = ("name", value);` (used as `x` or `x.clone()`).
fn argument_name(element: &str, text_before: &str) -> Option<String> {
    if let Some(tuple) = element.strip_prefix('(') {
        return literal(tuple).map(|(name, _)| name.to_string());
    }
    let var = element.strip_suffix(".clone()").unwrap_or(element);
    if !var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let binding = format!("let {var} = (");
    let at = text_before.rfind(&binding)?;
    literal(&text_before[at + binding.len()..]).map(|(name, _)| name.to_string())
}

/// Every message said in `text`; an argument list it cannot read is an error.
fn said_in(path: &Path, text: &str) -> Result<Vec<Said>, String> {
    let mut out = Vec::new();
    for (call, with_args) in [("t(", false), ("tr(", true)] {
        for (at, _) in text.match_indices(call) {
            let before = &text[..at];
            if !(before.ends_with('.') || before.ends_with("::")) {
                continue;
            }
            let Some((id, rest)) = literal(&text[at + call.len()..]) else {
                continue;
            };
            let mut args = BTreeSet::new();
            if with_args {
                let list = arguments(rest.trim_start().strip_prefix(',').unwrap_or(rest));
                let slice = list
                    .first()
                    .and_then(|l| l.strip_prefix("&[")?.strip_suffix(']'))
                    .ok_or_else(|| format!("{}: {id}: the arguments are not a `&[…]`", path.display()))?;
                for element in arguments(slice) {
                    let name = argument_name(&element, before).ok_or_else(|| {
                        format!("{}: {id}: cannot read the argument `{element}`", path.display())
                    })?;
                    args.insert(name);
                }
            }
            out.push(Said {
                file: path.to_path_buf(),
                id: id.to_string(),
                args,
            });
        }
    }
    Ok(out)
}

fn everything_said() -> Vec<Said> {
    let mut all = Vec::new();
    for (path, text) in service_sources() {
        all.extend(said_in(&path, &text).unwrap_or_else(|e| panic!("{e}")));
    }
    all
}

/// The variables of every message in `lang`'s catalogue: id → names.
fn variables(lang: Lang) -> BTreeMap<String, BTreeSet<String>> {
    fn walk_pattern(p: &ast::Pattern<&str>, out: &mut BTreeSet<String>) {
        for element in &p.elements {
            if let ast::PatternElement::Placeable { expression } = element {
                walk_expression(expression, out);
            }
        }
    }
    fn walk_expression(e: &ast::Expression<&str>, out: &mut BTreeSet<String>) {
        match e {
            ast::Expression::Select { selector, variants } => {
                walk_inline(selector, out);
                for v in variants {
                    walk_pattern(&v.value, out);
                }
            }
            ast::Expression::Inline(i) => walk_inline(i, out),
        }
    }
    fn walk_inline(i: &ast::InlineExpression<&str>, out: &mut BTreeSet<String>) {
        match i {
            ast::InlineExpression::VariableReference { id } => {
                out.insert(id.name.to_string());
            }
            ast::InlineExpression::Placeable { expression } => walk_expression(expression, out),
            ast::InlineExpression::FunctionReference { arguments, .. } => {
                for a in &arguments.positional {
                    walk_inline(a, out);
                }
                for a in &arguments.named {
                    walk_inline(&a.value, out);
                }
            }
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    for (_, text) in crate::i18n::files(lang) {
        let resource = parse(*text).unwrap_or_else(|(_, e)| panic!("{}: {e:?}", lang.tag()));
        for entry in &resource.body {
            if let ast::Entry::Message(m) = entry {
                let mut names = BTreeSet::new();
                if let Some(value) = &m.value {
                    walk_pattern(value, &mut names);
                }
                out.insert(m.id.name.to_string(), names);
            }
        }
    }
    out
}

/// The ids `lang`'s files of the services' messages define.
fn services_ids(lang: Lang) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for (file, text) in crate::i18n::files(lang) {
        if FILES.contains(file) {
            let resource = parse(*text).unwrap_or_else(|(_, e)| panic!("{}/{file}: {e:?}", lang.tag()));
            for entry in &resource.body {
                if let ast::Entry::Message(m) = entry {
                    ids.insert(m.id.name.to_string());
                }
            }
        }
    }
    ids
}

#[test]
fn every_message_a_service_says_exists_with_its_variables_and_renders() {
    let said = everything_said();
    assert!(said.len() > 100, "the scan found only {} messages", said.len());
    let mut wrong = Vec::new();
    for lang in Lang::ALL {
        let catalogue = variables(lang);
        for s in &said {
            match catalogue.get(&s.id) {
                None => wrong.push(format!("{}: {} is not in {}", s.file.display(), s.id, lang.tag())),
                Some(vars) if *vars != s.args => wrong.push(format!(
                    "{}: {} is given {:?}, its {} text uses {vars:?}",
                    s.file.display(),
                    s.id,
                    s.args,
                    lang.tag()
                )),
                Some(_) => {
                    let args: Vec<(&str, Arg<'_>)> =
                        s.args.iter().map(|a| (a.as_str(), Arg::Number(2))).collect();
                    let text = lang.tr(&s.id, &args);
                    if text.is_empty() || text.contains("??") || text.contains("{$") {
                        wrong.push(format!(
                            "{}: {} renders as {text:?} in {}",
                            s.file.display(),
                            s.id,
                            lang.tag()
                        ));
                    }
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn every_message_of_the_services_files_is_said_and_in_every_language() {
    let said: BTreeSet<String> = everything_said().into_iter().map(|s| s.id).collect();
    let zh = services_ids(Lang::Zh);
    for lang in Lang::ALL {
        assert_eq!(
            services_ids(lang),
            zh,
            "{} and zh-CN define different ids",
            lang.tag()
        );
    }
    let unsaid: Vec<&String> = zh.difference(&said).collect();
    assert!(unsaid.is_empty(), "no service says {unsaid:?}");
}

#[test]
fn the_scanner_reads_the_call_forms() {
    let text = r#"
        let n = ("n", ArgValue::from(1));
        Problem::at(format!("x[{i}]")).tr(
            "problems-import-all",
            &[n.clone(), ("max", MAX.into()), ("columns", COLS.join(",").into())],
        );
        Message::t("problems-reply-link");
        lang.t(self.id);
        format!("t(\"no\")");
    "#;
    let said = said_in(Path::new("x.rs"), text).unwrap();
    let got: Vec<(&str, Vec<&str>)> = said
        .iter()
        .map(|s| (s.id.as_str(), s.args.iter().map(String::as_str).collect()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("problems-reply-link", vec![]),
            ("problems-import-all", vec!["columns", "max", "n"])
        ]
    );
    // (Real ids: the catalogue test in src/i18n reads this file too.)
    assert!(said_in(Path::new("x.rs"), r#"at.tr("problems-reply-short", args)"#).is_err());
}

#[test]
fn messages_render_in_the_readers_language() {
    let p = Problem::at("deadline").tr("problems-notice-deadline-far", &[("days", 180.into())]);
    assert_eq!(p.render(Lang::Zh), "整改期限不能超过 180 天。");
    assert_eq!(p.render(Lang::En), "The deadline must be within 180 days.");
    let label = Problem::at("name").tr(
        "problems-field-required",
        &[("label", ArgValue::Message("merchants-name"))],
    );
    assert_eq!(label.render(Lang::Zh), "请填写商家名称。");
    assert_eq!(label.render(Lang::En), "Name is required.");
    let lines = Message::tr(
        "problems-import-skipped",
        &[
            ("rows", 5.into()),
            ("written", 1.into()),
            ("bad", 2.into()),
            ("lines", ArgValue::List(vec![3, 6])),
        ],
    );
    assert_eq!(
        lines.render(Lang::Zh),
        "共 5 行，已导入 1 家商家；2 行有错误，已跳过（第 3、6 行）。"
    );
    assert_eq!(
        lines.render(Lang::En),
        "5 rows; 1 merchant imported; 2 rows with errors skipped (lines 3, 6)."
    );
    let big = Message::tr(
        "problems-violation-fine-fen-range",
        &[("n", 1.into()), ("max", 10_000_000_000_i64.into())],
    );
    assert_eq!(
        big.render(Lang::En),
        "Violation 1: fine_fen must be between 0 and 10000000000."
    );
    assert_eq!(
        Message::t("errors-commendation-nobody").render(Lang::Zh),
        "没有拟表彰的商家：请先增补商家，或确认该年度无人表彰。"
    );
}
