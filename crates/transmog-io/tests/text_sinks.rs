//! CSV and JSON Lines output.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, LargeStringArray, NullArray};
use common::*;
use transmog_io::{Format, OptionValue, SinkOptions, TableSink};

fn run(
    format: Format,
    setup: impl FnOnce(&mut SinkOptions),
    feed: impl FnOnce(&mut TableSink),
) -> (tempfile::TempDir, Vec<transmog_io::TableOutput>) {
    let dir = tempfile::tempdir().unwrap();
    let mut o = SinkOptions::new(format);
    setup(&mut o);
    let mut sink = TableSink::create(dir.path(), o).unwrap();
    feed(&mut sink);
    let out = sink.finish().unwrap();
    (dir, out)
}

#[test]
fn csv_late_columns_are_kept_and_earlier_rows_padded() {
    let (_dir, out) = run(
        Format::Csv,
        |_| {},
        |s| {
            s.write(
                "t",
                &batch(vec![("a", ints([1, 2])), ("b", strs(["x", "y,z"]))]),
            )
            .unwrap();
            s.write(
                "t",
                &batch(vec![("c", floats([1.5])), ("b", strs(["say \"hi\""]))]),
            )
            .unwrap();
            s.write("t", &batch(vec![("a", opt_ints(vec![None, Some(4)]))]))
                .unwrap();
            s.write("t", &batch(vec![("d", strs(["two\r\nlines"]))]))
                .unwrap();
        },
    );
    assert_eq!(out[0].rows, 6);
    let text = std::fs::read_to_string(&out[0].path).unwrap();
    assert_eq!(
        text,
        "a,b,c,d\r\n\
         1,x,,\r\n\
         2,\"y,z\",,\r\n\
         ,\"say \"\"hi\"\"\",1.5,\r\n\
         ,,,\r\n\
         4,,,\r\n\
         ,,,\"two\r\nlines\"\r\n"
    );
}

#[test]
fn csv_without_schema_change_and_options() {
    let (_dir, out) = run(
        Format::Csv,
        |o| {
            o.set("delimiter", ";".into()).unwrap();
            o.set("include_header", OptionValue::Bool(false)).unwrap();
        },
        |s| {
            s.write(
                "t",
                &batch(vec![
                    ("a", strs(["1;2", "plain"])),
                    ("b", bools(vec![true, false])),
                ]),
            )
            .unwrap();
            s.write(
                "t",
                &batch(vec![("b", bools(vec![true])), ("a", strs(["q"]))]),
            )
            .unwrap();
            s.write("one", &batch(vec![("v", opt_strs(vec![None, Some("")]))]))
                .unwrap();
        },
    );
    let text = std::fs::read_to_string(&out[0].path).unwrap();
    assert_eq!(text, "\"1;2\";true\r\nplain;false\r\nq;true\r\n");
    // a lone empty field is written as "" so the row is not a blank line
    let text = std::fs::read_to_string(&out[1].path).unwrap();
    assert_eq!(text, "\"\"\r\n\"\"\r\n");
}

#[test]
fn csv_late_column_with_header_off_is_padded_too() {
    let (_dir, out) = run(
        Format::Csv,
        |o| o.csv.include_header = false,
        |s| {
            s.write("t", &batch(vec![("a", ints([1]))])).unwrap();
            s.write("t", &batch(vec![("b", ints([2]))])).unwrap();
        },
    );
    assert_eq!(
        std::fs::read_to_string(&out[0].path).unwrap(),
        "1,\r\n,2\r\n"
    );
}

#[test]
fn jsonl_rows() {
    let nan: ArrayRef = Arc::new(Float64Array::from(vec![Some(f64::NAN), Some(1e16), None]));
    let big: ArrayRef = Arc::new(Int64Array::from(vec![i64::MAX, -1, 0]));
    let large: ArrayRef = Arc::new(LargeStringArray::from(vec!["l\"q", "\u{1}", "é"]));
    let (_dir, out) = run(
        Format::Jsonl,
        |_| {},
        |s| {
            s.write("t", &batch(vec![("id", ints([1])), ("s", strs(["a\nb"]))]))
                .unwrap();
            // different column order and a late column: keys follow first-seen order
            s.write(
                "t",
                &batch(vec![
                    ("f", nan),
                    ("s", large),
                    ("id", big),
                    ("n", Arc::new(NullArray::new(3)) as ArrayRef),
                ]),
            )
            .unwrap();
            s.write(
                "t",
                &batch(vec![("b", bools(vec![false])), ("f", floats([0.00001]))]),
            )
            .unwrap();
        },
    );
    let text = std::fs::read_to_string(&out[0].path).unwrap();
    assert_eq!(
        text,
        concat!(
            "{\"id\":1,\"s\":\"a\\nb\"}\n",
            "{\"id\":9223372036854775807,\"s\":\"l\\\"q\"}\n",
            "{\"id\":-1,\"s\":\"\\u0001\",\"f\":1e+16}\n",
            "{\"id\":0,\"s\":\"é\"}\n",
            "{\"f\":1e-05,\"b\":false}\n",
        )
    );
    assert_eq!(out[0].rows, 5);
    assert_eq!(out[0].path.extension().unwrap(), "jsonl");
}
