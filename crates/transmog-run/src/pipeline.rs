//! The parallel ordered pipeline: a producer thread cuts records into chunks — framed
//! bytes read from inputs, or records written onto a [`Tape`] by a [`Feed`] — worker
//! threads parse and flatten chunks, and the calling thread puts results back in input
//! order, gives columns their run-wide names and hands them to the sink.
//!
//! Output does not depend on the number of workers or the chunk size: chunks are cut by
//! record count and size, every worker flattens with the same options (one timestamp
//! for the run), and the [`NameRegistry`] names columns in input order, as one flattener
//! would.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::sync::OnceLock;
use std::thread;

use crossbeam_channel::{bounded, Receiver};
use transmog_core::maps::{MapPath, MapSample};
use transmog_core::merge::NameRegistry;
use transmog_core::report::Skipped;
use transmog_core::{Config, Flattener, Location, TableBatch, Tape};
use transmog_io::read::ReadError;

use crate::error::{Result, RunError};
use crate::input::Input;
use crate::{BatchSink, Totals};

/// Records of one chunk: framed bytes (one buffer, record boundaries and positions),
/// or records on a tape (numbered from `first`).
struct Chunk {
    seq: u64,
    data: Vec<u8>,
    /// Records' bytes and locations, the locations without their input's names: those
    /// are in `names`, once per input.
    records: Vec<(usize, usize, Location)>,
    /// From which record on (index in `records`) the locations name which input (label,
    /// origin). An `Arc` per record, cloned here and dropped by a flattening thread,
    /// had the threads fight over its count's cache line (perf: 2 % of the run).
    names: Vec<(usize, Names)>,
    /// Records (index in `records`) that are a framing problem, not JSON: failed or
    /// skipped by the recovery strategy like a record that does not parse.
    problems: Vec<(usize, String)>,
    tape: Tape,
    first: u64,
}

type Names = (Option<Arc<str>>, Option<Arc<str>>);

/// What a worker made of a chunk.
struct Done {
    seq: u64,
    outcome: Result<(Vec<TableBatch>, transmog_core::Report)>,
    records: usize,
    bytes: usize,
    /// Where the chunk's first record is: errors found only once the workers' tables
    /// are put together (the column limit) point here when `made` does not say.
    first: Location,
    /// The data columns the chunk made, with the records that made them.
    made: Vec<transmog_core::ColumnMade>,
    /// When the chunk failed: the batches of the records before the error, whose
    /// columns may pass the limit of the run's tables first.
    before: Vec<TableBatch>,
    /// The chunk's buffers, emptied, going back to the reader with the next ticket.
    spare: Spare,
}

impl Done {
    fn failed(seq: u64, e: RunError) -> Done {
        Done {
            seq,
            outcome: Err(e),
            records: 0,
            bytes: 0,
            first: Location::record(0),
            made: Vec::new(),
            before: Vec::new(),
            spare: Spare::default(),
        }
    }
}

/// Emptied chunk buffers: reusing them spares the allocator and the page faults of a
/// fresh buffer per chunk.
#[derive(Default)]
struct Spare {
    data: Vec<u8>,
    records: Vec<(usize, usize, Location)>,
    tape: Tape,
}

impl Chunk {
    fn new(seq: u64, spare: Spare) -> Chunk {
        Chunk {
            seq,
            data: spare.data,
            records: spare.records,
            names: Vec::new(),
            problems: Vec::new(),
            tape: spare.tape,
            first: 0,
        }
    }

    fn len(&self) -> usize {
        self.records.len() + self.tape.len()
    }

    /// Whether the chunk has its records or its bytes.
    fn is_full(&self, records: usize, bytes: usize) -> bool {
        self.len() >= records || self.data.len() + self.tape.byte_len() >= bytes
    }
}

enum Work {
    Chunk(Chunk),
    Failed(u64, RunError),
}

/// A function that writes records onto a [`Feed`].
pub(crate) type FeedFn<'f> = Box<dyn FnOnce(&mut Feed<'_, '_>) -> Result<()> + Send + 'f>;

