#!/usr/bin/env bash
# Seeds the model_bytes corpus with the real model files and a few cut copies of them, in a
# folder outside the repository (the models stay in ../shared; nothing is committed).
# Prints the folder. FUZZ_CORPUS_DIR overrides it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
models="${MOVINET_MODELS_DIR:-$here/../../shared/models}"
out="${FUZZ_CORPUS_DIR:-${TMPDIR:-/tmp}/movinet-fuzz/corpus}/model_bytes"
mkdir -p "$out"
for f in "$models"/movinet_a0_stream_int8.tflite "$models"/custom/*.tflite "$models"/synthetic/*.tflite; do
    [ -f "$f" ] || continue
    name="$(basename "$f" .tflite)"
    cp "$f" "$out/$name"
    size=$(stat -c %s "$f")
    head -c 4096 "$f" > "$out/$name.head4k"
    head -c $((size / 2)) "$f" > "$out/$name.half"
done
printf 'TFL3' > "$out/ident_only"
printf '\x08\x00\x00\x00TFL3\x00\x00\x00\x00' > "$out/tiny_root"
echo "$out"
