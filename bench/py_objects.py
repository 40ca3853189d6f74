#!/usr/bin/env python3
"""Python objects in: our `Processor().process(list_of_dicts)` against `orjson.dumps` of
the same list (a C walk of the same objects, the floor a Python-object reader can hope
for), in alternating rounds of one process; then the seed page's two samples
(bench/py_api.py) through our package and through transmog 1.0.6, with peak RSS.

usage: bench/py_objects.py ORDERS.jsonl [--rounds 5] [--python-106 PYTHON] [--records N]

Run it with a python that imports our package (release build: `pip install .`) and orjson.
Prints a markdown report.
"""

import argparse
import gc
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def objects_vs_orjson(path: Path, rounds: int, limit: int) -> str:
    import orjson

    import transmog as tm

    with open(path, encoding="utf-8") as f:
        records = [json.loads(line) for _, line in zip(range(limit), f)]
    def timed(call):
        # As `timeit` does: no cyclic garbage collection inside the timed call, so a
        # collection of earlier rounds' garbage is not charged to whichever side
        # happens to trigger it.
        gc.collect()
        gc.disable()
        try:
            t = time.perf_counter()
            out = call()
            return time.perf_counter() - t, out
        finally:
            gc.enable()

    ours, floor = [], []
    for _ in range(rounds):
        floor.append(timed(lambda: orjson.dumps(records))[0])
        seconds, result = timed(lambda: tm.Processor().process(records, entity_name="orders"))
        ours.append(seconds)
        assert len(result.get_main_table()) == len(records)
        del result
    ratios = sorted(o / f for o, f in zip(ours, floor))
    return (f"`Processor().process(list of {len(records)} order dicts)`: median {statistics.median(ours):.2f} s; "
            f"`orjson.dumps` of the same list: {statistics.median(floor):.2f} s; per-round ratio median "
            f"**{statistics.median(ratios):.2f}x** (min {ratios[0]:.2f}, max {ratios[-1]:.2f}), {rounds} rounds, "
            f"{os.cpu_count()} cores, no garbage collection inside the timed calls.")


def seed_sample(python: str, mode: str, path: Path, out: Path):
    """(seconds in Transmog calls, peak RSS MiB, error or None, peak RSS above the
    records loaded MiB) of bench/py_api.py."""
    cmd = ["/usr/bin/time", "-v", python, str(HERE / "py_api.py"), mode, str(path), str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    rss_mib = int(rss.group(1)) / 1024 if rss else float("nan")
    if proc.returncode != 0:
        last = [ln for ln in proc.stderr.splitlines() if "Error" in ln or "error" in ln][-1:]
        return None, rss_mib, (last[0].strip() if last else f"exit {proc.returncode}"), float("nan")
    seconds = re.search(r"seconds=([0-9.]+)", proc.stdout)
    base = re.search(r"base_rss_mib=([0-9]+)", proc.stdout)
    added = rss_mib - int(base.group(1)) if base else float("nan")
    return (float(seconds.group(1)) if seconds else float("nan")), rss_mib, None, added


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("orders", type=Path)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--records", type=int, default=10**9, help="use only the first N records")
    ap.add_argument("--python-106", help="a python with transmog 1.0.6 (the seed samples are also run with it)")
    ap.add_argument("--seed-rounds", type=int, default=5,
                    help="runs of each seed sample through ours (the median is reported; 1.0.6 runs once)")
    args = ap.parse_args()
    print(objects_vs_orjson(args.orders, args.rounds, args.records))
    print()
    print("Peak RSS includes the script's own list of dicts; \"added\" is the peak minus the resident memory "
          "just before the first Transmog call (the list loaded): what the Transmog calls cost. "
          f"Ours: the run of median time of {max(1, args.seed_rounds)}; 1.0.6: one run.")
    print()
    print("| seed sample | ours: s in Transmog calls | ours: peak RSS MiB (added) | 1.0.6: s "
          "| 1.0.6: peak RSS MiB (added) | speed-up | memory | memory added |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for mode, label in (("chunked", "1: process_chunked(list) + stream_to_parquet"),
                            ("chunked-path", "1: process_chunked(path) + stream_to_parquet"),
                            ("streaming", "2: process_batch + streaming writer")):
            runs = [seed_sample(sys.executable, mode, args.orders, Path(tmp) / f"ours-{mode}")
                    for _ in range(max(1, args.seed_rounds))]
            # The run of median time (the samples are single runs of a second or so).
            ours = sorted(runs, key=lambda r: r[0] if r[0] is not None else float("inf"))[len(runs) // 2]
            old = (seed_sample(args.python_106, mode, args.orders, Path(tmp) / f"old-{mode}")
                   if args.python_106 else (None, float("nan"), "not run", float("nan")))
            old_s = f"{old[0]:.1f}" if old[0] is not None else f"failed: {old[2]}"
            speed = f"{old[0] / ours[0]:.0f}x" if old[0] and ours[0] else "-"
            mem = f"1/{old[1] / ours[1]:.1f}" if old[0] and ours[1] else "-"
            added = f"1/{old[3] / ours[3]:.1f}" if old[0] and ours[3] > 0 else "-"
            print(f"| {label} | {ours[0]:.2f} | {ours[1]:.0f} ({ours[3]:.0f}) | {old_s} | {old[1]:.0f} ({old[3]:.0f}) "
                  f"| {speed} | {mem} | {added} |")


if __name__ == "__main__":
    main()
