use super::*;

fn policy() -> Policy {
    Policy::from_toml(crate::domain::policy::DEFAULT_POLICY_TOML).expect("default policy")
}

fn input() -> ApplicationInput {
    ApplicationInput {
        name: "新开小面馆".into(),
        credit_code: "91330102MA2H4X7Q52".into(),
        category: "餐饮".into(),
        area: "老街片区".into(),
        address: "老街 1 号".into(),
        contact_name: "李".into(),
        email: "li@example.com".into(),
        phone: "0571-1234".into(),
        accept_charter: "2".into(),
    }
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

#[test]
fn a_good_application_passes_with_its_charter() {
    let v = validate(&input(), &policy(), Some((7, 2)), Lang::En, today()).expect("valid");
    assert_eq!(v.credit_code, "91330102MA2H4X7Q52");
    assert_eq!(v.charter_version_id, Some(7));
}

#[test]
fn email_and_charter_acceptance_are_required() {
    let mut i = input();
    i.email = " ".into();
    i.accept_charter = "1".into();
    let e = validate(&i, &policy(), Some((7, 2)), Lang::Zh, today()).unwrap_err();
    let fields: Vec<_> = e.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["email", "accept_charter"]);
    // Without a charter there is nothing to accept.
    i.email = "li@example.com".into();
    assert!(validate(&i, &policy(), None, Lang::Zh, today()).is_ok());
}

#[test]
fn a_bad_credit_code_gets_the_registers_message() {
    let mut i = input();
    i.credit_code = "91330102MA2H4X7Q53".into();
    let e = validate(&i, &policy(), None, Lang::Zh, today()).unwrap_err();
    assert_eq!(e[0].field, "credit_code");
    assert!(
        e[0].render(Lang::En).contains("check character"),
        "{}",
        e[0].render(Lang::En)
    );
}

#[test]
fn reasons() {
    assert!(check_reason("  ", true).is_err());
    assert_eq!(check_reason("  ", false).unwrap(), "");
    assert!(check_reason(&"x".repeat(REASON_MAX + 1), false).is_err());
}
