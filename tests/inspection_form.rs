//! The inspection form made for a phone (issue 16): the violation catalogue of the policy, full
//! marks by default, the warning before a second inspection of a merchant on one day (form and
//! API), and photos (resized, location data removed, shown only to staff and the merchant).

mod common;

use common::web_client::{add_merchant_user, Browser};
use common::TestApp;
use diesel::prelude::*;
use gongzhi::db::schema::{inspection_photos, inspections, violations};
use gongzhi::domain::policy::{Policy, DEFAULT_POLICY_TOML};

/// 老王家常菜馆, whose demo user is `merchant`.
const MERCHANT: i32 = 1;

/// A merchant with no inspection today in the demo, so the first save is not a second one.
fn fresh_merchant(app: &TestApp) -> i32 {
    let today = app.config.today();
    let mut c = app.conn();
    let busy: Vec<i32> = inspections::table
        .filter(inspections::inspected_on.eq(today))
        .select(inspections::merchant_id)
        .load(&mut *c)
        .unwrap();
    (1..100).find(|m| !busy.contains(m)).unwrap()
}

fn inspection_count(app: &TestApp, merchant: i32) -> i64 {
    inspections::table
        .filter(inspections::merchant_id.eq(merchant))
        .count()
        .get_result(&mut *app.conn())
        .unwrap()
}

fn saved_id(r: reqwest::blocking::Response) -> i32 {
    assert_eq!(r.status().as_u16(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    location
        .strip_prefix("/staff/inspections/")
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("unexpected redirect {location}"))
}

fn with_policy(edit: impl FnOnce(&str) -> String) -> Result<Policy, String> {
    Policy::from_toml(&edit(DEFAULT_POLICY_TOML)).map_err(|e| e.to_string())
}

#[test]
fn the_catalogue_is_read_from_the_policy_and_checked_entry_by_entry() {
    let p = Policy::default_policy();
    assert!(p.violation_types.len() >= 12, "a useful default catalogue");
    let fire = p.violation_type("XF-01").expect("fire exits");
    assert_eq!(fire.severity.as_str(), "serious");
    assert!(fire.legal_basis.contains("消防法"));
    assert!(p.violation_types.iter().all(|t| !t.title_en.is_empty()));

    // A duplicate code, an unknown severity, an empty title, a negative fine: each one named.
    let e = with_policy(|s| s.replacen("code = \"SP-02\"", "code = \"SP-01\"", 1)).unwrap_err();
    assert!(
        e.contains("violation_types[1]") && e.contains("duplicate code SP-01"),
        "{e}"
    );
    let e = with_policy(|s| {
        s.replacen(
            "severity = \"minor\"\nlegal_basis",
            "severity = \"grave\"\nlegal_basis",
            1,
        )
    })
    .unwrap_err();
    assert!(
        e.contains("violation_types[") && e.contains("severity") && e.contains("grave"),
        "{e}"
    );
    let e =
        with_policy(|s| s.replacen("title_en = \"Prices not marked\"", "title_en = \"  \"", 1)).unwrap_err();
    assert!(e.contains("(JG-01).title_en"), "{e}");
    let e = with_policy(|s| s.replacen("typical_fine = 50000", "typical_fine = -5", 1)).unwrap_err();
    assert!(e.contains("(SP-02).typical_fine"), "{e}");
    // A policy without a catalogue is fine: violations are then typed.
    let p = with_policy(|s| {
        let start = s.find("[[violation_types]]").unwrap();
        let end = s.find("# Categories (").unwrap();
        format!("{}{}", &s[..start], &s[end..])
    })
    .unwrap();
    assert!(p.violation_types.is_empty());
}

#[test]
fn the_form_opens_for_a_merchant_with_full_marks_and_the_catalogue() {
    let app = TestApp::spawn();
    let inspector = Browser::login(&app, "inspector");
    let (s, form) = inspector.get(&format!("/staff/inspections/new?merchant={MERCHANT}"));
    assert_eq!(s, 200);
    // The merchant by name, its number carried along hidden; today's date; routine checked.
    assert!(form.contains("老王家常菜馆"));
    assert!(form.contains(&format!(
        "type=\"hidden\" name=\"merchant_id\" value=\"{MERCHANT}\""
    )));
    assert!(form.contains(&format!("value=\"{}\"", app.config.today())));
    assert!(form.contains("value=\"routine\" checked"));
    // Full marks: every checklist box is empty with a 0 placeholder (typing 5 gives 5, not 50).
    assert!(form.contains("name=\"d_C01\""));
    assert!(!form.contains("value=\"0\""), "no pre-filled 0");
    assert_eq!(form.matches("placeholder=\"0\"").count(), 10);
    // The catalogue, for the script's search and in each row's list (without the script).
    assert!(form.contains("data-code=\"XF-01\""));
    assert!(form.contains("name=\"v0_type\""));
    assert!(form.contains("<optgroup label=\"严重\">"));
    assert!(form.contains("/static/inspection.js"));
    assert!(form.contains("data-draft-key=\"merchant-1\""));
    // The script is served, and the English form is in English.
    let (s, js) = inspector.get("/static/inspection.js");
    assert_eq!(s, 200);
    assert!(js.contains("localStorage"));
    let (_, en) = inspector.get(&format!("/staff/inspections/new?merchant={MERCHANT}&lang=en"));
    assert!(en.contains("Pick from the violation catalogue"));
    assert!(en.contains("Escape route or emergency exit blocked or locked"));
    // An unknown merchant: the number field again, with a message.
    let (_, form) = inspector.get("/staff/inspections/new?merchant=99999");
    assert!(form.contains("id=\"merchant_id\""));
}

#[test]
fn a_violation_picked_from_the_catalogue_without_the_script_is_filled_in_by_the_server() {
    let app = TestApp::spawn();
    let m = fresh_merchant(&app);
    let today = app.config.today().to_string();
    let inspector = Browser::login(&app, "inspector");
    let csrf = inspector.csrf(&format!("/staff/inspections/new?merchant={m}"));
    let m_s = m.to_string();
    let r = inspector.post(
        "/staff/inspections",
        &[
            ("csrf", &csrf),
            ("merchant_id", &m_s),
            ("inspected_on", &today),
            ("kind", "routine"),
            ("d_C10", "5"),
            ("v0_type", "XF-01"),
            ("v0_code", ""),
            ("v0_severity", ""),
            ("v0_description", ""),
            ("v1_type", "JG-01"),
            ("v1_description", "菜单无价格"),
        ],
    );
    let id = saved_id(r);
    let rows: Vec<(String, String, String, String, i64)> = violations::table
        .filter(violations::inspection_id.eq(id))
        .order(violations::id)
        .select((
            violations::code,
            violations::severity,
            violations::description,
            violations::legal_basis,
            violations::fine_fen,
        ))
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].0, "XF-01");
    assert_eq!(rows[0].1, "serious");
    assert_eq!(rows[0].2, "占用、堵塞、封闭疏散通道或安全出口");
    assert_eq!(rows[0].3, "《中华人民共和国消防法》第二十八条");
    assert_eq!(rows[0].4, 500_000);
    // What the inspector typed wins over the catalogue's words.
    assert_eq!(rows[1].0, "JG-01");
    assert_eq!(rows[1].2, "菜单无价格");
    let score: i32 = inspections::table
        .find(id)
        .select(inspections::score)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(score, 95);
}

