//! Transmog's run engine: inputs + options + a sink → a report, on all cores. The
//! `transmog` CLI, the Python package (`transmog._native`) and the Spark/Dask tasks all
//! run through [`Run`], so a record becomes the same rows whichever face reads it.
//!
//! A [`Run`] reads inputs ([`Input`]: files, stdin, readers, byte buffers) through a
//! parallel ordered pipeline — a reader thread frames records into chunks, worker threads
//! parse and flatten them, the calling thread renames columns for the whole run and
//! hands batches to a [`BatchSink`] in input order — and flattens records handed over in
//! memory (`Run::push`) on the calling thread. Output is the same for any thread count.
//!
//! ```
//! use transmog_run::{Collect, Input, Run, RunOptions};
//!
//! let mut run = Run::new("orders", transmog_core::Config::default(), RunOptions::default())?;
//! let mut tables = Collect::new("orders");
//! let data = br#"{"id": 1, "items": [{"sku": "A"}, {"sku": "B"}]}"#.to_vec();
//! run.read(vec![Input::bytes("orders.jsonl", data)], &mut tables)?;
//! let totals = run.finish(&mut tables)?;
//! let result = tables.into_result(&totals)?;
//! assert_eq!(result.table_names(), ["orders", "orders_items"]);
//! assert_eq!(result.table("orders_items").map(|t| t.num_rows()), Some(2));
//! # Ok::<(), transmog_run::RunError>(())
//! ```
#![deny(missing_docs)]

pub mod error;
pub mod held;
pub mod input;
mod pipeline;
pub mod schema;

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock};

use transmog_core::maps::{MapPath, MapSample};
use transmog_core::merge::NameRegistry;
use transmog_core::report::{Report, Skipped};
use transmog_core::result::FlatResult;
use transmog_core::schema_file::SavedSchema;
use transmog_core::{ids, value, Config, Flattener, Location, Node, TableBatch};
use transmog_io::TableSink;

pub use error::{ConfigError, Fault, Result, RunError};
pub use held::{HeldBatch, HeldResult, HeldTable};
pub use input::{origin_name, origin_names, Input, Source};
pub use pipeline::Feed;
pub use schema::{SchemaSession, Tracked};

/// [`RunOptions::chunk_bytes`]'s default. Measured on the orders benchmark (1.2 KB
/// records) with the CLI's allocator: 4 MiB chunks flatten as fast as 10 000-record
/// ones (12 MB), at half the peak memory. glibc's allocator pays for every chunk's
/// fresh buffers (page faults, unmapping), so smaller chunks cost it 10-15 %.
pub const DEFAULT_CHUNK_BYTES: usize = 4 << 20;

/// How a run uses the machine.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Flattening threads; 0 = one per core.
    pub threads: usize,
    /// Records per chunk: the unit of work handed to a flattening thread and then to
    /// the sink.
    pub chunk_records: usize,
    /// Bytes per chunk (input text, or tape): a chunk is handed over at `chunk_records`
    /// records or this many bytes, whichever comes first, so the chunks in flight, and
    /// the batches made from them, take about the same memory whatever the record size.
    pub chunk_bytes: usize,
    /// Set (by a signal handler, or Python's Ctrl-C) to stop at the next chunk.
    pub interrupted: Arc<AtomicBool>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            threads: 0,
            chunk_records: 10_000,
            chunk_bytes: DEFAULT_CHUNK_BYTES,
            interrupted: Arc::new(AtomicBool::new(false)),
        }
    }
}

impl RunOptions {
    /// The number of flattening threads `threads` stands for.
    pub fn worker_count(&self) -> usize {
        match self.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }
}

/// Running totals of a run.
#[derive(Debug, Default, Clone)]
pub struct Totals {
    /// Records read (skipped ones included; see `report.skipped_count`).
    pub records: u64,
    /// Input bytes framed (uncompressed).
    pub bytes: u64,
    /// Renamed columns, truncations, skipped records.
    pub report: Report,
}

impl Totals {
    /// Records that made rows.
    pub fn accepted(&self) -> u64 {
        self.records - self.report.skipped_count
    }

