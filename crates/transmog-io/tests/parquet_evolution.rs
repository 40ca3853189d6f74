//! Schema evolution, widening and row-group layout of the Parquet sink, read back with
//! parquet's own Arrow reader.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use arrow_array::{ArrayRef, NullArray, RecordBatch};
use arrow_schema::DataType;
use common::*;
use transmog_io::{Error, Format, SinkOptions, TableSink};

fn opts(rgs: usize) -> SinkOptions {
    let mut o = SinkOptions::new(Format::Parquet);
    o.parquet.row_group_size = rgs;
    o
}

#[test]
fn late_column_across_row_groups() {
    let dir = tempfile::tempdir().unwrap();
    let mut sink = TableSink::create(dir.path(), opts(10)).unwrap();
    let mut next = 0i64;
    for _ in 0..3 {
        let ids: Vec<i64> = (next..next + 7).collect();
        next += 7;
        let a = strs(ids.iter().map(|i| format!("a{i}")));
        sink.write("main", &batch(vec![("id", ints(ids)), ("a", a)]))
            .unwrap();
    }
    // `late` appears at row 21, inside the third row group; later rows lack `a`
    let ids: Vec<i64> = (21..28).collect();
    sink.write(
        "main",
        &batch(vec![
            ("id", ints(ids.clone())),
            ("a", strs(ids.iter().map(|i| format!("a{i}")))),
            ("late", strs(ids.iter().map(|i| format!("L{i}")))),
        ]),
    )
    .unwrap();
    let ids: Vec<i64> = (28..33).collect();
    sink.write(
        "main",
        &batch(vec![
            ("late", strs(ids.iter().map(|i| format!("L{i}")))),
            ("id", ints(ids)),
        ]),
    )
    .unwrap();
    let out = sink.finish().unwrap();
    assert_eq!(out.len(), 1);
    let t = &out[0];
    assert_eq!((t.name.as_str(), t.rows, t.row_groups), ("main", 33, 4));
    assert_eq!(t.path, dir.path().join("main.parquet"));
    let stats = t.splice.expect("schema changed, so the file was spliced");
    assert!(stats.parts >= 2 && stats.chunks_null > 0, "{stats:?}");

    assert_eq!(row_group_sizes(&t.path), vec![10, 10, 10, 3]);
    let md = metadata(&t.path);
    assert!(md.row_groups().iter().all(|rg| rg.num_columns() == 3));

    let (schema, batches) = read_parquet(&t.path);
    assert_eq!(field_names(&schema), ["id", "a", "late"]);
    assert!(schema.fields().iter().all(|f| f.is_nullable()));
    assert_eq!(
        col_i64(&batches, "id"),
        (0..33).map(Some).collect::<Vec<_>>()
    );
    let a = col_str(&batches, "a");
    for (i, v) in a.iter().enumerate() {
        let want = (i < 28).then(|| format!("a{i}"));
        assert_eq!(*v, want, "a[{i}]");
    }
    let late = col_str(&batches, "late");
    for (i, v) in late.iter().enumerate() {
        let want = (i >= 21).then(|| format!("L{i}"));
        assert_eq!(*v, want, "late[{i}]");
    }
    assert_eq!(dir_entries(dir.path()), ["main.parquet"]);
}

#[test]
fn late_column_in_the_very_last_row_of_many_row_groups() {
    // 10 002 rows with row_group_size 10 000, `late` only in the last row (SPEC 6 case).
    let dir = tempfile::tempdir().unwrap();
    let mut sink = TableSink::create(dir.path(), opts(10_000)).unwrap();
    for chunk in 0..10 {
        let ids: Vec<i64> = (chunk * 1000..chunk * 1000 + 1000).collect();
        sink.write("t", &batch(vec![("id", ints(ids))])).unwrap();
    }
    sink.write("t", &batch(vec![("id", ints([10_000]))]))
        .unwrap();
    sink.write(
        "t",
        &batch(vec![("id", ints([10_001])), ("late", strs(["x"]))]),
    )
    .unwrap();
    let out = sink.finish().unwrap();
    let path = &out[0].path;
    assert_eq!(row_group_sizes(path), vec![10_000, 2]);
    let (schema, batches) = read_parquet(path);
    assert_eq!(field_names(&schema), ["id", "late"]);
    let late = col_str(&batches, "late");
    assert_eq!(late.len(), 10_002);
    assert_eq!(late.iter().filter(|v| v.is_some()).count(), 1);
    assert_eq!(late[10_001].as_deref(), Some("x"));
}

