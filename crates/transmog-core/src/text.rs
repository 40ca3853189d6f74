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
    if push_cents(out, f.abs()) {
        return;
    }
    push_shortest(out, f.abs());
}

/// Writes `a` when it has at most two decimals (prices, rates: most floats of business
/// data) without the general digit search. If `a * 100` is an integer `m` and `m / 100`
/// reads back as `a`, then `m / 100` written out reads back as `a`; below 1e12 doubles
/// lie less than 0.0002 apart, so no decimal with fewer digits (0.01 or more away) does
/// too: it is the shortest round-trip text, as Python prints it.
fn push_cents(out: &mut String, a: f64) -> bool {
    if a >= 1e12 {
        return false;
    }
    let m = a * 100.0;
    let cents = m as u64;
    if cents as f64 != m || cents as f64 / 100.0 != a {
        return false;
    }
    out.push_str(itoa::Buffer::new().format(cents / 100));
    let (tenths, hundredths) = ((cents / 10 % 10) as u8, (cents % 10) as u8);
    out.push('.');
    out.push(char::from(b'0' + tenths));
    if hundredths != 0 {
        out.push(char::from(b'0' + hundredths));
    }
    true
}

/// Python's float repr of a positive finite `a`, in general.
fn push_shortest(out: &mut String, a: f64) {
    // ryu gives the shortest round-trip digits, several times faster than `{:e}`, but
    // in its own layout (`1e16`, `0.00001`, `1000.0`): read the digits and the decimal
    // exponent back out of it and lay them out Python's way.
    let mut buf = ryu::Buffer::new();
    let text = buf.format_finite(a);
    // Between 1e-4 and 1e16 ryu already writes Python's layout (`0.5`, `1000.0`).
    if !text.contains('e') && !text.starts_with("0.0000") {
        out.push_str(text);
        return;
    }
    let text = text.as_bytes();
    let mut digits = [0u8; 24];
    let mut n = 0usize;
    let (mantissa, exp_part) = match text.iter().position(|&b| b == b'e') {
        Some(i) => (&text[..i], Some(&text[i + 1..])),
        None => (text, None),
    };
    // Exponent of the mantissa's first character, then adjusted for leading zeros.
    let point = mantissa
        .iter()
        .position(|&b| b == b'.')
        .unwrap_or(mantissa.len());
    let mut exp = point as i32 - 1;
    for &b in mantissa {
        if b == b'.' {
            continue;
        }
        if n == 0 && b == b'0' {
            exp -= 1;
            continue;
        }
        if n < digits.len() {
            digits[n] = b;
            n += 1;
        }
    }
    while n > 1 && digits[n - 1] == b'0' {
        n -= 1;
    }
    if let Some(e) = exp_part {
        let e = std::str::from_utf8(e)
            .ok()
            .and_then(|e| e.parse::<i32>().ok());
        exp += e.unwrap_or(0);
    }
    // ASCII digits only.
    let digits = std::str::from_utf8(&digits[..n]).unwrap_or("0");
    let n = n as i32;
    if !(-4..16).contains(&exp) {
        out.push_str(&digits[..1]);
        if n > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let sign = if exp < 0 { '-' } else { '+' };
        let _ = write!(out, "e{sign}{:02}", exp.unsigned_abs());
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
            // Two shortest candidates equally near: Python (and ryu) pick the even one.
            (2.2250738585072014e14, "222507385850720.12"),
            (-95208890146037.62, "-95208890146037.62"),
            (f64::NAN, "nan"),
            (f64::NEG_INFINITY, "-inf"),
        ];
        for (f, want) in cases {
            assert_eq!(py_float(f), want, "{f:e}");
        }
    }

    /// Python's float repr built from std's `{:e}` (shortest round-trip digits): the
    /// reference for the ryu-based layout. The two differ only where two shortest
    /// digit strings are equally near the value: std rounds the tie up, ryu and Python
    /// to even (`tie_or_equal`; tests/python checks against Python itself).
    fn reference_py_float(f: f64) -> String {
        if !f.is_finite() || f == 0.0 {
            return py_float(f);
        }
        let sci = format!("{:e}", f.abs());
        let (mantissa, exp) = sci.split_once('e').unwrap();
        let exp: i32 = exp.parse().unwrap();
        let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
        let n = digits.len() as i32;
        let body = if !(-4..16).contains(&exp) {
            let frac = if n > 1 {
                format!(".{}", &digits[1..])
            } else {
                String::new()
            };
            let sign = if exp < 0 { '-' } else { '+' };
            format!("{}{frac}e{sign}{:02}", &digits[..1], exp.unsigned_abs())
        } else if exp >= 0 && n <= exp + 1 {
            format!("{digits}{}.0", "0".repeat((exp + 1 - n) as usize))
        } else if exp >= 0 {
            format!(
                "{}.{}",
                &digits[..(exp + 1) as usize],
                &digits[(exp + 1) as usize..]
            )
        } else {
            format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
        };
        format!("{}{body}", if f < 0.0 { "-" } else { "" })
    }

    /// Equal, or both the same length, both reading back as `f`, and one unit apart
    /// in the last digit.
    fn tie_or_equal(ours: &str, reference: &str, f: f64) -> bool {
        if ours == reference {
            return true;
        }
        let split = |s: &str| -> (String, String) {
            match s.find('e') {
                Some(i) => (s[..i].to_string(), s[i..].to_string()),
                None => (s.to_string(), String::new()),
            }
        };
        let ((a, ea), (b, eb)) = (split(ours), split(reference));
        let (a, b) = (a.as_bytes(), b.as_bytes());
        let last = a.len().saturating_sub(1);
        ea == eb
            && a.len() == b.len()
            && a[..last] == b[..last]
            && a[last].abs_diff(b[last]) == 1
            && ours.parse::<f64>() == Ok(f)
            && reference.parse::<f64>() == Ok(f)
    }

    proptest::proptest! {
        #[test]
        fn float_repr_agrees_with_std_digits(bits in proptest::num::u64::ANY) {
            let f = f64::from_bits(bits);
            let (ours, reference) = (py_float(f), reference_py_float(f));
            proptest::prop_assert!(tie_or_equal(&ours, &reference, f), "{} vs {}", ours, reference);
        }

        #[test]
        fn float_repr_agrees_for_short_decimals(m in -99_999_999i64..99_999_999, e in -30i32..30) {
            let f: f64 = format!("{m}e{e}").parse().unwrap();
            proptest::prop_assert_eq!(py_float(f), reference_py_float(f));
        }
    }

    proptest::proptest! {
        #[test]
        fn float_repr_of_cents_agrees_with_the_general_layout(
            cents in -200_000_000_000_000i64..200_000_000_000_000,
            scale in 0u32..4,
        ) {
            // Amounts with 0-3 decimals, some beyond the 1e12 limit of the short path.
            let f: f64 = format!("{cents}e-{scale}").parse().unwrap();
            let mut general = String::new();
            if f < 0.0 {
                general.push('-');
            }
            if f == 0.0 {
                general = py_float(f);
            } else {
                push_shortest(&mut general, f.abs());
            }
            proptest::prop_assert_eq!(py_float(f), general);
        }
    }

    #[test]
    fn float_repr_of_cents_matches_python() {
        for (f, want) in [
            (0.05, "0.05"),
            (0.1, "0.1"),
            (12.3, "12.3"),
            (-12.34, "-12.34"),
            (19.99, "19.99"),
            (100.0, "100.0"),
            (999999999999.99, "999999999999.99"),
            (1e12, "1000000000000.0"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1.005, "1.005"),
        ] {
            assert_eq!(py_float(f), want, "{f:e}");
        }
    }

    #[test]
    fn float_repr_agrees_around_layout_edges() {
        for e in -330..310 {
            for m in [1.0, 1.5, 9.999999999999999, 2.2250738585072014] {
                let f: f64 = format!("{m}e{e}").parse().unwrap();
                for f in [f, -f] {
                    let (ours, reference) = (py_float(f), reference_py_float(f));
                    assert!(tie_or_equal(&ours, &reference, f), "{ours} vs {reference}");
                }
            }
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
