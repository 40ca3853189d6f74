//! Nothing appears under a final name unless `finish` succeeds, and no temporary file
//! survives in any case.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use arrow_array::ArrayRef;
use common::*;
use transmog_io::{Error, Format, SinkOptions, TableSink};

fn sink_with_data(dir: &std::path::Path, format: Format) -> TableSink {
    let mut o = SinkOptions::new(format);
    o.parquet.row_group_size = 3;
    let mut sink = TableSink::create(dir, o).unwrap();
    sink.write("a", &batch(vec![("x", ints(0..10))])).unwrap();
    sink.write("b", &batch(vec![("y", strs(["p"]))])).unwrap();
    sink.write("a", &batch(vec![("late", ints(0..2))])).unwrap();
    sink
}

#[test]
fn abort_and_drop_leave_nothing() {
    for format in [Format::Parquet, Format::Csv, Format::Jsonl] {
        let dir = tempfile::tempdir().unwrap();
        let sink = sink_with_data(dir.path(), format);
        assert!(
            !dir_entries(dir.path()).is_empty(),
            "temp files exist while writing"
        );
        sink.abort();
        assert!(
            dir_entries(dir.path()).is_empty(),
            "{format:?}: {:?}",
            dir_entries(dir.path())
        );

        let sink = sink_with_data(dir.path(), format);
        drop(sink);
        assert!(
            dir_entries(dir.path()).is_empty(),
            "{format:?}: {:?}",
            dir_entries(dir.path())
        );
    }
}

#[test]
fn finish_leaves_only_final_files() {
    for (format, ext) in [
        (Format::Parquet, "parquet"),
        (Format::Csv, "csv"),
        (Format::Jsonl, "jsonl"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = sink_with_data(dir.path(), format).finish().unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].rows, 12);
        assert_eq!(
            dir_entries(dir.path()),
            [format!("a.{ext}"), format!("b.{ext}")]
        );
    }
}

#[test]
fn error_in_finish_removes_every_file() {
    for format in [Format::Parquet, Format::Csv, Format::Jsonl] {
        let dir = tempfile::tempdir().unwrap();
        let sink = sink_with_data(dir.path(), format);
        // `b`'s final name is taken by a directory: its rename fails after `a`'s succeeded
        let blocker = dir.path().join(format!("b.{}", format.extension()));
        std::fs::create_dir(&blocker).unwrap();
        std::fs::write(blocker.join("keep"), b"x").unwrap();
        let e = sink.finish().unwrap_err();
        assert!(e.to_string().contains("`b`"), "{e}");
        assert_eq!(
            dir_entries(dir.path()),
            [format!("b.{}", format.extension())],
            "{format:?}: only the pre-existing directory remains"
        );
    }
}

#[test]
fn error_while_writing_poisons_and_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let mut sink = sink_with_data(dir.path(), Format::Parquet);
    let bad: ArrayRef = Arc::new(arrow_array::Float32Array::from(vec![1.0f32]));
    assert!(sink.write("a", &batch(vec![("f", bad)])).is_err());
    assert!(matches!(sink.finish(), Err(Error::Poisoned)));
    assert!(
        dir_entries(dir.path()).is_empty(),
        "{:?}",
        dir_entries(dir.path())
    );
}

#[test]
fn create_makes_missing_directories_and_empty_sink_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("x/y");
    let sink = TableSink::create(&nested, SinkOptions::default()).unwrap();
    assert!(nested.is_dir());
    assert!(sink.finish().unwrap().is_empty());
    assert!(dir_entries(&nested).is_empty());
}

#[test]
fn temporaries_of_a_killed_run_are_removed_by_the_next_one() {
    if !std::path::Path::new("/proc/self").exists() {
        return; // pid liveness is read from /proc (Linux)
    }
    // A pid that certainly ended: a child we waited for.
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let stale = dir.path().join(format!(".t.parquet.part0-{dead}-0"));
    let live = dir
        .path()
        .join(format!(".t.parquet.part0-{}-0", std::process::id()));
    let foreign = dir.path().join(format!(".notes.txt.tmp-{dead}-0"));
    for p in [&stale, &live, &foreign] {
        std::fs::write(p, b"x").unwrap();
    }
    let sink = TableSink::create(dir.path(), SinkOptions::new(Format::Parquet)).unwrap();
    sink.abort();
    assert!(!stale.exists(), "a dead run's temporary file is removed");
    assert!(live.exists(), "a live process's file is kept");
    assert!(foreign.exists(), "files that are not ours are kept");
}

#[test]
fn a_raised_stop_flag_stops_finish_and_leaves_nothing() {
    for format in [Format::Parquet, Format::Csv, Format::Jsonl] {
        let dir = tempfile::tempdir().unwrap();
        let sink = sink_with_data(dir.path(), format);
        sink.stop_flag()
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let err = sink.finish().unwrap_err();
        assert!(
            matches!(&err, Error::Interrupted { table } if table == "a"),
            "{format:?}: {err}"
        );
        assert!(
            dir_entries(dir.path()).is_empty(),
            "{format:?}: {:?}",
            dir_entries(dir.path())
        );
    }
}
