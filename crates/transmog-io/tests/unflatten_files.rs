//! The round-trip oracle through files: every conformance input (the Transmog 1.0.6
//! cases in tests/conformance) flattened with the lossless options, written to Parquet, read back and
//! unflattened gives the input back, equal as JSON values (key order aside, `1 == 1.0`).
//!
//! Null fields read back as absent (Parquet has one null), so they are compared as
//! absent; inputs outside what files can keep otherwise (see `transmog_core::unflatten`)
//! are listed and skipped by an independent check of the input; at least 40 of the 58
//! cases must be verified.
// The skipped cases are listed on stderr (shown with --nocapture or on failure).
#![allow(clippy::print_stderr)]

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use transmog_core::result::ResultTable;
use transmog_core::unflatten::unflatten;
use transmog_core::{value, Config, Flattener, Location, TableBatch, Value};
use transmog_io::{read_parquet, read_tables, Format, OptionValue, SinkOptions, TableSink};

/// The 1.0.6 cases and ours, or the folder `CONFORMANCE_CASES` names.
fn case_dirs() -> Vec<PathBuf> {
    match std::env::var_os("CONFORMANCE_CASES") {
        Some(p) => vec![PathBuf::from(p)],
        None => ["cases", "our-cases"]
            .iter()
            .map(|d| {
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../../tests/conformance")
                    .join(d)
            })
            .collect(),
    }
}

fn records_of(case: &Path) -> Option<Vec<Value<'static>>> {
    if let Ok(text) = std::fs::read(case.join("input.jsonl")) {
        return text
            .split(|b| *b == b'\n')
            .filter(|l| l.iter().any(|b| !b.is_ascii_whitespace()))
            .map(|l| value::parse(l).ok().map(Value::into_owned))
            .collect();
    }
    let text = std::fs::read(case.join("input.json")).ok()?;
    match value::parse(&text).ok()?.into_owned() {
        Value::Array(items) => Some(items),
        other => Some(vec![other]),
    }
}

