## problems: what the services say is wrong with an input (services::problem). Each message
## is a Problem's id; its variables are the values the service passes.

# Joins a list of line numbers.
problems-list-separator = {", "}

## merchants: the register's fields

# $label: the field's name (a message such as merchants-name)
problems-field-required = { $label } is required.
problems-field-too-long = { $label } must be at most { $max } characters.
problems-credit-code-required = The unified social credit code is required.
problems-credit-code-length = credit code must be 18 characters, got { $n }
problems-credit-code-charset = character '{ $ch }' at position { $position } is not allowed
problems-credit-code-area-code = area code (positions 3-8) must be digits
problems-credit-code-check-char = check character should be { $expected }, got { $found }
problems-credit-code-org-check-char = organization code check character should be { $expected }, got { $found }
problems-credit-code-taken-by = The credit code { $code } is already registered (merchant: { $name }).
problems-credit-code-taken = The credit code { $code } is already registered.
problems-credit-code-registered = This credit code is already registered.
problems-email-invalid = The email address is not valid (e.g. shop@example.com).
problems-phone-invalid = The phone number may contain only digits, '+', '-' and spaces (at most { $max }).
problems-member-since-format = The membership date must be YYYY-MM-DD (e.g. 2024-03-01).
problems-member-left-on-format = The date of leaving must be YYYY-MM-DD (e.g. 2025-09-15).
problems-member-left-not-member = Only a member can leave the alliance: enter the membership date too.
problems-member-left-before-joining = The date of leaving cannot be before the membership date ({ $since }).
problems-member-left-future = The date of leaving cannot be in the future; record it on or after the day.

## merchants: importing a register (CSV)

problems-import-header-unreadable = The header cannot be read (the file must be UTF-8 CSV): { $error }
problems-import-column-twice = The column "{ $column }" appears twice in the header.
# $columns: the columns a register may have, comma-separated
problems-import-column-unknown = Unknown column "{ $column }". Columns: { $columns }.
problems-import-column-missing = The header lacks the required column "{ $column }".
problems-import-code-repeats = The credit code { $code } repeats line { $line }.
problems-import-row-length = The row has { $len } fields; the header has { $expected }.
problems-import-row-not-utf8 = The row is not UTF-8 (save the file as UTF-8 CSV).
problems-import-row-unreadable = The row cannot be read: { $error }
# The import's outcome. $rows: data rows read; $written: merchants created; $bad: rows with
# errors; $lines: their line numbers.
problems-import-header-bad = The header is wrong: nothing was imported.
problems-import-all = { $rows ->
        [one] 1 row
       *[other] { $rows } rows
    }; all imported ({ $written ->
        [one] 1 merchant
       *[other] { $written } merchants
    }).
problems-import-skipped = { $rows ->
        [one] 1 row
       *[other] { $rows } rows
    }; { $written ->
        [one] 1 merchant
       *[other] { $written } merchants
    } imported; { $bad ->
        [one] 1 row
       *[other] { $bad } rows
    } with errors skipped (lines { $lines }).
problems-import-rejected = { $rows ->
        [one] 1 row
       *[other] { $rows } rows
    }, { $bad ->
        [one] 1 row
       *[other] { $bad } rows
    } with errors: nothing was imported. Fix them and import again, or choose "import only the good rows".

## inspections

problems-inspection-merchant-missing = Choose a merchant.
problems-inspection-merchant-invalid = Not a valid merchant number.
problems-inspection-unknown-merchant = There is no such merchant; choose again.
problems-inspection-merchant-fixed = An inspection cannot move to another merchant; log a new one for the right merchant.
problems-inspection-date-missing = Enter the inspection date.
problems-inspection-date-format = Write the date as year-month-day, e.g. 2026-01-31.
problems-inspection-date-future = The inspection date cannot be after today ({ $today }).
problems-inspection-date-too-early = The inspection date cannot be before { $year }.
problems-inspection-kind = Choose the kind of inspection (routine, follow-up, complaint, self-check).
problems-inspection-notes-too-long = Notes must be at most { $max } characters.
# $error: the policy's reason, in English
problems-inspection-score = { $error }
problems-deduction-unknown = The checklist has no item “{ $code }”.
problems-deduction-twice = Checklist item { $code } is given twice.
problems-deduction-range = The deduction for { $code } must be between 0 and { $max }.
problems-deduction-not-whole = The deduction for { $code } must be a whole number.
# Violations: $n is the violation's row on the form, from 1.
problems-violation-id-invalid = Not a valid violation id.
problems-violation-code-missing = Violation { $n }: enter the violation code.
problems-violation-code-too-long = Violation { $n }: the code must be at most { $max } characters.
problems-violation-severity = Violation { $n }: choose the severity (minor, major, serious).
problems-violation-description-missing = Violation { $n }: describe what was found.
problems-violation-description-too-long = Violation { $n }: the description must be at most { $max } characters.
problems-violation-legal-basis-too-long = Violation { $n }: the legal basis must be at most { $max } characters.
problems-violation-fine-not-a-number = Violation { $n }: The fine must be a number of yuan, e.g. 200 or 200.50.
problems-violation-fine-decimals = Violation { $n }: The fine can have at most two decimals (fen).
problems-violation-fine-too-large = Violation { $n }: The fine is too large.
problems-violation-fine-fen-range = Violation { $n }: fine_fen must be between 0 and { $max }.
problems-violation-not-here = That violation does not belong to this inspection.
problems-violation-twice = The same violation is given twice.
problems-violation-on-notice = Violation { $code } (id { $id }) is part of a rectification notice and cannot be removed; correct it instead of clearing it.

## notices: issuing one, the merchant's answer, the inspector's decision

problems-notice-no-violation = Choose at least one violation.
problems-notice-violation-elsewhere = Violation { $violation } is not part of inspection { $inspection }.
problems-notice-violation-on-other-notice = Violation { $violation } is already on another notice.
problems-notice-actions-short = Say what must be done (at least { $min } characters).
problems-notice-actions-long = At most { $max } characters.
problems-notice-deadline-format = Enter the deadline as YYYY-MM-DD.
problems-notice-deadline-past = The deadline must be after today.
problems-notice-deadline-far = The deadline must be within { $days } days.
problems-answer-short = Say what was fixed (at least { $min } characters).
problems-answer-long = At most { $max } characters.
problems-answer-photos-many = At most { $max } photos.
# $name: the photo's file name; $mb: the largest size allowed, in MB
problems-answer-photo-large = Photo { $name } is larger than { $mb } MB.
problems-answer-photo-type = Photo { $name } is not a JPEG or PNG image.
problems-decision-reason-missing = Give a reason when sending the answer back.
problems-decision-reason-long = At most { $max } characters.
problems-decision-deadline-with-accept = A new deadline only goes with a rejection.
problems-decision-deadline-range = The new deadline must be after today and within { $days } days.
problems-decision-deadline-format = Enter the new deadline as YYYY-MM-DD.
problems-decision-overdue-extension = An overdue notice's deadline cannot be extended.

## replies: the merchant's public reply to its rating

problems-reply-short = A reply needs at least { $min } characters.
problems-reply-long = A reply can be at most { $max } characters.
problems-reply-link = A reply cannot contain links.
problems-reply-email = A reply cannot contain email addresses.
problems-reply-phone = A reply cannot contain phone numbers or other personal data.
problems-reply-invalid-chars = The reply contains invalid characters.
problems-reply-meaningless = The reply has no real content.
