//! The unified social credit code (统一社会信用代码), GB 32100-2015.
//!
//! Eighteen characters: registration authority (1), entity type (1), administrative area code (6,
//! digits, GB/T 2260), organization code (9, GB 11714, its last character a check character) and a
//! final check character. A typing mistake in any one character changes the check character, so
//! validating it at the edge stops most wrong codes before they reach the database.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The 31 characters a code may use (GB 32100-2015 table: no I, O, Z, S, V), in value order.
pub const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights of positions 1..=17 for the 18th (check) character.
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// Weights of the first 8 characters of the organization code (GB 11714).
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// A validated unified social credit code, always 18 upper-case characters.
///
/// A newtype so that a `CreditCode` in a struct is proof that the check character was verified.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

/// Why a string is not a valid credit code; `services::merchants` words it for
/// forms' field-level errors in the user's language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    /// Not exactly 18 characters after trimming.
    #[error("credit code must be 18 characters, got {0}")]
    Length(usize),
    /// A character outside the 31-character set (I, O, Z, S, V and punctuation are not allowed).
    #[error("character {ch:?} at position {position} is not allowed")]
    Charset {
        /// 1-based position.
        position: usize,
        /// The offending character.
        ch: char,
    },
    /// Positions 3–8 (the administrative area code) must be digits.
    #[error("area code (positions 3-8) must be digits")]
    AreaCode,
    /// The 18th character does not match the one computed from the first 17.
    #[error("check character should be {expected}, got {found}")]
    CheckChar {
        /// Computed check character.
        expected: char,
        /// Character found in position 18.
        found: char,
    },
    /// The organization code's own check character (position 17, GB 11714) is wrong; only reported
    /// by [`CreditCode::parse_strict`].
    #[error("organization code check character should be {expected}, got {found}")]
    OrgCheckChar {
        /// Computed check character.
        expected: char,
        /// Character found in position 17.
        found: char,
    },
}

/// Numeric value of a character in [`CHARSET`], or `None`.
fn value_of(c: u8) -> Option<u32> {
    CHARSET.iter().position(|&x| x == c).map(|p| p as u32)
}

/// Value of a character for the GB 11714 organization-code check: digits 0–9, letters A=10 … Z=35.
fn org_value_of(c: u8) -> u32 {
    match c {
        b'0'..=b'9' => u32::from(c - b'0'),
        b'A'..=b'Z' => u32::from(c - b'A') + 10,
        _ => 0,
    }
}

/// Check character (18th) for the first 17 characters, which must all be in [`CHARSET`].
fn check_char(first17: &[u8]) -> Option<u8> {
    let mut sum = 0u32;
    for (c, w) in first17.iter().zip(WEIGHTS) {
        sum += value_of(*c)? * w;
    }
    let v = (31 - sum % 31) % 31;
    Some(CHARSET[v as usize])
}

/// GB 11714 check character for the first 8 characters of an organization code.
fn org_check_char(first8: &[u8]) -> u8 {
    let sum: u32 = first8
        .iter()
        .zip(ORG_WEIGHTS)
        .map(|(c, w)| org_value_of(*c) * w)
        .sum();
    match 11 - sum % 11 {
        10 => b'X',
        11 => b'0',
        v => b'0' + v as u8,
    }
}

impl CreditCode {
    /// Parse with the standard checks: trims, upper-cases, checks length, charset, numeric area code
    /// and the 18th check character. Same as `FromStr`.
    pub fn parse(s: &str) -> Result<CreditCode, CreditCodeError> {
        let up = s.trim().to_ascii_uppercase();
        let n = up.chars().count();
        if n != 18 {
            return Err(CreditCodeError::Length(n));
        }
        let b = up.as_bytes();
        for (i, ch) in up.chars().enumerate() {
            if !ch.is_ascii() || value_of(ch as u8).is_none() {
                return Err(CreditCodeError::Charset { position: i + 1, ch });
            }
        }
        if !b[2..8].iter().all(u8::is_ascii_digit) {
            return Err(CreditCodeError::AreaCode);
        }
        let expected = check_char(&b[..17]).ok_or(CreditCodeError::Length(n))?;
        if expected != b[17] {
            return Err(CreditCodeError::CheckChar {
                expected: char::from(expected),
                found: char::from(b[17]),
            });
        }
        Ok(CreditCode(up))
    }

    /// Parse and also verify the embedded organization code's check character (GB 11714).
    ///
    /// Kept separate from [`CreditCode::parse`] because the national standard only guarantees the
    /// 18th character; the organization-code check holds for codes derived from an organization
    /// code, and rejecting a real merchant's licence over it would be worse than letting it pass.
    pub fn parse_strict(s: &str) -> Result<CreditCode, CreditCodeError> {
        let code = CreditCode::parse(s)?;
        code.org_check()?;
        Ok(code)
    }

    /// Whether the organization code part (positions 9–17) passes its GB 11714 check.
    pub fn org_code_valid(&self) -> bool {
        self.org_check().is_ok()
    }

    fn org_check(&self) -> Result<(), CreditCodeError> {
        let b = self.0.as_bytes();
        let expected = org_check_char(&b[8..16]);
        if expected == b[16] {
            Ok(())
        } else {
            Err(CreditCodeError::OrgCheckChar {
                expected: char::from(expected),
                found: char::from(b[16]),
            })
        }
    }

