//! An English page shows no Chinese, apart from names and text that people typed.
//!
//! A visitor who chose English crawls the public site from the home page, following every link
//! on every page (and a few pages that are reached by a form, not a link). On each HTML page,
//! every text node and every attribute a reader meets (`title`, `aria-label`, `alt`,
//! `placeholder`, button values) must be free of Chinese, except inside an element marked
//! `translate="no"` (the convention for names, addresses and what people typed: the HTML
//! standard's "do not translate this") or `lang="zh…"` (the switch to Chinese, which says 中文).

mod common;

use std::collections::{BTreeSet, VecDeque};

use common::TestApp;
use scraper::{ElementRef, Html, Node};

/// Chinese characters and the full-width punctuation that goes with them.
fn is_chinese(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{303f}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}')
}

/// Attributes a reader meets: spoken by screen readers, shown on hover, or shown in a field.
const READ_ATTRIBUTES: &[&str] = &["title", "aria-label", "alt", "placeholder", "aria-description"];

/// The Chinese a reader of `el` meets, as snippets, outside `translate="no"` and `lang="zh…"`.
fn chinese_in(el: ElementRef, out: &mut Vec<String>) {
    let e = el.value();
    if e.attr("translate") == Some("no") || e.attr("lang").is_some_and(|l| l.starts_with("zh")) {
        return;
    }
    if matches!(e.name(), "script" | "style") {
        return;
    }
    let mut attrs: Vec<&str> = READ_ATTRIBUTES.iter().filter_map(|a| e.attr(a)).collect();
    if e.name() == "input" && matches!(e.attr("type"), Some("submit" | "button")) {
        attrs.extend(e.attr("value"));
    }
    if e.name() == "meta" && e.attr("name") == Some("description") {
        attrs.extend(e.attr("content"));
    }
    for a in attrs {
        if a.chars().any(is_chinese) {
            out.push(format!("<{} …=\"{a}\">", e.name()));
        }
    }
    for child in el.children() {
        match child.value() {
            Node::Text(t) if t.chars().any(is_chinese) => {
                out.push(format!("<{}>{}", e.name(), t.trim()));
            }
            Node::Element(_) => chinese_in(ElementRef::wrap(child).expect("an element"), out),
            _ => {}
        }
    }
}

