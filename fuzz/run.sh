#!/usr/bin/env bash
# Runs every cargo-fuzz target of Folio for SECONDS each (default 600: the long run; the test
# command runs 15). Installs cargo-fuzz if it is missing. Exits non-zero on the first crash; the
# input that crashed is in fuzz/artifacts/TARGET/ (replay: cargo fuzz run TARGET FILE).
#
#   fuzz/run.sh [SECONDS] [TARGET...]
#
# Targets run without a sanitizer (`-s none`) so they build on stable Rust: Folio's code is safe
# Rust, so an out-of-bounds read is a panic, which libFuzzer reports like any crash.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(scan title range params sql_guard render)
target_dir="${CARGO_TARGET_DIR:-$HOME/.cache/folio-target}/fuzz"

if ! cargo fuzz --version > /dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --version 0.13.2 --locked --quiet
fi
fuzz=(cargo fuzz run -s none --fuzz-dir fuzz --target-dir "$target_dir")
echo "== building the fuzz targets"
cargo fuzz build -s none --fuzz-dir fuzz --target-dir "$target_dir"
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t"
  dict=()
  [ "$t" = scan ] && dict=(-dict=fuzz/dict/xml.dict)
  [ "$t" = render ] && dict=(-dict=fuzz/dict/wikitext.dict)
  echo "== fuzz $t for ${seconds}s"
  log="$(mktemp)"
  status=0
  "${fuzz[@]}" "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" -- "${dict[@]}" -max_total_time="$seconds" \
    -print_final_stats=1 > "$log" 2>&1 || status=$?
  grep -E '^stat::(number_of_executed_units|new_units_added)' "$log" || true
  if [ "$status" -ne 0 ]; then
    grep -a -m1 -A3 "panicked" "$log" >&2 || true
    tail -n 40 "$log" >&2
    echo "fuzz target $t failed (exit $status); the input is in fuzz/artifacts/$t/" >&2
    exit 1
  fi
  rm -f "$log"
done
echo "== fuzzing found nothing"
