//! Writes a fixed scenario through a `TableSink`, for the Python tests that check the
//! files with independent readers (pyarrow, duckdb, polars).
//!
//! Usage: `write_fixture DIR [format=parquet|csv|jsonl] [KEY=VALUE ...]` where every other
//! `KEY=VALUE` is a sink option (e.g. `row_group_size=1000 compression=zstd:3
//! write_page_checksum=true`). Prints one line per output file:
//! `name<TAB>path<TAB>rows<TAB>row_groups<TAB>bytes`.
//!
//! Scenario (row `i` is the global row number of table `main`):
//! - `main`, 3 500 rows in batches of 1 500, 1 500, 500:
//!   `id` int64 = i; `name` = `n{i%7}` (absent from the last batch);
//!   `score` int64 = i, then float64 = i + 0.5 in the last batch (widened to float64);
//!   `flag` bool = i even (absent from the last batch);
//!   `code` int64 = i, then string `c{i}` in the last batch (widened to string);
//!   `late` string `late{i}`, first seen at row 1 500.
//! - `main.items` (file `main_items`), first seen in the second batch: 700 rows with
//!   `idx` = j, `value` = j / 4, `maybe` and `nothing` of Arrow type Null; then 300 rows
//!   that add `note` = `x{j}` and have `maybe` = `m{j}` (Null widened to string) while
//!   `nothing` stays Null (so the file has a null-typed column).
//! - `empty`: only a zero-row batch, so no file.
#![allow(clippy::print_stdout)]

use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Float64Array, Int64Array, NullArray, RecordBatch, StringArray,
};
use transmog_io::{Format, OptionValue, SinkOptions, TableSink};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> Res<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .ok_or("usage: write_fixture DIR [KEY=VALUE ...]")?,
    );
    let mut settings = Vec::new();
    let mut format = Format::Parquet;
    for arg in args {
        let (k, v) = arg
            .split_once('=')
            .ok_or_else(|| format!("expected KEY=VALUE, got `{arg}`"))?;
        if k == "format" {
            format = Format::parse(v)?;
        } else {
            settings.push((k.to_owned(), v.to_owned()));
        }
    }
    let mut opts = SinkOptions::new(format);
    for (k, v) in settings {
        opts.set(&k, OptionValue::Str(v))?;
    }
    let mut sink = TableSink::create(&dir, opts)?;

    let range = |a: i64, b: i64| (a..b).collect::<Vec<i64>>();
    let strings = |v: &[i64], f: &dyn Fn(i64) -> String| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(v.iter().map(|i| f(*i))))
    };
    let ints = |v: &[i64]| -> ArrayRef { Arc::new(Int64Array::from(v.to_vec())) };
    let batch = |cols: Vec<(&str, ArrayRef)>| RecordBatch::try_from_iter(cols);

    let empty: Vec<i64> = Vec::new();
    sink.write("empty", &batch(vec![("x", ints(&empty))])?)?;

    for (k, (a, b)) in [(0, 1500), (1500, 3000)].into_iter().enumerate() {
        let ids = range(a, b);
        let mut cols = vec![
            ("id", ints(&ids)),
            ("name", strings(&ids, &|i| format!("n{}", i % 7))),
            ("score", ints(&ids)),
            (
                "flag",
                Arc::new(BooleanArray::from(
                    ids.iter().map(|i| i % 2 == 0).collect::<Vec<_>>(),
                )) as ArrayRef,
            ),
            ("code", ints(&ids)),
        ];
        if k == 1 {
            cols.push(("late", strings(&ids, &|i| format!("late{i}"))));
        }
        sink.write("main", &batch(cols)?)?;
        if k == 1 {
            let j = range(0, 700);
            let value: ArrayRef = Arc::new(Float64Array::from_iter_values(
                j.iter().map(|v| *v as f64 / 4.0),
            ));
            let nulls: ArrayRef = Arc::new(NullArray::new(j.len()));
            sink.write(
                "main.items",
                &batch(vec![
                    ("idx", ints(&j)),
                    ("value", value),
                    ("maybe", Arc::clone(&nulls)),
                    ("nothing", nulls),
                ])?,
            )?;
        }
    }
    let ids = range(3000, 3500);
    let score: ArrayRef = Arc::new(Float64Array::from_iter_values(
        ids.iter().map(|i| *i as f64 + 0.5),
    ));
    sink.write(
        "main",
        &batch(vec![
            ("late", strings(&ids, &|i| format!("late{i}"))),
            ("id", ints(&ids)),
            ("score", score),
            ("code", strings(&ids, &|i| format!("c{i}"))),
        ])?,
    )?;
    let j = range(700, 1000);
    let value: ArrayRef = Arc::new(Float64Array::from_iter_values(
        j.iter().map(|v| *v as f64 / 4.0),
    ));
    sink.write(
        "main.items",
        &batch(vec![
            ("idx", ints(&j)),
            ("value", value),
            ("note", strings(&j, &|i| format!("x{i}"))),
            ("nothing", Arc::new(NullArray::new(j.len())) as ArrayRef),
            ("maybe", strings(&j, &|i| format!("m{i}"))),
        ])?,
    )?;

    for t in sink.finish()? {
        println!(
            "{}\t{}\t{}\t{}\t{}",
            t.name,
            t.path.display(),
            t.rows,
            t.row_groups,
            t.bytes
        );
    }
    Ok(())
}
