DROP TRIGGER edition_entries_immutable ON edition_entries;
DROP TRIGGER editions_immutable ON editions;
DROP FUNCTION gongzhi_immutable();
