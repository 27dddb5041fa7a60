## bulletins

staff-bulletins = Bulletins
bulletins-title = Bulletins
bulletins-intro = Tell the members about new rules and campaigns. A bulletin goes out by email and shows in the merchant portal; reading it there or opening the email's link counts as read. Read rate = read ÷ the audience on the day it was sent.
bulletins-col-title = Title
bulletins-col-audience = Audience
bulletins-col-sent = Sent
bulletins-col-recipients = Recipients
bulletins-col-rate = Read rate
bulletins-col-unread = Unread
bulletins-col-merchant = Merchant
bulletins-col-read-at = Read at
bulletins-col-via = Read via
bulletins-col-reminded = Reminded
bulletins-none = No bulletin has been sent yet.
bulletins-new = New bulletin
bulletins-preview = Preview
bulletins-file-again = The file is not kept by the preview: choose it again before sending.
bulletins-field-title = Title
bulletins-field-body = Text
bulletins-field-body-hint = Markdown works: **bold**, lists (lines starting with -), headings (#), links, tables.
bulletins-field-audience = Send to
bulletins-field-audience-hint = Only merchants that are alliance members on the day; the number in brackets is how many members that is now.
bulletins-field-file = File (optional: PDF, image, Word or Excel, at most { $mb } MB)
bulletins-field-remind = Remind unread merchants after (days)
bulletins-field-remind-hint = Merchants that have still not read it then get one reminder email; 0 means no automatic reminder.
bulletins-do-preview = Preview and count recipients
bulletins-do-send = Send
bulletins-choice = { $audience } ({ $count } members)
bulletins-reach = This audience reaches { $count } member merchants now.
bulletins-audience-all = All members
bulletins-audience-black = Black-listed merchants
bulletins-audience-area = Area: { $name }
bulletins-audience-category = Category: { $name }
bulletins-rate = { $read } / { $total } = { $percent }%
bulletins-sent = Sent; the emails are in the outbox.
bulletins-reminded = { $count ->
    [one] One unread merchant reminded.
   *[other] { $count } unread merchants reminded.
}
bulletins-rate-title = Read rate
bulletins-remind-after = Unread merchants are reminded { $days } days after sending (once each).
bulletins-remind-none = No automatic reminder.
bulletins-remind-now = Remind the unread now ({ $count })
bulletins-unread-title = Not read yet
bulletins-unread-none = Every recipient has read it.
bulletins-read-title = Read
bulletins-read-none = Nobody has read it yet.
bulletins-no-email = no email address
bulletins-via-portal = merchant portal
bulletins-via-email = email link
bulletins-attachment = File:
bulletins-size-kb = { $size } KB
bulletins-size-mb = { $size } MB
bulletins-for = Sent to:
bulletins-receipt-email = We have noted that you read this bulletin. Sign in to the merchant portal to see all bulletins.
bulletins-sign-in = Sign in to the merchant portal
bulletins-portal-title = Bulletins
bulletins-portal-none = No bulletins yet.
bulletins-portal-unread = { $count ->
    [one] You have an unread bulletin; please read it.
   *[other] You have { $count } unread bulletins; please read them.
}
bulletins-unread = unread
bulletins-problem-title-empty = Enter a title.
bulletins-problem-title-long = The title must be at most { $max } characters.
bulletins-problem-body-empty = Enter the text.
bulletins-problem-body-long = The text must be at most { $max } characters.
bulletins-problem-audience = Choose whom to send it to.
bulletins-problem-audience-empty = This audience has no member merchant now; choose another.
bulletins-problem-remind = The reminder days must be a whole number from 0 to { $max }.
bulletins-problem-file-large = The file “{ $name }” is larger than { $mb } MB.
bulletins-problem-file-type = The file “{ $name }” is not a PDF, a JPEG/PNG image, a Word or an Excel file.
bulletins-email-subject = Bulletin: { $title }
bulletins-email-reminder-subject = Reminder: please read the bulletin “{ $title }”
bulletins-email-greeting-end = ,
bulletins-email-reminder-intro = You have not read this bulletin yet; please take a moment to read it.
bulletins-email-sent-on = Sent on:
bulletins-email-attachment = File (download it in the merchant portal):
bulletins-email-open = Read it on the web (opening it counts as read):
bulletins-email-footer = The merchants' self-governance alliance committee · gongzhi
bulletins-stats-title = Bulletins' read rate
bulletins-stats-intro = The recent bulletins' read rate (read ÷ audience) within 1, 3, 7, 14 and 30 days of sending; — where that many days have not passed yet.
bulletins-stats-chart = Read rate of bulletins by days since sending
bulletins-stats-days = Days since sending
bulletins-stats-value = Read rate (%)
bulletins-stats-empty = No bulletins yet
bulletins-stats-day = { $days } d
bulletins-stats-now = now
bulletins-percent = { $percent }%
