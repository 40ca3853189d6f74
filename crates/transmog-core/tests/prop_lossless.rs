//! Property tests: whatever the nested input, flattening never panics, every scalar leaf
//! lands in exactly one output cell (or inside the one JSON-text cell that keeps a raw
//! array), and every child row's parent id exists. And the two ways into the flattener
//! agree: JSON bytes (scanned onto a tape) and the parsed tree (the reference) give the
//! same tables, cell for cell, or the same error.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use proptest::prelude::*;
use transmog_core::text::{push_json, push_py_float};
use transmog_core::{value, Config, FlatResult, Flattener, IdMode, Location, Value, ROLE_KEY};

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("a".to_string()),
        Just("b".to_string()),
        Just("a_b".to_string()),
        Just("x".to_string()),
        Just("".to_string()),
        Just("__m".to_string()),
        Just("value".to_string()),
        Just("k-1 é".to_string()),
        Just("__extract_id".to_string()),
        "[a-z_]{1,6}",
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
        prop_oneof![Just(0.0), Just(1.0), Just(-2.5)].prop_map(Value::Float),
        "[a-z0-9 ]{0,5}".prop_map(|s| Value::Str(Cow::Owned(s))),
        Just(Value::Str(Cow::Borrowed(""))),
        Just(Value::Str(Cow::Borrowed("true"))),
    ]
}

fn value() -> impl Strategy<Value = Value<'static>> {
    scalar().prop_recursive(5, 48, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..5).prop_map(|e| Value::Object(
                e.into_iter().map(|(k, v)| (Cow::Owned(k), v)).collect()
            )),
        ]
    })
}

fn record() -> impl Strategy<Value = Value<'static>> {
    prop::collection::vec((key(), value()), 0..6)
        .prop_map(|e| Value::Object(e.into_iter().map(|(k, v)| (Cow::Owned(k), v)).collect()))
}

fn text(v: &Value<'_>) -> String {
    let mut s = String::new();
    push_json(&mut s, v);
    s
}

fn raw_leaves(v: &Value<'_>, out: &mut Vec<String>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| raw_leaves(i, out)),
        Value::Object(e) => e.iter().for_each(|(_, i)| raw_leaves(i, out)),
        leaf => out.push(text(leaf)),
    }
}

/// The leaves the engine must keep, rendered as they should come out.
fn expected_leaves(v: &Value<'_>, cast: bool, field: bool, out: &mut Vec<String>) {
    match v {
        Value::Object(e) => {
            for (k, item) in e {
                if k.starts_with("__") {
                    raw_leaves(item, out);
                } else {
                    expected_leaves(item, cast, true, out);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::Array(_) => raw_leaves(item, out),
                    Value::Object(_) => expected_leaves(item, cast, true, out),
                    scalar => out.push(text(scalar)),
                }
            }
        }
        leaf if field => out.push(match (leaf, cast) {
            (Value::Null, _) => text(&Value::Str(Cow::Borrowed(""))),
            (Value::Bool(b), true) => text(&Value::Str(Cow::Borrowed(if *b {
                "true"
            } else {
                "false"
            }))),
            (Value::Int(i), true) => text(&Value::Str(Cow::Owned(i.to_string()))),
            (Value::BigInt(s), true) => text(&Value::Str(s.clone())),
            (Value::Float(f), true) => {
                let mut s = String::new();
                push_py_float(&mut s, *f);
                text(&Value::Str(Cow::Owned(s)))
            }
            (other, _) => text(other),
        }),
        leaf => out.push(text(leaf)),
    }
}

