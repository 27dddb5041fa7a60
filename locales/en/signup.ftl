## Branch training: trainings in the merchant portal, the reminder, the way to the red list.

signup-title = Trainings
signup-none = No trainings open for sign-up at the moment.
signup-members-only = Only alliance members can sign up for trainings.
signup-when = When
signup-place = Place
signup-hours = Hours
signup-seats = Seats
signup-seats-left = { $n ->
    [one] 1 seat left
   *[other] { $n } seats left
}
signup-seats-unlimited = No seat limit
signup-full = Full
signup-mine = You are signed up
signup-button = Sign up
signup-cancel-button = Cancel sign-up
signup-hours-line = Training: { $hours } hours in the rating window → { $points } points ({ $per_hour } per hour, at most { $cap }).
signup-err-full = This training is full: no seat is left.
signup-err-started = The training has started: sign-up is closed.
signup-err-not-member = Only alliance members can sign up for trainings.
signup-err-already = You are already signed up for this training.
signup-err-not-signed-up = You are not signed up for this training.
signup-mail-subject = Reminder: "{ $title }" is tomorrow
signup-mail-body = The training you signed up for, "{ $title }", is tomorrow. Please be on time.
signup-mail-cancel = If you cannot come, cancel your sign-up in the merchant portal so another merchant can have the seat:

# The committee's training pages.
signup-place-label = Place
signup-starts-label = Start time (HH:MM, optional)
signup-capacity-label = Seats (empty = no limit)
signup-description-label = Description
signup-signed-up = Signed up
signup-signups = Signed up (ticked: check and save to record attendance)
signup-walk-ins = Other merchants (walk-ins)
signup-no-signups = No merchant has signed up yet.
signup-err-starts = Use a start time like 14:30.
signup-err-capacity = Seats must be a whole number from 1 to 10,000, or empty.
signup-err-place = The place is at most 100 characters.
signup-err-description = The description is at most 500 characters.

way-title = The way to the red list
way-on-red = Your shop is on the red list. Keep every item below to stay there.
way-intro = The red list asks for all of the following:
way-met = Met
way-lacking = Lacking
way-stars-met = Stars: ★{ $have }; at least ★{ $need } needed.
way-stars-short = Stars: ★{ $have } now ({ $score } points); ★{ $need } needs { $need_score } points: { $short } points short.
way-stars-unrated = Stars: not rated yet (no inspection in the rating window); ★{ $need } needs { $need_score } points.
way-violation-met = No violation in the rating window.
way-violation-lacking = { $count ->
    [one] One violation
   *[other] { $count } violations
} in the rating window; the last, found on { $found }, leaves the window on { $leaves }.
way-notice-met = No open rectification notice.
way-notice-lacking = { $count ->
    [one] One rectification notice is
   *[other] { $count } rectification notices are
} not yet verified:
way-notice-open = Notice { $number }, due { $deadline }
way-member-met = Your shop is an alliance member.
way-member-lacking = Your shop is not an alliance member yet.
way-join = Apply to join the alliance
way-black-title = First, leave the black list:
way-commend-title = { $year } commendation "{ $level }" (so far this year)
way-commend-intro = It is decided on the whole year's record; this is the year so far.
way-commend-met = So far this year every criterion is met; it is decided on the whole year's record.
way-commend-found = So far this year: { $found }
