//! The command line: every argument of `transmog`, and how arguments become the run's
//! options (flattening [`Config`], sink options, input layout).

use std::path::{Path, PathBuf};
use transmog_core::schema_file::{Contract, Contracts};

use anyhow::{bail, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use transmog_core::naming::NamingStyle;
use transmog_core::{value, Config, IdMode, IdSource, Recovery};
use transmog_io::read::{CsvOptions, InputFormat};
use transmog_io::{Codec, Format, OptionValue, SinkOptions};

use crate::unflatten_cmd;

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
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Convert JSON / JSON Lines input into one file per table.
    Convert(Box<ConvertArgs>),
    /// Rebuild the nested records from the Parquet files of a convert run (JSON Lines).
    Unflatten(unflatten_cmd::UnflattenArgs),
}

#[derive(Clone, Copy, ValueEnum)]
pub enum OutFormat {
    Parquet,
    Csv,
    Jsonl,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum InputArg {
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
pub enum NamingArg {
    /// Whole paths, shortened with a stable hash beyond --max-name-length.
    Full,
    /// Transmog 1.0.6's FIRST_nested_LAST abbreviation.
    Nested,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum MapsArg {
    /// Detect maps from the first records (and use --map).
    Auto,
    /// Only --map paths.
    Off,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum OnError {
    /// Stop at the first bad record, naming file and line.
    Strict,
    /// Skip bad records, report each one, keep everything else.
    Skip,
    /// Same as skip at record level (Transmog 1.0.6's "partial").
    Partial,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum IdKind {
    /// A random uuid4 per row (Transmog's default).
    Random,
    /// uuid5 of the field given by --id-source.
    Field,
    /// uuid5 of the row's content: stable ids without a key field.
    Hash,
    /// uuid5 of the input's name and the byte offset of the record in it (children: of
    /// the parent id and the child's rank in the record): the same ids on every run and
    /// in `transmog.spark`/`transmog.dask`, however they split a file.
    Position,
}

#[derive(Args)]
pub struct ConvertArgs {
    /// Input files: JSON Lines, a JSON array of records or one JSON object; gzip and
    /// zstd are detected automatically. `-` reads standard input.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,

    /// Output directory (created if missing). One file per table goes there.
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,

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
    /// the writer (Transmog's batch_size / chunk_size); a chunk also ends at
    /// --chunk-bytes of input, so that memory does not depend on the size of records.
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    pub batch_size: usize,

    /// Input bytes per chunk at most (4M, 512K, ...): with the threads' chunks in
    /// flight, what bounds the run's memory.
    #[arg(long, default_value = "4M", value_name = "BYTES", value_parser = parse_size)]
    pub chunk_bytes: u64,

    /// Flattening threads (0 = one per core). Output is the same for any value.
    #[arg(short = 'j', long, default_value_t = 0, value_name = "N")]
    pub threads: usize,

    /// What to do with a record that is not valid JSON or not an object.
    #[arg(long, value_enum, default_value_t = OnError::Strict)]
    on_error: OnError,

    /// Also write every skipped record (with --on-error skip/partial) to FILE, one JSON
    /// object per line: source, line (1-based), record (0-based index in its input),
    /// reason.
    #[arg(long, value_name = "FILE")]
    pub errors_file: Option<PathBuf>,

    /// Keep names stable across runs: start from this schema file when it exists (every
    /// table and column keeps its saved name and type), write the updated one at the end
    /// (with the tables, in one commit, when FILE is in OUT_DIR) and report what changed.
    #[arg(long, value_name = "FILE")]
    pub schema: Option<PathBuf>,

    /// With --schema: what a new table, column or type does. evolve: added (widened);
    /// freeze: an error naming the record, nothing written; discard: dropped and counted.
    #[arg(long, value_enum, default_value_t = ContractArg::Evolve, value_name = "MODE")]
    pub schema_contract: ContractArg,

    /// With --schema: another contract for one saved table, TABLE=evolve|freeze|discard
    /// (its new columns and type changes; repeatable). New tables follow
    /// --schema-contract.
    #[arg(long, value_name = "TABLE=MODE", value_parser = parse_table_contract)]
    pub table_contract: Vec<(String, Contract)>,

    /// file: one file per table (a folder of parts past --max-file-size); dataset: every
    /// table a folder of this run's parts, TABLE/part-RUN-00000.parquet, ...
    #[arg(long, value_enum, default_value_t = LayoutArg::File)]
    pub layout: LayoutArg,

    /// Add this run's parts to the dataset in OUT_DIR, keeping earlier runs' parts (all
    /// of a run's parts appear at once; a killed run adds none). Implies --layout dataset;
    /// needs --schema so that every run names the same fields alike.
    #[arg(long)]
    pub append: bool,

    /// Write the run's report as JSON to FILE: records, skipped, tables, and the drift
    /// against --schema.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,

    #[command(flatten, next_help_heading = "Flattening")]
    flat: FlattenArgs,

    #[command(flatten, next_help_heading = "Parquet")]
    parquet: ParquetArgs,
}

#[derive(Args)]
pub struct FlattenArgs {
    /// Joins nested keys into column names.
    #[arg(long, default_value = "_")]
    separator: String,
    /// How paths become column and table names: `full` paths (customer_address_city),
    /// or Transmog 1.0.6's `nested` abbreviation (FIRST_nested_LAST from
    /// --nested-threshold separators on), which folds many paths into one name.
    #[arg(long, value_enum, default_value_t = NamingArg::Full)]
    naming: NamingArg,
    /// With --naming full: names longer than this keep their start and end around a
    /// short hash of the whole path [default: 63, PostgreSQL's identifier limit].
    #[arg(long, default_value_t = 63, value_name = "CHARS")]
    max_name_length: usize,
    /// With --naming nested: paths with this many separators become FIRST_nested_LAST.
    #[arg(long, default_value_t = 4, value_name = "N")]
    nested_threshold: usize,
    /// Keep JSON types (int64, float64, bool, utf8) instead of casting values to text.
    #[arg(long)]
    typed: bool,
    /// Keep empty strings.
    #[arg(long)]
    include_empty: bool,
    /// Keep null fields instead of dropping them: NULL with --typed, else empty strings
    /// (Transmog 1.0.6's spelling when values are text).
    #[arg(long)]
    keep_nulls: bool,
    /// Keep everything, so that `transmog unflatten` gives the input records back:
    /// typed values, empty strings, nulls as NULL, no depth limit; nulls and empty
    /// arrays/objects are listed in an `__empty` column (`[["path", "to", []], ...]`),
    /// and a path whose values change JSON kind gets a column per kind (`x__text`).
    #[arg(long, conflicts_with_all = ["keep_arrays", "no_child_tables"])]
    lossless: bool,
    /// Objects at PATH have data as keys (ids, dates, codes): one child-table row per
    /// key, the key in `__key`, instead of one column per key. PATH is keys joined by
    /// dots, array levels left out (`items.attributes`), or a JSON list of keys.
    /// Repeatable.
    #[arg(long = "map", value_name = "PATH")]
    map: Vec<String>,
    /// Detect such objects from the first 1000 records (`auto`: at least 8 keys, values
    /// of one kind, keys shaped like ids/dates or rarely repeating; the summary lists
    /// what was found), or only use --map (`off`, Transmog 1.0.6's one column per key).
    #[arg(long, value_enum, default_value_t = MapsArg::Auto)]
    maps: MapsArg,
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

/// `--layout` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LayoutArg {
    File,
    Dataset,
}

/// `--schema-contract` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ContractArg {
    Evolve,
    Freeze,
    Discard,
}

impl From<ContractArg> for Contract {
    fn from(c: ContractArg) -> Self {
        match c {
            ContractArg::Evolve => Contract::Evolve,
            ContractArg::Freeze => Contract::Freeze,
            ContractArg::Discard => Contract::Discard,
        }
    }
}

#[derive(Args)]
pub struct ParquetArgs {
    /// Codec: snappy, gzip, brotli, zstd, lz4, none; a level after a colon (zstd:3).
    /// [default: snappy, except for plain text columns it cannot shrink by 15 %, such as
    /// random ids, which are stored uncompressed; given, every column gets the codec]
    #[arg(long, value_name = "CODEC[:LEVEL]")]
    compression: Option<String>,
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
    /// A table whose file reaches this size goes on in a next file and is written as a
    /// folder of part files, TABLE/part-00000.parquet, ... (suffixes K, M, G; 0 = never).
    #[arg(long, default_value = "64M", value_name = "BYTES", value_parser = parse_size)]
    max_file_size: u64,
    /// Memory all tables together may hold in rows not yet written out; past it the
    /// tables holding most write theirs out early (row groups keep their size; K, M, G).
    #[arg(long, default_value = "128M", value_name = "BYTES", value_parser = parse_size)]
    memory_budget: u64,
    /// Any other pyarrow-style writer option, e.g. use_dictionary=false (repeatable).
    #[arg(long = "option", value_name = "KEY=VALUE")]
    options: Vec<String>,
}

impl ConvertArgs {
    /// The flattening options.
    pub fn config(&self) -> Result<Config> {
        let f = &self.flat;
        transmog_core::config::validate_separator(&f.separator)?;
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
            naming: match f.naming {
                NamingArg::Full => NamingStyle::Full,
                NamingArg::Nested => NamingStyle::Nested,
            },
            max_name_length: f.max_name_length,
            cast_to_string: !f.typed,
            include_empty: f.include_empty,
            skip_null: !f.keep_nulls,
            max_depth: f.max_depth,
            max_columns: f.max_columns,
            visit_arrays: !f.no_child_tables,
            keep_arrays: f.keep_arrays,
            keep_null_fields: f.keep_nulls && f.typed,
            lossless: f.lossless,
            map_paths: f
                .map
                .iter()
                .map(|p| {
                    transmog_core::maps::parse_path(p)
                        .map_err(|e| anyhow::anyhow!("--map {p}: {e}"))
                })
                .collect::<Result<_>>()?,
            maps_auto: matches!(f.maps, MapsArg::Auto),
            known: None,
            id_field: f.id_field.clone(),
            parent_field: f.parent_field.clone(),
            time_field: f.time_field.clone(),
            id_mode,
            recovery: match self.on_error {
                OnError::Strict => Recovery::Strict,
                OnError::Skip => Recovery::Skip,
                OnError::Partial => Recovery::Partial,
            },
            extract_time: f
                .extract_time
                .as_ref()
                .map(|t| value::Value::Str(t.clone().into())),
        })
    }

    /// The output format and its options.
    pub fn sink_options(&self) -> Result<SinkOptions> {
        let format = match self.format {
            OutFormat::Parquet => Format::Parquet,
            OutFormat::Csv => Format::Csv,
            OutFormat::Jsonl => Format::Jsonl,
        };
        let mut opts = SinkOptions::new(format);
        let p = &self.parquet;
        if let Format::Parquet = format {
            let o = &mut opts.parquet;
            if let Some(codec) = &p.compression {
                o.compression = Codec::parse(codec)?;
                o.adaptive_compression = false;
            }
            o.row_group_size = p.row_group_size.max(1);
            o.write_page_index = p.page_index;
            o.write_page_checksum = p.page_checksum;
            o.data_page_size = p.data_page_size;
            o.dictionary_pagesize_limit = p.dictionary_pagesize_limit;
            o.max_file_size = usize::try_from(p.max_file_size).ok().filter(|&n| n > 0);
            o.memory_budget = usize::try_from(p.memory_budget).unwrap_or(usize::MAX);
            for kv in &p.options {
                let Some((k, v)) = kv.split_once('=') else {
                    bail!("--option {kv}: expected KEY=VALUE");
                };
                opts.set(k, OptionValue::Str(v.to_string()))?;
            }
        } else if !p.options.is_empty() {
            bail!("--option is only valid with --format parquet");
        }
        Ok(opts)
    }

    /// The entity name: `--entity`, else the first input's file name without extensions.
    pub fn entity_name(&self) -> String {
        if let Some(e) = &self.entity {
            return e.clone();
        }
        let first = &self.inputs[0];
        if first == "-" {
            return "stdin".to_string();
        }
        let name = Path::new(first)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "entity".to_string());
        name.split('.').next().unwrap_or("entity").to_string()
    }

    /// The inputs, with their layout and (for position ids) their stable names.
    pub fn inputs(&self) -> Result<Vec<transmog_run::Input>> {
        let format = self.input_format()?;
        let position = matches!(self.flat.ids, IdKind::Position);
        if !position && self.flat.id_root.is_some() {
            bail!("--id-root only applies to --ids position");
        }
        let origins = if position {
            let root = self
                .flat
                .id_root
                .as_ref()
                .map(|r| r.to_string_lossy().into_owned());
            transmog_run::origin_names(&self.inputs, root.as_deref())?
                .into_iter()
                .map(Some)
                .collect()
        } else {
            vec![None; self.inputs.len()]
        };
        Ok(self
            .inputs
            .iter()
            .zip(origins)
            .map(|(path, origin)| {
                transmog_run::Input::path(path)
                    .with_format(format.clone())
                    .with_origin(origin.as_deref())
            })
            .collect())
    }

    fn input_format(&self) -> Result<InputFormat> {
        let csv_flags = self.delimiter.is_some() || self.no_header || !self.null_values.is_empty();
        let csv = || -> Result<CsvOptions> {
            let mut o = CsvOptions {
                has_header: !self.no_header,
                ..CsvOptions::default()
            };
            if let Some(d) = self.delimiter {
                o.delimiter = Some(u8::try_from(d).ok().filter(u8::is_ascii).ok_or_else(|| {
                    anyhow::anyhow!("--delimiter {d:?}: must be one ASCII character")
                })?);
            }
            if !self.null_values.is_empty() {
                o.null_values = self.null_values.clone();
            }
            Ok(o)
        };
        Ok(match self.input_format {
            InputArg::Csv => InputFormat::Csv(csv()?),
            InputArg::Auto if csv_flags => InputFormat::Csv(csv()?),
            InputArg::Auto => InputFormat::Auto,
            InputArg::Jsonl => InputFormat::Jsonl,
            InputArg::Json => InputFormat::Json,
        })
    }

    /// Input bytes when every input is a plain regular file (for the progress bar).
    pub fn total_bytes(&self) -> Option<u64> {
        let mut total = 0u64;
        for p in &self.inputs {
            if p.ends_with(".gz") || p.ends_with(".zst") || p == "-" {
                return None;
            }
            match std::fs::metadata(p) {
                Ok(m) if m.is_file() => total += m.len(),
                _ => return None,
            }
        }
        Some(total)
    }
}

/// A byte size: digits with an optional K, M, G or T suffix (powers of 1024).
fn parse_table_contract(text: &str) -> std::result::Result<(String, Contract), String> {
    let (table, mode) = text
        .rsplit_once('=')
        .ok_or_else(|| format!("expected TABLE=MODE, got `{text}`"))?;
    Ok((table.to_string(), mode.parse()?))
}

impl ConvertArgs {
    /// The run's contracts: --schema-contract, and --table-contract for saved tables.
    pub fn contracts(&self) -> Contracts {
        Contracts {
            default: self.schema_contract.into(),
            tables: self.table_contract.clone(),
        }
    }
}

fn parse_size(text: &str) -> std::result::Result<u64, String> {
    let t = text.trim();
    let (digits, shift) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let shift = match c.to_ascii_uppercase() {
                'K' => 10,
                'M' => 20,
                'G' => 30,
                'T' => 40,
                _ => return Err(format!("`{text}`: the suffix must be K, M, G or T")),
            };
            (&t[..i], shift)
        }
        _ => (t, 0),
    };
    let n: u64 = digits
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a size (e.g. 512M, 1G, 0)"))?;
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("`{text}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::{parse_size, Cli, Command};
    use clap::Parser;

    fn parquet_options(extra: &[&str]) -> transmog_io::ParquetOptions {
        let args = ["transmog", "convert", "in.jsonl", "-o", "out"];
        let cli = Cli::try_parse_from(args.iter().chain(extra)).expect("arguments parse");
        let Command::Convert(convert) = cli.command else {
            panic!("not a convert command");
        };
        convert.sink_options().expect("options").parquet
    }

    fn max_file_size(extra: &[&str]) -> Option<usize> {
        parquet_options(extra).max_file_size
    }

    #[test]
    fn the_memory_budget_is_128_mib_unless_told_otherwise() {
        assert_eq!(parquet_options(&[]).memory_budget, 128 << 20);
        let budget = parquet_options(&["--memory-budget", "1G"]).memory_budget;
        assert_eq!(budget, 1 << 30);
    }

    #[test]
    fn files_roll_over_at_64_mib_unless_told_otherwise() {
        assert_eq!(max_file_size(&[]), Some(64 << 20));
        assert_eq!(max_file_size(&["--max-file-size", "1G"]), Some(1 << 30));
        assert_eq!(max_file_size(&["--max-file-size", "0"]), None);
    }

    #[test]
    fn sizes_take_binary_suffixes_and_refuse_anything_else() {
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size("1500"), Ok(1500));
        assert_eq!(parse_size("64k"), Ok(64 << 10));
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size(" 2G "), Ok(2 << 30));
        assert!(parse_size("1.5G").is_err());
        assert!(parse_size("1X").is_err());
        assert!(parse_size("G").is_err());
        assert!(parse_size("99999999999T").is_err());
    }
}
