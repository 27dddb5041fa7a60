//! Imports never drop data silently (issue 17): real feeds as published — another encoding,
//! violations without codes, exact duplicate rows, orphan violations, unknown codes, a file cut
//! short — are imported row by row, recognised on re-import, or reported with their line.
//! Run on SQLite, and on PostgreSQL with `TEST_DATABASE_URL`.

mod common;

use std::path::Path;
use std::process::Command;

use common::TestDb;
use diesel::prelude::*;
use gongzhi::db::models::audit::{self, Actor, Verification};
use gongzhi::db::schema::{inspections, merchants, violations};
use gongzhi::domain::policy::{Policy, DEFAULT_POLICY_TOML};

const PASSWORD: &str = "gongzhi-demo";

fn gongzhi(db: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gongzhi"))
        .args(args)
        .env("GONGZHI_DATABASE_URL", db)
        .env("GONGZHI_DEMO", "false")
        .env("GONGZHI_LOG", "error")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn audit_entries(db: &TestDb) -> usize {
    match audit::verify(&mut common::open(db)).unwrap() {
        Verification::Intact { entries } => entries,
        broken => panic!("{broken:?}"),
    }
}

fn counts(db: &TestDb) -> (i64, i64, i64) {
    let mut c = common::open(db);
    (
        merchants::table.count().get_result(&mut c).unwrap(),
        inspections::table.count().get_result(&mut c).unwrap(),
        violations::table.count().get_result(&mut c).unwrap(),
    )
}

/// A copy of a fixture feed in a temporary folder, to change.
fn copy_feed(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(fixture(name)).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.path().join(e.file_name())).unwrap();
    }
    dir
}

