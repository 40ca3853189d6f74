//! `transmog`: flattens nested JSON records into relational tables (a main table plus
//! one child table per nested array, linked by generated ids) and writes them as
//! Parquet, CSV or JSON Lines.

mod alloc;
mod args;
mod convert;
mod progress;
mod schema;
mod signals;
mod summary;
mod unflatten_cmd;

use std::process::ExitCode;

use clap::Parser;
use transmog_run::{Fault, RunError};

use args::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Convert(args) => convert::run(&args),
        Command::Unflatten(args) => unflatten_cmd::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let interrupted = e
                .downcast_ref::<RunError>()
                .is_some_and(|r| r.fault() == Fault::Interrupted);
            #[allow(clippy::print_stderr)]
            if interrupted {
                eprintln!("transmog: interrupted; no output file was written");
                return ExitCode::from(130);
            } else {
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