/// Where a pass's records come from.
pub(crate) enum Producer<'f> {
    /// Inputs read and framed by the pipeline.
    Inputs(Vec<Input>),
    /// Records written onto tapes by a caller's function, on the producer thread.
    Feed(FeedFn<'f>),
}

/// What a producer function writes records through: each record goes on [`Feed::tape`]
/// (`begin_record`, then one value), then [`Feed::record_done`].
pub struct Feed<'f, 'p> {
    sender: &'f mut Sender<'p>,
    chunk: Chunk,
}

impl Feed<'_, '_> {
    /// The tape of the chunk being filled.
    pub fn tape(&mut self) -> &mut Tape {
        &mut self.chunk.tape
    }

    /// Whether [`Feed::record_done`] hands the chunk over now (and may wait for a
    /// worker): a caller holding a lock others need can release it around that call.
    pub fn chunk_full(&self) -> bool {
        self.chunk
            .is_full(self.sender.chunk_records, self.sender.chunk_bytes)
    }

    /// Ends the record just written; hands the chunk to the workers when it is full.
    /// An error means the run stopped (a failure downstream, or an interrupt): return.
    pub fn record_done(&mut self) -> Result<()> {
        self.sender.records += 1;
        if self.chunk_full() {
            self.sender.send_full(&mut self.chunk)?;
            self.chunk.first = self.sender.records;
        }
        Ok(())
    }
}

/// The producer's side of the channels: numbers chunks, waits for tickets.
struct Sender<'p> {
    tx: crossbeam_channel::Sender<Work>,
    tickets: Receiver<Spare>,
    interrupted: &'p AtomicBool,
    chunk_records: usize,
    chunk_bytes: usize,
    seq: u64,
    /// Records handed out by a feed so far (tape numbering).
    records: u64,
    /// Map detection: the sample of the first records, while it is being taken; the
    /// chunks it spans wait in `held` until the decision is made.
    sample: Option<MapSample>,
    held: Vec<Chunk>,
    decided: Option<&'p OnceLock<Vec<MapPath>>>,
}

impl Sender<'_> {
    /// Sends `chunk` and puts a fresh one (with the next number) in its place.
    fn send_full(&mut self, chunk: &mut Chunk) -> Result<()> {
        if self.interrupted.load(Ordering::Relaxed) {
            return Err(RunError::Interrupted);
        }
        if let Some(sample) = &mut self.sample {
            sample_chunk(sample, chunk);
            if !sample.is_full() {
                // Held without a ticket: tickets are taken when the chunks are sent.
                self.seq += 1;
                let full = std::mem::replace(chunk, Chunk::new(self.seq, Spare::default()));
                self.held.push(full);
                return Ok(());
            }
            self.decide();
            for held in std::mem::take(&mut self.held) {
                self.tickets.recv().map_err(|_| RunError::Interrupted)?;
                self.tx
                    .send(Work::Chunk(held))
                    .map_err(|_| RunError::Interrupted)?;
            }
        }
        let spare = self.tickets.recv().map_err(|_| RunError::Interrupted)?;
        self.seq += 1;
        let full = std::mem::replace(chunk, Chunk::new(self.seq, spare));
        self.tx
            .send(Work::Chunk(full))
            .map_err(|_| RunError::Interrupted)
    }

    /// Ends map detection with what was sampled.
    fn decide(&mut self) {
        if let (Some(sample), Some(lock)) = (self.sample.take(), self.decided) {
            let _ = lock.set(sample.decide());
        }
    }

    /// Sends what is left, then the error that stopped the producer, if any.
    fn close(&mut self, last: Chunk, failure: Option<RunError>) {
        if let Some(sample) = &mut self.sample {
            sample_chunk(sample, &last);
            // Only a sample of some records decides: an input without any leaves the
            // decision to the run's next pass.
            if sample.records() > 0 {
                self.decide();
            }
            for held in std::mem::take(&mut self.held) {
                let _ = self.tx.send(Work::Chunk(held));
            }
        }
        let seq = last.seq;
        if last.len() > 0 || failure.is_some() {
            let _ = self.tx.send(Work::Chunk(last));
        }
        if let Some(e) = failure {
            let _ = self.tx.send(Work::Failed(seq + 1, e));
        }
    }
}

