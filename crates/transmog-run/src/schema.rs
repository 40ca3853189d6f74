//! A run with a schema file (`--schema FILE`, `schema_file=` in Python, Spark and Dask):
//! the saved schema it starts from, the contract that binds it, the tables it made, and
//! what it leaves behind — the updated schema and the drift against the saved one. Every
//! face runs the same steps through [`SchemaSession`]:
//!
//! 1. [`SchemaSession::open`] (or [`SchemaSession::from_text`]) before the run is made:
//!    reads the file when it exists and prepares the config;
//! 2. [`SchemaSession::start`] once the run and its sink exist: seeds the saved names;
//! 3. the run, its batches passed through [`SchemaSession::track`] (or, for a sink that
//!    keeps its own union schemas, [`SchemaSession::set_tables`] at the end);
//! 4. [`SchemaSession::note_seen`] before the run finishes, then
//!    [`SchemaSession::check_types`], [`SchemaSession::updated`] and
//!    [`SchemaSession::drift`].

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use transmog_core::schema_file::{Contract, Contracts, Drift, SavedSchema, SchemaRef};
use transmog_core::{Config, TableBatch, UnionSchema};
use transmog_io::read::ReadError;

use crate::{BatchSink, ConfigError, Result, Run, RunError, Totals};

/// One run's schema file: what was saved, what this run made.
#[derive(Debug)]
pub struct SchemaSession {
    file: Option<PathBuf>,
    saved: Option<SavedSchema>,
    contracts: Contracts,
    tables: Vec<(String, UnionSchema)>,
    seen: HashSet<(String, String)>,
}

