#!/usr/bin/env bash
# Runs movinet-bench on an Android device over adb and pulls the JSON back.
#
#   benches/android/run.sh [--abi arm64-v8a] [--litert-aar PATH] [--models DIR] [--threads 1,2,4] [-- BENCH ARGS...]
#
# Needs: the Android NDK (ANDROID_NDK_HOME), `cargo install cargo-ndk --version 3.5.4 --locked`,
# `rustup target add aarch64-linux-android`, adb with one device attached, the host set-up
# (`cargo xtask setup`: the host build exports a clip's frames), and the LiteRT 2.1.4 Android
# AAR (`com.google.ai.edge.litert:litert:2.1.4` from Google's Maven repository; Gradle caches it
# under ~/.gradle/caches/modules-2/files-2.1/com.google.ai.edge.litert/litert/2.1.4/).
#
# What it does:
#   1. finds the models: --models, else $MOVINET_MODELS_DIR, else models/ (after models/fetch.sh),
#      else the team's ../shared/models: the first that holds movinet_a0_stream_int8.tflite;
#   2. takes jni/<abi>/libLiteRt.so out of the AAR and checks it and the binary for the device
#      (`cargo xtask elf`: ABI, 16 KB alignment, no libc++_shared.so);
#   3. cross-compiles movinet-bench for the ABI with cargo ndk (LITERT_LIB_DIR pointing at it),
#      and builds the host movinet-bench to export a clip's decoded frames (no FFmpeg on the phone);
#   4. pushes the binary, libLiteRt.so, the models and the frames to /data/local/tmp/movinet;
#   5. for each thread count N, runs it pinned to the N fastest cores (taskset with the CPUs of
#      highest maximum frequency), so N threads get N cores of the same kind, and pulls each
#      JSON back to benches/android/results/<device>-<date>-<N>threads.json.
#
# Not run in the project's CI (no device, no NDK there); see benches/README.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
abi=arm64-v8a
aar=""
models=""
threads="1,2,4"
bench_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --abi) abi=$2; shift 2 ;;
    --litert-aar) aar=$2; shift 2 ;;
    --models) models=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --) shift; bench_args=("$@"); break ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
case "$abi" in
  arm64-v8a) target=aarch64-linux-android ;;
  x86_64) target=x86_64-linux-android ;;
  *) echo "run.sh: ABI $abi is not supported by litert-sys 0.2.1's bindings (arm64-v8a, x86_64)" >&2; exit 2 ;;
esac
for a in ${bench_args[@]+"${bench_args[@]}"}; do
  if [ "$a" = --threads ]; then echo "run.sh: pass --threads to run.sh (it pins each count to as many cores)" >&2; exit 2; fi
done

# 1. Models: the first folder that has the official A0 (a fresh checkout's models/ has only the manifest).
if [ -z "$models" ]; then
  for d in "${MOVINET_MODELS_DIR:-}" "$root/models" "$root/../shared/models"; do
    if [ -n "$d" ] && [ -f "$d/movinet_a0_stream_int8.tflite" ]; then models=$d; break; fi
  done
fi
if [ -z "$models" ] || [ ! -f "$models/movinet_a0_stream_int8.tflite" ]; then
  echo "run.sh: no movinet_a0_stream_int8.tflite in ${models:-models/, \$MOVINET_MODELS_DIR or ../shared/models}: run models/fetch.sh a0 (or pass --models DIR)" >&2
  exit 2
fi

: "${ANDROID_NDK_HOME:?set ANDROID_NDK_HOME to the NDK folder}"
command -v adb >/dev/null || { echo "run.sh: adb not found" >&2; exit 2; }
command -v cargo-ndk >/dev/null || { echo "run.sh: cargo install cargo-ndk --version 3.5.4 --locked" >&2; exit 2; }
if [ -z "$aar" ]; then
  aar=$(find "$HOME/.gradle/caches/modules-2/files-2.1/com.google.ai.edge.litert/litert/2.1.4" -name 'litert-2.1.4.aar' 2>/dev/null | head -1 || true)
fi
[ -f "$aar" ] || { echo "run.sh: LiteRT 2.1.4 AAR not found; pass --litert-aar PATH" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lib"
unzip -q -j -o "$aar" "jni/$abi/libLiteRt.so" -d "$work/lib"

# 3. The device binary (16 KB pages: .cargo/config.toml), then the host binary for the frames.
echo "building movinet-bench for $target"
(cd "$root" && LITERT_LIB_DIR="$work/lib" cargo ndk -t "$abi" --platform 24 build --release -p movinet-benches --bin movinet-bench)
bin="$root/target/$target/release/movinet-bench"
(cd "$root" && cargo xtask elf --abi "$abi" "$work/lib/libLiteRt.so" "$bin")
echo "building the host movinet-bench to export the frames"
(cd "$root" && cargo build --release -p movinet-benches --bin movinet-bench)
"$root/target/release/movinet-bench" --export-frames "$work/frames.rgb" >/dev/null

# 4. Push.
dev=/data/local/tmp/movinet
adb shell "rm -rf $dev && mkdir -p $dev/models"
adb push "$bin" "$dev/" >/dev/null
adb push "$work/lib/libLiteRt.so" "$dev/" >/dev/null
for f in "$models"/*.tflite "$models"/*.txt; do [ -f "$f" ] && adb push "$f" "$dev/models/" >/dev/null; done
for d in custom synthetic; do
  [ -d "$models/$d" ] && adb push "$models/$d" "$dev/models/" >/dev/null
done
adb push "$work/frames.rgb" "$dev/" >/dev/null

# 5. CPUs by maximum frequency, fastest first.
cpus=$(adb shell 'for c in /sys/devices/system/cpu/cpu[0-9]*; do echo "$(cat $c/cpufreq/cpuinfo_max_freq 2>/dev/null || echo 0) ${c##*cpu}"; done' | tr -d '\r' | sort -rn -k1,1 | awk '{print $2}')
ncpu=$(echo "$cpus" | wc -l)
device=$(adb shell getprop ro.product.model | tr -d '\r ')
stamp=$(date +%Y%m%d-%H%M%S)
mkdir -p "$here/results"
for n in ${threads//,/ }; do
  if [ "$n" -gt "$ncpu" ]; then echo "run.sh: $n threads but the device has $ncpu CPUs; skipped" >&2; continue; fi
  mask=0
  for c in $(echo "$cpus" | head -n "$n"); do mask=$((mask | (1 << c))); done
  mask=$(printf '%x' "$mask")
  echo "running on $device with $n thread(s), pinned to its $n fastest CPU(s) (mask $mask)"
  adb shell "cd $dev && LD_LIBRARY_PATH=$dev taskset $mask ./movinet-bench --threads $n --models-dir $dev/models --frames-file $dev/frames.rgb --json $dev/result-$n.json ${bench_args[*]:-}"
  out="$here/results/${device}-${stamp}-${n}threads.json"
  adb pull "$dev/result-$n.json" "$out" >/dev/null
  echo "results: $out"
done
