//! File parsers for public inspection data (no database).
//!
//! They turn whole files into plain structs, or reject the whole file with the line of the first bad
//! record, so that an import is all-or-nothing.

pub mod fhrs;
pub mod lives;
pub mod text;

use std::fmt;

/// Why a file was rejected: the file (when known), the 1-based line of the bad record, and what is wrong.
///
/// Kept as plain data so the caller can show it to the person importing, in any language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    /// File name (for multi-file feeds such as LIVES); `None` when parsing bytes.
    pub file: Option<String>,
    /// 1-based line where the bad record starts (0 when the problem concerns the whole file).
    pub line: usize,
    /// 1-based record index (data records, header excluded) when known, else 0.
    pub record: usize,
    /// Human-readable reason, in English.
    pub reason: String,
}

impl ImportError {
    /// Build an error for a record at `line`; the file name is added by the caller that knows it.
    pub fn at(line: usize, reason: impl Into<String>) -> Self {
        ImportError {
            file: None,
            line,
            record: 0,
            reason: reason.into(),
        }
    }

    /// Attach the data-record index, so that JSON errors can point at "record 12" too.
    pub fn with_record(mut self, record: usize) -> Self {
        self.record = record;
        self
    }

    /// Attach the file name, so multi-file imports say which file is bad.
    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}: ")?;
        }
        if self.line > 0 {
            write!(f, "line {}: ", self.line)?;
        }
        if self.record > 0 {
            write!(f, "record {}: ", self.record)?;
        }
        f.write_str(&self.reason)
    }
}

impl std::error::Error for ImportError {}

/// 1-based line number of byte `offset` in `bytes`: counts the newlines before it.
pub(crate) fn line_of(bytes: &[u8], offset: usize) -> usize {
    let end = offset.min(bytes.len());
    bytes[..end].iter().filter(|&&b| b == b'\n').count() + 1
}
