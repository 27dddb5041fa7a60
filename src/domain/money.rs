//! Money in integer fen (分): parsing what people type in yuan, and printing it back.

/// Parses an amount in yuan with at most two decimals ("2000", "2000.5", "2,000.50", "¥80") into
/// fen, exactly (no floating point). Negative amounts are rejected.
pub fn parse_yuan(input: &str) -> Result<i64, MoneyError> {
    let s: String = input
        .trim()
        .trim_start_matches(['¥', '￥'])
        .chars()
        .filter(|c| *c != ',')
        .collect();
    if s.is_empty() {
        return Err(MoneyError::Empty);
    }
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s.as_str(), ""),
    };
    let trailing_dot = s.ends_with('.');
    if whole.is_empty()
        || trailing_dot
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return Err(MoneyError::NotANumber);
    }
    if frac.len() > 2 {
        return Err(MoneyError::TooManyDecimals);
    }
    let yuan: i64 = whole.parse().map_err(|_| MoneyError::TooLarge)?;
    let fen_part: i64 = format!("{frac:0<2}")
        .parse()
        .map_err(|_| MoneyError::NotANumber)?;
    yuan.checked_mul(100)
        .and_then(|f| f.checked_add(fen_part))
        .filter(|f| *f <= 100_000_000_000)
        .ok_or(MoneyError::TooLarge)
}

/// Fen as yuan with two decimals and thousands separators: 8000000 → "80,000.00".
pub fn format_fen(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    let yuan = (a / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in yuan.chars().enumerate() {
        if i > 0 && (yuan.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped}.{:02}", a % 100)
}

/// Why an amount could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyError {
    Empty,
    NotANumber,
    TooManyDecimals,
    TooLarge,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly() {
        assert_eq!(parse_yuan("2000"), Ok(200_000));
        assert_eq!(parse_yuan("2000.5"), Ok(200_050));
        assert_eq!(parse_yuan("2,000.05"), Ok(200_005));
        assert_eq!(parse_yuan(" ¥0.01 "), Ok(1));
        assert_eq!(parse_yuan("0.1"), Ok(10));
        assert_eq!(parse_yuan("12.345"), Err(MoneyError::TooManyDecimals));
        assert_eq!(parse_yuan("-5"), Err(MoneyError::NotANumber));
        assert_eq!(parse_yuan("1e3"), Err(MoneyError::NotANumber));
        assert_eq!(parse_yuan(""), Err(MoneyError::Empty));
        assert_eq!(parse_yuan(".5"), Err(MoneyError::NotANumber));
        assert_eq!(parse_yuan("12."), Err(MoneyError::NotANumber));
        assert_eq!(parse_yuan("99999999999999999999"), Err(MoneyError::TooLarge));
    }

    #[test]
    fn formats_with_separators() {
        assert_eq!(format_fen(8_000_000), "80,000.00");
        assert_eq!(format_fen(5), "0.05");
        assert_eq!(format_fen(123_456_789), "1,234,567.89");
    }
}
