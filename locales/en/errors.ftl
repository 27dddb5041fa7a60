## errors: why a service refused a request, as the person is told (the error enums' message())

# Passwords ($min: the shortest password accepted)
errors-password-too-short = The password must be at least { $min } characters.
errors-password-contains-username = The password must not contain the user name.
errors-password-guessable = The password is too easy to guess (a common password, repeated characters, a keyboard pattern or a word). Use a longer, less regular one, such as a few unrelated words with digits.

# The annual commendation
errors-commendation-bad-year = The year must be between 2000 and this year.
errors-commendation-year-not-over = The year is not over yet: a year's commendation is decided in the following year.
errors-commendation-already-decided = The commendation of this year has been decided and can no longer change.
errors-commendation-no-rule = The rating policy in force has no commendation levels ([commendation] in policy.toml).
errors-commendation-nobody = There is no merchant to commend: add one first.
errors-commendation-no-merchant = No such merchant.
errors-commendation-unknown-level = No such commendation level.
errors-commendation-bad-reason = Give a reason (2 to 500 characters).
errors-commendation-note-too-long = The note must be at most 500 characters.
errors-commendation-not-proposed = The merchant is not proposed, so there is nothing to exclude.
errors-commendation-already-proposed = The merchant is proposed at that level already.
errors-commendation-other = Something went wrong; try again later.
