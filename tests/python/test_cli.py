"""End-to-end: the `transmog` CLI's output read back by pyarrow, DuckDB and polars."""

import gzip
import json

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest

from conftest import run_cli


def flat_expected(records):
    """Expected main-table values for a few columns, computed independently in Python."""
    out = []
    for r in records:
        out.append({
            "order_id": r["order_id"],
            "customer_address_city": r["customer"]["address"]["city"],
            "total": repr(float(r["total"])) if isinstance(r["total"], float) else str(r["total"]),
            "is_gift": "true" if r["is_gift"] else "false",
            "metadata_source": r.get("metadata", {}).get("source"),
        })
    return out


def test_parquet_tables_values_and_links(transmog_bin, orders_jsonl, tmp_path):
    out = tmp_path / "out"
    proc = run_cli(transmog_bin, "convert", orders_jsonl, "-o", out, "--entity", "orders",
                   "--row-group-size", "500")
    summary = proc.stderr.decode()
    assert "2000 records" in summary

    records = [json.loads(l) for l in orders_jsonl.read_text(encoding="utf-8").splitlines()]
    main = pq.read_table(out / "orders.parquet")
    assert main.num_rows == 2000
    pf = pq.ParquetFile(out / "orders.parquet")
    assert [pf.metadata.row_group(i).num_rows for i in range(pf.num_row_groups)] == [500] * 4

    # Late column (first seen after 30 % of the records) is in the same file, NULL before.
    rows = main.select(["order_id", "customer_address_city", "total", "is_gift", "metadata_source"]).to_pylist()
    assert rows == flat_expected(records)
    assert rows[0]["metadata_source"] is None
    assert any(r["metadata_source"] is not None for r in rows)

    # Child tables: one row per array item, every parent id resolves.
    items = pq.read_table(out / "orders_line_items.parquet")
    assert items.num_rows == sum(len(r["line_items"]) for r in records)
    con = duckdb.connect()
    orphans = con.execute(f"""
        SELECT count(*) FROM read_parquet('{out}/orders_line_items_discounts.parquet') d
        LEFT JOIN read_parquet('{out}/orders_line_items.parquet') i
          ON d.__parent_extract_id = i.__extract_id
        WHERE i.__extract_id IS NULL""").fetchone()[0]
    assert orphans == 0
    n_disc = con.execute(
        f"SELECT count(*) FROM read_parquet('{out}/orders_line_items_discounts.parquet')").fetchone()[0]
    assert n_disc == sum(len(li.get("discounts", [])) for r in records for li in r["line_items"])

    # polars reads the same thing.
    tags = pl.read_parquet(out / "orders_tags.parquet")
    assert tags.height == sum(len(r.get("tags", [])) for r in records)
    assert set(tags["__array_field"].unique()) == {"tags"}


def test_typed_mode_keeps_json_types(transmog_bin, orders_jsonl, tmp_path):
    out = tmp_path / "typed"
    run_cli(transmog_bin, "convert", orders_jsonl, "-o", out, "--entity", "orders", "--typed", "-q")
    schema = pq.read_schema(out / "orders.parquet")
    assert str(schema.field("total").type) == "double"
    assert str(schema.field("is_gift").type) == "bool"
    assert str(schema.field("customer_id").type) == "int64"
    assert str(schema.field("order_id").type) == "string"


@pytest.mark.parametrize("fmt,ext", [("csv", "csv"), ("jsonl", "jsonl")])
def test_other_formats_read_back(transmog_bin, orders_jsonl, tmp_path, fmt, ext):
    out = tmp_path / fmt
    run_cli(transmog_bin, "convert", orders_jsonl, "-o", out, "--entity", "orders", "--format", fmt, "-q")
    reader = "read_csv" if fmt == "csv" else "read_json"
    con = duckdb.connect()
    n = con.execute(f"SELECT count(*), count(metadata_source) FROM {reader}('{out}/orders.{ext}')").fetchone()
    assert n[0] == 2000
    assert 0 < n[1] < 2000


def test_gzip_json_array_and_stdin(transmog_bin, orders_jsonl, tmp_path):
    records = [json.loads(l) for l in orders_jsonl.read_text(encoding="utf-8").splitlines()[:50]]
    arr = tmp_path / "orders.json.gz"
    with gzip.open(arr, "wt", encoding="utf-8") as fh:
        json.dump(records, fh, indent=2, ensure_ascii=False)
    run_cli(transmog_bin, "convert", arr, "-o", tmp_path / "a", "-q")
    assert pq.read_table(tmp_path / "a" / "orders.parquet").num_rows == 50

    text = "\n".join(json.dumps(r) for r in records).encode()
    run_cli(transmog_bin, "convert", "-", "-o", tmp_path / "b", "--entity", "s", "-q", input=text)
    assert pq.read_table(tmp_path / "b" / "s.parquet").num_rows == 50


def test_bad_line_strict_and_skip(transmog_bin, tmp_path):
    src = tmp_path / "mixed.jsonl"
    src.write_text('{"a": 1}\n{"a": \n[1]\n{"a": 2}\n', encoding="utf-8")
    proc = run_cli(transmog_bin, "convert", src, "-o", tmp_path / "s", check=False)
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert f"{src}:2: invalid JSON" in err
    assert not list((tmp_path / "s").glob("*.parquet")), "a failed run leaves no final file"

    proc = run_cli(transmog_bin, "convert", src, "-o", tmp_path / "k", "--on-error", "skip")
    err = proc.stderr.decode()
    assert "2 records skipped" in err
    assert f"{src}:3: expected a JSON object as record, found array" in err
    assert pq.read_table(tmp_path / "k" / "mixed.parquet").column("a").to_pylist() == ["1", "2"]


