#!/usr/bin/env bash
# Builds the two binary frameworks the Swift package (ios/Package.swift) links:
#
#   ios/Frameworks/MovinetRustFFI.xcframework  the Rust library (bindings/uniffi, crate
#       movinet-uniffi) as a static library per platform, with the UniFFI C header and its
#       module map (module MovinetRustFFI) in Headers/MovinetRustFFI/;
#   ios/Frameworks/LiteRt.xcframework           LiteRT 2.1.4's libLiteRt.dylib wrapped as a
#       dynamic framework (LiteRt.framework, install name @rpath/LiteRt.framework/LiteRt):
#       iOS apps may embed frameworks, not bare dylibs.
#
# Run on macOS with Xcode (xcodebuild, lipo, vtool, install_name_tool, libclang) and rustup:
#
#   LITERT_IOS_DIR=/path/to/litert-ios ios/build-xcframework.sh
#
# LITERT_IOS_DIR must hold LiteRT 2.1.4's iOS libraries, one folder per platform:
#
#   $LITERT_IOS_DIR/ios_arm64/libLiteRt.dylib       device (arm64)
#   $LITERT_IOS_DIR/ios_sim_arm64/libLiteRt.dylib   simulator on Apple silicon (arm64)
#
# Where they come from: Google ships them in the `prebuilt/` folder of the
# google-ai-edge/LiteRT-LM repository (Git LFS) at tag v0.10.2 (commit
# 476c0bd49429569b2a4685c4db7a657d531d4b6e), the LiteRT-LM release whose desktop prebuilts
# litert-sys 0.2.1 pins for LiteRT 2.1.4 (its build.rs: LITERT_LM_TAG = "v0.10.2"; the Linux
# libLiteRt.so it pins, sha256 e9844d63..., is that commit's). That folder is a valid
# LITERT_IOS_DIR:
#
#   git clone --branch v0.10.2 https://github.com/google-ai-edge/LiteRT-LM
#   (cd LiteRT-LM && git lfs pull --include 'prebuilt/ios_*/libLiteRt.dylib')
#   LITERT_IOS_DIR=$PWD/LiteRT-LM/prebuilt ios/build-xcframework.sh
#
# The files are always verified (the build stops otherwise):
#   * sha256: when LITERT_IOS_DIR lies in a LiteRT-LM checkout that has the pinned commit,
#     the expected digests are the Git LFS object ids recorded in that commit (git's own
#     hashes pin them); otherwise set LITERT_IOS_SHA256_ARM64 and LITERT_IOS_SHA256_SIM_ARM64
#     to the digests you trust. There is no unverified mode.
#   * architecture and platform (arm64 device / arm64 simulator), no non-system dependencies;
#   * minimum OS (`minos`) not above IPHONEOS_DEPLOYMENT_TARGET (15.0, as Package.swift);
#   * C API: every LiteRt* function the Rust library calls is exported by the dylib (the
#     bindings are generated from LiteRT 2.1.4's headers, which litert-sys 0.2.1 carries).
#
# Pin one LiteRT version everywhere: the C API changes between minor releases.
#
# Intel-Mac simulators (x86_64-apple-ios): LiteRT 2.1.4 ships no x86_64 iOS-simulator
# library, so by default the simulator slice is arm64 only and the package runs on the
# simulators of Apple-silicon Macs and on devices. If you build LiteRT for the x86_64
# simulator yourself, point LITERT_IOS_SIM_X86_64_DIR at the folder holding that
# libLiteRt.dylib: the script then also builds x86_64-apple-ios and lipos both simulator
# architectures (Rust library and LiteRt.framework) into one slice.
#
# Other settings: IPHONEOS_DEPLOYMENT_TARGET (default 15.0, as Package.swift),
# CARGO_PROFILE (default release), LIBCLANG_PATH (default: Xcode's).
#
# The script also checks that the Swift in ios/Sources/MovinetFFI is what uniffi-bindgen
# generates from the iOS library it just built, so the framework and the Swift that calls
# it always agree (`cargo xtask uniffi` regenerates that Swift).
set -euo pipefail

IOS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$IOS_DIR/.." && pwd)"
OUT="$IOS_DIR/Frameworks"
PROFILE="${CARGO_PROFILE:-release}"
export IPHONEOS_DEPLOYMENT_TARGET="${IPHONEOS_DEPLOYMENT_TARGET:-15.0}"
CRATE=movinet-uniffi
LIB=libmovinet_ffi.a
FFI_MODULE=MovinetRustFFI
SWIFT_DIR="$IOS_DIR/Sources/MovinetFFI"