#[test]
fn new_table_in_a_late_batch() {
    let dir = tempfile::tempdir().unwrap();
    let mut sink = TableSink::create(dir.path(), opts(4)).unwrap();
    sink.write("main", &batch(vec![("id", ints(0..5))]))
        .unwrap();
    sink.write("main", &batch(vec![("id", ints(5..9))]))
        .unwrap();
    sink.write("main.items/x", &batch(vec![("v", strs(["p", "q"]))]))
        .unwrap();
    sink.write("empty", &batch(vec![("v", strs(Vec::<&str>::new()))]))
        .unwrap();
    let out = sink.finish().unwrap();
    let names: Vec<_> = out.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["main", "main.items/x"]);
    assert_eq!(out[1].path, dir.path().join("main_items_x.parquet"));
    assert!(out[0].splice.is_none() && out[1].splice.is_none());
    let (_, batches) = read_parquet(&out[1].path);
    assert_eq!(col_str(&batches, "v"), [Some("p".into()), Some("q".into())]);
    assert_eq!(row_group_sizes(&out[0].path), vec![4, 4, 1]);
    assert_eq!(
        dir_entries(dir.path()),
        ["main.parquet", "main_items_x.parquet"]
    );
}

#[test]
fn widening_int_to_float_across_row_groups() {
    let dir = tempfile::tempdir().unwrap();
    let mut sink = TableSink::create(dir.path(), opts(2)).unwrap();
    sink.write("t", &batch(vec![("x", ints([1, 2, 3]))]))
        .unwrap();
    sink.write("t", &batch(vec![("x", floats([2.5]))])).unwrap();
    sink.write("t", &batch(vec![("x", ints([-4]))])).unwrap();
    let out = sink.finish().unwrap();
    let stats = out[0].splice.unwrap();
    assert!(stats.chunks_reencoded >= 1, "{stats:?}");
    let (schema, batches) = read_parquet(&out[0].path);
    assert_eq!(field_type(&schema, "x"), DataType::Float64);
    assert_eq!(
        col_f64(&batches, "x"),
        [Some(1.0), Some(2.0), Some(3.0), Some(2.5), Some(-4.0)]
    );
    assert_eq!(row_group_sizes(&out[0].path), vec![2, 2, 1]);
}

#[test]
fn widening_to_string_across_row_groups() {
    let dir = tempfile::tempdir().unwrap();
    let mut sink = TableSink::create(dir.path(), opts(2)).unwrap();
    sink.write(
        "t",
        &batch(vec![
            ("i", ints([1, 2, 3])),
            ("f", floats([1.0, 1e16, 0.00001])),
            ("b", bools(vec![true, false, true])),
        ]),
    )
    .unwrap();
    sink.write(
        "t",
        &batch(vec![
            ("i", strs(["a"])),
            ("f", strs(["z"])),
            ("b", ints([7])),
        ]),
    )
    .unwrap();
    let out = sink.finish().unwrap();
    let (schema, batches) = read_parquet(&out[0].path);
    for c in ["i", "f", "b"] {
        assert_eq!(field_type(&schema, c), DataType::Utf8, "{c}");
    }
    let s = |v: &[&str]| v.iter().map(|x| Some(x.to_string())).collect::<Vec<_>>();
    assert_eq!(col_str(&batches, "i"), s(&["1", "2", "3", "a"]));
    assert_eq!(col_str(&batches, "f"), s(&["1.0", "1e+16", "1e-05", "z"]));
    assert_eq!(col_str(&batches, "b"), s(&["true", "false", "true", "7"]));
}

#[test]
fn huge_ints_widen_to_string_not_float() {
    let dir = tempfile::tempdir().unwrap();
    let mut sink = TableSink::create(dir.path(), opts(1)).unwrap();
    let big = (1i64 << 53) + 1;
    sink.write("t", &batch(vec![("x", ints([big, 5]))]))
        .unwrap();
    sink.write("t", &batch(vec![("x", floats([0.5]))])).unwrap();
    // exactly 2^53 still fits: stays float
    sink.write("u", &batch(vec![("x", ints([1 << 53]))]))
        .unwrap();
    sink.write("u", &batch(vec![("x", floats([0.5]))])).unwrap();
    let out = sink.finish().unwrap();
    let (schema, batches) = read_parquet(&out[0].path);
    assert_eq!(field_type(&schema, "x"), DataType::Utf8);
    assert_eq!(
        col_str(&batches, "x"),
        [Some(big.to_string()), Some("5".into()), Some("0.5".into())]
    );
    let (schema, batches) = read_parquet(&out[1].path);
    assert_eq!(field_type(&schema, "x"), DataType::Float64);
    assert_eq!(
        col_f64(&batches, "x"),
        [Some(9007199254740992.0), Some(0.5)]
    );
}

#[test]
fn row_groups_are_exact_whatever_the_batch_sizes() {
    for batch_rows in [3_333usize, 25_000, 10_000, 1] {
        let dir = tempfile::tempdir().unwrap();
        let mut sink = TableSink::create(dir.path(), opts(10_000)).unwrap();
        let mut start = 0i64;
        while start < 25_000 {
            let end = (start + batch_rows as i64).min(25_000);
            sink.write("t", &batch(vec![("id", ints(start..end))]))
                .unwrap();
            start = end;
        }
        let out = sink.finish().unwrap();
        assert_eq!(out[0].rows, 25_000);
        assert_eq!(
            row_group_sizes(&out[0].path),
            vec![10_000, 10_000, 5_000],
            "batches of {batch_rows}"
        );
        assert!(out[0].splice.is_none(), "one part, same schema: renamed");
        let (_, batches) = read_parquet(&out[0].path);
        assert_eq!(
            col_i64(&batches, "id"),
            (0..25_000).map(Some).collect::<Vec<_>>()
        );
    }
}

