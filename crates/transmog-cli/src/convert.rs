//! `transmog convert`: inputs through the run engine into one file per table.

use std::io::Write;
use std::time::Instant;

use anyhow::{Context, Result};
use transmog_io::TableSink;
use transmog_run::{Run, RunError, RunOptions, SchemaSession};

use crate::args::{ContractArg, ConvertArgs, LayoutArg};
use crate::{progress, schema, signals, summary};

pub fn run(args: &ConvertArgs) -> Result<()> {
    let started = Instant::now();
    let mut cfg = args.config()?;
    let opts = args.sink_options()?;
    let entity = args.entity_name();
    let inputs = args.inputs()?;
    if args.schema.is_none()
        && (args.schema_contract != ContractArg::Evolve || !args.table_contract.is_empty())
    {
        anyhow::bail!("--schema-contract and --table-contract need --schema FILE");
    }
    if args.append && args.schema.is_none() {
        anyhow::bail!("--append needs --schema FILE (every run must name the same fields alike)");
    }
    let mut session = match &args.schema {
        Some(path) => Some(SchemaSession::open(
            path,
            &entity,
            &mut cfg,
            args.contracts(),
        )?),
        None => None,
    };
    let run_cfg = cfg.clone();
    let run_opts = RunOptions {
        threads: args.threads,
        chunk_records: args.batch_size.max(1),
        chunk_bytes: usize::try_from(args.chunk_bytes)
            .unwrap_or(usize::MAX)
            .max(1),
        interrupted: signals::interrupt_flag()?,
    };
    let mut run = Run::new(&entity, run_cfg, run_opts)?;
    let mut sink = TableSink::create(&args.output, opts)
        .with_context(|| format!("cannot write to {}", args.output.display()))?;
    signals::forward_to(&sink.stop_flag())?;
    sink.set_entity(&entity);
    if args.append || args.layout == LayoutArg::Dataset {
        // Sortable by time, unique per process: parts list in run order.
        let stamp: String = transmog_core::ids::now_timestamp()
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        sink.set_dataset(&format!("{stamp}-{}", std::process::id()), args.append);
    }
    if let Some(session) = &mut session {
        session.start(&mut run, Some(&mut sink))?;
    }
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
    if let Err(e) = run.flush(&mut sink) {
        sink.abort();
        return Err(e.into());
    }
    if let Some(session) = &mut session {
        session.note_seen(&run);
    }
    let totals = run.finish(&mut sink)?;
    if let Some(session) = &mut session {
        session.set_tables(&sink.schemas());
        if let Err(e) = session.check_types() {
            sink.abort();
            return Err(e.into());
        }
    }
    // The updated schema file is committed with the tables when it is in the output
    // folder, else written on its own after them.
    let plan = args
        .schema
        .as_deref()
        .and_then(|p| schema::Plan::new(p, &args.output));
    let updated = session.as_ref().map(|s| s.updated(&entity, &cfg, &totals));
    let outputs = sink
        .finish_with(|_| match (&plan, &updated) {
            (Some(plan), Some(next)) => plan.files(next),
            _ => Vec::new(),
        })
        .map_err(RunError::from)?;
    if let (Some(session), Some(next)) = (&session, &updated) {
        if !plan.as_ref().is_some_and(|p| p.in_output) {
            session.write(next)?;
        }
    }
    let drift = session.as_ref().and_then(|s| s.drift(&totals));
    if let Some(path) = &args.report {
        schema::write_report(path, &totals, &outputs, drift.as_ref())?;
    }
    if !args.quiet {
        summary::print(&totals, &outputs, started);
        if let Some(drift) = &drift {
            summary::print_drift(drift, args.schema.as_deref());
        }
    }
    std::io::stderr().flush()?;
    Ok(())
}