    /// Adds a chunk's report; returns the records it skipped.
    fn absorb(&mut self, from: Report) -> Vec<Skipped> {
        const MAX: usize = 1000;
        let into = &mut self.report;
        into.truncation_count += from.truncation_count;
        let room = MAX.saturating_sub(into.truncations.len());
        into.truncations
            .extend(from.truncations.into_iter().take(room));
        // Chunks arrive in input order: the first report to name a path has its first record.
        for (table, path, location) in from.first_new {
            if into.first_new.len() < 10 * MAX
                && !into
                    .first_new
                    .iter()
                    .any(|(t, p, _)| *t == table && *p == path)
            {
                into.first_new.push((table, path, location));
            }
        }
        into.skipped_count += from.skipped_count;
        let room = MAX.saturating_sub(into.skipped.len());
        into.skipped.extend(from.skipped.iter().take(room).cloned());
        from.skipped
    }
}

/// The map paths a run with `maps_auto` would detect from the first records of
/// `inputs` ([`transmog_core::maps`]): for a job's driver, so that every task of a
/// Spark/Dask job flattens with one decision.
pub fn detect_maps(inputs: Vec<Input>) -> Result<Vec<MapPath>> {
    enum Stop {
        Full,
        Read(transmog_io::read::ReadError),
    }
    impl From<transmog_io::read::ReadError> for Stop {
        fn from(e: transmog_io::read::ReadError) -> Self {
            Stop::Read(e)
        }
    }
    let mut sample = MapSample::new();
    for input in inputs {
        let outcome = input.for_each_record::<Stop>(|r| {
            if let Ok(v) = value::parse(r.bytes) {
                sample.add(&v);
            }
            if sample.is_full() {
                Err(Stop::Full)
            } else {
                Ok(())
            }
        });
        match outcome {
            Ok(()) => {}
            Err(Stop::Full) => break,
            Err(Stop::Read(e)) => return Err(RunError::Read(e)),
        }
    }
    Ok(sample.decide())
}

/// Where a run's batches go, in input order.
pub trait BatchSink {
    /// Takes the batches of one chunk (several tables).
    fn write(&mut self, batches: &[TableBatch]) -> Result<()>;
}

impl BatchSink for TableSink {
    fn write(&mut self, batches: &[TableBatch]) -> Result<()> {
        let kinded: Vec<_> = batches
            .iter()
            .map(|b| (&*b.table, &b.batch, &b.extras[..]))
            .collect();
        Ok(self.write_kinded(&kinded)?)
    }
}

impl<F: FnMut(&[TableBatch]) -> Result<()>> BatchSink for F {
    fn write(&mut self, batches: &[TableBatch]) -> Result<()> {
        self(batches)
    }
}

/// Keeps every batch in memory, tables in the order their first row arrived (the main
/// table first, even when it has no rows). A compact collection
/// ([`Collect::compact`]) compresses batches once the plain ones held pass a budget.
#[derive(Debug)]
pub struct Collect {
    tables: Vec<HeldTable>,
    index: HashMap<Arc<str>, usize>,
    /// Plain bytes held before batches are compressed; `None`: never.
    budget: Option<usize>,
    /// Plain bytes held so far.
    plain: usize,
    packer: held::Packer,
}

impl Collect {
    /// An empty collection for entity `entity`.
    pub fn new(entity: &str) -> Self {
        let name: Arc<str> = entity.into();
        Collect {
            tables: vec![HeldTable {
                name: name.clone(),
                batches: Vec::new(),
            }],
            index: HashMap::from([(name, 0)]),
            budget: None,
            plain: 0,
            packer: held::Packer::default(),
        }
    }

    /// An empty collection that holds batches compressed once `budget` plain bytes are
    /// held ([`COMPACT_BUDGET`] for low-memory results): about a third of the memory,
    /// for compressing batches at about 600 MB/s on the calling thread.
    pub fn compact(entity: &str, budget: usize) -> Self {
        Collect {
            budget: Some(budget),
            ..Collect::new(entity)
        }
    }