fn check(records: &[Value<'static>], cast: bool) -> Result<(), TestCaseError> {
    let cfg = Config {
        cast_to_string: cast,
        skip_null: false,
        include_empty: true,
        ..Config::default()
    };
    let mut f = Flattener::new("t", cfg).expect("valid config");
    let mut taken = Vec::new();
    for (i, r) in records.iter().enumerate() {
        f.push(r, Location::record(i as u64))
            .expect("objects always flatten");
        if i % 3 == 2 {
            taken.extend(f.take_batches());
        }
    }
    let mut result = FlatResult::from_flattener(f);
    for b in taken.into_iter().rev() {
        let t = result
            .tables
            .iter_mut()
            .find(|t| t.name == b.table)
            .expect("known table");
        t.batches.insert(0, b);
    }
    prop_assert_eq!(result.main().num_rows(), records.len());

    let mut want = Vec::new();
    for r in records {
        expected_leaves(r, cast, true, &mut want);
    }
    let mut got = Vec::new();
    let mut ids = HashSet::new();
    let mut parents = Vec::new();
    for t in &result.tables {
        for b in &t.batches {
            for (c, field) in b.batch.schema().fields().iter().enumerate() {
                let role = field.metadata().get(ROLE_KEY).map(String::as_str);
                for row in 0..b.batch.num_rows() {
                    let cell = transmog_core::result::cell_value(
                        b.batch.column(c).as_ref(),
                        &b.extras[c],
                        row,
                    );
                    match (role, cell) {
                        (None, Some(v)) => raw_leaves(&v, &mut got),
                        (Some("id"), Some(Value::Str(s))) => {
                            prop_assert!(ids.insert(s.to_string()), "duplicate id {}", s);
                        }
                        (Some("parent_id"), Some(Value::Str(s))) => parents.push(s.to_string()),
                        _ => {}
                    }
                }
            }
        }
    }
    fn count(v: &[String]) -> HashMap<&str, i32> {
        let mut m: HashMap<&str, i32> = HashMap::new();
        for s in v {
            *m.entry(s.as_str()).or_default() += 1;
        }
        m
    }
    prop_assert_eq!(count(&want), count(&got));
    for p in parents {
        prop_assert!(ids.contains(&p), "parent id {} has no row", p);
    }
    Ok(())
}

/// `text` with white space (of `spaces`, picked in turn) after each `{`, `[`, `:` and `,`
/// outside strings: spacing our own writer never makes.
fn spaced(text: &str, spaces: &[&str]) -> String {
    let mut out = String::new();
    let (mut in_string, mut escaped, mut n) = (false, false, 0);
    for c in text.chars() {
        out.push(c);
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        } else if matches!(c, '{' | '[' | ':' | ',') && !spaces.is_empty() {
            out.push_str(spaces[n % spaces.len()]);
            n += 1;
        }
    }
    out
}

/// What a flattener ends with: per table its batches (Arrow data and cell extras), and
/// the report, as comparable text.
fn outcome(f: Flattener) -> Vec<String> {
    let result = FlatResult::from_flattener(f);
    let mut out = vec![format!("{:?}", result.report)];
    for t in &result.tables {
        for b in &t.batches {
            out.push(format!("{} {:?} {:?}", t.name, b.batch, b.extras));
        }
    }
    out
}

fn tape_against_tree(
    lines: &[String],
    cfg: Config,
    cut: Option<(usize, usize)>,
) -> Result<(), TestCaseError> {
    let cfg = Config {
        id_mode: IdMode::Position,
        extract_time: Some(Value::Str(Cow::Borrowed("2026-01-01T00:00:00"))),
        ..cfg
    };
    let mut lines = lines.to_vec();
    if let Some((line, at)) = cut {
        let n = lines.len();
        let line = &mut lines[line % n];
        let mut at = at % (line.len() + 1);
        while !line.is_char_boundary(at) {
            at -= 1;
        }
        line.truncate(at);
    }
    let mut bytes = Flattener::new("t", cfg.clone()).expect("config");
    let mut tree = Flattener::new("t", cfg).expect("config");
    for (i, line) in lines.iter().enumerate() {
        let at = Location::record(i as u64);
        let from_bytes = bytes.push_json(line.as_bytes(), at.clone());
        let from_tree = match value::parse(line.as_bytes()) {
            Ok(v) => tree.push(&v, at),
            // The tree reading's own error, as `push_json` words it.
            Err(_) => Flattener::new("t", Config::default())
                .expect("config")
                .push_json(line.as_bytes(), at),
        };
        prop_assert_eq!(
            from_bytes.as_ref().map_err(ToString::to_string),
            from_tree.as_ref().map_err(ToString::to_string)
        );
        if from_bytes.is_err() {
            return Ok(());
        }
    }
    prop_assert_eq!(outcome(bytes), outcome(tree));
    Ok(())
}

