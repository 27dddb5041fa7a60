//! Reading an import file as UTF-8 text, whatever it was written in, as a stream.
//!
//! [`TextReader`] wraps any byte reader: it decodes the bytes from the chosen encoding (any WHATWG
//! label, through `encoding_rs`; UTF-8 with or without BOM by default) into UTF-8 as they come,
//! refuses bytes that are not valid in that encoding (with the line, and for a file that is not
//! UTF-8 the likely encoding and the option to use), and refuses a CSV file that ends inside a
//! quoted field (the `csv` crate ends such a field at the end of the file without a word, so a
//! file cut short would import with its last value cut).
//!
//! Errors travel through `std::io::Error` (the `csv` and XML readers pass them on) and are turned
//! back into an [`ImportError`] by [`import_error_of`].

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, Read};
use std::rc::Rc;

use encoding_rs::{DecoderResult, Encoding, UTF_8};

use super::ImportError;

/// The encoding a WHATWG label names (`windows-1252`, `gbk`, `gb18030`, `shift_jis`, `utf-8`…).
pub fn encoding_for(label: &str) -> Option<&'static Encoding> {
    Encoding::for_label(label.trim().as_bytes())
}

/// A simple guess at what a file that is not UTF-8 is written in: GB18030 when the bytes decode
/// cleanly as GB18030 and give Chinese characters, else Windows-1252 (the usual US and European
/// feed encoding).
pub fn guess_encoding(sample: &[u8]) -> &'static str {
    // Cut a multi-byte character at the end of the sample rather than count it as invalid.
    let end = sample
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(sample.len(), |i| i + 1);
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(&sample[..end]);
    let cjk = text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    if !had_errors && cjk {
        "gb18030"
    } else {
        "windows-1252"
    }
}

/// Quote state of the CSV text read so far.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quote {
    FieldStart,
    Unquoted,
    Quoted,
    ClosingOrDoubled,
}

/// A reader that decodes to UTF-8 and checks the text is whole; see the module documentation.
pub struct TextReader<R: Read> {
    inner: R,
    decoder: encoding_rs::Decoder,
    /// The encoding was chosen (`--encoding`), so a bad byte is "not valid <that encoding>".
    chosen: Option<&'static Encoding>,
    csv: bool,
    input: Vec<u8>,
    in_start: usize,
    in_end: usize,
    eof: bool,
    out: Vec<u8>,
    out_pos: usize,
    finished: bool,
    line: usize,
    quote: Quote,
    quote_line: usize,
    /// Byte offset of the decoded text handed out so far, and where its newlines are.
    offset: u64,
    lines: Option<LineIndex>,
}

/// The lines of a [`TextReader`]'s output by byte offset, for a CSV reader that reads ahead: the
/// `csv` crate's own line count misses a CRLF inside a quoted field (so every later line number
/// came out one too low), while its byte offsets are right.
#[derive(Clone, Default)]
pub struct LineIndex(Rc<RefCell<(VecDeque<u64>, usize)>>);

impl LineIndex {
    /// The 1-based line of the record that `csv` says starts at byte `offset` of the decoded
    /// text. Offsets must not decrease. After a CRLF the `csv` crate starts the next record at the
    /// LF (the CR ended the record before), so a newline at `offset` itself is counted.
    pub fn line_at(&self, offset: u64) -> usize {
        let mut inner = self.0.borrow_mut();
        let (pending, passed) = &mut *inner;
        while pending.front().is_some_and(|&nl| nl <= offset) {
            pending.pop_front();
            *passed += 1;
        }
        *passed + 1
    }
}

const CHUNK: usize = 64 * 1024;

