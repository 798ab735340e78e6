#!/usr/bin/env bash
# Runs one fuzz target for a while: `fuzz/run.sh model_bytes 600` or `fuzz/run.sh frame_layout 600`.
# Needs `cargo install cargo-fuzz` and a nightly toolchain (`rustup toolchain install nightly`).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target="${1:?target: frame_layout or model_bytes}"
seconds="${2:-600}"
base="${FUZZ_CORPUS_DIR:-${TMPDIR:-/tmp}/movinet-fuzz/corpus}"
cd "$here"
if [ "$target" = model_bytes ]; then
    corpus="$("$here/seed-corpus.sh")"
    # The seeds are up to 5.2 MB; libFuzzer keeps inputs up to this length.
    extra=(-max_len=6000000 -rss_limit_mb=4096 -timeout=60)
else
    corpus="$base/$target"
    mkdir -p "$corpus"
    extra=(-max_len=4096 -timeout=30)
fi
mkdir -p "$here/artifacts/$target"
exec cargo +nightly fuzz run "$target" "$corpus" -- \
    -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$here/artifacts/$target/" "${extra[@]}"
