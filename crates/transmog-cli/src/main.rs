//! `transmog`: flattens nested JSON records into relational tables (a main table plus
//! one child table per nested array, linked by generated ids) and writes them as
//! Parquet, CSV or JSON Lines.

mod pipeline;
mod unflatten_cmd;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use transmog_core::report::Skipped;
use transmog_core::text::push_json_string;
use transmog_core::{ids, value, Config, IdMode, IdSource, Recovery};
use transmog_io::{Format, OptionValue, SinkOptions, TableOutput, TableSink};

use transmog_io::read::{CsvOptions, InputFormat};

#[derive(Parser)]
#[command(
    name = "transmog",
    version,
    about = "Flatten nested JSON into relational tables (Parquet, CSV, JSON Lines)",
    long_about = "Flatten nested JSON records into relational tables.\n\n\
        Every record becomes one row of the main table; every array becomes a child table \
        whose rows point at their parent row through generated ids (__extract_id, \
        __parent_extract_id). Nested objects become columns named by their path \
        (customer_address_city). Naming, casting and ids follow Transmog 1.0.6; unlike \
        1.0.6, nothing is dropped: columns first seen late are kept (NULL in earlier rows) \
        and colliding names keep both values.",
    after_help = "Examples:\n  \
        transmog convert orders.jsonl -o out/\n  \
        transmog convert orders.json.gz -o out/ --entity orders --compression zstd:3\n  \
        cat events.jsonl | transmog convert - -o out/ --entity events --format csv\n  \
        transmog unflatten out/ --entity orders -o orders.jsonl"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Convert JSON / JSON Lines input into one file per table.
    Convert(Box<ConvertArgs>),
    /// Rebuild the nested records from the Parquet files of a convert run (JSON Lines).
    Unflatten(unflatten_cmd::UnflattenArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum OutFormat {
    Parquet,
    Csv,
    Jsonl,
}

#[derive(Clone, Copy, ValueEnum)]
enum InputArg {
    /// Decide from the file name (.csv, .tsv) and the first non-blank byte.
    Auto,
    /// One JSON value per line.
    Jsonl,
    /// One JSON document: an array of records or a single record.
    Json,
    /// CSV with a header row; every value is a string, null markers become null.
    Csv,
}

#[derive(Clone, Copy, ValueEnum)]
enum OnError {
    /// Stop at the first bad record, naming file and line.
    Strict,
    /// Skip bad records, report each one, keep everything else.
    Skip,
    /// Same as skip at record level (Transmog 1.0.6's "partial").
    Partial,
}

#[derive(Clone, Copy, ValueEnum)]
enum IdKind {
    /// A random uuid4 per row (Transmog's default).
    Random,
    /// uuid5 of the field given by --id-source.
    Field,
    /// uuid5 of the row's content: stable ids without a key field.
    Hash,
    /// uuid5 of the input's name and the record's index in it (children: of the parent
    /// id and the child's rank in the record): the same ids on every run and in
    /// `transmog.spark`.
    Position,
}

#[derive(Args)]
struct ConvertArgs {
    /// Input files: JSON Lines, a JSON array of records or one JSON object; gzip and
    /// zstd are detected automatically. `-` reads standard input.
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<String>,

    /// Output directory (created if missing). One file per table goes there.
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = OutFormat::Parquet)]
    format: OutFormat,

    /// Entity name: the main table's name and the prefix of child tables
    /// [default: the first input's file name without extensions].
    #[arg(short, long)]
    entity: Option<String>,

    /// How the input is laid out.
    #[arg(long, value_enum, default_value_t = InputArg::Auto)]
    input_format: InputArg,

    /// CSV field delimiter [default: guessed from the first line].
    #[arg(long, value_name = "CHAR", help_heading = "CSV input")]
    delimiter: Option<char>,

    /// CSV input has no header row (columns are named column_1, column_2, ...).
    #[arg(long, help_heading = "CSV input")]
    no_header: bool,

    /// CSV values read as null (repeatable) [default: "", NULL, null, NA, na, N/A, n/a].
    #[arg(long = "null-value", value_name = "TEXT", help_heading = "CSV input")]
    null_values: Vec<String>,

    /// Records per chunk: the unit of work handed to a flattening thread and then to
    /// the writer (Transmog's batch_size / chunk_size).
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    batch_size: usize,

    /// Flattening threads (0 = one per core). Output is the same for any value.
    #[arg(short = 'j', long, default_value_t = 0, value_name = "N")]
    threads: usize,

    /// What to do with a record that is not valid JSON or not an object.
    #[arg(long, value_enum, default_value_t = OnError::Strict)]
    on_error: OnError,

    /// Also write every skipped record (with --on-error skip/partial) to FILE, one JSON
    /// object per line: source, line, record number, reason.
    #[arg(long, value_name = "FILE")]
    errors_file: Option<PathBuf>,

    /// Print nothing but errors.
    #[arg(short, long)]
    quiet: bool,

    #[command(flatten, next_help_heading = "Flattening")]
    flat: FlattenArgs,

    #[command(flatten, next_help_heading = "Parquet")]
    parquet: ParquetArgs,
}

