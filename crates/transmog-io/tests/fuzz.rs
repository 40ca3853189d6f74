//! Structure-aware fuzzing of the input path: generated JSON documents, laid out as JSON
//! Lines, a JSON array, one document or CSV, then mutated (truncations, byte flips,
//! spliced tokens such as BOMs, CRLF, invalid UTF-8, `NaN`, huge numbers, deep nesting),
//! framed by the readers, flattened with random options, written by a sink and
//! unflattened. Nothing may panic, and every error must name its source.
//!
//! Cases: `TRANSMOG_FUZZ_CASES` (default 200, so CI stays quick); a long run is e.g.
//! `TRANSMOG_FUZZ_CASES=200000 cargo test --release -p transmog-io --test fuzz`.
//! Failures are kept by proptest in `fuzz.proptest-regressions` and replayed first.

use std::io::{BufRead, BufReader, Cursor};
use std::sync::Arc;

use proptest::prelude::*;
use transmog_core::unflatten::unflatten;
use transmog_core::{Config, FlatResult, Flattener, IdMode, IdSource, Location, Recovery};
use transmog_io::read::{for_each_record, CsvOptions, InputFormat, ReadError};
use transmog_io::{Format, SinkOptions, TableSink};

fn leaf() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        any::<i64>().prop_map(|i| i.to_string()),
        "-?[1-9][0-9]{18,40}",
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:e}")),
        Just("1e999".to_string()),
        Just("-0.0".to_string()),
        "\"[a-z _.\\-é🙂]{0,8}\"",
        Just("\"\\u0000\\ud83d\\ude00\\\"\"".to_string()),
        Just("\"\"".to_string()),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("a".to_string()),
        Just("a_b".to_string()),
        Just("a.b".to_string()),
        Just("".to_string()),
        Just("__m".to_string()),
        Just("value".to_string()),
        Just("__extract_id".to_string()),
        Just("x y-z".to_string()),
        "[a-z_]{1,4}",
        "[a-z]{40,60}",
    ]
}

/// JSON text of a nested value (duplicate keys and empty containers included).
fn json() -> impl Strategy<Value = String> {
    leaf().prop_recursive(6, 64, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((key(), inner), 0..5).prop_map(|e| {
                let fields: Vec<String> = e
                    .into_iter()
                    .map(|(k, v)| format!("\"{k}\": {v}"))
                    .collect();
                format!("{{{}}}", fields.join(", "))
            }),
        ]
    })
}

fn record() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::collection::vec((key(), json()), 0..6).prop_map(|e| {
            let fields: Vec<String> = e.into_iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
            format!("{{{}}}", fields.join(","))
        }),
        1 => json(),
        // Deeper than the parser's limit.
        1 => (100usize..200).prop_map(|d| format!("{{\"d\":{}1{}}}", "[".repeat(d), "]".repeat(d))),
        1 => (100usize..200).prop_map(|d| format!("{}{}", "{\"o\":".repeat(d), "}".repeat(d))),
    ]
}

#[derive(Debug, Clone)]
enum Mutation {
    Truncate(usize),
    Flip(usize, u8),
    Insert(usize, &'static [u8]),
    Repeat(usize, usize),
}

const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b"\\",
    b",",
    b":",
    b"\n",
    b"\r\n",
    b"\xEF\xBB\xBF",
    b"\xff\xfe",
    b"\xc3",
    b"NaN",
    b"-Infinity",
    b"123456789012345678901234567890123456789",
    b"1e400",
    b"\0",
    b"  \t ",
    b"null",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Mutation::Flip(p, b)),
        (any::<usize>(), prop::sample::select(TOKENS)).prop_map(|(p, t)| Mutation::Insert(p, t)),
        (any::<usize>(), 1usize..64).prop_map(|(p, n)| Mutation::Repeat(p, n)),
    ]
}