die() { echo "build-xcframework: $*" >&2; exit 1; }
step() { echo "== $*" >&2; }

# package_headers INCLUDE_DIR OUT: the generated header and module map as the XCFramework's
# Headers/ carries them. The header goes in a folder named after the module, the module map
# at the root of Headers/: Xcode 26's explicit module builds look for module.modulemap only
# at the HeadersPath of a binary target and do not recurse (boltffi issue 374), while a
# header of its own name under MovinetRustFFI/ cannot collide with other XCFrameworks'
# headers in the app's include/. The generated module map's `use "Darwin"` /
# `use "_Builtin_stdbool"` / `use "_Builtin_stdint"` lines name clang modules that Xcode 26's
# toolchains no longer have, so the module would fail to build (uniffi-rs issue 2917): the
# packaged copy drops them (the generated copy in Sources/MovinetFFI/include stays as
# generated, for the drift check). `cargo xtask test` runs this function on Linux
# (`build-xcframework.sh --package-headers IN OUT`) and checks its output.
package_headers() {
    local in="$1" out="$2"
    mkdir -p "$out/$FFI_MODULE"
    cp "$in/$FFI_MODULE.h" "$out/$FFI_MODULE/"
    grep -Eq "^[[:space:]]*header \"$FFI_MODULE.h\"" "$in/module.modulemap" \
        || die "unexpected generated module map (no header \"$FFI_MODULE.h\" line)"
    sed -E -e '/^[[:space:]]*use "[^"]*"[[:space:]]*$/d' \
        -e "s#header \"$FFI_MODULE.h\"#header \"$FFI_MODULE/$FFI_MODULE.h\"#" \
        "$in/module.modulemap" >"$out/module.modulemap"
    if grep -Eq '^[[:space:]]*use ' "$out/module.modulemap"; then
        die "module map still has use declarations: $(cat "$out/module.modulemap")"
    fi
}

