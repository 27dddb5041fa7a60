## site

site-name = gongzhi · Merchant Alliance
site-tagline = Training · Rating · Rectification
nav-home = Home
nav-red = Red list
nav-black = Black list
nav-login = Log in
nav-logout = Log out
home-intro = This platform publishes the star ratings, the red and black lists and the rectification records of the alliance's merchants. Consumers need no account to read them.
home-red-desc = Five-star alliance members with no violation and no open notice in the rating window.
home-black-desc = Merchants with a serious violation, an overdue rectification notice, or one star.
home-merchants = Merchants
home-staff = Inspectors, the committee and merchants: log in.
list-red-title = Red list
list-black-title = Black list
list-live = No edition published yet: live ratings
list-empty = No merchants
list-all = All
list-filter = Filter
col-reason = Reason
col-since = Since
col-name = Merchant
col-category = Category
col-area = Area
col-stars = Stars
col-score = Score
stars-unrated = Not yet rated
login-title = Log in
login-username = User name
login-password = Password
login-submit = Log in
login-failed = Wrong user name or password.
login-required = Enter your user name and password.
role-admin = Administrator
role-committee = Alliance committee
role-inspector = Inspector
role-merchant = Merchant
nav-editions = Editions
editions-title = Published editions
editions-intro = The alliance committee publishes the red and black lists as numbered editions; a published edition is never changed.
editions-number-prefix = No.{" "}
editions-number-suffix = {""}
editions-none = Nothing published yet
editions-publish = Publish the next edition
editions-publish-help = Every rating is recomputed as of today first and a preview shows who enters and who leaves each list against the last edition; nothing is published until you confirm, and a published edition cannot be changed.
editions-note = Note (optional)
editions-list-title = Red and black lists
editions-published-on = Published
record-plaque = Storefront plaque
record-complain = File a complaint
home-search = Find a merchant (name, credit code or address)
home-search-button = Search
record-member-since = Alliance member since
record-member-from = Alliance member from
record-member-to = to
record-points = points
record-since = Since
record-why = Why these stars
record-unrated = No inspection in the rating window, so no stars yet (not yet rated).
record-term = Term
record-term-points = Points
record-term-records = Records
record-total = Total
record-policy = Rating policy
record-as-of = as of
record-history = Rating history
record-inspections = Recent inspections
record-date = Date
record-kind = Kind
record-violations = Violations
record-replies = The merchant's reply
footer-open = Open data · open-source software
stars-label = { $stars ->
    [one] { $stars } star
   *[other] { $stars } stars
}
skip-to-content = Skip to content
# The language's name in itself, for the language switch.
language-name = English
list-count-line = { $total } merchants · Page { $page }/{ $pages }
editions-see-all = See all { $total } →
list-page = Page

# The error page's way back.
error-home = Back to the home page
