//! `--schema FILE` and `--report FILE` in the CLI: where the updated schema file goes,
//! and the run's report as JSON (the session itself is `transmog_run::SchemaSession`).

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::json;
use transmog_core::schema_file::{Drift, SavedSchema};
use transmog_io::TableOutput;
use transmog_run::Totals;

/// Where the updated schema file goes: committed with the tables when it is in the
/// output folder, else written on its own after them.
pub struct Plan {
    name: String,
    /// Whether the schema file is in the output folder.
    pub in_output: bool,
}

impl Plan {
    pub fn new(path: &Path, output: &Path) -> Option<Plan> {
        let name = path.file_name()?.to_string_lossy().into_owned();
        let parent = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        let in_output = same(parent, output);
        Some(Plan { name, in_output })
    }

    /// The file to commit with the tables, when the schema file is in the output folder.
    pub fn files(&self, schema: &SavedSchema) -> Vec<(String, Vec<u8>)> {
        if self.in_output {
            vec![(self.name.clone(), schema.to_json().into_bytes())]
        } else {
            Vec::new()
        }
    }
}

/// Writes `path` through `write` aside, flushed and renamed (see
/// [`transmog_io::write_atomically`]).
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    transmog_io::write_atomically(path, write)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// `--report FILE`: the run's figures and drift as JSON, written aside and renamed.
pub fn write_report(
    path: &Path,
    totals: &Totals,
    outputs: &[TableOutput],
    drift: Option<&Drift>,
) -> Result<()> {
    let report = &totals.report;
    let tables: Vec<_> = outputs
        .iter()
        .map(|o| {
            json!({
                "table": o.name,
                "rows": o.rows,
                "bytes": o.bytes,
                "path": o.path,
                "files": o.files,
            })
        })
        .collect();
    let doc = json!({
        "records": totals.accepted(),
        "skipped": report.skipped_count,
        "skipped_records": report.skipped.iter().map(|s| &s.reason).collect::<Vec<_>>(),
        "tables": tables,
        "renamed_columns": report.collision_count,
        "maps_detected": report.maps_detected,
        "discarded": report.discarded,
        "discarded_values": report.discarded_values,
        "drift": drift.map(Drift::to_json),
    });
    let mut text = serde_json::to_string_pretty(&doc)?;
    text.push('\n');
    write_atomically(path, |w| Ok(w.write_all(text.as_bytes())?))
}