/// Adds a chunk's records to a map sample (records that are not JSON are left out:
/// the flattener reports them).
fn sample_chunk(sample: &mut MapSample, chunk: &Chunk) {
    for (start, end, _) in &chunk.records {
        if sample.is_full() {
            return;
        }
        if let Ok(v) = transmog_core::value::parse(&chunk.data[*start..*end]) {
            sample.add(&v);
        }
    }
    for record in chunk.tape.records() {
        if sample.is_full() {
            return;
        }
        sample.add(record);
    }
}

/// One pipeline pass.
pub(crate) struct Pass<'a> {
    pub entity: &'a str,
    pub cfg: &'a Config,
    pub threads: usize,
    pub chunk_records: usize,
    pub chunk_bytes: usize,
    pub interrupted: &'a AtomicBool,
    /// Map detection still to do: the producer samples the first records and sets the
    /// detected paths here before any chunk reaches a worker.
    pub detect: Option<&'a OnceLock<Vec<MapPath>>>,
}

impl Pass<'_> {
    /// Runs the pipeline; `sink` receives each chunk's batches (renamed by `names`),
    /// chunks in input order, and `progress` is called after each chunk.
    pub fn run(
        &self,
        producer: Producer<'_>,
        names: &mut NameRegistry,
        totals: &mut Totals,
        sink: &mut dyn BatchSink,
        progress: &mut dyn FnMut(&Totals, &[Skipped]) -> Result<()>,
    ) -> Result<()> {
        let threads = self.threads.max(1);
        let (work_tx, work_rx) = bounded::<Work>(threads);
        let (done_tx, done_rx) = bounded::<Done>(threads);
        // Tickets bound the chunks in flight (read, flattened, waiting for their turn or
        // being written), so memory stays flat even when one chunk is slow and later ones
        // pile up. Framing a file is cheap next to flattening it: one chunk being read per
        // thread busy is enough (orders, 2 GB: peak 93-95 MiB with the ticket given back
        // after the write, 100 before, 123 with twice the chunks; as fast). Python objects
        // are copied onto tapes at about the speed they are flattened, and without slack
        // the copying thread waits on the writer (process(list) 8 % slower).
        let in_flight = match producer {
            Producer::Inputs(_) => threads + 1,
            Producer::Feed(_) => threads * 2 + 2,
        };
        let (ticket_tx, ticket_rx) = bounded::<Spare>(in_flight);
        for _ in 0..in_flight {
            let _ = ticket_tx.send(Spare::default());
        }
        let sender = Sender {
            tx: work_tx,
            tickets: ticket_rx,
            interrupted: self.interrupted,
            chunk_records: self.chunk_records,
            chunk_bytes: self.chunk_bytes,
            seq: 0,
            records: totals.records,
            sample: self.detect.map(|_| MapSample::new()),
            held: Vec::new(),
            decided: self.detect,
        };
        thread::scope(|scope| -> Result<()> {
            // Deep documents recurse (Python objects up to 512 levels): threads get the
            // stack of a main thread.
            // Named, so `top -H` and profilers tell the stages apart.
            let spawn = |name: &str| {
                thread::Builder::new()
                    .name(name.to_string())
                    .stack_size(STACK)
            };
            spawn("transmog-read")
                .spawn_scoped(scope, move || self.produce(producer, sender))
                .map_err(thread_error)?;
            for _ in 0..threads {
                let rx = work_rx.clone();
                let tx = done_tx.clone();
                spawn("transmog-flatten")
                    .spawn_scoped(scope, move || self.worker(rx, tx))
                    .map_err(thread_error)?;
            }
            drop(done_tx);
            drop(work_rx);
            let result = self.collect(&done_rx, &ticket_tx, names, totals, sink, progress);
            // Unblock the other threads if we stopped early: workers fail to send, the
            // producer fails to get a ticket. Without this the scope would wait forever.
            drop(done_rx);
            drop(ticket_tx);
            result
        })
    }

    fn produce(&self, producer: Producer<'_>, mut sender: Sender<'_>) {
        // The chunk being filled holds no ticket yet; it takes one when it is sent.
        let chunk = Chunk::new(0, Spare::default());
        match producer {
            Producer::Inputs(inputs) => {
                let (last, failure) = self.frame(inputs, &mut sender, chunk);
                sender.close(last, failure);
            }
            Producer::Feed(f) => {
                let mut chunk = chunk;
                chunk.first = sender.records;
                let mut feed = Feed {
                    sender: &mut sender,
                    chunk,
                };
                let outcome = f(&mut feed);
                let last = feed.chunk;
                match outcome {
                    // Stopped by the consumer: nobody listens any more.
                    Err(RunError::Interrupted) => {}
                    Err(e) => sender.close(last, Some(e)),
                    Ok(()) => sender.close(last, None),
                }
            }
        }
    }

    /// Frames `inputs` into chunks; returns the chunk being filled and what stopped the
    /// reading, if anything did.
    fn frame(
        &self,
        inputs: Vec<Input>,
        sender: &mut Sender<'_>,
        mut chunk: Chunk,
    ) -> (Chunk, Option<RunError>) {
        for input in inputs {
            let names: Names = (Some(input.label.clone()), input.origin.clone());
            // Whether the chunk being filled names this input yet.
            let mut named = false;
            let mut record = 0u64;
            let outcome = input.for_each_record::<Stop>(|r| {
                // A chunk ends before the record that would take it past its size (its
                // buffer, reserved at that size, then never grows but for one record
                // larger than a chunk).
                if !chunk.records.is_empty() && chunk.data.len() + r.bytes.len() > self.chunk_bytes
                {
                    sender.send_full(&mut chunk).map_err(|_| Stop::Closed)?;
                }
                if chunk.data.capacity() == 0 {
                    chunk.data.reserve_exact(self.chunk_bytes.min(MAX_RESERVE));
                }
                let start = chunk.data.len();
                chunk.data.extend_from_slice(r.bytes);
                // (A chunk just sent left an empty one in its place.)
                if !named || chunk.names.is_empty() {
                    chunk.names.push((chunk.records.len(), names.clone()));
                    named = true;
                }
                if let Some(problem) = r.problem {
                    chunk.problems.push((chunk.records.len(), problem));
                }
                chunk.records.push((
                    start,
                    chunk.data.len(),
                    Location {
                        source: None,
                        line: r.line,
                        record,
                        origin: None,
                        offset: Some(r.offset),
                    },
                ));
                record += 1;
                if chunk.records.len() >= self.chunk_records {
                    sender.send_full(&mut chunk).map_err(|_| Stop::Closed)?;
                }
                Ok(())
            });
            match outcome {
                Ok(()) => {}
                // Records framed before the error still go first, in order.
                Err(Stop::Read(e)) => return (chunk, Some(RunError::Read(e))),
                Err(Stop::Closed) => return (Chunk::new(0, Spare::default()), None),
            }
        }
        (chunk, None)
    }

    fn worker(&self, rx: Receiver<Work>, tx: crossbeam_channel::Sender<Done>) {
        // Made with the first chunk: map detection is decided by then.
        let mut flattener = None;
        for work in rx.iter() {
            let flattener = flattener.get_or_insert_with(|| {
                let mut cfg = self.cfg.clone();
                if let Some(paths) = self.detect.and_then(OnceLock::get) {
                    cfg.map_paths.extend(paths.iter().cloned());
                }
                // `Run::new` validated the options with the same call: this cannot
                // fail, and if it did every chunk would say so.
                let mut f = Flattener::new(self.entity, cfg);
                if let Ok(f) = &mut f {
                    f.keep_all_skipped();
                    f.keep_made();
                }
                f
            });
            let done = match (work, flattener) {
                (Work::Failed(seq, e), _) => Done::failed(seq, e),
                (Work::Chunk(chunk), Ok(f)) => {
                    let seq = chunk.seq;
                    // A panic (a bug) fails the run with a message instead of leaving
                    // the other threads waiting for this chunk forever.
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| flatten(f, chunk)))
                        .unwrap_or_else(|panic| {
                            Done::failed(seq, RunError::Internal(panic_message(&panic)))
                        })
                }
                (Work::Chunk(chunk), Err(e)) => Done::failed(chunk.seq, RunError::from(e.clone())),
            };
            if tx.send(done).is_err() {
                return;
            }
        }
    }

    /// A worker's batch with the run's names. Each worker's flattener holds its tables
    /// to the column limit; here the tables all workers made together are, so that a
    /// run fails (or not) whatever the thread count. A table past the limit is noted in
    /// `over` with the entry of `made` (the chunk's log of columns made, in record order)
    /// that made its column past the limit (`None`, the chunk's first record, when the
    /// log does not say), keeping the earliest of the chunk's tables.
    fn admit(
        &self,
        names: &mut NameRegistry,
        b: TableBatch,
        made: &[transmog_core::ColumnMade],
        over: &mut Option<(Option<usize>, String)>,
    ) -> TableBatch {
        let local = b.table.clone();
        let b = names.rename(b);
        let limit = self.cfg.max_columns;
        if names.columns(&b.table) > limit {
            let at = names.made_by(&b, &local, limit, made);
            if over.as_ref().is_none_or(|(earliest, _)| at < *earliest) {
                *over = Some((at, b.table.to_string()));
            }
        }
        b
    }

    /// The column-limit error for `over` (see [`Self::admit`]), at the record that made
    /// the column past the limit, as one flattener meets it.
    fn too_wide(&self, over: (Option<usize>, String), done: &Done) -> RunError {
        let made = over.0.and_then(|i| done.made.get(i));
        let location = made.map_or_else(|| done.first.clone(), |m| m.location.clone());
        RunError::from(transmog_core::Error::TooManyColumns {
            location,
            table: over.1,
            limit: self.cfg.max_columns,
        })
    }

    fn collect(
        &self,
        rx: &Receiver<Done>,
        tickets: &crossbeam_channel::Sender<Spare>,
        names: &mut NameRegistry,
        totals: &mut Totals,
        sink: &mut dyn BatchSink,
        progress: &mut dyn FnMut(&Totals, &[Skipped]) -> Result<()>,
    ) -> Result<()> {
        let mut pending: BTreeMap<u64, Done> = BTreeMap::new();
        let mut next = 0u64;
        loop {
            // Waits in slices, so an interrupt is seen even while the input stalls.
            let done = match rx.recv_timeout(std::time::Duration::from_millis(100)) {
                Ok(done) => done,
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                    if self.interrupted.load(Ordering::Relaxed) {
                        return Err(RunError::Interrupted);
                    }
                    continue;
                }
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
            };
            if self.interrupted.load(Ordering::Relaxed) {
                return Err(RunError::Interrupted);
            }
            pending.insert(done.seq, done);
            while let Some(mut done) = pending.remove(&next) {
                next += 1;
                let spare = std::mem::take(&mut done.spare);
                let mut over = None;
                let outcome = std::mem::replace(&mut done.outcome, Ok(Default::default()));
                let (done_batches, report) = match outcome {
                    Ok(done) => done,
                    Err(e) => {
                        for b in std::mem::take(&mut done.before) {
                            self.admit(names, b, &done.made, &mut over);
                        }
                        return Err(over.map_or(e, |o| self.too_wide(o, &done)));
                    }
                };
                let mut batches: Vec<TableBatch> = Vec::with_capacity(done_batches.len());
                for b in done_batches {
                    let b = self.admit(names, b, &done.made, &mut over);
                    batches.extend(names.keep(b));
                }
                if let Some(over) = over {
                    return Err(self.too_wide(over, &done));
                }
                if !batches.is_empty() {
                    sink.write(&batches)?;
                }
                // Only now: the chunk's batches are encoded or buffered by the sink. The
                // reader may have stopped early (error, end of input); a full channel is fine.
                let _ = tickets.try_send(spare);
                totals.records += done.records as u64;
                totals.bytes += done.bytes as u64;
                let skipped = totals.absorb(report);
                progress(totals, &skipped)?;
            }
        }
        if self.interrupted.load(Ordering::Relaxed) {
            return Err(RunError::Interrupted);
        }
        if let Some(seq) = pending.keys().next() {
            return Err(RunError::Internal(format!(
                "chunk {next} never came back (chunk {seq} did)"
            )));
        }
        Ok(())
    }
}