fn mutate(bytes: &mut Vec<u8>, m: &Mutation) {
    let at = |p: usize, len: usize| if len == 0 { 0 } else { p % (len + 1) };
    match *m {
        Mutation::Truncate(p) => bytes.truncate(at(p, bytes.len())),
        Mutation::Flip(p, b) if !bytes.is_empty() => {
            let i = p % bytes.len();
            bytes[i] ^= b | 1;
        }
        Mutation::Flip(..) => {}
        Mutation::Insert(p, t) => {
            let i = at(p, bytes.len());
            bytes.splice(i..i, t.iter().copied());
        }
        Mutation::Repeat(p, n) => {
            let i = at(p, bytes.len());
            let piece: Vec<u8> = bytes[i..].iter().take(n).copied().collect();
            bytes.splice(i..i, piece);
        }
    }
}

#[derive(Debug, Clone)]
enum Layout {
    Jsonl,
    Array,
    Document,
    Csv,
}

fn layout_bytes(records: &[String], layout: &Layout) -> (Vec<u8>, InputFormat, &'static str) {
    match layout {
        Layout::Jsonl => (
            records.join("\n").into_bytes(),
            InputFormat::Auto,
            "fuzz.jsonl",
        ),
        Layout::Array => (
            format!("[\n{}\n]", records.join(",\n")).into_bytes(),
            InputFormat::Json,
            "fuzz.json",
        ),
        Layout::Document => (
            records.first().cloned().unwrap_or_default().into_bytes(),
            InputFormat::Json,
            "fuzz.json",
        ),
        Layout::Csv => {
            // The records' text as CSV cells: quotes, commas and newlines in fields.
            let mut s = String::from("id,\"na,me\",text\n");
            for (i, r) in records.iter().enumerate() {
                s.push_str(&format!("{i},NA,\"{}\"\n", r.replace('"', "\"\"")));
            }
            (
                s.into_bytes(),
                InputFormat::Csv(CsvOptions::default()),
                "fuzz.csv",
            )
        }
    }
}

fn config(bits: u16) -> Config {
    let b = |i: u16| bits & (1 << i) != 0;
    Config {
        cast_to_string: b(0),
        include_empty: b(1),
        skip_null: b(2),
        keep_null_fields: b(3),
        visit_arrays: !b(4),
        keep_arrays: b(5),
        max_depth: if b(6) { 2 } else { 100 },
        separator: if b(7) { ".".into() } else { "_".into() },
        deeply_nested_threshold: if b(8) { 1 } else { 4 },
        recovery: if b(9) {
            Recovery::Skip
        } else {
            Recovery::Strict
        },
        id_mode: match (b(10), b(11)) {
            (true, true) => IdMode::ContentHash,
            (true, false) => IdMode::Position,
            (false, true) => IdMode::Deterministic(IdSource::Field("a".into())),
            _ => IdMode::Random,
        },
        max_columns: if b(12) { 8 } else { 100_000 },
        ..Config::default()
    }
}

enum Failure {
    Read(ReadError),
    Engine(transmog_core::Error),
}

impl From<ReadError> for Failure {
    fn from(e: ReadError) -> Self {
        Failure::Read(e)
    }
}

/// Reads, flattens, writes and unflattens one input; panics only on broken promises.
fn run_case(bytes: &[u8], format: InputFormat, source: &str, bits: u16, sink_format: u8) {
    let mut f = Flattener::new("fz", config(bits)).expect("valid config");
    let reader: Box<dyn BufRead + Send> = Box::new(BufReader::new(Cursor::new(bytes.to_vec())));
    let label: Arc<str> = Arc::from(source);
    let mut record = 0u64;
    let mut batches = Vec::new();
    let outcome = for_each_record(source, format, reader, |r| {
        let loc = Location {
            source: Some(label.clone()),
            line: r.line,
            record,
            origin: None,
            offset: Some(r.offset),
        };
        record += 1;
        f.push_json(r.bytes, loc).map_err(Failure::Engine)?;
        if record % 3 == 0 {
            batches.extend(f.take_batches());
        }
        Ok::<(), Failure>(())
    });
    match outcome {
        Ok(()) => {}
        Err(Failure::Read(e)) => {
            let msg = e.to_string();
            assert!(
                msg.starts_with(source),
                "read error without its source: {msg}"
            );
            return;
        }
        Err(Failure::Engine(e)) => {
            let msg = e.to_string();
            assert!(
                msg.starts_with(source),
                "engine error without its source: {msg}"
            );
            return;
        }
    }
    batches.extend(f.take_batches());
    let mut result = FlatResult::from_flattener(f);
    for t in &mut result.tables {
        t.batches = batches
            .iter()
            .filter(|b| b.table == t.name)
            .cloned()
            .collect();
        let _ = t.rows();
    }
    // Unflatten may refuse (repeated ids, ambiguous arrays) but must not panic.
    let _ = unflatten(&result.tables);
    if sink_format < 3 {
        let format = [Format::Parquet, Format::Csv, Format::Jsonl][sink_format as usize];
        let dir = tempfile::tempdir().expect("tempdir");
        let mut sink = TableSink::create(dir.path(), SinkOptions::new(format)).expect("sink");
        for b in &batches {
            sink.write(&b.table, &b.batch)
                .expect("engine batches are writable");
        }
        sink.finish().expect("finish");
    }
}