#[test]
fn null_typed_columns() {
    let dir = tempfile::tempdir().unwrap();
    let mut sink = TableSink::create(dir.path(), opts(2)).unwrap();
    let nulls = |n| Arc::new(NullArray::new(n)) as ArrayRef;
    sink.write(
        "t",
        &batch(vec![
            ("id", ints([1, 2, 3])),
            ("n", nulls(3)),
            ("always", nulls(3)),
        ]),
    )
    .unwrap();
    sink.write(
        "t",
        &batch(vec![
            ("id", ints([4])),
            ("n", opt_strs(vec![Some("s")])),
            ("always", nulls(1)),
        ]),
    )
    .unwrap();
    let out = sink.finish().unwrap();
    let (schema, batches) = read_parquet(&out[0].path);
    assert_eq!(field_type(&schema, "n"), DataType::Utf8);
    assert_eq!(field_type(&schema, "always"), DataType::Null);
    assert_eq!(col_str(&batches, "n"), [None, None, None, Some("s".into())]);
    assert_eq!(null_count(&batches, "always"), 4);
}

#[test]
fn schema_grows_many_times_and_zero_row_batches_count() {
    // a new column in every batch, batches not aligned to row groups
    let dir = tempfile::tempdir().unwrap();
    let mut sink = TableSink::create(dir.path(), opts(5)).unwrap();
    for k in 0..6i64 {
        let name = format!("c{k}");
        sink.write(
            "t",
            &batch(vec![
                (name.as_str(), ints(k * 10..k * 10 + 3)),
                ("id", ints(k * 3..k * 3 + 3)),
            ]),
        )
        .unwrap();
    }
    // a zero-row batch still declares a column
    sink.write("t", &batch(vec![("declared", strs(Vec::<&str>::new()))]))
        .unwrap();
    let out = sink.finish().unwrap();
    assert_eq!(row_group_sizes(&out[0].path), vec![5, 5, 5, 3]);
    let (schema, batches) = read_parquet(&out[0].path);
    assert_eq!(
        field_names(&schema),
        ["c0", "id", "c1", "c2", "c3", "c4", "c5", "declared"]
    );
    assert_eq!(
        col_i64(&batches, "id"),
        (0..18).map(Some).collect::<Vec<_>>()
    );
    for k in 0..6i64 {
        let col = col_i64(&batches, &format!("c{k}"));
        for (row, v) in col.iter().enumerate() {
            let row = row as i64;
            let want = (row / 3 == k).then_some(k * 10 + row % 3);
            assert_eq!(*v, want, "c{k}[{row}]");
        }
    }
    assert_eq!(null_count(&batches, "declared"), 18);
}

#[test]
fn bad_input_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut sink = TableSink::create(dir.path(), opts(5)).unwrap();
    let i32s: ArrayRef = Arc::new(arrow_array::Int32Array::from(vec![1]));
    let e = sink.write("t", &batch(vec![("x", i32s)])).unwrap_err();
    assert!(matches!(e, Error::UnsupportedType { .. }), "{e}");
    assert!(
        e.to_string().contains("`t`") && e.to_string().contains("`x`"),
        "{e}"
    );
    assert!(matches!(
        sink.write("t", &batch(vec![("y", ints([1]))])),
        Err(Error::Poisoned)
    ));

    // rows without any column cannot be stored in Parquet
    let mut sink = TableSink::create(dir.path(), opts(5)).unwrap();
    let no_cols = arrow_array::RecordBatch::try_new_with_options(
        Arc::new(arrow_schema::Schema::empty()),
        vec![],
        &arrow_array::RecordBatchOptions::new().with_row_count(Some(3)),
    )
    .unwrap();
    sink.write("nocols", &no_cols).unwrap();
    let e = sink.finish().unwrap_err();
    assert!(matches!(e, Error::NoColumns { .. }), "{e}");
    assert!(dir_entries(dir.path()).is_empty());

    // two tables whose names make one file name: the later one gets `_2`
    let mut sink = TableSink::create(dir.path(), opts(5)).unwrap();
    sink.write("a.b", &batch(vec![("x", ints([1]))])).unwrap();
    sink.write("a_b", &batch(vec![("x", ints([2, 3]))]))
        .unwrap();
    let files: Vec<(String, String, u64)> = sink
        .finish()
        .unwrap()
        .into_iter()
        .map(|o| {
            let f = o.path.file_name().unwrap().to_string_lossy().into_owned();
            (o.name, f, o.rows)
        })
        .collect();
    assert_eq!(
        files,
        [
            ("a.b".to_string(), "a_b.parquet".to_string(), 1),
            ("a_b".to_string(), "a_b_2.parquet".to_string(), 2)
        ]
    );
}

