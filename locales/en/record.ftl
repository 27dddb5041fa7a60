## The public merchant record (/merchants/{id}): rectification, the way off the black list, the
## rating history (src/web/public/record.rs, src/i18n/words.rs).

# A date on the public record; $month is a number 1–12.
date-long = { $day } { $month ->
    [1] Jan
    [2] Feb
    [3] Mar
    [4] Apr
    [5] May
    [6] Jun
    [7] Jul
    [8] Aug
    [9] Sep
    [10] Oct
    [11] Nov
   *[12] Dec
} { $year }

# How a rectification notice stands (words::notice_outcome).
outcome-verified = Fixed and verified on { $on }
outcome-verified-late = Fixed late: verified on { $on } (the deadline was { $deadline })
outcome-overdue = Overdue since { $since }: not yet fixed and verified
outcome-overdue-answered = Overdue since { $since }; the merchant has answered, awaiting the inspector's check
outcome-answered = Answered, awaiting the inspector's check (due by { $deadline })
outcome-open = Open, due by { $deadline }

# How a disclosed violation's rectification stands (words::violation_status).
violation-no-notice = No rectification notice issued
violation-rectified = Rectified and verified on { $on }
violation-rectified-late = Rectified late, verified on { $on }
violation-overdue = Rectification overdue since { $since }
violation-answered = Rectification reported, awaiting the inspector's check
violation-due = Rectification due by { $deadline }

# The way off the black list (words::way_out_step), one clause each.
way-out-close-notices = { $count ->
    [one] get the overdue rectification notice fixed and verified
   *[other] get the { $count } overdue rectification notices fixed and verified
}
way-out-follow-up = pass a follow-up inspection (score { $score } or more) after { $after }
way-out-not-before = not before { $until } ({ $days } days after the serious violation of { $serious })
way-out-reach-score = raise the score to { $score } or more ({ $stars } stars)
way-out-window = even without repair, the record of { $trigger } stops counting on { $on }, when it leaves the { $days }-day rating window

# The record page.
record-way-out = To leave the black list
record-way-out-intro = All of these:
record-notices = Rectification notices
record-notices-none = No rectification notice to show.
record-notice-number = No. { $seq } of { $year }
record-notice-col = Notice
record-notice-issued = Issued
record-notice-deadline = Deadline
record-notice-outcome = Outcome
record-notice-concerns = Concerns:
record-history-note = Recomputed under the current rating policy from the records as of each inspection day; the last point is the current rating.
record-history-dates = Date
record-history-score = Score
record-history-table = Rating history as a table
record-history-stars = Stars
record-history-list = List
record-unrated-short = Not yet rated
