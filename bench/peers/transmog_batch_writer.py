#!/usr/bin/env python3
"""The seed's "Advanced Direct Streaming" sample (docs/streaming-parquet.md):
Processor.process_batch() per batch of records, each result handed to the
Parquet streaming writer from create_streaming_writer("parquet", ...):
write_main_records(get_main_table()), then initialize_child_table() +
write_child_records() per child table; finalize() at the end.

usage: transmog_batch_writer.py upstream|ours INPUT.jsonl OUTDIR [ENTITY] [BATCH] [ROW_GROUP]

Records are read lazily, BATCH (default 1000) lines at a time with json.loads,
so nothing but the current batch and the writer's buffers is held in memory.
ROW_GROUP (default 10000) is the writer's row_group_size.

In transmog 1.0.6 this pattern fails: process_batch does not flatten the main
records, and the writer aborts at its first write with "ArrowInvalid: Invalid
null value". It is measured anyway because it is the documented usage.
"""
import json
import sys

from _common import fresh_dir, import_transmog

expect, src, out = sys.argv[1], sys.argv[2], sys.argv[3]
entity = sys.argv[4] if len(sys.argv) > 4 else "orders"
batch_size = int(sys.argv[5]) if len(sys.argv) > 5 else 1000
row_group = int(sys.argv[6]) if len(sys.argv) > 6 else 10000
tm = import_transmog(expect)
from transmog.io import create_streaming_writer  # noqa: E402  (after the package check)


def batches(path, size):
    batch = []
    with open(path, "rb") as f:
        for line in f:
            if line.strip():
                batch.append(json.loads(line))
                if len(batch) >= size:
                    yield batch
                    batch = []
    if batch:
        yield batch


fresh_dir(out)
processor = tm.Processor.memory_optimized()
writer = create_streaming_writer("parquet", destination=out, entity_name=entity,
                                 compression="snappy", row_group_size=row_group)
with writer:
    for batch in batches(src, batch_size):
        result = processor.process_batch(batch, entity_name=entity)
        writer.write_main_records(result.get_main_table())
        for table_name in result.get_table_names():
            writer.initialize_child_table(table_name)
            writer.write_child_records(table_name, result.get_child_table(table_name))
    writer.finalize()
