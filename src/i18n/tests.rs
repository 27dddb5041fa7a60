//! The catalogue checks: every id in every language, every id used exists, every id is used.
