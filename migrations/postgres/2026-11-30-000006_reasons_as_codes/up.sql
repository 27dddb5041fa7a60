-- Stored reasons become codes with arguments (JSON), put into words when shown, in the reader's
-- language (src/domain/reasons.rs). Until now they were Chinese sentences.
--
-- An entry's reasons are the list reasons of the rating that put it there: the first snapshot of
-- that merchant, day and list. A row with no such snapshot keeps its sentence as
-- {"code": "legacy", "text": ...}, shown as stored. Rows already in JSON are left alone.
UPDATE list_entries l SET entered_reason = COALESCE(
    (SELECT (s.breakdown::json -> 'list_reasons')::text FROM rating_snapshots s
     WHERE s.merchant_id = l.merchant_id AND s.as_of = l.entered_on AND s.list_status = l.list
     ORDER BY s.id LIMIT 1),
    CASE WHEN l.entered_reason = '' THEN '[]'
         ELSE json_build_array(json_build_object('code', 'legacy', 'text', l.entered_reason))::text END)
WHERE l.entered_reason NOT LIKE '[%';

UPDATE list_entries SET left_reason = CASE left_reason
    WHEN '信用修复：整改通知均已核销，复查合格，且已满最短公示期' THEN '{"code":"credit_repaired"}'
    WHEN '评定变更为无' THEN '{"code":"list_changed","to":"none"}'
    WHEN '评定变更为红榜' THEN '{"code":"list_changed","to":"red"}'
    WHEN '评定变更为黑榜' THEN '{"code":"list_changed","to":"black"}'
    ELSE json_build_object('code', 'legacy', 'text', left_reason)::text END
WHERE left_reason IS NOT NULL AND left_reason NOT LIKE '{%';

-- Published editions are immutable (2026-11-26-000002_immutable_editions): lift the guard for
-- this one conversion, then put it back exactly as it was.
DROP TRIGGER edition_entries_immutable ON edition_entries;
UPDATE edition_entries e SET reason = COALESCE(
    (SELECT (s.breakdown::json -> 'list_reasons')::text FROM rating_snapshots s
     WHERE s.merchant_id = e.merchant_id AND s.as_of = e.since AND s.list_status = e.list
     ORDER BY s.id LIMIT 1),
    CASE WHEN e.reason = '' THEN '[]'
         ELSE json_build_array(json_build_object('code', 'legacy', 'text', e.reason))::text END)
WHERE e.reason NOT LIKE '[%';
CREATE TRIGGER edition_entries_immutable BEFORE UPDATE OR DELETE ON edition_entries
    FOR EACH ROW EXECUTE FUNCTION gongzhi_immutable();
