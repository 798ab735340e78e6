#!/usr/bin/env bash
# Runs movinet-bench on an Android device over adb and pulls the JSON back.
#
#   benches/android/run.sh [--abi arm64-v8a] [--litert-aar PATH] [--models DIR] [-- BENCH ARGS...]
#
# Needs: the Android NDK (ANDROID_NDK_HOME), `cargo install cargo-ndk`, `rustup target add
# aarch64-linux-android`, adb with one device attached, and the LiteRT 2.1.4 Android AAR
# (`com.google.ai.edge.litert:litert:2.1.4` from Google's Maven repository; Gradle caches it
# under ~/.gradle/caches/modules-2/files-2.1/com.google.ai.edge.litert/litert/2.1.4/).
#
# What it does:
#   1. takes jni/<abi>/libLiteRt.so out of the AAR,
#   2. cross-compiles movinet-bench for the ABI with cargo ndk (LITERT_LIB_DIR pointing at it),
#   3. pushes the binary, libLiteRt.so, the models and a clip's frames to /data/local/tmp/movinet,
#   4. runs it pinned to the biggest core (taskset with the CPU of highest max frequency),
#   5. pulls the JSON back to benches/android/results/<device>-<date>.json.
#
# Not run in the project's CI (no device, no NDK there); see README "Benchmarks".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
abi=arm64-v8a
aar=""
models="${MOVINET_MODELS_DIR:-$root/models}"
bench_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --abi) abi=$2; shift 2 ;;
    --litert-aar) aar=$2; shift 2 ;;
    --models) models=$2; shift 2 ;;
    --) shift; bench_args=("$@"); break ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
case "$abi" in
  arm64-v8a) target=aarch64-linux-android ;;
  x86_64) target=x86_64-linux-android ;;
  *) echo "run.sh: ABI $abi is not supported by litert-sys 0.2.1's bindings (arm64-v8a, x86_64)" >&2; exit 2 ;;
esac
: "${ANDROID_NDK_HOME:?set ANDROID_NDK_HOME to the NDK folder}"
command -v adb >/dev/null || { echo "run.sh: adb not found" >&2; exit 2; }
command -v cargo-ndk >/dev/null || { echo "run.sh: cargo install cargo-ndk" >&2; exit 2; }
if [ -z "$aar" ]; then
  aar=$(find "$HOME/.gradle/caches/modules-2/files-2.1/com.google.ai.edge.litert/litert/2.1.4" -name 'litert-2.1.4.aar' 2>/dev/null | head -1 || true)
fi
[ -f "$aar" ] || { echo "run.sh: LiteRT 2.1.4 AAR not found; pass --litert-aar PATH" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lib"
unzip -q -j -o "$aar" "jni/$abi/libLiteRt.so" -d "$work/lib"

echo "building movinet-bench for $target"
(cd "$root" && LITERT_LIB_DIR="$work/lib" cargo ndk -t "$abi" --platform 24 build --release -p movinet-benches --bin movinet-bench)
bin="$root/target/$target/release/movinet-bench"

dev=/data/local/tmp/movinet
adb shell "rm -rf $dev && mkdir -p $dev/models"
adb push "$bin" "$dev/" >/dev/null
adb push "$work/lib/libLiteRt.so" "$dev/" >/dev/null
for f in "$models"/*.tflite "$models"/*.txt; do [ -f "$f" ] && adb push "$f" "$dev/models/" >/dev/null; done
for d in custom synthetic; do
  [ -d "$models/$d" ] && adb push "$models/$d" "$dev/models/" >/dev/null
done
# The harness makes its camera frames from raw RGB frames of a clip (no FFmpeg on the phone).
"$root/target/release/movinet-bench" --export-frames "$work/frames.rgb" >/dev/null
adb push "$work/frames.rgb" "$dev/" >/dev/null

# Pin to the core with the highest maximum frequency (the "big" core).
big=$(adb shell 'for c in /sys/devices/system/cpu/cpu[0-9]*; do echo "$(cat $c/cpufreq/cpuinfo_max_freq 2>/dev/null || echo 0) ${c##*cpu}"; done' | sort -n | tail -1 | awk '{print $2}' | tr -d '\r')
mask=$(printf '%x' $((1 << big)))
device=$(adb shell getprop ro.product.model | tr -d '\r ' )
echo "running on $device, CPU $big (mask $mask)"
adb shell "cd $dev && LD_LIBRARY_PATH=$dev taskset $mask ./movinet-bench --models-dir $dev/models --frames-file $dev/frames.rgb --json $dev/result.json ${bench_args[*]:-}"
mkdir -p "$here/results"
out="$here/results/${device}-$(date +%Y%m%d-%H%M%S).json"
adb pull "$dev/result.json" "$out" >/dev/null
echo "results: $out"