#[derive(Args)]
struct FlattenArgs {
    /// Joins nested keys into column names.
    #[arg(long, default_value = "_")]
    separator: String,
    /// Paths with this many separators become FIRST_nested_LAST.
    #[arg(long, default_value_t = 4, value_name = "N")]
    nested_threshold: usize,
    /// Keep JSON types (int64, float64, bool, utf8) instead of casting values to text.
    #[arg(long)]
    typed: bool,
    /// Keep empty strings.
    #[arg(long)]
    include_empty: bool,
    /// Keep null fields (as empty strings, like Transmog 1.0.6) instead of dropping them.
    #[arg(long)]
    keep_nulls: bool,
    /// Objects nested this deep or deeper are dropped from main rows (reported).
    #[arg(long, default_value_t = 100, value_name = "N")]
    max_depth: usize,
    /// Stop with an error when a table would get more than N columns (a guard against
    /// inputs whose keys are data, e.g. one key per id).
    #[arg(long, default_value_t = 100_000, value_name = "N")]
    max_columns: usize,
    /// Also keep top-level arrays in the main row as JSON text.
    #[arg(long)]
    keep_arrays: bool,
    /// Do not make child tables; keep every array in its row as JSON text.
    #[arg(long)]
    no_child_tables: bool,
    /// How row ids are made.
    #[arg(long, value_enum, default_value_t = IdKind::Random)]
    ids: IdKind,
    /// Field(s) for --ids field: FIELD for every table, or TABLE_OR_PATH=FIELD
    /// (repeatable; "" = main table, "*" = any table).
    #[arg(long, value_name = "SPEC")]
    id_source: Vec<String>,
    /// For --ids position: name inputs by their path relative to DIR, instead of by
    /// their file name (for datasets whose files share names in different folders).
    #[arg(long, value_name = "DIR")]
    id_root: Option<PathBuf>,
    /// Name of the id column.
    #[arg(long, default_value = "__extract_id")]
    id_field: String,
    /// Name of the parent id column.
    #[arg(long, default_value = "__parent_extract_id")]
    parent_field: String,
    /// Name of the extraction time column.
    #[arg(long, default_value = "__extract_datetime")]
    time_field: String,
    /// Value of the extraction time column [default: now, UTC].
    #[arg(long)]
    extract_time: Option<String>,
}

