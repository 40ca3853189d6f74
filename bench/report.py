#!/usr/bin/env python3
"""Render bench/run.sh's raw results as a markdown report (standard library only).

usage: report.py RESULTS.tsv MACHINE.txt OURS_REF_NAME [PAIRS.tsv]

RESULTS.tsv columns (one line per measurement, written by run.sh's `measure`):
name, label, input bytes, records, exit code, median wall s, median user+sys s,
median peak RSS MiB, load1 before, all walls, output check, note, runs.
MACHINE.txt: key=value lines. OURS_REF_NAME: the row the "÷ ours" column divides
by (our CLI on one thread). Rows named rss_<N> go to the RSS-scaling section.
PAIRS.tsv: round, floor wall s, our wall s (run.sh --pairs), one line per round.
"""
import statistics
import sys

FIELDS = ["name", "label", "bytes", "records", "rc", "wall", "cpu", "rss", "load1",
          "walls", "check", "note", "runs"]


def read_rows(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != len(FIELDS):
                continue
            r = dict(zip(FIELDS, parts))
            r["ok"] = r["rc"] == "0" and r["wall"] != ""
            for k in ("bytes", "records"):
                r[k] = int(r[k])
            for k in ("wall", "cpu", "rss"):
                r[k] = float(r[k]) if r[k] else None
            rows.append(r)
    return rows


def read_pairs(path):
    pairs = []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3:
                    pairs.append((int(parts[0]), float(parts[1]), float(parts[2])))
    except OSError:
        pass
    return pairs


def read_machine(path):
    m = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                m[k] = v
    return m


def fmt(x, nd=2):
    if x is None:
        return "-"
    if nd == 2 and x < 1:
        nd = 3
    return f"{x:.{nd}f}"


def ratio(a, b):
    if a is None or b is None or b <= 0:
        return "-"
    r = a / b
    return f"{r:.2f}" if r < 10 else f"{r:.1f}" if r < 100 else f"{r:.0f}"


def rate(n, wall, unit):
    if wall is None or wall <= 0:
        return "-"
    v = n / wall / unit
    return f"{v:.1f}" if v < 100 else f"{v:,.0f}"


def esc(s):
    return s.replace("|", "\\|")


def main():
    rows = read_rows(sys.argv[1])
    m = read_machine(sys.argv[2])
    ours_ref = sys.argv[3]
    main_rows = [r for r in rows if not r["name"].startswith("rss_")]
    rss_rows = [r for r in rows if r["name"].startswith("rss_")]
    by = {r["name"]: r for r in main_rows}
    floor = by.get("floor_serde", {}).get("wall") if by.get("floor_serde", {}).get("ok") else None
    ours = by.get(ours_ref, {}).get("wall") if by.get(ours_ref, {}).get("ok") else None

    out = []
    p = out.append
    mb = int(m.get("data_bytes", "0")) / 1e6
    n_rec = m.get("counts", "")
    p(f"# Benchmark run {m.get('date', '?')} on {m.get('host', '?')}")
    p("")
    p(f"Made by `bench/run.sh` (see BENCHMARKS.md). Input: `{m.get('data', '?').rsplit('/', 1)[-1]}`, "
      f"{mb:.1f} MB, made by `bench/gen_orders.py` (seed 42); ground truth {n_rec}. "
      f"Medians of {m.get('runs', '?')} run(s) ({m.get('slow_runs', '?')} for transmog 1.0.6), "
      f"each timed with `/usr/bin/time -v`; nice: {m.get('nice', 'none')}; measurements: {m.get('only', 'all')}.")
    p("")
    p("## Machine")
    p("")
    for k, label in [("nproc", "CPUs (nproc)"), ("cpu", "CPU model"), ("cpu_flags", "SIMD flags"),
                     ("mem", "memory"), ("os", "OS"), ("kernel", "kernel"),
                     ("loadavg_start", "load average (1/5/15 min) at start"),
                     ("rustc", "rustc"), ("python", "python3"), ("commit", "our commit"),
                     ("ours_bin", "our CLI binary"),
                     ("peers", "peers (pip freeze)"), ("peers_python", "peers' python"),
                     ("ours_python", "our Python package via")]:
        if m.get(k):
            p(f"- {label}: {m[k]}")
    p("")
    p("## Results")
    p("")
    p("MB = 10^6 bytes; MB/s and records/s are input size / median wall. "
      "\"÷ floor\" = wall / wall of the serde_json parse floor; "
      "\"÷ ours\" = wall / wall of our CLI on one thread (above 1: slower than ours). "
      "load1 = 1-minute load average just before the tool's runs (the machine should be idle: "
      "anything else running skews the numbers, multi-threaded tools most).")
    p("")
    p("| tool | wall s | cpu s | MB/s | records/s | peak RSS MiB | ÷ floor | ÷ ours | load1 | output check | notes |")
    p("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in main_rows:
        if r["ok"]:
            p(f"| {esc(r['label'])} | {fmt(r['wall'])} | {fmt(r['cpu'])} | {rate(r['bytes'], r['wall'], 1e6)} | "
              f"{rate(r['records'], r['wall'], 1)} | {fmt(r['rss'], 0)} | {ratio(r['wall'], floor)} | "
              f"{ratio(r['wall'], ours)} | {r['load1']} | {esc(r['check'])} | {esc(r['note'])} |")
        else:
            p(f"| {esc(r['label'])} | **failed** | | | | | | | {r['load1']} | {esc(r['check'])} | {esc(r['note'])} |")
    p("")
    p("Every run's wall time (s):")
    p("")
    for r in main_rows:
        p(f"- `{r['name']}`: {r['walls'] or '-'}")
    if rss_rows:
        p("")
        p("## Peak RSS vs input size (our CLI)")
        p("")
        p("Our CLI streams: its peak RSS should stay flat as the input grows.")
        p("")
        p("| records | input MB | wall s | MB/s | peak RSS MiB | RSS / input | load1 | output check |")
        p("|---|---|---|---|---|---|---|---|")
        for r in rss_rows:
            if r["ok"]:
                p(f"| {r['records']:,} | {r['bytes'] / 1e6:.1f} | {fmt(r['wall'])} | {rate(r['bytes'], r['wall'], 1e6)} | "
                  f"{fmt(r['rss'], 0)} | {r['rss'] * 1048576 / r['bytes']:.2f} | {r['load1']} | {esc(r['check'])} |")
            else:
                p(f"| {r['records']:,} | {r['bytes'] / 1e6:.1f} | **failed** | | | | {r['load1']} | {esc(r['check'])} |")
    pairs = read_pairs(sys.argv[4]) if len(sys.argv) > 4 else []
    if pairs:
        speeds = sorted(f / o for _, f, o in pairs)
        mid = statistics.median(speeds)
        p("")
        p("## Paired rounds: our CLI (all cores) against the serde_json floor")
        p("")
        p("Each round runs the parse floor and then our CLI back to back, so both see the same "
          "machine state. Speed ÷ floor = floor wall / our wall: above 1, converting the file "
          "to Parquet takes less time than merely parsing its JSON on one thread.")
        p("")
        p(f"**Median speed ÷ floor: {mid:.2f}** (min {speeds[0]:.2f}, max {speeds[-1]:.2f}, "
          f"{len(pairs)} rounds).")
        p("")
        p("| round | floor wall s | ours wall s | speed ÷ floor |")
        p("|---|---|---|---|")
        for i, f, o in pairs:
            p(f"| {i} | {f:.3f} | {o:.3f} | {f / o:.2f} |")
    failed = [r for r in rows if not r["ok"] or r["check"].startswith(("WRONG", "check failed"))]
    if failed:
        p("")
        p("## Problems")
        p("")
        for r in failed:
            p(f"- `{r['name']}` ({esc(r['label'])}): {esc(r['check'])}")
    print("\n".join(out))


if __name__ == "__main__":
    main()
