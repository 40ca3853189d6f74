#!/usr/bin/env bash
# Runs every conformance case in CASES_DIR through the engine and checks the output
# with the cases' check.py. Prints check.py's verdict; its last line is
# "N passed, N failed". Exit status is check.py's (0 only when all passed).
#
#   scripts/conformance.sh ../shared/conformance/cases
#
# check.py is looked up next to CASES_DIR (CASES_DIR/../check.py) unless CHECK_PY is set.
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: scripts/conformance.sh CASES_DIR [check.py args...]" >&2
  exit 2
fi
cases=$(cd "$1" && pwd)
shift
check=${CHECK_PY:-$(dirname "$cases")/check.py}
if [ ! -f "$check" ]; then
  echo "conformance: check.py not found at $check (set CHECK_PY)" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
cargo build -q --manifest-path "$root/Cargo.toml" -p transmog-cli --bin transmog-conformance
target=$(cargo metadata --manifest-path "$root/Cargo.toml" --format-version 1 --no-deps \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$target/debug/transmog-conformance" "$cases" "$out"
python3 "$check" "$out" --cases "$cases" "$@"
