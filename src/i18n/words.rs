//! The words for the domain's codes: list reasons, rating terms, inspection kinds, severities,
//! notice states — rendered from the catalogue in the reader's language.