#[test]
fn write_all_gives_the_files_of_one_write_per_batch() {
    // Enough rows per call to take the parallel path; several tables, a late column,
    // a new table in a later call and two tables whose file names clash (`a.b` and
    // `a_b` both want `a_b.parquet`: the later-created one gets `a_b_2.parquet`).
    let calls: Vec<Vec<(&str, RecordBatch)>> = (0..4i64)
        .map(|c| {
            let rows = c * 6_000..(c + 1) * 6_000;
            let mut v = vec![
                ("a.b", batch(vec![("id", ints(rows.clone()))])),
                ("main", batch(vec![("id", ints(rows.clone()))])),
            ];
            if c >= 1 {
                v.push(("a_b", batch(vec![("x", ints(rows.clone()))])));
            }
            if c >= 2 {
                v.push((
                    "main",
                    batch(vec![
                        ("id", ints(rows.clone())),
                        ("late", strs(rows.map(|i| i.to_string()))),
                    ]),
                ));
            }
            v
        })
        .collect();
    let one = tempfile::tempdir().unwrap();
    let all = tempfile::tempdir().unwrap();
    let mut s1 = TableSink::create(one.path(), opts(5_000)).unwrap();
    let mut s2 = TableSink::create(all.path(), opts(5_000)).unwrap();
    for call in &calls {
        for (t, b) in call {
            s1.write(t, b).unwrap();
        }
        let pairs: Vec<(&str, &RecordBatch)> = call.iter().map(|(t, b)| (*t, b)).collect();
        s2.write_all(&pairs).unwrap();
    }
    let (o1, o2) = (s1.finish().unwrap(), s2.finish().unwrap());
    let names = |o: &[transmog_io::TableOutput]| -> Vec<(String, String, u64)> {
        o.iter()
            .map(|t| {
                let file = t.path.file_name().unwrap().to_string_lossy().into_owned();
                (t.name.clone(), file, t.rows)
            })
            .collect()
    };
    assert_eq!(names(&o1), names(&o2));
    assert!(names(&o2)
        .iter()
        .any(|(n, f, _)| n == "a_b" && f == "a_b_2.parquet"));
    for (a, b) in o1.iter().zip(&o2) {
        assert_eq!(
            std::fs::read(&a.path).unwrap(),
            std::fs::read(&b.path).unwrap(),
            "{}",
            a.name
        );
    }
}

/// Writes `n` rows of `main` (id, text; `late` from row `late_from`) in batches of 7.
fn write_rows(sink: &mut TableSink, n: i64, late_from: i64) {
    let mut next = 0;
    while next < n {
        let ids: Vec<i64> = (next..(next + 7).min(n)).collect();
        next += ids.len() as i64;
        let text = strs(
            ids.iter()
                .map(|i| format!("value number {i} with some text")),
        );
        let mut cols = vec![("id", ints(ids.clone())), ("text", text)];
        if ids[0] >= late_from {
            cols.push(("late", strs(ids.iter().map(|i| format!("L{i}")))));
        }
        sink.write("main", &batch(cols)).unwrap();
    }
}

/// Writes 1000 rows with `late` from row `late_from` into parts of at most 4 KiB, checks
/// the rows, ids and `late` values across the parts, and returns the folder.
fn rolled_with_late_from(late_from: i64) -> (tempfile::TempDir, transmog_io::TableOutput) {
    let dir = tempfile::tempdir().unwrap();
    let mut o = opts(50);
    o.parquet.max_file_size = Some(4096);
    let mut sink = TableSink::create(dir.path(), o).unwrap();
    write_rows(&mut sink, 1000, late_from);
    let mut out = sink.finish().unwrap();
    let t = out.remove(0);
    assert!(t.files.len() >= 3, "{:?}", t.files);
    assert_eq!((t.rows, t.row_groups), (1000, 20));
    let mut ids = Vec::new();
    let mut late = Vec::new();
    for (i, f) in t.files.iter().enumerate() {
        let (schema, batches) = read_parquet(f);
        // Every part holds whole row groups, and a column only from the part it appears in.
        assert!(row_group_sizes(f).iter().all(|&n| n == 50), "part {i}");
        let has_late = schema.fields().iter().any(|c| c.name() == "late");
        let part_ids = col_i64(&batches, "id");
        assert_eq!(
            has_late,
            part_ids.last().unwrap().unwrap() >= late_from,
            "part {i}"
        );
        if has_late {
            late.extend(col_str(&batches, "late"));
        } else {
            late.extend(part_ids.iter().map(|_| None));
        }
        ids.extend(part_ids);
    }
    assert_eq!(ids, (0..1000).map(Some).collect::<Vec<_>>());
    let want: Vec<Option<String>> = (0..1000)
        .map(|i| (i >= late_from).then(|| format!("L{i}")))
        .collect();
    assert_eq!(late, want);
    (dir, t)
}

#[test]
fn a_table_past_max_file_size_goes_on_in_part_files() {
    let (dir, t) = rolled_with_late_from(700);
    assert_eq!(t.path, dir.path().join("main"));
    for (i, f) in t.files.iter().enumerate() {
        assert_eq!(*f, dir.path().join(format!("main/part-{i:05}.parquet")));
    }
    // Only the folder is left: no temporary file of any part.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["main"]);
}

