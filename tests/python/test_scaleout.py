"""transmog.spark (PySpark local[2]) and transmog.dask against the single-machine CLI:
the same rows per table (ids included, with position or content ids), retried tasks
that add nothing, and one union schema for columns only some partitions saw."""

import gzip
import json
import os
import sys
import uuid

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from conftest import kill_after, run_cli
from transmog import _scaleout
from transmog.config import TransmogConfig
from transmog.error import ConfigurationError, OutputError, ParsingError

NAMESPACE = uuid.UUID("a9b8c7d6-e5f4-1234-abcd-0123456789ab")
TIME = "2026-01-02 03:04:05.000006"


@pytest.fixture(scope="module")
def shards(orders_jsonl, tmp_path_factory):
    """The generated orders in three files (one gzipped); only the last has `late_col`."""
    lines = orders_jsonl.read_text().splitlines()
    folder = tmp_path_factory.mktemp("shards")
    cut = [lines[:700], lines[700:1400], lines[1400:]]
    paths = []
    for i, part in enumerate(cut):
        if i == 2:
            part = [json.dumps({**json.loads(line), "late_col": f"v{n}"}) for n, line in enumerate(part)]
        text = "\n".join(part) + "\n"
        if i == 1:
            p = folder / f"orders-{i}.jsonl.gz"
            p.write_bytes(gzip.compress(text.encode()))
        else:
            p = folder / f"orders-{i}.jsonl"
            p.write_text(text)
        paths.append(p)
    return paths


def offsets(path):
    """Byte offsets of a JSON Lines file's lines (uncompressed): what position ids are
    made from (``uuid5(name + "\\x1f@" + offset)``)."""
    data = gzip.decompress(path.read_bytes()) if str(path).endswith(".gz") else path.read_bytes()
    found, at = [], 0
    for line in data.splitlines(keepends=True):
        if line.strip():
            found.append(at)
        at += len(line)
    return found


def position_id(name, offset):
    return str(uuid.uuid5(NAMESPACE, f"{name}\x1f@{offset}"))


