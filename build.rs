//! Embeds the message catalogues: every `locales/<language>/*.ftl` file becomes a `&'static str`
//! in `$OUT_DIR/locales.rs`, which `src/i18n` includes. A language is one directory; adding or
//! removing a file or a directory needs no change here.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut languages: Vec<_> = std::fs::read_dir(&root)
        .expect("the locales/ directory")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .collect();
    languages.sort_by_key(|e| e.file_name());
    let mut out =
        String::from("/// (language directory, [(file name, contents)]) for every catalogue file.\n");
    out.push_str("pub static SOURCES: &[(&str, &[(&str, &str)])] = &[\n");
    for lang in languages {
        let dir = lang.path();
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .expect("a language directory")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "ftl"))
            .collect();
        files.sort();
        let name = lang.file_name().to_string_lossy().into_owned();
        let _ = writeln!(out, "    ({name:?}, &[");
        for f in files {
            println!("cargo:rerun-if-changed={}", f.display());
            let file = f.file_name().unwrap_or_default().to_string_lossy().into_owned();
            let _ = writeln!(
                out,
                "        ({file:?}, include_str!({:?})),",
                f.display().to_string()
            );
        }
        out.push_str("    ]),\n");
    }
    out.push_str("];\n");
    let target = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("locales.rs");
    std::fs::write(target, out).expect("writing locales.rs");
}
