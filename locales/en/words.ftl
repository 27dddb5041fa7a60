## The words for the domain's codes (src/i18n/words.rs).

kind-routine = routine
kind-follow-up = follow-up
kind-complaint = complaint
kind-self-check = self-check

severity-minor = minor
severity-major = major
severity-serious = serious

list-status-none = none
list-status-red = red list
list-status-black = black list

term-inspections = mean inspection score
term-violations-minor = minor violations
term-violations-major = major violations
term-violations-serious = serious violations
term-complaints = verified complaints (capped)
term-overdue-notices = overdue notices
term-training = training bonus (capped)
term-clamp = score kept within 0-100
term-fhrs-inspection = Latest FHRS inspection

## Why a merchant is on a list (ListReason) or left it (LeftReason).

reason-serious-violation = serious violation on { $date }
reason-overdue-notice = notice overdue (deadline { $deadline }, not verified)
reason-overdue-notice-verified-late = notice overdue (deadline { $deadline }, verified only on { $verified })
reason-low-stars = rated { $stars ->
    [one] { $stars } star
   *[other] { $stars } stars
}
reason-repair-needs-notices-closed = a notice is still overdue
reason-repair-needs-follow-up = needs a follow-up inspection after { $after } scoring at least { $score }
reason-repair-minimum-stay = minimum stay runs until { $until }
reason-credit-repaired = credit repaired
reason-credit-repaired-on = credit repaired (follow-up passed on { $date })
reason-red-all-criteria = { $stars } stars, no violation in the window, no open notice, alliance member
# Between two reasons on one line.
reason-separator = ;{" "}
left-credit-repaired = credit repaired: every notice verified, a follow-up inspection passed, the minimum stay served
left-list-changed = rating changed to { $list }

## A rectification notice's state, and why it refuses an event.

notice-state-issued = issued
notice-state-emailed = emailed
notice-state-read = read by the merchant
notice-state-answered = answered, awaiting verification
notice-state-verified = verified (closed)
notice-state-overdue = overdue
refusal-closed = the notice is already verified and closed
refusal-answer-pending = an answer is already waiting for the inspector's decision
refusal-nothing-to-decide = there is no answer waiting for a decision

## Input errors of the domain's value types.

money-empty = Enter an amount.
money-not-a-number = The amount must be a number, e.g. 2000 or 2000.50.
money-too-many-decimals = At most two decimals (fen).
money-too-large = The amount is too large.
