//! The phones' CPU on this x86-64 host.
//!
//! * `cargo xtask test arm64` cross-builds the core's, the integration tests' and the JNI
//!   crate's tests for `aarch64-unknown-linux-gnu` (once, `--no-run`) and runs the binaries
//!   under qemu's user-mode emulation on two CPU models at once, one per core: a Pixel-class
//!   core (`cortex-a76`) and qemu's `max` (SVE2 and SME, so LiteRT's XNNPACK takes its newest
//!   ARM kernels: qemu 7.2's faulty SME emulation changes its logits). What runs where is [`PLAN`]: the heaviest tests once, the goldens with the
//!   int8 pass on and off and the preprocessing's NEON and OpenCV checks on both.
//! * `cargo xtask test phones` type-checks (clippy, warnings denied) the JNI crate for
//!   Android's two ABIs and the UniFFI crate for iOS, without the NDK or Xcode (see
//!   `core/build.rs` for the C++ guard, and [`phones`]).
//!
//! The set-up ([`setup`]) adds the Rust targets, Debian's aarch64 cross compiler, a qemu that
//! emulates SME correctly, and the aarch64 `libLiteRt.so` from the same wheel release.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::setup::{self, Env};
use crate::{describe, is_litert_info, run, Result};

/// The Rust target of the emulated runs (the Linux ABI of the phones' CPU).
pub const TARGET: &str = "aarch64-unknown-linux-gnu";

/// Where Debian's cross toolchain keeps the aarch64 dynamic loader, libc and libstdc++ (qemu's
/// `-L`).
const SYSROOT: &str = "/usr/aarch64-linux-gnu";

/// The oldest qemu whose SME emulation gives LiteRT's right logits: 7.2's `-cpu max` gives
/// wrong, input-independent logits; 10.0.2 gives the goldens bit for bit.
const QEMU_MIN_MAJOR: u32 = 10;

/// The phone targets type-checked by `phones`: (crate, target, features).
const PHONE_CHECKS: &[(&str, &str, &[&str])] = &[
    ("movinet-jni", "aarch64-linux-android", &[]),
    ("movinet-jni", "x86_64-linux-android", &[]),
    // litert-sys 0.2.1 has no pre-generated bindings for iOS: its bindgen makes them (as
    // ios/build-xcframework.sh does), with this host's libclang.
    (
        "movinet-uniffi",
        "aarch64-apple-ios",
        &["generate-litert-bindings"],
    ),
];

/// A qemu CPU model and the test runs it gets.
struct Cpu {
    model: &'static str,
    what: &'static str,
    runs: &'static [Run],
}

/// One test binary (by its Cargo target name) with the harness's arguments (filters, `--skip`)
/// and environment.
struct Run {
    binary: &'static str,
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
}

const fn all(binary: &'static str) -> Run {
    Run {
        binary,
        args: &[],
        env: &[],
    }
}

