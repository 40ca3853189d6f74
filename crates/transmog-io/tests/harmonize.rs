//! Parts of one table written by separate tasks get one type per column: the parts
//! another part typed differently are rewritten by the widening lattice, with the run's
//! writer settings; the others are left byte for byte as they were.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use arrow_schema::DataType;
use common::*;
use transmog_io::{harmonize, Format, SinkOptions, TableSink};

fn part(
    dir: &Path,
    name: &str,
    cols: Vec<(&str, arrow_array::ArrayRef)>,
    opts: &SinkOptions,
) -> PathBuf {
    let task = dir.join(format!("task-{name}"));
    let mut sink = TableSink::create(&task, opts.clone()).unwrap();
    sink.write(name, &batch(cols)).unwrap();
    sink.finish().unwrap().remove(0).path
}

/// Flips the last value byte of column 0's first page and reads the file back with
/// parquet's checking reader (built with its `crc` feature).
fn crc_catches_a_flipped_byte(path: &Path) -> bool {
    let md = metadata(path);
    let c = md.row_group(0).column(0);
    let last = (c.data_page_offset() + c.compressed_size() - 1) as usize;
    let mut bytes = std::fs::read(path).unwrap();
    bytes[last] ^= 1;
    let bad = path.with_extension("flipped");
    std::fs::write(&bad, bytes).unwrap();
    let file = std::fs::File::open(&bad).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let failed = reader
        .into_iter()
        .any(|b| b.is_err_and(|e| e.to_string().contains("CRC checksum mismatch")));
    std::fs::remove_file(bad).unwrap();
    failed
}

#[test]
fn parts_meet_at_the_lattice_and_keep_their_own_columns() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = SinkOptions::new(Format::Parquet);
    opts.set("write_page_checksum", true.into()).unwrap();
    opts.set("compression", "none".into()).unwrap();
    opts.set("use_dictionary", false.into()).unwrap();
    let a = part(
        dir.path(),
        "a",
        vec![("n", ints([1, 2])), ("flag", bools(vec![true, false]))],
        &opts,
    );
    let b = part(
        dir.path(),
        "b",
        vec![
            ("n", floats([0.5])),
            ("flag", ints([7])),
            ("only_b", strs(["x"])),
        ],
        &opts,
    );
    let c = part(dir.path(), "c", vec![("other", strs(["y"]))], &opts);
    let c_before = std::fs::read(&c).unwrap();

    let schema = harmonize("t", &[a.clone(), b.clone(), c.clone()], &opts, "_", None)
        .unwrap()
        .0;
    assert_eq!(field_names(&schema), ["n", "flag", "only_b", "other"]);
    assert_eq!(field_type(&schema, "n"), DataType::Float64);
    assert_eq!(field_type(&schema, "flag"), DataType::Utf8);

    let (sa, ba) = read_parquet(&a);
    assert_eq!(field_names(&sa), ["n", "flag"]);
    assert_eq!(col_f64(&ba, "n"), [Some(1.0), Some(2.0)]);
    // Booleans as text are the cast rules' `true`/`false`, like every other sink.
    assert_eq!(
        col_str(&ba, "flag"),
        [Some("true".into()), Some("false".into())]
    );
    let (_, bb) = read_parquet(&b);
    assert_eq!(col_str(&bb, "flag"), [Some("7".into())]);
    // The rewrite keeps the run's writer settings: its pages carry checksums, so a
    // flipped byte in a value is caught by a checking reader.
    assert!(crc_catches_a_flipped_byte(&a));
    // A part no column of which changed is not touched.
    assert_eq!(std::fs::read(&c).unwrap(), c_before);
    assert!(
        std::fs::read_dir(dir.path().join("task-a"))
            .unwrap()
            .count()
            == 1
    );
}

#[test]
fn an_int_beyond_two_to_the_53_keeps_int_and_float_apart() {
    let dir = tempfile::tempdir().unwrap();
    let opts = SinkOptions::new(Format::Parquet);
    let a = part(dir.path(), "a", vec![("n", ints([1 << 60]))], &opts);
    let b = part(dir.path(), "b", vec![("n", floats([0.5]))], &opts);
    let schema = harmonize("t", &[a.clone(), b.clone()], &opts, "_", None)
        .unwrap()
        .0;
    assert_eq!(field_type(&schema, "n"), DataType::Utf8);
    let (_, ba) = read_parquet(&a);
    assert_eq!(col_str(&ba, "n"), [Some((1i64 << 60).to_string())]);
    let (_, bb) = read_parquet(&b);
    assert_eq!(col_str(&bb, "n"), [Some("0.5".into())]);
}

/// One task's part of table `t` for `records` (JSON Lines), flattened on its own.
fn task_part(dir: &Path, task: &str, records: &[&str], opts: &SinkOptions) -> PathBuf {
    use transmog_core::{value, Config, Flattener, Location};
    let mut f = Flattener::new("t", Config::default()).unwrap();
    for (i, r) in records.iter().enumerate() {
        f.push(
            &value::parse(r.as_bytes()).unwrap(),
            Location::record(i as u64),
        )
        .unwrap();
    }
    let mut sink = TableSink::create(&dir.join(task), opts.clone()).unwrap();
    for b in f.take_batches() {
        sink.write(&b.table, &b.batch).unwrap();
    }
    sink.finish().unwrap().remove(0).path
}

#[test]
fn parts_are_named_again_in_input_order_like_one_run() {
    // Task 1 saw the literal key `a_b`, task 2 only the nested path a.b, which it named
    // `a_b` too. One run over both inputs gives the literal `a_b` and the nested `a_b_2`.
    let dir = tempfile::tempdir().unwrap();
    let opts = SinkOptions::new(Format::Parquet);
    let one = task_part(dir.path(), "1", &[r#"{"a_b": "lit"}"#], &opts);
    let two = task_part(
        dir.path(),
        "2",
        &[r#"{"a": {"b": "nested"}, "a_b": "lit2"}"#],
        &opts,
    );
    let (_, before) = read_parquet(&two);
    assert_eq!(col_str(&before, "a_b"), [Some("nested".into())]);

    let (schema, renamed) = harmonize("t", &[one.clone(), two.clone()], &opts, "_", None).unwrap();
    let data: Vec<String> = field_names(&schema)
        .into_iter()
        .filter(|n| !n.starts_with("__"))
        .collect();
    assert_eq!(data, ["a_b", "a_b_2"]);
    let (_, after) = read_parquet(&two);
    assert_eq!(col_str(&after, "a_b"), [Some("lit2".into())]);
    assert_eq!(col_str(&after, "a_b_2"), [Some("nested".into())]);
    assert_eq!(renamed.len(), 1);
    assert_eq!(
        (renamed[0].wanted.as_str(), renamed[0].given.as_str()),
        ("a_b", "a_b_2")
    );
}
