#!/usr/bin/env python3
"""Streaming: Processor.memory_optimized().stream_process(path, entity_name,
output_format="parquet", output_destination=OUTDIR, batch_size=BATCH,
compression="snappy", row_group_size=ROW_GROUP).

usage: transmog_streaming.py upstream|ours INPUT.jsonl OUTDIR [ENTITY] [BATCH] [ROW_GROUP]

In 1.0.6 this reads the file lazily, flattens BATCH records at a time (default
1000) and hands each batch to ParquetStreamingWriter (what
create_streaming_writer("parquet") returns), which buffers ROW_GROUP rows per
table (default 10000) before each write. It is the library's own "process a
batch, write it with the streaming writer" loop. (Feeding the writer from
Processor.process_batch() by hand does not work in 1.0.6: process_batch does not
flatten the main records and the writer aborts with "ArrowInvalid: Invalid null
value".)

Known 1.0.6 behaviour this exposes: each table's columns are fixed at its first
write, so columns first seen later (the orders' metadata_* after 30 % of the
file) are dropped silently once the input is longer than one row group.
"""
import sys

from _common import fresh_dir, import_transmog

expect, src, out = sys.argv[1], sys.argv[2], sys.argv[3]
entity = sys.argv[4] if len(sys.argv) > 4 else "orders"
batch = int(sys.argv[5]) if len(sys.argv) > 5 else 1000
row_group = int(sys.argv[6]) if len(sys.argv) > 6 else 10000
tm = import_transmog(expect)
fresh_dir(out)
proc = tm.Processor.memory_optimized()
proc.stream_process(src, entity_name=entity, output_format="parquet",
                    output_destination=out, batch_size=batch,
                    compression="snappy", row_group_size=row_group)
