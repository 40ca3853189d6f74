//! Runs conformance cases through the engine and writes each case's tables in the
//! layout `check.py` reads: `OUT/<case>/<table>.jsonl`, `_tables.json` or `_error.json`.
//!
//! Usage: `transmog-conformance CASES_DIR OUT_DIR`

use std::fs;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde_json::Value as Json;
use transmog_core::result::row_json;
use transmog_core::{
    value, Config, Error, FlatResult, Flattener, IdMode, IdSource, Location, Recovery, Value,
};

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

fn config_from(o: &Json) -> Result<Config> {
    let mut cfg = Config::default();
    let s = |k: &str, d: &str| opt(o, k).as_str().unwrap_or(d).to_string();
    let b = |k: &str, d: bool| opt(o, k).as_bool().unwrap_or(d);
    cfg.separator = s("separator", "_");
    cfg.deeply_nested_threshold = opt(o, "deeply_nested_threshold").as_u64().unwrap_or(4) as usize;
    cfg.cast_to_string = b("cast_to_string", true);
    cfg.include_empty = b("include_empty", false);
    cfg.skip_null = b("skip_null", true);
    cfg.visit_arrays = b("visit_arrays", true);
    cfg.keep_arrays = b("keep_arrays", false);
    cfg.max_depth = opt(o, "max_depth").as_u64().unwrap_or(100) as usize;
    cfg.id_field = s("id_field", "__extract_id");
    cfg.parent_field = s("parent_field", "__parent_extract_id");
    cfg.time_field = s("time_field", "__extract_datetime");
    cfg.recovery = Recovery::parse(&s("recovery_strategy", "strict"))?;
    cfg.id_mode = match s("id_mode", "random").as_str() {
        "random" => IdMode::Random,
        "content_hash" => IdMode::ContentHash,
        "deterministic" => match opt(o, "id_source") {
            Json::String(f) => IdMode::Deterministic(IdSource::Field(f.clone())),
            Json::Object(m) => IdMode::Deterministic(IdSource::Map(
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect(),
            )),
            other => bail!("unsupported id_source {other}"),
        },
        other => bail!("unsupported id_mode {other}"),
    };
    let t = opt(o, "extract_time");
    if !t.is_null() {
        let text = serde_json::to_vec(t)?;
        cfg.extract_time = Some(
            value::parse(&text)
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .into_owned(),
        );
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
    let outcome = Config::validate(&config_from(&options)?)
        .and_then(|()| flatten_case(case, &options, &entity, &api));
    match outcome {
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
                serde_json::json!({ "error": e.kind().class_name(), "message": e.to_string() });
            fs::write(dest.join("_error.json"), body.to_string())?;
        }
    }
    Ok(())
}

fn flatten_case(case: &Path, options: &Json, entity: &str, api: &str) -> Result<FlatResult, Error> {
    let cfg = config_from(options).map_err(|e| Error::UnsupportedInput {
        found: Box::leak(e.to_string().into_boxed_str()),
    })?;
    let mut f = Flattener::new(entity, cfg)?;
    let io = |e: std::io::Error| Error::UnsupportedInput {
        found: Box::leak(e.to_string().into_boxed_str()),
    };
    if api == "process_file_jsonl" {
        let text = fs::read(case.join("input.jsonl")).map_err(io)?;
        let source: std::sync::Arc<str> = "input.jsonl".into();
        let mut record = 0;
        for (n, line) in text.split(|b| *b == b'\n').enumerate() {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let loc = Location {
                source: Some(source.clone()),
                line: Some(n as u64 + 1),
                record,
                origin: None,
            };
            f.push_json(line, loc)?;
            record += 1;
        }
        return Ok(FlatResult::from_flattener(f));
    }
    let text = fs::read(case.join("input.json")).map_err(io)?;
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
            })
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