def split_count(path, size=65536):
    return -(-path.stat().st_size // size)


def cli_tables(exe, inputs, out, *extra):
    run_cli(exe, "convert", *inputs, "-o", out, "--entity", "orders", "--extract-time", TIME, "-q", *extra)
    return {p.stem: p for p in out.glob("*.parquet")}


def rows_of(source):
    """A table's rows as a sorted list of JSON texts, columns in name order."""
    if str(source).endswith(".parquet"):
        table = pq.read_table(source)
    else:
        parts = sorted(source.glob("*.parquet"))
        schema = pa.unify_schemas([pq.read_schema(p) for p in parts])
        table = ds.dataset([str(p) for p in parts], format="parquet", schema=schema).to_table()
    rows = table.to_pylist()
    return sorted(json.dumps(r, sort_keys=True) for r in rows)


def assert_same_tables(cli, result, output):
    assert sorted(cli) == sorted(result)
    for stem, path in cli.items():
        want = rows_of(path)
        got = rows_of(output / stem)
        assert len(got) == len(want) == result[stem].rows, stem
        assert got == want, stem


def test_spark_files_equal_cli_with_position_ids(spark, shards, transmog_bin, tmp_path):
    cli = cli_tables(transmog_bin, shards, tmp_path / "cli", "--ids", "position")
    out = tmp_path / "spark"
    from transmog.spark import flatten

    result = flatten(spark, str(shards[0].parent / "orders-*"), str(out), "orders", extract_time=TIME)
    assert result.records == 2000 and result.skipped == 0
    # Plain JSON Lines files larger than maxPartitionBytes (64 KiB here) are split into
    # byte ranges, a task each; the gzipped one is read whole.
    assert len(result["orders"].files) == split_count(shards[0]) + 1 + split_count(shards[2])
    assert_same_tables(cli, result, out)
    # Ids are uuid5(file name, byte offset of the record's line): computed here
    # independently.
    main = pq.read_table(out / "orders").to_pylist()
    ids = {r["__extract_id"] for r in main}
    for shard, index in [(0, 0), (1, 5), (2, 599)]:
        assert position_id(shards[shard].name, offsets(shards[shard])[index]) in ids
    assert not (out / "_temporary").exists() and (out / "_SUCCESS").exists()
    summary = json.loads((out / "_schema.json").read_text())
    assert summary["records"] == 2000
    assert summary["tables"]["orders"]["rows"] == 2000


def test_late_column_is_in_every_readers_union_schema(spark, shards, tmp_path):
    from transmog.spark import flatten

    out = tmp_path / "spark"
    result = flatten(spark, [str(p) for p in shards], str(out), "orders", extract_time=TIME)
    assert "late_col" in result["orders"].schema.names
    df = spark.read.option("mergeSchema", "true").parquet(str(out / "orders"))
    assert "late_col" in df.columns
    assert df.filter(df.late_col.isNotNull()).count() == 600
    assert df.filter(df.late_col.isNull()).count() == 1400
    dataset = ds.dataset(str(out / "orders"), format="parquet",
                         schema=result["orders"].schema).to_table()
    assert dataset.column("late_col").null_count == 1400
    n = duckdb.sql(f"select count(late_col) from read_parquet('{out}/orders/*.parquet', union_by_name=true)")
    assert n.fetchall() == [(600,)]


def test_a_task_that_fails_once_is_retried_without_duplicates(spark, shards, transmog_bin, tmp_path):
    from transmog.spark import flatten

    marker = tmp_path / "failed-once"

    def fail_first_attempt(partition, files):
        # Files of this attempt are already written under _temporary when it fails.
        if partition == 0 and not marker.exists():
            marker.write_text("x")
            raise RuntimeError("injected task failure")

    cli = cli_tables(transmog_bin, shards, tmp_path / "cli", "--ids", "position")
    out = tmp_path / "spark"
    result = flatten(spark, [str(p) for p in shards], str(out), "orders", extract_time=TIME,
                     _task_hook=fail_first_attempt)
    assert marker.exists()
    assert_same_tables(cli, result, out)
    assert not (out / "_temporary").exists()


def test_spark_dataframe_of_json_texts_equals_cli_with_hash_ids(spark, orders_jsonl, transmog_bin, tmp_path):
    from transmog.spark import flatten

    cli = cli_tables(transmog_bin, [orders_jsonl], tmp_path / "cli", "--ids", "hash")
    frame = spark.read.text(str(orders_jsonl)).repartition(3)
    out = tmp_path / "spark"
    result = flatten(spark, frame, str(out), "orders", extract_time=TIME)
    assert result.records == 2000
    assert_same_tables(cli, result, out)
    with pytest.raises(ConfigurationError, match="no stable position"):
        flatten(spark, frame, str(tmp_path / "other"), "orders", ids="position")


def test_typed_columns_that_differ_across_partitions_get_one_type(spark, tmp_path):
    from transmog.spark import flatten

    src = tmp_path / "in"
    src.mkdir()
    (src / "a.jsonl").write_text('{"x": 1, "y": 1, "z": true, "w": true}\n{"x": 2, "y": 2, "z": false, "w": false}\n')
    (src / "b.jsonl").write_text('{"x": "text", "y": 2.5, "z": true, "w": 3}\n')
    out = tmp_path / "out"
    config = TransmogConfig().with_processing(cast_to_string=False)
    result = flatten(spark, str(src / "*.jsonl"), str(out), "t", config=config)
    schema = result["t"].schema
    assert schema.field("x").type == pa.string()
    assert schema.field("y").type == pa.float64()
    assert schema.field("z").type == pa.bool_()
    table = ds.dataset(str(out / "t"), format="parquet").to_table()
    assert sorted(table.column("x").to_pylist()) == ["1", "2", "text"]
    assert sorted(table.column("y").to_pylist()) == [1.0, 2.0, 2.5]
    # Booleans that meet numbers are text spelled as the CLI spells them.
    assert sorted(table.column("w").to_pylist()) == ["3", "false", "true"]
    df = spark.read.option("mergeSchema", "true").parquet(str(out / "t"))
    assert df.count() == 3


def test_spark_refuses_a_non_empty_output_and_names_that_collide(spark, shards, tmp_path):
    from transmog.spark import flatten

    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    with pytest.raises(OutputError, match="not empty"):
        flatten(spark, [str(p) for p in shards], str(out), "orders")
    assert (out / "keep.txt").exists()
    a, b = tmp_path / "p1", tmp_path / "p2"
    a.mkdir(), b.mkdir()
    (a / "x.jsonl").write_text('{"v": 1}\n')
    (b / "x.jsonl").write_text('{"v": 2}\n')
    with pytest.raises(ConfigurationError, match=r"both named .x\.jsonl."):
        flatten(spark, [str(a / "x.jsonl"), str(b / "x.jsonl")], str(tmp_path / "o2"), "t",
                id_root=str(a))
    # Named by their path under the common folder, the two files are told apart.
    result = flatten(spark, [str(a / "x.jsonl"), str(b / "x.jsonl")], str(tmp_path / "o3"), "t")
    assert result["t"].rows == 2
    ids = set(pq.read_table(tmp_path / "o3" / "t").column("__extract_id").to_pylist())
    assert ids == {position_id(f"{d}/x.jsonl", 0) for d in ("p1", "p2")}


def test_dask_equals_cli(shards, transmog_bin, tmp_path):
    from transmog.dask import flatten

    cli = cli_tables(transmog_bin, shards, tmp_path / "cli", "--ids", "position")
    out = tmp_path / "dask"
    result = flatten(str(shards[0].parent / "orders-*"), str(out), "orders", extract_time=TIME,
                     partition_bytes=1, scheduler="processes")
    # Byte ranges are at least 64 KiB long.
    assert len(result["orders"].files) == split_count(shards[0]) + 1 + split_count(shards[2])
    assert_same_tables(cli, result, out)


def test_remote_inputs_arrive_as_bytes_and_keep_their_name(shards, tmp_path):
    """What a task does with a file Spark read from a remote file system."""
    plan = _scaleout.make_plan(str(tmp_path / "out"), "orders", mode="error", config=None, ids="position",
                               input_format="auto", csv_options=None, output_format="parquet",
                               chunk_size=100, root="s3a://bucket/data", format_options={},
                               extract_time=TIME)
    content = shards[1].read_bytes()
    rows = _scaleout.run_partition(plan, 0, "a1", [("s3a://bucket/data/day=1/orders-1.jsonl.gz", content)])
    result = _scaleout.commit(plan, str(tmp_path / "out"), rows)
    assert result.records == 700
    first = pq.read_table(tmp_path / "out" / "orders").column("__extract_id")[0].as_py()
    assert first == position_id("day=1/orders-1.jsonl.gz", 0)
    assert not [p for p in (tmp_path / "out").rglob(".input-*")]


def test_cli_position_ids_do_not_depend_on_threads_or_chunks(transmog_bin, orders_jsonl, tmp_path):
    one = cli_tables(transmog_bin, [orders_jsonl], tmp_path / "j1", "--ids", "position", "-j", "1",
                     "--batch-size", "100")
    two = cli_tables(transmog_bin, [orders_jsonl], tmp_path / "j2", "--ids", "position", "-j", "2",
                     "--batch-size", "100")
    # Chunks cut by size (a few records each, or one per chunk) give the same files.
    small = cli_tables(transmog_bin, [orders_jsonl], tmp_path / "small", "--ids", "position", "-j", "2",
                       "--chunk-bytes", "3K")
    single = cli_tables(transmog_bin, [orders_jsonl], tmp_path / "single", "--ids", "position", "-j", "2",
                        "--chunk-bytes", "1")
    for stem in one:
        assert one[stem].read_bytes() == two[stem].read_bytes(), stem
        assert one[stem].read_bytes() == small[stem].read_bytes() == single[stem].read_bytes(), stem
    ids = pq.read_table(one["orders"]).column("__extract_id").to_pylist()
    assert ids[1234] == position_id("orders.jsonl", offsets(orders_jsonl)[1234])
    proc = run_cli(transmog_bin, "convert", orders_jsonl, orders_jsonl, "-o", tmp_path / "dup", "--ids",
                   "position", check=False)
    assert proc.returncode != 0 and "both named" in proc.stderr.decode()


def test_readme_scaling_out_sample_runs(tmp_path):
    """The README's Spark sample, as written, in a fresh process (its own Spark session)."""
    import subprocess

    from conftest import ROOT

    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Scaling out"):]
    code = section[section.index("```python") + len("```python"):]
    code = code[:code.index("```")]
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "orders.jsonl").write_bytes((ROOT / "examples" / "orders.jsonl").read_bytes())
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable}
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "200 {'orders': 200, 'orders_line_items': " in proc.stdout
    assert "only showing top 3 rows" in proc.stdout
    assert pq.read_table(tmp_path / "out-spark" / "orders").num_rows == 200