#[test]
fn a_table_under_max_file_size_stays_one_file_and_a_rerun_replaces_the_parts() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = opts(50);
    o.parquet.max_file_size = Some(4096);
    let mut sink = TableSink::create(dir.path(), o.clone()).unwrap();
    write_rows(&mut sink, 1000, 2000);
    let first = sink.finish().unwrap();
    let parts = first[0].files.len();
    assert!(parts >= 3);
    // A shorter run writes fewer parts: the folder holds exactly them afterwards.
    let mut sink = TableSink::create(dir.path(), o.clone()).unwrap();
    write_rows(&mut sink, 500, 2000);
    let second = sink.finish().unwrap();
    assert!((2..parts).contains(&second[0].files.len()));
    let listed = std::fs::read_dir(dir.path().join("main")).unwrap().count();
    assert_eq!(listed, second[0].files.len());
    // A run that fits one file writes `main.parquet`, and the table's folder goes.
    o.parquet.max_file_size = None;
    let mut sink = TableSink::create(dir.path(), o.clone()).unwrap();
    write_rows(&mut sink, 300, 2000);
    let third = sink.finish().unwrap();
    assert_eq!(third[0].files, [dir.path().join("main.parquet")]);
    assert!(!dir.path().join("main").exists());
    // And back: the folder replaces the file.
    o.parquet.max_file_size = Some(4096);
    let mut sink = TableSink::create(dir.path(), o.clone()).unwrap();
    write_rows(&mut sink, 1000, 2000);
    sink.finish().unwrap();
    assert!(!dir.path().join("main.parquet").exists());
    // A folder by a table's name that holds anything else is not replaced.
    std::fs::write(dir.path().join("main/notes.txt"), "mine").unwrap();
    o.parquet.max_file_size = Some(4096);
    let mut sink = TableSink::create(dir.path(), o).unwrap();
    write_rows(&mut sink, 1000, 2000);
    let err = sink.finish().unwrap_err().to_string();
    assert!(err.contains("holds other files"), "{err}");
    assert!(dir.path().join("main/notes.txt").exists());
}

#[test]
fn schema_changes_inside_row_groups_keep_every_row_group_full() {
    let dir = tempfile::tempdir().unwrap();
    let mut sink = TableSink::create(dir.path(), opts(10)).unwrap();
    sink.write("t", &batch(vec![("x", ints(0..13))])).unwrap();
    // `y` from row 13, `x` widened to float from row 16, `z` announced by an empty batch:
    // each change lands inside a row group.
    sink.write(
        "t",
        &batch(vec![("x", ints(13..16)), ("y", strs(["a", "b", "c"]))]),
    )
    .unwrap();
    sink.write(
        "t",
        &batch(vec![("x", floats((16..24).map(|i| i as f64 + 0.5)))]),
    )
    .unwrap();
    sink.write("t", &batch(vec![("z", strs(Vec::<&str>::new()))]))
        .unwrap();
    sink.write(
        "t",
        &batch(vec![
            ("x", floats((24..37).map(f64::from))),
            ("z", strs((24..37).map(|i| format!("z{i}")))),
        ]),
    )
    .unwrap();
    let out = sink.finish().unwrap();
    let t = &out[0];
    assert_eq!((t.rows, t.row_groups), (37, 4));
    assert_eq!(row_group_sizes(&t.path), vec![10, 10, 10, 7]);
    let stats = t.splice.expect("the schema changed");
    assert!(stats.parts >= 3 && stats.chunks_reencoded >= 3, "{stats:?}");
    let (schema, batches) = read_parquet(&t.path);
    assert_eq!(field_names(&schema), ["x", "y", "z"]);
    let x: Vec<Option<f64>> = (0..37)
        .map(|i| {
            Some(if (16..24).contains(&i) {
                i as f64 + 0.5
            } else {
                i as f64
            })
        })
        .collect();
    assert_eq!(col_f64(&batches, "x"), x);
    let y = col_str(&batches, "y");
    assert_eq!(y.iter().filter(|v| v.is_some()).count(), 3);
    assert_eq!(
        y[13..16],
        [Some("a".into()), Some("b".into()), Some("c".into())]
    );
    let z: Vec<Option<String>> = (0..37)
        .map(|i| (i >= 24).then(|| format!("z{i}")))
        .collect();
    assert_eq!(col_str(&batches, "z"), z);
    assert_eq!(dir_entries(dir.path()), ["t.parquet"]);
}

#[test]
fn a_tail_that_nothing_follows_is_the_last_row_group() {
    let dir = tempfile::tempdir().unwrap();
    let mut sink = TableSink::create(dir.path(), opts(10)).unwrap();
    sink.write("t", &batch(vec![("x", ints(0..13))])).unwrap();
    sink.write("t", &batch(vec![("late", strs(Vec::<&str>::new()))]))
        .unwrap();
    let out = sink.finish().unwrap();
    assert_eq!((out[0].rows, out[0].row_groups), (13, 2));
    assert_eq!(row_group_sizes(&out[0].path), vec![10, 3]);
    let (schema, batches) = read_parquet(&out[0].path);
    assert_eq!(field_names(&schema), ["x", "late"]);
    assert_eq!(
        col_i64(&batches, "x"),
        (0..13).map(Some).collect::<Vec<_>>()
    );
    assert_eq!(null_count(&batches, "late"), 13);
}

