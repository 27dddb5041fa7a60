//! Passwords and log-in: argon2 hashes, and a growing lock after repeated failures.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::Duration;

use crate::db::models::now_utc;
use crate::db::models::user::User;
use crate::db::DbConn;

/// Failures in a row after which an account is slowed down.
pub const MAX_FAILURES: i32 = 5;

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

/// Why a log-in failed. Unknown user and wrong password look the same to the user.
#[derive(Debug, PartialEq, Eq)]
pub enum LoginError {
    /// Wrong user name or password, or a disabled account.
    BadCredentials,
    /// Too many failures in a row: wait until the lock passes.
    Locked,
}

/// A hash to verify against when the user does not exist, so the response time does not tell
/// which user names exist.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not-a-real-password").unwrap_or_default())
}

/// Checks credentials and records the attempt.
pub fn login(conn: &mut DbConn, username: &str, password: &str) -> anyhow::Result<Result<User, LoginError>> {
    let Some(user) = User::find_by_username(conn, username)? else {
        verify_password(password, dummy_hash());
        return Ok(Err(LoginError::BadCredentials));
    };
    let now = now_utc();
    if user.locked_until.is_some_and(|t| t > now) {
        return Ok(Err(LoginError::Locked));
    }
    if user.active && verify_password(password, &user.password_hash) {
        User::record_login(conn, user.id, true, 0, None)?;
        return Ok(Ok(user));
    }
    let failures = user.failed_logins + 1;
    // From the fifth failure in a row, each further failure doubles the wait: 30 s, 1 min, …
    // capped at 15 minutes.
    let locked_until = (failures >= MAX_FAILURES).then(|| {
        let exp = (failures - MAX_FAILURES).min(5) as u32;
        now + Duration::seconds((30_i64 << exp).min(900))
    });
    User::record_login(conn, user.id, false, failures, locked_until)?;
    Ok(Err(if locked_until.is_some() {
        LoginError::Locked
    } else {
        LoginError::BadCredentials
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_round_trip() {
        let h = hash_password("s3cret-密码").unwrap();
        assert!(h.starts_with("$argon2"));
        assert!(verify_password("s3cret-密码", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not-a-hash"));
    }
}