def test_bad_records_in_a_task_fail_the_job_or_are_skipped_and_reported(spark, tmp_path):
    from transmog.spark import flatten

    src = tmp_path / "in"
    src.mkdir()
    (src / "good.jsonl").write_text('{"a": 1}\n{"a": 2}\n')
    (src / "bad.jsonl").write_text('{"a": 3}\n{"a": \n{"a": 4}\n')
    with pytest.raises(Exception, match="bad.jsonl at line 2: invalid JSON"):
        flatten(spark, str(src / "*.jsonl"), str(tmp_path / "strict"), "t")
    assert not (tmp_path / "strict" / "_temporary").exists()
    assert not list((tmp_path / "strict").rglob("*.parquet"))
    config = TransmogConfig().with_error_handling(recovery_strategy="skip")
    result = flatten(spark, str(src / "*.jsonl"), str(tmp_path / "skip"), "t", config=config)
    # records: those flattened; skipped ones are counted apart.
    assert (result.records, result.skipped, result["t"].rows) == (4, 1, 4)
    assert len(result.problems) == 1 and "bad.jsonl:2: invalid JSON" in result.problems[0]
    summary = json.loads((tmp_path / "skip" / "_schema.json").read_text())
    assert summary["skipped"] == 1 and summary["problems"] == result.problems


