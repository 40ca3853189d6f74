//! `transmog convert`: inputs through the run engine into one file per table.

use std::collections::HashSet;
use std::io::Write;
use std::time::Instant;

use anyhow::{Context, Result};
use transmog_io::TableSink;
use transmog_run::{Run, RunOptions};

use crate::args::{ContractArg, ConvertArgs, LayoutArg};
use crate::{progress, schema, signals, summary};

pub fn run(args: &ConvertArgs) -> Result<()> {
    let started = Instant::now();
    let mut cfg = args.config()?;
    let opts = args.sink_options()?;
    let entity = args.entity_name();
    let inputs = args.inputs()?;
    if args.schema.is_none() && args.schema_contract != ContractArg::Evolve {
        anyhow::bail!("--schema-contract needs --schema FILE");
    }
    if args.append && args.schema.is_none() {
        anyhow::bail!("--append needs --schema FILE (every run must name the same fields alike)");
    }
    let saved = match &args.schema {
        Some(path) if path.exists() => Some(schema::load(path, &entity, &mut cfg)?),
        _ => None,
    };
    // Contracts bind once there is a saved schema (the first run makes it).
    let contract = saved
        .as_ref()
        .map_or(ContractArg::Evolve, |_| args.schema_contract);
    if let Some(saved) = &saved {
        let paths = std::sync::Arc::new(saved.paths());
        if contract == ContractArg::Freeze {
            cfg.frozen = Some(paths);
        } else {
            cfg.known = Some(paths);
        }
    }
    let run_cfg = cfg.clone();
    let run_opts = RunOptions {
        threads: args.threads,
        chunk_records: args.batch_size.max(1),
        interrupted: signals::interrupt_flag()?,
    };
    let mut run = Run::new(&entity, run_cfg, run_opts)?;
    let mut sink = TableSink::create(&args.output, opts)
        .with_context(|| format!("cannot write to {}", args.output.display()))?;
    sink.set_entity(&entity);
    if args.append || args.layout == LayoutArg::Dataset {
        // Sortable by time, unique per process: parts list in run order.
        let stamp: String = transmog_core::ids::now_timestamp()
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        sink.set_dataset(&format!("{stamp}-{}", std::process::id()), args.append);
    }
    if let Some(saved) = &saved {
        run.seed(saved, &mut sink)?;
        if contract == ContractArg::Discard {
            run.discard_new();
        }
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
    // Which saved columns this run's records had, for the drift report.
    let seen: HashSet<(String, String)> = saved
        .iter()
        .flat_map(|s| s.tables.iter())
        .flat_map(|(t, schema)| {
            schema
                .fields()
                .iter()
                .map(move |f| (t.clone(), f.name().clone()))
        })
        .filter(|(t, c)| run.seen(t, c))
        .collect();
    let totals = run.finish(&mut sink)?;
    if let (ContractArg::Freeze, Some(saved)) = (contract, &saved) {
        if let Err(e) = schema::check_types(saved, &sink.schemas()) {
            sink.abort();
            return Err(e);
        }
    }
    let plan = schema::Plan::new(args.schema.as_deref(), &args.output);
    let mut updated = None;
    let outputs = sink.finish_with(|outputs| {
        let Some(plan) = &plan else {
            return Vec::new();
        };
        let next = schema::updated(saved.as_ref(), &entity, &cfg, &totals, outputs);
        let files = plan.in_output(&next);
        updated = Some(next);
        files
    })?;
    if let (Some(plan), Some(next)) = (&plan, &updated) {
        plan.write_outside(next)?;
    }
    let drift = saved.as_ref().map(|s| {
        schema::drift(s, &outputs, &totals, &|t, c| {
            seen.contains(&(t.to_string(), c.to_string()))
        })
    });
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
