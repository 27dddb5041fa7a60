//! Open data exports: what a consumer downloads, read back with the csv crate and with our own
//! LIVES and FHRS importers, plus the caching headers (ETag / 304).

mod common;

use std::collections::{BTreeMap, HashSet};
use std::process::Command;

use chrono::NaiveDate;
use common::TestApp;
use diesel::prelude::*;
use gongzhi::db::schema::{inspections, merchants, violations};
use gongzhi::domain::fhrs::{fhrs_rating, FhrsScores};
use gongzhi::domain::policy::Policy;

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn header(r: &reqwest::blocking::Response, name: &str) -> String {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

fn download(app: &TestApp, path: &str, content_type: &str) -> Vec<u8> {
    let r = app.get(path);
    assert_eq!(r.status().as_u16(), 200, "{path}");
    assert_eq!(header(&r, "content-type"), content_type, "{path}");
    assert!(
        header(&r, "content-disposition").starts_with("attachment"),
        "{path}: {}",
        header(&r, "content-disposition")
    );
    r.bytes().expect("body").to_vec()
}

fn csv_records(body: &[u8]) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut rdr = csv::Reader::from_reader(body);
    let headers = rdr.headers().unwrap().iter().map(str::to_string).collect();
    let rows = rdr.records().map(|r| r.expect("CSV record")).collect();
    (headers, rows)
}

#[test]
fn merchants_csv_has_every_open_merchant_and_no_contact_details() {
    let app = TestApp::spawn();
    let body = download(&app, "/export/merchants.csv", "text/csv; charset=utf-8");
    assert!(body.starts_with(BOM), "UTF-8 BOM for Excel");
    let (headers, rows) = csv_records(&body[BOM.len()..]);
    assert_eq!(
        headers,
        [
            "id",
            "name",
            "credit_code",
            "category",
            "address",
            "area",
            "alliance_member",
            "stars",
            "score",
            "list",
            "rated_at"
        ]
    );
    assert_eq!(rows.len(), 40);

    type Row = (
        i32,
        String,
        Option<String>,
        String,
        Option<i32>,
        Option<i32>,
        String,
        String,
        String,
        String,
    );
    let db: Vec<Row> = merchants::table
        .order(merchants::id.asc())
        .select((
            merchants::id,
            merchants::name,
            merchants::credit_code,
            merchants::area,
            merchants::current_stars,
            merchants::current_score_tenths,
            merchants::current_list,
            merchants::contact_name,
            merchants::email,
            merchants::phone,
        ))
        .load(&mut app.conn())
        .unwrap();
    assert_eq!(db.len(), 40);
    let text = String::from_utf8(body.clone()).expect("UTF-8");
    let mut rated = 0;
    for ((id, name, code, area, stars, score, list, contact, email, phone), rec) in db.iter().zip(&rows) {
        assert_eq!(rec[0].parse::<i32>().unwrap(), *id);
        assert_eq!(&rec[1], name);
        assert_eq!(&rec[2], code.as_deref().unwrap_or(""));
        assert_eq!(&rec[5], area);
        assert!(&rec[6] == "true" || &rec[6] == "false");
        assert_eq!(&rec[7], stars.map(|s| s.to_string()).unwrap_or_default());
        let expected_score = score
            .map(|t| format!("{:.1}", f64::from(t) / 10.0))
            .unwrap_or_default();
        assert_eq!(&rec[8], expected_score);
        assert_eq!(&rec[9], list);
        if stars.is_some() {
            rated += 1;
            assert!(rec[10].ends_with('Z'), "rated_at in UTC: {}", &rec[10]);
        }
        for private in [contact, email, phone] {
            if !private.is_empty() {
                assert!(!text.contains(private.as_str()), "leaks {private}");
            }
        }
    }
    assert!(rated > 30, "the demo town is mostly rated");
    assert!(text.contains(&db[0].1), "Chinese names survive as UTF-8");

    // An empty database gives the header alone.
    let empty = TestApp::spawn_with(false);
    let body = download(&empty, "/export/merchants.csv", "text/csv; charset=utf-8");
    let (headers, rows) = csv_records(&body[BOM.len()..]);
    assert_eq!((headers.len(), rows.len()), (11, 0));
}

fn unzip_and_parse(body: &[u8]) -> (tempfile::TempDir, gongzhi::import::lives::LivesFeed) {
    let dir = tempfile::tempdir().unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(body)).expect("a zip archive");
    let mut names: Vec<String> = zip.file_names().map(str::to_string).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "businesses.csv",
            "feed_info.csv",
            "inspections.csv",
            "violations.csv"
        ]
    );
    zip.extract(dir.path()).unwrap();
    let feed = gongzhi::import::lives::parse_lives_dir(dir.path()).expect("our LIVES importer reads it");
    (dir, feed)
}

