//! The conversion pipeline: a reader thread frames input into chunks of records, N
//! worker threads parse and flatten chunks, and the calling thread puts results back
//! in input order, gives columns their run-wide names and writes them.
//!
//! Output does not depend on the number of workers: chunks are cut by record count,
//! every worker flattens with the same options (one timestamp for the run), and the
//! [`NameRegistry`] names columns in input order, as one flattener would.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;

use anyhow::{anyhow, Result};
use crossbeam_channel::{bounded, Receiver, Sender};
use transmog_core::merge::NameRegistry;
use transmog_core::report::{Report, Skipped};
use transmog_core::{Config, Flattener, Location, TableBatch};
use transmog_io::read::{self, InputFormat, ReadError};

/// The run was stopped by SIGINT/SIGTERM.
#[derive(Debug, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted;

/// Framed records of one chunk: one buffer, record boundaries and positions.
struct Chunk {
    seq: u64,
    data: Vec<u8>,
    records: Vec<(usize, usize, Location)>,
}

/// What a worker made of a chunk.
struct Done {
    seq: u64,
    outcome: Result<(Vec<TableBatch>, Report), transmog_core::Error>,
    records: usize,
    bytes: usize,
    /// The chunk's buffers, emptied, going back to the reader with the next ticket.
    spare: Spare,
}

/// Emptied chunk buffers: reusing them spares the allocator and the page faults of a
/// fresh 4 MiB buffer per chunk.
#[derive(Default)]
struct Spare {
    data: Vec<u8>,
    records: Vec<(usize, usize, Location)>,
}

impl Chunk {
    fn new(seq: u64, spare: Spare) -> Chunk {
        let mut data = spare.data;
        data.reserve(1 << 22);
        Chunk {
            seq,
            data,
            records: spare.records,
        }
    }
}

enum Work {
    Chunk(Chunk),
    Failed(u64, ReadError),
}

/// Progress and totals seen by the writer side.
#[derive(Debug, Default, Clone)]
pub struct Totals {
    /// Records read (skipped ones included; see `report.skipped_count`).
    pub records: u64,
    pub bytes: u64,
    pub report: Report,
}

/// Pipeline settings.
pub struct Options {
    /// Set (by a signal handler) to stop at the next chunk boundary.
    pub interrupted: Arc<AtomicBool>,
    pub inputs: Vec<String>,
    /// Each input's stable name for position ids (`None`: its path as given).
    pub origins: Vec<Option<Arc<str>>>,
    pub format: InputFormat,
    pub chunk_records: usize,
    pub threads: usize,
}

/// Runs the pipeline; `sink` receives each chunk's batches, chunks in input order, and
/// `progress` is called after each chunk with running totals.
pub fn run(
    opts: &Options,
    entity: &str,
    cfg: &Config,
    mut sink: impl FnMut(&[TableBatch]) -> Result<()>,
    mut progress: impl FnMut(&Totals, &[Skipped]) -> Result<()>,
) -> Result<Totals> {
    // Validate once, up front, with the caller's thread.
    Flattener::new(entity, cfg.clone())?;
    let threads = opts.threads.max(1);
    let (work_tx, work_rx) = bounded::<Work>(threads);
    let (done_tx, done_rx) = bounded::<Done>(threads);
    // Tickets bound the chunks in flight (read, flattened or waiting for their turn),
    // so memory stays flat even when one chunk is slow and later ones pile up.
    let in_flight = threads * 2 + 1;
    let (ticket_tx, ticket_rx) = bounded::<Spare>(in_flight);
    for _ in 0..in_flight {
        let _ = ticket_tx.send(Spare::default());
    }

    thread::scope(|scope| -> Result<Totals> {
        scope.spawn(|| reader(opts, work_tx, ticket_rx));
        for _ in 0..threads {
            let rx = work_rx.clone();
            let tx = done_tx.clone();
            scope.spawn(move || worker(entity, cfg, rx, tx));
        }
        drop(done_tx);
        drop(work_rx);
        let result = collect(
            &done_rx,
            &ticket_tx,
            &opts.interrupted,
            &cfg.separator,
            &mut sink,
            &mut progress,
        );
        // Unblock the other threads if we stopped early: workers fail to send, the
        // reader fails to get a ticket. Without this the scope would wait forever.
        drop(done_rx);
        drop(ticket_tx);
        result
    })
}