#[test]
fn a_late_column_inside_a_row_group_of_a_rolling_table_keeps_row_groups_whole() {
    // `late` from row 707, in the middle of the row group of rows 700..750.
    rolled_with_late_from(707);
}

#[test]
fn files_after_a_roll_over_keep_the_first_files_dictionary_choices() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = opts(1000);
    o.parquet.max_file_size = Some(1024);
    let mut sink = TableSink::create(dir.path(), o).unwrap();
    // Distinct in the first row group (written plain), one value after it: a file that
    // sampled its own first row group would choose a dictionary.
    for start in (0..6000).step_by(500) {
        let ids: Vec<i64> = (start..start + 500).collect();
        let text = strs(ids.iter().map(|&i| {
            if i < 1000 {
                format!("distinct value {i}")
            } else {
                "the same".to_string()
            }
        }));
        sink.write("t", &batch(vec![("id", ints(ids)), ("text", text)]))
            .unwrap();
    }
    let out = sink.finish().unwrap();
    let files = &out[0].files;
    assert!(files.len() >= 3, "{files:?}");
    let mut rows = Vec::new();
    for f in files {
        let md = metadata(f);
        for rg in md.row_groups() {
            assert!(rg.column(1).dictionary_page_offset().is_none(), "{f:?}");
            // The ids are integers: dictionary-encoded in every file alike.
            assert!(rg.column(0).dictionary_page_offset().is_some(), "{f:?}");
        }
        rows.extend(col_i64(&read_parquet(f).1, "id"));
    }
    assert_eq!(rows, (0..6000).map(Some).collect::<Vec<_>>());
}

#[test]
fn a_wide_table_held_to_the_end_comes_back_whole() {
    // 320 columns x 2 000 rows, all held until finish (under one row group), where its
    // batches and its row group's close are encoded on several threads. Every column
    // is sparse in its own way; a late column appears in the second batch.
    let dir = tempfile::tempdir().unwrap();
    let mut sink = TableSink::create(dir.path(), opts(5000)).unwrap();
    let cols = 320;
    let value = |r: i64, c: usize| {
        ((r + c as i64) % (c as i64 % 7 + 2) != 0).then_some(r * 1000 + c as i64)
    };
    for part in 0..2i64 {
        let rows = part * 1000..part * 1000 + 1000;
        let mut names: Vec<String> = (0..cols).map(|c| format!("c{c}")).collect();
        if part == 1 {
            names.push("late".into());
        }
        let mut arrays: Vec<ArrayRef> = (0..cols)
            .map(|c| {
                if c % 2 == 0 {
                    opt_ints(rows.clone().map(|r| value(r, c)).collect())
                } else {
                    let text: Vec<Option<String>> = rows
                        .clone()
                        .map(|r| value(r, c).map(|v| format!("v{v}")))
                        .collect();
                    opt_strs(text.iter().map(Option::as_deref).collect())
                }
            })
            .collect();
        if part == 1 {
            arrays.push(ints(rows.clone()));
        }
        let b = batch(names.iter().map(String::as_str).zip(arrays).collect());
        sink.write("wide", &b).unwrap();
    }
    let out = sink.finish().unwrap();
    let (schema, batches) = read_parquet(&out[0].path);
    assert_eq!(schema.fields().len(), cols + 1);
    for c in [0, 1, 2, 3, 150, 151, 318, 319] {
        let name = format!("c{c}");
        if c % 2 == 0 {
            let want: Vec<Option<i64>> = (0..2000).map(|r| value(r, c)).collect();
            assert_eq!(col_i64(&batches, &name), want, "{name}");
        } else {
            let want: Vec<Option<String>> = (0..2000)
                .map(|r| value(r, c).map(|v| format!("v{v}")))
                .collect();
            assert_eq!(col_str(&batches, &name), want, "{name}");
        }
    }
    let late = col_i64(&batches, "late");
    assert!(late[..1000].iter().all(Option::is_none));
    assert_eq!(late[1000..], (1000..2000).map(Some).collect::<Vec<_>>()[..]);
}

/// Any sequence of batches, each with some of four columns (`c` an integer or a float
/// column, so that it widens), written with any row group size and a first-row-group
/// sample bound of a few hundred bytes (parts start early, and new columns then end them
/// as tails, several in a row), reads back as written, in row groups of exact size.
mod any_batches {
    use super::*;
    use proptest::collection::vec;
    use proptest::prelude::*;

    fn write_and_check(plans: &[(usize, u8, bool)], rgs: usize, sample: usize, crc: bool) {
        write_within(plans, rgs, sample, crc, transmog_io::MEMORY_BUDGET);
    }