impl SchemaSession {
    /// The schema file at `path`: read when it exists (refused when written with other
    /// naming options, or when `contracts` name a table it does not hold; its maps and
    /// the contracts go into `cfg`), else this run makes it.
    pub fn open(path: &Path, entity: &str, cfg: &mut Config, contracts: Contracts) -> Result<Self> {
        let text = match fs::read_to_string(path) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(source) => {
                return Err(RunError::Read(ReadError::Io {
                    path: path.display().to_string(),
                    source,
                }))
            }
        };
        let mut session = SchemaSession::from_text(
            text.as_deref(),
            &path.display().to_string(),
            entity,
            cfg,
            contracts,
        )?;
        session.file = Some(path.to_path_buf());
        Ok(session)
    }

    /// A schema file's content (`None`: there is none yet; `label` names it in errors),
    /// for a run that does not read it itself (a Spark or Dask task gets the driver's).
    pub fn from_text(
        text: Option<&str>,
        label: &str,
        entity: &str,
        cfg: &mut Config,
        contracts: Contracts,
    ) -> Result<Self> {
        let saved = text
            .map(|t| SavedSchema::load_for(t, entity, cfg, &contracts))
            .transpose()
            .map_err(|message| {
                RunError::Config(ConfigError::new(
                    "schema_file",
                    Some(label.to_string()),
                    message,
                ))
            })?;
        Ok(SchemaSession {
            file: None,
            // Contracts bind once there is a saved schema (the first run makes it).
            contracts: if saved.is_some() {
                contracts
            } else {
                Contracts::default()
            },
            saved,
            tables: Vec::new(),
            seen: HashSet::new(),
        })
    }

    /// The saved schema, when the file existed.
    pub fn saved(&self) -> Option<&SavedSchema> {
        self.saved.as_ref()
    }

    /// The contracts in force: those asked for once a saved schema exists, else evolve.
    pub fn contracts(&self) -> &Contracts {
        &self.contracts
    }

    /// The schema file, when the session was opened from one.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// Gives `run` the saved names, and the saved tables (empty, so that they keep
    /// their columns in their places) to this session and to `sink` when one is given
    /// (a file sink; an in-memory result lists only tables with rows). Under
    /// [`Contract::Discard`] the run drops new tables and columns from now on.
    pub fn start(&mut self, run: &mut Run, sink: Option<&mut dyn BatchSink>) -> Result<()> {
        let Some(saved) = self.saved.take() else {
            return Ok(());
        };
        let mut none = |_: &[TableBatch]| Ok(());
        let sink: &mut dyn BatchSink = sink.unwrap_or(&mut none);
        let seeded = run.seed(&saved, &mut Tracked::new(sink, Some(self)));
        self.saved = Some(saved);
        seeded?;
        if self.contracts.any(Contract::Discard) {
            run.discard_new(&self.contracts);
        }
        Ok(())
    }

    /// Folds batches on their way to a sink into the tables this run made.
    pub fn track(&mut self, batches: &[TableBatch]) -> Result<()> {
        for b in batches {
            let at = match self.tables.iter().position(|(n, _)| **n == *b.table) {
                Some(at) => at,
                None => {
                    self.tables.push((b.table.to_string(), UnionSchema::new()));
                    self.tables.len() - 1
                }
            };
            self.tables[at]
                .1
                .merge(&b.batch)
                .map_err(|e| RunError::Internal(format!("table {}: {e}", b.table)))?;
        }
        Ok(())
    }

    /// The tables this run made, as a sink that keeps its own union schemas gives them
    /// (instead of [`Self::track`]).
    pub fn set_tables(&mut self, now: &[(String, SchemaRef)]) {
        self.tables = now
            .iter()
            .map(|(name, schema)| {
                let mut union = UnionSchema::new();
                // A schema that a sink accepted merges into an empty union.
                let _ = union.merge_fields(schema, |_| false);
                (name.clone(), union)
            })
            .collect();
    }

    /// The tables this run made so far, with their union schemas.
    pub fn tables(&self) -> Vec<(String, SchemaRef)> {
        self.tables
            .iter()
            .map(|(n, u)| (n.clone(), Arc::clone(u.schema())))
            .collect()
    }

    /// Remembers which saved columns the run's records had (call after the run's last
    /// flush, before it finishes).
    pub fn note_seen(&mut self, run: &Run) {
        let Some(saved) = &self.saved else {
            return;
        };
        for (table, schema) in &saved.tables {
            for f in schema.fields() {
                if run.seen(table, f.name()) {
                    self.seen.insert((table.clone(), f.name().clone()));
                }
            }
        }
    }

    /// Refuses a saved column whose type had to widen in a table that
    /// [`Contract::Freeze`] binds (new tables and columns were refused record by record).
    pub fn check_types(&self) -> Result<()> {
        let Some(saved) = &self.saved else {
            return Ok(());
        };
        if !self.contracts.any(Contract::Freeze) {
            return Ok(());
        }
        let drift = Drift::between(saved, &self.tables(), &|_, _| true, &|_, _| None);
        let frozen = drift
            .widened
            .iter()
            .find(|(t, ..)| self.contracts.of(t) == Contract::Freeze);
        match frozen {
            None => Ok(()),
            Some((table, column, from, to)) => {
                Err(RunError::Data(transmog_core::Error::SchemaTypeChanged {
                    table: table.clone(),
                    column: column.clone(),
                    from: from.clone(),
                    to: to.clone(),
                }))
            }
        }
    }

    /// The schema after this run (see [`SavedSchema::after_run`]); `cfg` is the config
    /// the run was made with.
    pub fn updated(&self, entity: &str, cfg: &Config, totals: &Totals) -> SavedSchema {
        SavedSchema::after_run(
            self.saved.as_ref(),
            entity,
            cfg,
            &totals.report.maps_detected,
            &self.tables(),
        )
    }

    /// What changed against the saved schema (none without one).
    pub fn drift(&self, totals: &Totals) -> Option<Drift> {
        let saved = self.saved.as_ref()?;
        let seen = |t: &str, c: &str| self.seen.contains(&(t.to_string(), c.to_string()));
        Some(Drift::of_run(
            saved,
            &self.tables(),
            &seen,
            &totals.report.first_new,
        ))
    }

    /// Writes `schema` to the session's file (aside, flushed, renamed); nothing for a
    /// session made from text.
    pub fn write(&self, schema: &SavedSchema) -> Result<()> {
        let Some(path) = &self.file else {
            return Ok(());
        };
        transmog_io::write_file_atomically(path, schema.to_json().as_bytes())
            .map_err(RunError::Sink)
    }
}

/// A sink whose batches a [`SchemaSession`] (when there is one) tracks on their way.
pub struct Tracked<'a, S: BatchSink + ?Sized = dyn BatchSink> {
    sink: &'a mut S,
    session: Option<&'a mut SchemaSession>,
}

impl<'a, S: BatchSink + ?Sized> Tracked<'a, S> {
    /// Batches go to `sink`, their schemas into `session`.
    pub fn new(sink: &'a mut S, session: Option<&'a mut SchemaSession>) -> Self {
        Tracked { sink, session }
    }
}