if [[ "${1:-}" == --package-headers ]]; then
    [[ $# -eq 3 ]] || die "usage: $0 --package-headers INCLUDE_DIR OUT_DIR"
    package_headers "$2" "$3"
    exit 0
fi

[[ "$(uname -s)" == Darwin ]] || die "needs macOS with Xcode (xcodebuild, lipo, vtool)"
for tool in xcodebuild xcrun lipo install_name_tool codesign plutil cargo rustup; do
    command -v "$tool" >/dev/null || die "$tool not found"
done
[[ -n "${LITERT_IOS_DIR:-}" ]] || die "set LITERT_IOS_DIR (see the top of this script)"
LITERT_IOS_DIR="$(cd "$LITERT_IOS_DIR" && pwd)"

# bindgen (litert-sys/generate-bindings) needs libclang; Xcode's toolchain has one.
export LIBCLANG_PATH="${LIBCLANG_PATH:-$(xcode-select -p)/Toolchains/XcodeDefault.xctoolchain/usr/lib}"
[[ -e "$LIBCLANG_PATH/libclang.dylib" ]] || die "no libclang.dylib in LIBCLANG_PATH=$LIBCLANG_PATH"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/movinet-xcframework.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# The LiteRT-LM commit of tag v0.10.2 (see the top of this script).
LITERT_LM_COMMIT=476c0bd49429569b2a4685c4db7a657d531d4b6e

# expected_sha256 PLATFORM_DIR ENV_VALUE: the digest to verify PLATFORM_DIR/libLiteRt.dylib
# against: the value given in the environment, else the Git LFS object id that the pinned
# LiteRT-LM commit records for that file. Dies when neither is available.
expected_sha256() {
    local dir="$1" given="$2" top rel pointer oid
    if [[ -n "$given" ]]; then
        echo "$given"
        return
    fi
    if top="$(git -C "$dir" rev-parse --show-toplevel 2>/dev/null)" \
        && git -C "$top" cat-file -e "$LITERT_LM_COMMIT^{commit}" 2>/dev/null; then
        rel="$(cd "$dir" && pwd)"
        rel="${rel#"$top"/}/libLiteRt.dylib"
        pointer="$(git -C "$top" show "$LITERT_LM_COMMIT:$rel")" \
            || die "the pinned LiteRT-LM commit has no $rel"
        oid="$(awk '$1 == "oid" { sub("sha256:", "", $2); print $2 }' <<<"$pointer")"
        [[ ${#oid} -eq 64 ]] || die "$rel at $LITERT_LM_COMMIT is not a Git LFS pointer"
        echo "$oid"
        return
    fi
    die "cannot verify $dir/libLiteRt.dylib: LITERT_IOS_DIR is not in a LiteRT-LM checkout" \
        "that has commit $LITERT_LM_COMMIT (tag v0.10.2); clone it as shown at the top of" \
        "this script, or set LITERT_IOS_SHA256_ARM64 / LITERT_IOS_SHA256_SIM_ARM64"
}

# check_litert FILE ARCH PLATFORM SHA256: the file is the expected dylib, for that
# architecture and platform (vtool's name: IOS or IOSSIMULATOR), whose minimum OS the
# package's deployment target satisfies.
check_litert() {
    local file="$1" arch="$2" platform="$3" sha="$4"
    [[ -f "$file" ]] || die "missing $file (see the top of this script)"
    # (Outputs go through variables: `cmd | grep -q` can fail under pipefail.)
    local head build got minos deps
    head="$(head -c 200 "$file" | tr -d '\0')"
    if [[ "$head" == *git-lfs.github.com* ]]; then
        die "$file is a Git LFS pointer: run \`git lfs pull\` in its repository"
    fi
    got="$(shasum -a 256 "$file" | cut -d' ' -f1)"
    [[ "$got" == "$sha" ]] || die "$file has sha256 $got, expected $sha"
    lipo "$file" -verify_arch "$arch" || die "$file has no $arch code ($(lipo -archs "$file"))"
    build="$(xcrun vtool -arch "$arch" -show-build "$file")"
    grep -Eq "platform $platform\$" <<<"$build" \
        || die "$file is not built for $platform: $(grep platform <<<"$build")"
    minos="$(awk '$1 == "minos" { print $2; exit }' <<<"$build")"
    [[ -n "$minos" ]] || die "$file declares no minimum OS version"
    version_le "$minos" "$IPHONEOS_DEPLOYMENT_TARGET" \
        || die "$file needs iOS $minos, above the package's deployment target" \
            "$IPHONEOS_DEPLOYMENT_TARGET: raise both Package.swift's platforms and" \
            "IPHONEOS_DEPLOYMENT_TARGET, or use a LiteRT build for iOS $IPHONEOS_DEPLOYMENT_TARGET"
    # Its own dependencies must be system ones: nothing else gets embedded.
    deps="$(otool -L "$file" | tail -n +3)"
    if grep -E '@rpath|@loader_path|@executable_path' <<<"$deps"; then
        die "$file links libraries the framework does not carry (above)"
    fi
}

# version_le A B: dotted version A <= B.
version_le() {
    [[ "$(printf '%s\n%s\n' "$1" "$2" | sort -t. -k1,1n -k2,2n -k3,3n | head -n 1)" == "$1" ]]
}

LITERT_DEVICE="$LITERT_IOS_DIR/ios_arm64"
LITERT_SIM="$LITERT_IOS_DIR/ios_sim_arm64"
check_litert "$LITERT_DEVICE/libLiteRt.dylib" arm64 IOS \
    "$(expected_sha256 "$LITERT_DEVICE" "${LITERT_IOS_SHA256_ARM64:-}")"
check_litert "$LITERT_SIM/libLiteRt.dylib" arm64 IOSSIMULATOR \
    "$(expected_sha256 "$LITERT_SIM" "${LITERT_IOS_SHA256_SIM_ARM64:-}")"

TARGETS=(aarch64-apple-ios aarch64-apple-ios-sim)
LITERT_SIM_X86=""
if [[ -n "${LITERT_IOS_SIM_X86_64_DIR:-}" ]]; then
    LITERT_SIM_X86="$(cd "$LITERT_IOS_SIM_X86_64_DIR" && pwd)"
    [[ -n "${LITERT_IOS_SHA256_SIM_X86_64:-}" ]] \
        || die "set LITERT_IOS_SHA256_SIM_X86_64 to the sha256 of your x86_64 simulator build"
    check_litert "$LITERT_SIM_X86/libLiteRt.dylib" x86_64 IOSSIMULATOR "$LITERT_IOS_SHA256_SIM_X86_64"
    TARGETS+=(x86_64-apple-ios)
else
    echo "build-xcframework: no LITERT_IOS_SIM_X86_64_DIR: LiteRT 2.1.4 ships no x86_64" \
        "iOS-simulator library, so the simulator slice is arm64 only (Apple-silicon Macs)" >&2
fi

installed_targets="$(rustup target list --installed)"
for t in "${TARGETS[@]}"; do
    grep -qx "$t" <<<"$installed_targets" || rustup target add "$t"
done

# Per Rust target: the folder with its libLiteRt.dylib (litert-sys links against it), its
# SDK, and the clang triple bindgen parses the LiteRT headers for. (Functions, not
# associative arrays: macOS's /bin/bash is 3.2.)
litert_dir_for() {
    case "$1" in
        aarch64-apple-ios) echo "$LITERT_DEVICE" ;;
        aarch64-apple-ios-sim) echo "$LITERT_SIM" ;;
        x86_64-apple-ios) echo "$LITERT_SIM_X86" ;;
    esac
}
sdk_for() { if [[ "$1" == aarch64-apple-ios ]]; then echo iphoneos; else echo iphonesimulator; fi; }
clang_target_for() {
    case "$1" in
        aarch64-apple-ios) echo arm64-apple-ios ;;
        aarch64-apple-ios-sim) echo arm64-apple-ios-simulator ;;
        x86_64-apple-ios) echo x86_64-apple-ios-simulator ;;
    esac
}

