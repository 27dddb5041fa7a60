//! The module graph that `docs/architecture.md` draws is the one the code has, and it has no
//! cycle: each top-level module (`config`, `domain`, `db`, …) may use only the modules drawn
//! below it. The test reads the sources (not their comments) and the document; it fails on an arrow the code has and the
//! drawing lacks, on an arrow drawn that the code no longer has, and on any cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The crate's top-level modules: the files and folders of `src/` but the crate root and binary.
fn top_modules(src: &Path) -> BTreeSet<String> {
    std::fs::read_dir(src)
        .unwrap()
        .filter_map(|e| {
            let p = e.unwrap().path();
            let name = p.file_stem()?.to_str()?.to_string();
            let is_module = p.is_dir() || p.extension().is_some_and(|x| x == "rs");
            (is_module && !["lib", "main", "layers"].contains(&name.as_str())).then_some(name)
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Which top-level modules each module names as `crate::<module>` (in `use` lines and paths).
fn code_graph(src: &Path) -> Graph {
    let modules = top_modules(src);
    let mut graph = Graph::new();
    for m in &modules {
        let mut files = Vec::new();
        let dir = src.join(m);
        if dir.is_dir() {
            rust_files(&dir, &mut files);
        } else {
            files.push(src.join(format!("{m}.rs")));
        }
        let uses = graph.entry(m.clone()).or_default();
        for f in files {
            let source = std::fs::read_to_string(&f).unwrap();
            // Comments may name any module (a doc link is not an arrow).
            let text: String = source
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            assert!(
                !text.contains("use crate::{"),
                "{}: name crate modules one by one",
                f.display()
            );
            for (i, _) in text.match_indices("crate::") {
                // `$crate::` in a macro is the macro's own crate, not an arrow.
                if text[..i].ends_with('$') {
                    continue;
                }
                let rest = &text[i + "crate::".len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if modules.contains(&name) && &name != m {
                    uses.insert(name);
                }
            }
        }
    }
    graph
}

/// The arrows `a --> b` of the mermaid block that follows the marker in the document.
fn drawn_graph(doc: &str) -> Graph {
    let start = doc
        .find("<!-- module graph")
        .expect("docs/architecture.md has the module graph marker");
    let block = &doc[start..];
    let block = &block[block
        .find("```mermaid")
        .expect("a mermaid block after the marker")..];
    let block = &block[..block[3..].find("```").expect("the block ends") + 3];
    let mut graph = Graph::new();
    for line in block.lines() {
        let Some((a, b)) = line.split_once("-->") else {
            continue;
        };
        let id = |s: &str| s.trim().split(['[', '(', ' ']).next().unwrap_or("").to_string();
        graph.entry(id(a)).or_default().insert(id(b));
        graph.entry(id(b)).or_default();
    }
    graph
}

fn cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(g: &Graph, n: &str, path: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == n) {
            return Some(path[i..].to_vec());
        }
        if done.contains(n) {
            return None;
        }
        path.push(n.to_string());
        for m in g.get(n).into_iter().flatten() {
            if let Some(c) = visit(g, m, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(graph, n, &mut Vec::new(), &mut done))
}

fn edges(g: &Graph) -> BTreeSet<(String, String)> {
    g.iter()
        .flat_map(|(a, bs)| bs.iter().map(move |b| (a.clone(), b.clone())))
        .collect()
}

#[test]
fn the_drawn_module_graph_is_the_code_and_has_no_cycle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let code = code_graph(&root.join("src"));
    let doc = std::fs::read_to_string(root.join("docs/architecture.md")).unwrap();
    let drawn = drawn_graph(&doc);
    let (code_edges, drawn_edges) = (edges(&code), edges(&drawn));
    let undrawn: Vec<_> = code_edges.difference(&drawn_edges).collect();
    let stale: Vec<_> = drawn_edges.difference(&code_edges).collect();
    assert!(
        undrawn.is_empty(),
        "arrows in the code, not in docs/architecture.md: {undrawn:?}"
    );
    assert!(
        stale.is_empty(),
        "arrows drawn in docs/architecture.md that the code lacks: {stale:?}"
    );
    let modules: BTreeSet<_> = code.keys().cloned().collect();
    let drawn_modules: BTreeSet<_> = drawn.keys().cloned().collect();
    assert_eq!(
        modules, drawn_modules,
        "every top-level module is drawn, and nothing else"
    );
    assert_eq!(cycle(&code), None, "the modules form a cycle");
}

#[test]
fn a_cycle_and_a_missing_arrow_are_found() {
    let g: Graph = [
        ("web".to_string(), BTreeSet::from(["services".to_string()])),
        ("services".to_string(), BTreeSet::from(["web".to_string()])),
    ]
    .into();
    assert_eq!(cycle(&g), Some(vec!["services".to_string(), "web".to_string()]));
    let doc = "<!-- module graph -->\n```mermaid\ngraph TD\n  web[web: HTTP] --> services\n```\n";
    let drawn = drawn_graph(doc);
    assert_eq!(cycle(&drawn), None);
    assert_eq!(
        edges(&g).difference(&edges(&drawn)).collect::<Vec<_>>(),
        vec![&("services".to_string(), "web".to_string())]
    );
}
