use super::*;
use crate::i18n::Lang;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

fn good() -> MerchantInput {
    MerchantInput {
        name: "老街面馆".into(),
        credit_code: CreditCode::generate(7).as_str().into(),
        category: "餐饮".into(),
        address: "老街 1 号".into(),
        area: "老街".into(),
        ..Default::default()
    }
}

#[test]
fn a_good_merchant_validates_and_is_trimmed() {
    let mut m = good();
    m.name = "  老街面馆 ".into();
    m.email = "shop@example.com".into();
    m.phone = "+86 138-0000-0000".into();
    m.member_since = "2024-03-01".into();
    let v = validate(&m, true, today()).unwrap();
    assert_eq!(v.name, "老街面馆");
    assert_eq!(v.member_since, NaiveDate::from_ymd_opt(2024, 3, 1));
}

#[test]
fn every_bad_field_gets_a_message_in_both_languages() {
    let m = MerchantInput {
        name: "名".repeat(101),
        credit_code: "91330100MA27XXXXX1".into(),
        email: "a@@b".into(),
        phone: "call me".into(),
        member_since: "2024/03/01".into(),
        ..Default::default()
    };
    let errs = validate(&m, true, today()).unwrap_err();
    let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
    for f in [
        "name",
        "credit_code",
        "category",
        "address",
        "area",
        "email",
        "phone",
        "member_since",
    ] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    for lang in Lang::ALL {
        assert!(errs
            .iter()
            .all(|e| !e.render(lang).is_empty() && !e.render(lang).contains("??")));
    }
}

#[test]
fn leaving_comes_after_joining_and_not_after_today() {
    let left = |since: &str, left: &str| {
        let mut m = good();
        m.member_since = since.into();
        m.member_left_on = left.into();
        validate(&m, true, today())
    };
    let ok = left("2024-03-01", "2025-09-15").unwrap();
    assert_eq!(ok.member_left_on, NaiveDate::from_ymd_opt(2025, 9, 15));
    assert!(left("2024-03-01", "2024-03-01").is_ok(), "the day it joined");
    assert!(left("2024-03-01", "2026-11-30").is_ok(), "today");
    assert_eq!(left("2024-03-01", "").unwrap().member_left_on, None);
    for (since, bad, says) in [
        ("2024-03-01", "2024-02-29", "早于入盟日期（2024-03-01）"),
        ("2024-03-01", "2026-12-01", "不能晚于今天"),
        ("", "2025-09-15", "入盟日期"),
        ("2024-03-01", "2025/09/15", "YYYY-MM-DD"),
    ] {
        let errs = left(since, bad).unwrap_err();
        assert_eq!(errs.len(), 1, "{bad}: {errs:?}");
        assert_eq!(errs[0].field, "member_left_on");
        let (zh, en) = (errs[0].render(Lang::Zh), errs[0].render(Lang::En));
        assert!(zh.contains(says) && !en.is_empty(), "{zh}");
    }
    // A bad membership date is reported once, on its own field.
    let errs = left("2024/03/01", "2025-09-15").unwrap_err();
    let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["member_since"]);
}

#[test]
fn emails() {
    for ok in ["a@b.cn", "first.last+tag@mail.example.com"] {
        assert!(email_ok(ok), "{ok}");
    }
    for bad in ["", "a", "a@b", "@b.cn", "a@b.", "a b@c.cn", "a@b@c.cn", "a@.cn"] {
        assert!(!email_ok(bad), "{bad}");
    }
}

#[test]
fn code_may_be_absent_only_when_not_required() {
    let mut m = good();
    m.credit_code.clear();
    assert!(validate(&m, false, today()).is_ok());
    assert_eq!(validate(&m, true, today()).unwrap_err()[0].field, "credit_code");
}

#[test]
fn register_rows_are_checked_one_by_one() {
    let a = CreditCode::generate(1);
    let b = CreditCode::generate(2);
    let csv = format!(
        "name,credit_code,category,address,area\n\
             甲,{a},餐饮,一路,东区\n\
             乙,{a},餐饮,二路,东区\n\
             \"丙\n分店\",{b},餐饮,三路,东区\n\
             丁,BAD,餐饮,四路,东区\n\
             戊,only,two\n"
    );
    let p = parse_register(csv.as_bytes(), today());
    assert_eq!(p.rows, 5);
    assert_eq!(p.good.len(), 2);
    let rows: Vec<u64> = p.problems.iter().map(|x| x.row).collect();
    assert_eq!(rows, vec![3, 6, 7], "{:?}", p.problems);
    let bad_header = parse_register("name,code\n".as_bytes(), today());
    assert!(bad_header.problems.iter().all(|x| x.row == 1));
    assert!(bad_header.problems.len() >= 2);
}
