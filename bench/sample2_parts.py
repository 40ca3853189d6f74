"""Where the seed's second sample spends its time, and what 1.0.6's contract costs.

usage: sample2_parts.py INPUT.jsonl OUTDIR

The sample calls process_batch per 1000 records, then hands the tables to a Parquet
streaming writer as get_main_table() / get_child_table(): lists of dicts, as in 1.0.6.
Prints the seconds of each part (process_batch, the rows handed out, the writer) and, as
a floor for the middle part, the seconds CPython alone needs to make the same dicts again
by shallow copy (no value objects made).
"""
import json
import sys
import time

import transmog as tm
from transmog.io import create_streaming_writer


def main() -> None:
    src, out = sys.argv[1], sys.argv[2]
    with open(src, encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh if line.strip()]
    processor = tm.Processor.memory_optimized()
    spent = {"process_batch": 0.0, "rows": 0.0, "cpython_dict_copy": 0.0, "write": 0.0}
    dicts = cells = 0
    writer = create_streaming_writer("parquet", destination=out, entity_name="orders",
                                     compression="snappy", row_group_size=10000)
    with writer:
        for i in range(0, len(records), 1000):
            t = time.perf_counter()
            result = processor.process_batch(records[i:i + 1000], entity_name="orders")
            spent["process_batch"] += time.perf_counter() - t
            t = time.perf_counter()
            tables = [(None, result.get_main_table())]
            tables += [(name, result.get_child_table(name)) for name in result.get_table_names()]
            spent["rows"] += time.perf_counter() - t
            t = time.perf_counter()
            copies = [[row.copy() for row in rows] for _, rows in tables]
            spent["cpython_dict_copy"] += time.perf_counter() - t
            dicts += sum(len(rows) for rows in copies)
            cells += sum(len(row) for rows in copies for row in rows)
            del copies
            t = time.perf_counter()
            writer.write_main_records(tables[0][1])
            for name, rows in tables[1:]:
                writer.initialize_child_table(name)
                writer.write_child_records(name, rows)
            spent["write"] += time.perf_counter() - t
        t = time.perf_counter()
        writer.finalize()
        spent["write"] += time.perf_counter() - t
    ours = spent["process_batch"] + spent["rows"] + spent["write"]
    parts = " ".join(f"{k}={v:.3f}" for k, v in spent.items())
    print(f"records={len(records)} dicts={dicts} cells={cells} {parts} total_ours={ours:.3f}")


if __name__ == "__main__":
    main()
