-- A published edition is never edited: the database refuses, whatever the program does.
CREATE TRIGGER editions_no_update BEFORE UPDATE ON editions
BEGIN SELECT RAISE(ABORT, 'published editions are immutable'); END;
CREATE TRIGGER editions_no_delete BEFORE DELETE ON editions
BEGIN SELECT RAISE(ABORT, 'published editions are immutable'); END;
CREATE TRIGGER edition_entries_no_update BEFORE UPDATE ON edition_entries
BEGIN SELECT RAISE(ABORT, 'published editions are immutable'); END;
CREATE TRIGGER edition_entries_no_delete BEFORE DELETE ON edition_entries
BEGIN SELECT RAISE(ABORT, 'published editions are immutable'); END;