#[test]
fn a_second_inspection_on_the_same_day_asks_for_confirmation_and_keeps_the_form() {
    let app = TestApp::spawn();
    let m = fresh_merchant(&app);
    let m_s = m.to_string();
    let today = app.config.today().to_string();
    let inspector = Browser::login(&app, "inspector");
    let csrf = inspector.csrf(&format!("/staff/inspections/new?merchant={m}"));
    let form = |extra: &[(&'static str, &'static str)]| {
        let mut f: Vec<(&str, String)> = vec![
            ("csrf", csrf.clone()),
            ("merchant_id", m_s.clone()),
            ("inspected_on", today.clone()),
            ("kind", "routine".into()),
            ("d_C03", "4".into()),
            ("notes", "晚间复核".into()),
        ];
        f.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        f
    };
    let send = |f: &[(&str, String)]| {
        let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        inspector.post("/staff/inspections", &pairs)
    };
    saved_id(send(&form(&[])));

    // The same again: refused with 409, everything typed kept, the earlier one named.
    let r = send(&form(&[]));
    assert_eq!(r.status().as_u16(), 409);
    let page = r.text().unwrap();
    assert!(page.contains("form-same-day"));
    assert!(page.contains("这家商家当天已有检查记录"));
    assert!(page.contains("由 inspector 记录"), "{page}");
    assert!(page.contains("晚间复核"));
    assert!(page.contains("name=\"d_C03\"") && page.contains("value=\"4\""));
    assert!(page.contains("name=\"confirm_same_day\""));
    let n = inspection_count(&app, m);
    // Confirmed: saved.
    saved_id(send(&form(&[("confirm_same_day", "1")])));
    assert_eq!(inspection_count(&app, m), n + 1);
    // Another day is no second inspection.
    let yesterday = (app.config.today() - chrono::Duration::days(1)).to_string();
    let mut f = form(&[]);
    f.retain(|(k, _)| *k != "inspected_on");
    f.push(("inspected_on", yesterday));
    saved_id(send(&f));
}

