-- Back to sentences where a sentence is known: the kept legacy sentences and the four fixed
-- reasons for leaving a list. Coded entry reasons stay JSON (the old program shows them as text).
UPDATE list_entries SET left_reason = CASE
    WHEN json_extract(left_reason, '$.code') = 'credit_repaired'
        THEN '信用修复：整改通知均已核销，复查合格，且已满最短公示期'
    WHEN json_extract(left_reason, '$.code') = 'list_changed' THEN '评定变更为' ||
        CASE json_extract(left_reason, '$.to') WHEN 'red' THEN '红榜' WHEN 'black' THEN '黑榜' ELSE '无' END
    ELSE json_extract(left_reason, '$.text') END
WHERE left_reason LIKE '{%';

UPDATE list_entries SET entered_reason = json_extract(entered_reason, '$[0].text')
WHERE entered_reason LIKE '[{%' AND json_array_length(entered_reason) = 1
  AND json_extract(entered_reason, '$[0].code') = 'legacy';

DROP TRIGGER edition_entries_no_update;
UPDATE edition_entries SET reason = json_extract(reason, '$[0].text')
WHERE reason LIKE '[{%' AND json_array_length(reason) = 1
  AND json_extract(reason, '$[0].code') = 'legacy';
CREATE TRIGGER edition_entries_no_update BEFORE UPDATE ON edition_entries
BEGIN SELECT RAISE(ABORT, 'published editions are immutable'); END;
