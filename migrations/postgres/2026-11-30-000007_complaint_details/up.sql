-- What a consumer tells about a complaint beyond its text (issue 14): a category (a code, put
-- into words when shown), the day of the visit, an optional photo (stripped of its metadata,
-- stored in the upload directory, shown only to staff), and a reference number the consumer
-- follows it by on /complaints/status. Existing complaints become "other", visited the day they
-- were filed, and get a reference (hex digits with 0 and 1 spelt G and H, so they are never
-- misread; new ones come from the same 30-symbol alphabet, see services::complaints).
ALTER TABLE complaints ADD COLUMN category TEXT NOT NULL DEFAULT 'other';
ALTER TABLE complaints ADD COLUMN visited_on DATE;
ALTER TABLE complaints ADD COLUMN reference TEXT;
ALTER TABLE complaints ADD COLUMN photo_key TEXT;
ALTER TABLE complaints ADD COLUMN photo_type TEXT;
UPDATE complaints SET visited_on = CAST(created_at AS DATE) WHERE visited_on IS NULL;
UPDATE complaints SET reference = 'TS-' || translate(upper(substr(md5(random()::text || id::text), 1, 8)), '01', 'GH')
WHERE reference IS NULL;
CREATE UNIQUE INDEX complaints_reference_idx ON complaints (reference);
