"""transmog-io's CSV and JSON Lines sinks read back with pyarrow, DuckDB, polars and json.

Same fixture scenario as test_io_parquet.py (see write_fixture.rs); text formats keep each
value's own type per batch (no widening), so `score` is `1500` for int rows and `3000.5`
for float rows, `code` is `1500` / `c3000`.
"""

import csv
import json
import os

import duckdb
import polars as pl
import pyarrow.csv as pacsv

from test_io_parquet import write_fixture

COLUMNS = ["id", "name", "score", "flag", "code", "late"]


def expected_text_rows():
    rows = []
    for i in range(3500):
        last = i >= 3000
        rows.append({
            "id": str(i),
            "name": "" if last else f"n{i % 7}",
            "score": repr(i + 0.5) if last else str(i),
            "flag": "" if last else ("true" if i % 2 == 0 else "false"),
            "code": f"c{i}" if last else str(i),
            "late": f"late{i}" if i >= 1500 else "",
        })
    return rows


def test_csv_union_header_and_padding(tmp_path):
    tables = write_fixture(tmp_path, "format=csv")
    assert sorted(os.listdir(tmp_path)) == ["main.csv", "main_items.csv"]
    with open(tables["main"], newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == COLUMNS
    assert [dict(zip(COLUMNS, r)) for r in rows[1:]] == expected_text_rows()
    with open(tables["main"], "rb") as f:
        assert f.readline().endswith(b"\r\n")
    items = pacsv.read_csv(tables["main.items"], convert_options=pacsv.ConvertOptions(strings_can_be_null=True))
    assert items.column_names == ["idx", "value", "maybe", "nothing", "note"]
    assert items.column("note").to_pylist()[699:701] == [None, "x700"]
    n = duckdb.connect().execute(f"SELECT count(*), count(late) FROM read_csv('{tables['main']}')").fetchone()
    assert n == (3500, 2000)


def test_jsonl_objects(tmp_path):
    tables = write_fixture(tmp_path, "format=jsonl")
    lines = open(tables["main"], encoding="utf-8").read().splitlines()
    assert len(lines) == 3500
    objs = [json.loads(l) for l in lines]
    for i, o in enumerate(objs):
        want = {"id": i}
        if i < 3000:
            want.update(name=f"n{i % 7}", score=i, flag=i % 2 == 0, code=i)
        else:
            want.update(score=i + 0.5, code=f"c{i}")
        if i >= 1500:
            want["late"] = f"late{i}"
        assert o == want, i
        # keys in first-seen column order, nulls omitted
        assert list(o) == [c for c in COLUMNS if c in want]
    df = pl.read_ndjson(tables["main.items"])
    assert df.height == 1000
    assert df["value"].to_list()[:3] == [0.0, 0.25, 0.5]
    assert duckdb.connect().execute(f"SELECT count(note) FROM read_json('{tables['main.items']}')").fetchone()[0] == 300
