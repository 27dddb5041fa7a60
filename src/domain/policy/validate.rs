//! Validation of a parsed policy file, key by key: every error names the key and the rule it breaks.

use std::collections::{BTreeMap, BTreeSet};

use super::*;

fn invalid(key: &str, problem: impl Into<String>) -> PolicyError {
    PolicyError::Invalid {
        key: key.to_string(),
        problem: problem.into(),
    }
}

/// Converts a points value from the file into tenths, rejecting negatives, more than one decimal
/// place and absurdly large values.
fn tenths(key: &str, v: f64) -> Result<i32, PolicyError> {
    if !v.is_finite() || v < 0.0 {
        return Err(invalid(key, format!("must be a non-negative number, got {v}")));
    }
    let t = v * 10.0;
    let r = t.round();
    if (t - r).abs() > 1e-6 {
        return Err(invalid(
            key,
            format!("at most one decimal place allowed, got {v}"),
        ));
    }
    if r > f64::from(MAX_TENTHS) {
        return Err(invalid(key, format!("too large: {v}")));
    }
    Ok(r as i32)
}

/// Converts a value that must be whole points within `lo..=hi`.
fn whole(key: &str, v: f64, lo: i32, hi: i32) -> Result<i32, PolicyError> {
    if !v.is_finite() || v.fract() != 0.0 || v < f64::from(lo) || v > f64::from(hi) {
        return Err(invalid(
            key,
            format!("must be a whole number between {lo} and {hi}, got {v}"),
        ));
    }
    Ok(v as i32)
}

