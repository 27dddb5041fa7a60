use super::*;

fn with(find: &str, replace: &str) -> Result<Policy, PolicyError> {
    assert!(DEFAULT_POLICY_TOML.contains(find), "{find}");
    Policy::from_toml(&DEFAULT_POLICY_TOML.replacen(find, replace, 1))
}

fn key_of(r: Result<Policy, PolicyError>) -> String {
    match r {
        Err(PolicyError::Invalid { key, .. }) => key,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn default_policy_is_valid() {
    let p = Policy::default_policy();
    assert_eq!(p.version, "2025.1");
    assert_eq!(p.window_days, 365);
    assert_eq!(p.checklist.len(), 10);
    assert_eq!(p.checklist.iter().map(|i| i.points).sum::<i32>(), 100);
    assert_eq!(
        p.violations,
        ViolationPoints {
            minor: 30,
            major: 80,
            serious: 200
        }
    );
    assert_eq!(p.complaints, ComplaintPoints { each: 50, cap: 150 });
    assert_eq!(p.notices.overdue_each, 100);
    assert_eq!(p.training, TrainingBonus { per_hour: 5, cap: 30 });
    assert_eq!(p.star_thresholds, [900, 800, 700, 600]);
    assert_eq!(p.red.min_stars, 5);
    assert_eq!(p.black.max_stars, 1);
    assert_eq!(p.black.repair.min_stay_days, 90);
    assert_eq!(p.black.repair.follow_up_pass_score, 60);
    assert!(p.discloses(Severity::Serious) && p.discloses(Severity::Major));
    assert!(!p.discloses(Severity::Minor));
    assert_eq!(p.lives.weights.len(), 38);
    assert_eq!(p.lives.weights.values().sum::<i32>(), 100);
}

#[test]
fn stars_boundaries() {
    let p = Policy::default_policy();
    assert_eq!(p.stars_for(1000), 5);
    assert_eq!(p.stars_for(900), 5);
    assert_eq!(p.stars_for(899), 4);
    assert_eq!(p.stars_for(800), 4);
    assert_eq!(p.stars_for(799), 3);
    assert_eq!(p.stars_for(700), 3);
    assert_eq!(p.stars_for(600), 2);
    assert_eq!(p.stars_for(599), 1);
    assert_eq!(p.stars_for(0), 1);
}

#[test]
fn thresholds_rejected() {
    for bad in [
        "thresholds = [90, 80, 70]",
        "thresholds = [90, 80, 80, 60]",
        "thresholds = [80, 90, 70, 60]",
        "thresholds = [190, 80, 70, 60]",
        "thresholds = [90, 80, 70, -60]",
        "thresholds = [90.05, 80, 70, 60]",
    ] {
        let e = with("thresholds = [90, 80, 70, 60]", bad).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("stars.thresholds: must be 4 strictly descending values between 0 and 100"),
            "{bad}: {e}"
        );
    }
    let p = with(
        "thresholds = [90, 80, 70, 60]",
        "thresholds = [89.5, 80, 70, 60.5]",
    )
    .unwrap();
    assert_eq!(p.star_thresholds, [895, 800, 700, 605]);
}

#[test]
fn decimals_and_negatives_rejected() {
    let e = with("minor = 3", "minor = 2.55").unwrap_err();
    assert_eq!(
        e.to_string(),
        "violations.minor: at most one decimal place allowed, got 2.55"
    );
    assert_eq!(key_of(with("minor = 3", "minor = -3")), "violations.minor");
    assert_eq!(key_of(with("cap = 15", "cap = -1")), "complaints.cap");
    assert_eq!(
        with("bonus_per_hour = 0.5", "bonus_per_hour = 0.25")
            .unwrap_err()
            .to_string(),
        "training.bonus_per_hour: at most one decimal place allowed, got 0.25"
    );
    let p = with("minor = 3", "minor = 2.5").unwrap();
    assert_eq!(p.violations.minor, 25);
    assert_eq!(key_of(with("serious = 20", "serious = 5")), "violations");
}

#[test]
fn other_keys_rejected() {
    assert_eq!(
        key_of(with("window_days = 365", "window_days = 0")),
        "window_days"
    );
    assert_eq!(key_of(with("version = \"2025.1\"", "version = \" \"")), "version");
    assert_eq!(key_of(with("min_stars = 5", "min_stars = 6")), "red.min_stars");
    assert_eq!(key_of(with("max_stars = 1", "max_stars = 5")), "black.max_stars");
    assert_eq!(
        key_of(with("follow_up_pass_score = 60", "follow_up_pass_score = 60.5")),
        "black.repair.follow_up_pass_score"
    );
    assert_eq!(
        key_of(with("min_stay_days = 90", "min_stay_days = -1")),
        "black.repair.min_stay_days"
    );
    assert_eq!(
        key_of(with("[\"major\", \"serious\"]", "[\"major\", \"grave\"]")),
        "disclosure.disclose_violations"
    );
    assert_eq!(key_of(with("\"7\" = 4", "\"7\" = 4.5")), "lives.weights.7");
    assert_eq!(key_of(with("base = \"mean\"", "base = \"median\"")), "score.base");
    assert_eq!(key_of(with("points = 8", "points = 9")), "checklist");
    assert_eq!(
        key_of(with("code = \"C02\"", "code = \"C01\"")),
        "checklist[1].code"
    );
    assert_eq!(key_of(with("points = 8", "points = 0")), "checklist[0].points");
}

#[test]
fn commendation_section_is_validated() {
    assert_eq!(
        key_of(with("code = \"model\"", "code = \"Model!\"")),
        "commendation.levels[0].code"
    );
    assert_eq!(
        key_of(with("code = \"excellent\"", "code = \"model\"")),
        "commendation.levels[1].code"
    );
    assert_eq!(
        key_of(with("stars_at = \"editions\"", "stars_at = \"weekly\"")),
        "commendation.levels[0].stars_at"
    );
    assert_eq!(
        key_of(with("min_red_editions = 4", "min_red_editions = -1")),
        "commendation.levels[0].min_red_editions"
    );
    assert_eq!(
        key_of(with("min_training_hours = 4", "min_training_hours = 4.25")),
        "commendation.levels[0].min_training_hours"
    );
    assert_eq!(
        key_of(with(
            "max_verified_complaints = 0",
            "max_verified_complaints = -2"
        )),
        "commendation.levels[0].max_verified_complaints"
    );
    assert_eq!(
        key_of(with("reward_yuan = 5000", "reward_yuan = -5")),
        "commendation.levels[0].reward_yuan"
    );
    assert_eq!(
        key_of(with(
            "name_en = \"Model merchant of the year\"",
            "name_en = \" \""
        )),
        "commendation.levels[0].name_en"
    );
    // A policy without the section (as stored before it existed) proposes nobody.
    let start = DEFAULT_POLICY_TOML.find("[commendation]").unwrap();
    let end = DEFAULT_POLICY_TOML.find("# LIVES scheme").unwrap();
    let without = format!("{}{}", &DEFAULT_POLICY_TOML[..start], &DEFAULT_POLICY_TOML[end..]);
    let p = Policy::from_toml(&without).unwrap();
    assert!(p.commendation.levels.is_empty());
    let p = Policy::default_policy();
    assert_eq!(
        p.commendation.level("excellent").map(|(i, l)| (i, l.min_stars)),
        Some((1, 4))
    );
    assert_eq!(p.commendation.levels[1].max_verified_complaints, Some(1));
    assert_eq!(p.commendation.levels[0].min_training_tenths, 40);
}

#[test]
fn unknown_and_missing_keys_are_syntax_errors() {
    let e = with("window_days = 365", "window_days = 365\nwindow_months = 12").unwrap_err();
    match e {
        PolicyError::Syntax(m) => assert!(m.contains("window_months"), "{m}"),
        other => panic!("{other:?}"),
    }
    let e = with("window_days = 365", "").unwrap_err();
    assert!(
        matches!(e, PolicyError::Syntax(ref m) if m.contains("window_days")),
        "{e}"
    );
    assert!(matches!(
        Policy::from_toml("version = "),
        Err(PolicyError::Syntax(_))
    ));
}

#[test]
fn checklist_scoring() {
    let p = Policy::default_policy();
    assert_eq!(p.score_inspection(&[]), Ok(100));
    assert_eq!(p.score_inspection(&[("C03", 14), ("C04", 6)]), Ok(80));
    let all: Vec<(&str, i32)> = p.checklist.iter().map(|i| (i.code.as_str(), i.points)).collect();
    assert_eq!(p.score_inspection(&all), Ok(0));
    assert_eq!(
        p.score_inspection(&[("C03", 15)]),
        Err(ChecklistError::OutOfRange {
            code: "C03".into(),
            points: 15,
            max: 14
        })
    );
    assert!(matches!(
        p.score_inspection(&[("C99", 1)]),
        Err(ChecklistError::UnknownItem(_))
    ));
    assert!(matches!(
        p.score_inspection(&[("C01", 1), ("C01", 1)]),
        Err(ChecklistError::Duplicate(_))
    ));
    assert!(p.score_inspection(&[("C01", -1)]).is_err());
}

#[test]
fn deserialize_validates() {
    #[derive(Deserialize)]
    struct Wrap {
        policy: Policy,
    }
    let nested = format!(
        "[policy]\n{}",
        DEFAULT_POLICY_TOML
            .replace("[score]", "[policy.score]")
            .replace("[[checklist]]", "[[policy.checklist]]")
            .replace("[violations]", "[policy.violations]")
            .replace("[complaints]", "[policy.complaints]")
            .replace("[notices]", "[policy.notices]")
            .replace("[training]", "[policy.training]")
            .replace("[stars]", "[policy.stars]")
            .replace("[red]", "[policy.red]")
            .replace("[black]", "[policy.black]")
            .replace("[black.repair]", "[policy.black.repair]")
            .replace("[disclosure]", "[policy.disclosure]")
            .replace("[lives.weights]", "[policy.lives.weights]")
            .replace("[commendation]", "[policy.commendation]")
            .replace("[[commendation.levels]]", "[[policy.commendation.levels]]")
            .replace("[commendation.revoke]", "[policy.commendation.revoke]")
            .replace("[[violation_types]]", "[[policy.violation_types]]")
    );
    let w: Wrap = toml::from_str(&nested).unwrap();
    assert_eq!(w.policy, Policy::default_policy());
    let bad = nested.replace("window_days = 365", "window_days = 0");
    assert!(toml::from_str::<Wrap>(&bad).is_err());
}

#[test]
fn categories_and_areas_are_optional_and_checked() {
    let p = Policy::default_policy();
    assert!(
        p.categories.is_empty() && p.areas.is_empty(),
        "the shipped policy declares none"
    );
    let body = format!(
        "{DEFAULT_POLICY_TOML}\n[[categories]]\nname_zh = \"餐饮服务\"\nname_en = \"Food service\"\n\n\
         [[areas]]\nname_zh = \"老街片区\"\nname_en = \"Old Street\"\n"
    );
    let p = Policy::from_toml(&body).unwrap();
    assert_eq!(
        p.category("餐饮服务").map(|n| n.name_en.as_str()),
        Some("Food service")
    );
    assert_eq!(p.area("老街片区").map(|n| n.name_en.as_str()), Some("Old Street"));
    assert!(p.category("零售").is_none());
    let twice = format!("{body}\n[[areas]]\nname_zh = \"老街片区\"\nname_en = \"Again\"\n");
    assert_eq!(key_of(Policy::from_toml(&twice)), "areas[1].name_zh");
    let empty = format!("{DEFAULT_POLICY_TOML}\n[[categories]]\nname_zh = \"餐饮\"\nname_en = \" \"\n");
    assert_eq!(key_of(Policy::from_toml(&empty)), "categories[0].name_en");
}

#[test]
fn the_programme_is_read_and_checked() {
    let p = Policy::default_policy();
    assert_eq!(
        p.programme,
        ProgrammePolicy::default(),
        "the file says what a file without it gets"
    );
    let fewer = with(
        "stars_days = [90, 180, 270, 365, 365]",
        "stars_days = [90, 180, 270, 365]",
    );
    assert_eq!(key_of(fewer), "programme.stars_days");
    let worse_more_often = with(
        "stars_days = [90, 180, 270, 365, 365]",
        "stars_days = [90, 180, 270, 365, 200]",
    );
    assert_eq!(key_of(worse_more_often), "programme.stars_days[4]");
    assert_eq!(
        key_of(with("black_list_days = 60", "black_list_days = 120")),
        "programme.black_list_days"
    );
    assert_eq!(
        key_of(with("unrated_days = 30", "unrated_days = 0")),
        "programme.unrated_days"
    );
    assert_eq!(
        key_of(with(
            "after_verified_complaint_days = 14",
            "after_verified_complaint_days = 2000"
        )),
        "programme.after_verified_complaint_days"
    );
    // A policy without the section gets the defaults.
    let start = DEFAULT_POLICY_TOML.find("[programme]").unwrap();
    let end = DEFAULT_POLICY_TOML[start..].find("\n\n").unwrap() + start;
    let without = format!("{}{}", &DEFAULT_POLICY_TOML[..start], &DEFAULT_POLICY_TOML[end..]);
    assert_eq!(
        Policy::from_toml(&without).unwrap().programme,
        ProgrammePolicy::default()
    );
}