#[test]
fn lives_zip_round_trips_through_the_lives_importer() {
    let app = TestApp::spawn();
    let body = download(&app, "/export/lives.zip", "application/zip");
    let (_dir, feed) = unzip_and_parse(&body);
    // Already deflated, so the server does not gzip it again.
    let r = app
        .client
        .get(app.url("/export/lives.zip"))
        .header("Accept-Encoding", "gzip")
        .send()
        .unwrap();
    // (`identity` keeps the Compress middleware off it; it is taken off again on the way out.)
    assert!(r.headers().get("content-encoding").is_none());
    assert_eq!(r.bytes().unwrap(), body);

    let mut c = app.conn();
    let shops: Vec<(i32, String, String, String)> = merchants::table
        .filter(merchants::status.eq("open"))
        .order(merchants::id.asc())
        .select((
            merchants::id,
            merchants::name,
            merchants::address,
            merchants::area,
        ))
        .load(&mut c)
        .unwrap();
    assert_eq!(feed.businesses.len(), 40);
    for (b, (id, name, address, area)) in feed.businesses.iter().zip(&shops) {
        assert_eq!(b.business_id, id.to_string());
        assert_eq!(&b.name, name);
        assert_eq!(&b.address, address);
        assert_eq!(&b.city, area);
    }

    let visits: Vec<(i32, i32, NaiveDate, String)> = inspections::table
        .order((
            inspections::merchant_id.asc(),
            inspections::inspected_on.asc(),
            inspections::id.asc(),
        ))
        .select((
            inspections::merchant_id,
            inspections::score,
            inspections::inspected_on,
            inspections::kind,
        ))
        .load(&mut c)
        .unwrap();
    assert!(!visits.is_empty());
    assert_eq!(feed.inspections.len(), visits.len());
    for (i, (mid, score, date, kind)) in feed.inspections.iter().zip(&visits) {
        assert_eq!(i.business_id, mid.to_string());
        assert_eq!(i.score, Some(*score));
        assert_eq!(i.date, *date);
        let lives_kind = if kind == "follow_up" {
            "followup"
        } else {
            kind.as_str()
        };
        assert_eq!(i.kind.as_deref(), Some(lives_kind));
    }

    // Only the severities the policy discloses, as on the public record.
    let disclosed: Vec<&str> = Policy::default_policy()
        .disclose_violations
        .iter()
        .map(|s| s.as_str())
        .collect();
    let all: Vec<(i32, NaiveDate, String, String, String)> = violations::table
        .order((
            violations::merchant_id.asc(),
            violations::found_on.asc(),
            violations::id.asc(),
        ))
        .select((
            violations::merchant_id,
            violations::found_on,
            violations::code,
            violations::description,
            violations::severity,
        ))
        .load(&mut c)
        .unwrap();
    let public: Vec<_> = all.iter().filter(|v| disclosed.contains(&v.4.as_str())).collect();
    assert!(
        !public.is_empty() && public.len() < all.len(),
        "the demo has minor violations to hide"
    );
    assert_eq!(feed.violations.len(), public.len());
    for (v, (mid, date, code, description, _)) in feed.violations.iter().zip(public) {
        assert_eq!(
            (&v.business_id, v.date, &v.code, &v.description),
            (&mid.to_string(), *date, code, description)
        );
    }

    let info = feed.feed_info.expect("feed_info.csv");
    assert_eq!(info.feed_date, Some(app.config.today()));
    assert!(!info.feed_version.is_empty() && !info.municipality_name.is_empty());

    // An empty database still gives a well-formed, empty feed.
    let empty = TestApp::spawn_with(false);
    let (_d, feed) = unzip_and_parse(&download(&empty, "/export/lives.zip", "application/zip"));
    assert_eq!(
        (
            feed.businesses.len(),
            feed.inspections.len(),
            feed.violations.len()
        ),
        (0, 0, 0)
    );
}