/// What runs on which CPU model. The two models run in parallel, so their totals are about
/// even (`max` emulates about half as fast). On both: the core's tests (the NEON-vs-portable
/// comparison), the goldens with the int8 pass on and off, and the preprocessing against
/// OpenCV. Samples of the longest tests (`MOVINET_TEST_*`, see `movinet_tests::test_size`).
/// Left out (they run on x86-64 in the `rust` step): `pacing` (integer arithmetic on
/// timestamps), `live`'s twelve whole clips, `preprocess_reference`'s YUV layouts through the
/// model (the NEON YUV kernel is compared bit for bit in the core's tests), `model_files`'
/// 460 bit flips (its random mutations run), `ndarray` (an array becomes a frame in portable
/// Rust, then takes the frame path the goldens run), and `cxx_runtimes` (it re-executes itself
/// with a preloaded host library, which qemu's user mode cannot). CI's 25 minutes set the
/// samples.
const PLAN: &[Cpu] = &[
    Cpu {
        model: "cortex-a76",
        what: "Pixel 6 class: Armv8.2, NEON, dot product",
        runs: &[
            all("movinet"),
            all("movinet_jni"),
            all("movinet-jni-kotlin"),
            all("golden"),
            Run {
                binary: "preprocess_reference",
                args: SKIP_YUV_LAYOUTS,
                env: &[],
            },
            Run {
                binary: "int8_io",
                args: &[],
                env: &[("MOVINET_TEST_QUANTIZE_LEVEL_STEP", "51")],
            },
            Run {
                binary: "live",
                args: &["live_labels_follow_the_action_on_concatenated_clips"],
                env: &[("MOVINET_TEST_LIVE_CONCATENATIONS", "1")],
            },
            Run {
                binary: "concurrency",
                args: &[],
                env: &[("MOVINET_TEST_CONCURRENCY_FRAMES", "100")],
            },
            all("session"),
            all("frames"),
            all("errors"),
            all("manifest"),
        ],
    },
    Cpu {
        model: "max",
        what: "all qemu 10 emulates: Armv9, SVE2, SME",
        runs: &[
            all("movinet"),
            all("golden"),
            Run {
                binary: "preprocess_reference",
                args: SKIP_YUV_LAYOUTS,
                env: &[],
            },
            all("horizon"),
            Run {
                binary: "model_files",
                args: &["--skip", "flipped_bits_anywhere_never_crash"],
                env: &[],
            },
            all("special_files"),
        ],
    },
];

const SKIP_YUV_LAYOUTS: &[&str] = &[
    "--skip",
    "yuv_layouts_give_the_rgb_picture_and_the_rgb_top1",
];

/// Adds the Rust standard libraries of the phone targets `phones` checks.
pub fn phone_targets() -> Result<()> {
    let targets: Vec<&str> = PHONE_CHECKS.iter().map(|(_, t, _)| *t).collect();
    setup::rust_targets(&targets)
}

/// Installs what the arm64 step needs (each part only when missing) and returns the folder of
/// the aarch64 `libLiteRt.so`.
pub fn setup(root: &Path) -> Result<PathBuf> {
    setup::rust_targets(&[TARGET])?;
    setup::debian_packages(&["aarch64-linux-gnu-g++"], &["g++-aarch64-linux-gnu"])?;
    qemu()?;
    setup::litert_runtime(root, &setup::AARCH64)
}

/// `qemu-aarch64` of version [`QEMU_MIN_MAJOR`] or newer: Debian's own (trixie and later), or
/// bookworm's backport (bookworm's own is 7.2).
fn qemu() -> Result<()> {
    if qemu_major().is_some_and(|v| v >= QEMU_MIN_MAJOR) {
        return Ok(());
    }
    let codename = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("VERSION_CODENAME=").map(str::to_string))
        })
        .unwrap_or_default();
    if codename == "bookworm" {
        // The backport's qemu-user is statically linked; `qemu-user-static` is only a
        // transitional package that adds binfmt registration, which the step does not use.
        setup::debian_backports("bookworm-backports")?;
        setup::apt_install_from(Some("bookworm-backports"), &["qemu-user"])?;
    } else {
        setup::apt_install_from(None, &["qemu-user"])?;
    }
    match qemu_major() {
        Some(v) if v >= QEMU_MIN_MAJOR => Ok(()),
        found => Err(format!(
            "qemu-aarch64 {QEMU_MIN_MAJOR} or newer is needed (found {}): older versions \
             emulate SME wrongly and LiteRT's logits come out wrong; install a newer qemu-user",
            found.map_or("none".to_string(), |v| format!("major version {v}"))
        )),
    }
}

/// The major version of `qemu-aarch64` ("qemu-aarch64 version 10.0.2 (Debian ...)").
fn qemu_major() -> Option<u32> {
    let out = Command::new("qemu-aarch64")
        .arg("--version")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let version = text.split("version ").nth(1)?;
    version.split('.').next()?.trim().parse().ok()
}