def test_one_set_of_inputs_gives_the_same_tables_through_every_face(spark, transmog_bin, tmp_path):
    """CLI, Python API, Spark and Dask on the same files, typed: int/float/bool/string
    mixes across files, a column first seen in the second file, a name two paths want
    (the literal key `a_b` in one file, the path a.b in the other), a table name two
    arrays want (`x-y` in one file, `x y` in the other: each partition alone would name
    its own `t_x_y`), a bad record under skip. Position ids make the tables comparable value for value, types included."""
    import transmog as tm
    from transmog.dask import flatten as dask_flatten
    from transmog.spark import flatten as spark_flatten

    src = tmp_path / "in"
    src.mkdir()
    (src / "a.jsonl").write_text(
        '{"id": 1, "n": 1, "flag": true, "a_b": "lit", "items": [{"q": 1}, {"q": 2}]}\n'
        '{"id": 2, "n": 2, "flag": false, "tags": ["x"], "x-y": [1, 2]}\n')
    (src / "b.jsonl").write_text(
        '{"id": 3, "n": 2.5, "flag": "yes", "a": {"b": "nested"}, "late": "L",'
        ' "items": [{"q": "two", "extra": true}]}\n'
        '{"id": \n'
        '{"id": 4, "n": 7, "a_b": "lit2", "items": [], "x y": [3]}\n')
    inputs = [src / "a.jsonl", src / "b.jsonl"]
    config = (tm.TransmogConfig.default().with_processing(cast_to_string=False)
              .with_error_handling(recovery_strategy="skip"))

    faces = {}
    cli = tmp_path / "cli"
    run_cli(transmog_bin, "convert", *inputs, "-o", cli, "--entity", "t", "--typed", "--ids", "position",
            "--on-error", "skip", "--extract-time", TIME, "-q")
    faces["cli"] = {p.stem: pq.read_table(p) for p in cli.glob("*.parquet")}
    result = tm.Processor(config.with_metadata(id_generation_strategy="position")).process_file(
        [str(p) for p in inputs], "t", extract_time=TIME)
    faces["python"] = {("t" if key == "main" else key): table for key, table in result.to_arrow().items()}
    # One partition per file: the parts meet at the driver.
    spark.conf.set("spark.sql.files.maxPartitionBytes", "100")
    try:
        for name, run in (("spark", lambda out: spark_flatten(spark, str(src / "*.jsonl"), out, "t", config=config,
                                                             ids="position", extract_time=TIME)),
                          ("dask", lambda out: dask_flatten(str(src / "*.jsonl"), out, "t", config=config,
                                                            ids="position", extract_time=TIME,
                                                            partition_bytes=1, scheduler="synchronous"))):
            out = tmp_path / name
            job = run(str(out))
            assert (job.records, job.skipped) == (4, 1), name
            assert len(job["t"].files) == 2, name  # one part per input file
            faces[name] = {stem: ds.dataset(str(out / stem), format="parquet",
                                            schema=job[stem].schema).to_table() for stem in job}
    finally:
        spark.conf.set("spark.sql.files.maxPartitionBytes", "65536")

    def shape(tables):
        return {name: {f.name: str(f.type) for f in table.schema} for name, table in tables.items()}

    def rows(tables):
        return {name: sorted(json.dumps({k: v for k, v in r.items() if v is not None}, sort_keys=True)
                             for r in table.to_pylist())
                for name, table in tables.items()}

    want = faces["cli"]
    assert shape(want)["t"]["n"] == "double" and shape(want)["t"]["flag"] == "string"
    assert {"a_b", "a_b_2", "late"} <= set(shape(want)["t"])
    # The first array path met owns the name; the other gets `_2`, in every face.
    assert sorted(r["value"] for r in want["t_x_y"].to_pylist()) == [1, 2]
    assert [r["value"] for r in want["t_x_y_2"].to_pylist()] == [3]
    path = lambda t: json.loads(t.schema.metadata[b"transmog.table_path"])  # noqa: E731
    assert (path(want["t_x_y"]), path(want["t_x_y_2"])) == (["x-y"], ["x y"])
    assert sorted(json.loads(r).get("flag", "") for r in rows(want)["t"]) == ["", "false", "true", "yes"]
    for face in ("python", "spark", "dask"):
        assert shape(faces[face]) == shape(want), face
        assert rows(faces[face]) == rows(want), face