    /// The tables collected so far, taken out; this collection starts over empty (the
    /// main table stays) with the same budget.
    pub fn take(&mut self) -> Collect {
        let main = self.tables[0].name.clone();
        let fresh = Collect {
            budget: self.budget,
            ..Collect::new(&main)
        };
        std::mem::replace(self, fresh)
    }

    /// The collected tables as a result, with the run's report: every batch plain.
    pub fn into_result(self, totals: &Totals) -> Result<FlatResult> {
        self.into_held(totals).to_flat()
    }

    /// The collected tables as they are held, with the run's report.
    pub fn into_held(self, totals: &Totals) -> HeldResult {
        HeldResult {
            tables: self.tables,
            report: totals.report.clone(),
            records: totals.accepted(),
        }
    }
}

/// Plain bytes a compact [`Collect`] holds before it compresses: small results (a
/// `process_batch` of a few hundred records) pay nothing.
pub const COMPACT_BUDGET: usize = 8 << 20;

impl BatchSink for Collect {
    fn write(&mut self, batches: &[TableBatch]) -> Result<()> {
        for b in batches {
            let i = *self.index.entry(b.table.clone()).or_insert_with(|| {
                self.tables.push(HeldTable {
                    name: b.table.clone(),
                    batches: Vec::new(),
                });
                self.tables.len() - 1
            });
            let held = match self.budget {
                None => HeldBatch::plain(b.clone()),
                Some(budget) if self.plain >= budget => {
                    HeldBatch::packed(b.clone(), &mut self.packer)
                }
                Some(_) => {
                    self.plain += b.batch.get_array_memory_size();
                    HeldBatch::plain(b.clone())
                }
            };
            self.tables[i].batches.push(held);
        }
        Ok(())
    }
}

/// One run: every input and record it is given, flattened with one set of options and
/// named once for the whole run.
pub struct Run {
    entity: String,
    cfg: Config,
    opts: RunOptions,
    names: NameRegistry,
    totals: Totals,
    /// Flattens records handed over in memory, on the caller's thread.
    local: Option<Flattener>,
    /// Records pushed since `local`'s batches last went to a sink.
    unflushed: usize,
    /// Map detection (`Config::maps_auto`) not decided yet.
    sampling: Option<Sampling>,
}

/// Map detection in progress: records pushed in memory wait in `pending` until the
/// sample decides (a pipeline pass samples its own first chunks).
struct Sampling {
    sample: MapSample,
    pending: Vec<(value::Value<'static>, Location)>,
}

impl Run {
    /// A run of entity `entity` (the main table's name). Fixes the extraction time for
    /// the whole run when `cfg` gives none.
    pub fn new(entity: &str, mut cfg: Config, opts: RunOptions) -> Result<Run> {
        if cfg.extract_time.is_none() {
            cfg.extract_time = Some(value::Value::Str(ids::now_timestamp().into()));
        }
        // Validates the options once, with the caller's thread.
        Flattener::new(entity, cfg.clone())?;
        Ok(Run {
            entity: entity.to_owned(),
            names: NameRegistry::new(&cfg.separator),
            sampling: cfg.maps_auto.then(|| Sampling {
                sample: MapSample::new(),
                pending: Vec::new(),
            }),
            cfg,
            opts,
            totals: Totals::default(),
            local: None,
            unflushed: 0,
        })
    }

    /// The options in use (with the run's extraction time).
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The entity name.
    pub fn entity(&self) -> &str {
        &self.entity
    }

    /// Totals so far.
    pub fn totals(&self) -> &Totals {
        &self.totals
    }

    /// Flattens one record handed over in memory (any document model: a parsed
    /// [`value::Value`], Python objects, ...), on this thread. Its rows reach `sink`
    /// every `chunk_records` records and at [`Run::flush`]. A record that is not an
    /// object follows the recovery strategy.
    pub fn push<'a, N: Node<'a>>(&mut self, record: N, sink: &mut dyn BatchSink) -> Result<()> {
        let location = Location::record(self.totals.records);
        if self.sampling.is_some() {
            match record.to_value() {
                Ok(v) => return self.sample_push(v.into_owned(), location, sink),
                // The flattener reports what cannot be read.
                Err(_) => self.decide_maps(sink)?,
            }
        }
        self.push_with(sink, |f| f.push(record, location))
    }

