//! Text renderings that must match Python byte for byte: `repr(float)`, `json.dumps`
//! (default separators, ASCII-only) and `repr()` of lists/dicts, plus a compact JSON writer.

use std::fmt::Write;

use crate::value::Value;

/// Appends Python's `repr` of a float: shortest round-trip digits, scientific notation
/// when the decimal exponent is < -4 or >= 16, always a fractional part otherwise.
pub fn push_py_float(out: &mut String, f: f64) {
    if f.is_nan() {
        out.push_str("nan");
        return;
    }
    if f.is_infinite() {
        out.push_str(if f > 0.0 { "inf" } else { "-inf" });
        return;
    }
    if f == 0.0 {
        out.push_str(if f.is_sign_negative() { "-0.0" } else { "0.0" });
        return;
    }
    if f < 0.0 {
        out.push('-');
    }
    // `{:e}` yields the shortest round-trip digits as `d.ddde<exp>`; a stack buffer
    // avoids an allocation per value.
    let mut sci = StackBuf::default();
    let _ = write!(sci, "{:e}", f.abs());
    let sci = sci.as_str();
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut digit_buf = StackBuf::default();
    for c in mantissa.chars().filter(|c| *c != '.') {
        let _ = digit_buf.write_char(c);
    }
    let digits = digit_buf.as_str();
    let n = digits.len() as i32;
    if !(-4..16).contains(&exp) {
        out.push_str(&digits[..1]);
        if n > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(
            out,
            "e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.unsigned_abs()
        );
    } else if exp >= 0 {
        let int_len = exp + 1;
        if n <= int_len {
            out.push_str(digits);
            out.extend(std::iter::repeat_n('0', (int_len - n) as usize));
            out.push_str(".0");
        } else {
            out.push_str(&digits[..int_len as usize]);
            out.push('.');
            out.push_str(&digits[int_len as usize..]);
        }
    } else {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
        out.push_str(digits);
    }
}

/// A small fixed buffer for number formatting (a shortest f64 in `{:e}` form needs < 32
/// bytes).
struct StackBuf {
    buf: [u8; 40],
    len: usize,
}

impl Default for StackBuf {
    fn default() -> Self {
        StackBuf {
            buf: [0; 40],
            len: 0,
        }
    }
}

impl StackBuf {
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}

impl Write for StackBuf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(std::fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Python `repr(float)` as a new string.
pub fn py_float(f: f64) -> String {
    let mut s = String::new();
    push_py_float(&mut s, f);
    s
}

/// Appends `json.dumps(value)` as Python writes it with default arguments:
/// `", "` / `": "` separators, non-ASCII escaped as `\uXXXX`, NaN as `NaN`.
pub fn push_py_json(out: &mut String, v: &Value<'_>) {
    push_json_styled(out, v, true);
}

/// Appends compact JSON (no spaces, UTF-8 kept). Non-finite floats become `null`,
/// which keeps the output valid JSON.
pub fn push_json(out: &mut String, v: &Value<'_>) {
    push_json_styled(out, v, false);
}

fn push_json_styled(out: &mut String, v: &Value<'_>, python: bool) {
    let (item_sep, key_sep) = if python { (", ", ": ") } else { (",", ":") };
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::BigInt(s) => out.push_str(s),
        Value::Float(f) => push_json_float(out, *f, python),
        Value::Str(s) => push_json_string(out, s, python),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep);
                }
                push_json_styled(out, item, python);
            }
            out.push(']');
        }
        Value::Object(entries) => {
            out.push('{');
            for (i, (k, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(item_sep);
                }
                push_json_string(out, k, python);
                out.push_str(key_sep);
                push_json_styled(out, item, python);
            }
            out.push('}');
        }
    }
}

/// Appends a float as JSON. Python writes NaN/Infinity tokens; strict JSON has none.
pub fn push_json_float(out: &mut String, f: f64, python_tokens: bool) {
    if f.is_finite() {
        push_py_float(out, f);
    } else if python_tokens {
        out.push_str(if f.is_nan() {
            "NaN"
        } else if f > 0.0 {
            "Infinity"
        } else {
            "-Infinity"
        });
    } else {
        out.push_str("null");
    }
}

/// Appends a JSON string literal; `ascii_only` escapes every non-ASCII character.
pub fn push_json_string(out: &mut String, s: &str, ascii_only: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if ascii_only && !c.is_ascii() => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends Python's `repr()` of the value as a Python object (`[1, 'a', True, None]`).
/// 1.0.6 leaves such text for arrays under nested objects when `keep_arrays` is on.
pub fn push_py_repr(out: &mut String, v: &Value<'_>) {
    match v {
        Value::Null => out.push_str("None"),
        Value::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::BigInt(s) => out.push_str(s),
        Value::Float(f) => push_py_float(out, *f),
        Value::Str(s) => push_py_str_repr(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_py_repr(out, item);
            }
            out.push(']');
        }
        Value::Object(entries) => {
            out.push('{');
            for (i, (k, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_py_str_repr(out, k);
                out.push_str(": ");
                push_py_repr(out, item);
            }
            out.push('}');
        }
    }
}

fn push_py_str_repr(out: &mut String, s: &str) {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::parse;

    #[test]
    #[allow(clippy::excessive_precision)]
    fn float_repr_matches_python() {
        let cases = [
            (1.0, "1.0"),
            (100.0, "100.0"),
            (0.1, "0.1"),
            (123456789.123456789, "123456789.12345679"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1e22, "1e+22"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-1.5e-10, "-1.5e-10"),
            (-0.0, "-0.0"),
            (5e-324, "5e-324"),
            (1.5, "1.5"),
            (2.5e-7, "2.5e-07"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (12345.678, "12345.678"),
            (f64::NAN, "nan"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for (f, want) in cases {
            assert_eq!(py_float(f), want, "{f:e}");
        }
    }

    #[test]
    fn py_json_matches_json_dumps() {
        let v =
            parse(r#"["a", "é", {"x": 1, "y": [1.0, null, true]}, "😀\n"]"#.as_bytes()).unwrap();
        let mut s = String::new();
        push_py_json(&mut s, &v);
        assert_eq!(
            s,
            r#"["a", "\u00e9", {"x": 1, "y": [1.0, null, true]}, "\ud83d\ude00\n"]"#
        );
    }

    #[test]
    fn py_repr_matches_python() {
        let v = parse(br#"[1, "a", {"p": "x"}, true, null, 2.5, "it's"]"#).unwrap();
        let mut s = String::new();
        push_py_repr(&mut s, &v);
        assert_eq!(s, r#"[1, 'a', {'p': 'x'}, True, None, 2.5, "it's"]"#);
    }

    #[test]
    fn compact_json_is_valid_and_exact() {
        let v = parse(br#"{"a":[1,2.0,123456789012345678901234567890],"b":"\u0001"}"#).unwrap();
        let mut s = String::new();
        push_json(&mut s, &v);
        assert_eq!(
            s,
            r#"{"a":[1,2.0,123456789012345678901234567890],"b":"\u0001"}"#
        );
    }
}
