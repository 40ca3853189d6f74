#!/usr/bin/env python3
"""Writes tests/compat/surface-1.0.6.json: every public module path, name, kind and call
signature of the real transmog==1.0.6 (PyPI), read in a throw-away venv
(tests/compat/venv106.py) by tests/compat/surface.py. Facts only: no code, no docstrings.

    scripts/surface_snapshot.py [--venv DIR] [--out FILE]
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "compat"))

import venv106  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--venv", type=Path, default=venv106.DEFAULT)
    ap.add_argument("--out", type=Path, default=ROOT / "tests" / "compat" / "surface-1.0.6.json")
    args = ap.parse_args()
    exe = venv106.python(args.venv)
    # -I: the walker must see the installed 1.0.6, never this checkout's python/ folder.
    proc = subprocess.run([str(exe), "-I", str(ROOT / "tests" / "compat" / "surface.py"), "transmog"],
                          capture_output=True, text=True, check=True, cwd="/")
    entries = json.loads(proc.stdout)
    # One entry a line: diffs of a new snapshot read name by name.
    lines = ",\n  ".join(json.dumps(e, sort_keys=True) for e in entries)
    args.out.write_text(f'{{"package": "transmog", "version": "{venv106.VERSION}", "entries": [\n  {lines}\n]}}\n')
    modules = sum(1 for e in entries if e["kind"] == "module")
    print(f"{args.out}: {len(entries)} names in {modules} modules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
