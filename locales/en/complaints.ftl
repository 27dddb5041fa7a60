## complaints: the complaint form's category, visit date, photo and reference, the status page,
## when to try again; and the plaque check's standing (issue 14)

complaints-field-category = What is it about
complaints-choose = Choose…
complaints-category-hygiene = Hygiene
complaints-category-food-safety = Food quality and safety
complaints-category-prices = Prices and weights
complaints-category-service = Service
complaints-category-licences = Licences and safety
complaints-category-other = Other
complaints-field-visited = Date of your visit
complaints-field-visited-hint = The day you were there, at most { $days } days ago.
complaints-field-photo = Photo (optional)
complaints-field-photo-hint = One JPEG or PNG photo, at most { $mb } MB. Its location and other hidden data are removed; only inspectors see it.
complaints-error-category = Choose what the complaint is about.
complaints-error-date-missing = Enter the date of your visit.
complaints-error-date-future = The date of your visit cannot be after today.
complaints-error-date-old = The date of your visit cannot be more than { $days } days ago.
complaints-error-photo-large = The photo must be at most { $mb } MB.
complaints-error-photo-type = The photo must be a JPEG or PNG image.
complaints-error-form = The form could not be read; please send it again.
complaints-photo-again = Choose the photo again (browsers do not keep a chosen file).
complaints-too-fast = The form was sent too fast. Please send it again in { $wait }; what you typed is kept.
complaints-throttled = Too many forms were sent in a short time.
complaints-retry-in = Please try again in { $wait }.
complaints-wait-seconds = { $n ->
    [one] 1 second
   *[other] { $n } seconds
}
complaints-wait-minutes = { $n ->
    [one] 1 minute
   *[other] { $n } minutes
}
complaints-wait-hours = { $n ->
    [one] 1 hour
   *[other] { $n } hours
}
complaints-your-reference = Your complaint's reference number:
complaints-reference-keep = Keep this number to follow your complaint. The status page never shows what you wrote or your contact.
complaints-follow = Follow your complaint
complaints-status-title = Complaint status
complaints-status-ask = Reference number
complaints-status-look = Look up
complaints-status-unknown = No complaint has this reference number. Check that it is typed correctly (for example TS-7K3M9QX2).
complaints-status-merchant = Merchant
complaints-status-filed = Filed on
complaints-status-decided = Decided on
complaints-status-new = Received, waiting to be checked
complaints-status-new-explained = An inspector will check what you reported.
complaints-status-verified = Checked: verified
complaints-status-verified-explained = An inspector found what you reported to be true; the complaint counts in the merchant's rating.
complaints-status-dismissed = Checked: dismissed
complaints-status-dismissed-explained = An inspector could not confirm what you reported; the complaint does not count in the rating.
complaints-triage-reference = Reference
complaints-triage-photo = The complainant's photo
check-standing-black = Warning: this shop is on the black list since { $date }
check-standing-red = Commended: this shop is on the red list since { $date }
check-standing-red-now = Commended: this shop is on the red list
check-standing-stars = Current rating: { $stars } of 5 stars; on neither the red nor the black list
check-standing-unrated = Not rated yet; on neither the red nor the black list
check-standing-why = Why:{" "}
check-standing-inspected = Last inspection: { $date }
check-standing-never-inspected = No inspection on record yet
check-plaque-itself = This plaque
