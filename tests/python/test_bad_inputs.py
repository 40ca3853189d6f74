"""A corpus of awkward inputs through the CLI, each with its exact outcome: a clear error
naming file and line, a skip-and-report under --on-error skip, or the data kept whole."""

import json

import pyarrow.parquet as pq
import pytest

from conftest import run_cli


def convert(exe, tmp_path, name, content, *extra, check=True):
    src = tmp_path / name
    src.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    out = tmp_path / ("out-" + name)
    proc = run_cli(exe, "convert", src, "-o", out, *extra, check=check)
    return src, out, proc


@pytest.mark.parametrize("name,content,message", [
    ("trunc.jsonl", '{"a": 1}\n{"a": [1, 2\n', "trunc.jsonl:2: invalid JSON: EOF while parsing a list"),
    ("top.jsonl", '{"a": 1}\n[1, 2]\n', "top.jsonl:2: expected a JSON object as record, found array"),
    ("scalar.jsonl", '"text"\n', "scalar.jsonl:1: expected a JSON object as record, found string"),
    ("utf8.jsonl", b'{"a": "ok"}\n{"a": "\xff"}\n', "utf8.jsonl:2: invalid JSON: invalid unicode code point"),
    ("nan.jsonl", '{"a": NaN}\n', "nan.jsonl:1: invalid JSON: expected value"),
    ("inf.jsonl", '{"a": 1}\n{"a": -Infinity}\n', "inf.jsonl:2: invalid JSON: invalid number (column 8)"),
    ("deep.jsonl", '{"a":' * 10000 + "1" + "}" * 10000 + "\n", "deep.jsonl:1: invalid JSON: recursion limit exceeded"),
    # A form feed is not JSON whitespace (RFC 8259), in a line or in an array.
    ("formfeed.jsonl", '{"a": 1}\n\f\n', "formfeed.jsonl:2: invalid JSON: expected value"),
    ("formfeed.json", '[\f]', "formfeed.json:1: invalid JSON: expected value"),
    ("formfeed2.json", '[{"a": 1}, {"a": 2}\f]', "formfeed2.json:1: invalid JSON: trailing characters"),
])
def test_bad_records_fail_strict_and_are_skipped_leniently(transmog_bin, tmp_path, name, content, message):
    src, out, proc = convert(transmog_bin, tmp_path, name, content, check=False)
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert err.startswith("transmog: error: ") and message in err, err
    assert not list(out.glob("*.parquet"))
    src, out, proc = convert(transmog_bin, tmp_path, "skip-" + name, content, "--on-error", "skip")
    err = proc.stderr.decode()
    assert "1 records skipped" in err and message.split(":", 1)[1] in err, err


def test_bom_crlf_and_blank_lines(transmog_bin, tmp_path):
    _, out, _ = convert(transmog_bin, tmp_path, "bom.jsonl", b'\xef\xbb\xbf{"a": 1}\r\n\r\n{"a": 2}\r\n')
    assert pq.read_table(out / "bom.parquet").column("a").to_pylist() == ["1", "2"]


@pytest.mark.parametrize("content", ["", "  \n\n \t\n"])
def test_empty_and_whitespace_files_give_no_rows(transmog_bin, tmp_path, content):
    _, out, proc = convert(transmog_bin, tmp_path, "empty.jsonl", content)
    assert "0 records" in proc.stderr.decode()
    assert not list(out.glob("*.parquet"))


def test_numbers_keep_every_digit(transmog_bin, tmp_path):
    big = "123456789012345678901234567890"
    _, out, _ = convert(transmog_bin, tmp_path, "n.jsonl", f'{{"i": {big}, "f": 1.0, "j": 1}}\n', "--typed")
    row = pq.read_table(out / "n.parquet").to_pylist()[0]
    assert row["i"] == big and row["f"] == 1.0 and row["j"] == 1


def test_odd_keys_keep_every_value(transmog_bin, tmp_path):
    long_key = "k" * 10000
    doc = '{"dup": 1, "dup": 2, "": "empty", "a_b": "x", "a": {"b": "y"}, "sp ace/é": 3, "%s": "long"}\n' % long_key
    _, out, proc = convert(transmog_bin, tmp_path, "keys.jsonl", doc)
    row = pq.read_table(out / "keys.parquet").to_pylist()[0]
    assert (row["dup"], row["dup_2"]) == ("1", "2")
    assert row[""] == "empty" and row["sp ace/é"] == "3"
    # The CLI shortens a name beyond 63 characters around a hash of the whole path; the
    # file's metadata keeps the path itself.
    (short,) = [k for k in row if k.startswith("kkk")]
    assert len(short) == 63 and row[short] == "long"
    field = pq.read_schema(out / "keys.parquet").field(short)
    assert json.loads(field.metadata[b"transmog.path"]) == [long_key]
    assert (row["a_b"], row["a_b_2"]) == ("x", "y")
    err = proc.stderr.decode()
    assert "columns renamed" in err and "names shortened" in err