def test_ctrl_c_stops_cleanly_without_output_files(transmog_bin, tmp_path):
    import signal
    import subprocess
    import time

    src = tmp_path / "big.jsonl"
    with open(src, "w") as fh:
        for i in range(300000):
            fh.write(json.dumps({"a": i, "b": {"c": "x" * 20}, "l": [1, 2, {"z": i}]}) + "\n")
    out = tmp_path / "out"
    proc = subprocess.Popen([str(transmog_bin), "convert", str(src), "-o", str(out)], stderr=subprocess.PIPE)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("conversion finished before the signal arrived")  # machine much faster than expected
    assert proc.returncode == 130, err
    assert b"interrupted; no output file was written" in err
    assert list(out.iterdir()) == [], "neither final nor temporary files remain"


def test_each_array_path_owns_its_table_for_any_thread_count(transmog_bin, tmp_path):
    """Paths whose table names clash (sanitized keys; 1.0.6's `_nested_` abbreviation)
    get tables of their own, named in input order whichever thread meets them first."""
    src = tmp_path / "in.jsonl"
    lines = []
    for i in range(6000):
        rec = {"id": i}
        if i < 10 or i % 7 == 0:
            rec["a-b"] = [i]
        if i >= 3000:
            rec["a b"] = [-i]
            rec["app"] = {"x": {"y": {"events": [f"e{i}"]}}}
            rec["app_meta"] = {"p": {"q": {"events": [f"f{i}"]}}}
        lines.append(json.dumps(rec))
    src.write_text("\n".join(lines) + "\n")
    outs = {}
    for naming in ("full", "nested"):
        for threads in ("1", "2"):
            out = tmp_path / f"{naming}-{threads}"
            proc = run_cli(transmog_bin, "convert", src, "-o", out, "-e", "t", "--ids", "position",
                           "--batch-size", "500", "-j", threads, "--naming", naming, "--extract-time",
                           "2026-01-01 00:00:00")
            outs[naming, threads] = {p.stem: pq.read_table(p) for p in out.glob("*.parquet")}
            assert "tables renamed because another array's name was taken" in proc.stderr.decode()
        one, two = outs[naming, "1"], outs[naming, "2"]
        assert sorted(one) == sorted(two)
        for name in one:
            assert one[name].equals(two[name]), (naming, name)
            assert one[name].schema.metadata == two[name].schema.metadata, (naming, name)

    def paths(tables):
        return {name: json.loads(t.schema.metadata[b"transmog.table_path"])
                for name, t in tables.items() if b"transmog.table_path" in (t.schema.metadata or {})}

    assert paths(outs["full", "1"]) == {
        "t_a_b": ["a-b"], "t_a_b_2": ["a b"],
        "t_app_x_y_events": ["app", "x", "y", "events"],
        "t_app_meta_p_q_events": ["app_meta", "p", "q", "events"]}
    assert paths(outs["nested", "1"]) == {
        "t_a_b": ["a-b"], "t_a_b_2": ["a b"],
        "t_app_nested_events": ["app", "x", "y", "events"],
        "t_app_nested_events_2": ["app_meta", "p", "q", "events"]}
    nested = outs["nested", "1"]
    assert nested["t_app_nested_events_2"].column("value").to_pylist()[:2] == ["f3000", "f3001"]
    assert nested["t_a_b_2"].num_rows == 3000


def test_a_table_past_max_file_size_is_a_folder_of_parts_every_reader_reads(transmog_bin, orders_jsonl, tmp_path):
    """`--max-file-size`: tables that reach it are written as `<table>/part-N.parquet`; the
    rows (position ids included) equal the one-file run's, read by DuckDB, pyarrow, polars."""
    one, parts = tmp_path / "one", tmp_path / "parts"
    args = ["--entity", "orders", "--ids", "position", "--extract-time", "T", "--row-group-size", "250"]
    run_cli(transmog_bin, "convert", orders_jsonl, "-o", one, "--max-file-size", "0", "-q", *args)
    proc = run_cli(transmog_bin, "convert", orders_jsonl, "-o", parts, "--max-file-size", "64K", *args)
    singles = sorted(p.stem for p in one.glob("*.parquet"))
    folders = sorted(p.name for p in parts.iterdir() if p.is_dir())
    assert "orders" in folders and set(folders) <= set(singles)
    # Tables too small to reach 64 KiB stay one file.
    assert sorted(folders + [p.stem for p in parts.glob("*.parquet")]) == singles
    assert "orders/ (" in proc.stderr.decode() and " files)" in proc.stderr.decode()
    for table in folders:
        files = sorted((parts / table).iterdir())
        assert [f.name for f in files] == [f"part-{i:05d}.parquet" for i in range(len(files))]
        assert len(files) >= 2, table
        query = (f"select * from read_parquet('{parts / table}/*.parquet', union_by_name=true) "
                 f"order by __extract_id")
        got = duckdb.sql(query).fetchall()
        want = duckdb.sql(f"select * from read_parquet('{one / table}.parquet') order by __extract_id").fetchall()
        assert got == want, table
        assert pl.scan_parquet(f"{parts / table}/*.parquet").select(pl.len()).collect().item() == len(want)
        assert sum(pq.ParquetFile(f).metadata.num_rows for f in files) == len(want)
    # The next run into the folder, under the limit again, turns each table back into one file.
    run_cli(transmog_bin, "convert", orders_jsonl, "-o", parts, "--max-file-size", "0", "-q", *args)
    assert sorted(p.name for p in parts.iterdir() if not p.name.startswith(".")) == [f"{s}.parquet" for s in singles]