/// Flattens one chunk; gives its batches, report and emptied buffers back.
fn flatten(flattener: &mut Flattener, mut chunk: Chunk) -> Done {
    let first = match (chunk.records.first(), chunk.names.first()) {
        (Some((_, _, loc)), names) => Location {
            source: names.and_then(|(_, (s, _))| s.clone()),
            origin: names.and_then(|(_, (_, o))| o.clone()),
            ..loc.clone()
        },
        (None, _) => Location::record(chunk.first),
    };
    let mut outcome = Ok(());
    // This thread's own copies of the inputs' names (see `Chunk::names`).
    let mut names = chunk.names.iter().peekable();
    let mut current: Names = (None, None);
    let mut problems = chunk.problems.iter().peekable();
    for (i, (start, end, loc)) in chunk.records.iter().enumerate() {
        while let Some((_, (source, origin))) = names.next_if(|(first, _)| *first <= i) {
            current = (
                source.as_deref().map(Arc::from),
                origin.as_deref().map(Arc::from),
            );
        }
        let loc = Location {
            source: current.0.clone(),
            origin: current.1.clone(),
            ..loc.clone()
        };
        let pushed = match problems.next_if(|(at, _)| *at == i) {
            Some((_, message)) => flattener.recover(transmog_core::Error::Framing {
                location: loc,
                message: message.clone(),
            }),
            None => flattener.push_json(&chunk.data[*start..*end], loc),
        };
        if let Err(e) = pushed {
            outcome = Err(RunError::from(e));
            break;
        }
    }
    for (i, record) in chunk.tape.records().enumerate() {
        if outcome.is_err() {
            break;
        }
        let loc = Location::record(chunk.first + i as u64);
        outcome = flattener.push(record, loc).map_err(RunError::from);
    }
    let mut batches = flattener.take_sealed();
    batches.extend(flattener.take_batches());
    let report = flattener.take_report();
    let made = flattener.take_made();
    // The records before an error (a worker's own column limit, a bad record) may pass
    // the limit of the run's tables first.
    let before = if outcome.is_err() {
        std::mem::take(&mut batches)
    } else {
        Vec::new()
    };
    let (records, bytes) = (chunk.len(), chunk.data.len() + chunk.tape.text_len());
    chunk.data.clear();
    chunk.records.clear();
    chunk.names.clear();
    chunk.problems.clear();
    chunk.tape.clear();
    Done {
        seq: chunk.seq,
        outcome: outcome.map(|()| (batches, report)),
        records,
        bytes,
        first,
        made,
        before,
        spare: Spare {
            data: chunk.data,
            records: chunk.records,
            tape: chunk.tape,
        },
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown".into());
    format!("a flattening thread failed: {what} (a bug: please report it with the input)")
}

/// Stack of the pipeline's threads.
const STACK: usize = 8 << 20;

/// The most a chunk's buffer is given up front (a larger `chunk_bytes` grows it as
/// records come).
const MAX_RESERVE: usize = 64 << 20;

fn thread_error(e: std::io::Error) -> RunError {
    RunError::Internal(format!("cannot start a thread: {e}"))
}

enum Stop {
    Closed,
    Read(ReadError),
}

impl From<ReadError> for Stop {
    fn from(e: ReadError) -> Self {
        Stop::Read(e)
    }
}
