-- Stored reasons become codes with arguments (JSON), put into words when shown, in the reader's
-- language (src/domain/reasons.rs). Until now they were Chinese sentences.
--
-- An entry's reasons are the list reasons of the rating that put it there: the first snapshot of
-- that merchant, day and list. A row with no such snapshot keeps its sentence as
-- {"code": "legacy", "text": ...}, shown as stored. Rows already in JSON are left alone.
UPDATE list_entries SET entered_reason = COALESCE(
    (SELECT json_extract(s.breakdown, '$.list_reasons') FROM rating_snapshots s
     WHERE s.merchant_id = list_entries.merchant_id AND s.as_of = list_entries.entered_on
       AND s.list_status = list_entries.list
     ORDER BY s.id LIMIT 1),
    CASE WHEN entered_reason = '' THEN '[]'
         ELSE json_array(json_object('code', 'legacy', 'text', entered_reason)) END)
WHERE entered_reason NOT LIKE '[%';

UPDATE list_entries SET left_reason = CASE left_reason
    WHEN '信用修复：整改通知均已核销，复查合格，且已满最短公示期' THEN '{"code":"credit_repaired"}'
    WHEN '评定变更为无' THEN '{"code":"list_changed","to":"none"}'
    WHEN '评定变更为红榜' THEN '{"code":"list_changed","to":"red"}'
    WHEN '评定变更为黑榜' THEN '{"code":"list_changed","to":"black"}'
    ELSE json_object('code', 'legacy', 'text', left_reason) END
WHERE left_reason IS NOT NULL AND left_reason NOT LIKE '{%';

-- Published editions are immutable (2026-11-26-000002_immutable_editions): lift the guard for
-- this one conversion, then put it back exactly as it was.
DROP TRIGGER edition_entries_no_update;
UPDATE edition_entries SET reason = COALESCE(
    (SELECT json_extract(s.breakdown, '$.list_reasons') FROM rating_snapshots s
     WHERE s.merchant_id = edition_entries.merchant_id AND s.as_of = edition_entries.since
       AND s.list_status = edition_entries.list
     ORDER BY s.id LIMIT 1),
    CASE WHEN reason = '' THEN '[]'
         ELSE json_array(json_object('code', 'legacy', 'text', reason)) END)
WHERE reason NOT LIKE '[%';
CREATE TRIGGER edition_entries_no_update BEFORE UPDATE ON edition_entries
BEGIN SELECT RAISE(ABORT, 'published editions are immutable'); END;
