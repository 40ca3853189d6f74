#!/usr/bin/env python3
"""DuckDB: COPY (SELECT * FROM read_json(..., sample_size=-1)) TO main.parquet
(FORMAT parquet, COMPRESSION snappy). One table; nested objects and arrays stay
STRUCT / LIST columns (no child tables). sample_size=-1 makes DuckDB read the
whole file for its schema: with the default sample (20480 rows) it stops with an
error at the first record holding the late "metadata" key.

usage: duckdb_nested.py INPUT.jsonl OUTDIR [THREADS]
THREADS: DuckDB's threads setting (default: DuckDB's own, all cores).
"""
import os
import sys

import duckdb

from _common import fresh_dir

src, out = sys.argv[1], sys.argv[2]
fresh_dir(out)
con = duckdb.connect()
if len(sys.argv) > 3:
    con.execute(f"SET threads = {int(sys.argv[3])}")
src_sql = src.replace("'", "''")
dst_sql = os.path.join(out, "main.parquet").replace("'", "''")
con.execute(
    f"COPY (SELECT * FROM read_json('{src_sql}', format='newline_delimited', sample_size=-1)) "
    f"TO '{dst_sql}' (FORMAT parquet, COMPRESSION snappy)")