def test_type_changing_from_number_to_object_to_array(transmog_bin, tmp_path):
    docs = ['{"v": 1}', '{"v": {"x": 2}}', '{"v": [3, 4]}']
    _, out, _ = convert(transmog_bin, tmp_path, "morph.jsonl", "\n".join(docs) + "\n", "--typed")
    main = pq.read_table(out / "morph.parquet").to_pylist()
    assert [r["v"] for r in main] == [1, None, None]
    assert [r["v_x"] for r in main] == [None, 2, None]
    child = pq.read_table(out / "morph_v.parquet").to_pylist()
    assert [r["value"] for r in child] == [3, 4]
    assert {r["__parent_extract_id"] for r in child} == {main[2]["__extract_id"]}


def test_wide_and_long_records(transmog_bin, tmp_path):
    wide = json.dumps({f"k{i}": i for i in range(12000)})
    _, out, _ = convert(transmog_bin, tmp_path, "wide.jsonl", wide + "\n", "--typed")
    assert len(pq.read_schema(out / "wide.parquet")) == 12000 + 2
    long = json.dumps({"l": list(range(1_000_000))})
    _, out, _ = convert(transmog_bin, tmp_path, "long.jsonl", long + "\n", "--typed")
    child = pq.read_table(out / "long_l.parquet", columns=["value", "__array_index"])
    assert child.num_rows == 1_000_000
    assert child.column("value").to_pylist()[-1] == 999_999
    assert child.column("__array_index").to_pylist()[-1] == 999_999
    big_value = "é" * 5_000_000 + "end"
    _, out, _ = convert(transmog_bin, tmp_path, "big.jsonl", json.dumps({"v": big_value}) + "\n")
    assert pq.read_table(out / "big.parquet").column("v").to_pylist() == [big_value]


def test_floats_beyond_f64_keep_their_value_as_text(transmog_bin, tmp_path):
    doc = '{"over": 1e400, "neg": -2.5E+310, "fine": 1e308, "under": 1e-400}\n'
    for mode in ([], ["--typed"]):
        _, out, _ = convert(transmog_bin, tmp_path, f"f{len(mode)}.jsonl", doc, *mode)
        row = pq.read_table(out / f"f{len(mode)}.parquet").to_pylist()[0]
        assert row["over"] == "1e+400" and row["neg"] == "-2.5e+310"
        assert row["fine"] == (1e308 if mode else "1e+308")
        assert row["under"] == (0.0 if mode else "0.0")


def test_column_cap_stops_with_a_clear_error(transmog_bin, tmp_path):
    wide = json.dumps({f"k{i}": i for i in range(60)})
    src, out, proc = convert(transmog_bin, tmp_path, "cap.jsonl", '{"a": 1}\n' + wide + "\n",
                             "--max-columns", "50", check=False)
    assert proc.returncode == 1
    assert "cap.jsonl:2: table 'cap' would exceed the limit of 50 columns" in proc.stderr.decode()
    assert not list(out.glob("*.parquet"))


@pytest.mark.parametrize("threads", ["1", "2"])
def test_column_cap_names_the_record_whatever_the_threads(transmog_bin, tmp_path, threads):
    # One new column a record, a few records a chunk: with two threads no thread's own
    # table reaches the cap, the run's does at line 48 (2 metadata columns, `x`, k00..k46).
    lines = "".join(json.dumps({f"k{i:02d}": i, "x": 1}) + "\n" for i in range(60))
    name = f"cap{threads}.jsonl"
    _, out, proc = convert(transmog_bin, tmp_path, name, lines, "-j", threads,
                           "--chunk-bytes", "100", "--max-columns", "50", check=False)
    assert proc.returncode == 1
    expected = f"{name}:48: table 'cap{threads}' would exceed the limit of 50 columns"
    assert expected in proc.stderr.decode()
    assert not list(out.glob("*.parquet"))
