//! `transmog unflatten`: the Parquet files of a `convert` run back to nested records.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Args;

use transmog_core::result::ResultTable;
use transmog_core::text::push_json;
use transmog_core::unflatten::unflatten;
use transmog_core::{naming, Role, TableBatch, ROLE_KEY};
use transmog_io::{read_parquet, table_file_name};

#[derive(Args)]
#[command(
    long_about = "Rebuild the nested records from the Parquet files that `transmog convert` \
        wrote: the main table and its child tables, joined through their ids and the \
        metadata stored in the files, written as JSON Lines in the main table's row order.\n\n\
        With `convert --typed --include-empty --keep-nulls` this gives the input back, up \
        to key order, except what files cannot hold: null fields come back absent, empty \
        objects and arrays are gone, and a column that held several JSON types (or \
        integers beyond 64 bits, or arrays of arrays) holds text. Other options lose \
        data by design (default: values cast to text, nulls and empty strings dropped).",
    after_help = "Examples:\n  \
        transmog convert orders.jsonl -o out/ --typed --include-empty --keep-nulls\n  \
        transmog unflatten out/ --entity orders -o orders.roundtrip.jsonl"
)]
pub struct UnflattenArgs {
    /// Directories holding the table files, or the `.parquet` files themselves.
    #[arg(required = true, value_name = "DIR_OR_FILE")]
    inputs: Vec<PathBuf>,

    /// Entity name given to `convert`: the main table is `<ENTITY>.parquet`, child tables
    /// are the files named after it [default: the only table without a parent id].
    #[arg(short, long)]
    entity: Option<String>,

    /// Separator given to `convert` (child tables are named `<entity><SEP>...`).
    #[arg(long, default_value = "_")]
    separator: String,

    /// Output file, JSON Lines [default: standard output].
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,

    /// Print nothing but errors.
    #[arg(short, long)]
    quiet: bool,
}

/// The `.parquet` files named by `inputs`, directories expanded (hidden files, which
/// are unfinished temporary files, left out).
fn parquet_files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(input)
                .with_context(|| format!("cannot read {}", input.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    name.ends_with(".parquet") && !name.starts_with('.') && p.is_file()
                })
                .collect();
            found.sort();
            files.extend(found);
        } else if input.is_file() {
            files.push(input.clone());
        } else {
            bail!("{}: no such file or directory", input.display());
        }
    }
    Ok(files)
}

fn stem(path: &Path) -> String {
    path.file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(".parquet"))
        .unwrap_or("")
        .to_string()
}

fn has_parent(t: &ResultTable) -> bool {
    t.batches.first().is_some_and(|b| {
        b.batch
            .schema()
            .fields()
            .iter()
            .any(|f| f.metadata().get(ROLE_KEY).map(String::as_str) == Some(Role::Parent.as_str()))
    })
}

fn read_table(path: &Path) -> Result<ResultTable> {
    let name = stem(path);
    let batches = read_parquet(&name, path)?
        .into_iter()
        .map(|batch| TableBatch {
            table: name.as_str().into(),
            extras: Vec::new(),
            batch,
        })
        .collect();
    Ok(ResultTable {
        name: name.as_str().into(),
        batches,
    })
}

/// The tables of one entity: its main table first, then the child tables named after it.
fn select_tables(files: &[PathBuf], args: &UnflattenArgs) -> Result<Vec<ResultTable>> {
    let mut tables = Vec::with_capacity(files.len());
    for f in files {
        tables.push(read_table(f).with_context(|| format!("cannot read {}", f.display()))?);
    }
    let main = match &args.entity {
        Some(e) => {
            let want = table_file_name(e, "parquet")?;
            files
                .iter()
                .position(|f| f.file_name().and_then(|n| n.to_str()) == Some(want.as_str()))
                .with_context(|| format!("no main table file {want} among the inputs"))?
        }
        None => {
            let mains: Vec<usize> = (0..tables.len())
                .filter(|&i| !has_parent(&tables[i]))
                .collect();
            match mains.as_slice() {
                [one] => *one,
                [] => bail!("no main table among the inputs (every table has a parent id)"),
                _ => bail!("several main tables among the inputs; name one with --entity"),
            }
        }
    };
    let main_table = tables.swap_remove(main);
    // Child tables are `<sanitized entity><sep>...`, in files with `.` and `/` as `_`.
    let prefix = args.entity.as_ref().map(|e| {
        format!("{}{}", naming::sanitize(e, "_"), args.separator).replace(['.', '/'], "_")
    });
    let mut out = vec![main_table];
    out.extend(tables.into_iter().filter(|t| {
        has_parent(t)
            && prefix
                .as_ref()
                .is_none_or(|p| t.name.starts_with(p.as_str()))
    }));
    Ok(out)
}

/// Runs `transmog unflatten`.
pub fn run(args: &UnflattenArgs) -> Result<()> {
    let files = parquet_files(&args.inputs)?;
    if files.is_empty() {
        bail!("no .parquet files among the inputs");
    }
    let tables = select_tables(&files, args)?;
    let records = unflatten(&tables)?;
    let write_all = |w: &mut dyn Write| -> Result<()> {
        let mut line = String::new();
        for r in &records {
            line.clear();
            push_json(&mut line, r);
            line.push('\n');
            w.write_all(line.as_bytes())?;
        }
        w.flush()?;
        Ok(())
    };
    match &args.output {
        None => write_all(&mut std::io::stdout().lock())?,
        Some(p) if p.as_os_str() == "-" => write_all(&mut std::io::stdout().lock())?,
        Some(p) => {
            // Written under a temporary name and renamed, like convert's outputs.
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("out");
            let tmp = p.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
            let result = File::create(&tmp)
                .with_context(|| format!("cannot create {}", tmp.display()))
                .and_then(|f| write_all(&mut BufWriter::new(f)))
                .and_then(|()| {
                    std::fs::rename(&tmp, p)
                        .with_context(|| format!("cannot rename to {}", p.display()))
                });
            if result.is_err() {
                let _ = std::fs::remove_file(&tmp);
            }
            result?;
        }
    }
    if !args.quiet {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("{} records from {} tables", records.len(), tables.len());
        }
    }
    Ok(())
}
