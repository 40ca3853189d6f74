#!/usr/bin/env python3
"""Ground truth for an orders file made by gen_orders.py, computed from the input
alone: records, line items, discounts (inside line items), payments, tags, and
records carrying the late "metadata" object.

usage: expected_counts.py INPUT.jsonl [--json]

Standard library only (orjson is used when installed, for speed). --json prints
one JSON object (what bench/run.sh stores next to the data); otherwise key=value.
"""
import json
import sys

try:
    import orjson
    loads = orjson.loads
except ImportError:  # pragma: no cover - depends on the interpreter
    loads = json.loads


def counts(path):
    c = dict(records=0, line_items=0, discounts=0, payments=0, tags=0, with_metadata=0)
    with open(path, "rb") as f:
        for line in f:
            if not line.strip():
                continue
            r = loads(line)
            c["records"] += 1
            c["line_items"] += len(r["line_items"])
            c["discounts"] += sum(len(li["discounts"]) for li in r["line_items"])
            c["payments"] += len(r["payments"])
            c["tags"] += len(r["tags"])
            c["with_metadata"] += "metadata" in r
    return c


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--json"]
    if len(args) != 1:
        sys.exit("usage: expected_counts.py INPUT.jsonl [--json]")
    c = counts(args[0])
    if "--json" in sys.argv:
        print(json.dumps(c))
    else:
        print(" ".join(f"{k}={v}" for k, v in c.items()))
