-- The audit log is looked up by actor only for users: entries of the system (imports, jobs,
-- recomputes; actor_id NULL) need no index entry. A 1,000,000-row import writes a million of
-- them (issue 17).
DROP INDEX audit_log_actor_idx;
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id) WHERE actor_id IS NOT NULL;