#[derive(Args)]
struct ParquetArgs {
    /// Codec: snappy, gzip, brotli, zstd, lz4, none; a level after a colon (zstd:3).
    #[arg(long, default_value = "snappy", value_name = "CODEC[:LEVEL]")]
    compression: String,
    /// Rows per row group.
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    row_group_size: usize,
    /// Write the column index and offset index.
    #[arg(long)]
    page_index: bool,
    /// Write a CRC32 checksum into every page header.
    #[arg(long)]
    page_checksum: bool,
    /// Target data page size in bytes.
    #[arg(long, value_name = "BYTES")]
    data_page_size: Option<usize>,
    /// Dictionary page size limit in bytes.
    #[arg(long, value_name = "BYTES")]
    dictionary_pagesize_limit: Option<usize>,
    /// Any other pyarrow-style writer option, e.g. use_dictionary=false (repeatable).
    #[arg(long = "option", value_name = "KEY=VALUE")]
    options: Vec<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Convert(args) => convert(&args),
        Command::Unflatten(args) => unflatten_cmd::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is::<pipeline::Interrupted>() => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("transmog: interrupted; no output file was written");
            }
            ExitCode::from(130)
        }
        Err(e) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("transmog: error: {}", error_line(&e));
            }
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, leaving out a cause whose text the line
/// already holds (library errors often print their source themselves).
fn error_line(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

fn config(args: &ConvertArgs) -> Result<Config> {
    let f = &args.flat;
    let id_mode = match f.ids {
        IdKind::Random => IdMode::Random,
        IdKind::Hash => IdMode::ContentHash,
        IdKind::Position => IdMode::Position,
        IdKind::Field => {
            let source = match f.id_source.as_slice() {
                [] => bail!("--ids field needs --id-source FIELD"),
                [one] if !one.contains('=') => IdSource::Field(one.clone()),
                many => IdSource::Map(
                    many.iter()
                        .map(|s| match s.split_once('=') {
                            Some((k, v)) => Ok((k.to_string(), v.to_string())),
                            None => bail!("--id-source {s}: expected TABLE=FIELD"),
                        })
                        .collect::<Result<_>>()?,
                ),
            };
            IdMode::Deterministic(source)
        }
    };
    Ok(Config {
        separator: f.separator.clone(),
        deeply_nested_threshold: f.nested_threshold,
        cast_to_string: !f.typed,
        include_empty: f.include_empty,
        skip_null: !f.keep_nulls,
        max_depth: f.max_depth,
        max_columns: f.max_columns,
        visit_arrays: !f.no_child_tables,
        keep_arrays: f.keep_arrays,
        id_field: f.id_field.clone(),
        parent_field: f.parent_field.clone(),
        time_field: f.time_field.clone(),
        id_mode,
        recovery: match args.on_error {
            OnError::Strict => Recovery::Strict,
            OnError::Skip => Recovery::Skip,
            OnError::Partial => Recovery::Partial,
        },
        extract_time: f
            .extract_time
            .as_ref()
            .map(|t| value::Value::Str(t.clone().into())),
        ..Config::default()
    })
}

fn sink_options(args: &ConvertArgs) -> Result<SinkOptions> {
    let format = match args.format {
        OutFormat::Parquet => Format::Parquet,
        OutFormat::Csv => Format::Csv,
        OutFormat::Jsonl => Format::Jsonl,
    };
    let mut opts = SinkOptions::new(format);
    if let Format::Parquet = format {
        let p = &args.parquet;
        let mut pairs: Vec<(String, OptionValue)> = vec![
            ("compression".into(), p.compression.clone().into()),
            ("row_group_size".into(), (p.row_group_size as i64).into()),
            ("write_page_index".into(), p.page_index.into()),
            ("write_page_checksum".into(), p.page_checksum.into()),
        ];
        if let Some(n) = p.data_page_size {
            pairs.push(("data_page_size".into(), (n as i64).into()));
        }
        if let Some(n) = p.dictionary_pagesize_limit {
            pairs.push(("dictionary_pagesize_limit".into(), (n as i64).into()));
        }
        for o in &p.options {
            let Some((k, v)) = o.split_once('=') else {
                bail!("--option {o}: expected KEY=VALUE");
            };
            pairs.push((k.to_string(), v.to_string().into()));
        }
        for (k, v) in pairs {
            opts.set(&k, v)?;
        }
    } else if !args.parquet.options.is_empty() {
        bail!("--option is only valid with --format parquet");
    }
    Ok(opts)
}

fn entity_name(args: &ConvertArgs) -> String {
    if let Some(e) = &args.entity {
        return e.clone();
    }
    let first = &args.inputs[0];
    if first == "-" {
        return "stdin".to_string();
    }
    let name = Path::new(first)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "entity".to_string());
    name.split('.').next().unwrap_or("entity").to_string()
}

/// The names position ids are derived from: an input's file name, or its path
/// relative to --id-root. Two inputs with one name would get the same ids.
fn origins(args: &ConvertArgs) -> Result<Vec<Option<Arc<str>>>> {
    if !matches!(args.flat.ids, IdKind::Position) {
        if args.flat.id_root.is_some() {
            bail!("--id-root only applies to --ids position");
        }
        return Ok(Vec::new());
    }
    let root = match &args.flat.id_root {
        Some(r) => {
            Some(std::fs::canonicalize(r).with_context(|| format!("--id-root {}", r.display()))?)
        }
        None => None,
    };
    let mut seen: HashMap<String, &str> = HashMap::new();
    let mut out = Vec::with_capacity(args.inputs.len());
    for input in &args.inputs {
        let name = match (input.as_str(), &root) {
            ("-", _) => "<stdin>".to_string(),
            (path, Some(root)) => {
                let full =
                    std::fs::canonicalize(path).with_context(|| format!("cannot read {path}"))?;
                let rel = full.strip_prefix(root).map_err(|_| {
                    anyhow::anyhow!("{path} is not under --id-root {}", root.display())
                })?;
                rel.components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/")
            }
            (path, None) => Path::new(path)
                .file_name()
                .map_or_else(|| path.to_string(), |n| n.to_string_lossy().into_owned()),
        };
        if let Some(other) = seen.insert(name.clone(), input) {
            bail!(
                "--ids position: {other} and {input} are both named {name:?}, so their \
                 records would get the same ids; use --id-root DIR to name inputs by \
                 their path under DIR"
            );
        }
        out.push(Some(name.into()));
    }
    Ok(out)
}

