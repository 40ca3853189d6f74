//! `transmog convert`: inputs through the run engine into one file per table.

use std::io::Write;
use std::time::Instant;

use anyhow::{Context, Result};
use transmog_io::TableSink;
use transmog_run::{Run, RunOptions};

use crate::args::ConvertArgs;
use crate::{progress, signals, summary};

pub fn run(args: &ConvertArgs) -> Result<()> {
    let started = Instant::now();
    let cfg = args.config()?;
    let opts = args.sink_options()?;
    let entity = args.entity_name();
    let inputs = args.inputs()?;
    let run_opts = RunOptions {
        threads: args.threads,
        chunk_records: args.batch_size.max(1),
        interrupted: signals::interrupt_flag()?,
    };
    let mut run = Run::new(&entity, cfg, run_opts)?;
    let mut sink = TableSink::create(&args.output, opts)
        .with_context(|| format!("cannot write to {}", args.output.display()))?;
    sink.set_entity(&entity);
    let bar = progress::bar(args.quiet, args.total_bytes());
    let mut errors = progress::ErrorsFile::create(args.errors_file.as_deref())?;
    let outcome = run.read_with_progress(inputs, &mut sink, &mut |t, skipped| {
        if let Some(bar) = &bar {
            bar.set_position(t.bytes);
            bar.set_message(format!("{} records", t.records));
        }
        errors.write(skipped)?;
        Ok(())
    });
    let flushed = errors.finish();
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    if let Err(e) = outcome.map_err(anyhow::Error::from).and(flushed) {
        sink.abort();
        return Err(e);
    }
    let totals = run.finish(&mut sink)?;
    let outputs = sink.finish()?;
    if !args.quiet {
        summary::print(&totals, &outputs, started);
    }
    std::io::stderr().flush()?;
    Ok(())
}
