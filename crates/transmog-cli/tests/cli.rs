//! The `transmog` binary: help, exit codes, summary, errors, thread-independent output.

use std::fs;
use std::path::Path;

use assert_cmd::Command;

fn transmog() -> Command {
    Command::cargo_bin("transmog").expect("binary built")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    fs::write(&p, text).expect("write input");
    p.to_string_lossy().into_owned()
}

fn records(n: usize) -> String {
    (0..n)
        .map(|i| {
            let late = if i > n / 2 { format!(r#","late":"L{i}""#) } else { String::new() };
            format!(
                r#"{{"id":{i},"o":{{"a":{i}.5,"b":[{i},{{"x":"y{i}"}}]}},"l":[{{"k":{i}}},{{"k":"s","m":[1,2]}}]{late}}}"#
            ) + "\n"
        })
        .collect()
}

#[test]
fn help_reads_like_a_manual() {
    let out = transmog()
        .args(["convert", "--help"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "--threads",
        "--compression",
        "--row-group-size",
        "--page-checksum",
        "--on-error",
        "--typed",
        "--ids",
    ] {
        assert!(
            help.contains(needle),
            "{needle} missing from convert --help"
        );
    }
    let top = transmog().arg("--help").output().expect("run");
    assert!(String::from_utf8_lossy(&top.stdout).contains("Examples:"));
}

#[test]
fn usage_errors_exit_2_and_data_errors_exit_1() {
    let dir = tempfile::tempdir().expect("tmp");
    transmog().args(["convert"]).assert().code(2);
    let out = transmog()
        .args(["convert", "x.jsonl", "-o"])
        .arg(dir.path())
        .args(["--compression", "lzo"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("lzo"));
    let missing = dir.path().join("missing.jsonl");
    let out = transmog()
        .arg("convert")
        .arg(&missing)
        .arg("-o")
        .arg(dir.path().join("o"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("transmog: error: cannot read"), "{err}");
    assert_eq!(err.lines().count(), 1, "one clear line: {err}");
}

#[test]
fn summary_lists_tables_rows_and_throughput() {
    let dir = tempfile::tempdir().expect("tmp");
    let input = write(dir.path(), "in.jsonl", &records(50));
    let out = transmog()
        .args(["convert", &input, "--entity", "t", "-o"])
        .arg(dir.path().join("out"))
        .output()
        .expect("run");
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("50 records, 4 tables"), "{err}");
    assert!(err.contains("MB/s"), "{err}");
    assert!(
        err.lines()
            .any(|l| l.starts_with("t_l ") && l.contains(" 100 ")),
        "{err}"
    );
    assert!(dir.path().join("out/t_o_b.parquet").exists());
}

#[test]
fn output_is_identical_for_any_thread_count() {
    let dir = tempfile::tempdir().expect("tmp");
    let input = write(dir.path(), "in.jsonl", &records(2000));
    let run = |threads: &str| {
        let out = dir.path().join(format!("out{threads}"));
        transmog()
            .args([
                "convert",
                &input,
                "--entity",
                "t",
                "--ids",
                "hash",
                "--batch-size",
                "97",
            ])
            .args([
                "--extract-time",
                "2024-01-01 00:00:00",
                "-q",
                "-j",
                threads,
                "-o",
            ])
            .arg(&out)
            .assert()
            .success();
        // The tables; the manifest (hidden) only lists them.
        let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(&out)
            .expect("out dir")
            .filter(|e| {
                let e = e.as_ref().expect("entry");
                !e.file_name().to_string_lossy().starts_with('.')
            })
            .map(|e| {
                let e = e.expect("entry");
                (
                    e.file_name().to_string_lossy().into_owned(),
                    fs::read(e.path()).expect("read"),
                )
            })
            .collect();
        files.sort();
        files
    };
    let one = run("1");
    assert_eq!(one.len(), 4);
    assert_eq!(one, run("2"));
    assert_eq!(one, run("3"));
}

#[test]
fn strict_stops_at_the_first_bad_line_skip_reports_all() {
    let dir = tempfile::tempdir().expect("tmp");
    let text = "{\"a\":1}\n{\"a\":\n{\"a\":2}\n7\n{\"a\":3}\n";
    let input = write(dir.path(), "mixed.jsonl", text);
    let out = transmog()
        .args(["convert", &input, "-j", "2", "--batch-size", "1", "-o"])
        .arg(dir.path().join("s"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("mixed.jsonl:2: invalid JSON"), "{err}");
    assert!(!dir.path().join("s/mixed.parquet").exists());

    let out = transmog()
        .args([
            "convert",
            &input,
            "-j",
            "2",
            "--batch-size",
            "1",
            "--on-error",
            "skip",
            "-o",
        ])
        .arg(dir.path().join("k"))
        .output()
        .expect("run");
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("3 records, 1 tables"), "{err}");
    assert!(err.contains("2 records skipped"), "{err}");
    assert!(err.contains("mixed.jsonl:2: invalid JSON"), "{err}");
    assert!(
        err.contains("mixed.jsonl:4: expected a JSON object as record, found integer"),
        "{err}"
    );
}

#[test]
fn truncated_json_array_is_an_error_with_position() {
    let dir = tempfile::tempdir().expect("tmp");
    let input = write(dir.path(), "a.json", "[{\"a\": 1},\n{\"a\": 2}");
    let out = transmog()
        .args(["convert", &input, "-o"])
        .arg(dir.path().join("o"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("a.json:2: unexpected end of input"), "{err}");
    assert!(!dir.path().join("o/a.parquet").exists());
}

#[test]
fn skipping_keeps_every_whole_record_of_a_broken_json_array() {
    let dir = tempfile::tempdir().expect("tmp");
    // An empty element, then record 3 cut off; a missing `]`; data after the array.
    let cut = write(
        dir.path(),
        "cut.json",
        "[{\"a\": 1},\n,\n{\"a\": 2},\n{\"a\": [3,",
    );
    let no_end = write(dir.path(), "no_end.json", "[{\"a\": 4},\n{\"a\": 5}\n");
    let trailing = write(dir.path(), "trailing.json", "[{\"a\": 6}]\n{\"a\": 7}\n");
    let out = transmog()
        .args([
            "convert", &cut, &no_end, &trailing, "--entity", "t", "--format", "jsonl",
        ])
        .args(["--on-error", "skip", "-o"])
        .arg(dir.path().join("o"))
        .output()
        .expect("run");
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for problem in [
        "4 records skipped",
        "cut.json:2: empty element in the top-level array",
        "cut.json:4: unexpected end of input inside the top-level array: the record is cut off",
        "no_end.json:3: unexpected end of input inside the top-level array (no closing `]`)",
        "trailing.json:2: unexpected data after the top-level array",
    ] {
        assert!(err.contains(problem), "{problem}: {err}");
    }
    let rows = fs::read_to_string(dir.path().join("o/t.jsonl")).expect("main table");
    let values: Vec<&str> = rows
        .lines()
        .map(|l| l.rsplit_once("\"a\":").expect("a column").1)
        .collect();
    assert_eq!(values, ["\"1\"}", "\"2\"}", "\"4\"}", "\"5\"}", "\"6\"}"]);
}

#[test]
fn csv_input_with_quotes_and_nulls() {
    let dir = tempfile::tempdir().expect("tmp");
    let text = "id,Full Name,comment\n1,Ann,\"x, \"\"y\"\"\"\n2,Bo,NA\n";
    let input = write(dir.path(), "people.csv", text);
    transmog()
        .args(["convert", &input, "--format", "jsonl", "-q", "-o"])
        .arg(dir.path().join("o"))
        .assert()
        .success();
    let out = fs::read_to_string(dir.path().join("o/people.jsonl")).expect("jsonl");
    let first = out.lines().next().expect("a row");
    assert!(
        first.contains(r#""id":"1","Full_Name":"Ann","comment":"x, \"y\"""#),
        "{first}"
    );
    assert!(
        !out.lines().nth(1).expect("row 2").contains("comment"),
        "{out}"
    );
}

#[test]
fn errors_file_lists_every_skipped_record() {
    let dir = tempfile::tempdir().expect("tmp");
    // 1 500 bad lines among good ones: more than the summary lists, all in the file.
    let text: String = (0..3000)
        .map(|i| {
            if i % 2 == 1 {
                "{bad\n".to_string()
            } else {
                format!("{{\"i\":{i}}}\n")
            }
        })
        .collect();
    let input = write(dir.path(), "many.jsonl", &text);
    let errors = dir.path().join("errors.jsonl");
    transmog()
        .args([
            "convert",
            &input,
            "--on-error",
            "skip",
            "-j",
            "2",
            "--batch-size",
            "100",
            "-q",
        ])
        .arg("--errors-file")
        .arg(&errors)
        .arg("-o")
        .arg(dir.path().join("o"))
        .assert()
        .success();
    let lines: Vec<String> = fs::read_to_string(&errors)
        .expect("errors file")
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(lines.len(), 1500);
    assert!(lines[0].starts_with(r#"{"source":""#), "{}", lines[0]);
    assert!(
        lines[0].contains(r#""line":2,"record":1,"reason":""#),
        "{}",
        lines[0]
    );
    assert!(lines[1499].contains(r#""line":3000,"#), "{}", lines[1499]);
}

#[test]
fn early_error_in_a_long_input_stops_promptly() {
    // Every thread must wind down when the writer side stops early (see also the Ctrl-C
    // test in tests/python/test_cli.py, which caught a reader waiting for a ticket).
    let dir = tempfile::tempdir().expect("tmp");
    let mut text = String::from("{\"a\":1}\n{bad\n");
    text.push_str(&records(20000));
    let input = write(dir.path(), "long.jsonl", &text);
    let out = transmog()
        .args(["convert", &input, "-j", "2", "--batch-size", "10", "-o"])
        .arg(dir.path().join("o"))
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("long.jsonl:2: invalid JSON"));
}

#[cfg(all(target_os = "linux", not(target_env = "msvc")))]
#[test]
fn the_allocator_runs_with_its_settings() {
    // jemalloc prints its options at exit when asked: the built-in settings are in force
    // (an environment variable could still override one).
    let dir = tempfile::tempdir().expect("tmp");
    let input = write(dir.path(), "in.jsonl", &records(10));
    let out = transmog()
        .args(["convert", &input, "-o"])
        .arg(dir.path().join("out"))
        .arg("-q")
        .env("_RJEM_MALLOC_CONF", "stats_print:true")
        .output()
        .expect("run");
    assert!(out.status.success());
    let stats = String::from_utf8_lossy(&out.stderr);
    for setting in [
        "opt.background_thread: true",
        "opt.dirty_decay_ms: 1000",
        "opt.narenas: 1",
        "opt.muzzy_decay_ms: 0",
    ] {
        assert!(stats.contains(setting), "{setting} missing from:\n{stats}");
    }
}

#[test]
fn a_csv_quote_never_closed_is_an_error_not_one_long_field() {
    let dir = tempfile::tempdir().expect("tmp");
    let input = write(
        dir.path(),
        "q.csv",
        "id,name\n1,ann\n2,\"bob\n3,cy\n4,dee\n",
    );
    let strict = transmog()
        .args(["convert", &input, "-o"])
        .arg(dir.path().join("o"))
        .output()
        .expect("run");
    assert_eq!(strict.status.code(), Some(1));
    let err = String::from_utf8_lossy(&strict.stderr);
    assert!(
        err.contains("q.csv:3: a quoted field opened in this row is never closed"),
        "{err}"
    );
    assert!(!dir.path().join("o/q.parquet").exists());
    let skip = transmog()
        .args([
            "convert",
            &input,
            "--format",
            "jsonl",
            "--on-error",
            "skip",
            "-o",
        ])
        .arg(dir.path().join("s"))
        .output()
        .expect("run");
    assert_eq!(skip.status.code(), Some(0));
    let rows = std::fs::read_to_string(dir.path().join("s/q.jsonl")).expect("output");
    assert_eq!(rows.lines().count(), 1, "{rows}");
    assert!(rows.contains("\"ann\""), "{rows}");
    let report = String::from_utf8_lossy(&skip.stderr);
    assert!(
        report.contains("q.csv:3:") && report.contains("(3 lines)"),
        "{report}"
    );
}
