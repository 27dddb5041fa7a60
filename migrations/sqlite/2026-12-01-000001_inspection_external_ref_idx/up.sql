-- Imports look inspections up by their external reference (issue 17).
CREATE INDEX inspections_external_ref_idx ON inspections (external_ref);
