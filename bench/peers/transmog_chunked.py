#!/usr/bin/env python3
"""The seed's usage pattern, in memory: records read into a list of dicts, then
Processor.memory_optimized().process_chunked(list, entity_name, chunk_size=1000)
and result.stream_to_parquet(outdir, compression="snappy").

usage: transmog_chunked.py upstream|ours INPUT.jsonl OUTDIR [ENTITY]

upstream = PyPI transmog 1.0.6, ours = this project's package (same API); the
script refuses to run with the other one. A list (not the .jsonl path) is passed
on purpose: in 1.0.6 a path goes to FileStrategy, which does not flatten the main
records, so only the list form gives complete output to compare. The whole result
(all tables, all rows) is kept in memory before anything is written (1.0.6 needs
about 18x the input size).
"""
import json
import sys

from _common import fresh_dir, import_transmog

expect, src, out = sys.argv[1], sys.argv[2], sys.argv[3]
entity = sys.argv[4] if len(sys.argv) > 4 else "orders"
tm = import_transmog(expect)
fresh_dir(out)
with open(src, "rb") as f:
    data = [json.loads(line) for line in f if line.strip()]
proc = tm.Processor.memory_optimized()
result = proc.process_chunked(data, entity_name=entity, chunk_size=1000)
files = result.stream_to_parquet(out, compression="snappy")
print("tables:", len(files))
