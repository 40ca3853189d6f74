//! Rendering single Arrow values as text (CSV fields, JSON values).
//!
//! Text formats keep each value's own type: an int is `3` whether its batch column is
//! `Int64`, or `Float64` or `Utf8` because other values of the batch widened it (the
//! cell's original kind says so), so the text does not depend on where batches were cut
//! (batch size, thread count). Floats use Python `repr`.

use std::fmt::Write as _;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::Array;
use arrow_schema::DataType;

use transmog_core::text::{push_json_string, push_py_float as write_py_float};
use transmog_core::{CellExtras, Kind};

/// One batch column with the original kinds of its cells, where the flattener kept them.
#[derive(Clone, Copy)]
pub(crate) struct Column<'a> {
    array: &'a dyn Array,
    kinds: Option<&'a [u8]>,
}

impl<'a> Column<'a> {
    /// Column `i` of `batch`; `extras` is one entry per column, or empty when unknown.
    pub(crate) fn of(
        batch: &'a arrow_array::RecordBatch,
        extras: &'a [CellExtras],
        i: usize,
    ) -> Self {
        Column {
            array: batch.column(i).as_ref(),
            kinds: extras.get(i).and_then(|e| e.kinds.as_deref()),
        }
    }

    fn kind(&self, row: usize) -> Option<Kind> {
        self.kinds
            .and_then(|k| k.get(row))
            .map(|&b| Kind::from_u8(b))
    }

    /// An integer that a float elsewhere in its batch widened to `Float64`.
    fn widened_int(&self, row: usize) -> Option<i64> {
        match (self.array.data_type(), self.kind(row)) {
            (DataType::Float64, Some(Kind::Int)) => {
                // Exact: ints only widen to floats while every one is within 2^53.
                Some(self.array.as_primitive::<Float64Type>().value(row) as i64)
            }
            _ => None,
        }
    }
}

/// Appends the text of `col[row]` to `out`; returns false (and appends nothing) for null.
/// Types other than the supported ones render as nothing (they are rejected earlier).
pub(crate) fn write_plain(out: &mut String, col: Column<'_>, row: usize) -> bool {
    let array = col.array;
    if array.is_null(row) {
        return false;
    }
    if let Some(i) = col.widened_int(row) {
        let _ = write!(out, "{i}");
        return true;
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
/// A number or boolean in a column that mixed kinds made `Utf8` is written as that
/// number or boolean, as its own column would have it.
pub(crate) fn write_json(out: &mut String, col: Column<'_>, row: usize) -> bool {
    let array = col.array;
    if array.is_null(row) {
        return false;
    }
    if col.widened_int(row).is_some() {
        return write_plain(out, col, row);
    }
    match array.data_type() {
        DataType::Boolean | DataType::Int64 => write_plain(out, col, row),
        DataType::Float64 => {
            let v = array.as_primitive::<Float64Type>().value(row);
            if !v.is_finite() {
                return false;
            }
            write_py_float(out, v);
            true
        }
        DataType::Utf8 => {
            let text = array.as_string::<i32>().value(row);
            match col.kind(row) {
                Some(Kind::Bool | Kind::Int | Kind::BigInt) => out.push_str(text),
                // Python's repr of NaN and infinity has no JSON form: left out as above.
                Some(Kind::Float) if text.ends_with("nan") || text.ends_with("inf") => {
                    return false
                }
                Some(Kind::Float) => out.push_str(text),
                _ => write_json_string(out, text),
            }
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
    use std::sync::Arc;

    use arrow_array::{Float64Array, RecordBatch, StringArray};

    /// Each cell of column `i` as JSON Lines and CSV write it (`None`: left out).
    fn rendered(
        batch: &RecordBatch,
        extras: &[CellExtras],
        i: usize,
    ) -> Vec<(Option<String>, String)> {
        (0..batch.num_rows())
            .map(|row| {
                let col = Column::of(batch, extras, i);
                let mut json = String::new();
                let json = write_json(&mut json, col, row).then_some(json);
                let mut plain = String::new();
                write_plain(&mut plain, col, row);
                (json, plain)
            })
            .collect()
    }

    #[test]
    fn a_cell_is_written_as_its_own_kind_whatever_its_batch_column() {
        let texts = StringArray::from(vec!["7", "true", "nan", "1e+16", "x", "[1]", "5"]);
        let f = RecordBatch::try_from_iter([(
            "f",
            Arc::new(Float64Array::from(vec![3.0, 2.5, 4.0])) as arrow_array::ArrayRef,
        )])
        .unwrap();
        let kinds = |k: &[Kind]| CellExtras {
            kinds: Some(k.iter().map(|&k| k as u8).collect()),
            present_nulls: Vec::new(),
        };
        let f_extras = [kinds(&[Kind::Int, Kind::Float, Kind::Float])];
        let got = rendered(&f, &f_extras, 0);
        let want = [("3", "3"), ("2.5", "2.5"), ("4.0", "4.0")];
        for ((json, plain), (j, p)) in got.iter().zip(want) {
            assert_eq!((json.as_deref(), plain.as_str()), (Some(j), p));
        }
        // Without kinds a float column is all floats.
        assert_eq!(rendered(&f, &[], 0)[0].0.as_deref(), Some("3.0"));

        let s =
            RecordBatch::try_from_iter([("s", Arc::new(texts) as arrow_array::ArrayRef)]).unwrap();
        let s_extras = [kinds(&[
            Kind::Int,
            Kind::Bool,
            Kind::Float,
            Kind::Float,
            Kind::Str,
            Kind::Json,
            Kind::BigInt,
        ])];
        let json: Vec<Option<String>> = rendered(&s, &s_extras, 0)
            .into_iter()
            .map(|r| r.0)
            .collect();
        let want = ["7", "true", "", "1e+16", "\"x\"", "\"[1]\"", "5"];
        let want: Vec<Option<String>> = want
            .iter()
            .map(|w| (!w.is_empty()).then(|| w.to_string()))
            .collect();
        assert_eq!(json, want);
    }

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
