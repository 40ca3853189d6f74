#!/usr/bin/env bash
# Runs every conformance case through the engine and checks the output with our checker
# (tests/conformance/check.py). Prints the checker's verdict; its last line is
# "N passed, N failed". Exit status is the checker's (0 only when all passed).
#
#   scripts/conformance.sh                 # tests/conformance/cases (1.0.6) and our-cases
#   scripts/conformance.sh OTHER_CASES     # any folder of cases in the same layout
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -gt 0 ]; then
  folders=("$1")
  shift
else
  folders=("$root/tests/conformance/cases" "$root/tests/conformance/our-cases")
fi
check=${CHECK_PY:-$root/tests/conformance/check.py}
cargo build -q --manifest-path "$root/Cargo.toml" -p transmog-cli --bin transmog-conformance
target=$(cargo metadata --manifest-path "$root/Cargo.toml" --format-version 1 --no-deps \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
for folder in "${folders[@]}"; do
  cases=$(cd "$folder" && pwd)
  mkdir -p "$out/${cases##*/}"
  "$target/debug/transmog-conformance" "$cases" "$out/${cases##*/}"
  python3 "$check" "$out/${cases##*/}" --cases "$cases" "$@" || status=1
done
exit $status
