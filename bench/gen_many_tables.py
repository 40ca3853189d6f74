#!/usr/bin/env python3
"""Deterministic JSON Lines with thousands of child tables: each record holds 8 of
`--keys` array keys (`list_<k>`), each array 3 objects. Reproduces the memory growth of
runs with many tables (peak RSS rising with the input while no table fills a row group).

usage: bench/gen_many_tables.py --records N [--keys 2000] [--seed 5] > out.jsonl
"""

import argparse
import json
import random
import sys


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, required=True)
    ap.add_argument("--keys", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    out = sys.stdout
    for i in range(args.records):
        record = {"id": i}
        for k in rng.sample(range(args.keys), 8):
            record[f"list_{k}"] = [
                {"v": rng.random(), "s": f"{rng.getrandbits(80):x}", "n": j} for j in range(3)
            ]
        out.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
