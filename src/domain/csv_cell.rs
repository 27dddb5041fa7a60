//! CSV cells a spreadsheet cannot run: [`safe_cell`] for what we write, [`unneutralise`] for
//! what our importers read back. Pure functions, here so that the importers and the exports
//! (`services::export` re-exports them) share them without the importers using the services.

use std::borrow::Cow;

/// The first characters that make a spreadsheet read a cell as a formula (`=`, `+`, `-`, `@`) or
/// that it drops before reading one (tab, carriage return): OWASP's list for CSV injection.
pub const FORMULA_TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether `cell` must be written with a leading apostrophe: it begins with a formula trigger,
/// or with an apostrophe that [`unneutralise`] would otherwise take for ours (an apostrophe
/// followed by a trigger or by another apostrophe), so the round trip is exact.
fn needs_quote(cell: &str) -> bool {
    let mut chars = cell.chars();
    match chars.next() {
        Some(c) if FORMULA_TRIGGERS.contains(&c) => true,
        Some('\'') => matches!(chars.next(), Some(c) if c == '\'' || FORMULA_TRIGGERS.contains(&c)),
        _ => false,
    }
}

/// A text cell as every CSV we write holds it: a cell beginning with `=`, `+`, `-`, `@`, tab or
/// carriage return gets a leading apostrophe, as OWASP recommends, so a spreadsheet shows it as
/// text instead of running it (`=HYPERLINK(…)` stays words). A cell beginning with an apostrophe
/// followed by one of those or by another apostrophe gets one too, so that [`unneutralise`] gives
/// back exactly the original. Text columns only: numbers we write ourselves (scores, ids, counts,
/// dates) never pass through here, so `-3` stays a number; see [`safe_value`] for tables of text.
pub fn safe_cell(cell: &str) -> Cow<'_, str> {
    if needs_quote(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// A cell of a table whose cells are all text (the report charts): a plain number (`-3`, `+1.5`,
/// `12`, `-0.5%`) stays as it is, so the spreadsheet still counts with it; anything else goes
/// through [`safe_cell`]. A plain number cannot be a formula.
pub fn safe_value(cell: &str) -> Cow<'_, str> {
    if is_plain_number(cell) {
        Cow::Borrowed(cell)
    } else {
        safe_cell(cell)
    }
}

/// An optional sign, digits, an optional decimal part and an optional `%`.
fn is_plain_number(cell: &str) -> bool {
    let s = cell.strip_prefix(['-', '+']).unwrap_or(cell);
    let s = s.strip_suffix('%').unwrap_or(s);
    let (int, frac) = s.split_once('.').unwrap_or((s, "0"));
    !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// The importers' side of [`safe_cell`]: a cell that is an apostrophe followed by what
/// [`safe_cell`] would have quoted loses exactly that one apostrophe; any other cell is returned
/// as it is (`'t Hoekje` keeps its apostrophe). Called on every text field the merchant register
/// and the LIVES importers read, so our own exports import back to the original text.
pub fn unneutralise(cell: &str) -> Cow<'_, str> {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_quote(rest) => Cow::Borrowed(rest),
        _ => Cow::Borrowed(cell),
    }
}
