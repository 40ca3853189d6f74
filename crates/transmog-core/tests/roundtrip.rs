//! The round-trip oracle: with the lossless options, unflatten(flatten(records)) gives
//! the records back (up to object key order), whatever their shape and however the run
//! is cut into batches. Plus the documented limits: what comes back when an option
//! loses data, and the error for input that cannot be put back.

use std::borrow::Cow;
use std::collections::HashSet;

use proptest::prelude::*;
use transmog_core::result::ResultTable;
use transmog_core::unflatten::{unflatten, unflatten_stream};
use transmog_core::{naming, value, Config, Error, FlatResult, Flattener, Location, Value};

fn lossless() -> Config {
    Config {
        cast_to_string: false,
        skip_null: false,
        keep_null_fields: true,
        include_empty: true,
        ..Config::default()
    }
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("a".to_string()),
        Just("b".to_string()),
        Just("a_b".to_string()),
        Just("a.b".to_string()),
        Just("x y".to_string()),
        Just("x-y".to_string()),
        Just("k-1 é".to_string()),
        Just("".to_string()),
        Just("value".to_string()),
        Just("1st".to_string()),
        Just("_".to_string()),
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
        prop_oneof![Just(0.0), Just(1.0), Just(-2.5), Just(1e16)].prop_map(Value::Float),
        "[a-z0-9 ]{0,5}".prop_map(|s| Value::Str(Cow::Owned(s))),
        Just(Value::Str(Cow::Borrowed(""))),
        Just(Value::Str(Cow::Borrowed("1"))),
        Just(Value::Str(Cow::Borrowed("[1, 2]"))),
    ]
}

fn object(entries: Vec<(String, Value<'static>)>) -> Value<'static> {
    // Repeated keys are outside the lossless domain (module docs of `unflatten`).
    let mut seen = HashSet::new();
    Value::Object(
        entries
            .into_iter()
            .filter(|(k, _)| seen.insert(k.clone()))
            .map(|(k, v)| (Cow::Owned(k), v))
            .collect(),
    )
}

/// Nested values without empty containers (they produce nothing, by design).
fn value() -> impl Strategy<Value = Value<'static>> {
    scalar().prop_recursive(6, 64, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..5).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 1..5).prop_map(object),
        ]
    })
}

fn record() -> impl Strategy<Value = Value<'static>> {
    let top_key = prop_oneof![
        4 => key(),
        // `__` keys are kept whole at the top level (below it 1.0.6 hoists them).
        1 => Just("__m".to_string()),
        1 => Just("__extract_id".to_string()),
    ];
    prop::collection::vec((top_key, value()), 0..6).prop_map(object)
}

/// Inputs the lossless options cannot keep, whatever the engine does: an array item
/// that is an object whose only key is `value` holding a scalar is stored exactly like
/// the scalar item; the generator keeps out empty containers and repeated keys itself.
fn in_domain(v: &Value<'_>, item: bool) -> bool {
    match v {
        Value::Object(e) => {
            let value_only = item
                && e.len() == 1
                && e[0].0 == "value"
                && !matches!(e[0].1, Value::Object(_) | Value::Array(_));
            !value_only
                && e.iter()
                    .all(|(k, x)| (k.starts_with("__") && !item) || in_domain(x, false))
        }
        Value::Array(items) => items.iter().all(|x| in_domain(x, true)),
        _ => true,
    }
}

fn top_in_domain(r: &Value<'_>) -> bool {
    match r {
        // `__` keys are fine at the top level only, whatever they hold.
        Value::Object(e) => e
            .iter()
            .all(|(k, x)| k.starts_with("__") || (in_domain(x, false) && no_dunder(x))),
        _ => false,
    }
}

fn no_dunder(v: &Value<'_>) -> bool {
    match v {
        Value::Object(e) => e.iter().all(|(k, x)| !k.starts_with("__") && no_dunder(x)),
        Value::Array(items) => items.iter().all(no_dunder),
        _ => true,
    }
}

