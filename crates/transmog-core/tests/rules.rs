//! Engine rules beyond what the shared conformance cases pin down: our deviations from
//! 1.0.6, typed mode, batches, ids, errors and recovery.

use arrow_schema::DataType;
use transmog_core::result::row_json;
use transmog_core::{
    value, Config, ErrorKind, FlatResult, Flattener, IdMode, IdSource, Location, Recovery, Value,
};

fn run(cfg: Config, docs: &[&str]) -> FlatResult {
    let mut f = Flattener::new("t", cfg).expect("config");
    for (i, d) in docs.iter().enumerate() {
        let v = value::parse(d.as_bytes()).expect("json");
        f.push(&v, Location::record(i as u64)).expect("push");
    }
    FlatResult::from_flattener(f)
}

fn data_rows(r: &FlatResult, table: &str) -> Vec<String> {
    r.table(table)
        .expect("table")
        .rows()
        .iter()
        .map(|row| {
            let data: Vec<_> = row
                .iter()
                .filter(|(k, _)| !k.starts_with("__"))
                .cloned()
                .collect();
            row_json(&data)
        })
        .collect()
}

#[test]
fn collisions_keep_both_values_and_are_reported() {
    let r = run(
        Config::default(),
        &[
            r#"{"a_b": 1, "a": {"b": 2}}"#,
            r#"{"a": {"b": 3}, "a_b": 4}"#,
        ],
    );
    // The first path to claim a name owns it for the whole run, in every record.
    assert_eq!(
        data_rows(&r, "t"),
        [r#"{"a_b":"1","a_b_2":"2"}"#, r#"{"a_b":"4","a_b_2":"3"}"#]
    );
    assert_eq!(r.report.collision_count, 1);
    assert_eq!(r.report.collisions[0].given, "a_b_2");
    assert_eq!(r.report.collisions[0].wanted, "a_b");
}

#[test]
fn abbreviated_paths_that_meet_keep_both_values() {
    let r = run(
        Config::default(),
        &[r#"{"a": {"b": {"c": {"d": {"e": 1}}}, "x": {"y": {"z": {"e": 2}}}}}"#],
    );
    assert_eq!(
        data_rows(&r, "t"),
        [r#"{"a_nested_e":"1","a_nested_e_2":"2"}"#]
    );
}

#[test]
fn duplicate_keys_in_one_object_are_not_lost() {
    let r = run(Config::default(), &[r#"{"k": 1, "k": 2}"#]);
    assert_eq!(data_rows(&r, "t"), [r#"{"k":"1","k_2":"2"}"#]);
}

#[test]
fn values_are_never_conflated_by_type() {
    let r = run(
        Config::default(),
        &[r#"{"one": 1, "t": true, "f1": 1.0, "zero": 0, "fa": false, "fz": 0.0}"#],
    );
    assert_eq!(
        data_rows(&r, "t"),
        [r#"{"one":"1","t":"true","f1":"1.0","zero":"0","fa":"false","fz":"0.0"}"#]
    );
    let typed = Config {
        cast_to_string: false,
        ..Config::default()
    };
    let r = run(typed, &[r#"{"one": 1, "t": true, "f1": 1.0}"#]);
    assert_eq!(data_rows(&r, "t"), [r#"{"one":1,"t":true,"f1":1.0}"#]);
}

#[test]
fn typed_mode_types_and_lossless_mixing() {
    let cfg = Config {
        cast_to_string: false,
        ..Config::default()
    };
    let r = run(
        cfg,
        &[
            r#"{"i": 1, "f": 1, "s": "x", "b": true, "m": 1, "big": 1}"#,
            r#"{"i": 2, "f": 2.5, "s": "y", "b": false, "m": "one", "big": 123456789012345678901234567890}"#,
        ],
    );
    let schema = r.main().batches[0].batch.schema();
    let ty = |n: &str| {
        schema
            .field_with_name(n)
            .expect("column")
            .data_type()
            .clone()
    };
    assert_eq!(ty("i"), DataType::Int64);
    assert_eq!(ty("f"), DataType::Float64);
    assert_eq!(ty("s"), DataType::Utf8);
    assert_eq!(ty("b"), DataType::Boolean);
    assert_eq!(ty("m"), DataType::Utf8);
    assert_eq!(ty("big"), DataType::Utf8);
    // Rows give back exactly the values that went in.
    assert_eq!(
        data_rows(&r, "t"),
        [
            r#"{"i":1,"f":1,"s":"x","b":true,"m":1,"big":1}"#,
            r#"{"i":2,"f":2.5,"s":"y","b":false,"m":"one","big":123456789012345678901234567890}"#
        ]
    );
}

#[test]
fn batches_grow_their_schema_by_appending_columns() {
    let mut f = Flattener::new("t", Config::default()).expect("config");
    let push = |f: &mut Flattener, s: &str| {
        f.push(
            &value::parse(s.as_bytes()).expect("json"),
            Location::record(0),
        )
        .expect("push")
    };
    push(&mut f, r#"{"a": 1}"#);
    let first = f.take_batches();
    push(&mut f, r#"{"b": 2, "l": [1]}"#);
    let second = f.take_batches();
    let names = |b: &transmog_core::TableBatch| -> Vec<String> {
        b.batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    };
    assert_eq!(first.len(), 1);
    assert_eq!(
        names(&first[0]),
        ["__extract_id", "__extract_datetime", "a"]
    );
    assert_eq!(second.len(), 2);
    assert_eq!(
        names(&second[0]),
        ["__extract_id", "__extract_datetime", "a", "b"]
    );
    assert_eq!(second[0].batch.column(2).null_count(), 1);
    assert_eq!(&*second[1].table, "t_l");
    assert_eq!(
        f.schema("t").expect("schema").fields().len(),
        4,
        "schema reported as it grows"
    );
}

#[test]
fn deterministic_ids_are_stable_and_map_per_table() {
    let cfg = || Config {
        id_mode: IdMode::Deterministic(IdSource::Map(vec![
            ("".into(), "code".into()),
            ("items".into(), "sku".into()),
        ])),
        ..Config::default()
    };
    let doc = r#"{"code": "R1", "items": [{"sku": "S1"}]}"#;
    let a = run(cfg(), &[doc]);
    let b = run(cfg(), &[doc]);
    let id = |r: &FlatResult, t: &str| row_json(&r.table(t).expect("t").rows()[0]);
    // Rows differ only in their timestamp, so compare ids explicitly.
    let ids = |r: &FlatResult| {
        [id(r, "t"), id(r, "t_items")]
            .iter()
            .map(|s| s.split("__extract_id\":\"").nth(1).unwrap_or("")[..36].to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&a), ids(&b));
    // uuid5(namespace, "r1") and uuid5(namespace, "s1"), as Python's uuid module gives.
    assert_eq!(
        ids(&a),
        [
            "716ba2e1-7300-5eb7-9860-08693fc61be3",
            "c5ef9026-3668-556b-9441-0d2d3ab89071"
        ]
    );
}

#[test]
fn content_hash_ids_are_stable_and_distinct() {
    let cfg = || Config {
        id_mode: IdMode::ContentHash,
        ..Config::default()
    };
    let docs = [r#"{"a": 1, "l": [{"x": 1}, {"x": 1}]}"#, r#"{"a": 2}"#];
    let ids = all_ids;
    let a = ids(&run(cfg(), &docs));
    let b = ids(&run(cfg(), &docs));
    assert_eq!(a, b, "same input, same ids");
    let unique: std::collections::HashSet<_> = a.iter().collect();
    assert_eq!(
        unique.len(),
        4,
        "identical items at different positions differ"
    );
    // Key order does not change a record's content id.
    let c = ids(&run(cfg(), &[r#"{"l": [{"x": 1}, {"x": 1}], "a": 1}"#]));
    assert_eq!(a[0], c[0]);
}

/// Every row's `__extract_id`, table by table.
fn all_ids(r: &FlatResult) -> Vec<String> {
    r.tables
        .iter()
        .flat_map(|t| t.rows())
        .filter_map(|row| {
            row.iter()
                .find(|(k, _)| k == "__extract_id")
                .map(|(_, v)| format!("{v:?}"))
        })
        .collect()
}

#[test]
fn deterministic_child_ids_stay_unique_when_arrays_share_a_path() {
    // A repeated key and `a_b` vs `a.b` give two arrays with one path and equal items.
    let docs = [r#"{"k": [1, 2], "k": [1, 2], "a_b": [{"x": [3]}], "a": {"b": [{"x": [3]}]}}"#];
    for mode in [IdMode::Position, IdMode::ContentHash] {
        let cfg = Config {
            id_mode: mode.clone(),
            ..Config::default()
        };
        let result = run(cfg.clone(), &docs);
        let ids = all_ids(&result);
        assert_eq!(ids.len(), 1 + 4 + 2 + 2, "{mode:?}");
        let unique: std::collections::HashSet<_> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "{mode:?}: {ids:?}");
        let again = all_ids(&run(cfg, &docs));
        assert_eq!(ids, again, "{mode:?}: same input, same ids");
    }
}

#[test]
fn non_object_records_error_with_location_or_are_skipped() {
    let mut f = Flattener::new("t", Config::default()).expect("config");
    let err = f
        .push(&Value::Int(5), Location::record(7))
        .expect_err("strict");
    assert_eq!(err.kind(), ErrorKind::Processing);
    assert_eq!(
        err.to_string(),
        "record 7: expected a JSON object as record, found integer"
    );

    let cfg = Config {
        recovery: Recovery::Skip,
        ..Config::default()
    };
    let mut f = Flattener::new("t", cfg).expect("config");
    let loc = Location {
        source: Some("in.jsonl".into()),
        line: Some(3),
        record: 2,
        origin: None,
        offset: None,
    };
    f.push_json(b"{\"a\": tru}", loc).expect("skipped");
    f.push_json(b"{\"a\": 1}", Location::record(3)).expect("ok");
    assert_eq!(f.report().skipped_count, 1);
    let reason = &f.report().skipped[0].reason;
    assert!(reason.starts_with("in.jsonl:3: invalid JSON"), "{reason}");
    assert_eq!(f.records(), 1);
}

#[test]
fn parse_errors_are_parsing_errors_with_line() {
    let mut f = Flattener::new("t", Config::default()).expect("config");
    let loc = Location {
        source: Some("x.jsonl".into()),
        line: Some(10),
        record: 9,
        origin: None,
        offset: None,
    };
    let err = f.push_json(b"{\"a\": }", loc).expect_err("strict");
    assert_eq!(err.kind(), ErrorKind::Parsing);
    assert!(
        err.to_string().starts_with("x.jsonl:10: invalid JSON"),
        "{err}"
    );
}

#[test]
fn column_limit_is_an_error_not_an_oom() {
    let cfg = Config {
        max_columns: 4,
        ..Config::default()
    };
    let mut f = Flattener::new("t", cfg).expect("config");
    let v = value::parse(br#"{"a": 1, "b": 2, "c": 3}"#).expect("json");
    let err = f.push(&v, Location::record(0)).expect_err("limit");
    assert!(err.to_string().contains("limit of 4 columns"), "{err}");
}

#[test]
fn invalid_options_are_configuration_errors() {
    let cfg = Config {
        separator: "".into(),
        ..Config::default()
    };
    let err = Flattener::new("t", cfg).expect_err("empty separator");
    assert_eq!(err.kind(), ErrorKind::Configuration);
    let cfg = Config {
        max_depth: 0,
        ..Config::default()
    };
    let err = Flattener::new("t", cfg).expect_err("max_depth 0");
    assert_eq!(err.kind(), ErrorKind::Configuration);
}

#[test]
fn any_separator_the_front_end_allows_is_used_as_it_is() {
    // 1.0.6 checks separator characters in its config builders only; its flatten_json
    // takes "/" as given.
    let cfg = Config {
        separator: "/".into(),
        ..Config::default()
    };
    let r = run(cfg, &[r#"{"a": {"b": 1}, "l": [2]}"#]);
    assert_eq!(r.table_names(), ["t", "t/l"]);
    assert_eq!(r.main().rows()[0][0].0, "a/b");
}

#[test]
fn visit_arrays_false_keeps_nested_arrays_too() {
    let cfg = Config {
        visit_arrays: false,
        ..Config::default()
    };
    let r = run(cfg, &[r#"{"o": {"l": [1, "é"]}, "t": [true]}"#]);
    assert_eq!(r.table_names(), ["t"]);
    assert_eq!(
        data_rows(&r, "t"),
        [r#"{"o_l":"[1, \"\\u00e9\"]","t":"[true]"}"#]
    );
}

#[test]
fn depth_truncation_is_reported() {
    let cfg = Config {
        max_depth: 2,
        ..Config::default()
    };
    let r = run(cfg, &[r#"{"a": {"b": {"c": 1}}, "x": 1}"#]);
    assert_eq!(data_rows(&r, "t"), [r#"{"x":"1"}"#]);
    assert_eq!(r.report.truncation_count, 1);
    assert_eq!(r.report.truncations[0].1, "a.b");
}

/// Child rows come from the sites the row's walk noted: arrays, maps and objects past
/// the depth limit, in document order, each linked to the right parent row.
#[test]
fn child_rows_follow_document_order_across_arrays_maps_and_truncated_objects() {
    let cfg = Config {
        max_depth: 2,
        map_paths: vec![vec!["m".to_string()]],
        id_mode: IdMode::Position,
        ..Config::default()
    };
    let r = run(
        cfg,
        &[
            r#"{"a": [1, 2], "m": {"k1": {"v": 1, "in": [{"w": 1}]}, "k2": {"v": 2}},
             "deep": {"x": {"y": {"l": [3]}}, "z": [4]}, "b": [{"c": [5, 6]}, {"c": [7]}]}"#,
        ],
    );
    let names = r.table_names();
    assert_eq!(
        names,
        [
            "t",
            "t_a",
            "t_m",
            "t_m_in",
            "t_deep_nested_l",
            "t_deep_z",
            "t_b",
            "t_b_c"
        ]
    );
    let col = |table: &str, field: &str| -> Vec<String> {
        r.table(table)
            .expect("table")
            .rows()
            .iter()
            .map(|row| match row.iter().find(|(k, _)| k == field) {
                Some((_, Value::Str(s))) => s.to_string(),
                other => panic!("{table}.{field}: {other:?}"),
            })
            .collect()
    };
    // Scalar items keep their type (1.0.6 does not cast them).
    assert_eq!(data_rows(&r, "t_a"), [r#"{"value":1}"#, r#"{"value":2}"#]);
    assert_eq!(col("t_m", "__key"), ["k1", "k2"]);
    assert_eq!(data_rows(&r, "t_m_in"), [r#"{"w":"1"}"#]);
    assert_eq!(data_rows(&r, "t_deep_nested_l"), [r#"{"value":3}"#]);
    assert_eq!(
        data_rows(&r, "t_b_c"),
        [5, 6, 7].map(|v| format!(r#"{{"value":{v}}}"#))
    );
    // Parents: the record for its own arrays, the item (or map entry) for nested ones.
    let root = col("t", "__extract_id");
    for table in ["t_a", "t_m", "t_deep_nested_l", "t_deep_z", "t_b"] {
        assert!(
            col(table, "__parent_extract_id")
                .iter()
                .all(|p| *p == root[0]),
            "{table}"
        );
    }
    assert_eq!(
        col("t_m_in", "__parent_extract_id"),
        [col("t_m", "__extract_id")[0].clone()]
    );
    let b_ids = col("t_b", "__extract_id");
    assert_eq!(
        col("t_b_c", "__parent_extract_id"),
        [&b_ids[0], &b_ids[0], &b_ids[1]].map(|s| s.clone())
    );
    // Position ids count child rows in document order: every id distinct.
    let mut all: Vec<String> = names.iter().flat_map(|t| col(t, "__extract_id")).collect();
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), n);
}

#[test]
fn rows_list_keys_in_their_records_order() {
    // A wide first row, then records adding keys in the middle, at the start and at
    // the end, and an object first met later: each row lists its record's order.
    let wide: Vec<String> = (0..300).map(|i| format!("\"k{i:03}\":{i}")).collect();
    let docs = [
        format!("{{\"a\":1,{},\"z\":2}}", wide.join(",")),
        r#"{"a":1,"n":{"x":1,"y":2},"k000":0,"m":3,"z":2,"end":1}"#.to_string(),
        r#"{"first":0,"a":1,"n":{"w":0,"x":1},"z":2}"#.to_string(),
        r#"{"a":1,"n":{"w":0},"m":3,"end":1}"#.to_string(),
    ];
    let docs: Vec<&str> = docs.iter().map(String::as_str).collect();
    let r = run(Config::default(), &docs);
    let keys: Vec<Vec<String>> = r
        .table("t")
        .expect("table")
        .rows()
        .iter()
        .map(|row| {
            row.iter()
                .map(|(k, _)| k.clone())
                .filter(|k| !k.starts_with("__"))
                .collect()
        })
        .collect();
    let mut first = vec!["a".to_string()];
    first.extend((0..300).map(|i| format!("k{i:03}")));
    first.push("z".into());
    assert_eq!(keys[0], first);
    assert_eq!(keys[1], ["a", "n_x", "n_y", "k000", "m", "z", "end"]);
    assert_eq!(keys[2], ["first", "a", "n_w", "n_x", "z"]);
    assert_eq!(keys[3], ["a", "n_w", "m", "end"]);
}
