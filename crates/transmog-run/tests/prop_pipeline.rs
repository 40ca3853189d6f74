//! Property: the run engine's parallel pipeline (any thread count, any chunk size)
//! gives the same tables, column names, rows and ids as one flattener over the whole
//! input, in one order; writes the same CSV and JSON Lines values as that flattener's
//! tables do; and fails on the column limit exactly when that flattener does.

use std::borrow::Cow;

use std::sync::Arc;

use proptest::prelude::*;
use transmog_core::result::{row_json, ResultTable};
use transmog_core::text::push_json;
use transmog_core::{Config, Flattener, IdMode, Location, Value};
use transmog_io::{Format, SinkOptions, TableSink};
use transmog_run::{Collect, Input, Run, RunError, RunOptions};

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("a".to_string()),
        Just("b".to_string()),
        Just("a_b".to_string()),
        Just("__h".to_string()),
        Just("value".to_string()),
        Just("x_y_z_w".to_string()),
        Just("a b".to_string()),
        Just("12".to_string()),
        "[0-9]{1,2}",
        "[a-c]{1,2}",
    ]
}

fn value() -> impl Strategy<Value = Value<'static>> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-5i64..5).prop_map(Value::Int),
        prop_oneof![Just(0.5), Just(2.0)].prop_map(Value::Float),
        "[a-z]{0,3}".prop_map(|s| Value::Str(Cow::Owned(s))),
        Just(Value::Str(Cow::Borrowed("1"))),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..4).prop_map(|e| Value::Object(
                e.into_iter().map(|(k, v)| (Cow::Owned(k), v)).collect()
            )),
        ]
    })
}

fn record() -> impl Strategy<Value = Value<'static>> {
    prop::collection::vec((key(), value()), 0..5)
        .prop_map(|e| Value::Object(e.into_iter().map(|(k, v)| (Cow::Owned(k), v)).collect()))
}

/// Mode 0: cast to text; 1: typed; 2: lossless (one column per path and JSON kind);
/// 3: lossless with maps detected from the records.
fn config(mode: u8) -> Config {
    Config {
        cast_to_string: mode == 0,
        lossless: mode >= 2,
        maps_auto: mode == 3,
        id_mode: IdMode::Position,
        extract_time: Some(Value::Str("t".into())),
        ..Config::default()
    }
}

/// Table name -> rows as JSON lines (keys sorted), tables in creation order.
fn tables(tables: &[ResultTable]) -> Vec<(String, Vec<String>)> {
    tables
        .iter()
        .filter(|t| t.num_rows() > 0)
        .map(|t| {
            let rows = t
                .rows()
                .into_iter()
                .map(|mut r| {
                    r.sort_by(|x, y| x.0.cmp(&y.0));
                    row_json(&r)
                })
                .collect();
            (t.name.to_string(), rows)
        })
        .collect()
}

/// Each table's columns in the order its files list them: first seen over its batches.
fn column_order(result: &transmog_core::FlatResult) -> Vec<(String, Vec<String>)> {
    result
        .tables
        .iter()
        .filter(|t| t.num_rows() > 0)
        .map(|t| {
            let mut union = transmog_core::UnionSchema::new();
            for b in &t.batches {
                union.merge(&b.batch).expect("one union");
            }
            let names = union.schema().fields().iter().map(|f| f.name().clone());
            (t.name.to_string(), names.collect())
        })
        .collect()
}

/// Each table's file as `format` text, with the batches cut as `result` holds them;
/// each row as its fields sorted by column name, each value as written.
fn text_rows(result: &transmog_core::FlatResult, format: Format) -> Vec<(String, Vec<String>)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut sink = TableSink::create(dir.path(), SinkOptions::new(format)).expect("sink");
    for t in &result.tables {
        for b in &t.batches {
            sink.write_kinded(&[(&*t.name, &b.batch, &b.extras[..])])
                .expect("write");
        }
    }
    let outputs = sink.finish().expect("finish");
    let rows = |text: &str| -> Vec<String> {
        match format {
            // serde_json keeps `2` and `2.0` apart.
            Format::Jsonl => text
                .lines()
                .map(|l| {
                    let v: std::collections::BTreeMap<String, serde_json::Value> =
                        serde_json::from_str(l).expect("a JSON object per line");
                    serde_json::to_string(&v).expect("json")
                })
                .collect(),
            _ => {
                let mut r = csv::Reader::from_reader(text.as_bytes());
                let header: Vec<String> = r
                    .headers()
                    .expect("header")
                    .iter()
                    .map(String::from)
                    .collect();
                r.records()
                    .map(|rec| {
                        let mut row: Vec<(&str, String)> = header
                            .iter()
                            .map(String::as_str)
                            .zip(rec.expect("csv row").iter().map(String::from))
                            .collect();
                        row.sort();
                        format!("{row:?}")
                    })
                    .collect()
            }
        }
    };
    outputs
        .iter()
        .map(|o| {
            let text = std::fs::read_to_string(&o.path).expect("read");
            (o.name.clone(), rows(&text))
        })
        .collect()
}