impl<R: Read> TextReader<R> {
    /// A reader of `inner` in `encoding` (UTF-8 when `None`); `csv` turns on the check for a file
    /// that ends inside a quoted field.
    pub fn new(inner: R, encoding: Option<&'static Encoding>, csv: bool) -> Self {
        TextReader {
            inner,
            decoder: encoding.unwrap_or(UTF_8).new_decoder_with_bom_removal(),
            // UTF-8 chosen is the default: a bad byte then gets the guess and the option too.
            chosen: encoding.filter(|e| *e != UTF_8),
            csv,
            input: vec![0; CHUNK],
            in_start: 0,
            in_end: 0,
            eof: false,
            out: Vec::new(),
            out_pos: 0,
            finished: false,
            line: 1,
            quote: Quote::FieldStart,
            quote_line: 0,
            offset: 0,
            lines: None,
        }
    }

    /// Records where the newlines are, so a reader that reads ahead can still tell lines.
    pub fn with_line_index(mut self, index: LineIndex) -> Self {
        self.lines = Some(index);
        self
    }

    fn fail(&self, e: ImportError) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, e)
    }

    /// Reads and decodes the next piece of input into `out`.
    fn fill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.out_pos = 0;
        while self.out.is_empty() && !self.finished {
            if self.in_start == self.in_end && !self.eof {
                self.in_start = 0;
                self.in_end = 0;
                let n = loop {
                    match self.inner.read(&mut self.input) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(e),
                    }
                };
                self.in_end = n;
                self.eof = n == 0;
            }
            let src = &self.input[self.in_start..self.in_end];
            let cap = self
                .decoder
                .max_utf8_buffer_length_without_replacement(src.len())
                .unwrap_or(src.len() * 3 + 16)
                .max(16);
            self.out.resize(cap, 0);
            let (result, read, written) =
                self.decoder
                    .decode_to_utf8_without_replacement(src, &mut self.out, self.eof);
            self.out.truncate(written);
            let bad_at = self.in_start + read;
            self.in_start += read;
            match result {
                DecoderResult::InputEmpty => {
                    if self.eof {
                        self.finished = true;
                    }
                }
                DecoderResult::OutputFull => {}
                DecoderResult::Malformed(_, _) => {
                    let line = self.line + self.out.iter().filter(|&&b| b == b'\n').count();
                    let reason = match self.chosen {
                        Some(enc) => format!("not valid {} text", enc.name().to_ascii_lowercase()),
                        None => {
                            let guess = guess_encoding(&self.input[..self.in_end.max(bad_at)]);
                            format!(
                                "not UTF-8 text: it looks like {guess}; import it with --encoding {guess}"
                            )
                        }
                    };
                    return Err(self.fail(ImportError::at(line, reason)));
                }
            }
        }
        self.scan()?;
        Ok(())
    }

    /// Counts lines and follows the CSV quoting of the newly decoded text.
    fn scan(&mut self) -> io::Result<()> {
        if let Some(index) = &self.lines {
            let mut inner = index.0.borrow_mut();
            for (i, &b) in self.out.iter().enumerate() {
                if b == b'\n' {
                    inner.0.push_back(self.offset + i as u64);
                }
            }
        }
        self.offset += self.out.len() as u64;
        for &b in &self.out {
            if self.csv {
                self.quote = match (self.quote, b) {
                    (Quote::FieldStart, b'"') => {
                        self.quote_line = self.line;
                        Quote::Quoted
                    }
                    (Quote::FieldStart | Quote::Unquoted | Quote::ClosingOrDoubled, b',' | b'\n') => {
                        Quote::FieldStart
                    }
                    (Quote::FieldStart | Quote::Unquoted, _) => Quote::Unquoted,
                    (Quote::Quoted, b'"') => Quote::ClosingOrDoubled,
                    (Quote::Quoted, _) => Quote::Quoted,
                    (Quote::ClosingOrDoubled, b'"') => Quote::Quoted,
                    (Quote::ClosingOrDoubled, _) => Quote::Unquoted,
                };
            }
            if b == b'\n' {
                self.line += 1;
            }
        }
        if self.finished && self.csv && self.quote == Quote::Quoted {
            let line = self.quote_line;
            return Err(self.fail(ImportError::at(
                line,
                "the file ends inside a quoted field that starts on this line: it was cut short",
            )));
        }
        Ok(())
    }
}

