#!/usr/bin/env bash
# Runs every test of Folio: the Rust workspace (unit, integration, property, crash and CLI tests,
# doc tests), the Python checks that the public files open with pyarrow, numpy and json alone, and
# that /sql's Arrow answers read with pyarrow and pandas, the reader in headless Chromium (Selenium,
# axe-core), the notebooks, three replicas behind HAProxy (deploy/) under load, SQL on a Ballista
# cluster (cluster/: a scheduler and two executors) against /sql, a property-based HTTP fuzz
# run driven by the OpenAPI document (schemathesis), and a short run of every cargo-fuzz target.
# Sets up what it needs: Debian packages (apt-get), axe-core (npm), a Python venv with the pinned
# packages in tests/python/requirements.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/folio-target}"
VENV="${FOLIO_VENV:-$HOME/.cache/folio-venv}"

# Debian packages the tests use: promtool (prometheus) checks /metrics; chromium and its
# chromedriver run the reader's browser tests; npm installs axe-core for them; haproxy fronts
# the replicas of deploy/.
need=()
command -v promtool > /dev/null || need+=(prometheus)
command -v haproxy > /dev/null || need+=(haproxy)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
command -v npm > /dev/null || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  echo "== apt-get install ${need[*]}"
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" > /dev/null
fi
# axe-core, pinned by tests/browser/package-lock.json, in a cache outside the clone.
NPM_DIR="${FOLIO_NPM:-$HOME/.cache/folio-npm}"
if ! cmp -s tests/browser/package-lock.json "$NPM_DIR/package-lock.json" || [ ! -d "$NPM_DIR/node_modules" ]; then
  mkdir -p "$NPM_DIR"
  cp tests/browser/package.json tests/browser/package-lock.json "$NPM_DIR/"
  (cd "$NPM_DIR" && npm ci --no-audit --no-fund --loglevel=error > /dev/null)
fi
export FOLIO_AXE="$NPM_DIR/node_modules/axe-core/axe.min.js"

echo "== cargo test (workspace)"
cargo test --workspace --locked
echo "== cargo test (cluster/: folio-cluster on Ballista, its own workspace and target directory)"
(cd cluster && CARGO_TARGET_DIR="$CARGO_TARGET_DIR/cluster" cargo test --locked)

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
"$CARGO_TARGET_DIR/debug/folio-ingest" build datasets/enwiki-sample.xml.bz2 --out "$index" --quiet --fulltext
# The browser tests save their screenshots (home, results, article) here.
FOLIO_TEST_INDEX="$index" FOLIO_SERVER_BIN="$CARGO_TARGET_DIR/debug/folio-server" \
  FOLIO_CLUSTER_BIN="$CARGO_TARGET_DIR/cluster/debug/folio-cluster" \
  FOLIO_TEST_OUT="$CARGO_TARGET_DIR/browser" "$VENV/bin/python" -m pytest -q tests/python

echo "== fuzz: every cargo-fuzz target for a short, bounded run (fuzz/run.sh for the long one)"
fuzz/run.sh "${FOLIO_FUZZ_SECONDS:-15}"
echo "== all tests passed"
