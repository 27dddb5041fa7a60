//! The ratings API JSON: `{"establishments": [...]}` or a bare array, read record by record.

use super::*;

fn skip_ws(bytes: &[u8], mut pos: usize) -> usize {
    while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
        pos += 1;
    }
    pos
}

/// Parse one JSON value at `pos` with serde_json; returns it and the offset just after it.
fn json_value_at<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    pos: usize,
    lines: &mut LineCounter<'_>,
) -> Result<(T, usize), ImportError> {
    let mut stream = serde_json::Deserializer::from_slice(&bytes[pos..]).into_iter::<T>();
    match stream.next() {
        Some(Ok(v)) => Ok((v, pos + stream.byte_offset())),
        Some(Err(e)) => {
            let base = lines.line_at(pos);
            Err(ImportError::at(
                base + e.line().saturating_sub(1),
                format!("invalid JSON: {e}"),
            ))
        }
        None => Err(ImportError::at(
            lines.line_at(bytes.len()),
            "invalid JSON: unexpected end of file",
        )),
    }
}

fn expect_byte(
    bytes: &[u8],
    pos: usize,
    allowed: &[u8],
    lines: &mut LineCounter<'_>,
) -> Result<u8, ImportError> {
    match bytes.get(pos) {
        Some(b) if allowed.contains(b) => Ok(*b),
        Some(b) => Err(ImportError::at(
            lines.line_at(pos),
            format!(
                "invalid JSON: expected one of {:?}, found {:?}",
                String::from_utf8_lossy(allowed),
                char::from(*b)
            ),
        )),
        None => Err(ImportError::at(
            lines.line_at(pos),
            "invalid JSON: unexpected end of file",
        )),
    }
}

pub(super) fn parse_json(
    bytes: &[u8],
    progress: &mut dyn FnMut(usize),
) -> Result<Vec<FhrsEstablishment>, ImportError> {
    let mut lines = LineCounter::new(bytes);
    let mut pos = skip_ws(bytes, 0);
    let mut array_at = None;
    if bytes.get(pos) == Some(&b'{') {
        // Walk the top-level object's keys to find "establishments" without parsing the rest.
        pos += 1;
        loop {
            pos = skip_ws(bytes, pos);
            if bytes.get(pos) == Some(&b'}') {
                pos += 1;
                break;
            }
            let (key, next): (String, usize) = json_value_at(bytes, pos, &mut lines)?;
            pos = skip_ws(bytes, next);
            expect_byte(bytes, pos, b":", &mut lines)?;
            pos = skip_ws(bytes, pos + 1);
            if key == "establishments" && array_at.is_none() {
                array_at = Some(pos);
            }
            let (_, next): (serde::de::IgnoredAny, usize) = json_value_at(bytes, pos, &mut lines)?;
            pos = skip_ws(bytes, next);
            if expect_byte(bytes, pos, b",}", &mut lines)? == b'}' {
                pos += 1;
                break;
            }
            pos += 1;
        }
        if skip_ws(bytes, pos) != bytes.len() {
            return Err(ImportError::at(
                lines.line_at(pos),
                "invalid JSON: trailing characters",
            ));
        }
    } else {
        array_at = Some(pos);
    }
    let Some(mut pos) = array_at else {
        return Err(ImportError::at(1, "JSON has no \"establishments\" array"));
    };
    let mut lines = LineCounter::new(bytes);
    expect_byte(bytes, pos, b"[", &mut lines)?;
    pos += 1;
    let mut sink = Sink {
        out: Vec::new(),
        ids: HashSet::new(),
        progress,
    };
    loop {
        pos = skip_ws(bytes, pos);
        if bytes.get(pos) == Some(&b']') {
            break;
        }
        let start = pos;
        let (value, next): (Value, usize) = json_value_at(bytes, pos, &mut lines)?;
        let line = lines.line_at(start);
        let raw =
            json_record(&value).map_err(|r| ImportError::at(line, r).with_record(sink.out.len() + 1))?;
        sink.push(raw, line)?;
        pos = skip_ws(bytes, next);
        if expect_byte(bytes, pos, b",]", &mut lines)? == b']' {
            break;
        }
        pos += 1;
    }
    Ok(sink.out)
}

/// A JSON scalar as text: strings as is, numbers printed, null as absent.
fn json_text(field: &str, v: &Value) -> Result<Option<String>, String> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(if *b { "True" } else { "False" }.to_string())),
        _ => Err(format!("{field}: expected a string or number")),
    }
}

fn json_record(v: &Value) -> Result<RawRecord, String> {
    let obj = v.as_object().ok_or("establishment is not a JSON object")?;
    let mut raw = RawRecord::default();
    for (k, val) in obj {
        if k == "scores" {
            match val {
                Value::Null => {}
                Value::Object(scores) => {
                    for (sk, sv) in scores {
                        let text = json_text(sk, sv)?;
                        if let Some(slot) = raw.score_slot(sk) {
                            *slot = text;
                        }
                    }
                }
                _ => return Err("scores: expected an object".into()),
            }
        } else if raw.slot(k).is_some() {
            let text = json_text(k, val)?;
            if let Some(slot) = raw.slot(k) {
                *slot = text;
            }
        }
    }
    Ok(raw)
}

// ---------------------------------------------------------------- XML
