//! Runs conformance cases through the engine and writes each case's tables in the
//! layout `check.py` reads: `OUT/<case>/<table>.jsonl`, `_tables.json` or `_error.json`.
//!
//! Usage: `transmog-conformance CASES_DIR OUT_DIR`

use std::fs;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde_json::Value as Json;
use transmog_core::result::row_json;
use transmog_core::{value, Config, Error, FlatResult, Flattener, Location, Value};
use transmog_io::read::{InputFormat, ReadError};
use transmog_io::OptionValue;
use transmog_run::{Collect, Input, Run, RunError, RunOptions};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [cases, out] = args.as_slice() else {
        bail!("usage: transmog-conformance CASES_DIR OUT_DIR");
    };
    let mut names: Vec<_> = fs::read_dir(cases)
        .with_context(|| format!("reading {cases}"))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("options.json").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in &names {
        let case = Path::new(cases).join(name);
        let dest = Path::new(out).join(name);
        fs::create_dir_all(&dest)?;
        run_case(&case, &dest).with_context(|| format!("case {name}"))?;
    }
    Ok(())
}

fn opt<'a>(o: &'a Json, key: &str) -> &'a Json {
    o.get(key).unwrap_or(&Json::Null)
}

/// The case's options that are engine options (the rest say how to call it).
const CALL_KEYS: &[&str] = &[
    "api",
    "entity_name",
    "batch_size",
    "row_group_size",
    "compare",
];

fn option_value(j: &Json) -> OptionValue {
    match j {
        Json::Null => OptionValue::None,
        Json::Bool(b) => OptionValue::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => OptionValue::Int(i),
            None => OptionValue::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => OptionValue::Str(s.clone()),
        Json::Array(items) => OptionValue::List(items.iter().map(option_value).collect()),
        Json::Object(m) => OptionValue::Map(
            m.iter()
                .map(|(k, v)| (k.clone(), option_value(v)))
                .collect(),
        ),
    }
}

/// The engine options of a case, set by name through the one option schema
/// (`Config::set`, what the Python package uses too).
fn config_from(o: &Json) -> Result<Config, RunError> {
    let mut cfg = Config::default();
    let Json::Object(map) = o else {
        return Ok(cfg);
    };
    // The id source first: `id_mode` "deterministic" reads it.
    let mut keys: Vec<&String> = map
        .keys()
        .filter(|k| !CALL_KEYS.contains(&k.as_str()))
        .collect();
    keys.sort_by_key(|k| *k != "id_source");
    for key in keys {
        cfg.set(key, &option_value(&map[key.as_str()]))?;
    }
    Ok(cfg)
}

fn run_case(case: &Path, dest: &Path) -> Result<()> {
    let options: Json = serde_json::from_slice(&fs::read(case.join("options.json"))?)?;
    let entity = opt(&options, "entity_name")
        .as_str()
        .unwrap_or("entity")
        .to_string();
    let api = opt(&options, "api")
        .as_str()
        .unwrap_or("process")
        .to_string();
    match flatten_case(case, &options, &entity, &api) {
        Ok(result) => {
            let mut names = Vec::new();
            for (i, t) in result.tables.iter().enumerate() {
                if i > 0 && t.num_rows() == 0 {
                    continue;
                }
                names.push(t.name.to_string());
                let mut text = String::new();
                for row in t.rows() {
                    text.push_str(&row_json(&row));
                    text.push('\n');
                }
                fs::write(dest.join(format!("{}.jsonl", t.name)), text)?;
            }
            fs::write(dest.join("_tables.json"), serde_json::to_string(&names)?)?;
        }
        Err(e) => {
            let body =
                serde_json::json!({ "error": e.exception_class(), "message": e.to_string() });
            fs::write(dest.join("_error.json"), body.to_string())?;
        }
    }
    Ok(())
}

fn flatten_case(
    case: &Path,
    options: &Json,
    entity: &str,
    api: &str,
) -> Result<FlatResult, RunError> {
    let cfg = config_from(options)?;
    if api == "process_file_jsonl" {
        // A JSON Lines file goes through the run engine, as the CLI and Python read files.
        let path = case.join("input.jsonl");
        let input = Input::path(&path.to_string_lossy())
            .with_label("input.jsonl")
            .with_format(InputFormat::Jsonl);
        let mut run = Run::new(entity, cfg, RunOptions::default())?;
        let mut tables = Collect::new(entity);
        run.read(vec![input], &mut tables)?;
        let totals = run.finish(&mut tables)?;
        return tables.into_result(&totals);
    }
    let mut f = Flattener::new(entity, cfg)?;
    let text = fs::read(case.join("input.json")).map_err(|e| {
        RunError::Read(ReadError::Io {
            path: "input.json".into(),
            source: e,
        })
    })?;
    let doc = value::parse(&text).map_err(|e| Error::Parse {
        location: Location::default(),
        column: e.column,
        message: e.message,
    })?;
    // Streaming cases feed the engine batch by batch, as the streaming writer does.
    let batch = match api {
        "stream_parquet" => opt(options, "batch_size").as_u64().unwrap_or(1000).max(1) as usize,
        _ => usize::MAX,
    };
    let mut taken = Vec::new();
    match &doc {
        Value::Object(_) => f.push(&doc, Location::record(0))?,
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                f.push(item, Location::record(i as u64))?;
                if (i + 1) % batch == 0 {
                    taken.extend(f.take_batches());
                }
            }
        }
        other => {
            return Err(Error::UnsupportedInput {
                found: other.type_name(),
            }
            .into())
        }
    }
    let mut result = FlatResult::from_flattener(f);
    for b in taken.into_iter().rev() {
        if let Some(t) = result.tables.iter_mut().find(|t| t.name == b.table) {
            t.batches.insert(0, b);
        }
    }
    Ok(result)
}
