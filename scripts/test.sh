#!/usr/bin/env bash
# Runs every test of Folio: the Rust workspace (unit, integration, property, crash and CLI tests,
# doc tests), the Python checks that the public files open with pyarrow, numpy and json alone, and
# that /sql's Arrow answers read with pyarrow and pandas, the notebooks, a property-based HTTP fuzz
# run driven by the OpenAPI document (schemathesis), and a short run of every cargo-fuzz target.
# Sets up what it needs: a Python venv with the pinned packages in tests/python/requirements.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/folio-target}"
VENV="${FOLIO_VENV:-$HOME/.cache/folio-venv}"

# promtool (Debian's prometheus package) checks /metrics in the server's tests.
if ! command -v promtool > /dev/null; then
  apt-get update -qq && apt-get install -y -qq --no-install-recommends prometheus > /dev/null
fi

echo "== cargo test (workspace)"
cargo test --workspace --locked

echo "== python: the public files, /sql from pyarrow, the notebooks"
WANT="$(cat tests/python/requirements.txt notebooks/requirements.txt)"
if [ ! -x "$VENV/bin/python" ] || [ "$WANT" != "$(cat "$VENV/requirements.txt" 2>/dev/null)" ]; then
  if ! python3 -m venv "$VENV" 2>/dev/null; then
    # Debian's python3 ships venv separately.
    apt-get update -qq && apt-get install -y -qq python3-venv python3-pip
    python3 -m venv "$VENV"
  fi
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r tests/python/requirements.txt
  "$VENV/bin/python" -m ipykernel install --sys-prefix --name python3 > /dev/null
  echo "$WANT" > "$VENV/requirements.txt"
fi
index="$(mktemp -d)/sample"
trap 'rm -rf "$(dirname "$index")"' EXIT
"$CARGO_TARGET_DIR/debug/folio-ingest" build datasets/enwiki-sample.xml.bz2 --out "$index" --quiet
FOLIO_TEST_INDEX="$index" FOLIO_SERVER_BIN="$CARGO_TARGET_DIR/debug/folio-server" \
  "$VENV/bin/python" -m pytest -q tests/python

echo "== fuzz: every cargo-fuzz target for a short, bounded run (fuzz/run.sh for the long one)"
fuzz/run.sh "${FOLIO_FUZZ_SECONDS:-15}"
echo "== all tests passed"