impl<S: BatchSink + ?Sized> BatchSink for Tracked<'_, S> {
    fn write(&mut self, batches: &[TableBatch]) -> Result<()> {
        if let Some(session) = self.session.as_deref_mut() {
            session.track(batches)?;
        }
        self.sink.write(batches)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::{Collect, Fault, Input, RunOptions};

    fn typed() -> Config {
        let mut cfg = Config::default();
        cfg.set("cast_to_string", &false.into()).unwrap();
        cfg
    }

    /// One run of `lines` (JSON Lines) with the schema file at `path`.
    fn day(path: &Path, lines: &str, contract: Contract) -> Result<(SchemaSession, Totals)> {
        let mut cfg = typed();
        let mut session = SchemaSession::open(path, "feed", &mut cfg, Contracts::all(contract))?;
        let mut run = Run::new("feed", cfg.clone(), RunOptions::default())?;
        let mut tables = Collect::new("feed");
        session.start(&mut run, None)?;
        let input = Input::bytes("day.jsonl", lines.as_bytes().to_vec());
        run.read(
            vec![input],
            &mut Tracked::new(&mut tables, Some(&mut session)),
        )?;
        run.flush(&mut Tracked::new(&mut tables, Some(&mut session)))?;
        session.note_seen(&run);
        let totals = run.finish(&mut Tracked::new(&mut tables, Some(&mut session)))?;
        session.check_types()?;
        session.write(&session.updated("feed", &cfg, &totals))?;
        Ok((session, totals))
    }

    /// `(name, source path)` of the columns of `table`.
    fn columns(session: &SchemaSession, table: &str) -> Vec<(String, Option<String>)> {
        let tables = session.tables();
        let (_, schema) = tables.iter().find(|(n, _)| n == table).unwrap();
        schema
            .fields()
            .iter()
            .map(|f| {
                (
                    f.name().clone(),
                    f.metadata().get(transmog_core::PATH_KEY).cloned(),
                )
            })
            .collect()
    }

    #[test]
    fn a_session_keeps_names_reports_drift_and_binds_its_contract() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("schema.json");
        // Day 1 makes the file: `a_b` is the field `a_b`, `a.b` becomes `a_b_2`.
        let (first, _) = day(&path, "{\"a_b\":1}\n{\"a\":{\"b\":2}}\n", Contract::Freeze).unwrap();
        assert_eq!(
            first.contracts().default,
            Contract::Evolve,
            "nothing saved to hold to yet"
        );
        assert!(first.drift(&Totals::default()).is_none());
        let saved = fs::read_to_string(&path).unwrap();
        // Day 2 meets the shapes in the other order, plus a new field on line 2.
        let (second, totals) = day(
            &path,
            "{\"a\":{\"b\":3}}\n{\"a_b\":4,\"c\":\"x\"}\n",
            Contract::Evolve,
        )
        .unwrap();
        // The same names for the same paths, then the new column.
        let (before, now) = (columns(&first, "feed"), columns(&second, "feed"));
        assert_eq!(before.len(), 4);
        assert_eq!(before[..], now[..4]);
        assert_eq!(now[4].0, "c");
        let drift = second.drift(&totals).unwrap();
        assert_eq!(drift.new_columns.len(), 1);
        assert_eq!(drift.new_columns[0].column, "c");
        assert_eq!(drift.new_columns[0].first.as_deref(), Some("day.jsonl:2"));
        assert!(drift.missing_columns.is_empty(), "{drift:?}");
        assert_ne!(fs::read_to_string(&path).unwrap(), saved, "c was added");
        // Frozen: a type change is refused and the file stays as it was.
        let before = fs::read_to_string(&path).unwrap();
        let err = day(&path, "{\"a_b\":\"text\"}\n", Contract::Freeze).unwrap_err();
        assert_eq!(err.fault(), Fault::Data);
        assert!(
            err.to_string()
                .contains("column feed.a_b would change type from int64 to string"),
            "{err}"
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), before);
    }

    #[test]
    fn a_schema_from_other_naming_options_is_a_config_error() {
        let saved = SavedSchema::new("feed", &Config::default(), Vec::new(), Vec::new());
        let mut cfg = Config::default();
        cfg.set("separator", &".".into()).unwrap();
        let err = SchemaSession::from_text(
            Some(&saved.to_json()),
            "s.json",
            "feed",
            &mut cfg,
            Contracts::default(),
        )
        .unwrap_err();
        assert_eq!(err.fault(), Fault::Config);
        assert!(err.to_string().contains("separator `_`"), "{err}");
    }
}
