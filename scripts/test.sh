#!/usr/bin/env bash
# Runs every test of the project: Rust unit/integration/property tests, the Transmog
# 1.0.6 conformance cases, and the Python suite that reads our output with pyarrow, DuckDB
# and polars. Creates .venv (git-ignored) with the Python test tools on first use.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

venv=${TRANSMOG_VENV:-$root/.venv}
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
stamp="$venv/.requirements.sha"
want=$(sha256sum tests/requirements.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  "$venv/bin/pip" install -q --disable-pip-version-check -r tests/requirements.txt
  echo "$want" > "$stamp"
fi
export PATH="$venv/bin:$PATH"

echo "== cargo tests"
if command -v cargo-nextest >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast
  cargo test --workspace --doc
else
  cargo test --workspace --no-fail-fast
fi

echo "== conformance (Transmog 1.0.6 cases in tests/conformance/cases, ours in our-cases)"
if ! out=$(scripts/conformance.sh ${CONFORMANCE_CASES:+"$CONFORMANCE_CASES"}); then
  echo "$out"
  exit 1
fi
echo "$out" | grep -E "^[0-9]+ passed, "

echo "== python package (pip install .)"
# TRANSMOG_DEV=1 builds an editable debug install instead (faster while iterating).
if [ "${TRANSMOG_DEV:-0}" = "1" ]; then
  maturin develop -q
else
  pip install -q --disable-pip-version-check --force-reinstall --no-deps .
fi

echo "== the README's first command (release build, sample to Parquet)"
readme_out=$(mktemp -d)
cargo run --release -q -p transmog-cli -- convert examples/orders.jsonl -o "$readme_out" -q
test -f "$readme_out/orders.parquet" && test -f "$readme_out/orders_line_items.parquet"
rm -rf "$readme_out"

echo "== python tests"
cargo build -q -p transmog-cli -p transmog-io --examples --bins
python -m pytest -q tests/python
