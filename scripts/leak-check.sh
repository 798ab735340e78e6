#!/usr/bin/env bash
# Leak check: a stream of camera frames through one classifier, then model create / run /
# close cycles (tests/examples/leak_check.rs), under valgrind or LeakSanitizer.
#
#   scripts/leak-check.sh valgrind [FRAMES] [CYCLES]   # default 10000 1000 (slow: ~1 h)
#   scripts/leak-check.sh lsan     [FRAMES] [CYCLES]   # nightly, -Zsanitizer=leak
#
# valgrind's summary ("definitely lost", "indirectly lost") and each loss record's stack are
# in target/leak-check/valgrind.log; LeakSanitizer prints a report only if something leaked.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
mode="${1:-valgrind}"
frames="${2:-10000}"
cycles="${3:-1000}"
export MOVINET_MODELS_DIR="${MOVINET_MODELS_DIR:-$root/../shared/models}"
out="$root/target/leak-check"
mkdir -p "$out"
case "$mode" in
valgrind)
    # --workspace: the features `cargo test --workspace` gives the dependencies, so the test
    # step's build is reused (with -p the core and a dozen crates compile again).
    cargo build --release --workspace --example leak_check
    valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible \
        --errors-for-leak-kinds=definite,indirect --error-exitcode=3 \
        --num-callers=30 --log-file="$out/valgrind.log" \
        "$root/target/release/examples/leak_check" "$frames" "$cycles"
    grep -A8 "LEAK SUMMARY" "$out/valgrind.log" || grep -i "no leaks are possible" "$out/valgrind.log"
    grep "ERROR SUMMARY" "$out/valgrind.log"
    ;;
lsan)
    # A target dir of its own: sanitizer flags would otherwise rebuild the normal one.
    RUSTFLAGS="-Zsanitizer=leak" cargo +nightly build --release -p movinet-tests \
        --example leak_check --target x86_64-unknown-linux-gnu --target-dir "$out/target"
    LSAN_OPTIONS="report_objects=1" \
        "$out/target/x86_64-unknown-linux-gnu/release/examples/leak_check" "$frames" "$cycles"
    echo "LeakSanitizer: no leak reported"
    ;;
*)
    echo "usage: $0 valgrind|lsan [FRAMES] [CYCLES]" >&2
    exit 2
    ;;
esac