fn reader(opts: &Options, tx: Sender<Work>, tickets: Receiver<Spare>) {
    let mut seq = 0u64;
    let mut chunk = Chunk::new(seq, Spare::default());
    // The chunk being filled holds no ticket yet; it takes one when it is sent.
    for (i, path) in opts.inputs.iter().enumerate() {
        let origin = opts.origins.get(i).cloned().flatten();
        let source: Arc<str> = if path == "-" {
            "<stdin>".into()
        } else {
            path.as_str().into()
        };
        let reader = match read::open(path) {
            Ok(r) => r,
            Err(source_err) => {
                let _ = tx.send(Work::Failed(
                    seq,
                    ReadError::Io {
                        path: path.clone(),
                        source: source_err,
                    },
                ));
                return;
            }
        };
        let mut record = 0u64;
        let outcome = read::for_each_record::<SendError>(path, opts.format.clone(), reader, |r| {
            let start = chunk.data.len();
            chunk.data.extend_from_slice(r.bytes);
            chunk.records.push((
                start,
                chunk.data.len(),
                Location {
                    source: Some(source.clone()),
                    line: Some(r.line),
                    record,
                    origin: origin.clone(),
                },
            ));
            record += 1;
            if chunk.records.len() >= opts.chunk_records {
                if opts.interrupted.load(Ordering::Relaxed) {
                    return Err(SendError::Closed);
                }
                let spare = tickets.recv().map_err(|_| SendError::Closed)?;
                seq += 1;
                let full = std::mem::replace(&mut chunk, Chunk::new(seq, spare));
                tx.send(Work::Chunk(full)).map_err(|_| SendError::Closed)?;
            }
            Ok(())
        });
        match outcome {
            Ok(()) => {}
            Err(SendError::Closed) => return,
            Err(SendError::Read(e)) => {
                // Records framed before the error still go first, in order.
                let pending = std::mem::replace(
                    &mut chunk,
                    Chunk {
                        seq: seq + 1,
                        data: Vec::new(),
                        records: Vec::new(),
                    },
                );
                let _ = tx.send(Work::Chunk(pending));
                let _ = tx.send(Work::Failed(seq + 1, e));
                return;
            }
        }
    }
    if !chunk.records.is_empty() {
        let _ = tx.send(Work::Chunk(chunk));
    }
}

enum SendError {
    Closed,
    Read(ReadError),
}

impl From<ReadError> for SendError {
    fn from(e: ReadError) -> Self {
        SendError::Read(e)
    }
}

fn worker(entity: &str, cfg: &Config, rx: Receiver<Work>, tx: Sender<Done>) {
    let mut flattener = match Flattener::new(entity, cfg.clone()) {
        Ok(f) => f,
        Err(_) => return,
    };
    flattener.keep_all_skipped();
    for work in rx.iter() {
        let done = match work {
            Work::Failed(seq, e) => Done {
                seq,
                outcome: Err(transmog_core::Error::Config {
                    parameter: "input".into(),
                    message: e.to_string(),
                }),
                records: 0,
                bytes: 0,
                spare: Spare::default(),
            },
            Work::Chunk(mut chunk) => {
                let mut outcome = Ok(());
                for (start, end, loc) in &chunk.records {
                    if let Err(e) = flattener.push_json(&chunk.data[*start..*end], loc.clone()) {
                        outcome = Err(e);
                        break;
                    }
                }
                let mut batches = flattener.take_sealed();
                batches.extend(flattener.take_batches());
                let report = flattener.take_report();
                let (records, bytes) = (chunk.records.len(), chunk.data.len());
                chunk.data.clear();
                chunk.records.clear();
                Done {
                    seq: chunk.seq,
                    outcome: outcome.map(|()| (batches, report)),
                    records,
                    bytes,
                    spare: Spare {
                        data: chunk.data,
                        records: chunk.records,
                    },
                }
            }
        };
        if tx.send(done).is_err() {
            return;
        }
    }
}

fn collect(
    rx: &Receiver<Done>,
    tickets: &Sender<Spare>,
    interrupted: &AtomicBool,
    separator: &str,
    sink: &mut impl FnMut(&[TableBatch]) -> Result<()>,
    progress: &mut impl FnMut(&Totals, &[Skipped]) -> Result<()>,
) -> Result<Totals> {
    let mut pending: BTreeMap<u64, Done> = BTreeMap::new();
    let mut next = 0u64;
    let mut names = NameRegistry::new(separator);
    let mut totals = Totals::default();
    for done in rx.iter() {
        if interrupted.load(Ordering::Relaxed) {
            return Err(Interrupted.into());
        }
        pending.insert(done.seq, done);
        while let Some(mut done) = pending.remove(&next) {
            next += 1;
            // The reader may stop early (error, end of input); a full channel is fine.
            let _ = tickets.try_send(std::mem::take(&mut done.spare));
            let (batches, report) = match done.outcome {
                Ok(ok) => ok,
                Err(transmog_core::Error::Config { parameter, message })
                    if parameter == "input" =>
                {
                    return Err(anyhow!(message))
                }
                Err(e) => return Err(e.into()),
            };
            let batches: Vec<TableBatch> = batches.into_iter().map(|b| names.rename(b)).collect();
            sink(&batches)?;
            let skipped = report.skipped.clone();
            merge_report(&mut totals.report, report);
            totals.records += done.records as u64;
            totals.bytes += done.bytes as u64;
            progress(&totals, &skipped)?;
        }
    }
    if interrupted.load(Ordering::Relaxed) {
        return Err(Interrupted.into());
    }
    let renamed = names.report();
    totals.report.collisions = renamed.collisions.clone();
    totals.report.collision_count = renamed.collision_count;
    Ok(totals)
}

fn merge_report(into: &mut Report, from: Report) {
    into.truncation_count += from.truncation_count;
    into.truncations.extend(
        from.truncations
            .into_iter()
            .take(1000usize.saturating_sub(into.truncations.len())),
    );
    into.skipped_count += from.skipped_count;
    into.skipped.extend(
        from.skipped
            .into_iter()
            .take(1000usize.saturating_sub(into.skipped.len())),
    );
}