def split_size(path, parts):
    return -(-path.stat().st_size // parts)


@pytest.fixture(scope="module")
def one_big_file(orders_jsonl, tmp_path_factory):
    """The orders as one file with CRLF line ends, a blank line and no final newline."""
    lines = orders_jsonl.read_text().splitlines()
    path = tmp_path_factory.mktemp("big") / "orders.jsonl"
    path.write_bytes(("\r\n".join(lines[:1000]) + "\r\n\r\n" + "\r\n".join(lines[1000:])).encode())
    return path


def test_one_file_split_into_ranges_gives_the_cli_tables_in_spark_and_dask(spark, one_big_file, transmog_bin,
                                                                           tmp_path):
    from transmog.dask import flatten as dask_flatten
    from transmog.spark import flatten as spark_flatten

    cli = cli_tables(transmog_bin, [one_big_file], tmp_path / "cli", "--ids", "position")
    for parts in (1, 2, 7):
        size = split_size(one_big_file, parts)
        out = tmp_path / f"dask-{parts}"
        result = dask_flatten(str(one_big_file), str(out), "orders", extract_time=TIME, partition_bytes=size,
                              scheduler="synchronous")
        assert len(result["orders"].files) == parts, parts
        assert_same_tables(cli, result, out)
    spark.conf.set("spark.sql.files.maxPartitionBytes", str(split_size(one_big_file, 7)))
    try:
        out = tmp_path / "spark-7"
        result = spark_flatten(spark, str(one_big_file), str(out), "orders", extract_time=TIME)
    finally:
        spark.conf.set("spark.sql.files.maxPartitionBytes", "65536")
    assert len(result["orders"].files) == 7
    assert_same_tables(cli, result, out)
    main = pq.read_table(out / "orders").column("__extract_id").to_pylist()
    assert position_id("orders.jsonl", offsets(one_big_file)[1500]) in set(main)


def test_a_bad_record_at_a_range_boundary(transmog_bin, orders_jsonl, tmp_path):
    from transmog.dask import flatten as dask_flatten

    lines = orders_jsonl.read_text().splitlines(keepends=True)
    # The bad line starts exactly where the second range starts.
    head = "".join(lines[:700])
    path = tmp_path / "in" / "orders.jsonl"
    path.parent.mkdir()
    path.write_text(head + '{"id": \n' + "".join(lines[700:]))
    size = len(head.encode())
    cli = cli_tables(transmog_bin, [path], tmp_path / "cli", "--ids", "position", "--on-error", "skip")
    config = TransmogConfig.default().with_error_handling(recovery_strategy="skip")
    result = dask_flatten(str(path), str(tmp_path / "skip"), "orders", config=config, extract_time=TIME,
                          partition_bytes=size, scheduler="synchronous")
    assert (result.records, result.skipped) == (2000, 1)
    assert len(result["orders"].files) > 1
    assert_same_tables(cli, result, tmp_path / "skip")
    with pytest.raises(ParsingError, match=rf"orders\.jsonl: byte {size}: invalid JSON"):
        dask_flatten(str(path), str(tmp_path / "strict"), "orders", extract_time=TIME, partition_bytes=size,
                     scheduler="synchronous")


def dataset_state(out):
    """A dataset folder as {relative path: extraction times of its rows}, as a dataset
    reader lists it (names starting with `_` or `.` are not data, as for pyarrow)."""
    state = {}
    for p in sorted(out.rglob("*.parquet")):
        rel = str(p.relative_to(out))
        if any(part.startswith(("_", ".")) for part in p.relative_to(out).parts):
            continue
        state[rel] = tuple(sorted(set(pq.read_table(p, columns=["__extract_datetime"]).column(0).to_pylist())))
    return state


def job(shards, out, time, mode, split=True, inject=None):
    """One job through the driver functions Spark and Dask use (tasks in this process)."""
    plan = _scaleout.make_plan(str(out), "orders", mode=mode, config=None, ids="position",
                               input_format="auto", csv_options=None, output_format="parquet",
                               chunk_size=200, root=str(shards[0].parent), format_options={},
                               extract_time=time)
    files = shards if split else shards[:1]
    rows = []
    for i, f in enumerate(files):
        rows.extend(_scaleout.run_partition(plan, i, "a1", [(str(f), None)]))
    if inject is not None:
        inject()
    try:
        return _scaleout.commit(plan, str(out), rows)
    except BaseException:
        _scaleout.abort(plan.output)
        raise


def test_a_driver_commit_replaces_the_dataset_whole_or_not_at_all(shards, tmp_path, monkeypatch):
    out = tmp_path / "out"
    job(shards, out, "A", "error")
    state_a = dataset_state(out)
    assert state_a and all(v == ("A",) for v in state_a.values())
    assert sorted(p.name for p in out.iterdir() if p.is_file()) == ["_SUCCESS", "_schema.json"]

    # The second job fails half-way through its commit: the first dataset is intact.
    real_replace = os.replace
    calls = []

    def flaky(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    with monkeypatch.context() as m:
        with pytest.raises(OSError, match="No space"):
            job(shards[:1], out, "B", "overwrite",
                inject=lambda: m.setattr(_scaleout.os, "replace", flaky))
    assert dataset_state(out) == state_a
    assert [p.name for p in tmp_path.iterdir()] == ["out"]

    # Under overwrite the old dataset stays readable while the job runs; then it is
    # replaced as a whole, nothing of it left behind (not even a table B does not make).
    def during():
        assert dataset_state(out) == state_a
    result = job(shards[:1], out, "B", "overwrite", inject=during)
    state_b = dataset_state(out)
    assert all(v == ("B",) for v in state_b.values())
    assert set(state_b) == {os.path.relpath(f, out) for t in result.values() for f in t.files}
    assert not (out / _scaleout.TEMP_DIR).exists()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


DRIVER = """
import sys, pathlib
sys.path.insert(0, {tests!r})
from test_scaleout import job
shards = [pathlib.Path(p) for p in {shards!r}]
job(shards, pathlib.Path({out!r}), "B", "overwrite", split=False)
"""


def test_sigkill_of_the_driver_leaves_one_whole_dataset(shards, tmp_path):
    """A driver killed at any moment of a job that replaces a dataset: the folder holds the
    previous dataset or the new one, never parts of both."""
    import random
    import subprocess
    import time as clock

    out = tmp_path / "out"
    script = DRIVER.format(tests=os.path.dirname(__file__), shards=[str(p) for p in shards], out=str(out))
    job(shards, out, "B", "error", split=False)
    state_b = dataset_state(out)
    started = clock.monotonic()
    subprocess.run([sys.executable, "-c", script], check=True)
    duration = clock.monotonic() - started
    assert dataset_state(out) == state_b
    seed = int(os.environ.get("TRANSMOG_KILL_SEED", clock.time_ns() % 1_000_000))
    rng = random.Random(seed)
    seen = set()
    for k in range(6):
        job(shards, out, "A", "overwrite")
        state_a = dataset_state(out)
        delay = rng.uniform(0.3, 1.1) * duration
        kill_after([sys.executable, "-c", script], delay)
        state = dataset_state(out)
        assert state in (state_a, state_b), f"seed {seed}, kill {k} after {delay:.2f}s"
        seen.add("A" if state == state_a else "B")
    assert "A" in seen, f"seed {seed}: no kill landed before the commit"


def test_a_job_refuses_max_file_size(shards, tmp_path):
    from transmog.dask import flatten

    with pytest.raises(ConfigurationError, match="max_file_size"):
        flatten(str(shards[0]), str(tmp_path / "out"), "orders", max_file_size=1 << 20)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_big_file_read_whole_is_named_in_the_job_summary(orders_jsonl, tmp_path, caplog):
    """Files that cannot be split and are larger than a partition bound the job's speed:
    the summary (and the log) says which, and why."""
    from transmog.dask import flatten

    data = tmp_path / "in"
    data.mkdir()
    text = orders_jsonl.read_bytes()
    (data / "big.jsonl.gz").write_bytes(gzip.compress(text))
    (data / "small.jsonl").write_bytes(text[: text.index(b"\n") + 1])
    with caplog.at_level("WARNING", logger="transmog"):
        result = flatten(str(data / "*"), str(tmp_path / "out"), "orders", partition_bytes=64 << 10,
                         scheduler="synchronous")
    assert len(result.notes) == 1
    note = result.notes[0]
    assert note.startswith("big.jsonl.gz: ") and "read whole by one task (compressed" in note
    assert note in caplog.text
    summary = json.loads((tmp_path / "out" / _scaleout.SCHEMA_FILE).read_text())
    assert summary["notes"] == result.notes
    # Split files and files under the partition size give no note.
    again = flatten(str(orders_jsonl), str(tmp_path / "out2"), "orders", partition_bytes=64 << 10,
                    scheduler="synchronous")
    assert again.notes == []
    # A file above a tiny partition size but below the smallest split (64 KiB) is no news.
    tiny = flatten(str(data / "small.jsonl"), str(tmp_path / "out3"), "orders", partition_bytes=100,
                   scheduler="synchronous")
    assert (data / "small.jsonl").stat().st_size > 100 and tiny.notes == []


def test_a_csv_file_split_into_ranges_gives_the_cli_tables(transmog_bin, tmp_path):
    """CSV inputs split too, at record starts the parser finds: quoted fields that hold
    line breaks are never cut, and every range reads under the file's header."""
    from transmog.dask import flatten

    path = tmp_path / "rows.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("id,comment,size\r\n")
        for i in range(4000):
            fh.write(f'{i},"said:\n""hello {i}"", twice",{i % 7}" screen\r\n')
    cli = cli_tables(transmog_bin, [path], tmp_path / "cli", "--ids", "position")
    result = flatten(str(path), str(tmp_path / "dask"), "orders", extract_time=TIME, partition_bytes=1,
                     scheduler="processes")
    assert len(result["orders"].files) == len(_native_ranges(path)) >= 3
    assert_same_tables(cli, result, tmp_path / "dask")
    rows = rows_of(tmp_path / "dask" / "orders")
    assert len(rows) == 4000 and all("\\n\\\"hello" in r for r in rows)


def _native_ranges(path):
    from transmog import _native

    return _native.split_ranges(str(path), _scaleout.MIN_SPLIT_BYTES)


def test_a_schema_file_round_trips_through_the_cli_python_spark_and_dask(spark, transmog_bin, tmp_path):
    """One schema file, five days, four faces: each day meets the colliding shapes in
    another order, and every face gives each saved name the field it had on day 1,
    reports what is new with its first record, and leaves the file for the next face."""
    import transmog as tm
    from transmog.dask import flatten as dask_flatten
    from transmog.spark import flatten as spark_flatten

    def lines(path, records):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(r) + "\n" for r in records))
        return path

    def names(schema):
        """{source path: column name} of the data columns."""
        return {tuple(json.loads(f.metadata[b"transmog.path"])): f.name
                for f in schema if f.metadata and b"transmog.path" in f.metadata}

    schema_file = tmp_path / "feed.schema.json"
    config = tm.TransmogConfig.default().with_processing(cast_to_string=False).with_schema(schema_file)
    # Day 1, CLI: the field `a_b` comes first and owns the name.
    day1 = lines(tmp_path / "d1" / "day1.jsonl", [{"a_b": 1}, {"a": {"b": 2}}])
    run_cli(transmog_bin, "convert", day1, "-o", tmp_path / "cli1", "--entity", "t", "--typed", "--naming",
            "nested", "--maps", "off", "--schema", schema_file, "-q")
    day1_names = names(pq.read_schema(tmp_path / "cli1" / "t.parquet"))
    assert day1_names == {("a_b",): "a_b", ("a", "b"): "a_b_2"}

    # Day 2, Python: the path a.b comes first; a new column on line 2.
    day2 = lines(tmp_path / "d2" / "day2.jsonl", [{"a": {"b": 3}}, {"a_b": 4, "new": "x"}])
    result = tm.Processor(config).process_file(str(day2), "t")
    assert names(result.to_arrow()["main"].schema) == {**day1_names, ("new",): "new"}
    drift = result.report()["schema_drift"]
    assert [(c["column"], c["first"]) for c in drift["new_columns"]] == [("new", f"{day2}:2")]
    assert drift["widened"] == [] and drift["new_tables"] == []

    # Day 3, Spark, one partition per file: the parts meet at the driver under the saved names.
    src3 = tmp_path / "d3"
    lines(src3 / "p1.jsonl", [{"a": {"b": 5}, "new": "y", "items": [{"k": 1}]}])
    lines(src3 / "p2.jsonl", [{"a_b": 6, "z": 1.5}, {"a_b": "seven"}])
    spark.conf.set("spark.sql.files.maxPartitionBytes", "40")
    try:
        job = spark_flatten(spark, str(src3 / "*.jsonl"), str(tmp_path / "spark"), "t", config=config)
    finally:
        spark.conf.set("spark.sql.files.maxPartitionBytes", "65536")
    assert len(job["t"].files) == 2
    assert names(job["t"].schema) == {**day1_names, ("new",): "new", ("z",): "z"}
    drift = job.schema_drift
    assert drift["new_tables"] == ["t_items"]
    # Spark names its inputs by URI.
    assert [(c["column"], c["first"]) for c in drift["new_columns"]] == [("z", f"file:{src3 / 'p2.jsonl'}:1")]
    assert drift["widened"] == [{"table": "t", "column": "a_b", "from": "int64", "to": "string"}]
    assert json.loads((tmp_path / "spark" / "_schema.json").read_text())["schema_drift"] == drift
    saved = json.loads(schema_file.read_text())
    assert [t["name"] for t in saved["tables"]] == ["t", "t_items"]

    # Day 4, Dask, frozen: what the file holds passes, anything new is refused with its line.
    frozen = config.with_schema(schema_file, contract="freeze")
    day4 = lines(tmp_path / "d4" / "day4.jsonl", [{"a": {"b": 8}, "z": 2.5, "a_b": "x"}])
    job = dask_flatten(str(day4), str(tmp_path / "dask"), "t", config=frozen, scheduler="synchronous")
    assert names(job["t"].schema) == {**day1_names, ("z",): "z"}
    assert job.schema_drift["new_columns"] == [] and job.schema_drift["widened"] == []
    before = schema_file.read_text()
    bad = lines(tmp_path / "d4b" / "day4.jsonl", [{"a_b": "x"}, {"brand_new": 1}])
    with pytest.raises(Exception, match=r"day4.jsonl:2: new column `brand_new`"):
        dask_flatten(str(bad), str(tmp_path / "dask-bad"), "t", config=frozen, scheduler="synchronous")
    assert schema_file.read_text() == before
    # Frozen but for the items table, whose new columns are let in.
    open_items = config.with_schema(schema_file, contract="freeze", tables={"t_items": "evolve"})
    day4c = lines(tmp_path / "d4c" / "day4.jsonl", [{"a_b": "y", "items": [{"k": 2, "note": "n"}]}])
    job = dask_flatten(str(day4c), str(tmp_path / "dask-items"), "t", config=open_items, scheduler="synchronous")
    assert [(c["table"], c["column"]) for c in job.schema_drift["new_columns"]] == [("t_items", "note")]

    # Day 5, CLI again, from the file the other faces wrote: the same names, no change.
    day5 = lines(tmp_path / "d5" / "day5.jsonl", [{"a": {"b": 9}}, {"a_b": "ten", "new": "n", "z": 3.5}])
    run_cli(transmog_bin, "convert", day5, "-o", tmp_path / "cli5", "--entity", "t", "--typed", "--naming",
            "nested", "--maps", "off", "--schema", schema_file, "--report", tmp_path / "report.json", "-q")
    assert names(pq.read_schema(tmp_path / "cli5" / "t.parquet")) == {**day1_names, ("new",): "new",
                                                                        ("z",): "z"}
    drift = json.loads((tmp_path / "report.json").read_text())["drift"]
    assert (drift["new_tables"], drift["new_columns"], drift["widened"]) == ([], [], [])
