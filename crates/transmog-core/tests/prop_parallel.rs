//! Property: flattening chunks with independent flatteners and renaming their batches
//! with a `NameRegistry` (what the parallel CLI pipeline does) gives the same tables,
//! column names and rows as one flattener over the whole input.

use std::borrow::Cow;
use std::collections::BTreeMap;

use proptest::prelude::*;
use transmog_core::merge::NameRegistry;
use transmog_core::result::{batch_rows, row_json};
use transmog_core::{Config, Flattener, IdMode, Location, TableBatch, Value};

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("a".to_string()),
        Just("b".to_string()),
        Just("a_b".to_string()),
        Just("__h".to_string()),
        Just("value".to_string()),
        Just("x_y_z_w".to_string()),
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

fn config(cast: bool) -> Config {
    Config {
        cast_to_string: cast,
        id_mode: IdMode::ContentHash,
        extract_time: Some(Value::Str("t".into())),
        ..Config::default()
    }
}

/// Table name -> rows as JSON lines, in order.
fn tables(batches: &[TableBatch]) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for b in batches {
        let mut rows = Vec::new();
        batch_rows(&b.batch, &b.extras, &mut rows);
        let entry = out.entry(b.table.to_string()).or_default();
        for mut r in rows {
            r.sort_by(|x, y| x.0.cmp(&y.0));
            entry.push(row_json(&r));
        }
    }
    out
}

fn check(records: &[Value<'static>], chunk: usize, cast: bool) -> Result<(), TestCaseError> {
    let mut seq = Flattener::new("t", config(cast)).expect("config");
    let mut seq_batches = Vec::new();
    for (i, r) in records.iter().enumerate() {
        seq.push(r, Location::record(i as u64)).expect("object");
        if (i + 1) % chunk == 0 {
            seq_batches.extend(seq.take_batches());
        }
    }
    seq_batches.extend(seq.take_batches());

    let mut names = NameRegistry::new("_");
    let mut par_batches = Vec::new();
    for (c, part) in records.chunks(chunk).enumerate() {
        let mut f = Flattener::new("t", config(cast)).expect("config");
        for (i, r) in part.iter().enumerate() {
            f.push(r, Location::record((c * chunk + i) as u64))
                .expect("object");
        }
        par_batches.extend(f.take_batches().into_iter().map(|b| names.rename(b)));
    }
    prop_assert_eq!(tables(&seq_batches), tables(&par_batches));
    prop_assert_eq!(seq.report().collision_count, names.report().collision_count);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn chunked_flattening_with_run_wide_names_equals_sequential(
        records in prop::collection::vec(record(), 1..12),
        chunk in 1usize..5,
        cast in any::<bool>(),
    ) {
        check(&records, chunk, cast)?;
    }
}