fn token(app: &TestApp, user: &str, password: &str) -> String {
    let r = app
        .client
        .post(app.url("/api/v1/tokens"))
        .json(&serde_json::json!({"username": user, "password": password}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 201, "token for {user}");
    let v: serde_json::Value = r.json().unwrap();
    v["token"].as_str().unwrap().to_string()
}

#[test]
fn the_api_refuses_a_second_inspection_on_the_same_day_unless_confirmed() {
    let app = TestApp::spawn();
    let m = fresh_merchant(&app);
    let tok = token(&app, "inspector", "gongzhi-demo");
    let body = |confirm: Option<bool>| {
        let mut b = serde_json::json!({
            "merchant_id": m,
            "inspected_on": app.config.today().to_string(),
            "kind": "routine",
            "deductions": [{"code": "C05", "points": 2}],
        });
        if let Some(c) = confirm {
            b["confirm_same_day"] = serde_json::json!(c);
        }
        b
    };
    let post = |b: serde_json::Value| {
        app.client
            .post(app.url("/api/v1/inspections"))
            .bearer_auth(&tok)
            .json(&b)
            .send()
            .unwrap()
    };
    assert_eq!(post(body(None)).status().as_u16(), 201);
    let r = post(body(None));
    assert_eq!(r.status().as_u16(), 409);
    let v: serde_json::Value = r.json().unwrap();
    assert_eq!(v["error"], "same_day");
    assert!(v["message_en"].as_str().unwrap().contains("confirm_same_day"));
    assert!(v["message_zh"].as_str().unwrap().contains("当天已有检查记录"));
    assert_eq!(v["existing"].as_array().unwrap().len(), 1);
    assert_eq!(v["existing"][0]["inspector"], "inspector");
    assert_eq!(post(body(Some(false))).status().as_u16(), 409);
    let n = inspection_count(&app, m);
    assert_eq!(post(body(Some(true))).status().as_u16(), 201);
    assert_eq!(inspection_count(&app, m), n + 1);
}

/// A JPEG of `w`×`h` pixels with an EXIF block (APP1) that holds a GPS position: the camera's
/// "where was this taken", which must not survive the upload. Built here, nothing downloaded:
/// the pixels by the `image` crate, the APP1 segment by hand (TIFF header, IFD0 with a GPSInfo
/// pointer, a GPS IFD with GPSLatitudeRef "N" and the marker text in a maker note).
fn jpeg_with_gps(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
    let mut plain = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 80)
        .encode_image(&img)
        .unwrap();
    // TIFF, big-endian.
    let mut tiff: Vec<u8> = b"MM\0\x2a\0\0\0\x08".to_vec();
    // IFD0 at 8: one entry, GPSInfo (0x8825) LONG 1 -> offset 26.
    tiff.extend_from_slice(&[0, 1, 0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0]);
    // GPS IFD at 26: GPSLatitudeRef (1) ASCII 2 "N\0"; GPSProcessingMethod (0x1b) UNDEFINED.
    let marker = b"GPS-SECRET 31.2304N 121.4737E";
    let data_at = 26 + 2 + 2 * 12 + 4;
    tiff.extend_from_slice(&[0, 2]);
    tiff.extend_from_slice(&[0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
    tiff.extend_from_slice(&[0, 0x1b, 0, 7, 0, 0, 0, marker.len() as u8, 0, 0, 0, data_at as u8]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    tiff.extend_from_slice(marker);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let len = (app1.len() + 2) as u16;
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&plain[2..]);
    out
}

/// The id of the (first) violation of inspection `id`.
fn first_violation(app: &TestApp, id: i32) -> i32 {
    violations::table
        .filter(violations::inspection_id.eq(id))
        .select(violations::id)
        .first(&mut *app.conn())
        .unwrap()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn photos_are_resized_lose_their_location_and_are_shown_only_to_staff_and_the_merchant() {
    let app = TestApp::spawn();
    let inspector = Browser::login(&app, "inspector");
    let today = app.config.today().to_string();
    let csrf = inspector.csrf(&format!("/staff/inspections/new?merchant={MERCHANT}"));
    let m_s = MERCHANT.to_string();
    let id = saved_id(inspector.post(
        "/staff/inspections",
        &[
            ("csrf", &csrf),
            ("merchant_id", &m_s),
            ("inspected_on", &today),
            ("kind", "routine"),
            ("confirm_same_day", "1"),
            ("v0_type", "XF-01"),
        ],
    ));
    let photo = jpeg_with_gps(2400, 1200);
    assert!(contains(&photo, b"GPS-SECRET") && contains(&photo, b"Exif"));
    image::load_from_memory(&photo).expect("the test photo itself is a readable JPEG");

    let path = format!("/staff/inspections/{id}/photos");
    let r = inspector.upload(&path, &csrf, &[photo.clone(), photo.clone()]);
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        r.headers()["location"],
        format!("/staff/inspections/{id}#photos").as_str()
    );

    let rows: Vec<(i32, String, i32, i32)> = inspection_photos::table
        .filter(inspection_photos::inspection_id.eq(id))
        .select((
            inspection_photos::id,
            inspection_photos::storage_key,
            inspection_photos::width,
            inspection_photos::height,
        ))
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(rows.len(), 2);
    let (pid, key, w, h) = rows[0].clone();
    assert_eq!((w, h), (1600, 800));
    let stored = std::fs::read(app.uploads.path().join(&key)).unwrap();
    assert!(!contains(&stored, b"GPS-SECRET"), "the location is gone");
    assert!(!contains(&stored, b"Exif"), "no EXIF block at all");
    let decoded = image::load_from_memory(&stored).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (1600, 800));
    assert!(stored.len() < photo.len());

    // The inspection page shows them.
    let (_, page) = inspector.get(&format!("/staff/inspections/{id}"));
    assert!(page.contains(&format!("/inspection-photos/{pid}")));
    // Staff and the inspected merchant may see a photo, privately cached.
    let url = app.url(&format!("/inspection-photos/{pid}"));
    let r = inspector.client.get(&url).send().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert!(r.headers()["cache-control"]
        .to_str()
        .unwrap()
        .starts_with("private"));
    assert_eq!(r.bytes().unwrap().as_ref(), stored.as_slice());
    let committee = Browser::login(&app, "committee");
    assert_eq!(committee.get(&format!("/inspection-photos/{pid}")).0, 200);
    let merchant = Browser::login(&app, "merchant");
    assert_eq!(merchant.get(&format!("/inspection-photos/{pid}")).0, 200);
    // The merchant sees them on the notice issued on the inspection, too.
    let tok = token(&app, "inspector", "gongzhi-demo");
    let deadline = (app.config.today() + chrono::Duration::days(7)).to_string();
    let vid = first_violation(&app, id);
    let r = app
        .client
        .post(app.url("/api/v1/notices"))
        .bearer_auth(&tok)
        .json(&serde_json::json!({"inspection_id": id, "violation_ids": [vid],
            "required_actions": "清理安全出口", "deadline": deadline}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let nid = r.json::<serde_json::Value>().unwrap()["id"].as_i64().unwrap();
    let (s, notice) = merchant.get(&format!("/my/notices/{nid}"));
    assert_eq!(s, 200);
    assert!(notice.contains(&format!("/inspection-photos/{pid}")), "{notice}");
    // Another merchant: not found; the public: sign in first; never a 200.
    add_merchant_user(&app, "other-shop", 2, "zh-CN");
    let other = Browser::login(&app, "other-shop");
    assert_eq!(other.get(&format!("/inspection-photos/{pid}")).0, 404);
    let anon = Browser::anonymous(&app);
    let (s, _) = anon.get(&format!("/inspection-photos/{pid}"));
    assert!(s == 401 || s == 403 || s == 404, "public got {s}");
    // Nor may a merchant add photos.
    let r = merchant.upload(&path, "x", std::slice::from_ref(&photo));
    assert_eq!(r.status().as_u16(), 403);
}

#[test]
fn photo_uploads_have_clear_limits() {
    let app = TestApp::spawn();
    let inspector = Browser::login(&app, "inspector");
    let today = app.config.today().to_string();
    let csrf = inspector.csrf(&format!("/staff/inspections/new?merchant={MERCHANT}"));
    let m_s = MERCHANT.to_string();
    let id = saved_id(inspector.post(
        "/staff/inspections",
        &[
            ("csrf", &csrf),
            ("merchant_id", &m_s),
            ("inspected_on", &today),
            ("kind", "routine"),
            ("confirm_same_day", "1"),
        ],
    ));
    let path = format!("/staff/inspections/{id}/photos");
    let small = jpeg_with_gps(64, 48);
    let count = || -> i64 {
        inspection_photos::table
            .filter(inspection_photos::inspection_id.eq(id))
            .count()
            .get_result(&mut *app.conn())
            .unwrap()
    };

    // Not a picture.
    let r = inspector.upload(&path, &csrf, &[b"%PDF-1.4 not a photo".to_vec()]);
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().unwrap().contains("无法读取这张照片"));
    // Nothing chosen.
    let r = inspector.upload(&path, &csrf, &[]);
    assert_eq!(r.status().as_u16(), 422);
    // Nine at once: more than eight.
    let r = inspector.upload(&path, &csrf, &vec![small.clone(); 9]);
    assert_eq!(
        r.status().as_u16(),
        422,
        "nine photos: {:?}",
        r.headers().get("location")
    );
    assert!(r.text().unwrap().contains("最多 8 张"));
    assert_eq!(count(), 0, "nothing stored from refused uploads");
    // Six, then three more: the second is refused, the count stays six; a small photo is not enlarged.
    assert_eq!(
        inspector
            .upload(&path, &csrf, &vec![small.clone(); 6])
            .status()
            .as_u16(),
        303
    );
    assert_eq!(
        inspector
            .upload(&path, &csrf, &vec![small.clone(); 3])
            .status()
            .as_u16(),
        422
    );
    assert_eq!(count(), 6);
    let (w, h): (i32, i32) = inspection_photos::table
        .filter(inspection_photos::inspection_id.eq(id))
        .select((inspection_photos::width, inspection_photos::height))
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!((w, h), (64, 48));
    // Without the form's token: refused.
    let r = inspector.upload(&path, "wrong", std::slice::from_ref(&small));
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().unwrap().contains("表单已过期"));
    // Too large (12 MB is the limit), after the counted ones (the one slow upload).
    let mut big = small.clone();
    big.resize(12 * 1024 * 1024 + 10, 0);
    let r = inspector.upload(&path, &csrf, &[big]);
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().unwrap().contains("照片太大"));
    // An English reader gets the message in English.
    let (_, en) = inspector.get(&format!("/staff/inspections/{id}?lang=en"));
    assert!(en.contains("only staff and the merchant can see them"));

    // A wrong photo: its inspector removes it (row, file and an audit entry); nobody else can.
    let (photo, key): (i32, String) = inspection_photos::table
        .filter(inspection_photos::inspection_id.eq(id))
        .select((inspection_photos::id, inspection_photos::storage_key))
        .first(&mut *app.conn())
        .unwrap();
    let remove = format!("/staff/inspections/{id}/photos/{photo}/remove");
    let (_, page) = inspector.get(&format!("/staff/inspections/{id}"));
    assert!(page.contains(&remove), "the inspector is offered the removal");
    // The administrator may log inspections, but this one is not theirs.
    let admin = Browser::login(&app, "admin");
    let (_, seen) = admin.get(&format!("/staff/inspections/{id}"));
    assert!(!seen.contains(&remove), "not offered to someone else");
    let r = admin.post(&remove, &[("csrf", &admin.csrf("/staff"))]);
    assert_eq!(r.status().as_u16(), 422);
    assert_eq!(count(), 6);
    let r = inspector.post(&remove, &[("csrf", &csrf)]);
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(count(), 5);
    assert!(!app.config.upload_dir.join(&key).exists(), "the file is gone");
    let action: String = gongzhi::db::schema::audit_log::table
        .order(gongzhi::db::schema::audit_log::id.desc())
        .select(gongzhi::db::schema::audit_log::action)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(action, "inspection.photo-removed");
    // Twice, or a photo of another inspection: 404.
    assert_eq!(inspector.post(&remove, &[("csrf", &csrf)]).status().as_u16(), 404);
    let other = format!("/staff/inspections/{}/photos/{photo}/remove", id + 1);
    assert_eq!(inspector.post(&other, &[("csrf", &csrf)]).status().as_u16(), 404);
}
