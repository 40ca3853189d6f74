//! What a run shows while it works: a progress bar on a terminal, and the errors file
//! that lists every skipped record.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use transmog_core::report::Skipped;
use transmog_core::text::push_json_string;
use transmog_run::RunError;

/// A progress bar on stderr when it is a terminal (bytes of input framed so far); a
/// spinner when the total is unknown.
pub fn bar(quiet: bool, total: Option<u64>) -> Option<ProgressBar> {
    use std::io::IsTerminal;
    if quiet || !std::io::stderr().is_terminal() {
        return None;
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

/// `--errors-file`: every skipped record as one JSON object per line.
pub struct ErrorsFile(Option<BufWriter<File>>);

impl ErrorsFile {
    pub fn create(path: Option<&Path>) -> Result<Self> {
        Ok(ErrorsFile(match path {
            Some(p) => Some(BufWriter::new(
                File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
            )),
            None => None,
        }))
    }

    pub fn write(&mut self, skipped: &[Skipped]) -> Result<(), RunError> {
        if let Some(w) = self.0.as_mut() {
            for s in skipped {
                writeln!(w, "{}", skipped_json(s)).map_err(|e| {
                    RunError::Sink(transmog_io::Error::Io {
                        table: String::new(),
                        path: "--errors-file".into(),
                        source: e,
                    })
                })?;
            }
        }
        Ok(())
    }

    pub fn finish(self) -> Result<()> {
        if let Some(mut w) = self.0 {
            w.flush()?;
        }
        Ok(())
    }
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
