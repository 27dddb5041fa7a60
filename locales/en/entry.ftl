# Branch entry (issue 16): the formal notice print page, committee entry by name search and
# confirmations, and the staff pages on a phone (audit log in words).

## The formal rectification notice (整改通知书), A4.
entry-print-title = Rectification notice
entry-print-org = Merchant Self-Governance Alliance · gongzhi
entry-print-back = Back to the notice
entry-print-print = Print
entry-print-link = Print the formal notice (A4)
entry-print-in-language = English version
entry-print-to = Merchant inspected
entry-print-credit-code = Unified social credit code
entry-print-address = Address
entry-print-inspected = Inspected on
entry-print-inspector = Inspector
entry-print-issued = Issued on
entry-print-lead = The inspection found the problems below. You are required to put them right by the deadline:
entry-print-violations = Problems found
entry-print-basis = Legal basis
entry-print-basis-none = (not stated)
entry-print-requirement = What must be done
entry-print-deadline = Deadline
entry-print-deadline-note = Put things right and answer by this date (inclusive); a notice not verified by then puts the shop on the black list under the alliance's rules.
entry-print-answer = How to answer
entry-print-answer-how = Read this notice and answer it in the merchant portal (photos and a follow-up inspection request welcome):
entry-print-sign-inspector = Inspector's signature:
entry-print-sign-merchant = Received by (merchant):
entry-print-sign-date = Date:
entry-print-seal = (Seal)

## Staff pages in words (web/staff_words.rs): audit actions, actors, entities, email kinds.
entry-action = { $key ->
    [bulletin-read] Bulletin read
    [bulletin-remind] Bulletin reminder sent
    [bulletin-send] Bulletin sent
    [campaign-assign] Campaign inspector assigned
    [campaign-close] Campaign closed
    [campaign-open] Campaign opened
    [charter-confirm] Charter confirmed
    [charter-publish] Charter published
    [commendation-adjust] Commendation adjusted
    [commendation-adjust_withdraw] Commendation adjustment withdrawn
    [commendation-create] Commendation drawn up
    [commendation-decide] Commendation decided
    [commendation-revoke] Commendation revoked
    [complaint-create] Complaint received
    [complaint-triage] Complaint triaged
    [edition-publish] Edition published
    [edition-create] Edition created
    [inspection-create] Inspection logged
    [inspection-photos] Inspection photos added
    [inspection-photo-removed] Inspection photo removed
    [inspection-update] Inspection corrected
    [login_link-requested] Sign-in link requested
    [login_link-used] Sign-in link used
    [membership-apply] Membership applied for
    [membership-apply_again] Membership applied for again
    [membership-approve] Membership approved
    [membership-decline] Membership declined
    [membership-leave_confirm] Leaving confirmed
    [membership-leave_request] Leaving requested
    [membership-leave_withdraw] Leaving request withdrawn
    [merchant-close] Merchant closed
    [merchant-create] Merchant added
    [merchant-reply] Merchant replied
    [merchant-update] Merchant updated
    [notice-answered] Notice answered
    [notice-create] Notice created
    [notice-emailed] Notice emailed
    [notice-issued] Notice issued
    [notice-overdue] Notice overdue
    [notice-read] Notice read
    [notice-reminded] Notice reminder sent
    [notice-verified] Rectification accepted
    [notice-rejected] Sent back for rectification
    [outbox-requeue] Email requeued
    [policy-load] Policy loaded
    [rating-change] Rating changed
    [reward-create] Reward granted
    [token-create] API token created
    [token-revoke] API token revoked
    [training-attendance] Training attendance recorded
    [training-create] Training added
    [training-details] Training details changed
    [training-reminded] Training reminder sent
    [training-signup] Signed up for training
    [training-signup_cancel] Training sign-up cancelled
    [user-create] User created
    [user-password_changed] Password changed
    [user-password_reset] Password reset
    [user-password_reset_forced] Password reset forced
    [user-set_active] User activated or deactivated
    [user-set_role] User role changed
    [user-signed_out_everywhere] Signed out everywhere
    [violation-create] Violation recorded
   *[other] { $code }
}
entry-actor-system = { $key ->
    [bulletin-link] System (bulletin link)
    [cli] System (command line)
    [daily-bulletins] System (daily bulletins)
    [daily-recompute] System (daily recompute)
    [demo] System (demo data)
    [first-start] System (first start)
    [import] System (import)
    [join] System (membership application)
    [mail] System (mail)
    [policy-load] System (policy load)
    [public] System (public)
    [recompute] System (recompute)
    [test] System (test)
    [training-reminders] System (training reminders)
   *[other] System ({ $code })
}
entry-entity = { $key ->
    [api_token] API token
    [bulletin] Bulletin
    [charter_version] Charter version
    [commendation] Commendation
    [commendation_decision] Commendation decision
    [complaint] Complaint
    [edition] Edition
    [inspection] Inspection
    [membership_application] Membership application
    [merchant] Merchant
    [notice] Notice
    [outbox] Email
    [policy] Policy
    [reward] Reward
    [training] Training
    [user] User
    [violation] Violation
    [rating] Rating
    [answer] Answer
   *[other] { $code }
}
entry-mail-kind = { $key ->
    [commendation] Commendation
    [login-link] Sign-in link
    [membership-approved] Membership approved
    [membership-declined] Membership declined
    [membership-left] Leaving confirmed
    [notice-answered] Merchant's answer
    [notice-decided] Decision on an answer
    [notice-issued] Rectification notice
    [notice-reminder] Notice reminder
    [password-reset] Password reset
    [routine] Routine
    [test] Test
    [training-reminder] Training reminder
    [bulletin-sent] Bulletin
    [bulletin-reminder] Bulletin reminder
   *[other] { $code }
}

## The audit log's readable change.
entry-audit-removed = (removed)

## Committee entry: merchants picked by name, confirmations, badges, bounded hours.
entry-pick-search = Search merchants by name or credit code
entry-pick-find = Search
entry-pick-hint = Type part of the merchant's name and search, then choose it from the results.
entry-pick-none = No open merchant matches.
entry-reward-granted = Reward granted:
entry-attendance-recorded = Attendance recorded for { $count ->
    [one] one merchant; its rating was
   *[other] { $count } merchants; their ratings were
} recomputed.
entry-decided-accepted = Accepted: the notice is closed.
entry-decided-rejected = Sent back for rectification; the new deadline is { $deadline }.
entry-decided-emailed = The merchant was emailed ({ $to }).
entry-decided-no-email = The merchant has no email address: nothing was sent, tell them another way.
entry-badge-accepted = Accepted
entry-badge-sent-back = Sent back for rectification
entry-hours-span = The training starts at { $start }, which leaves at most { $max } hours that day: shorten it or start earlier.
trainings-not-held = This training is held on { $date }: attendance can be recorded once it has taken place.