/// Runs `records` through the pipeline, the first `split` of them from one input and the
/// rest from a second (chunks then hold records of both), against one flattener.
/// How a run is cut: where the second input starts, records and bytes per chunk,
/// threads, and the compact collection's budget.
struct Shape {
    split: usize,
    chunk: usize,
    chunk_bytes: usize,
    threads: usize,
    budget: Option<usize>,
}

fn check(
    records: &[Value<'static>],
    shape: Shape,
    mode: u8,
    limit: Option<usize>,
) -> Result<(), TestCaseError> {
    let Shape {
        split,
        chunk,
        chunk_bytes,
        threads,
        budget,
    } = shape;
    let split = split.min(records.len());
    let inputs: Vec<(Arc<str>, String)> = [
        ("a.jsonl", &records[..split]),
        ("b.jsonl", &records[split..]),
    ]
    .into_iter()
    .map(|(name, part)| {
        let mut jsonl = String::new();
        for r in part {
            push_json(&mut jsonl, r);
            jsonl.push('\n');
        }
        (Arc::from(name), jsonl)
    })
    .collect();
    // The sequential reference gets the maps the run detects (its sample: every record).
    let mut reference = config(mode);
    if let Some(limit) = limit {
        reference.max_columns = limit;
    }
    if reference.maps_auto {
        let mut sample = transmog_core::maps::MapSample::new();
        for r in records {
            sample.add(r);
        }
        reference.map_paths = sample.decide();
    }
    let detected: Vec<String> = reference
        .map_paths
        .iter()
        .map(|p| transmog_core::maps::path_text(p))
        .collect();
    let mut seq = Flattener::new("t", reference.clone()).expect("config");
    let mut too_many = None;
    // Position ids of records read from bytes come from their input's name and their
    // lines' offsets.
    for (source, jsonl) in &inputs {
        let mut offset = 0u64;
        for (i, line) in jsonl.lines().enumerate() {
            let loc = Location {
                source: Some(source.clone()),
                line: Some(i as u64 + 1),
                record: i as u64,
                origin: None,
                offset: Some(offset),
            };
            offset += line.len() as u64 + 1;
            match seq.push_json(line.as_bytes(), loc) {
                Ok(()) => {}
                Err(transmog_core::Error::TooManyColumns {
                    table, location, ..
                }) if too_many.is_none() => too_many = Some((table, location)),
                Err(e) if too_many.is_none() => panic!("{e}"),
                Err(_) => {}
            }
        }
    }
    let seq = transmog_core::FlatResult::from_flattener(seq);

    let opts = RunOptions {
        threads,
        chunk_records: chunk,
        chunk_bytes,
        ..RunOptions::default()
    };
    let mut cfg = config(mode);
    cfg.max_columns = reference.max_columns;
    let mut run = Run::new("t", cfg, opts).expect("config");
    // A compact collection holds batches past its budget compressed.
    let mut collected = match budget {
        Some(bytes) => Collect::compact("t", bytes),
        None => Collect::new("t"),
    };
    let inputs = inputs
        .into_iter()
        .map(|(name, jsonl)| Input::bytes(&name, jsonl.into_bytes()))
        .collect();
    let read = run.read(inputs, &mut collected);
    if let Some((table, location)) = too_many {
        // Only the table differs in name when the run renamed it; the record is the one
        // that made the column past the limit, whichever thread met it.
        let at = match &read {
            Err(RunError::Data(transmog_core::Error::TooManyColumns { location, .. })) => {
                Some(location.to_string())
            }
            _ => None,
        };
        prop_assert_eq!(
            at,
            Some(location.to_string()),
            "one flattener: too many columns in {}; run: {:?}",
            table,
            read.err()
        );
        return Ok(());
    }
    read.expect("run");
    let totals = run.finish(&mut collected).expect("finish");
    prop_assert_eq!(seq.report.collision_count, totals.report.collision_count);
    prop_assert_eq!(
        seq.report.table_rename_count,
        totals.report.table_rename_count
    );
    if mode == 3 {
        prop_assert_eq!(&totals.report.maps_detected, &detected);
    }
    let par = collected.into_result(&totals).expect("unpack");
    prop_assert_eq!(tables(&seq.tables), tables(&par.tables));
    // The threads' flatteners meet columns in other orders; the run lists them as one
    // flattener does.
    prop_assert_eq!(column_order(&seq), column_order(&par));
    // Text keeps each value's own kind, not its batch's column type: a run cut in
    // other batches writes the same values.
    for format in [Format::Jsonl, Format::Csv] {
        prop_assert_eq!(text_rows(&seq, format), text_rows(&par, format));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn pipeline_equals_one_flattener_for_any_threads_and_chunks(
        records in prop::collection::vec(record(), 1..12),
        split in 0usize..12,
        chunk in 1usize..5,
        // Chunks also end at a byte size: from every record alone to a few together.
        chunk_bytes in 1usize..400,
        threads in 1usize..4,
        mode in 0u8..4,
        budget in prop::option::of(0usize..20_000),
        // Metadata columns count: 2 in the main table, 5 in child tables.
        limit in prop::option::of(6usize..14),
    ) {
        let shape = Shape { split, chunk, chunk_bytes, threads, budget };
        check(&records, shape, mode, limit)?;
    }
}
