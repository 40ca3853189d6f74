#!/usr/bin/env python3
"""Alternating rounds of shell commands: each round runs every command once, in the
order given, so a machine that speeds up or slows down touches them all alike. Prints
per command the median and minimum wall time, the median CPU time (user + sys of the
command and its children) and the median peak RSS.

usage: ab.py ROUNDS NAME=COMMAND [NAME=COMMAND ...]

`{out}` in a command becomes a fresh output folder (/tmp/ab_out_NAME, emptied before each
run). A command that fails stops the run. Example (BENCHMARKS.md, "Parsing without
serde"):

    bench/ab.py 9 "floor=parse-floor serde orders.jsonl" \
        "ours=transmog convert orders.jsonl -o {out} -q"
"""
import os
import shutil
import statistics
import subprocess
import sys
import time


def main():
    rounds = int(sys.argv[1])
    commands = [arg.split("=", 1) for arg in sys.argv[2:]]
    seen = {name: [] for name, _ in commands}
    for _ in range(rounds):
        for name, command in commands:
            out = f"/tmp/ab_out_{name}"
            shutil.rmtree(out, ignore_errors=True)
            start = time.perf_counter()
            child = subprocess.Popen(command.replace("{out}", out), shell=True,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(child.pid, 0)
            wall = time.perf_counter() - start
            if status != 0:
                sys.exit(f"{name} failed (status {status}): {command}")
            seen[name].append((wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024))
    for name, runs in seen.items():
        wall = [r[0] for r in runs]
        print(f"{name:14s} wall med {statistics.median(wall):.3f} min {min(wall):.3f}  "
              f"cpu med {statistics.median(r[1] for r in runs):.3f}  "
              f"rss med {statistics.median(r[2] for r in runs):.0f} MiB")


if __name__ == "__main__":
    main()