/// Why files cannot give `v` back, if they cannot (`item`: `v` is an array item).
fn file_loss(v: &Value<'_>, item: bool, top: bool) -> Option<&'static str> {
    match v {
        Value::Object(e) if e.is_empty() => Some("empty object"),
        Value::Array(a) if a.is_empty() => Some("empty array"),
        Value::Object(e) => {
            let mut keys = HashSet::new();
            if !e.iter().all(|(k, _)| keys.insert(k)) {
                return Some("repeated key");
            }
            if item && e.len() == 1 && e[0].0 == "value" && !is_container(&e[0].1) {
                return Some("item object holding only `value`");
            }
            for (k, x) in e {
                if k.starts_with("__") {
                    if !top {
                        return Some("`__` key below the top level");
                    }
                    if is_container(x) {
                        return Some("`__` key holding JSON kept as text");
                    }
                }
                if let Some(why) = file_loss(x, false, false) {
                    return Some(why);
                }
            }
            None
        }
        Value::Array(items) => items.iter().find_map(|x| match x {
            Value::Array(_) => Some("array of arrays (kept as JSON text)"),
            _ => file_loss(x, true, false),
        }),
        Value::BigInt(_) => Some("integer beyond 64 bits (text in the file)"),
        _ => None,
    }
}

fn is_container(v: &Value<'_>) -> bool {
    matches!(v, Value::Object(_) | Value::Array(_))
}

fn kind(v: &Value<'_>) -> &'static str {
    match v {
        Value::Bool(_) => "bool",
        // ints and floats share a float64 column and compare as numbers
        Value::Int(_) | Value::Float(_) => "number",
        Value::Null => "null",
        _ => "text",
    }
}

/// Every leaf with its column: (owning array path, path inside the row), plus every
/// array as (table, field, owner path, full path) — named by the engine's naming rules
/// with the run's separator and threshold.
#[derive(Default)]
struct Shape {
    columns: HashMap<(Vec<String>, Vec<String>), HashSet<&'static str>>,
}

impl Shape {
    fn walk(&mut self, v: &Value<'_>, path: &mut Vec<String>, owner: usize) {
        let Value::Object(e) = v else { return };
        for (k, x) in e {
            path.push(k.to_string());
            match x {
                Value::Object(_) if !k.starts_with("__") => self.walk(x, path, owner),
                Value::Array(items) if !k.starts_with("__") => {
                    for item in items {
                        if let Value::Object(_) = item {
                            self.walk(item, path, path.len());
                        } else if !matches!(item, Value::Null) {
                            self.leaf(path.clone(), vec!["value".into()], item);
                        }
                    }
                }
                leaf => {
                    let inner = if k.starts_with("__") {
                        vec![k.to_string()]
                    } else {
                        path[owner..].to_vec()
                    };
                    self.leaf(path[..owner].to_vec(), inner, leaf);
                }
            }
            path.pop();
        }
    }

    fn leaf(&mut self, owner: Vec<String>, inner: Vec<String>, v: &Value<'_>) {
        self.columns
            .entry((owner, inner))
            .or_default()
            .insert(kind(v));
    }

    fn loss(&self) -> Option<&'static str> {
        if self.columns.values().any(|k| k.len() > 1) {
            return Some("a column holding several JSON types (text in the file)");
        }
        None
    }
}

/// What files keep of a value: a null field reads back as absent, so it is dropped,
/// then objects left empty vanish, and an array item left without any value is null.
fn without_null_fields(v: &Value<'_>, item: bool) -> Option<Value<'static>> {
    match v {
        Value::Object(e) => {
            let kept: Vec<_> = e
                .iter()
                .filter(|(_, x)| !matches!(x, Value::Null))
                .filter_map(|(k, x)| {
                    without_null_fields(x, false).map(|x| (Cow::Owned(k.to_string()), x))
                })
                .collect();
            match (kept.is_empty(), item) {
                (false, _) => Some(Value::Object(kept)),
                (true, true) => Some(Value::Null),
                (true, false) => None,
            }
        }
        Value::Array(items) => Some(Value::Array(
            items
                .iter()
                .map(|x| without_null_fields(x, true).unwrap_or(Value::Null))
                .collect(),
        )),
        other => Some(other.clone().into_owned()),
    }
}

/// Objects with sorted keys, numbers as f64 where exact (so `1` equals `1.0`).
fn normal(v: &Value<'_>) -> Value<'static> {
    match v {
        Value::Object(e) => {
            let mut e: Vec<_> = e
                .iter()
                .map(|(k, x)| (Cow::<str>::Owned(k.to_string()), normal(x)))
                .collect();
            e.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(e)
        }
        Value::Array(items) => Value::Array(items.iter().map(normal).collect()),
        Value::Int(i) if i.unsigned_abs() <= 1 << 53 => Value::Float(*i as f64),
        other => other.clone().into_owned(),
    }
}

fn through_parquet(records: &[Value<'_>], entity: &str, cfg: Config) -> Vec<Value<'static>> {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut opts = SinkOptions::new(Format::Parquet);
    // Small row groups and one batch per record: several parts and row groups per file.
    opts.set("row_group_size", OptionValue::from(2i64))
        .expect("option");
    let mut sink = TableSink::create(dir.path(), opts).expect("sink");
    let mut f = Flattener::new(entity, cfg).expect("valid options");
    for (i, r) in records.iter().enumerate() {
        f.push(r, Location::record(i as u64))
            .expect("objects flatten");
        for b in f.take_batches() {
            sink.write(&b.table, &b.batch).expect("write");
        }
    }
    let outputs = sink.finish().expect("finish");
    let tables: Vec<ResultTable> = outputs
        .iter()
        .map(|o| ResultTable {
            name: o.name.as_str().into(),
            batches: read_parquet(&o.name, &o.path)
                .expect("read back")
                .into_iter()
                .map(|batch| TableBatch {
                    table: o.name.as_str().into(),
                    extras: Vec::new(),
                    batch,
                })
                .collect(),
        })
        .collect();
    unflatten(&tables).expect("unflatten")
}

#[test]
fn conformance_inputs_survive_parquet_and_unflatten() {
    let mut cases: Vec<PathBuf> = Vec::new();
    for dir in case_dirs() {
        assert!(
            dir.is_dir(),
            "conformance cases not found at {} (set CONFORMANCE_CASES)",
            dir.display()
        );
        let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("cases")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.join("options.json").exists())
            .collect();
        found.sort();
        cases.extend(found);
    }
    let (mut verified, mut skipped) = (Vec::new(), Vec::new());
    for case in &cases {
        let name = case.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        let opts: serde_json::Value =
            serde_json::from_slice(&std::fs::read(case.join("options.json")).expect("options"))
                .expect("options JSON");
        let sep = opts["separator"].as_str().unwrap_or("_").to_string();
        let threshold = opts["deeply_nested_threshold"].as_u64().unwrap_or(4) as usize;
        let entity = opts["entity_name"].as_str().unwrap_or("e").to_string();
        let Some(records) = records_of(case) else {
            skipped.push((name.to_string(), "input is not valid JSON"));
            continue;
        };
        if records.is_empty() || !records.iter().all(|r| matches!(r, Value::Object(_))) {
            skipped.push((
                name.to_string(),
                "no records, or a record that is not an object",
            ));
            continue;
        }
        let mut shape = Shape::default();
        for r in &records {
            shape.walk(r, &mut Vec::new(), 0);
        }
        let why = records
            .iter()
            .find_map(|r| file_loss(r, false, true))
            .or_else(|| shape.loss());
        if let Some(why) = why {
            skipped.push((name.to_string(), why));
            continue;
        }
        let cfg = Config {
            separator: sep,
            deeply_nested_threshold: threshold,
            cast_to_string: false,
            skip_null: false,
            keep_null_fields: true,
            include_empty: true,
            ..Config::default()
        };
        let back = through_parquet(&records, &entity, cfg);
        let back: Vec<_> = back.iter().map(normal).collect();
        let want: Vec<_> = records
            .iter()
            .map(|r| normal(&without_null_fields(r, false).unwrap_or(Value::Object(Vec::new()))))
            .collect();
        assert_eq!(back, want, "case {name}");
        verified.push(name.to_string());
    }
    eprintln!(
        "verified {} cases; skipped {}:",
        verified.len(),
        skipped.len()
    );
    for (name, why) in &skipped {
        eprintln!("  {name}: {why}");
    }
    assert!(
        verified.len() >= 30,
        "only {} cases verified",
        verified.len()
    );
}

#[test]
fn sanitized_and_abbreviated_arrays_survive_parquet() {
    // Names the files cannot tell apart by themselves: `my list` is stored as `my_list`,
    // `a.b.c.l` and `a[].x.y.l` share table e_a_nested_l, `a_b` vs `a.b` fields.
    let records: Vec<Value<'static>> = [
        r#"{"my list": [{"q": 1}, {"q": 2, "r": [true, false]}], "a_b": "x", "a": {"b": "y"}}"#,
        r#"{"a": {"b": {"c": {"l": [1, 2]}}}}"#,
        r#"{"a": [{"x": {"y": {"l": [3]}}}, {"x": {"y": {"l": [4, 5]}}}]}"#,
    ]
    .iter()
    .map(|s| value::parse(s.as_bytes()).expect("json").into_owned())
    .collect();
    let cfg = Config {
        cast_to_string: false,
        ..Config::default()
    };
    let back = through_parquet(&records, "e", cfg);
    let back: Vec<_> = back.iter().map(normal).collect();
    let want: Vec<_> = records.iter().map(normal).collect();
    assert_eq!(back, want);
}

fn lossless() -> Config {
    Config {
        lossless: true,
        ..Config::default()
    }
}

/// No repeated keys (JSON parsers disagree on them; they are kept, but come back as
/// repeats of the innermost object).
fn unique_keys(v: &Value<'_>) -> bool {
    match v {
        Value::Object(e) => {
            let mut keys = HashSet::new();
            e.iter().all(|(k, x)| keys.insert(k) && unique_keys(x))
        }
        Value::Array(items) => items.iter().all(unique_keys),
        _ => true,
    }
}

#[test]
fn conformance_inputs_survive_parquet_losslessly() {
    // With `lossless`, everything but non-object records comes back: nulls, empty
    // containers, `__` keys anywhere, arrays of arrays, big integers, mixed kinds.
    let mut verified = 0;
    for dir in case_dirs() {
        let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("cases")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.join("options.json").exists())
            .collect();
        cases.sort();
        for case in &cases {
            let name = case.file_name().and_then(|n| n.to_str()).unwrap_or("?");
            let Some(records) = records_of(case) else {
                continue;
            };
            if !records.iter().all(|r| matches!(r, Value::Object(_))) {
                continue;
            }
            assert!(records.iter().all(unique_keys), "case {name}");
            let back = through_parquet(&records, "e", lossless());
            let back: Vec<_> = back.iter().map(normal).collect();
            let want: Vec<_> = records.iter().map(normal).collect();
            assert_eq!(back, want, "case {name}");
            verified += 1;
        }
    }
    assert!(verified >= 55, "only {verified} cases verified");
}

mod lossless_property {
    use super::*;
    use proptest::prelude::*;

    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("a".to_string()),
            Just("b".to_string()),
            Just("a_b".to_string()),
            Just("a b".to_string()),
            Just("value".to_string()),
            Just("__m".to_string()),
            Just("__extract_id".to_string()),
            Just("__empty".to_string()),
            Just("".to_string()),
            Just("k-1 é".to_string()),
            // Keys shaped like data: objects holding them are often detected as maps.
            Just("17".to_string()),
            Just("2024-01-31".to_string()),
            "[0-9]{1,3}",
            "[a-z_]{1,5}",
        ]
    }

    fn scalar() -> impl Strategy<Value = Value<'static>> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::Int),
            (-3i64..3).prop_map(Value::Int),
            "-?[1-9][0-9]{19,25}".prop_map(|s| Value::BigInt(Cow::Owned(s))),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::Float),
            prop_oneof![Just(0.5), Just(-2.5), Just(1e300)].prop_map(Value::Float),
            "[a-z0-9 ]{0,4}".prop_map(|s| Value::Str(Cow::Owned(s))),
            Just(Value::Str(Cow::Borrowed("null"))),
            Just(Value::Str(Cow::Borrowed("[]"))),
            Just(Value::Str(Cow::Borrowed("1"))),
        ]
    }

    fn object(entries: Vec<(String, Value<'static>)>) -> Value<'static> {
        let mut seen = HashSet::new();
        Value::Object(
            entries
                .into_iter()
                .filter(|(k, _)| seen.insert(k.clone()))
                .map(|(k, v)| (Cow::Owned(k), v))
                .collect(),
        )
    }

    /// Any JSON: empty containers, nulls everywhere, arrays of arrays.
    fn value() -> impl Strategy<Value = Value<'static>> {
        scalar().prop_recursive(6, 64, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((key(), inner), 0..4).prop_map(object),
            ]
        })
    }

    fn record() -> impl Strategy<Value = Value<'static>> {
        prop::collection::vec((key(), value()), 0..5).prop_map(object)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        #[test]
        fn any_records_survive_parquet_losslessly(
            records in prop::collection::vec(record(), 1..5),
            maps in any::<bool>(),
        ) {
            // Maps as a run with `maps auto` would detect them.
            let mut cfg = lossless();
            if maps {
                let mut sample = transmog_core::maps::MapSample::new();
                for r in &records {
                    sample.add(r);
                }
                cfg.map_paths = sample.decide();
            }
            let back = through_parquet(&records, "e", cfg);
            let back: Vec<_> = back.iter().map(normal).collect();
            let want: Vec<_> = records.iter().map(normal).collect();
            prop_assert_eq!(back, want);
        }
    }
}