/// The texts a page marks as data (`translate="no"`): names, addresses, what people typed.
fn data_texts(root: ElementRef) -> Vec<String> {
    let marked = scraper::Selector::parse("[translate=no]").expect("a selector");
    let mut v: Vec<String> = root
        .select(&marked)
        .map(|e| e.text().collect::<String>().trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    // The longest first, so a name is removed before a shorter name inside it.
    v.sort_by_key(|t| std::cmp::Reverse(t.chars().count()));
    v
}

/// Where a link leads, as a path and query on this site, or `None` when it is not a public page
/// to crawl (another site, a download, the staff side, a language switch, a fragment).
fn crawlable(base: &str, href: &str) -> Option<String> {
    let href = href.split('#').next().unwrap_or_default();
    let path = if let Some(rest) = href.strip_prefix(base) {
        rest.to_string()
    } else if href.starts_with('/') && !href.starts_with("//") {
        href.to_string()
    } else {
        return None;
    };
    if path.is_empty() {
        return Some("/".into());
    }
    let p = path.split('?').next().unwrap_or_default();
    let private = [
        "/staff",
        "/my",
        "/account",
        "/admin",
        "/logout",
        "/committee",
        "/notices",
        "/inspections",
    ];
    let files = [
        "/static/", "/api/", "/export", ".csv", ".zip", ".xml", ".json", ".svg", ".png",
    ];
    if private.iter().any(|x| p.starts_with(x))
        || files.iter().any(|x| p.contains(x))
        || path.contains("lang=")
        || path.contains("/photos/")
    {
        return None;
    }
    Some(path)
}

/// How many pages of one shape (digits replaced) are visited: enough to meet every kind of
/// merchant, edition and list page without reading all forty records four times.
const PER_SHAPE: usize = 12;

#[test]
fn no_chinese_on_any_english_public_page() {
    let app = TestApp::spawn();
    let client = common::client();
    // Choose English once, as a visitor does with the switch; the cookie keeps it.
    let r = client.get(app.url("/?lang=en")).send().expect("home");
    assert_eq!(r.status().as_u16(), 200);

    let seeds = [
        "/",
        "/search?q=%E9%9D%A2",
        "/search?q=zzzz-nothing",
        "/complaints/new?merchant=14",
        "/lists/black?page=999",
        "/no-such-page",
        "/merchants/999999",
        "/complaints/status",
        "/complaints/status?ref=TS-NOTHING1",
        "/complaints/thanks?merchant=14",
    ];
    let mut queue: VecDeque<String> = seeds.iter().map(|s| s.to_string()).collect();
    // The plaque check is reached by scanning the plaque's QR code, not by a link: take the
    // address each plaque prints, for a black-listed, a red-listed and an unlisted merchant.
    let printed = scraper::Selector::parse(".plaque-url").expect("a selector");
    for id in [14, 1, 5] {
        let page = client
            .get(app.url(&format!("/merchants/{id}/plaque")))
            .send()
            .unwrap()
            .text()
            .unwrap();
        let doc = Html::parse_document(&page);
        let url = doc
            .select(&printed)
            .next()
            .expect("the printed address")
            .text()
            .collect::<String>();
        let url = url::Url::parse(url.trim()).expect("an address");
        queue.push_back(format!("{}?{}", url.path(), url.query().unwrap_or_default()));
    }
    let mut seen: BTreeSet<String> = queue.iter().cloned().collect();
    let mut shapes: std::collections::HashMap<String, usize> = Default::default();
    let mut problems = Vec::new();
    let mut pages = 0;
    while let Some(path) = queue.pop_front() {
        let shape: String = path
            .chars()
            .map(|c| if c.is_ascii_digit() { '0' } else { c })
            .collect();
        let n = shapes.entry(shape).or_default();
        *n += 1;
        if *n > PER_SHAPE {
            continue;
        }
        let r = client
            .get(app.url(&path))
            .send()
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let status = r.status().as_u16();
        assert!(status < 500, "GET {path} answered {status}");
        let html = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"));
        if !html {
            continue;
        }
        pages += 1;
        let body = r.text().expect("a body");
        let doc = Html::parse_document(&body);
        let root = doc.root_element();
        assert_eq!(
            root.value().attr("lang"),
            Some("en"),
            "{path} is not marked English"
        );
        let mut found = Vec::new();
        chinese_in(root, &mut found);
        // The title cannot mark the name in it: a name that the page marks elsewhere is data.
        let data = data_texts(root);
        found.retain(|f| {
            data.iter()
                .fold(f.clone(), |f, d| f.replace(d, ""))
                .chars()
                .any(is_chinese)
        });
        if !found.is_empty() {
            problems.push(format!("{path}:\n    {}", found.join("\n    ")));
        }
        let links = scraper::Selector::parse("a[href]").expect("a selector");
        for a in doc.select(&links) {
            if let Some(next) = a.value().attr("href").and_then(|h| crawlable(&app.base, h)) {
                if seen.insert(next.clone()) {
                    queue.push_back(next);
                }
            }
        }
    }
    assert!(pages >= 100, "the crawl met only {pages} pages");
    eprintln!("{pages} English pages read");
    assert!(
        problems.is_empty(),
        "Chinese on {} English page(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_check_sees_chinese_where_there_is_some() {
    let page = Html::parse_document(
        "<html lang=en><body><p translate=no>老王</p><a lang=zh-CN>中文</a>\
         <p>Rated <span title=\"三星\">3</span></p><p>黑榜</p></body></html>",
    );
    let mut found = Vec::new();
    chinese_in(page.root_element(), &mut found);
    assert_eq!(
        found,
        vec!["<span …=\"三星\">".to_string(), "<p>黑榜".to_string()]
    );
}