#[test]
fn r_two_tables_one_file_name_get_two_files() {
    // Found by this fuzzer. With separator `.`, `a_b[].a[]` and `a.b.a[]` are tables
    // `fz.a_b.a` and `fz.a.b.a`, which both sanitize to the file name `fz_a_b_a`: the
    // second gets `fz_a_b_a_2` (1.0.6 overwrote one file with the other).
    let input = "{\"a_b\":[{\"a\": [true]}]}\n{\"a.b\":{\"a\": [true, false]}}\n";
    let cfg = Config {
        separator: ".".into(),
        ..Config::default()
    };
    let mut f = Flattener::new("fz", cfg).expect("config");
    for (i, line) in input.lines().enumerate() {
        f.push_json(line.as_bytes(), Location::record(i as u64))
            .expect("valid record");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let mut sink = TableSink::create(dir.path(), SinkOptions::new(Format::Parquet)).expect("sink");
    for b in f.take_batches() {
        sink.write(&b.table, &b.batch).expect("write");
    }
    let outputs: Vec<(String, String, u64)> = sink
        .finish()
        .expect("finish")
        .into_iter()
        .map(|o| {
            let file = o
                .path
                .file_name()
                .expect("file")
                .to_string_lossy()
                .into_owned();
            (o.name, file, o.rows)
        })
        .collect();
    let child: Vec<_> = outputs
        .iter()
        .filter(|(n, _, _)| n.ends_with(".a"))
        .collect();
    assert_eq!(
        child,
        [
            &("fz.a_b.a".to_string(), "fz_a_b_a.parquet".to_string(), 1),
            &("fz.a.b.a".to_string(), "fz_a_b_a_2.parquet".to_string(), 2)
        ]
    );
}

fn cases() -> u32 {
    std::env::var("TRANSMOG_FUZZ_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(200)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn mutated_inputs_never_panic(
        records in prop::collection::vec(record(), 0..6),
        layout in prop_oneof![Just(Layout::Jsonl), Just(Layout::Array), Just(Layout::Document), Just(Layout::Csv)],
        mutations in prop::collection::vec(mutation(), 0..4),
        bits in any::<u16>(),
        sink_format in 0u8..12,
    ) {
        let (mut bytes, format, source) = layout_bytes(&records, &layout);
        for m in &mutations {
            mutate(&mut bytes, m);
        }
        run_case(&bytes, format, source, bits, sink_format);
    }
}

#[test]
fn values_as_deep_as_the_python_api_allows_flatten_and_unflatten() {
    use transmog_core::Value;
    // transmog._native refuses nesting deeper than 1000; up to there the engine must cope
    // on a main thread's stack (8 MiB): arrays of objects recurse through extraction.
    let run = || {
        let mut v = Value::Int(1);
        for i in 0..999 {
            v = if i % 2 == 0 {
                Value::Array(vec![v])
            } else {
                Value::Object(vec![("k".into(), v)])
            };
        }
        let rec = Value::Object(vec![("root".into(), v)]);
        let cfg = Config {
            cast_to_string: false,
            ..Config::default()
        };
        let mut f = Flattener::new("deep", cfg).expect("config");
        f.push(&rec, Location::record(0)).expect("flatten");
        let back = unflatten(&FlatResult::from_flattener(f).tables).expect("unflatten");
        assert_eq!(back, vec![rec]);
    };
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(run)
        .expect("thread")
        .join()
        .expect("no stack overflow, no panic");
}
