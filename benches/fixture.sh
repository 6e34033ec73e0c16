# Sourced by the load scripts (server.sh, tfb.sh) with PAGES set: installs wrk if missing, builds
# the release binaries, makes (or reuses) a synthetic dump of PAGES pages, rebuilds its index (so
# it matches this build of the format; 1.7 s for a million pages when the dump is cached) and
# reads the dump once so the page cache is hot. Sets BIN, WORK, DUMP and IDX.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/folio-target}"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
cargo build --release --locked -p folio-server -p folio-ingest >&2
BIN="$CARGO_TARGET_DIR/release"
WORK="$CARGO_TARGET_DIR/bench-fixtures"
mkdir -p "$WORK"
DUMP="$WORK/synth-$PAGES.xml"
IDX="$WORK/synth-$PAGES.idx"
[ -f "$DUMP" ] || "$BIN/folio-ingest" synth --pages "$PAGES" --out "$DUMP" --quiet >&2
"$BIN/folio-ingest" build "$DUMP" --out "$IDX" --quiet >&2
cat "$DUMP" > /dev/null
