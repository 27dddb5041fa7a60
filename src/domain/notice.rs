//! The rectification notice (整改通知书) state machine, as pure rules.
//!
//! ```text
//! issued ──email accepted──▶ emailed ──opened──▶ read ──answered──▶ answered ──accepted──▶ verified
//!    │                          │                  ▲                    │
//!    └──────opened / answered───┴──────────────────┘◀──────rejected─────┘
//! any open state ──deadline passed──▶ overdue (answer and verification still possible)
//! ```
//!
//! A notice past its deadline stays `overdue` until it is verified, even while an answer waits for
//! the inspector (the black-list rule reads `overdue`); whether an answer is waiting is the
//! separate fact `pending_answer`.

/// Where a notice is in its life.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::Display,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum NoticeState {
    /// Written and queued for email.
    Issued,
    /// The SMTP server accepted the email.
    Emailed,
    /// The merchant opened it in the portal.
    Read,
    /// The merchant answered; the inspector has not decided yet.
    Answered,
    /// The inspector accepted the rectification: closed.
    Verified,
    /// The deadline passed before verification.
    Overdue,
}

impl NoticeState {
    /// Every state, in lifecycle order.
    pub const ALL: [NoticeState; 6] = [
        NoticeState::Issued,
        NoticeState::Emailed,
        NoticeState::Read,
        NoticeState::Answered,
        NoticeState::Verified,
        NoticeState::Overdue,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }

    /// Whether the notice is still open (not verified).
    pub fn is_open(self) -> bool {
        self != NoticeState::Verified
    }
}

/// Something that happens to a notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The SMTP server accepted the notice's email.
    EmailAccepted,
    /// The merchant opened the notice in the portal.
    Opened,
    /// The merchant answered with what was fixed.
    Answered,
    /// The inspector accepted the answer.
    Accepted,
    /// The inspector rejected the answer; the merchant must try again.
    Rejected,
    /// The deadline passed.
    DeadlinePassed,
}

/// Why an event cannot happen in a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The notice is closed.
    #[error("the notice is already verified and closed")]
    Closed,
    /// The merchant already answered and the inspector has not decided.
    #[error("an answer is already waiting for the inspector's decision")]
    AnswerPending,
    /// There is no answer to decide on.
    #[error("there is no answer waiting for a decision")]
    NothingToDecide,
}

/// The state after `event`, given whether an answer is waiting for a decision. Events that do
/// not move the notice (an email accepted after the merchant already read it) return the same
/// state; events that make no sense are refused.
pub fn apply(state: NoticeState, event: Event, pending_answer: bool) -> Result<NoticeState, Refusal> {
    use NoticeState::*;
    if state == Verified {
        return match event {
            // A late email or a re-read of a closed notice changes nothing.
            Event::EmailAccepted | Event::Opened => Ok(Verified),
            _ => Err(Refusal::Closed),
        };
    }
    Ok(match event {
        Event::EmailAccepted => match state {
            Issued => Emailed,
            s => s,
        },
        Event::Opened => match state {
            Issued | Emailed => Read,
            s => s,
        },
        Event::Answered => {
            if pending_answer || state == Answered {
                return Err(Refusal::AnswerPending);
            }
            match state {
                Overdue => Overdue,
                _ => Answered,
            }
        }
        Event::Accepted => {
            if !pending_answer {
                return Err(Refusal::NothingToDecide);
            }
            Verified
        }
        Event::Rejected => {
            if !pending_answer {
                return Err(Refusal::NothingToDecide);
            }
            match state {
                Overdue => Overdue,
                // The merchant has read it (it answered), so it goes back to `read`.
                _ => Read,
            }
        }
        Event::DeadlinePassed => Overdue,
    })
}

#[cfg(test)]
mod tests {
    use super::NoticeState::*;
    use super::*;

    #[test]
    fn happy_path() {
        let mut s = Issued;
        s = apply(s, Event::EmailAccepted, false).unwrap();
        assert_eq!(s, Emailed);
        s = apply(s, Event::Opened, false).unwrap();
        assert_eq!(s, Read);
        s = apply(s, Event::Answered, false).unwrap();
        assert_eq!(s, Answered);
        s = apply(s, Event::Accepted, true).unwrap();
        assert_eq!(s, Verified);
    }

    #[test]
    fn email_after_read_keeps_read() {
        assert_eq!(apply(Read, Event::EmailAccepted, false), Ok(Read));
        assert_eq!(apply(Issued, Event::Opened, false), Ok(Read));
    }

    #[test]
    fn rejection_goes_back_to_the_merchant() {
        assert_eq!(apply(Answered, Event::Rejected, true), Ok(Read));
        assert_eq!(apply(Overdue, Event::Rejected, true), Ok(Overdue));
    }

    #[test]
    fn one_answer_at_a_time() {
        assert_eq!(
            apply(Answered, Event::Answered, true),
            Err(Refusal::AnswerPending)
        );
        assert_eq!(apply(Overdue, Event::Answered, true), Err(Refusal::AnswerPending));
        assert_eq!(apply(Overdue, Event::Answered, false), Ok(Overdue));
    }

    #[test]
    fn decisions_need_an_answer() {
        assert_eq!(apply(Read, Event::Accepted, false), Err(Refusal::NothingToDecide));
        assert_eq!(apply(Read, Event::Rejected, false), Err(Refusal::NothingToDecide));
        assert_eq!(apply(Overdue, Event::Accepted, true), Ok(Verified));
    }

    #[test]
    fn closed_is_closed() {
        for ev in [
            Event::Answered,
            Event::Accepted,
            Event::Rejected,
            Event::DeadlinePassed,
        ] {
            assert_eq!(apply(Verified, ev, true), Err(Refusal::Closed));
        }
        assert_eq!(apply(Verified, Event::Opened, false), Ok(Verified));
    }

    #[test]
    fn names_round_trip() {
        for s in NoticeState::ALL {
            assert_eq!(NoticeState::parse(s.as_str()), Some(s));
        }
        assert_eq!(NoticeState::parse("closed"), None);
    }
}