fn import_fhrs(db_url: &str, file: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_gongzhi"))
        .args(["import", "fhrs", file])
        .env("GONGZHI_DATABASE_URL", db_url)
        .env("GONGZHI_DEMO", "false")
        .env("GONGZHI_LOG", "error")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "import failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// (FHRSID, rating, date, scores, name)
type Published = BTreeMap<i64, (String, Option<NaiveDate>, Option<FhrsScores>, String)>;

fn published(list: &[gongzhi::import::fhrs::FhrsEstablishment]) -> Published {
    list.iter()
        .map(|e| {
            (
                e.fhrs_id,
                (e.rating_value.clone(), e.rating_date, e.scores, e.name.clone()),
            )
        })
        .collect()
}

#[test]
fn fhrs_xml_round_trips_the_imported_fsa_ratings() {
    let app = TestApp::spawn_with(false);
    let fixture = format!("{}/tests/fixtures/FHRS807en-GB.xml", env!("CARGO_MANIFEST_DIR"));
    import_fhrs(app.db.url(), &fixture);

    let body = download(&app, "/export/fhrs.xml", "application/xml; charset=utf-8");
    let exported = gongzhi::import::fhrs::parse_fhrs(&body, &mut |_| {}).expect("our FHRS importer reads it");

    let source = gongzhi::import::fhrs::parse_fhrs_file(std::path::Path::new(&fixture), &mut |_| {}).unwrap();
    let scored: Vec<_> = source
        .iter()
        .filter(|e| e.scores.is_some() && e.rating_date.is_some())
        .cloned()
        .collect();
    assert!(
        !scored.is_empty() && scored.len() < source.len(),
        "the fixture has unscored establishments too"
    );
    // The FSA's published ratings are the ones our rule computes, so the export must match them.
    for e in &scored {
        assert_eq!(
            e.rating_value,
            fhrs_rating(&e.scores.unwrap()).to_string(),
            "{}",
            e.fhrs_id
        );
    }
    assert_eq!(published(&exported), published(&scored));
    let text = String::from_utf8(body).unwrap();
    assert!(
        text.contains(&format!("<ItemCount>{}</ItemCount>", scored.len())),
        "{text}"
    );
    assert!(text.contains(&format!("<ExtractDate>{}</ExtractDate>", app.config.today())));
    let ids: HashSet<i64> = exported.iter().map(|e| e.fhrs_id).collect();
    assert_eq!(ids.len(), exported.len());

    // The demo town has no FHRS inspections: an empty, valid document.
    let demo = TestApp::spawn();
    let body = download(&demo, "/export/fhrs.xml", "application/xml; charset=utf-8");
    assert!(gongzhi::import::fhrs::parse_fhrs(&body, &mut |_| {})
        .unwrap()
        .is_empty());
}

#[test]
fn exports_send_a_strong_etag_and_answer_304_when_it_matches() {
    let app = TestApp::spawn();
    for path in ["/export/merchants.csv", "/export/lives.zip", "/export/fhrs.xml"] {
        let r = app.get(path);
        assert_eq!(r.status().as_u16(), 200);
        assert_eq!(header(&r, "cache-control"), "public, max-age=300", "{path}");
        let etag = header(&r, "etag");
        let body = r.bytes().unwrap();
        assert!(
            etag.starts_with('"') && etag.ends_with('"') && !etag.starts_with("W/"),
            "{path}: {etag}"
        );
        use sha2::Digest;
        assert_eq!(
            etag,
            format!("\"{}\"", hex::encode(sha2::Sha256::digest(&body))),
            "{path}"
        );

        // The same data gives the same bytes, hence the same tag.
        assert_eq!(header(&app.get(path), "etag"), etag, "{path} is deterministic");

        for sent in [
            etag.clone(),
            format!("W/{etag}"),
            format!("\"nope\", {etag}"),
            "*".to_string(),
        ] {
            let r = app
                .client
                .get(app.url(path))
                .header("If-None-Match", &sent)
                .send()
                .unwrap();
            assert_eq!(r.status().as_u16(), 304, "{path} with {sent}");
            assert_eq!(header(&r, "etag"), etag);
            assert_eq!(header(&r, "cache-control"), "public, max-age=300");
            assert!(r.bytes().unwrap().is_empty(), "a 304 has no body");
        }
        let r = app
            .client
            .get(app.url(path))
            .header("If-None-Match", "\"something-else\"")
            .send()
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}: stale tag");
        assert_eq!(r.bytes().unwrap(), body);
    }
}

#[test]
fn a_change_in_the_data_changes_the_etag() {
    let app = TestApp::spawn();
    let before = header(&app.get("/export/merchants.csv"), "etag");
    diesel::update(merchants::table.filter(merchants::id.eq(1)))
        .set(merchants::name.eq("改名后的商家"))
        .execute(&mut app.conn())
        .unwrap();
    let r = app
        .client
        .get(app.url("/export/merchants.csv"))
        .header("If-None-Match", &before)
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_ne!(header(&r, "etag"), before);
    assert!(String::from_utf8(r.bytes().unwrap().to_vec())
        .unwrap()
        .contains("改名后的商家"));
}

#[test]
fn exports_need_no_login_and_are_in_the_openapi_document() {
    let app = TestApp::spawn_with(false);
    let doc: serde_json::Value = app.get("/api/v1/openapi.json").json().unwrap();
    for path in ["/export/merchants.csv", "/export/lives.zip", "/export/fhrs.xml"] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} documented");
        assert_eq!(
            common::client()
                .get(app.url(path))
                .send()
                .unwrap()
                .status()
                .as_u16(),
            200
        );
    }
}
