//! The FSA open-data XML files (`FHRS807en-GB.xml`).

use super::*;

pub(super) fn parse_xml(
    bytes: &[u8],
    progress: &mut dyn FnMut(usize),
) -> Result<Vec<FhrsEstablishment>, ImportError> {
    let mut lines = LineCounter::new(bytes);
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().trim_text(true);
    let mut buf = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut current: Option<(RawRecord, usize)> = None;
    let mut text = String::new();
    let mut sink = Sink {
        out: Vec::new(),
        ids: HashSet::new(),
        progress,
    };
    let mut saw_root = false;
    loop {
        let event = reader.read_event_into(&mut buf);
        let pos = reader.buffer_position() as usize;
        match event {
            Err(e) => {
                let at = reader.error_position() as usize;
                return Err(ImportError::at(lines.line_at(at), format!("invalid XML: {e}")));
            }
            Ok(Event::Start(e)) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if stack.is_empty() {
                    if saw_root || name != "FHRSEstablishment" {
                        return Err(ImportError::at(
                            lines.line_at(pos),
                            format!("expected root element <FHRSEstablishment>, found <{name}>"),
                        ));
                    }
                    saw_root = true;
                }
                if name == "EstablishmentDetail" {
                    if current.is_some() {
                        return Err(ImportError::at(
                            lines.line_at(pos),
                            "nested <EstablishmentDetail>",
                        ));
                    }
                    current = Some((RawRecord::default(), lines.line_at(pos)));
                }
                stack.push(name);
                text.clear();
            }
            Ok(Event::Empty(e)) => {
                if stack.is_empty() {
                    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                    return Err(ImportError::at(
                        lines.line_at(pos),
                        format!("expected root element <FHRSEstablishment>, found <{name}/>"),
                    ));
                }
            }
            Ok(Event::Text(t)) => {
                let s = t
                    .unescape()
                    .map_err(|e| ImportError::at(lines.line_at(pos), format!("invalid XML text: {e}")))?;
                text.push_str(&s);
            }
            Ok(Event::CData(c)) => {
                text.push_str(&String::from_utf8_lossy(&c.into_inner()));
            }
            Ok(Event::End(_)) => {
                // quick-xml has already checked that the end tag matches the start tag.
                let name = stack.pop().unwrap_or_default();
                if name == "EstablishmentDetail" {
                    if let Some((raw, line)) = current.take() {
                        sink.push(raw, line)?;
                    }
                } else if let Some((raw, _)) = current.as_mut() {
                    let parent = stack.last().map(String::as_str).unwrap_or("");
                    let slot = match parent {
                        "Scores" => raw.score_slot(&name),
                        "EstablishmentDetail" => raw.slot(&name),
                        _ => None,
                    };
                    if let Some(slot) = slot {
                        *slot = Some(std::mem::take(&mut text));
                    }
                }
                text.clear();
            }
            Ok(Event::Eof) => {
                if let Some(open) = stack.last() {
                    return Err(ImportError::at(
                        lines.line_at(bytes.len()),
                        format!("unexpected end of file inside <{open}> (truncated XML?)"),
                    ));
                }
                if !saw_root {
                    return Err(ImportError::at(1, "no <FHRSEstablishment> element"));
                }
                break;
            }
            Ok(_) => {}
        }
        buf.clear();
    }
    Ok(sink.out)
}
