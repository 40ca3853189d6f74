"""`transmog convert --schema FILE`: names that mean the same field run after run, the
drift report, and the schema file committed with the tables."""

import json

import pyarrow.parquet as pq

from conftest import run_cli


def write_lines(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def data(path):
    """Each row's data columns (no metadata columns), by column name."""
    table = pq.read_table(path)
    return table.select([c for c in table.column_names if not c.startswith("__")]).to_pylist()


def by_path(path):
    """{source path: column name} of a Parquet file's data columns."""
    schema = pq.read_schema(path)
    return {json.loads(f.metadata[b"transmog.path"]).__repr__(): f.name
            for f in schema if f.metadata and b"transmog.path" in f.metadata}


def test_two_days_in_other_orders_keep_their_names_with_a_schema_file(transmog_bin, tmp_path):
    day1 = write_lines(tmp_path / "day1.jsonl", [{"a_b": 1}, {"a": {"b": 2}}])
    day2 = write_lines(tmp_path / "day2.jsonl", [{"a": {"b": 3}}, {"a_b": 4}])
    common = ["--entity", "feed", "--extract-time", "T"]
    # Without a schema file each day decides alone: `a_b` changes meaning.
    run_cli(transmog_bin, "convert", day1, "-o", tmp_path / "plain1", "-q", *common)
    run_cli(transmog_bin, "convert", day2, "-o", tmp_path / "plain2", "-q", *common)
    assert by_path(tmp_path / "plain1" / "feed.parquet") != by_path(tmp_path / "plain2" / "feed.parquet")
    # With one, day 2 starts from day 1's names.
    out = tmp_path / "out"
    schema = out / "schema.json"
    run_cli(transmog_bin, "convert", day1, "-o", out, "--schema", schema, "-q", *common)
    first = by_path(out / "feed.parquet")
    assert first == {"['a_b']": "a_b", "['a', 'b']": "a_b_2"}
    proc = run_cli(transmog_bin, "convert", day2, "-o", out, "--schema", schema, *common)
    assert by_path(out / "feed.parquet") == first
    assert data(out / "feed.parquet") == [{"a_b": None, "a_b_2": "3"}, {"a_b": "4", "a_b_2": None}]
    assert "schema (" in proc.stderr.decode() and "no change" in proc.stderr.decode()
    saved = json.loads(schema.read_text())
    assert saved["format"] == "transmog-schema" and saved["version"] == 1
    assert [c["name"] for c in saved["tables"][0]["columns"]][-2:] == ["a_b", "a_b_2"]


def test_drift_report_new_widened_and_missing(transmog_bin, tmp_path):
    out = tmp_path / "out"
    schema = out / "feed.schema.json"
    common = ["--entity", "feed", "--typed", "--extract-time", "T", "--schema", schema]
    day1 = write_lines(tmp_path / "day1.jsonl", [{"n": 1, "gone": "x", "s": "a"}])
    run_cli(transmog_bin, "convert", day1, "-o", out, "-q", *common)
    day2 = write_lines(tmp_path / "day2.jsonl", [{"n": 1.5, "s": "b"}, {"new": True, "items": [{"k": 1}]}])
    report = tmp_path / "report.json"
    proc = run_cli(transmog_bin, "convert", day2, "-o", out, "--report", report, *common)
    err = proc.stderr.decode()
    assert "new table feed_items" in err
    assert f"new column feed.new (from new, first at {day2}:2)" in err, err
    assert "widened feed.n: int64 -> float64" in err
    assert "no values for column feed.gone" in err
    drift = json.loads(report.read_text())["drift"]
    assert drift["new_tables"] == ["feed_items"]
    assert drift["new_columns"][0] == {"table": "feed", "column": "new", "path": "new", "first": f"{day2}:2"}
    assert drift["widened"] == [{"table": "feed", "column": "n", "from": "int64", "to": "float64"}]
    assert drift["missing_columns"] == [{"table": "feed", "column": "gone"}]
    # The saved column stays in the table (NULL this run), in its saved place.
    table = pq.read_table(out / "feed.parquet")
    assert table.column_names.index("gone") < table.column_names.index("new")
    assert data(out / "feed.parquet") == [{"n": 1.5, "gone": None, "s": "b", "new": None},
                                          {"n": None, "gone": None, "s": None, "new": True}]
    # Day 3 of day 1's shape: n stays float64 (columns widen, never narrow).
    run_cli(transmog_bin, "convert", day1, "-o", out, "-q", *common)
    assert str(pq.read_schema(out / "feed.parquet").field("n").type) == "double"
    assert json.loads(schema.read_text())["tables"][1]["name"] == "feed_items"


def test_a_schema_file_from_other_naming_options_is_refused(transmog_bin, tmp_path):
    day1 = write_lines(tmp_path / "day1.jsonl", [{"a": {"b": 1}}])
    schema = tmp_path / "s.json"
    run_cli(transmog_bin, "convert", day1, "-o", tmp_path / "o1", "--schema", schema, "-q")
    proc = run_cli(transmog_bin, "convert", day1, "-o", tmp_path / "o2", "--schema", schema, "--separator", ".",
                   check=False)
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert "s.json" in err and "separator `_` (this run: `.`)" in err
    assert not (tmp_path / "o2").exists() or not any((tmp_path / "o2").iterdir())
    schema.write_text("{\"format\": \"other\"}")
    proc = run_cli(transmog_bin, "convert", day1, "-o", tmp_path / "o3", "--schema", schema, check=False)
    assert proc.returncode == 1 and "not a transmog schema file" in proc.stderr.decode()


def test_the_schema_file_changes_with_the_tables_or_not_at_all(transmog_bin, tmp_path):
    out = tmp_path / "out"
    schema = out / "schema.json"
    day1 = write_lines(tmp_path / "day1.jsonl", [{"a": 1}])
    run_cli(transmog_bin, "convert", day1, "-o", out, "--schema", schema, "-q")
    before = (schema.read_text(), (out / "day1.parquet").read_bytes())
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"a": 2, "b": 3}\n{"a": \n')
    proc = run_cli(transmog_bin, "convert", bad, "-o", out, "--entity", "day1", "--schema", schema, "-q",
                   check=False)
    assert proc.returncode == 1
    assert (schema.read_text(), (out / "day1.parquet").read_bytes()) == before
    # A later run of the entity without --schema keeps the file (it is not a table).
    run_cli(transmog_bin, "convert", day1, "-o", out, "-q")
    assert schema.read_text() == before[0]


def test_freeze_rejects_what_the_schema_does_not_hold_naming_the_record(transmog_bin, tmp_path):
    out = tmp_path / "out"
    schema = out / "schema.json"
    common = ["--entity", "feed", "--typed", "--schema", schema, "--schema-contract", "freeze"]
    day1 = write_lines(tmp_path / "day1.jsonl", [{"n": 1, "s": "a"}])
    # The first run has nothing to hold to: it makes the schema.
    run_cli(transmog_bin, "convert", day1, "-o", out, "-q", *common)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    cases = [
        ([{"n": 2}, {"n": 3, "extra": {"deep": 1}}], "day2.jsonl:2: new column `extra.deep` (table 'feed')"),
        ([{"n": 2, "items": [{"k": 1}]}], "day2.jsonl:1: new table `items` (table 'feed_items')"),
        ([{"n": 2.5}], "column feed.n would change type from int64 to float64"),
    ]
    for records, message in cases:
        day2 = write_lines(tmp_path / "day2.jsonl", records)
        proc = run_cli(transmog_bin, "convert", day2, "-o", out, *common, check=False)
        assert proc.returncode == 1, records
        assert message in proc.stderr.decode(), proc.stderr.decode()
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before, "nothing written"
    # What the schema holds passes.
    ok = write_lines(tmp_path / "day3.jsonl", [{"n": 7}, {"s": "z"}])
    run_cli(transmog_bin, "convert", ok, "-o", out, "-q", *common)
    assert data(out / "feed.parquet") == [{"n": 7, "s": None}, {"n": None, "s": "z"}]


def test_discard_drops_new_tables_and_columns_and_counts_them(transmog_bin, tmp_path):
    out = tmp_path / "out"
    schema = out / "schema.json"
    common = ["--entity", "feed", "--schema", schema, "--schema-contract", "discard"]
    day1 = write_lines(tmp_path / "day1.jsonl", [{"n": 1}])
    run_cli(transmog_bin, "convert", day1, "-o", out, "-q", *common)
    day2 = write_lines(tmp_path / "day2.jsonl",
                       [{"n": 2, "x": "a", "items": [{"k": 1}, {"k": 2}]}, {"n": 3, "x": None}, {"x": "b"}])
    report = tmp_path / "report.json"
    proc = run_cli(transmog_bin, "convert", day2, "-o", out, "--report", report, *common)
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["feed.parquet", "schema.json"]
    assert data(out / "feed.parquet") == [{"n": "2"}, {"n": "3"}, {"n": None}]
    got = json.loads(report.read_text())
    # x: 2 values; the items table: 2 rows.
    assert sorted(got["discarded"]) == ["feed.x", "feed_items"] and got["discarded_values"] == 4
    assert "2 new tables and columns not in the schema were dropped (4 values)" in proc.stderr.decode()
    # The schema file is not widened by what was dropped.
    saved = json.loads(schema.read_text())
    assert [t["name"] for t in saved["tables"]] == ["feed"]
    assert "x" not in [c["name"] for c in saved["tables"][0]["columns"]]


def test_per_table_contracts_bind_their_tables_and_new_tables_follow_the_run(transmog_bin, tmp_path):
    out = tmp_path / "out"
    schema = tmp_path / "schema.json"
    base = ["--entity", "feed", "--typed", "--schema", schema]
    day1 = write_lines(tmp_path / "day1.jsonl", [{"n": 1, "items": [{"k": 1}]}])
    run_cli(transmog_bin, "convert", day1, "-o", out, "-q", *base)
    before = schema.read_text()
    # The run frozen, its items table open: a new item field passes, a new top field fails.
    frozen = [*base, "--schema-contract", "freeze", "--table-contract", "feed_items=evolve"]
    ok = write_lines(tmp_path / "ok.jsonl", [{"n": 2, "items": [{"k": 2, "new": "x"}, {"k": 2.5}]}])
    run_cli(transmog_bin, "convert", ok, "-o", tmp_path / "ok", "-q", *frozen)
    assert data(tmp_path / "ok" / "feed_items.parquet") == [{"k": 2.0, "new": "x"}, {"k": 2.5, "new": None}]
    bad = write_lines(tmp_path / "bad.jsonl", [{"n": 3}, {"n": 4, "top": True}])
    proc = run_cli(transmog_bin, "convert", bad, "-o", tmp_path / "bad", *frozen, check=False)
    assert proc.returncode == 1 and "bad.jsonl:2: new column `top` (table 'feed')" in proc.stderr.decode()
    # A new table follows the run's own contract.
    other = write_lines(tmp_path / "other.jsonl", [{"n": 5, "tags": ["a"]}])
    proc = run_cli(transmog_bin, "convert", other, "-o", tmp_path / "other", *frozen, check=False)
    assert proc.returncode == 1 and "new table `tags`" in proc.stderr.decode()
    # The run open, the main table discarding: its new columns are dropped, items' kept.
    schema.write_text(before)
    mixed = [*base, "--table-contract", "feed=discard"]
    day2 = write_lines(tmp_path / "day2.jsonl", [{"n": 6, "top": "x", "items": [{"k": 3, "more": 1}]}])
    report = tmp_path / "report.json"
    run_cli(transmog_bin, "convert", day2, "-o", tmp_path / "mixed", "-q", "--report", report, *mixed)
    assert data(tmp_path / "mixed" / "feed.parquet") == [{"n": 6}]
    assert data(tmp_path / "mixed" / "feed_items.parquet") == [{"k": 3, "more": 1}]
    assert json.loads(report.read_text())["discarded"] == ["feed.top"]
    # A contract for a table the file does not hold is refused.
    proc = run_cli(transmog_bin, "convert", day2, "-o", tmp_path / "typo", *base, "--table-contract",
                   "feed_itms=freeze", check=False)
    assert proc.returncode == 1 and "names table `feed_itms`, which the schema file does not hold" in \
        proc.stderr.decode()


def test_a_contract_needs_a_schema_file(transmog_bin, tmp_path):
    day1 = write_lines(tmp_path / "day1.jsonl", [{"n": 1}])
    proc = run_cli(transmog_bin, "convert", day1, "-o", tmp_path / "o", "--schema-contract", "freeze", check=False)
    assert proc.returncode == 1 and "--schema-contract and --table-contract need --schema FILE" in proc.stderr.decode()


def test_ten_appended_runs_read_back_as_one_table(transmog_bin, tmp_path):
    import duckdb
    import pyarrow as pa
    import pyarrow.dataset as ds

    out = tmp_path / "ds"
    schema = out / "schema.json"
    expected = []
    for day in range(10):
        records = [{"day": day, "n": i, "tags": [f"t{i}"]} for i in range(day + 1)]
        if day >= 5:
            for r in records:
                r["late"] = f"L{day}"
        path = write_lines(tmp_path / f"day{day}.jsonl", records)
        run_cli(transmog_bin, "convert", path, "-o", out, "--entity", "feed", "--append", "--schema", schema,
                "--ids", "position", "-q")
        expected += [(str(day), str(i), f"L{day}" if day >= 5 else None) for i in range(day + 1)]
    parts = sorted((out / "feed").iterdir())
    assert len(parts) == 10 and all(p.name.startswith("part-") for p in parts)
    # Earlier parts are never rewritten: the first run's part is still there, unchanged in rows.
    assert pq.ParquetFile(parts[0]).metadata.num_rows == 1
    query = f"select day, n, late from read_parquet('{out}/feed/*.parquet', union_by_name=true)"
    assert sorted(duckdb.sql(query).fetchall(), key=str) == sorted(expected, key=str)
    schemas = [pq.read_schema(p) for p in parts]
    table = ds.dataset([str(p) for p in parts], schema=pa.unify_schemas(schemas)).to_table()
    assert table.num_rows == len(expected) == 55
    ids = table.column("__extract_id").to_pylist()
    assert len(set(ids)) == 55, "position ids stay unique across runs (their inputs differ)"
    children = duckdb.sql(f"select count(*) from read_parquet('{out}/feed_tags/*.parquet')").fetchall()[0][0]
    assert children == 55


def test_append_needs_a_schema_file(transmog_bin, tmp_path):
    day = write_lines(tmp_path / "d.jsonl", [{"n": 1}])
    proc = run_cli(transmog_bin, "convert", day, "-o", tmp_path / "o", "--append", check=False)
    assert proc.returncode == 1 and "--append needs --schema FILE" in proc.stderr.decode()


def test_the_summary_lists_20_changes_of_a_kind_and_the_report_all(transmog_bin, tmp_path):
    out = tmp_path / "out"
    common = ["--entity", "feed", "--schema", out / "schema.json"]
    run_cli(transmog_bin, "convert", write_lines(tmp_path / "d1.jsonl", [{"a": 1}]), "-o", out, "-q", *common)
    wide = write_lines(tmp_path / "d2.jsonl", [{"a": 2, **{f"c{i:02d}": i for i in range(25)}}])
    report = tmp_path / "r.json"
    err = run_cli(transmog_bin, "convert", wide, "-o", out, "--report", report, *common).stderr.decode()
    assert err.count("  new column feed.") == 20
    assert "... 25 new columns in all (every one in --report FILE)" in err
    assert len(json.loads(report.read_text())["drift"]["new_columns"]) == 25


# -- the Python API (TransmogConfig.with_schema) --------------------------------------

def test_python_runs_keep_names_across_calls_and_report_drift(tmp_path):
    import transmog as tm

    schema = tmp_path / "feed.schema.json"
    processor = tm.Processor(tm.TransmogConfig.default().with_schema(schema))
    first = processor.process([{"a_b": 1}, {"a": {"b": 2}}], "feed")
    assert first.report()["schema_drift"] is None, "nothing saved to compare with"
    assert json.loads(schema.read_text())["entity"] == "feed"
    # Another call, the shapes in the other order: the saved names hold.
    second = processor.process([{"a": {"b": 3}}, {"a_b": 4, "c": {"d": 5}, "items": [{"k": 1}]}], "feed")
    assert [{k: v for k, v in r.items() if not k.startswith("__")} for r in second.get_main_table()] == \
        [{"a_b_2": "3"}, {"a_b": "4", "c_d": "5"}]
    drift = second.report()["schema_drift"]
    assert [(c["column"], c["path"], c["first"]) for c in drift["new_columns"]] == [("c_d", "c.d", "record 1")]
    assert drift["new_tables"] == ["feed_items"]
    # A streaming call (straight from a file into the Parquet writer) uses and updates it too.
    day3 = write_lines(tmp_path / "day3.jsonl", [{"a": {"b": 6}, "late": True}, {"a_b": 7}])
    processor.stream_process_file(str(day3), "feed", "parquet", str(tmp_path / "out"))
    assert by_path(tmp_path / "out" / "feed.parquet") == {"['a', 'b']": "a_b_2", "['late']": "late",
                                                          "['a_b']": "a_b"}
    saved = json.loads(schema.read_text())
    assert [c["name"] for c in saved["tables"][0]["columns"] if not c["name"].startswith("__")] == \
        ["a_b", "a_b_2", "c_d", "late"]


def test_python_contracts_freeze_and_discard(tmp_path):
    import pytest

    import transmog as tm
    from transmog.error import ConfigurationError, ProcessingError

    schema = tmp_path / "s.json"
    config = tm.TransmogConfig.default().with_processing(cast_to_string=False)
    tm.Processor(config.with_schema(schema)).process([{"n": 1, "s": "a"}], "feed")
    before = schema.read_text()
    frozen = tm.Processor(config.with_schema(schema, contract="freeze"))
    day2 = write_lines(tmp_path / "day2.jsonl", [{"n": 2}, {"n": 3, "extra": 1}])
    with pytest.raises(ProcessingError, match=r"day2.jsonl:2: new column `extra`"):
        frozen.process_file(str(day2), "feed")
    with pytest.raises(ProcessingError, match=r"column feed.n would change type from int64 to float64"):
        frozen.process([{"n": 2.5}], "feed")
    assert schema.read_text() == before, "a refused run leaves the file as it was"
    result = tm.Processor(config.with_schema(schema, contract="discard")).process(
        [{"n": 4, "extra": 1, "more": 2, "items": [{"k": 1}, {"k": 2}]}], "feed")
    assert result.get_table_names() == [] and [r["n"] for r in result.get_main_table()] == [4]
    report = result.report()
    assert sorted(report["discarded"]) == ["feed.extra", "feed.more", "feed_items"]
    assert report["discarded_values"] == 4
    assert schema.read_text() == before, "discard adds nothing"
    with pytest.raises(ConfigurationError, match="schema contract"):
        config.with_schema(schema, contract="lenient")
    with pytest.raises(ConfigurationError, match="schema contract"):
        config.with_schema(schema, tables={"feed": "lenient"})
    # Per table: the run frozen, but a table whose new columns are dropped instead.
    per_table = tm.Processor(config.with_schema(schema, contract="freeze", tables={"feed": "discard"}))
    result = per_table.process([{"n": 5, "extra": 1}], "feed")
    assert [{k: v for k, v in r.items() if not k.startswith("__")} for r in result.get_main_table()] == [{"n": 5}]
    assert result.report()["discarded"] == ["feed.extra"]
    with pytest.raises(ProcessingError, match=r"new table `items`"):
        per_table.process([{"n": 6, "items": [{"k": 1}]}], "feed")
    with pytest.raises(ConfigurationError, match="names table `nope`"):
        tm.Processor(config.with_schema(schema, tables={"nope": "freeze"})).process([{"n": 1}], "feed")
    with pytest.raises(ConfigurationError, match="separator `_`"):
        tm.Processor(config.with_schema(schema).with_naming(separator=".")).process([{"n": 1}], "feed")


def test_readme_schema_file_sample_runs(tmp_path):
    """The README's Python/Dask schema file sample, as written, in a fresh process."""
    import subprocess
    import sys

    from conftest import ROOT

    text = (ROOT / "README.md").read_text()
    section = text[text.index("**The same file from Python, Spark and Dask.**"):]
    code = section[section.index("```python") + len("```python"):]
    code = code[:code.index("```")]
    write_lines(tmp_path / "day1.jsonl", [{"id": 1, "a_b": 1}, {"id": 2, "a": {"b": 2}}])
    (tmp_path / "day2").mkdir()
    write_lines(tmp_path / "day2" / "x.jsonl", [{"id": 3, "a": {"b": 3}, "new": {"n": 1}}])
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    first, second = proc.stdout.splitlines()
    assert first == "None"
    assert "'new_columns': [{'column': 'new_n'" in second and "x.jsonl:1" in second
    assert by_path(tmp_path / "out" / "day2" / "feed" / "part-00000.parquet")["['a', 'b']"] == "a_b_2"
