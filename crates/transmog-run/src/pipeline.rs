//! The parallel ordered pipeline: a reader thread frames inputs into chunks of records,
//! worker threads parse and flatten chunks, and the calling thread puts results back in
//! input order, gives columns their run-wide names and hands them to the sink.
//!
//! Output does not depend on the number of workers: chunks are cut by record count,
//! every worker flattens with the same options (one timestamp for the run), and the
//! [`NameRegistry`] names columns in input order, as one flattener would.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use crossbeam_channel::{bounded, Receiver, Sender};
use transmog_core::merge::NameRegistry;
use transmog_core::report::Skipped;
use transmog_core::{Config, Flattener, Location, TableBatch};
use transmog_io::read::{self, ReadError};

use crate::error::{Result, RunError};
use crate::input::Input;
use crate::{BatchSink, Totals};

/// Framed records of one chunk: one buffer, record boundaries and positions.
struct Chunk {
    seq: u64,
    data: Vec<u8>,
    records: Vec<(usize, usize, Location)>,
}

/// What a worker made of a chunk.
struct Done {
    seq: u64,
    outcome: Result<(Vec<TableBatch>, transmog_core::Report)>,
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

/// One pipeline pass over `inputs`.
pub(crate) struct Pass<'a> {
    pub entity: &'a str,
    pub cfg: &'a Config,
    pub threads: usize,
    pub chunk_records: usize,
    pub interrupted: &'a AtomicBool,
}

impl Pass<'_> {
    /// Runs the pipeline; `sink` receives each chunk's batches (renamed by `names`),
    /// chunks in input order, and `progress` is called after each chunk.
    pub fn run(
        &self,
        inputs: Vec<Input>,
        names: &mut NameRegistry,
        totals: &mut Totals,
        sink: &mut dyn BatchSink,
        progress: &mut dyn FnMut(&Totals, &[Skipped]) -> Result<()>,
    ) -> Result<()> {
        let threads = self.threads.max(1);
        let (work_tx, work_rx) = bounded::<Work>(threads);
        let (done_tx, done_rx) = bounded::<Done>(threads);
        // Tickets bound the chunks in flight (read, flattened or waiting for their turn),
        // so memory stays flat even when one chunk is slow and later ones pile up.
        let in_flight = threads * 2 + 1;
        let (ticket_tx, ticket_rx) = bounded::<Spare>(in_flight);
        for _ in 0..in_flight {
            let _ = ticket_tx.send(Spare::default());
        }
        thread::scope(|scope| -> Result<()> {
            scope.spawn(|| self.reader(inputs, work_tx, ticket_rx));
            for _ in 0..threads {
                let rx = work_rx.clone();
                let tx = done_tx.clone();
                scope.spawn(move || self.worker(rx, tx));
            }
            drop(done_tx);
            drop(work_rx);
            let result = self.collect(&done_rx, &ticket_tx, names, totals, sink, progress);
            // Unblock the other threads if we stopped early: workers fail to send, the
            // reader fails to get a ticket. Without this the scope would wait forever.
            drop(done_rx);
            drop(ticket_tx);
            result
        })
    }

    fn reader(&self, inputs: Vec<Input>, tx: Sender<Work>, tickets: Receiver<Spare>) {
        let mut seq = 0u64;
        let mut chunk = Chunk::new(seq, Spare::default());
        // The chunk being filled holds no ticket yet; it takes one when it is sent.
        for input in inputs {
            let source = input.label.clone();
            let origin = input.origin.clone();
            let format = input.format.clone();
            let reader = match input.open() {
                Ok(r) => r,
                Err(e) => {
                    let _ = tx.send(Work::Chunk(chunk));
                    let _ = tx.send(Work::Failed(seq + 1, e));
                    return;
                }
            };
            let mut record = 0u64;
            let outcome = read::for_each_record::<Stop>(&source, format, reader, |r| {
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
                if chunk.records.len() >= self.chunk_records {
                    if self.interrupted.load(Ordering::Relaxed) {
                        return Err(Stop::Closed);
                    }
                    let spare = tickets.recv().map_err(|_| Stop::Closed)?;
                    seq += 1;
                    let full = std::mem::replace(&mut chunk, Chunk::new(seq, spare));
                    tx.send(Work::Chunk(full)).map_err(|_| Stop::Closed)?;
                }
                Ok(())
            });
            match outcome {
                Ok(()) => {}
                Err(Stop::Closed) => return,
                Err(Stop::Read(e)) => {
                    // Records framed before the error still go first, in order.
                    let _ = tx.send(Work::Chunk(chunk));
                    let _ = tx.send(Work::Failed(seq + 1, e));
                    return;
                }
            }
        }
        if !chunk.records.is_empty() {
            let _ = tx.send(Work::Chunk(chunk));
        }
    }

    fn worker(&self, rx: Receiver<Work>, tx: Sender<Done>) {
        // `Run::new` validated the options with the same call.
        let Ok(mut flattener) = Flattener::new(self.entity, self.cfg.clone()) else {
            return;
        };
        flattener.keep_all_skipped();
        for work in rx.iter() {
            let done = match work {
                Work::Failed(seq, e) => Done {
                    seq,
                    outcome: Err(RunError::Read(e)),
                    records: 0,
                    bytes: 0,
                    spare: Spare::default(),
                },
                Work::Chunk(mut chunk) => {
                    let mut outcome = Ok(());
                    for (start, end, loc) in &chunk.records {
                        if let Err(e) = flattener.push_json(&chunk.data[*start..*end], loc.clone())
                        {
                            outcome = Err(RunError::from(e));
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
        &self,
        rx: &Receiver<Done>,
        tickets: &Sender<Spare>,
        names: &mut NameRegistry,
        totals: &mut Totals,
        sink: &mut dyn BatchSink,
        progress: &mut dyn FnMut(&Totals, &[Skipped]) -> Result<()>,
    ) -> Result<()> {
        let mut pending: BTreeMap<u64, Done> = BTreeMap::new();
        let mut next = 0u64;
        for done in rx.iter() {
            if self.interrupted.load(Ordering::Relaxed) {
                return Err(RunError::Interrupted);
            }
            pending.insert(done.seq, done);
            while let Some(mut done) = pending.remove(&next) {
                next += 1;
                // The reader may stop early (error, end of input); a full channel is fine.
                let _ = tickets.try_send(std::mem::take(&mut done.spare));
                let (batches, report) = done.outcome?;
                let batches: Vec<TableBatch> =
                    batches.into_iter().map(|b| names.rename(b)).collect();
                if !batches.is_empty() {
                    sink.write(&batches)?;
                }
                totals.records += done.records as u64;
                totals.bytes += done.bytes as u64;
                let skipped = totals.absorb(report);
                progress(totals, &skipped)?;
            }
        }
        if self.interrupted.load(Ordering::Relaxed) {
            return Err(RunError::Interrupted);
        }
        Ok(())
    }
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