    /// Parses and flattens one record given as JSON text, on this thread (see
    /// [`Run::push`]); `location` names it in messages. Text that is not JSON follows
    /// the recovery strategy.
    pub fn push_json(
        &mut self,
        text: &[u8],
        location: Location,
        sink: &mut dyn BatchSink,
    ) -> Result<()> {
        if self.sampling.is_some() {
            match value::parse(text) {
                Ok(v) => return self.sample_push(v.into_owned(), location, sink),
                Err(_) => self.decide_maps(sink)?,
            }
        }
        self.push_with(sink, |f| f.push_json(text, location))
    }

    /// A record pushed while maps are being detected: sampled, kept until the decision.
    fn sample_push(
        &mut self,
        v: value::Value<'static>,
        location: Location,
        sink: &mut dyn BatchSink,
    ) -> Result<()> {
        let Some(s) = &mut self.sampling else {
            return Ok(());
        };
        self.totals.records += 1;
        s.sample.add(&v);
        s.pending.push((v, location));
        if s.sample.is_full() {
            self.decide_maps(sink)?;
        }
        Ok(())
    }

    /// Ends map detection with the records pushed so far, then flattens them.
    fn decide_maps(&mut self, sink: &mut dyn BatchSink) -> Result<()> {
        let Some(s) = self.sampling.take() else {
            return Ok(());
        };
        self.apply_maps(s.sample.decide());
        for (v, location) in s.pending {
            // Counted when they were pushed.
            self.totals.records -= 1;
            self.push_with(sink, |f| f.push(&v, location))?;
        }
        Ok(())
    }

    fn apply_maps(&mut self, paths: Vec<MapPath>) {
        for p in paths {
            if !self.cfg.map_paths.contains(&p) {
                self.totals
                    .report
                    .maps_detected
                    .push(transmog_core::maps::path_text(&p));
                self.cfg.map_paths.push(p);
            }
        }
    }

    fn push_with(
        &mut self,
        sink: &mut dyn BatchSink,
        push: impl FnOnce(&mut Flattener) -> transmog_core::Result<()>,
    ) -> Result<()> {
        let f = match &mut self.local {
            Some(f) => f,
            None => {
                let mut f = Flattener::new(&self.entity, self.cfg.clone())?;
                f.keep_all_skipped();
                self.local.insert(f)
            }
        };
        self.totals.records += 1;
        self.unflushed += 1;
        push(f)?;
        if self.unflushed >= self.opts.chunk_records.max(1) {
            self.flush(sink)?;
        }
        Ok(())
    }

    /// The machine options, to change between inputs (e.g. the chunk size).
    pub fn options_mut(&mut self) -> &mut RunOptions {
        &mut self.opts
    }

    /// Hands the rows of records pushed so far to `sink`.
    pub fn flush(&mut self, sink: &mut dyn BatchSink) -> Result<()> {
        if self
            .sampling
            .as_ref()
            .is_some_and(|s| !s.pending.is_empty())
        {
            self.decide_maps(sink)?;
        }
        self.unflushed = 0;
        let Some(f) = &mut self.local else {
            return Ok(());
        };
        let mut batches = f.take_sealed();
        batches.extend(f.take_batches());
        let report = f.take_report();
        self.totals.absorb(report);
        let batches: Vec<TableBatch> = batches
            .into_iter()
            .filter_map(|b| {
                let b = self.names.rename(b);
                self.names.keep(b)
            })
            .collect();
        if batches.is_empty() {
            return Ok(());
        }
        sink.write(&batches)
    }

    /// Reads `inputs` in order through the parallel pipeline into `sink`.
    pub fn read(&mut self, inputs: Vec<Input>, sink: &mut dyn BatchSink) -> Result<()> {
        self.read_with_progress(inputs, sink, &mut |_, _| Ok(()))
    }