fn convert(args: &ConvertArgs) -> Result<()> {
    let started = Instant::now();
    let mut cfg = config(args)?;
    // One timestamp for the whole run, whichever worker flattens a record.
    if cfg.extract_time.is_none() {
        cfg.extract_time = Some(value::Value::Str(ids::now_timestamp().into()));
    }
    let opts = sink_options(args)?;
    let entity = entity_name(args);
    let mut sink = TableSink::create(&args.output, opts)
        .with_context(|| format!("cannot write to {}", args.output.display()))?;
    let threads = match args.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    // First Ctrl-C: stop at the next chunk, remove temporary files, exit 130.
    // Second Ctrl-C: exit at once.
    let interrupted = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register_conditional_shutdown(sig, 130, interrupted.clone())?;
        signal_hook::flag::register(sig, interrupted.clone())?;
    }
    let pipeline_opts = pipeline::Options {
        interrupted,
        inputs: args.inputs.clone(),
        origins: origins(args)?,
        format: input_format(args)?,
        chunk_records: args.batch_size.max(1),
        threads,
    };
    let bar = progress_bar(args);
    let mut errors = match &args.errors_file {
        Some(p) => Some(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => None,
    };
    let outcome = pipeline::run(
        &pipeline_opts,
        &entity,
        &cfg,
        |batches| {
            let pairs: Vec<_> = batches.iter().map(|b| (&*b.table, &b.batch)).collect();
            Ok(sink.write_all(&pairs)?)
        },
        |t, skipped| {
            if let Some(bar) = &bar {
                bar.set_position(t.bytes);
                bar.set_message(format!("{} records", t.records));
            }
            if let Some(w) = errors.as_mut() {
                for s in skipped {
                    writeln!(w, "{}", skipped_json(s))?;
                }
            }
            Ok(())
        },
    );
    if let Some(mut w) = errors.take() {
        w.flush()?;
    }
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let totals = match outcome {
        Ok(t) => t,
        Err(e) => {
            sink.abort();
            return Err(e);
        }
    };
    let outputs = sink.finish()?;
    if !args.quiet {
        summary(&totals, &outputs, started);
    }
    Ok(())
}

fn skipped_json(s: &Skipped) -> String {
    let mut out = String::from("{\"source\":");
    match &s.location.source {
        Some(src) => push_json_string(&mut out, src, false),
        None => out.push_str("null"),
    }
    out.push_str(",\"line\":");
    match s.location.line {
        Some(l) => out.push_str(&l.to_string()),
        None => out.push_str("null"),
    }
    out.push_str(&format!(",\"record\":{},\"reason\":", s.location.record));
    push_json_string(&mut out, &s.reason, false);
    out.push('}');
    out
}

fn input_format(args: &ConvertArgs) -> Result<InputFormat> {
    let csv_flags = args.delimiter.is_some() || args.no_header || !args.null_values.is_empty();
    let csv = || -> Result<CsvOptions> {
        let mut o = CsvOptions {
            has_header: !args.no_header,
            ..CsvOptions::default()
        };
        if let Some(d) = args.delimiter {
            o.delimiter = Some(u8::try_from(d).ok().filter(u8::is_ascii).ok_or_else(|| {
                anyhow::anyhow!("--delimiter {d:?}: must be one ASCII character")
            })?);
        }
        if !args.null_values.is_empty() {
            o.null_values = args.null_values.clone();
        }
        Ok(o)
    };
    Ok(match args.input_format {
        InputArg::Csv => InputFormat::Csv(csv()?),
        InputArg::Auto if csv_flags => InputFormat::Csv(csv()?),
        InputArg::Auto => InputFormat::Auto,
        InputArg::Jsonl => InputFormat::Jsonl,
        InputArg::Json => InputFormat::Json,
    })
}

/// A progress bar on stderr when it is a terminal (bytes of input framed so far).
fn progress_bar(args: &ConvertArgs) -> Option<ProgressBar> {
    if args.quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    // The total is known when every input is an uncompressed regular file.
    let mut total = Some(0u64);
    for p in &args.inputs {
        let plain = !(p.ends_with(".gz") || p.ends_with(".zst") || p == "-");
        total = match (total, std::fs::metadata(p)) {
            (Some(t), Ok(m)) if plain && m.is_file() => Some(t + m.len()),
            _ => None,
        };
    }
    let bar = match total {
        Some(t) => ProgressBar::new(t).with_style(
            ProgressStyle::with_template(
                "{bar:30} {bytes}/{total_bytes} {msg} {bytes_per_sec} ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        None => ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template("{spinner} {bytes} {msg} {bytes_per_sec}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    };
    bar.set_draw_target(ProgressDrawTarget::stderr());
    Some(bar)
}

#[allow(clippy::print_stderr)]
fn summary(totals: &pipeline::Totals, outputs: &[TableOutput], started: Instant) {
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
        eprintln!(
            "{:<width$}  {:>12}  {:>12}  {}",
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
    if report.truncation_count > 0 {
        eprintln!(
            "{} objects deeper than --max-depth dropped",
            report.truncation_count
        );
    }
}