    /// With `budget`: a budget of one byte makes every write spill the table.
    fn write_within(
        plans: &[(usize, u8, bool)],
        rgs: usize,
        sample: usize,
        crc: bool,
        budget: usize,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut o = opts(rgs);
        o.parquet.sample_bytes = sample;
        o.parquet.write_page_checksum = crc;
        o.parquet.memory_budget = budget;
        let mut sink = TableSink::create(dir.path(), o).unwrap();
        let (mut at, mut names, mut c_float) = (0usize, Vec::<&str>::new(), false);
        let has = |name: &'static str, names: &mut Vec<&str>| {
            if !names.contains(&name) {
                names.push(name);
            }
        };
        // Expected cells, by column: present in a row when its batch has the column.
        let (mut a, mut b, mut c, mut d) = (vec![], vec![], vec![], vec![]);
        for &(rows, mask, float) in plans.iter().filter(|p| p.1 != 0) {
            let range = at..at + rows;
            let mut cols: Vec<(&str, ArrayRef)> = Vec::new();
            if mask & 1 != 0 {
                cols.push(("a", ints(range.clone().map(|i| i as i64))));
                has("a", &mut names);
            }
            if mask & 2 != 0 {
                cols.push(("b", strs(range.clone().map(|i| format!("b{i}")))));
                has("b", &mut names);
            }
            if mask & 4 != 0 {
                let v = if float {
                    floats(range.clone().map(|i| i as f64 + 0.5))
                } else {
                    ints(range.clone().map(|i| i as i64))
                };
                cols.push(("c", v));
                c_float |= float;
                has("c", &mut names);
            }
            if mask & 8 != 0 {
                cols.push(("d", strs(range.clone().map(|i| format!("d{i}")))));
                has("d", &mut names);
            }
            for i in range {
                a.push((mask & 1 != 0).then_some(i as i64));
                b.push((mask & 2 != 0).then(|| format!("b{i}")));
                c.push((mask & 4 != 0).then_some(i as f64 + if float { 0.5 } else { 0.0 }));
                d.push((mask & 8 != 0).then(|| format!("d{i}")));
            }
            at += rows;
            sink.write("t", &batch(cols)).unwrap();
        }
        let out = sink.finish().unwrap();
        if at == 0 {
            assert!(out.iter().all(|t| t.rows == 0));
            return;
        }
        let t = &out[0];
        let mut groups = vec![rgs as i64; at / rgs];
        if at % rgs > 0 {
            groups.push((at % rgs) as i64);
        }
        assert_eq!(row_group_sizes(&t.path), groups);
        let (schema, batches) = read_parquet(&t.path);
        assert_eq!(field_names(&schema), names);
        let pick = |name: &str| names.contains(&name);
        if pick("a") {
            assert_eq!(col_i64(&batches, "a"), a);
        }
        if pick("b") {
            assert_eq!(col_str(&batches, "b"), b);
        }
        if pick("c") && c_float {
            assert_eq!(col_f64(&batches, "c"), c);
        } else if pick("c") {
            let c: Vec<Option<i64>> = c.iter().map(|v| v.map(|f| f as i64)).collect();
            assert_eq!(col_i64(&batches, "c"), c);
        }
        if pick("d") {
            assert_eq!(col_str(&batches, "d"), d);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: fuzz_cases(64), ..ProptestConfig::default() })]

        #[test]
        fn read_back_as_written(
            plans in vec((0usize..30, 0u8..16, any::<bool>()), 1..25),
            rgs in 1usize..40,
            sample in 0usize..2000,
            crc in any::<bool>(),
        ) {
            write_and_check(&plans, rgs, sample, crc);
        }

        #[test]
        fn read_back_as_written_when_every_write_spills(
            plans in vec((0usize..30, 0u8..16, any::<bool>()), 1..25),
            rgs in 1usize..40,
            sample in 0usize..2000,
            crc in any::<bool>(),
        ) {
            write_within(&plans, rgs, sample, crc, 1);
        }
    }

    #[test]
    fn a_run_of_tails_inside_one_row_group() {
        // Every batch brings a column and the bound is 0: each part starts with its
        // batch and ends, as a tail, at the next.
        let plans = [
            (3, 1, false),
            (2, 3, false),
            (4, 7, true),
            (5, 15, true),
            (1, 15, false),
        ];
        write_and_check(&plans, 100, 0, false);
        write_and_check(&plans, 100, 0, true);
        write_and_check(&plans, 4, 0, false);
    }
}

