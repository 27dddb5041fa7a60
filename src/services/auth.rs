//! Passwords and log-in: argon2 hashes, and the credential check (throttled in `web::throttle`).

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::db::models::user::User;
use crate::db::DbConn;
use crate::i18n::Lang;
use crate::services::problem::Message;

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
}

/// Checks a password against a stored hash; a malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Why a password was refused: too short, built on the user name, or easy to guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeakPassword {
    /// Fewer than [`MIN_PASSWORD_CHARS`] characters.
    TooShort,
    /// Contains the user name (in any letter case).
    ContainsUsername,
    /// A common password, a keyboard walk, a repeated or dictionary word: zxcvbn scores it
    /// below [`MIN_PASSWORD_SCORE`].
    Guessable,
}

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// The lowest zxcvbn score accepted (3: "safely unguessable", about 10^10 guesses).
pub const MIN_PASSWORD_SCORE: u8 = 3;

impl WeakPassword {
    /// What the person is told, rendered by the page (or the CLI) in its language.
    pub fn message(self) -> Message {
        match self {
            WeakPassword::TooShort => {
                Message::tr("errors-password-too-short", &[("min", MIN_PASSWORD_CHARS.into())])
            }
            WeakPassword::ContainsUsername => Message::t("errors-password-contains-username"),
            WeakPassword::Guessable => Message::t("errors-password-guessable"),
        }
    }
}

impl std::fmt::Display for WeakPassword {
    /// The message in English, for the CLI and the logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message().render(Lang::En))
    }
}

/// Checks a new password: at least [`MIN_PASSWORD_CHARS`] characters, not containing the user
/// name, and scored at least [`MIN_PASSWORD_SCORE`] by zxcvbn (which knows common-password lists,
/// dictionary words, keyboard walks, repeats and dates, and is told the user name).
pub fn check_password_strength(password: &str, username: &str) -> Result<(), WeakPassword> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(WeakPassword::TooShort);
    }
    let name = username.trim().to_lowercase();
    if name.chars().count() >= 3 && password.to_lowercase().contains(&name) {
        return Err(WeakPassword::ContainsUsername);
    }
    let score: u8 = zxcvbn::zxcvbn(password, &[username]).score().into();
    if score < MIN_PASSWORD_SCORE {
        return Err(WeakPassword::Guessable);
    }
    Ok(())
}

/// Why a log-in failed. Unknown user and wrong password look the same to the user.
#[derive(Debug, PartialEq, Eq)]
pub enum LoginError {
    /// Wrong user name or password, or a disabled account.
    BadCredentials,
}

/// A hash to verify against when the user does not exist, so the response time does not tell
/// which user names exist.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not-a-real-password").unwrap_or_default())
}

/// Checks credentials and records the attempt. Repeated failures are slowed down by the web
/// layer's throttle, keyed by client address and (address, user name), never by a lock on the
/// account: a lock let anyone shut out anyone, and told which names exist.
/// A failure writes nothing, so a known name costs the same work as an unknown one (both verify
/// one argon2 hash); a success clears `users.failed_logins` and `users.locked_until`, which
/// only the old per-account lock used and which nothing reads any more.
pub fn login(conn: &mut DbConn, username: &str, password: &str) -> anyhow::Result<Result<User, LoginError>> {
    let Some(user) = User::find_by_username(conn, username)? else {
        verify_password(password, dummy_hash());
        return Ok(Err(LoginError::BadCredentials));
    };
    if user.active && verify_password(password, &user.password_hash) {
        User::record_login(conn, user.id, true, 0, None)?;
        return Ok(Ok(user));
    }
    Ok(Err(LoginError::BadCredentials))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_passwords_are_refused() {
        assert_eq!(
            check_password_strength("short", "x.y"),
            Err(WeakPassword::TooShort)
        );
        assert_eq!(
            check_password_strength("aaaaaaaaaa", "x.y"),
            Err(WeakPassword::Guessable)
        );
        assert_eq!(
            check_password_strength("password123", "x.y"),
            Err(WeakPassword::Guessable)
        );
        assert_eq!(
            check_password_strength("1234567890", "x.y"),
            Err(WeakPassword::Guessable)
        );
        assert_eq!(
            check_password_strength("qwertyuiop", "x.y"),
            Err(WeakPassword::Guessable)
        );
        assert_eq!(
            check_password_strength("wang.li-2024!", "wang.li"),
            Err(WeakPassword::ContainsUsername)
        );
        assert_eq!(
            check_password_strength("Wang.Li.Kitchen", "wang.li"),
            Err(WeakPassword::ContainsUsername)
        );
        assert_eq!(
            check_password_strength("teal-otter-91-lantern", "wang.li"),
            Ok(())
        );
        assert_eq!(check_password_strength("豆花店的秘密钥匙2026", "wang.li"), Ok(()));
    }

    #[test]
    fn hash_round_trip() {
        let h = hash_password("s3cret-密码").unwrap();
        assert!(h.starts_with("$argon2"));
        assert!(verify_password("s3cret-密码", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not-a-hash"));
    }
}
