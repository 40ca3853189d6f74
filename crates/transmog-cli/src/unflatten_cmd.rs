//! `transmog unflatten`: the Parquet files of a `convert` run back to nested records.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;

use transmog_core::text::push_json;
use transmog_core::unflatten::{unflatten_stream, WINDOW_ROWS};
use transmog_io::open_tables;

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
    /// Output folders of `convert` (their `.parquet` files and table folders of part
    /// files), table folders, or `.parquet` files.
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

/// Runs `transmog unflatten`.
pub fn run(args: &UnflattenArgs) -> Result<()> {
    let tables = open_tables(&args.inputs, args.entity.as_deref(), &args.separator)?;
    let count = tables.len();
    // Read a window of main rows (and their child rows) at a time: memory stays
    // bounded whatever the size of the tables.
    let mut records = 0u64;
    let write_all = |w: &mut dyn Write| -> Result<()> {
        let sources = tables
            .into_iter()
            .map(|t| {
                let name = t.name().into();
                (name, t.map(|b| b.map_err(anyhow::Error::from)))
            })
            .collect();
        let mut line = String::new();
        records = unflatten_stream(sources, WINDOW_ROWS, |r| {
            line.clear();
            push_json(&mut line, &r);
            line.push('\n');
            w.write_all(line.as_bytes())?;
            Ok::<(), anyhow::Error>(())
        })?;
        w.flush()?;
        Ok(())
    };
    match &args.output {
        None => write_all(&mut std::io::stdout().lock())?,
        Some(p) if p.as_os_str() == "-" => write_all(&mut std::io::stdout().lock())?,
        // Written under a temporary name and renamed, like convert's outputs.
        Some(p) => crate::schema::write_atomically(p, write_all)?,
    }
    if !args.quiet {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("{records} records from {count} tables");
        }
    }
    Ok(())
}
