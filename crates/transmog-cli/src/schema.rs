//! `--schema FILE` and `--report FILE`: the saved schema a run starts from and updates,
//! the drift against it, and the run's report as JSON.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use serde_json::json;
use transmog_core::maps::{parse_path, MapPath};
use transmog_core::schema_file::{Drift, SavedSchema, SchemaRef};
use transmog_core::Config;
use transmog_io::TableOutput;
use transmog_run::Totals;

/// Reads the schema file at `path`, refuses it when it was written with other naming
/// options, and adds its map decisions to `cfg`.
pub fn load(path: &Path, entity: &str, cfg: &mut Config) -> Result<SavedSchema> {
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let saved = SavedSchema::from_json(&text).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    saved
        .check(entity, cfg)
        .map_err(|e| anyhow!("{}: {e}", path.display()))?;
    for m in &saved.maps {
        let p = parse_path(m).map_err(|e| anyhow!("{}: map `{m}`: {e}", path.display()))?;
        if !cfg.map_paths.contains(&p) {
            cfg.map_paths.push(p);
        }
    }
    Ok(saved)
}

/// Where the updated schema file goes: committed with the tables when it is in the
/// output folder, else written on its own after them.
pub struct Plan {
    path: PathBuf,
    name: String,
    in_output: bool,
}

impl Plan {
    pub fn new(schema: Option<&Path>, output: &Path) -> Option<Plan> {
        let path = schema?.to_path_buf();
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
        Some(Plan {
            path,
            name,
            in_output,
        })
    }

    /// The file to commit with the tables, when the schema file is in the output folder.
    pub fn in_output(&self, schema: &SavedSchema) -> Vec<(String, Vec<u8>)> {
        if self.in_output {
            vec![(self.name.clone(), schema.to_json().into_bytes())]
        } else {
            Vec::new()
        }
    }

    /// Writes the schema file elsewhere than the output folder: aside, flushed, renamed.
    pub fn write_outside(&self, schema: &SavedSchema) -> Result<()> {
        if self.in_output {
            return Ok(());
        }
        let text = schema.to_json();
        write_atomically(&self.path, |w| Ok(w.write_all(text.as_bytes())?))
    }
}

/// Writes `path` through `write` under a temporary name in its folder, flushed to disk,
/// then renamed: a reader never finds half a file, and a failed write leaves none.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let written = (|| -> Result<()> {
        let file =
            fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        let mut out = BufWriter::new(file);
        write(&mut out)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        fs::rename(&tmp, path).with_context(|| format!("cannot rename to {}", path.display()))
    })();
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written.with_context(|| format!("cannot write {}", path.display()))
}

/// The schema after this run: the saved tables in their order (with this run's schema
/// where it wrote the table, else as saved), then the tables this run made first.
pub fn updated(
    saved: Option<&SavedSchema>,
    entity: &str,
    cfg: &Config,
    totals: &Totals,
    outputs: &[TableOutput],
) -> SavedSchema {
    let now = |name: &str| {
        outputs
            .iter()
            .find(|o| o.name == name)
            .and_then(|o| o.schema.clone())
    };
    let mut tables = Vec::new();
    for (name, schema) in saved.map(|s| s.tables.as_slice()).unwrap_or_default() {
        tables.push((name.clone(), now(name).unwrap_or_else(|| schema.clone())));
    }
    for o in outputs {
        if !tables.iter().any(|(n, _)| *n == o.name) {
            if let Some(schema) = &o.schema {
                tables.push((o.name.clone(), schema.clone()));
            }
        }
    }
    let mut maps: Vec<MapPath> = cfg.map_paths.clone();
    for m in &totals.report.maps_detected {
        if let Ok(p) = parse_path(m) {
            if !maps.contains(&p) {
                maps.push(p);
            }
        }
    }
    let maps = maps
        .iter()
        .map(|p| serde_json::to_string(p).unwrap_or_default())
        .collect();
    SavedSchema::new(entity, cfg, maps, tables)
}

/// What changed against the saved schema.
pub fn drift(
    saved: &SavedSchema,
    outputs: &[TableOutput],
    totals: &Totals,
    seen: &dyn Fn(&str, &str) -> bool,
) -> Drift {
    let now: Vec<_> = outputs
        .iter()
        .filter_map(|o| o.schema.clone().map(|s| (o.name.clone(), s)))
        .collect();
    let first = |table: &str, path: &str| {
        totals
            .report
            .first_new
            .iter()
            .find(|(t, p, _)| t == table && p == path)
            .map(|(_, _, location)| location.to_string())
    };
    Drift::between(saved, &now, seen, &first)
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

/// `--schema-contract freeze`: refuses a column whose type had to widen.
pub fn check_types(saved: &SavedSchema, now: &[(String, SchemaRef)]) -> Result<()> {
    let drift = Drift::between(saved, now, &|_, _| true, &|_, _| None);
    match drift.widened.first() {
        None => Ok(()),
        Some((t, c, from, to)) => Err(anyhow!(
            "column {t}.{c} would change type from {from} to {to}, and the schema is frozen \
             (--schema-contract freeze); nothing was written"
        )),
    }
}
