# For consumers: what the stars mean (/about/ratings), the open data (/about/data), and the words
# beside every star display.

stars-words-5 = very good
stars-words-4 = good
stars-words-3 = generally satisfactory
stars-words-2 = improvement necessary
stars-words-1 = major improvement necessary
stars-words-unrated = no inspection in the rating window yet

about-ratings-nav = What the stars mean
about-data-nav = Open data
about-ratings-link-title = What do the stars mean?

about-ratings-title = What the stars and the lists mean
about-ratings-intro = The alliance's inspectors visit each merchant and rate it from one to five stars under the rating rules the alliance committee publishes. Everything below is read from the rules in force: when the committee changes them, this page changes with them.
about-levels-title = The five levels
about-range-from = { $min } points or more
about-range-between = { $min } – { $max } points
about-range-below = below { $max } points
about-unrated-range = no score
about-unrated = Not yet rated: a merchant with no inspection in the rating window is not rated, and never counted as one star; it gets its stars after its next inspection.

about-score-title = How the score is made
about-score-window = Only records of the last { $days } days (the rating window) count.
about-score-mean = The base is the mean of the inspection scores in the window; each inspection starts at 100 points and loses points item by item on the checklist.
about-score-violations = Each violation found in the window takes off more: minor { $minor } points, major { $major }, serious { $serious }.
about-score-complaints = Each verified complaint takes off { $each } points, at most { $cap } in all.
about-score-notices = Each rectification notice still overdue on the day of the rating takes off { $each } points.
about-score-training = Each hour of food safety training adds { $per_hour } points, at most { $cap }.
about-score-clamp = The score stays between 0 and 100 and gives the stars in the table above.

about-red-title = How a merchant gets on the red list
about-red-intro = Not on the black list, rated, and all of these:
about-red-stars = at least { $stars } stars;
about-red-no-violation = no violation at all in the last { $days } days;
about-red-no-open-notice = no open rectification notice;
about-red-member = a member of the alliance.

about-black-title = What puts a merchant on the black list
about-black-intro = Any one of these (the black list comes before the red list):
about-black-serious = a serious violation in the last { $days } days;
about-black-overdue = a rectification notice not complied with by its deadline;
about-black-stars = { $stars } { $stars ->
    [one] star
   *[other] stars
} or fewer.
about-black-none = The rules in force switch on no reason for the black list.

about-repair-title = Credit repair: how a merchant leaves the black list
about-repair-intro = A merchant listed for a violation or an overdue notice leaves the list by itself once all of these hold:
about-repair-stay = { $days } days have passed since its latest serious violation;
about-repair-notices = no rectification notice is overdue;
about-repair-follow-up = a follow-up inspection after the reason it was listed scored at least { $score } points;
about-repair-stars = a merchant listed for too few stars leaves only when its score is back at { $stars } stars or more.

about-often-title = How often merchants are inspected
about-often-window = The rules set no inspection schedule yet; the stars come only from the inspections of the last { $days } days.
about-often-figures = In the 12 months up to { $upto }: { $inspections } inspections for { $rated } rated merchants, { $per } per merchant on average; { $share }% of the rated merchants were inspected at least once in those 12 months.
about-often-none = No merchant is rated yet.

about-policy-version = Rating rules in force: version

about-data-title = Open data
about-data-intro = The red and black lists, the stars and the inspections are free to download and to query without an account. They hold what the public pages show, never contact names, phone numbers or e-mail addresses.
about-data-downloads = Downloads
about-data-merchants = Merchants and their current rating (merchants.csv)
about-data-merchants-what = Every open merchant: category, address, area, alliance membership, stars, score and list.
about-data-lives = Inspections (LIVES format)
about-data-lives-what = Merchants, inspections and disclosed violations in the US LIVES restaurant inspection format (four CSV files in a zip).
about-data-fhrs = UK FHRS format
about-data-fhrs-what = Merchants rated under the UK Food Hygiene Rating Scheme, in the FSA open-data XML format.
about-data-api = API (JSON)
about-data-api-intro = The public endpoints need no account; the OpenAPI document describes them all.
about-data-openapi = API description (OpenAPI)
about-data-openapi-what = The machine-readable description of every endpoint, generated from the code, so it never drifts.
about-data-list-red = The red list now
about-data-list-black = The black list now
about-data-list-what = The latest edition of the list, with reasons and dates.
about-data-editions = Published editions
about-data-editions-what = Number and date of every edition of the red and black lists.
about-data-edition = The latest edition (in full)
about-data-edition-what = Every entry of one edition, never changed once published.
about-data-merchants-api = Merchant search
about-data-merchants-api-what = Merchants by part of their name, credit code or address (?q=), 50 a page.
about-data-licence = How to read the data:
