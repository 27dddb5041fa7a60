//! The committee's Markdown — the charter (盟约) and bulletins (政策宣传) — as safe HTML for pages
//! and emails, and as plain text for the text part of an email.
//!
//! `pulldown-cmark` turns CommonMark (with tables and strikethrough) into HTML; `ammonia` then keeps
//! only harmless tags and attributes: no scripts, styles, event handlers, `javascript:` links or
//! raw HTML that could break the page. Links open as ordinary links with `rel="noopener noreferrer"`.
//! Images are dropped (the content security policy would block outside images anyway, and a
//! bulletin's file goes as its attachment).

use std::collections::HashSet;

use pulldown_cmark::{html, Event, Options, Parser, Tag, TagEnd};

/// Longest Markdown text accepted (characters); longer is refused at the form.
pub const MAX_CHARS: usize = 20_000;

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

/// `md` as sanitised HTML, ready to put in a page unescaped (`|safe`).
pub fn to_html(md: &str) -> String {
    let parser = Parser::new_ext(md, options());
    let mut raw = String::with_capacity(md.len() * 3 / 2);
    html::push_html(&mut raw, parser);
    let tags: HashSet<&str> = [
        "p",
        "br",
        "hr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "strong",
        "em",
        "del",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    ]
    .into_iter()
    .collect();
    ammonia::Builder::default()
        .tags(tags)
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer"))
        .clean(&raw)
        .to_string()
}

/// `md` as plain text for the text part of an email: the words without the marks, a blank line
/// between blocks, list items on lines of their own beginning with "- ", and a link's address in
/// brackets after its words.
pub fn to_text(md: &str) -> String {
    let mut out = String::with_capacity(md.len());
    let mut link: Vec<String> = Vec::new();
    for event in Parser::new_ext(md, options()) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push('\n'),
            Event::Start(Tag::Item) => out.push_str("- "),
            Event::Start(Tag::Link { dest_url, .. }) => link.push(dest_url.to_string()),
            Event::End(TagEnd::Link) => {
                if let Some(url) = link.pop() {
                    out.push_str(&format!(" ({url})"));
                }
            }
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::CodeBlock)
            | Event::End(TagEnd::BlockQuote(_))
            | Event::End(TagEnd::Table) => out.push_str("\n\n"),
            Event::End(TagEnd::Item) | Event::End(TagEnd::TableRow) => out.push('\n'),
            Event::End(TagEnd::TableCell) => out.push('\t'),
            Event::Rule => out.push_str("----\n\n"),
            _ => {}
        }
    }
    let mut text = out.trim_end().to_string();
    while text.contains("\n\n\n") {
        text = text.replace("\n\n\n", "\n\n");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_html() {
        let h = to_html("# 盟约\n\n第一条 **诚信经营**。\n\n- 明码标价\n- 亮证经营\n");
        assert!(h.contains("<h1>盟约</h1>"), "{h}");
        assert!(h.contains("<strong>诚信经营</strong>"), "{h}");
        assert!(h.contains("<li>明码标价</li>"), "{h}");
    }

    #[test]
    fn scripts_handlers_and_javascript_links_are_removed() {
        let h = to_html(
            "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n[x](javascript:alert(3)) \
             <a href=\"https://example.org\" onclick=\"alert(4)\">ok</a>\n\n<style>p{}</style>",
        );
        for bad in [
            "<script",
            "alert(1)",
            "onerror",
            "javascript:",
            "onclick",
            "<img",
            "<style",
        ] {
            assert!(!h.contains(bad), "{bad} in {h}");
        }
        assert!(h.contains("href=\"https://example.org\""), "{h}");
        assert!(h.contains("rel=\"noopener noreferrer\""), "{h}");
    }

    #[test]
    fn text_keeps_words_lists_and_link_addresses() {
        let t = to_text("# 标题\n\n请 **按时** 参加 [培训](https://example.org/t)。\n\n- 一\n- 二\n");
        assert_eq!(
            t,
            "标题\n\n请 按时 参加 培训 (https://example.org/t)。\n\n- 一\n- 二"
        );
    }
}