/// Flattens `records`, taking batches every `every` records, and unflattens.
fn round_trip(records: &[Value<'_>], cfg: Config, every: usize) -> Vec<Value<'static>> {
    unflatten(&flat_tables(records, cfg, every)).expect("unflatten")
}

/// The tables of `records`, batches taken every `every` records.
fn flat_tables(records: &[Value<'_>], cfg: Config, every: usize) -> Vec<ResultTable> {
    let mut f = Flattener::new("t", cfg).expect("valid config");
    let mut taken = Vec::new();
    for (i, r) in records.iter().enumerate() {
        f.push(r, Location::record(i as u64))
            .expect("records are objects");
        if (i + 1) % every == 0 {
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
    result.tables
}

/// [`unflatten_stream`] over `tables` (main first, as they come), `window` main rows at
/// a time.
fn streamed(tables: &[ResultTable], window: usize) -> Result<Vec<Value<'static>>, Error> {
    let sources = tables
        .iter()
        .map(|t| {
            let batches = t.batches.iter().map(|b| Ok(b.batch.clone()));
            (t.name.clone(), batches.collect::<Vec<_>>().into_iter())
        })
        .collect();
    let mut out = Vec::new();
    let n = unflatten_stream(sources, window, |v| {
        out.push(v);
        Ok::<(), Error>(())
    })?;
    assert_eq!(n as usize, out.len());
    Ok(out)
}

fn parse(s: &str) -> Value<'static> {
    value::parse(s.as_bytes()).expect("valid JSON").into_owned()
}

fn assert_same(got: &[Value<'_>], want: &[Value<'_>]) {
    let got: Vec<_> = got.iter().map(Value::sorted_keys).collect();
    let want: Vec<_> = want.iter().map(Value::sorted_keys).collect();
    assert_eq!(got, want);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    #[test]
    fn unflatten_of_flatten_is_identity(
        records in prop::collection::vec(record().prop_filter("lossless domain", top_in_domain), 0..6),
        every in 1usize..4,
        window in 1usize..4,
        position_ids in any::<bool>(),
        full_names in any::<bool>(),
    ) {
        // Arrays whose names clash (abbreviation, sanitizing, shortening) each own a
        // table of their own, so every record comes back.
        let mut cfg = lossless();
        if position_ids {
            cfg.id_mode = transmog_core::IdMode::Position;
        }
        if full_names {
            cfg.naming = naming::NamingStyle::Full;
            cfg.max_name_length = 24;
        }
        let tables = flat_tables(&records, cfg, every);
        let back = unflatten(&tables).expect("unflatten");
        let back: Vec<_> = back.iter().map(Value::sorted_keys).collect();
        let want: Vec<_> = records.iter().map(Value::sorted_keys).collect();
        prop_assert_eq!(&back, &want);
        // Window by window, a few main rows at a time, the same records come back as
        // from the whole tables (batches as read from files: without the engine's
        // per-cell kinds, which files keep in their own way).
        let mut bare = tables;
        for b in bare.iter_mut().flat_map(|t| t.batches.iter_mut()) {
            b.extras.clear();
        }
        let whole = unflatten(&bare).expect("unflatten");
        let again = streamed(&bare, window).expect("unflatten_stream");
        prop_assert_eq!(again, whole);
    }
}

#[test]
fn tables_shared_by_abbreviated_paths_and_sanitized_keys() {
    // `a.b.c.l` (owned by the main row) and `a[].x.y.l` (owned by an `a` item) both
    // abbreviate to table t_a_nested_l; `my list` is stored as array field `my_list`.
    let records = [
        parse(r#"{"a": {"b": {"c": {"l": [1, 2]}}}}"#),
        parse(r#"{"a": [{"x": {"y": {"l": [3]}}}, {"x": {"y": {"l": [4, 5]}}}]}"#),
        parse(r#"{"my list": [{"q": 1}], "o": {"my-list": ["z"]}}"#),
        parse(r#"{"items": [{"sku": "A", "sub": [{"z": [true]}]}, {"only": [[1, 2], []]}]}"#),
    ];
    let back = round_trip(&records, lossless(), 1);
    assert_same(&back, &records);
}

#[test]
fn the_same_path_as_array_and_as_object() {
    // a[].b[] in one record, a.b[] in the next: one child table, placed by the parent row.
    let records = [
        parse(r#"{"a": [{"b": [1]}, {"b": [2, 3]}]}"#),
        parse(r#"{"a": {"b": [4]}}"#),
    ];
    let back = round_trip(&records, lossless(), 2);
    assert_same(&back, &records);
}

#[test]
fn lossy_options_lose_what_the_docs_say() {
    let rec = parse(r#"{"n": null, "e": "", "i": 1, "f": 1.5, "t": true, "l": [null, 2]}"#);
    // Defaults: nulls and "" dropped, object values cast to text, the null item skipped
    // (its index left as a gap, filled with null), scalar items kept uncast.
    let back = round_trip(std::slice::from_ref(&rec), Config::default(), 1);
    assert_same(
        &back,
        &[parse(
            r#"{"i": "1", "f": "1.5", "t": "true", "l": [null, 2]}"#,
        )],
    );
    // skip_null=false without keep_null_fields: a null field becomes "" (1.0.6).
    let cfg = Config {
        skip_null: false,
        include_empty: true,
        cast_to_string: false,
        ..Config::default()
    };
    let back = round_trip(std::slice::from_ref(&rec), cfg, 1);
    assert_same(
        &back,
        &[parse(
            r#"{"n": "", "e": "", "i": 1, "f": 1.5, "t": true, "l": [null, 2]}"#,
        )],
    );
}

#[test]
fn nested_dunder_keys_come_back_hoisted() {
    let rec = parse(r#"{"o": {"__inner": 7, "z": 1}}"#);
    let back = round_trip(std::slice::from_ref(&rec), lossless(), 1);
    assert_same(&back, &[parse(r#"{"__inner": 7, "o": {"z": 1}}"#)]);
}

#[test]
fn repeated_ids_are_an_error_not_a_guess() {
    // Deterministic ids on a repeated key: two parents share one id.
    let cfg = Config {
        id_mode: transmog_core::IdMode::Deterministic(transmog_core::IdSource::Field("k".into())),
        ..lossless()
    };
    let mut f = Flattener::new("t", cfg).expect("valid config");
    for (i, r) in [r#"{"k": 1, "l": [1]}"#, r#"{"k": 1, "l": [2]}"#]
        .iter()
        .enumerate()
    {
        f.push(&parse(r), Location::record(i as u64))
            .expect("object");
    }
    let tables = FlatResult::from_flattener(f).tables;
    let err = unflatten(&tables).expect_err("ambiguous parents");
    assert!(matches!(err, Error::Unflatten { .. }), "{err:?}");
    assert!(err.to_string().contains("several rows"), "{err}");
    // Window by window: in one window as above; in two, the second parent's item
    // would go to the first, which is refused.
    let err = streamed(&tables, 2).expect_err("ambiguous parents");
    assert!(err.to_string().contains("several rows"), "{err}");
    let err = streamed(&tables, 1).expect_err("ambiguous parents, far apart");
    assert!(err.to_string().contains("far apart"), "{err}");
}

#[test]
fn child_rows_without_their_parent_are_an_error_streamed() {
    let mut f = Flattener::new("t", lossless()).expect("valid config");
    f.push(&parse(r#"{"k": 1, "l": [1, 2]}"#), Location::record(0))
        .expect("object");
    let mut tables = FlatResult::from_flattener(f).tables;
    let main = tables.iter().position(|t| &*t.name == "t").expect("main");
    let main = tables.remove(main);
    // The main table without its row: the child rows point nowhere.
    let empty = main.batches[0].batch.slice(0, 0);
    let mut batches = main.batches;
    batches.truncate(1);
    batches[0].batch = empty;
    tables.insert(
        0,
        ResultTable {
            name: main.name,
            batches,
        },
    );
    let err = streamed(&tables, 1).expect_err("orphans");
    assert!(err.to_string().contains("has no row before"), "{err}");
    assert!(err.to_string().contains("t_l"), "{err}");
}

#[test]
fn arrays_with_one_sanitized_name_get_their_own_tables() {
    // `a b` and `a-b` sanitize to one table name: the second path owns `t_a_b_2`, so
    // both arrays come back.
    let rec = parse(r#"{"a b": [1], "a-b": [2]}"#);
    let mut f = Flattener::new("t", lossless()).expect("valid config");
    f.push(&rec, Location::record(0)).expect("object");
    let result = FlatResult::from_flattener(f);
    let names: Vec<&str> = result.tables.iter().map(|t| &*t.name).collect();
    assert_eq!(names, ["t", "t_a_b", "t_a_b_2"]);
    let back = unflatten(&result.tables).expect("unambiguous");
    assert_same(&back, &[rec]);
}
