-- A published edition is never edited: the database refuses, whatever the program does.
CREATE FUNCTION gongzhi_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'published editions are immutable';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER editions_immutable BEFORE UPDATE OR DELETE ON editions
    FOR EACH ROW EXECUTE FUNCTION gongzhi_immutable();
CREATE TRIGGER edition_entries_immutable BEFORE UPDATE OR DELETE ON edition_entries
    FOR EACH ROW EXECUTE FUNCTION gongzhi_immutable();