    /// [`Run::read`], calling `progress` after each chunk with the totals so far and
    /// the records that chunk skipped.
    pub fn read_with_progress(
        &mut self,
        inputs: Vec<Input>,
        sink: &mut dyn BatchSink,
        progress: &mut dyn FnMut(&Totals, &[Skipped]) -> Result<()>,
    ) -> Result<()> {
        // Records pushed before come first.
        self.flush(sink)?;
        self.pass(pipeline::Producer::Inputs(inputs), sink, progress)
    }

    /// Flattens records that `feed` writes onto tapes ([`Feed`]), on all cores: `feed`
    /// runs on a thread of its own while workers flatten what it wrote, and batches
    /// reach `sink` in record order. For records that live in memory the flattening
    /// threads cannot read (Python objects: `feed` holds the GIL while it copies them).
    pub fn produce<'f>(
        &mut self,
        feed: impl FnOnce(&mut Feed<'_, '_>) -> Result<()> + Send + 'f,
        sink: &mut dyn BatchSink,
    ) -> Result<()> {
        self.flush(sink)?;
        let producer = pipeline::Producer::Feed(Box::new(feed));
        self.pass(producer, sink, &mut |_, _| Ok(()))
    }

    fn pass(
        &mut self,
        producer: pipeline::Producer<'_>,
        sink: &mut dyn BatchSink,
        progress: &mut dyn FnMut(&Totals, &[Skipped]) -> Result<()>,
    ) -> Result<()> {
        let decided = OnceLock::new();
        let pass = pipeline::Pass {
            entity: &self.entity,
            cfg: &self.cfg,
            threads: self.opts.worker_count(),
            chunk_records: self.opts.chunk_records.max(1),
            chunk_bytes: self.opts.chunk_bytes.max(1),
            interrupted: &self.opts.interrupted,
            detect: self.sampling.is_some().then_some(&decided),
        };
        let outcome = pass.run(producer, &mut self.names, &mut self.totals, sink, progress);
        if let Some(paths) = decided.into_inner() {
            self.sampling = None;
            self.apply_maps(paths);
        }
        outcome
    }

    /// Starts the run from a saved schema (see [`transmog_core::schema_file`]): its
    /// tables and columns keep their saved names, and `sink` starts each saved table
    /// from its saved columns and types (no rows), in the saved order. Call before any
    /// record.
    pub fn seed(&mut self, saved: &SavedSchema, sink: &mut dyn BatchSink) -> Result<()> {
        for (table, schema) in &saved.tables {
            self.names.seed(table, schema);
            sink.write(&[TableBatch::empty(table, schema.clone())])?;
        }
        Ok(())
    }

    /// `Contract::Discard`: from now on the seeded tables that `contracts` bind to
    /// discard get only their seeded columns, and new tables are dropped when the run's
    /// own contract is discard; what is dropped is counted (`Report::discarded`). Call
    /// after [`Self::seed`].
    pub fn discard_new(&mut self, contracts: &transmog_core::schema_file::Contracts) {
        self.names.discard_new(contracts);
    }

    /// Whether a record of this run (so far) had the data column `column` of `table`
    /// (known once the run was [seeded](Self::seed); flush first to count every record).
    pub fn seen(&self, table: &str, column: &str) -> bool {
        self.names.seen(table, column)
    }

    /// Ends the run: hands the last pushed records' rows to `sink`; returns the totals,
    /// with every renamed column.
    pub fn finish(mut self, sink: &mut dyn BatchSink) -> Result<Totals> {
        self.flush(sink)?;
        let named = self.names.report();
        let report = &mut self.totals.report;
        report.collisions = named.collisions.clone();
        report.collision_count = named.collision_count;
        report.table_renames = named.table_renames.clone();
        report.table_rename_count = named.table_rename_count;
        report.shortened_count = named.shortened_count;
        report.discarded = named.discarded.clone();
        report.discarded_values = named.discarded_values;
        Ok(self.totals)
    }
}
