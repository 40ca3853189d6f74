//! The summary that ends every run: rows and bytes per table, speed, and what was
//! skipped, renamed or dropped.

use std::time::Instant;

use transmog_core::schema_file::Drift;
use transmog_io::TableOutput;
use transmog_run::Totals;

#[allow(clippy::print_stderr)]
pub fn print(totals: &Totals, outputs: &[TableOutput], started: Instant) {
    let bytes_in = totals.bytes;
    let secs = started.elapsed().as_secs_f64();
    let width = outputs
        .iter()
        .map(|o| o.name.len())
        .max()
        .unwrap_or(5)
        .max(5);
    eprintln!("{:<width$}  {:>12}  {:>12}  file", "table", "rows", "bytes");
    let mut total = 0;
    for o in outputs {
        total += o.bytes;
        let parts = match o.files.len() {
            0 | 1 => String::new(),
            n => format!("/ ({n} files)"),
        };
        eprintln!(
            "{:<width$}  {:>12}  {:>12}  {}{parts}",
            o.name,
            o.rows,
            o.bytes,
            o.path.display()
        );
    }
    let report = &totals.report;
    eprintln!(
        "{} records, {} tables, {:.1} MB in, {:.1} MB out, {:.2} s, {:.1} MB/s",
        totals.records - report.skipped_count,
        outputs.len(),
        bytes_in as f64 / 1e6,
        total as f64 / 1e6,
        secs,
        bytes_in as f64 / 1e6 / secs.max(1e-9)
    );
    if !report.discarded.is_empty() {
        eprintln!(
            "{} new tables and columns not in the schema were dropped ({} values): {}",
            report.discarded.len(),
            report.discarded_values,
            report.discarded.join(", ")
        );
    }
    if report.skipped_count > 0 {
        eprintln!("{} records skipped:", report.skipped_count);
        for s in &report.skipped {
            eprintln!("  {}", s.reason);
        }
    }
    if report.collision_count > 0 {
        eprintln!(
            "{} columns renamed because their name was taken:",
            report.collision_count
        );
        for c in report.collisions.iter().take(20) {
            eprintln!(
                "  {}: {} -> {} (path {})",
                c.table, c.wanted, c.given, c.path
            );
        }
    }
    if report.table_rename_count > 0 {
        eprintln!(
            "{} tables renamed because another array's name was taken:",
            report.table_rename_count
        );
        for c in report.table_renames.iter().take(20) {
            eprintln!("  {} -> {} (array {})", c.wanted, c.given, c.path);
        }
    }
    if !report.maps_detected.is_empty() {
        eprintln!(
            "{} maps found (objects keyed by data: one row per key, key in __key; --maps off \
             to keep one column per key):",
            report.maps_detected.len()
        );
        for m in report.maps_detected.iter().take(20) {
            eprintln!("  {m}");
        }
    }
    if report.shortened_count > 0 {
        eprintln!(
            "{} names shortened (full paths are in each field's transmog.path metadata)",
            report.shortened_count
        );
    }
    if report.truncation_count > 0 {
        eprintln!(
            "{} objects deeper than --max-depth dropped",
            report.truncation_count
        );
    }
}

/// What changed against the schema file (`--schema`): up to [`DRIFT_LINES`] lines per
/// kind of change (all of them are in `--report`).
#[allow(clippy::print_stderr)]
pub fn print_drift(d: &Drift, file: Option<&std::path::Path>) {
    let file = file.map_or(String::new(), |f| format!(" ({})", f.display()));
    if d.is_empty() {
        eprintln!("schema{file}: no change");
        return;
    }
    eprintln!("schema{file}: changes against the saved schema:");
    let new_columns: Vec<String> = d
        .new_columns
        .iter()
        .map(|c| {
            let first = c
                .first
                .as_ref()
                .map_or(String::new(), |f| format!(", first at {f}"));
            format!(
                "new column {}.{} (from {}{first})",
                c.table, c.column, c.path
            )
        })
        .collect();
    let kinds: [(&str, Vec<String>); 5] = [
        (
            "new tables",
            d.new_tables
                .iter()
                .map(|t| format!("new table {t}"))
                .collect(),
        ),
        ("new columns", new_columns),
        (
            "widened columns",
            d.widened
                .iter()
                .map(|(t, c, a, b)| format!("widened {t}.{c}: {a} -> {b}"))
                .collect(),
        ),
        (
            "tables without rows",
            d.missing_tables
                .iter()
                .map(|t| format!("no rows for table {t}"))
                .collect(),
        ),
        (
            "columns without values",
            d.missing_columns
                .iter()
                .map(|(t, c)| format!("no values for column {t}.{c} (NULL in this run's rows)"))
                .collect(),
        ),
    ];
    for (what, lines) in kinds {
        for line in lines.iter().take(DRIFT_LINES) {
            eprintln!("  {line}");
        }
        if lines.len() > DRIFT_LINES {
            eprintln!(
                "  ... {} {what} in all (every one in --report FILE)",
                lines.len()
            );
        }
    }
}

/// Lines per kind of schema change in the summary.
const DRIFT_LINES: usize = 20;