#[test]
fn windows_1252_feed_needs_its_encoding_and_then_keeps_every_row() {
    let db = TestDb::new();
    let feed = fixture("lives-windows-1252");
    // Without the option: refused with the line, the likely encoding and the option to use.
    let (code, out, err) = gongzhi(db.url(), &["import", "lives", &feed]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("businesses.csv: line 2")
            && err.contains("looks like windows-1252")
            && err.contains("--encoding windows-1252"),
        "{err}"
    );
    assert_eq!(counts(&db), (0, 0, 0), "nothing of a refused feed is written");

    let report = tempfile::NamedTempFile::new().unwrap();
    let report_path = report.path().to_str().unwrap();
    let (code, out, err) = gongzhi(
        db.url(),
        &[
            "import",
            "lives",
            &feed,
            "--encoding",
            "windows-1252",
            "--report",
            report_path,
        ],
    );
    assert_eq!(code, 0, "{err}");
    // 3 businesses, 3 inspections; 8 violations: 5 without a code on one visit (two pairs of
    // exact duplicates, all kept), 2 on another (one with code 99, which has no weight), and one
    // orphan (no inspection that day), skipped with its line.
    assert!(
        out.contains("imported 3 businesses (3 inspections, 7 violations new)")
            && out.contains("0 inspections and 0 violations already imported")
            && out.contains("1 rows skipped")
            && out.contains("1 violations with unknown codes"),
        "{out}"
    );
    assert!(
        err.contains("skipped violations.csv line 9: no inspection of business W3 on 2024-03-02"),
        "{err}"
    );
    assert!(
        err.contains("violations.csv line 8") && err.contains("\"99\""),
        "{err}"
    );
    let csv = std::fs::read_to_string(report.path()).unwrap();
    assert!(
        csv.starts_with("file,line,kind,reason\n")
            && csv.contains("violations.csv,9,skipped,")
            && csv.contains("violations.csv,8,unknown-code,"),
        "{csv}"
    );
    assert_eq!(counts(&db), (3, 3, 7));
    let mut c = common::open(&db);
    let names: Vec<String> = merchants::table
        .order(merchants::external_id)
        .select(merchants::name)
        .load(&mut c)
        .unwrap();
    assert_eq!(names, ["Café Olé", "Joe’s Diner", "La Niña Cantina"]);
    let descriptions: Vec<String> = violations::table
        .filter(violations::code.eq(""))
        .order(violations::id)
        .select(violations::description)
        .load(&mut c)
        .unwrap();
    assert_eq!(
        descriptions,
        [
            "Hand sink blocked – café kitchen",
            "Hand sink blocked – café kitchen",
            "Walk-in cooler at 45°F, “adjusted”",
            "Hand sink blocked – café kitchen",
            "Walk-in cooler at 45°F, “adjusted”",
        ]
    );
    let entries = audit_entries(&db);

    // Again: nothing new, everything recognised, the same row still skipped.
    let (code, out, err) = gongzhi(db.url(), &["import", "lives", &feed, "--encoding", "cp1252"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("(0 inspections, 0 violations new)")
            && out.contains("3 inspections and 7 violations already imported")
            && out.contains("1 rows skipped"),
        "{out}"
    );
    assert_eq!(counts(&db), (3, 3, 7));
    assert_eq!(audit_entries(&db), entries);

    // One more exact duplicate in the feed is one more violation, and only that.
    let dir = copy_feed("lives-windows-1252");
    let path = dir.path().join("violations.csv");
    let mut v = std::fs::read(&path).unwrap();
    v.extend_from_slice(b"W1,20240105,,Hand sink blocked \x96 caf\xe9 kitchen\r\n");
    std::fs::write(&path, v).unwrap();
    let (code, out, err) = gongzhi(
        db.url(),
        &[
            "import",
            "lives",
            dir.path().to_str().unwrap(),
            "--encoding",
            "windows-1252",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("(0 inspections, 1 violations new)") && out.contains("7 violations already imported"),
        "{out}"
    );
    assert_eq!(counts(&db), (3, 3, 8));
}

#[test]
fn unknown_codes_refused_when_the_policy_says_so() {
    let toml = DEFAULT_POLICY_TOML.replacen(
        "[lives.weights]",
        "[lives]\nunknown_codes = \"refuse\"\n\n[lives.weights]",
        1,
    );
    let policy = Policy::from_toml(&toml).unwrap();
    assert!(policy.lives.refuse_unknown_codes);
    assert!(!Policy::default_policy().lives.refuse_unknown_codes);
    let bad = DEFAULT_POLICY_TOML.replacen(
        "[lives.weights]",
        "[lives]\nunknown_codes = \"ignore\"\n\n[lives.weights]",
        1,
    );
    assert!(Policy::from_toml(&bad)
        .unwrap_err()
        .to_string()
        .contains("lives.unknown_codes"));

    let db = TestDb::new();
    let (code, _, err) = gongzhi(db.url(), &["migrate"]);
    assert_eq!(code, 0, "{err}");
    let mut c = common::open(&db);
    let actor = Actor::system("test");
    let today = chrono::Utc::now().date_naive();
    let dir = Path::new(&fixture("lives-windows-1252")).to_path_buf();
    let enc = gongzhi::import::text::encoding_for("windows-1252");
    let e = gongzhi::services::import::import_lives_dir(
        &mut c,
        &policy,
        &dir,
        enc,
        today,
        &actor,
        &mut |_, _| {},
    )
    .unwrap_err();
    let e = e
        .downcast_ref::<gongzhi::import::ImportError>()
        .expect("a rejection");
    assert_eq!((e.file.as_deref(), e.line), (Some("violations.csv"), 8), "{e}");
    assert!(e.reason.contains("lives.unknown_codes"), "{e}");
    drop(c);
    assert_eq!(counts(&db), (0, 0, 0), "a refused feed writes nothing");
    // In the default "report" mode the same feed imports, reporting the row.
    let mut c = common::open(&db);
    let r = gongzhi::services::import::import_lives_dir(
        &mut c,
        &Policy::default_policy(),
        &dir,
        enc,
        today,
        &actor,
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(r.unknown_codes.len(), 1);
    assert_eq!(r.unknown_codes[0].line, 8);
    assert_eq!(r.violations_created, 7);
}

#[test]
fn a_feed_cut_inside_a_quoted_field_is_refused_with_its_line() {
    let db = TestDb::new();
    let dir = copy_feed("lexington-lives");
    let path = dir.path().join("violations.csv");
    let text = std::fs::read(&path).unwrap();
    // Cut inside the last quoted description.
    let last_quote = text.iter().rposition(|&b| b == b'"').unwrap();
    let cut = &text[..last_quote - 3];
    std::fs::write(&path, cut).unwrap();
    let line = cut.iter().filter(|&&b| b == b'\n').count() + 1;
    let (code, out, err) = gongzhi(db.url(), &["import", "lives", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains(&format!("violations.csv: line {line}")) && err.contains("cut short"),
        "{err}"
    );
    assert_eq!(counts(&db), (0, 0, 0));
}

#[test]
fn gbk_register_needs_its_encoding() {
    let db = TestDb::new();
    let file = fixture("merchants-gbk.csv");
    let (code, out, err) = gongzhi(db.url(), &["import", "merchants", &file]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("line 2") && err.contains("looks like gb18030") && err.contains("--encoding gb18030"),
        "{err}"
    );
    let (code, out, err) = gongzhi(db.url(), &["import", "merchants", &file, "--encoding", "gbk"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("all imported (3 merchants)"), "{out}");
    let mut c = common::open(&db);
    let mut names: Vec<String> = merchants::table.select(merchants::name).load(&mut c).unwrap();
    names.sort();
    assert_eq!(names, ["张记面馆", "老王烧烤", "鑫鑫便利店"]);
    let address: String = merchants::table
        .filter(merchants::name.eq("老王烧烤"))
        .select(merchants::address)
        .first(&mut c)
        .unwrap();
    assert_eq!(address, "河坊街 3 号, 西侧");
    // Again: nothing is written, and every row is reported as registered already, with its line.
    let (code, out, err) = gongzhi(db.url(), &["import", "merchants", &file, "--encoding", "gbk"]);
    assert_eq!(code, 1, "{out}{err}");
    for line in 2..=4 {
        assert!(out.contains(&format!("line {line} [credit_code]")), "{out}");
    }
    assert!(out.contains("已登记"), "{out}");
    let n: i64 = merchants::table.count().get_result(&mut c).unwrap();
    assert_eq!(n, 3);
    // An unknown label is refused with the labels to use.
    let (code, _, err) = gongzhi(db.url(), &["import", "merchants", &file, "--encoding", "klingon"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("unknown encoding") && err.contains("gb18030"),
        "{err}"
    );
}

#[test]
fn fhrs_csv_in_windows_1252_with_quoted_crlf() {
    let db = TestDb::new();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fhrs.csv");
    let mut csv = b"FHRSID,BusinessName,RatingValue,RatingDate,scores.Hygiene,scores.Structural,scores.ConfidenceInManagement\r\n".to_vec();
    csv.extend_from_slice(b"1,\"Caf\xe9\r\nNi\xf1o\",5,2024-01-05,5,5,5\r\n");
    csv.extend_from_slice(b"2,B,7,2024-01-05,5,5,5\r\n");
    std::fs::write(&path, &csv).unwrap();
    let p = path.to_str().unwrap();
    let (code, _, err) = gongzhi(db.url(), &["import", "fhrs", p]);
    assert_eq!(code, 1);
    assert!(
        err.contains("line 2") && err.contains("--encoding windows-1252"),
        "{err}"
    );
    let (code, _, err) = gongzhi(db.url(), &["import", "fhrs", p, "--encoding", "windows-1252"]);
    assert_eq!(code, 1);
    // The bad record is on line 4: the CRLF inside the quoted name is a line too.
    assert!(err.contains("line 4") && err.contains("RatingValue"), "{err}");
    std::fs::write(&path, &csv[..csv.len() - b"2,B,7,2024-01-05,5,5,5\r\n".len()]).unwrap();
    let (code, out, err) = gongzhi(db.url(), &["import", "fhrs", p, "--encoding", "windows-1252"]);
    assert_eq!(code, 0, "{out}{err}");
    let name: String = merchants::table
        .select(merchants::name)
        .first(&mut common::open(&db))
        .unwrap();
    assert_eq!(name, "Café\r\nNiño");
}

#[test]
fn staff_upload_with_an_encoding() {
    let app = common::TestApp::spawn();
    app.login("inspector", PASSWORD);
    let (s, page) = app.get_text("/staff/merchants/import?lang=en");
    assert_eq!(s, 200);
    assert!(
        page.contains("enctype=\"multipart/form-data\"")
            && page.contains(
                "<option value=\"gb18030\">GB18030 / GBK (Simplified Chinese Windows, Excel)</option>"
            ),
        "{page}"
    );
    let csrf = common::extract_csrf(&page).unwrap();
    let data = std::fs::read(fixture("merchants-gbk.csv")).unwrap();
    let post = |encoding: &str, lang: &str| {
        let form = reqwest::blocking::multipart::Form::new()
            .text("csrf", csrf.clone())
            .text("encoding", encoding.to_string())
            .part(
                "file",
                reqwest::blocking::multipart::Part::bytes(data.clone())
                    .file_name("register.csv")
                    .mime_str("text/csv")
                    .unwrap(),
            );
        app.client
            .post(app.url(&format!("/staff/merchants/import/file?lang={lang}")))
            .multipart(form)
            .send()
            .unwrap()
    };
    let before: i64 = merchants::table.count().get_result(&mut *app.conn()).unwrap();
    // As UTF-8: refused in the reader's language, naming the line and the encoding to choose.
    let r = post("utf-8", "zh");
    assert_eq!(r.status().as_u16(), 422);
    let body = r.text().unwrap();
    assert!(
        body.contains("第 2 行不是 UTF-8 文本") && body.contains("gb18030"),
        "{body}"
    );
    let r = post("utf-8", "en");
    assert_eq!(r.status().as_u16(), 422);
    let body = r.text().unwrap();
    assert!(
        body.contains("Line 2 is not UTF-8 text: it looks like gb18030"),
        "{body}"
    );
    let after: i64 = merchants::table.count().get_result(&mut *app.conn()).unwrap();
    assert_eq!(after, before);
    // As GBK: imported.
    let r = post("gbk", "en");
    assert_eq!(r.status().as_u16(), 200);
    let body = r.text().unwrap();
    assert!(body.contains("all imported (3 merchants)"), "{body}");
    let n: i64 = merchants::table
        .filter(merchants::name.eq("老王烧烤"))
        .count()
        .get_result(&mut *app.conn())
        .unwrap();
    assert_eq!(n, 1);
}