#[test]
fn many_columns_widened_at_once_read_back_as_written() {
    // 150 integer columns over two and a half row groups, then all of them as floats:
    // the first part's full row groups re-encode every column, several readers' worth.
    let names: Vec<String> = (0..150).map(|c| format!("x{c}")).collect();
    let dir = tempfile::tempdir().unwrap();
    let mut sink = TableSink::create(dir.path(), opts(10)).unwrap();
    let ints_batch = names
        .iter()
        .enumerate()
        .map(|(c, n)| (n.as_str(), ints((0..25).map(|i| i * 1000 + c as i64))))
        .collect();
    sink.write("t", &batch(ints_batch)).unwrap();
    let floats_batch = names
        .iter()
        .enumerate()
        .map(|(c, n)| {
            (
                n.as_str(),
                floats((25..32).map(|i| i as f64 + c as f64 / 1e3)),
            )
        })
        .collect();
    sink.write("t", &batch(floats_batch)).unwrap();
    let out = sink.finish().unwrap();
    assert_eq!(row_group_sizes(&out[0].path), vec![10, 10, 10, 2]);
    let stats = out[0].splice.expect("widened");
    assert!(stats.chunks_reencoded >= 2 * 150, "{stats:?}");
    let (schema, batches) = read_parquet(&out[0].path);
    assert_eq!(field_names(&schema), names);
    for (c, n) in names.iter().enumerate() {
        assert_eq!(field_type(&schema, n), DataType::Float64);
        let want: Vec<Option<f64>> = (0..32)
            .map(|i| {
                Some(if i < 25 {
                    (i * 1000 + c) as f64
                } else {
                    i as f64 + c as f64 / 1e3
                })
            })
            .collect();
        assert_eq!(col_f64(&batches, n), want, "{n}");
    }
}

/// 40 tables written a few rows at a time, in turns, some gaining a column late: with a
/// budget small enough that tables spill, the files hold what they hold without one
/// (each column compared), in the same exact row groups, and the spilled tables were
/// assembled from several parts.
fn many_small_tables(budget: usize, max_file_size: Option<usize>) -> Vec<transmog_io::TableOutput> {
    let dir = tempfile::tempdir().unwrap();
    let mut o = opts(25);
    o.parquet.memory_budget = budget;
    o.parquet.max_file_size = max_file_size;
    let mut sink = TableSink::create(dir.path(), o).unwrap();
    let mut at = vec![0i64; 40];
    for turn in 0..30i64 {
        let mut owned = Vec::new();
        for (t, next) in at.iter_mut().enumerate() {
            let n = (t as i64 + turn) % 7;
            let rows: Vec<i64> = (*next..*next + n).collect();
            *next += n;
            let mut cols = vec![
                ("id", ints(rows.clone())),
                ("s", strs(rows.iter().map(|i| format!("t{t}-{i}")))),
            ];
            if t % 3 == 0 && turn >= 12 {
                cols.push(("late", floats(rows.iter().map(|&i| i as f64 / 4.0))));
            }
            owned.push((format!("t{t}"), batch(cols)));
        }
        let refs: Vec<(&str, &RecordBatch)> = owned.iter().map(|(t, b)| (t.as_str(), b)).collect();
        sink.write_all(&refs).unwrap();
    }
    let out = sink.finish().unwrap();
    for t in &out {
        let files = &t.files;
        let (mut ids, mut ss, mut lates, mut groups) = (vec![], vec![], vec![], vec![]);
        for f in files {
            let (schema, batches) = read_parquet(f);
            ids.extend(col_i64(&batches, "id"));
            ss.extend(col_str(&batches, "s"));
            if field_names(&schema).iter().any(|n| n == "late") {
                lates.extend(col_f64(&batches, "late"));
            }
            groups.extend(row_group_sizes(f));
        }
        let n = t.rows as usize;
        let k: usize = t.name[1..].parse().unwrap();
        assert_eq!(
            ids,
            (0..n as i64).map(Some).collect::<Vec<_>>(),
            "{}",
            t.name
        );
        let want: Vec<_> = (0..n).map(|i| Some(format!("t{k}-{i}"))).collect();
        assert_eq!(ss, want, "{}", t.name);
        if k % 3 == 0 {
            assert_eq!(lates.len(), n, "{}", t.name);
            assert!(
                lates.iter().rev().take(5).all(Option::is_some),
                "{}",
                t.name
            );
        }
        // Every row group of each file is full but the file's last.
        if files.len() == 1 {
            let mut want = vec![25; n / 25];
            if n % 25 > 0 {
                want.push((n % 25) as i64);
            }
            assert_eq!(groups, want, "{}", t.name);
        }
    }
    out
}

#[test]
fn tables_over_the_memory_budget_spill_and_read_back_the_same() {
    let roomy = many_small_tables(transmog_io::MEMORY_BUDGET, None);
    let tight = many_small_tables(4 << 10, None);
    assert_eq!(roomy.len(), tight.len());
    for (r, t) in roomy.iter().zip(&tight) {
        assert_eq!(
            (&r.name, r.rows, r.row_groups),
            (&t.name, t.rows, t.row_groups)
        );
    }
    let parts = |out: &[transmog_io::TableOutput]| -> usize {
        out.iter().map(|t| t.splice.map_or(1, |s| s.parts)).sum()
    };
    // Without spills only the tables whose column came late have more than one part.
    assert!(
        parts(&tight) > parts(&roomy) + 40,
        "{} {}",
        parts(&tight),
        parts(&roomy)
    );
    // Rolling over to new files while spilling keeps every row.
    let rolled = many_small_tables(1, Some(2 << 10));
    assert!(rolled.iter().any(|t| t.files.len() > 1));
    for (r, t) in roomy.iter().zip(&rolled) {
        assert_eq!(r.rows, t.rows);
    }
}
