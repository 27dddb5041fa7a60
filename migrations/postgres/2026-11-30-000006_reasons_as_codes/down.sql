-- Back to sentences where a sentence is known: the kept legacy sentences and the four fixed
-- reasons for leaving a list. Coded entry reasons stay JSON (the old program shows them as text).
UPDATE list_entries SET left_reason = CASE
    WHEN left_reason::json ->> 'code' = 'credit_repaired'
        THEN '信用修复：整改通知均已核销，复查合格，且已满最短公示期'
    WHEN left_reason::json ->> 'code' = 'list_changed' THEN '评定变更为' ||
        CASE left_reason::json ->> 'to' WHEN 'red' THEN '红榜' WHEN 'black' THEN '黑榜' ELSE '无' END
    ELSE left_reason::json ->> 'text' END
WHERE left_reason LIKE '{%';

UPDATE list_entries SET entered_reason = entered_reason::json -> 0 ->> 'text'
WHERE entered_reason LIKE '[{%' AND json_array_length(entered_reason::json) = 1
  AND entered_reason::json -> 0 ->> 'code' = 'legacy';

DROP TRIGGER edition_entries_immutable ON edition_entries;
UPDATE edition_entries SET reason = reason::json -> 0 ->> 'text'
WHERE reason LIKE '[{%' AND json_array_length(reason::json) = 1
  AND reason::json -> 0 ->> 'code' = 'legacy';
CREATE TRIGGER edition_entries_immutable BEFORE UPDATE OR DELETE ON edition_entries
    FOR EACH ROW EXECUTE FUNCTION gongzhi_immutable();