/// `cargo xtask test arm64`: builds the tests for [`TARGET`] once and runs [`PLAN`], both CPU
/// models at once.
pub fn test(root: &Path, env: &Env) -> Result<()> {
    let lib_dir = setup(root)?;
    let started = Instant::now();
    let binaries = build(root, env, &lib_dir)?;
    let built = started.elapsed().as_secs_f64();
    eprintln!("arm64: test binaries built in {built:.0} s");
    let results: Vec<Result<(usize, f64)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = PLAN
            .iter()
            .map(|cpu| scope.spawn(|| run_cpu(cpu, &binaries, env)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("a run panicked".into())))
            .collect()
    });
    let mut failed = Vec::new();
    for (cpu, result) in PLAN.iter().zip(results) {
        match result {
            Ok((tests, secs)) => eprintln!(
                "arm64: -cpu {}: {tests} tests passed in {secs:.0} s ({})",
                cpu.model, cpu.what
            ),
            Err(e) => failed.push(format!("-cpu {}: {e}", cpu.model)),
        }
    }
    eprintln!(
        "arm64: {:.0} s in all (build {built:.0} s)",
        started.elapsed().as_secs_f64()
    );
    if failed.is_empty() {
        Ok(())
    } else {
        Err(failed.join("\n"))
    }
}

/// Builds every test binary of the core, the integration tests and the JNI crate for
/// [`TARGET`] without running them, and returns them by Cargo target name.
fn build(root: &Path, env: &Env, lib_dir: &Path) -> Result<BTreeMap<String, PathBuf>> {
    let mut cargo = crate::cargo();
    cargo
        .args(["test", "--release", "--no-run", "--target", TARGET])
        .args(["-p", "movinet", "-p", "movinet-tests", "-p", "movinet-jni"])
        .args([
            "--lib",
            "--tests",
            "--message-format",
            "json-render-diagnostics",
        ]);
    env.apply(&mut cargo);
    // The aarch64 runtime to link against (and put in the binaries' rpath), instead of
    // `.cargo/config.toml`'s x86-64 one.
    cargo
        .env("LITERT_LIB_DIR", lib_dir)
        .current_dir(root)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    eprintln!("+ {}", describe(&cargo));
    let out = cargo
        .output()
        .map_err(|e| format!("cannot start cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "building the tests for {TARGET} failed ({})",
            out.status
        ));
    }
    let mut binaries = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        // Test harnesses only: a binary target is also built as itself (for the integration
        // tests), under the same target name.
        if !line.contains(r#""reason":"compiler-artifact""#) || !is_test_build(line) {
            continue;
        }
        if let (Some(name), Some(exe)) = (json_str(line, "name"), json_str(line, "executable")) {
            binaries.insert(name, PathBuf::from(exe));
        }
    }
    Ok(binaries)
}

