#!/usr/bin/env python3
"""Times Transmog's Python API on a JSON Lines file; runs unchanged against Transmog
1.0.6 and against our package (same API), so both can be measured in one run.

usage: py_api.py chunked|chunked-path|streaming INPUT.jsonl OUTDIR

chunked:   the seed's first sample: Processor.memory_optimized().process_chunked(
           records, entity_name="orders", chunk_size=1000) + result.stream_to_parquet(OUTDIR)
chunked-path: the same with the file's path as the data source (no records loaded).
streaming: the seed's second sample: process_batch per 1000 records + a Parquet
           streaming writer (row_group_size=10000), finalize() called explicitly
           (1.0.6 writes nothing without it).
Records are read with json.loads per line in the other modes (same cost for both).
Prints one line: mode, records, seconds spent in Transmog calls, resident memory just
before the first Transmog call (the records loaded), tables and rows written.
"""
import json
import os
import shutil
import sys
import time

import pyarrow.parquet as pq
import transmog as tm
from transmog.io import create_streaming_writer

mode, src, out = sys.argv[1], sys.argv[2], sys.argv[3]
shutil.rmtree(out, ignore_errors=True)
os.makedirs(out)
if mode == "chunked-path":
    records = []
else:
    with open(src, encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh if line.strip()]

def rss_mib():
    """Resident memory now (Linux), so the caller's own list of dicts can be told apart
    from what the Transmog calls add on top of it."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


base_rss = rss_mib()
t0 = time.perf_counter()
if mode in ("chunked", "chunked-path"):
    processor = tm.Processor.memory_optimized()
    result = processor.process_chunked(records or src, entity_name="orders", chunk_size=1000)
    files = result.stream_to_parquet(base_path=out, compression="snappy", row_group_size=10000)
elif mode == "streaming":
    processor = tm.Processor.memory_optimized()
    writer = create_streaming_writer("parquet", destination=out, entity_name="orders",
                                     compression="snappy", row_group_size=10000)
    with writer:
        for i in range(0, len(records), 1000):
            batch_result = processor.process_batch(records[i:i + 1000], entity_name="orders")
            writer.write_main_records(batch_result.get_main_table())
            for table_name in batch_result.get_table_names():
                writer.initialize_child_table(table_name)
                writer.write_child_records(table_name, batch_result.get_child_table(table_name))
        writer.finalize()
else:
    sys.exit(f"unknown mode {mode}")
elapsed = time.perf_counter() - t0

rows = {f: pq.ParquetFile(os.path.join(out, f)).metadata.num_rows for f in sorted(os.listdir(out))
        if f.endswith(".parquet")}
main_cols = [len(pq.read_schema(os.path.join(out, f))) for f in rows if f in ("main.parquet", "orders.parquet")]
print(f"{mode} records={len(records) or rows.get('main.parquet', 0)} seconds={elapsed:.3f} base_rss_mib={base_rss:.0f} tables={len(rows)} "
      f"rows={rows} main_cols={main_cols}")
