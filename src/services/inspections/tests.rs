use super::*;

fn draft() -> Draft {
    Draft {
        merchant_id: "1".into(),
        inspected_on: "2026-03-01".into(),
        kind: "routine".into(),
        deductions: vec![DraftDeduction {
            code: "C01".into(),
            points: "3".into(),
        }],
        violations: vec![],
        notes: String::new(),
    }
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
}

#[test]
fn yuan_is_parsed_exactly() {
    assert_eq!(parse_fine("200.50"), Ok(20050));
    assert_eq!(parse_fine(""), Ok(0));
    assert_eq!(parse_fine("12.345"), Err(MoneyError::TooManyDecimals));
    assert_eq!(parse_fine("12."), Err(MoneyError::NotANumber));
    assert_eq!(parse_fine("99999999999"), Err(MoneyError::TooLarge));
}

#[test]
fn a_good_draft_is_scored() {
    let p = Policy::default_policy();
    let v = validate(&draft(), &p, today()).unwrap();
    assert_eq!(v.score, 97);
    assert_eq!(v.deductions, vec![("C01".to_string(), 3)]);
}

#[test]
fn a_huge_deduction_is_out_of_range_not_a_non_number() {
    let p = Policy::default_policy();
    let mut d = draft();
    d.deductions[0].points = "99999999999".into();
    let problems = validate(&d, &p, today()).unwrap_err();
    assert_eq!(problems[0].field, "deductions[0].points");
    let zh = problems[0].render(crate::i18n::Lang::Zh);
    assert!(zh.contains("0 到 8"), "{zh}");
}

#[test]
fn every_problem_is_reported() {
    let p = Policy::default_policy();
    let mut d = draft();
    d.inspected_on = "2026-03-03".into();
    d.kind = "weekly".into();
    d.deductions.push(DraftDeduction {
        code: "C02".into(),
        points: "11".into(),
    });
    d.deductions.push(DraftDeduction {
        code: "X99".into(),
        points: "1".into(),
    });
    d.violations.push(DraftViolation {
        row: 0,
        id: None,
        code: "V1".into(),
        severity: "huge".into(),
        description: "x".into(),
        legal_basis: String::new(),
        fine: Fine::Yuan("12.345".into()),
    });
    let problems = validate(&d, &p, today()).unwrap_err();
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "inspected_on",
            "kind",
            "deductions[1].points",
            "deductions[2].code",
            "violations[0].severity",
            "violations[0].fine"
        ]
    );
}
