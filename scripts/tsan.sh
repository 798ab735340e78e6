#!/usr/bin/env bash
# ThreadSanitizer over the concurrency tests: 8 sessions on 4 threads sharing one model
# (tests/tests/concurrency.rs), the JNI handle registry with close racing calls, and the UniFFI
# classifier with close racing classify. Needs nightly with rust-src
# (`rustup component add rust-src --toolchain nightly`): std is rebuilt instrumented.
# libLiteRt.so is not instrumented: races inside it are invisible, and none of its accesses
# is reported against ours.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export MOVINET_MODELS_DIR="${MOVINET_MODELS_DIR:-$root/../shared/models}"
export RUSTFLAGS="-Zsanitizer=thread"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1}"
args=(+nightly test -Zbuild-std --release --target x86_64-unknown-linux-gnu
    --target-dir "$root/target/tsan")
cargo "${args[@]}" -p movinet-tests --test concurrency
cargo "${args[@]}" -p movinet-jni --lib
cargo "${args[@]}" -p movinet-uniffi --lib --test close_race
echo "ThreadSanitizer: no race reported"
