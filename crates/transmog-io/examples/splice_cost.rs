//! Measures what schema evolution costs in the Parquet sink: the streaming write, the
//! splice at `finish()` and the extra bytes written, against a baseline where the same
//! data has a stable schema (so `finish()` is a rename).
//!
//! Run with `cargo run --release -p transmog-io --example splice_cost [ROWS]`
//! (default 1 000 000 rows, batches of 10 000, row groups of 10 000, snappy).
#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::time::Instant;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use transmog_io::{Format, OptionValue, SinkOptions, TableSink};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

#[derive(Clone, Copy, PartialEq)]
enum Scenario {
    /// `late` present (null) from the first batch: stable schema, finish = rename.
    Baseline,
    /// `late` first appears at 90 % of the rows: two parts, spliced.
    LateColumn,
    /// Like `LateColumn`, with `write_page_checksum=true` (every chunk rewritten with CRCs).
    LateColumnCrc,
    /// Baseline data plus page checksums (splice path forced, single part).
    BaselineCrc,
    /// `amount` is int64 in the first half and float64 after: half its chunks re-encoded.
    Widening,
}

fn batch(start: i64, n: i64, rows: i64, s: Scenario) -> Res<RecordBatch> {
    let ids: Vec<i64> = (start..start + n).collect();
    let late_from = rows * 9 / 10;
    let mut cols: Vec<(&str, ArrayRef)> = vec![
        ("id", Arc::new(Int64Array::from(ids.clone()))),
        (
            "name",
            Arc::new(StringArray::from_iter_values(
                ids.iter().map(|i| format!("user-{}", i % 1000)),
            )),
        ),
        (
            "comment",
            Arc::new(StringArray::from_iter_values(ids.iter().map(|i| {
                format!(
                    "order {i} shipped to warehouse {} on day {}",
                    i % 97,
                    i % 365
                )
            }))),
        ),
    ];
    if s == Scenario::Widening && start < rows / 2 {
        cols.push(("amount", Arc::new(Int64Array::from(ids.clone()))));
    } else {
        cols.push((
            "amount",
            Arc::new(Float64Array::from_iter_values(
                ids.iter().map(|i| *i as f64 * 0.25),
            )),
        ));
    }
    let late: Vec<Option<String>> = ids
        .iter()
        .map(|i| (*i >= late_from).then(|| format!("late-{}", i % 13)))
        .collect();
    let has_late = matches!(
        s,
        Scenario::Baseline | Scenario::BaselineCrc | Scenario::Widening
    ) || start + n > late_from;
    if has_late {
        cols.push(("late", Arc::new(StringArray::from(late))));
    }
    Ok(RecordBatch::try_from_iter(cols)?)
}

fn run(rows: i64, s: Scenario, name: &str) -> Res<()> {
    let dir = std::env::temp_dir().join(format!("splice_cost_{}", std::process::id()));
    let mut opts = SinkOptions::new(Format::Parquet);
    if matches!(s, Scenario::LateColumnCrc | Scenario::BaselineCrc) {
        opts.set("write_page_checksum", OptionValue::Bool(true))?;
    }
    let batch_rows = 10_000;
    // build the input first so only the sink is timed
    let mut batches = Vec::new();
    let mut start = 0;
    while start < rows {
        let n = batch_rows.min(rows - start);
        batches.push(batch(start, n, rows, s)?);
        start += n;
    }
    let t0 = Instant::now();
    let mut sink = TableSink::create(&dir, opts)?;
    for b in &batches {
        sink.write("t", b)?;
    }
    let t1 = Instant::now();
    let out = sink.finish()?;
    let t2 = Instant::now();
    let t = &out[0];
    let stats = t.splice.unwrap_or_default();
    let written = t.bytes
        + if t.splice.is_some() {
            stats.part_bytes
        } else {
            0
        };
    println!(
        "{name:<16} rows={:>8} rgs={:>4} write={:>7.3}s finish={:>6.3}s file={:>10}B parts={:>10}B total_written={:>10}B copied={:>4} null={:>3} reencoded={:>3}",
        t.rows,
        t.row_groups,
        (t1 - t0).as_secs_f64(),
        (t2 - t1).as_secs_f64(),
        t.bytes,
        stats.part_bytes,
        written,
        stats.chunks_copied,
        stats.chunks_null,
        stats.chunks_reencoded,
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

fn main() -> Res<()> {
    let rows: i64 = match std::env::args().nth(1) {
        Some(a) => a.parse()?,
        None => 1_000_000,
    };
    for (s, name) in [
        (Scenario::Baseline, "baseline"),
        (Scenario::LateColumn, "late_column"),
        (Scenario::Widening, "widening"),
        (Scenario::BaselineCrc, "baseline+crc"),
        (Scenario::LateColumnCrc, "late_column+crc"),
    ] {
        run(rows, s, name)?;
    }
    Ok(())
}
