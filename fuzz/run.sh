#!/usr/bin/env bash
# Runs one fuzz target for a while: `fuzz/run.sh model_bytes 600`, `fuzz/run.sh frame_layout 600`
# or `fuzz/run.sh action_set 600`.
# Needs `cargo install cargo-fuzz` and a nightly toolchain (`rustup toolchain install nightly`).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target="${1:?target: frame_layout, model_bytes or action_set}"
seconds="${2:-600}"
base="${FUZZ_CORPUS_DIR:-${TMPDIR:-/tmp}/movinet-fuzz/corpus}"
cd "$here"
if [ "$target" = model_bytes ]; then
    corpus="$("$here/seed-corpus.sh")"
    # The seeds are up to 5.2 MB; libFuzzer keeps inputs up to this length.
    extra=(-max_len=6000000 -rss_limit_mb=4096 -timeout=60)
elif [ "$target" = action_set ]; then
    corpus="$base/$target"
    mkdir -p "$corpus"
    # A seed: the body after the header of a valid set for A0 (2048 embedding values, 600
    # classes): one action "squat", one example with one live frame (the layout in
    # core/src/actions/file.rs). The target puts A0's header before it and seals it.
    python3 - "$corpus/one_action_one_live" <<'PY'
import struct, sys
def vector():
    emb = struct.pack("<ff", 0.0, 0.02) + bytes((i * 7) % 256 for i in range(2048))
    logits = struct.pack("<ff", -8.0, 0.08) + bytes((i * 13) % 256 for i in range(600))
    return emb + logits
body = struct.pack("<I", 1) + struct.pack("<I", 5) + b"squat" + struct.pack("<II", 1, 1)
open(sys.argv[1], "wb").write(body + vector() + vector())
PY
    # One action of one example with a few live frames (2.7 KB each with A0) fits.
    extra=(-max_len=16384 -timeout=30)
else
    corpus="$base/$target"
    mkdir -p "$corpus"
    extra=(-max_len=4096 -timeout=30)
fi
mkdir -p "$here/artifacts/$target"
exec cargo +nightly fuzz run "$target" "$corpus" -- \
    -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$here/artifacts/$target/" "${extra[@]}"
