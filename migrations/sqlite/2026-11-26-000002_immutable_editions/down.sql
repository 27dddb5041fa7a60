DROP TRIGGER edition_entries_no_delete;
DROP TRIGGER edition_entries_no_update;
DROP TRIGGER editions_no_delete;
DROP TRIGGER editions_no_update;
