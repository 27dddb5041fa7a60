//! The catalogue checks: every language defines every id, every id the code asks for exists (and
//! takes no arguments when asked for with `t`), and every id is used.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::*;

/// Ids the code builds at run time from a prefix and a code, `"role-{…}"` and the like: an id
/// with one of these prefixes counts as used when the code contains the prefix's literal.
const FAMILIES: &[&str] = &["role-", "merchants-"];

fn ids(lang: Lang) -> BTreeMap<String, &'static str> {
    let mut out = BTreeMap::new();
    for (file, text) in files(lang) {
        let resource = FluentResource::try_new(text.to_string())
            .unwrap_or_else(|(_, e)| panic!("{}/{file}: {e:?}", lang.tag()));
        for id in message_ids(&resource) {
            if let Some(other) = out.insert(id.clone(), *file) {
                panic!("{}: {id} is defined in {other} and {file}", lang.tag());
            }
        }
    }
    out
}

/// Every source file that can ask for a message: the Rust code (but this test) and the templates.
fn sources() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stack = vec![root.join("src"), root.join("templates")];
    let mut out = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.ends_with("src/i18n/tests.rs") {
                continue;
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                out.push((path, text));
            }
        }
    }
    out
}

/// The ids in literal calls `t("…")`, `tr("…", …)` and `fill(lang, "…", …)`, with whether
/// the call takes arguments.
fn calls(text: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for (name, with_args) in [(".t(", false), (".tr(", true), ("fill(lang, ", true)] {
        for chunk in text.split(name).skip(1) {
            let chunk = chunk.trim_start();
            if let Some(rest) = chunk.strip_prefix('"') {
                out.push((rest.split('"').next().unwrap_or("").to_string(), with_args));
            }
        }
    }
    out
}

#[test]
fn every_language_has_every_id() {
    let known: BTreeSet<&str> = Lang::ALL.iter().map(|l| l.tag()).collect();
    let dirs: BTreeSet<&str> = directories().collect();
    assert_eq!(known, dirs, "locales/ must hold one directory per Lang, no more");
    let all: Vec<(Lang, BTreeMap<String, &str>)> = Lang::ALL.iter().map(|l| (*l, ids(*l))).collect();
    let mut problems = Vec::new();
    for (a, a_ids) in &all {
        for (b, b_ids) in &all {
            for (id, file) in a_ids {
                if !b_ids.contains_key(id) {
                    problems.push(format!("{id} ({}/{file}) is missing in {}", a.tag(), b.tag()));
                }
            }
        }
        let names: Vec<&str> = files(*a).iter().map(|(f, _)| *f).collect();
        let zh: Vec<&str> = files(Lang::Zh).iter().map(|(f, _)| *f).collect();
        if names != zh {
            problems.push(format!("{} has the files {names:?}, zh-CN {zh:?}", a.tag()));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_id_the_code_asks_for_exists() {
    let defined = ids(Lang::Zh);
    let mut problems = Vec::new();
    let mut found = 0;
    for (path, text) in sources() {
        for (id, with_args) in calls(&text) {
            found += 1;
            if !defined.contains_key(&id) {
                problems.push(format!("{}: {id} is in no catalogue", path.display()));
                continue;
            }
            for lang in Lang::ALL {
                let plain = CATALOGUE.plain[lang.index()].contains_key(&id);
                if !with_args && !plain {
                    problems.push(format!(
                        "{}: {id} needs arguments in {}: use tr",
                        path.display(),
                        lang.tag()
                    ));
                }
            }
        }
    }
    assert!(found > 500, "the scan found only {found} calls");
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_id_is_used() {
    let sources = sources();
    // A message can use another: `{ commend-revoked }`.
    let catalogue: String = Lang::ALL
        .iter()
        .flat_map(|l| files(*l).iter().map(|(_, text)| *text))
        .collect();
    let mut unused = Vec::new();
    for (id, file) in ids(Lang::Zh) {
        if catalogue.contains(&format!("{{ {id} }}")) {
            continue;
        }
        let literal = format!("\"{id}\"");
        let family = FAMILIES
            .iter()
            .find(|f| id.starts_with(*f))
            .map(|f| format!("\"{f}{{"));
        let used = sources.iter().any(|(_, text)| {
            text.contains(&literal) || family.as_ref().is_some_and(|f| text.contains(f.as_str()))
        });
        if !used {
            unused.push(format!("{id} ({file})"));
        }
    }
    assert!(unused.is_empty(), "ids nothing uses: {unused:#?}");
    for f in FAMILIES {
        let literal = format!("\"{f}{{");
        assert!(
            sources.iter().any(|(_, text)| text.contains(&literal)),
            "the family {f} is declared but no code builds it"
        );
    }
}

#[test]
fn lookups_and_arguments() {
    assert_eq!(Lang::Zh.t("nav-red"), "红榜");
    assert_eq!(Lang::En.t("nav-red"), "Red list");
    assert_eq!(Lang::Zh.t("no-such-id"), "??");
    assert_eq!(Lang::En.t("editions-number-prefix"), "No. ");
    assert_eq!(Lang::En.t("editions-number-suffix"), "");
    assert_eq!(
        Lang::En.tr("reports-days", &[("days", "3.0".into())]),
        "3.0 days",
        "no isolation marks around a variable"
    );
}

#[test]
fn language_tags() {
    assert_eq!(Lang::from_tag("en-GB"), Some(Lang::En));
    assert_eq!(Lang::from_tag("zh-Hans-CN"), Some(Lang::Zh));
    assert_eq!(Lang::from_tag("zh_CN"), Some(Lang::Zh));
    assert_eq!(Lang::from_tag("fr"), None);
    assert_eq!(Lang::from_tag("english"), None);
    assert_eq!(Lang::Zh.code(), "zh");
    assert_eq!(Lang::En.others().collect::<Vec<_>>(), vec![Lang::Zh]);
}
