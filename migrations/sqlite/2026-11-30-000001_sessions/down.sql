ALTER TABLE users DROP COLUMN password_changed_at;
ALTER TABLE login_links DROP COLUMN purpose;
ALTER TABLE api_tokens DROP COLUMN expires_at;
DROP TABLE sessions;