# --- the Rust static library, one per target -------------------------------------------
for t in "${TARGETS[@]}"; do
    step "cargo: $CRATE for $t"
    sysroot="$(xcrun --sdk "$(sdk_for "$t")" --show-sdk-path)"
    # litert-sys has no pre-generated bindings for the iOS targets: it runs bindgen, whose
    # clang needs the target and the SDK's headers.
    env "BINDGEN_EXTRA_CLANG_ARGS_${t//-/_}=--target=$(clang_target_for "$t") -isysroot $sysroot" \
        LITERT_LIB_DIR="$(litert_dir_for "$t")" \
        cargo rustc --manifest-path "$ROOT/Cargo.toml" -p "$CRATE" --lib \
        --profile "$PROFILE" --target "$t" --features generate-litert-bindings \
        --crate-type staticlib -- --print native-static-libs
done

target_dir="$(cargo metadata --manifest-path "$ROOT/Cargo.toml" --format-version 1 --no-deps \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
profile_dir="$PROFILE"
if [[ "$PROFILE" == dev ]]; then profile_dir=debug; fi
lib_of() { echo "$target_dir/$1/$profile_dir/$LIB"; }

# --- the Swift that calls it must be what this library generates ------------------------
step "uniffi-bindgen: checking $SWIFT_DIR against the iOS library"
cargo build --manifest-path "$ROOT/Cargo.toml" --release -p movinet-uniffi-bindgen
(cd "$ROOT" && "$target_dir/release/movinet-uniffi-bindgen" generate --library \
    "$(lib_of aarch64-apple-ios)" --language swift --no-format --out-dir "$WORK/swift-raw")
mkdir -p "$WORK/swift/include"
mv "$WORK/swift-raw/MovinetFFI.swift" "$WORK/swift/"
mv "$WORK/swift-raw/$FFI_MODULE.h" "$WORK/swift/include/"
mv "$WORK/swift-raw/$FFI_MODULE.modulemap" "$WORK/swift/include/module.modulemap"
diff -ru "$SWIFT_DIR" "$WORK/swift" \
    || die "$SWIFT_DIR is not what the library generates: run \`cargo xtask uniffi\` and commit it"

# --- the C API the library calls is the one the dylibs export ------------------------------
# The bindings come from LiteRT 2.1.4's headers; a dylib of another release can lack or
# rename functions. Every LiteRt* symbol the static library leaves undefined must be defined
# (exported) by the dylib it will link against.
check_c_api() {
    local lib="$1" dylib="$2" arch="$3" missing
    missing="$(comm -23 \
        <(nm -u -arch "$arch" "$lib" 2>/dev/null | awk '{ print $NF }' | grep -E '^_LiteRt' | sort -u) \
        <(nm -gU -arch "$arch" "$dylib" | awk '{ print $NF }' | grep -E '^_LiteRt' | sort -u))"
    [[ -z "$missing" ]] || die "$dylib does not export what $lib calls: $(tr '\n' ' ' <<<"$missing")"
}
check_c_api "$(lib_of aarch64-apple-ios)" "$LITERT_DEVICE/libLiteRt.dylib" arm64
check_c_api "$(lib_of aarch64-apple-ios-sim)" "$LITERT_SIM/libLiteRt.dylib" arm64