/// Declared categories or areas: each name 1 to 40 characters, the stored (Chinese) names
/// distinct, at most 200 of them.
fn validate_names(section: &str, names: Vec<raw::Name>) -> Result<Vec<DeclaredName>, PolicyError> {
    if names.len() > 200 {
        return Err(invalid(section, "at most 200 names"));
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(names.len());
    for (i, n) in names.into_iter().enumerate() {
        let key = |f: &str| format!("{section}[{i}].{f}");
        let (zh, en) = (n.name_zh.trim().to_string(), n.name_en.trim().to_string());
        for (f, v) in [("name_zh", &zh), ("name_en", &en)] {
            let count = v.chars().count();
            if count == 0 || count > 40 {
                return Err(invalid(&key(f), "must be 1 to 40 characters"));
            }
        }
        if !seen.insert(zh.clone()) {
            return Err(invalid(&key("name_zh"), format!("duplicate name {zh:?}")));
        }
        out.push(DeclaredName {
            name_zh: zh,
            name_en: en,
        });
    }
    Ok(out)
}

fn validate_commendation(c: raw::Commendation) -> Result<CommendationPolicy, PolicyError> {
    if c.levels.len() > 10 {
        return Err(invalid("commendation.levels", "at most 10 levels"));
    }
    let mut levels = Vec::with_capacity(c.levels.len());
    let mut codes = BTreeSet::new();
    for (i, l) in c.levels.into_iter().enumerate() {
        let key = |f: &str| format!("commendation.levels[{i}].{f}");
        let code = l.code.trim().to_string();
        if code.is_empty()
            || code.len() > 20
            || !code
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
        {
            return Err(invalid(
                &key("code"),
                format!("must be 1 to 20 characters of a-z, 0-9 and _, got {code:?}"),
            ));
        }
        if !codes.insert(code.clone()) {
            return Err(invalid(&key("code"), format!("duplicate code {code:?}")));
        }
        for (f, v) in [("name_zh", &l.name_zh), ("name_en", &l.name_en)] {
            let n = v.trim().chars().count();
            if n == 0 || n > 40 {
                return Err(invalid(&key(f), "must be 1 to 40 characters"));
            }
        }
        if !(1..=5).contains(&l.min_stars) {
            return Err(invalid(
                &key("min_stars"),
                format!("must be between 1 and 5, got {}", l.min_stars),
            ));
        }
        let stars_at = match l.stars_at.as_str() {
            "editions" => StarsAt::Editions,
            "year_end" => StarsAt::YearEnd,
            other => {
                return Err(invalid(
                    &key("stars_at"),
                    format!("must be \"editions\" or \"year_end\", got {other:?}"),
                ))
            }
        };
        if !(0..=366).contains(&l.min_red_editions) {
            return Err(invalid(
                &key("min_red_editions"),
                format!("must be between 0 and 366, got {}", l.min_red_editions),
            ));
        }
        let min_training_tenths = tenths(&key("min_training_hours"), l.min_training_hours)?;
        if min_training_tenths > 10_000 {
            return Err(invalid(&key("min_training_hours"), "must be at most 1000 hours"));
        }
        if !(-1..=1000).contains(&l.max_verified_complaints) {
            return Err(invalid(
                &key("max_verified_complaints"),
                format!(
                    "must be between 0 and 1000, or -1 to switch it off, got {}",
                    l.max_verified_complaints
                ),
            ));
        }
        if !(0..=10_000_000).contains(&l.reward_yuan) {
            return Err(invalid(
                &key("reward_yuan"),
                format!("must be between 0 and 10000000 yuan, got {}", l.reward_yuan),
            ));
        }
        levels.push(CommendationLevel {
            code,
            name_zh: l.name_zh.trim().to_string(),
            name_en: l.name_en.trim().to_string(),
            min_stars: l.min_stars as u8,
            stars_at,
            min_red_editions: l.min_red_editions as u32,
            no_serious_violation: l.no_serious_violation,
            no_overdue_notice: l.no_overdue_notice,
            min_training_tenths,
            member_all_year: l.member_all_year,
            max_verified_complaints: u32::try_from(l.max_verified_complaints).ok(),
            reward_fen: l.reward_yuan * 100,
        });
    }
    Ok(CommendationPolicy {
        levels,
        revoke: RevokeRule {
            on_serious_violation: c.revoke.on_serious_violation,
            on_black_list: c.revoke.on_black_list,
        },
    })
}

/// The violation catalogue: at most 500 entries, codes 1 to 32 characters and unique, titles 1 to
/// 200 characters, a known severity (minor, major, serious), a legal basis of at most 200
/// characters and a typical fine from 0 to 1,000,000 yuan. Errors name the entry by index and code.
fn validate_violation_types(types: Vec<raw::ViolationType>) -> Result<Vec<ViolationType>, PolicyError> {
    if types.len() > 500 {
        return Err(invalid("violation_types", "at most 500 entries"));
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(types.len());
    for (i, t) in types.into_iter().enumerate() {
        let code = t.code.trim().to_string();
        let key = |f: &str| format!("violation_types[{i}] ({code}).{f}");
        let n = code.chars().count();
        if n == 0 || n > 32 {
            return Err(invalid(
                &format!("violation_types[{i}].code"),
                "must be 1 to 32 characters",
            ));
        }
        if !seen.insert(code.clone()) {
            return Err(invalid(&key("code"), format!("duplicate code {code}")));
        }
        let (zh, en) = (t.title_zh.trim().to_string(), t.title_en.trim().to_string());
        for (f, v) in [("title_zh", &zh), ("title_en", &en)] {
            let count = v.chars().count();
            if count == 0 || count > 200 {
                return Err(invalid(&key(f), "must be 1 to 200 characters"));
            }
        }
        let severity = t.severity.trim().parse::<Severity>().map_err(|_| {
            invalid(
                &key("severity"),
                format!("must be minor, major or serious, got {:?}", t.severity),
            )
        })?;
        let legal_basis = t.legal_basis.trim().to_string();
        if legal_basis.chars().count() > 200 {
            return Err(invalid(&key("legal_basis"), "at most 200 characters"));
        }
        if !(0..=1_000_000).contains(&t.typical_fine) {
            return Err(invalid(
                &key("typical_fine"),
                format!("must be 0 to 1000000 yuan, got {}", t.typical_fine),
            ));
        }
        out.push(ViolationType {
            code,
            title_zh: zh,
            title_en: en,
            severity,
            legal_basis,
            typical_fine_yuan: t.typical_fine,
        });
    }
    Ok(out)
}

/// Days of the programme are whole days from 1 to 1095 (three years).
fn programme_days(key: &str, v: i64) -> Result<i64, PolicyError> {
    if (1..=1095).contains(&v) {
        Ok(v)
    } else {
        Err(invalid(key, format!("must be between 1 and 1095 days, got {v}")))
    }
}

fn validate_programme(p: raw::Programme) -> Result<ProgrammePolicy, PolicyError> {
    if p.stars_days.len() != 5 {
        return Err(invalid(
            "programme.stars_days",
            format!("must list 5 intervals, for ★1 to ★5; got {}", p.stars_days.len()),
        ));
    }
    let mut stars_days = [0i64; 5];
    for (i, d) in p.stars_days.iter().enumerate() {
        stars_days[i] = programme_days(&format!("programme.stars_days[{i}]"), *d)?;
        if i > 0 && stars_days[i] < stars_days[i - 1] {
            return Err(invalid(
                &format!("programme.stars_days[{i}]"),
                "more stars cannot mean more frequent inspections: each interval must be at least the one before",
            ));
        }
    }
    let black_list_days = programme_days("programme.black_list_days", p.black_list_days)?;
    if black_list_days > stars_days[0] {
        return Err(invalid(
            "programme.black_list_days",
            "a black-listed merchant cannot wait longer than a ★1 merchant",
        ));
    }
    Ok(ProgrammePolicy {
        black_list_days,
        stars_days,
        unrated_days: programme_days("programme.unrated_days", p.unrated_days)?,
        after_verified_complaint_days: programme_days(
            "programme.after_verified_complaint_days",
            p.after_verified_complaint_days,
        )?,
        after_follow_up_request_days: programme_days(
            "programme.after_follow_up_request_days",
            p.after_follow_up_request_days,
        )?,
    })
}

impl Policy {
    pub(super) fn validate(r: raw::Policy) -> Result<Policy, PolicyError> {
        let version = r.version.trim().to_string();
        if version.is_empty() {
            return Err(invalid("version", "must not be empty"));
        }
        if !(1..=3660).contains(&r.window_days) {
            return Err(invalid(
                "window_days",
                format!("must be between 1 and 3660 days, got {}", r.window_days),
            ));
        }
        let base = match r.score.base.as_str() {
            "mean" => BaseRule::Mean,
            other => return Err(invalid("score.base", format!("must be \"mean\", got {other:?}"))),
        };

        if r.checklist.is_empty() {
            return Err(invalid("checklist", "must have at least one item"));
        }
        let mut checklist = Vec::with_capacity(r.checklist.len());
        let mut codes = BTreeSet::new();
        let mut sum = 0;
        for (i, it) in r.checklist.into_iter().enumerate() {
            let key = |f: &str| format!("checklist[{i}].{f}");
            let code = it.code.trim().to_string();
            if code.is_empty() {
                return Err(invalid(&key("code"), "must not be empty"));
            }
            if !codes.insert(code.clone()) {
                return Err(invalid(&key("code"), format!("duplicate code {code:?}")));
            }
            if it.title_zh.trim().is_empty() {
                return Err(invalid(&key("title_zh"), "must not be empty"));
            }
            if it.title_en.trim().is_empty() {
                return Err(invalid(&key("title_en"), "must not be empty"));
            }
            let points = whole(&key("points"), it.points, 1, 100)?;
            sum += points;
            checklist.push(ChecklistItem {
                code,
                title_zh: it.title_zh.trim().to_string(),
                title_en: it.title_en.trim().to_string(),
                points,
            });
        }
        if sum != 100 {
            return Err(invalid(
                "checklist",
                format!("item points must add up to 100, got {sum}"),
            ));
        }

        let violations = ViolationPoints {
            minor: tenths("violations.minor", r.violations.minor)?,
            major: tenths("violations.major", r.violations.major)?,
            serious: tenths("violations.serious", r.violations.serious)?,
        };
        if !(violations.minor <= violations.major && violations.major <= violations.serious) {
            return Err(invalid(
                "violations",
                "points must not decrease with severity (minor <= major <= serious)",
            ));
        }
        let complaints = ComplaintPoints {
            each: tenths("complaints.points_each", r.complaints.points_each)?,
            cap: tenths("complaints.cap", r.complaints.cap)?,
        };
        let notices = NoticePoints {
            overdue_each: tenths("notices.overdue_points_each", r.notices.overdue_points_each)?,
        };
        let training = TrainingBonus {
            per_hour: tenths("training.bonus_per_hour", r.training.bonus_per_hour)?,
            cap: tenths("training.cap", r.training.cap)?,
        };
        if training.cap > 1000 {
            return Err(invalid("training.cap", "must be at most 100"));
        }

        let th = &r.stars.thresholds;
        let bad_th = || {
            invalid(
                "stars.thresholds",
                format!(
                    "must be 4 strictly descending values between 0 and 100 (one decimal at most), got {th:?}"
                ),
            )
        };
        if th.len() != 4 {
            return Err(bad_th());
        }
        let mut star_thresholds = [0i32; 4];
        for (i, v) in th.iter().enumerate() {
            let t = tenths("stars.thresholds", *v).map_err(|_| bad_th())?;
            if t > 1000 || (i > 0 && t >= star_thresholds[i - 1]) {
                return Err(bad_th());
            }
            star_thresholds[i] = t;
        }

        if !(1..=5).contains(&r.red.min_stars) {
            return Err(invalid(
                "red.min_stars",
                format!("must be between 1 and 5, got {}", r.red.min_stars),
            ));
        }
        let red = RedRule {
            min_stars: r.red.min_stars as u8,
            require_no_violation: r.red.require_no_violation,
            require_no_open_notice: r.red.require_no_open_notice,
            require_alliance_member: r.red.require_alliance_member,
        };
        if !(0..=4).contains(&r.black.max_stars) {
            return Err(invalid(
                "black.max_stars",
                format!("must be between 0 and 4, got {}", r.black.max_stars),
            ));
        }
        if r.black.max_stars >= r.red.min_stars {
            return Err(invalid("black.max_stars", "must be lower than red.min_stars"));
        }
        if !(0..=3660).contains(&r.black.repair.min_stay_days) {
            return Err(invalid(
                "black.repair.min_stay_days",
                format!(
                    "must be between 0 and 3660 days, got {}",
                    r.black.repair.min_stay_days
                ),
            ));
        }
        let black = BlackRule {
            on_serious_violation: r.black.on_serious_violation,
            on_overdue_notice: r.black.on_overdue_notice,
            max_stars: r.black.max_stars as u8,
            repair: RepairRule {
                min_stay_days: r.black.repair.min_stay_days,
                require_follow_up: r.black.repair.require_follow_up,
                follow_up_pass_score: whole(
                    "black.repair.follow_up_pass_score",
                    r.black.repair.follow_up_pass_score,
                    0,
                    100,
                )?,
            },
        };

        let mut disclose_violations = BTreeSet::new();
        for s in &r.disclosure.disclose_violations {
            let sev: Severity = s.trim().parse().map_err(|_| {
                invalid(
                    "disclosure.disclose_violations",
                    format!("unknown severity {s:?} (use \"minor\", \"major\", \"serious\")"),
                )
            })?;
            disclose_violations.insert(sev);
        }

        let mut weights = BTreeMap::new();
        for (code, v) in r.lives.weights {
            let key = format!("lives.weights.{code}");
            if code.trim().is_empty() || code.trim() != code {
                return Err(invalid(&key, "code must be non-empty without spaces"));
            }
            weights.insert(code, whole(&key, v, 0, 100)?);
        }

        let refuse_unknown_codes = match r.lives.unknown_codes.as_deref() {
            None | Some("report") => false,
            Some("refuse") => true,
            Some(_) => return Err(invalid("lives.unknown_codes", "must be \"report\" or \"refuse\"")),
        };

        let commendation = match r.commendation {
            None => CommendationPolicy::default(),
            Some(c) => validate_commendation(c)?,
        };

        let programme = match r.programme {
            None => ProgrammePolicy::default(),
            Some(p) => validate_programme(p)?,
        };

        let categories = validate_names("categories", r.categories)?;
        let areas = validate_names("areas", r.areas)?;
        let violation_types = validate_violation_types(r.violation_types)?;

        Ok(Policy {
            version,
            window_days: r.window_days,
            base,
            checklist,
            violations,
            complaints,
            notices,
            training,
            star_thresholds,
            red,
            black,
            disclose_violations,
            lives: LivesPolicy {
                weights,
                refuse_unknown_codes,
            },
            commendation,
            programme,
            categories,
            areas,
            violation_types,
        })
    }
}
