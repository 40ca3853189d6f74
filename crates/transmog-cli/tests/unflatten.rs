//! `transmog convert` then `transmog unflatten` gives the input back.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use transmog_core::{value, Value};

fn transmog() -> Command {
    Command::cargo_bin("transmog").expect("binary built")
}

/// Records with what the file format has to carry: nesting deep enough for abbreviated
/// names, names that collide (`a_b` vs `a.b`), array keys that sanitize (`my list`),
/// arrays in arrays, null and skipped-looking items, empty strings, big and small numbers.
fn input(n: usize) -> String {
    (0..n)
        .map(|i| {
            let extra = if i % 3 == 0 {
                format!(r#","late":{{"deep":{{"er":{{"still":{{"x":"{i}"}}}}}}}}"#)
            } else {
                String::new()
            };
            format!(
                r#"{{"id":{i},"a_b":"lit{i}","a":{{"b":"nested{i}"}},"f":{i}.25,"ok":{ok},"s":"",
"my list":[{{"sku":"S{i}","qty":{i},"sub":[{{"z":[{i},null,{i}]}}]}},{{"sku":"T","tags":["x","y"]}}],
"n":[null,{i},-9007199254740993],"u":"é\"\\{i}"{extra}}}"#,
                ok = i % 2 == 0
            )
            .replace('\n', "")
                + "\n"
        })
        .collect()
}

fn lines(path: &Path) -> Vec<Value<'static>> {
    fs::read_to_string(path)
        .expect("read")
        .lines()
        .map(|l| {
            value::parse(l.as_bytes())
                .expect("JSON line")
                .sorted_keys()
                .into_owned()
        })
        .collect()
}

/// `transmog convert SRC -o OUT ARGS`, which must succeed.
fn convert(src: &Path, out: &Path, args: &[&str]) {
    transmog()
        .arg("convert")
        .arg(src)
        .arg("-o")
        .arg(out)
        .args(args)
        .assert()
        .success();
}

/// `transmog unflatten OUT --entity ENTITY -o BACK`: the run and its standard error.
fn unflatten(out: &Path, entity: &str, back: &Path) -> (bool, String) {
    let run = transmog()
        .arg("unflatten")
        .arg(out)
        .args(["--entity", entity, "-o"])
        .arg(back)
        .output()
        .expect("run");
    (
        run.status.success(),
        String::from_utf8_lossy(&run.stderr).into_owned(),
    )
}

#[test]
fn convert_then_unflatten_gives_the_input_back() {
    let dir = tempfile::tempdir().expect("tmp");
    let src = dir.path().join("ev.jsonl");
    fs::write(&src, input(60)).expect("write");
    let out = dir.path().join("out");
    // Two workers and small chunks/row groups: run-wide names, several batches and
    // part files per table; another entity in the same directory must be left alone.
    let options = ["--typed", "--include-empty", "--keep-nulls", "-j", "2"];
    let small = ["--batch-size", "7", "--row-group-size", "5", "-q"];
    convert(&src, &out, &[&options[..], &small].concat());
    let other = dir.path().join("other.jsonl");
    fs::write(&other, "{\"k\": [1]}\n").expect("write");
    convert(&other, &out, &["-q"]);
    let back = dir.path().join("back.jsonl");
    let (ok, err) = unflatten(&out, "ev", &back);
    assert!(ok, "{err}");
    assert!(err.contains("60 records"), "{err}");
    let (got, want) = (lines(&back), lines(&src));
    assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(g, w, "record {i}");
    }
    // No temporary file is left next to the output.
    let left: Vec<_> = fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn unflatten_names_what_is_missing() {
    let dir = tempfile::tempdir().expect("tmp");
    let src = dir.path().join("t.jsonl");
    fs::write(&src, "{\"a\": [1, 2]}\n").expect("write");
    transmog()
        .args(["convert", src.to_str().expect("utf8"), "-o"])
        .arg(dir.path().join("out"))
        .arg("-q")
        .assert()
        .success();
    let out = transmog()
        .arg("unflatten")
        .arg(dir.path().join("out"))
        .args(["--entity", "nope"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no main table file nope.parquet"), "{err}");
    // Without --entity the one table without a parent id is the main table; the
    // default options cast values to text, scalar items stay as they were.
    let out = transmog()
        .arg("unflatten")
        .arg(dir.path().join("out"))
        .arg("-q")
        .output()
        .expect("run");
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "{\"a\":[1,2]}\n");
}

#[test]
fn unflatten_reads_window_by_window() {
    // More records than one window of main rows (4 096), child rows in row groups and
    // batches cut elsewhere than the windows.
    let dir = tempfile::tempdir().expect("tmp");
    let src = dir.path().join("big.jsonl");
    fs::write(&src, input(9_000)).expect("write");
    let out = dir.path().join("out");
    let options = ["--typed", "--include-empty", "--keep-nulls", "-j", "2"];
    convert(
        &src,
        &out,
        &[&options[..], &["--row-group-size", "1000", "-q"]].concat(),
    );
    let back = dir.path().join("back.jsonl");
    let (ok, err) = unflatten(&out, "big", &back);
    assert!(ok, "{err}");
    assert!(err.contains("9000 records"), "{err}");
    assert_eq!(lines(&back), lines(&src));
}