    /// The code as a string slice (18 upper-case ASCII characters).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 6-digit administrative area code (positions 3–8), e.g. "330100" for Hangzhou.
    pub fn area_code(&self) -> &str {
        &self.0[2..8]
    }

    /// The 9-character organization code (positions 9–17).
    pub fn organization_code(&self) -> &str {
        &self.0[8..17]
    }

    /// A deterministic, valid code for demo data: "91" (market regulator, enterprise) + "330100"
    /// (Hangzhou) + an 8-digit body derived from `seed` + both check characters. Distinct seeds below
    /// 10^8 give distinct codes.
    pub fn generate(seed: u64) -> CreditCode {
        let body = format!("{:08}", seed % 100_000_000);
        let mut s = Vec::with_capacity(18);
        s.extend_from_slice(b"91330100");
        s.extend_from_slice(body.as_bytes());
        s.push(org_check_char(&s[8..16]));
        // All bytes so far are digits or 'X', which are in CHARSET.
        let check = check_char(&s[..17]).unwrap_or(b'0');
        s.push(check);
        CreditCode(String::from_utf8_lossy(&s).into_owned())
    }
}

impl FromStr for CreditCode {
    type Err = CreditCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CreditCode::parse(s)
    }
}

impl TryFrom<&str> for CreditCode {
    type Error = CreditCodeError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        CreditCode::parse(s)
    }
}

impl TryFrom<String> for CreditCode {
    type Error = CreditCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        CreditCode::parse(&s)
    }
}

impl From<CreditCode> for String {
    fn from(c: CreditCode) -> String {
        c.0
    }
}

impl AsRef<str> for CreditCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Codes published on business licences (both check characters hold).
    const REAL: &[&str] = &[
        "91350100M000100Y43",
        "914403001922038216",
        "91440300708461136T",
        "91110000802100433B",
        "91330100716105852F",
    ];

    #[test]
    fn real_codes_are_valid() {
        for c in REAL {
            let code = CreditCode::parse(c).unwrap();
            assert_eq!(code.as_str(), *c);
            assert!(code.org_code_valid(), "{c}");
            assert!(CreditCode::parse_strict(c).is_ok());
        }
    }

    #[test]
    fn lowercase_and_spaces_accepted() {
        let code: CreditCode = "  91350100m000100y43 \n".parse().unwrap();
        assert_eq!(code.as_str(), "91350100M000100Y43");
        assert_eq!(code.area_code(), "350100");
        assert_eq!(code.organization_code(), "M000100Y4");
        let t = CreditCode::try_from("91440300708461136t").unwrap();
        assert_eq!(t.to_string(), "91440300708461136T");
    }

    #[test]
    fn wrong_check_char() {
        // 911101081020009999 has check character 7, not 9.
        assert_eq!(
            CreditCode::parse("911101081020009999"),
            Err(CreditCodeError::CheckChar {
                expected: '7',
                found: '9'
            })
        );
        assert!(CreditCode::parse("911101081020009997").is_ok());
        // One typo anywhere is caught.
        assert!(CreditCode::parse("91350100M000100Y44").is_err());
        assert!(CreditCode::parse("91350100M000110Y43").is_err());
    }

    #[test]
    fn bad_length_and_charset() {
        assert_eq!(CreditCode::parse(""), Err(CreditCodeError::Length(0)));
        assert_eq!(
            CreditCode::parse("91350100M000100Y4"),
            Err(CreditCodeError::Length(17))
        );
        assert_eq!(
            CreditCode::parse("91350100M00O100Y43"),
            Err(CreditCodeError::Charset {
                position: 12,
                ch: 'O'
            })
        );
        assert!(matches!(
            CreditCode::parse("9135010０M000100Y43"),
            Err(CreditCodeError::Charset { position: 8, .. })
        ));
        assert_eq!(
            CreditCode::parse("9135A100M000100Y43"),
            Err(CreditCodeError::AreaCode)
        );
    }

    #[test]
    fn strict_checks_org_code() {
        // 911101081020009997: 18th char right, org code 102000999 has check 2, not 9.
        assert!(CreditCode::parse("911101081020009997").is_ok());
        assert_eq!(
            CreditCode::parse_strict("911101081020009997"),
            Err(CreditCodeError::OrgCheckChar {
                expected: '2',
                found: '9'
            })
        );
    }

    #[test]
    fn generated_codes_are_valid_and_distinct() {
        let mut seen = std::collections::BTreeSet::new();
        for seed in 0..2000u64 {
            let c = CreditCode::generate(seed * 7919);
            assert!(CreditCode::parse_strict(c.as_str()).is_ok(), "{c}");
            assert!(c.as_str().starts_with("91330100"));
            seen.insert(c);
        }
        assert_eq!(seen.len(), 2000);
        assert_eq!(CreditCode::generate(42), CreditCode::generate(42));
    }

    #[test]
    fn serde_round_trip_validates() {
        let c = CreditCode::parse("91110000802100433B").unwrap();
        let j = serde_json::to_string(&c).unwrap();
        assert_eq!(j, "\"91110000802100433B\"");
        let back: CreditCode = serde_json::from_str(&j).unwrap();
        assert_eq!(back, c);
        assert!(serde_json::from_str::<CreditCode>("\"91110000802100433C\"").is_err());
    }
}
