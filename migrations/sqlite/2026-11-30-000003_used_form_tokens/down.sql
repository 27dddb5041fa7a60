DROP INDEX used_form_tokens_used_at_idx;
DROP TABLE used_form_tokens;
