#!/usr/bin/env python3
"""flatterer (Rust core, Python wrapper): JSON Lines in, a main table plus one
table per array of objects out, as Parquet (csv=False, parquet=True, ndjson=True).
Arrays of scalars (the orders' tags) are joined into a string column, so there
is no tags table.

usage: flatterer_parquet.py INPUT.jsonl OUTDIR [ENTITY] [THREADS]
"""
import shutil
import sys

import flatterer

src, out = sys.argv[1], sys.argv[2]
entity = sys.argv[3] if len(sys.argv) > 3 else "orders"
threads = int(sys.argv[4]) if len(sys.argv) > 4 else 1
shutil.rmtree(out, ignore_errors=True)   # flatterer creates the folder itself
flatterer.flatten(src, out, csv=False, parquet=True, ndjson=True,
                  main_table_name=entity, threads=threads, force=True)
