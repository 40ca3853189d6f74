//! Rendering single Arrow values as text (CSV fields, JSON values).
//!
//! Text formats keep each value's own type: an int written from an `Int64` batch is `3`
//! even if the column is `Float64` in another batch. Floats use Python `repr`.

use std::fmt::Write as _;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::Array;
use arrow_schema::DataType;

use transmog_core::text::{push_json_string, push_py_float as write_py_float};

/// Appends the text of `array[row]` to `out`; returns false (and appends nothing) for null.
/// Types other than the supported ones render as nothing (they are rejected earlier).
pub(crate) fn write_plain(out: &mut String, array: &dyn Array, row: usize) -> bool {
    if array.is_null(row) {
        return false;
    }
    match array.data_type() {
        DataType::Boolean => out.push_str(if array.as_boolean().value(row) {
            "true"
        } else {
            "false"
        }),
        DataType::Int64 => {
            let _ = write!(out, "{}", array.as_primitive::<Int64Type>().value(row));
        }
        DataType::Float64 => write_py_float(out, array.as_primitive::<Float64Type>().value(row)),
        DataType::Utf8 => out.push_str(array.as_string::<i32>().value(row)),
        DataType::LargeUtf8 => out.push_str(array.as_string::<i64>().value(row)),
        _ => return false,
    }
    true
}

/// Appends `array[row]` as a JSON value; returns false (appends nothing) if it should be
/// omitted: nulls, and non-finite floats (NaN and ±inf have no JSON representation, so the
/// key is left out exactly like a null).
pub(crate) fn write_json(out: &mut String, array: &dyn Array, row: usize) -> bool {
    if array.is_null(row) {
        return false;
    }
    match array.data_type() {
        DataType::Boolean | DataType::Int64 => write_plain(out, array, row),
        DataType::Float64 => {
            let v = array.as_primitive::<Float64Type>().value(row);
            if !v.is_finite() {
                return false;
            }
            write_py_float(out, v);
            true
        }
        DataType::Utf8 => {
            write_json_string(out, array.as_string::<i32>().value(row));
            true
        }
        DataType::LargeUtf8 => {
            write_json_string(out, array.as_string::<i64>().value(row));
            true
        }
        _ => false,
    }
}

/// Appends `s` as a JSON string literal (RFC 8259 escaping; non-ASCII kept as UTF-8).
pub(crate) fn write_json_string(out: &mut String, s: &str) {
    push_json_string(out, s, false);
}

/// Appends `field` as a CSV field (RFC 4180): quoted when it contains the delimiter, a
/// quote, CR or LF, with quotes doubled.
pub(crate) fn write_csv_field(out: &mut String, field: &str, delimiter: u8) {
    let needs_quotes = field
        .bytes()
        .any(|b| b == delimiter || b == b'"' || b == b'\r' || b == b'\n');
    if needs_quotes {
        out.push('"');
        for c in field.chars() {
            if c == '"' {
                out.push('"');
            }
            out.push(c);
        }
        out.push('"');
    } else {
        out.push_str(field);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings() {
        let mut s = String::new();
        write_json_string(&mut s, "a\"b\\c\n\u{1}é");
        assert_eq!(s, r#""a\"b\\c\n\u0001é""#);
    }

    #[test]
    fn csv_fields() {
        let mut s = String::new();
        write_csv_field(&mut s, "plain", b',');
        s.push('|');
        write_csv_field(&mut s, "a,b", b',');
        s.push('|');
        write_csv_field(&mut s, "say \"hi\"", b',');
        s.push('|');
        write_csv_field(&mut s, "two\nlines", b',');
        s.push('|');
        write_csv_field(&mut s, "a;b", b';');
        assert_eq!(s, "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\"|\"a;b\"");
    }
}
