//! The words the platform stores: who a user is ([`Role`]) and where a consumer complaint is
//! ([`ComplaintState`]), beside the enums the rules already had — [`Severity`],
//! [`InspectionKind`], [`ListStatus`] and [`NoticeState`], re-exported here so that one `use`
//! names them all.
//!
//! Each is an enum whose stored text (in the database, the JSON API and forms) comes from one
//! `strum` attribute: `as_str()` and `Display` give it, `FromStr` reads it back and refuses
//! anything else. The database mapping (TEXT on SQLite and PostgreSQL) lives in `db::words`, so
//! this module stays free of diesel; the words for people (Chinese, English) live with the web
//! and mail layers.

use serde::{Deserialize, Serialize};

pub use super::facts::Severity;
pub use super::notice::NoticeState;
pub use super::rating::{InspectionKind, ListStatus};

/// What a user account may do.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::Display,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Role {
    /// 管理员: users, the audit log, the email outbox, and everything the committee does.
    Admin,
    /// 联盟委员会: the rating policy, list editions, rewards, trainings, commendations.
    Committee,
    /// 检查员: merchants, inspections, violations, notices, complaint triage.
    Inspector,
    /// 商家: its own record only, through the portal.
    Merchant,
}

impl Role {
    /// Every role, in the order forms list them.
    pub const ALL: [Role; 4] = [Role::Admin, Role::Committee, Role::Inspector, Role::Merchant];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Whether this is one of the alliance's staff (inspector, committee, admin): the roles
    /// that never belong to a merchant.
    pub fn is_staff(self) -> bool {
        self != Role::Merchant
    }
}

/// Where a consumer complaint (投诉) is: waiting for triage, or decided.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::Display,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ComplaintState {
    /// Filed, not yet triaged.
    New,
    /// An inspector found it founded: it counts in the merchant's rating.
    Verified,
    /// An inspector found it unfounded: it never counts.
    Dismissed,
}

impl ComplaintState {
    /// Every state, in the order a complaint goes through them.
    pub const ALL: [ComplaintState; 3] = [
        ComplaintState::New,
        ComplaintState::Verified,
        ComplaintState::Dismissed,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    /// The stored text of every word, as the migrations' CHECK constraints spell it.
    #[test]
    fn stored_names_are_the_databases() {
        fn names<T: Copy>(variants: &[T], word: fn(T) -> &'static str) -> String {
            variants.iter().map(|v| word(*v)).collect::<Vec<_>>().join(",")
        }
        assert_eq!(
            names(Role::VARIANTS, Role::as_str),
            "admin,committee,inspector,merchant"
        );
        assert_eq!(
            names(ComplaintState::VARIANTS, ComplaintState::as_str),
            "new,verified,dismissed"
        );
        assert_eq!(
            names(NoticeState::VARIANTS, NoticeState::as_str),
            "issued,emailed,read,answered,verified,overdue"
        );
        assert_eq!(names(ListStatus::VARIANTS, ListStatus::as_str), "none,red,black");
        assert_eq!(
            names(InspectionKind::VARIANTS, InspectionKind::as_str),
            "routine,follow_up,complaint,self_check"
        );
        assert_eq!(names(Severity::VARIANTS, Severity::as_str), "minor,major,serious");
        assert_eq!(Role::ALL.as_slice(), Role::VARIANTS);
        assert_eq!(ComplaintState::ALL.as_slice(), ComplaintState::VARIANTS);
        assert_eq!(NoticeState::ALL.as_slice(), NoticeState::VARIANTS);
        assert_eq!(InspectionKind::ALL.as_slice(), InspectionKind::VARIANTS);
        assert_eq!(Severity::ALL.as_slice(), Severity::VARIANTS);
    }

    #[test]
    fn words_round_trip_and_strangers_are_refused() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
            assert_eq!(r.to_string(), r.as_str());
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        for s in ComplaintState::ALL {
            assert_eq!(s.as_str().parse::<ComplaintState>(), Ok(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        for s in NoticeState::ALL {
            assert_eq!(s.as_str().parse::<NoticeState>(), Ok(s));
        }
        for l in ListStatus::VARIANTS {
            assert_eq!(l.as_str().parse::<ListStatus>(), Ok(*l));
            assert_eq!(serde_json::to_value(l).unwrap(), l.as_str());
        }
        assert!("Admin".parse::<Role>().is_err());
        assert!("staff".parse::<Role>().is_err());
        assert!("closed".parse::<ComplaintState>().is_err());
        assert!("".parse::<ListStatus>().is_err());
        // The Chinese names inspectors type are read too, but never written.
        assert_eq!("严重".parse::<Severity>(), Ok(Severity::Serious));
        assert_eq!(Severity::Serious.as_str(), "serious");
        assert_eq!("复查".parse::<InspectionKind>(), Ok(InspectionKind::FollowUp));
        assert_eq!(InspectionKind::FollowUp.to_string(), "follow_up");
    }
}