/// `TRANSMOG_FUZZ_CASES`, as in the fuzz test (default 256; a long run:
/// `TRANSMOG_FUZZ_CASES=100000 cargo test --release -p transmog-core --test prop_lossless`).
fn fuzz_cases() -> u32 {
    std::env::var("TRANSMOG_FUZZ_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(256)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(fuzz_cases()))]

    /// Records written as JSON (spaced out or not, one of them perhaps cut short) and
    /// flattened from their bytes give what their parsed trees give.
    #[test]
    fn bytes_and_trees_flatten_alike(
        records in prop::collection::vec(record(), 1..5),
        spaces in prop::sample::subsequence(vec![" ", "\n", "\t", "\r\n  "], 0..3),
        cast in any::<bool>(),
        lossless in any::<bool>(),
        keep in any::<bool>(),
        depth in 2usize..6,
        cut in prop::option::of((0usize..8, 0usize..400)),
    ) {
        let lines: Vec<String> = records.iter().map(|r| spaced(&text(r), &spaces)).collect();
        let cfg = Config {
            cast_to_string: cast,
            lossless,
            keep_arrays: keep && !lossless,
            max_depth: depth,
            ..Config::default()
        };
        tape_against_tree(&lines, cfg, cut)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(fuzz_cases()))]

    /// Numbers spelled every way JSON allows (trailing and leading zeros, exponents, more
    /// digits than a double holds), as fields and as array items, flatten from bytes as
    /// from trees: cast to text, the scanner keeps a number's own text only where it is
    /// Python's repr.
    #[test]
    fn number_spellings_flatten_alike(
        numbers in prop::collection::vec(
            "-?(0|[1-9][0-9]{0,17})(\\.[0-9]{1,14}0{0,3}|\\.0{1,5}[1-9][0-9]{0,12})?([eE][+-]?[0-9]{1,3})?",
            1..8,
        ),
        cast in any::<bool>(),
    ) {
        let fields: Vec<String> = numbers
            .iter()
            .enumerate()
            .map(|(i, n)| format!("\"f{i}\":{n}"))
            .collect();
        let line = format!("{{{},\"items\":[{}]}}", fields.join(","), numbers.join(","));
        let cfg = Config { cast_to_string: cast, ..Config::default() };
        tape_against_tree(&[line], cfg, None)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]


    #[test]
    fn nothing_lost_nothing_duplicated_cast(records in prop::collection::vec(record(), 1..6)) {
        check(&records, true)?;
    }

    #[test]
    fn nothing_lost_nothing_duplicated_typed(records in prop::collection::vec(record(), 1..6)) {
        check(&records, false)?;
    }

    #[test]
    fn any_value_never_panics(v in value(), cast in any::<bool>(), keep in any::<bool>(), visit in any::<bool>()) {
        let cfg = Config { cast_to_string: cast, keep_arrays: keep, visit_arrays: visit, max_depth: 3, ..Config::default() };
        let mut f = Flattener::new("t", cfg).expect("valid config");
        let is_object = matches!(v, Value::Object(_));
        let r = f.push(&v, Location::record(0));
        prop_assert_eq!(r.is_ok(), is_object);
        let result = FlatResult::from_flattener(f);
        for t in &result.tables {
            let _ = t.rows();
        }
    }
}