# --- MovinetRustFFI.xcframework ---------------------------------------------------------
headers="$WORK/headers"
package_headers "$SWIFT_DIR/include" "$headers"

mkdir -p "$WORK/ios" "$WORK/ios-simulator"
cp "$(lib_of aarch64-apple-ios)" "$WORK/ios/$LIB"
sim_libs=("$(lib_of aarch64-apple-ios-sim)")
if [[ -n "$LITERT_SIM_X86" ]]; then sim_libs+=("$(lib_of x86_64-apple-ios)"); fi
step "lipo: simulator slice (${#sim_libs[@]} architecture(s))"
lipo -create "${sim_libs[@]}" -output "$WORK/ios-simulator/$LIB"

mkdir -p "$OUT"
rm -rf "$OUT/$FFI_MODULE.xcframework"
step "xcodebuild: $OUT/$FFI_MODULE.xcframework"
xcodebuild -create-xcframework \
    -library "$WORK/ios/$LIB" -headers "$headers" \
    -library "$WORK/ios-simulator/$LIB" -headers "$headers" \
    -output "$OUT/$FFI_MODULE.xcframework"

# --- LiteRt.xcframework -----------------------------------------------------------------
# make_framework DIR PLATFORM DYLIB...: LiteRt.framework in DIR from the dylib(s) (lipo'd),
# install name @rpath/LiteRt.framework/LiteRt, ad-hoc signed (Xcode re-signs on embedding).
make_framework() {
    local dir="$1" platform="$2"
    shift 2
    local fw="$dir/LiteRt.framework"
    mkdir -p "$fw"
    lipo -create "$@" -output "$fw/LiteRt"
    # (Its warning that the signature is now invalid is expected: codesign below re-signs.)
    install_name_tool -id @rpath/LiteRt.framework/LiteRt "$fw/LiteRt" \
        || die "install_name_tool failed on $fw/LiteRt"
    local minos
    minos="$(xcrun vtool -arch arm64 -show-build "$fw/LiteRt" | awk '!m && $1 == "minos" {print $2; m = 1}')"
    cat >"$fw/Info.plist" <<PLIST
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
    <key>CFBundleDevelopmentRegion</key><string>en</string>
    <key>CFBundleExecutable</key><string>LiteRt</string>
    <key>CFBundleIdentifier</key><string>dev.movinet.LiteRt</string>
    <key>CFBundleInfoDictionaryVersion</key><string>6.0</string>
    <key>CFBundleName</key><string>LiteRt</string>
    <key>CFBundlePackageType</key><string>FMWK</string>
    <key>CFBundleShortVersionString</key><string>2.1.4</string>
    <key>CFBundleVersion</key><string>2.1.4</string>
    <key>CFBundleSupportedPlatforms</key><array><string>$platform</string></array>
    <key>MinimumOSVersion</key><string>${minos:-$IPHONEOS_DEPLOYMENT_TARGET}</string>
</dict>
</plist>
PLIST
    plutil -lint "$fw/Info.plist" >/dev/null
    codesign --force --sign - --timestamp=none "$fw"
}

litert_sim=("$LITERT_SIM/libLiteRt.dylib")
if [[ -n "$LITERT_SIM_X86" ]]; then litert_sim+=("$LITERT_SIM_X86/libLiteRt.dylib"); fi
make_framework "$WORK/litert-ios" iPhoneOS "$LITERT_DEVICE/libLiteRt.dylib"
make_framework "$WORK/litert-ios-simulator" iPhoneSimulator "${litert_sim[@]}"
rm -rf "$OUT/LiteRt.xcframework"
step "xcodebuild: $OUT/LiteRt.xcframework"
xcodebuild -create-xcframework \
    -framework "$WORK/litert-ios/LiteRt.framework" \
    -framework "$WORK/litert-ios-simulator/LiteRt.framework" \
    -output "$OUT/LiteRt.xcframework"

step "done: $OUT/$FFI_MODULE.xcframework and $OUT/LiteRt.xcframework (open ios/Package.swift or the sample app)"