impl<R: Read> Read for TextReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.out_pos == self.out.len() {
            if self.finished {
                return Ok(0);
            }
            self.fill()?;
        }
        let n = buf.len().min(self.out.len() - self.out_pos);
        buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

/// The [`ImportError`] a [`TextReader`] raised, if this I/O error is one.
pub fn import_error_of(e: &io::Error) -> Option<ImportError> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<ImportError>())
        .cloned()
}

/// The [`ImportError`] inside a CSV error from a [`TextReader`], if it is one.
pub fn import_error_of_csv(e: &csv::Error) -> Option<ImportError> {
    match e.kind() {
        csv::ErrorKind::Io(io) => import_error_of(io),
        _ => None,
    }
}

/// What a [`TextReader`] refused, so a page can say it in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextProblem {
    /// Not UTF-8, and no encoding was chosen: the likely encoding's label.
    NotUtf8 { guess: &'static str },
    /// Not valid in the chosen encoding (its name).
    NotValid { encoding: String },
    /// The file ends inside a quoted field.
    CutShort,
}

/// The [`TextProblem`] behind an error of a [`TextReader`], if it is one.
pub fn text_problem(e: &ImportError) -> Option<TextProblem> {
    if e.reason.starts_with("not UTF-8 text") {
        let guess = if e.reason.contains("gb18030") {
            "gb18030"
        } else {
            "windows-1252"
        };
        Some(TextProblem::NotUtf8 { guess })
    } else if let Some(rest) = e.reason.strip_prefix("not valid ") {
        Some(TextProblem::NotValid {
            encoding: rest.trim_end_matches(" text").to_string(),
        })
    } else if e.reason.starts_with("the file ends inside a quoted field") {
        Some(TextProblem::CutShort)
    } else {
        None
    }
}

/// Decodes a whole file held in memory to UTF-8 (see [`TextReader`]).
pub fn decode_all(
    bytes: &[u8],
    encoding: Option<&'static Encoding>,
    csv: bool,
) -> Result<Vec<u8>, ImportError> {
    let mut out = Vec::with_capacity(bytes.len());
    TextReader::new(bytes, encoding, csv)
        .read_to_end(&mut out)
        .map_err(|e| import_error_of(&e).unwrap_or_else(|| ImportError::at(0, e.to_string())))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom() {
        assert_eq!(decode_all(b"\xEF\xBB\xBFa,b\n", None, true).unwrap(), b"a,b\n");
        assert_eq!(
            decode_all("a,é\n".as_bytes(), None, true).unwrap(),
            "a,é\n".as_bytes()
        );
    }

    #[test]
    fn not_utf8_names_line_and_guess() {
        let e = decode_all(b"name\nok\nCaf\xe9\n", None, true).unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.reason.contains("--encoding windows-1252"), "{e}");
        let (gbk, _, _) = encoding_rs::GBK.encode("名称\n张记面馆\n");
        let e = decode_all(&gbk, None, true).unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.reason.contains("--encoding gb18030"), "{e}");
        let text = decode_all(&gbk, encoding_for("gbk"), true).unwrap();
        assert_eq!(text, "名称\n张记面馆\n".as_bytes());
        let w = decode_all(b"Caf\xe9 \x92s\n", encoding_for("windows-1252"), true).unwrap();
        assert_eq!(String::from_utf8(w).unwrap(), "Café ’s\n");
    }

    #[test]
    fn cut_inside_quotes_refused() {
        let e = decode_all(b"a,b\n1,\"x\"\n2,\"long\ntext", None, true).unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        assert!(e.reason.contains("cut short"), "{e}");
        // Doubled quotes and quotes inside unquoted fields are fine.
        decode_all(b"a,b\n1,\"say \"\"hi\"\"\"\n2,5\" pan\n", None, true).unwrap();
        decode_all(b"a,b\n1,\"x\"", None, true).unwrap();
        // Not CSV: no quote check.
        decode_all(b"<a>\"</a>", None, false).unwrap();
    }
}