/// Whether a compiler-artifact message is a test harness build (`"profile":{..."test":true}`;
/// the target object has a `test` field of its own).
fn is_test_build(line: &str) -> bool {
    line.split_once(r#""profile":{"#)
        .and_then(|(_, rest)| rest.split_once('}'))
        .is_some_and(|(profile, _)| profile.contains(r#""test":true"#))
}

/// The string value of the first `"key":"..."` in a line of Cargo's JSON (the target's name
/// comes before any other `name` in a compiler-artifact message).
fn json_str(line: &str, key: &str) -> Option<String> {
    let start = line.find(&format!("\"{key}\":\""))? + key.len() + 4;
    let mut value = String::new();
    let mut chars = line[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(value),
            '\\' => match chars.next()? {
                'n' => value.push('\n'),
                't' => value.push('\t'),
                other => value.push(other),
            },
            c => value.push(c),
        }
    }
    None
}

/// Runs one CPU model's plan in order; returns the tests passed and the seconds taken, or
/// the first failure with its output.
fn run_cpu(cpu: &Cpu, binaries: &BTreeMap<String, PathBuf>, env: &Env) -> Result<(usize, f64)> {
    let started = Instant::now();
    let mut passed = 0;
    for r in cpu.runs {
        let binary = binaries
            .get(r.binary)
            .ok_or_else(|| format!("no test binary `{}` was built", r.binary))?;
        let mut qemu = Command::new("qemu-aarch64");
        qemu.args(["-L", SYSROOT, "-cpu", cpu.model])
            .arg(binary)
            .args(r.args)
            // One test at a time: the other CPU model runs on the other core.
            .args(["--test-threads", "1"])
            .envs(r.env.iter().copied());
        env.apply(&mut qemu);
        let t0 = Instant::now();
        let out = qemu
            .output()
            .map_err(|e| format!("cannot start qemu-aarch64: {e}"))?;
        let secs = t0.elapsed().as_secs_f64();
        let text = [out.stdout, out.stderr]
            .map(|o| String::from_utf8_lossy(&o).into_owned())
            .join("");
        let tests = passed_tests(&text);
        let mut filter: Vec<String> = r.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        filter.extend(r.args.iter().map(|a| a.to_string()));
        let filter = filter.join(" ");
        if !out.status.success() || tests == 0 {
            let shown: Vec<&str> = text.lines().filter(|l| !is_litert_info(l)).collect();
            return Err(format!(
                "{} {filter} failed ({}, {tests} tests passed):\n{}\n(`{}`)",
                r.binary,
                out.status,
                shown.join("\n"),
                describe(&qemu)
            ));
        }
        eprintln!(
            "arm64: -cpu {:<10} {:<22} {tests:>3} passed in {secs:>5.0} s {filter}",
            cpu.model, r.binary
        );
        passed += tests;
    }
    Ok((passed, started.elapsed().as_secs_f64()))
}

/// Tests the harness reports passed ("test result: ok. 5 passed; ...").
fn passed_tests(output: &str) -> usize {
    output
        .lines()
        .filter_map(|l| l.strip_prefix("test result: ok. "))
        .filter_map(|rest| rest.split(' ').next()?.parse::<usize>().ok())
        .sum()
}

/// `cargo xtask test phones`: `cargo clippy` with warnings denied of the crates the phones
/// link, for their targets ([`PHONE_CHECKS`]). A type-check links nothing, so the LiteRT
/// library folder litert-sys asks for is an empty one, and `core/build.rs` leaves out the C++
/// guard when this host has no compiler for the target (a real build still compiles it).
pub fn phones(root: &Path, env: &Env) -> Result<()> {
    phone_targets()?;
    let no_library = crate::target_dir(root).join("phones-no-litert");
    std::fs::create_dir_all(&no_library)
        .map_err(|e| format!("create {}: {e}", no_library.display()))?;
    for (krate, target, features) in PHONE_CHECKS {
        let mut clippy = crate::cargo();
        clippy
            .args(["clippy", "-p", krate, "--all-targets", "--target", target])
            .args(features.iter().flat_map(|f| ["--features", f]))
            .args(crate::CLIPPY_DENY);
        env.apply(&mut clippy);
        clippy.env("LITERT_LIB_DIR", &no_library);
        if target.contains("apple") {
            // Without Xcode's SDK, bindgen's clang (libclang from the FFmpeg set-up) finds no
            // headers for an Apple target, not even its own `stddef.h`: the LiteRT headers need
            // only the freestanding ones (stddef, stdint, stdbool, stdarg), which are clang's.
            // ios/build-xcframework.sh gives it the iOS SDK instead.
            let include = clang_resource_include()?;
            clippy.env(
                format!("BINDGEN_EXTRA_CLANG_ARGS_{}", target.replace('-', "_")),
                format!("-ffreestanding -isystem {}", include.display()),
            );
        }
        let t0 = Instant::now();
        run(&mut clippy)?;
        eprintln!(
            "phones: {krate} for {target}: clean in {:.0} s",
            t0.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// Clang's own headers (`stddef.h`, ...) of the newest LLVM Debian installed
/// (`/usr/lib/llvm-N/lib/clang/VERSION/include`).
fn clang_resource_include() -> Result<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib")
        .map_err(|e| format!("/usr/lib: {e}"))?
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("llvm-"))
        .flat_map(|llvm| {
            std::fs::read_dir(llvm.path().join("lib/clang"))
                .into_iter()
                .flatten()
                .flatten()
                .map(|v| v.path().join("include"))
        })
        .filter(|dir| dir.join("stddef.h").is_file())
        .collect();
    // Version-sorted enough for one or two LLVMs: llvm-14 before llvm-19.
    found.sort_by_key(|p| (p.as_os_str().len(), p.clone()));
    found
        .pop()
        .ok_or_else(|| "no clang resource headers (/usr/lib/llvm-*/lib/clang/*/include/stddef.h): install libclang-dev".to_string())
}

#[cfg(test)]
mod tests {
    use super::{is_test_build, json_str, passed_tests, PLAN};

    #[test]
    fn cargo_json_gives_the_target_name_and_executable() {
        let line = r#"{"reason":"compiler-artifact","package_id":"path+file:///w/tests#movinet-tests@0.1.0","manifest_path":"/w/tests/Cargo.toml","target":{"kind":["test"],"crate_types":["bin"],"name":"golden","src_path":"/w/tests/tests/golden.rs","edition":"2021","doc":false,"doctest":false,"test":true},"profile":{"opt_level":"3","test":true},"features":[],"filenames":["/w/target/aarch64-unknown-linux-gnu/release/deps/golden-1a2b"],"executable":"/w/target/aarch64-unknown-linux-gnu/release/deps/golden-1a2b","fresh":false}"#;
        assert_eq!(json_str(line, "name").as_deref(), Some("golden"));
        assert_eq!(
            json_str(line, "executable").as_deref(),
            Some("/w/target/aarch64-unknown-linux-gnu/release/deps/golden-1a2b")
        );
        assert!(is_test_build(line));
        // The bin itself: the target still says `"test":true`, the profile does not.
        let bin = line.replace(
            r#""opt_level":"3","test":true}"#,
            r#""opt_level":"3","test":false}"#,
        );
        assert!(!is_test_build(&bin), "{bin}");
        assert_eq!(json_str(r#"{"executable":null}"#, "executable"), None);
        assert_eq!(
            json_str(r#"{"name":"a\"b\\c"}"#, "name").as_deref(),
            Some(r#"a"b\c"#)
        );
    }

    /// The issue's list runs somewhere, and the goldens (int8 pass on and off) and the
    /// core's tests (the NEON-vs-portable comparison) on every CPU model.
    #[test]
    fn the_plan_runs_every_required_test() {
        for required in [
            "movinet",
            "movinet_jni",
            "golden",
            "int8_io",
            "frames",
            "preprocess_reference",
            "horizon",
            "live",
            "model_files",
            "errors",
            "session",
            "concurrency",
        ] {
            assert!(
                PLAN.iter()
                    .any(|cpu| cpu.runs.iter().any(|r| r.binary == required)),
                "{required} runs on no CPU model"
            );
        }
        for cpu in PLAN {
            let whole = |binary: &str| {
                cpu.runs
                    .iter()
                    .any(|r| r.binary == binary && r.args.is_empty() && r.env.is_empty())
            };
            assert!(
                whole("golden"),
                "not every golden runs on -cpu {}",
                cpu.model
            );
            assert!(
                whole("movinet"),
                "not every core test runs on -cpu {}",
                cpu.model
            );
            assert!(
                cpu.runs.iter().any(|r| r.binary == "preprocess_reference"),
                "no preprocessing reference on -cpu {}",
                cpu.model
            );
        }
        assert!(PLAN.len() >= 2);
    }

    #[test]
    fn passed_tests_are_summed_over_the_harness_lines() {
        let out = "running 5 tests\ntest result: ok. 5 passed; 0 failed; 0 ignored\n\
                   test result: ok. 2 passed; 0 failed; 3 filtered out\n\
                   test result: FAILED. 1 passed; 1 failed";
        assert_eq!(passed_tests(out), 7);
        assert_eq!(passed_tests("error: no such file"), 0);
    }
}
