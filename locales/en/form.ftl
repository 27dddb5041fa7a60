## form: the inspection form on a phone (issue 16)

form-change-merchant = change
form-deducted = Points deducted
form-catalogue-search = Pick from the violation catalogue
form-catalogue-hint = Type a word or code, e.g. "health", "XF"
form-catalogue-none = Nothing in the catalogue matches; type the violation below.
form-catalogue-pick = Catalogue entry
form-catalogue-typed = Not in the catalogue (type it)
form-catalogue-full = All five violation rows are in use; save, then edit to add more.
form-draft-restored = An unsaved draft of this form was restored.
form-draft-discard = Discard draft
form-step-less = Deduct 1 point less
form-step-more = Deduct 1 point more
form-same-day-title = This merchant already has an inspection on that day. If this really is another inspection, tick the box and save again; if it is the same one sent twice, do not save.
form-same-day-entry = { $time } by { $inspector } (No. { $id })
form-same-day-confirm = Yes, log another inspection on the same day
form-same-day-api = This merchant already has an inspection on that day; if this is another one, send "confirm_same_day": true.
form-photos = Photos
form-photos-none = No photos.
form-photos-add = Add photos
form-photos-help = Up to { $mb } MB each, at most { $max } per inspection; photos are made smaller and their location data removed, and only staff and the merchant can see them.
form-photos-upload = Upload
form-photo-alt = Inspection photo { $n }
form-photos-too-many = At most { $max } photos per inspection.
form-photos-too-big = Photo too large: at most { $mb } MB each.
form-photos-not-image = This photo cannot be read; upload a JPEG or PNG image.
form-photos-empty = Choose a photo first.