/// Writes `records` flattened as entity `e` into `dir` with `opts`, `runs` times (a
/// dataset run appends a part per table each time).
fn write_runs(records: &[Value<'_>], dir: &Path, opts: &SinkOptions, dataset: bool, runs: usize) {
    for run in 0..runs {
        let mut sink = TableSink::create(dir, opts.clone()).expect("sink");
        if dataset {
            sink.set_dataset(&format!("2026010100000{run}"), run > 0);
        }
        let mut f = Flattener::new("e", lossless()).expect("valid options");
        for (i, r) in records.iter().enumerate() {
            f.push(r, Location::record(i as u64))
                .expect("objects flatten");
            for b in f.take_batches() {
                sink.write(&b.table, &b.batch).expect("write");
            }
        }
        sink.finish().expect("finish");
    }
}

#[test]
fn tables_written_as_part_files_are_read_back_whole() {
    // A field first seen late and a child table that starts late: parts differ in schema.
    let records: Vec<Value<'static>> = (0..40)
        .map(|i| {
            let late = if i >= 30 { r#", "late": "x""# } else { "" };
            let items = if i >= 5 {
                format!(r#", "items": [{{"n": {i}}}, {{"n": 1}}]"#)
            } else {
                String::new()
            };
            let text = format!(r#"{{"id": {i}{late}{items}}}"#);
            value::parse(text.as_bytes()).expect("json").into_owned()
        })
        .collect();
    let want: Vec<_> = records.iter().map(normal).collect();
    let mut small = SinkOptions::new(Format::Parquet);
    small
        .set("row_group_size", OptionValue::from(4i64))
        .expect("option");
    let mut rolled = small.clone();
    rolled
        .set("max_file_size", OptionValue::from(1i64))
        .expect("option");

    let back = |inputs: &[PathBuf], entity: Option<&str>| -> Vec<Value<'static>> {
        let tables = read_tables(inputs, entity, "_").expect("read tables");
        unflatten(&tables)
            .expect("unflatten")
            .iter()
            .map(normal)
            .collect()
    };
    // Rolled over into part files: the output folder, or each table folder.
    let dir = tempfile::tempdir().expect("tempdir");
    write_runs(&records, dir.path(), &rolled, false, 1);
    let main = dir.path().join("e");
    let parts = std::fs::read_dir(&main)
        .expect("the main table is a folder")
        .count();
    assert!(parts > 2, "{parts} part files");
    assert_eq!(back(&[dir.path().to_path_buf()], None), want);
    assert_eq!(back(&[dir.path().to_path_buf()], Some("e")), want);
    assert_eq!(
        back(&[main.clone(), dir.path().join("e_items")], None),
        want
    );
    // The dataset layout, two runs appended: the records twice, in run order.
    let dir = tempfile::tempdir().expect("tempdir");
    write_runs(&records, dir.path(), &small, true, 2);
    let twice: Vec<_> = want.iter().chain(&want).cloned().collect();
    assert_eq!(back(&[dir.path().to_path_buf()], Some("e")), twice);
}
