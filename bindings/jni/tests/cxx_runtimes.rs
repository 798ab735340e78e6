//! C++ exceptions thrown inside LiteRT reach the core's guard (`core/native/litert_guard.cc`)
//! even when LiteRT carries its own C++ runtime.
//!
//! On Android, `libLiteRt.so` and `libmovinet_jni.so` each link the NDK's C++ runtime
//! statically (the AAR ships no `libc++_shared.so`; `cargo xtask elf` checks it): an
//! exception thrown inside LiteRT is raised by LiteRT's copy of the runtime and must be caught
//! by the guard, compiled against the other copy. Its `catch (const std::exception&)` may not
//! match a type whose `type_info` lives in the other copy; its `catch (...)` catches any C++
//! exception, since both runtimes follow the Itanium C++ ABI's unwinding.
//!
//! The same situation on this host: a stand-in `LiteRtCreateModelFromBuffer` compiled with its
//! own, hidden copy of libstdc++ (`-static-libstdc++ -Wl,--exclude-libs,ALL`) is preloaded
//! (`LD_PRELOAD`) into a child process, where it replaces LiteRT's and throws a
//! `std::out_of_range` or a type of its own; the core, linked against the system's shared
//! libstdc++, must turn each throw into an `InvalidModel` error, not abort.
//!
//! The limit, measured by the same test: when the thrower also carries its own hidden copy of
//! the *unwinder* (`-static-libgcc`: GCC's libgcc_eh), the process aborts inside the guard's
//! personality routine (libgcc_s's `_Unwind_SetGR` on the other copy's context), before any
//! catch clause runs: no code in the guard can catch that. The NDK warns that static C++
//! runtimes in several libraries "can cause unexpected behavior" (developer.android.com
//! ndk/guides/cpp-support, "Static runtimes"). On Android the unwinder is LLVM's libunwind,
//! linked into each library; whether a throw inside `libLiteRt.so` reaches the guard there can
//! only be checked on a device (android/README.md, first-build checklist). No input known
//! today makes LiteRT throw: the verifier refuses the malformed files that did.

use std::path::{Path, PathBuf};
use std::process::Command;

use movinet::{ErrorKind, Model, ModelOptions};

const THROWER: &str = r#"
#include <cstddef>
#include <cstdlib>
#include <stdexcept>

namespace { struct ForeignError { int code; }; }

extern "C" int LiteRtCreateModelFromBuffer(const void*, std::size_t, void**) {
  const char* kind = std::getenv("MOVINET_THROW");
  if (kind != nullptr && kind[0] == 'f') throw ForeignError{7};
  throw std::out_of_range("thrown by a second C++ runtime");
}
"#;

fn a0() -> PathBuf {
    let dir = std::env::var_os("MOVINET_MODELS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/models"));
    dir.join("movinet_a0_stream_int8.tflite")
}

/// In the child: load the model through the guard and say what came back.
fn child() {
    let bytes = std::fs::read(a0()).expect("the A0 model");
    match Model::from_bytes(&bytes, &ModelOptions::default()) {
        Ok(_) => println!("loaded: the stand-in was not called"),
        Err(e) => println!("caught: {:?}: {e}", e.kind()),
    }
}

/// Builds the stand-in with `flags` into `dir`.
fn thrower(dir: &Path, name: &str, flags: &[&str]) -> PathBuf {
    let source = dir.join("thrower.cc");
    std::fs::write(&source, THROWER).unwrap();
    let lib = dir.join(format!("lib{name}.so"));
    let cxx = std::env::var("CXX").unwrap_or_else(|_| "c++".into());
    let status = Command::new(&cxx)
        .args(["-shared", "-fPIC", "-O1", "-Wl,--exclude-libs,ALL"])
        .args(flags)
        .arg(&source)
        .arg("-o")
        .arg(&lib)
        .status()
        .unwrap_or_else(|e| {
            panic!("cannot run the C++ compiler `{cxx}` (the build needs one): {e}")
        });
    assert!(status.success(), "{cxx} failed to build the stand-in");
    // The stand-in has its own C++ runtime: it needs no shared libstdc++.
    if let Ok(out) = Command::new("readelf").arg("-d").arg(&lib).output() {
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            !text.contains("libstdc++"),
            "the stand-in links the shared libstdc++:\n{text}"
        );
    }
    lib
}

/// Runs [`child`] in a child process with `lib` preloaded.
fn run_child(test: &str, lib: &Path, kind: &str) -> std::process::Output {
    Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture"])
        .env("MOVINET_GUARD_CHILD", "1")
        .env("MOVINET_THROW", kind)
        .env("LD_PRELOAD", lib)
        .output()
        .unwrap()
}

#[test]
fn exceptions_from_a_second_cxx_runtime_are_caught() {
    if std::env::var_os("MOVINET_GUARD_CHILD").is_some() {
        return child();
    }
    let dir = std::env::temp_dir().join(format!("movinet-cxx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let lib = thrower(&dir, "own_cxx_runtime", &["-static-libstdc++"]);
    for (kind, expected) in [
        ("std", "thrown by a second C++ runtime"),
        ("foreign", "an exception that is not a std::exception"),
    ] {
        let out = run_child(
            "exceptions_from_a_second_cxx_runtime_are_caught",
            &lib,
            kind,
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{kind}: the child died ({}): {stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let line = stdout
            .lines()
            .find(|l| l.starts_with("caught: ") || l.starts_with("loaded: "));
        let line = line.unwrap_or_else(|| panic!("{kind}: no result line in {stdout}"));
        println!("[{kind}] {line}");
        assert!(
            line.starts_with(&format!("caught: {:?}: ", ErrorKind::InvalidModel)),
            "{kind}: {line}"
        );
        assert!(
            line.contains(&format!("LiteRT threw a C++ exception: {expected}"))
                // A std::exception whose type the guard's runtime cannot match still lands in
                // the catch-all.
                || (kind == "std" && line.contains("an exception that is not a std::exception")),
            "{kind}: {line}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The limit (see the module docs): a thrower with its own unwinder as well takes the process
/// down inside the unwinder, whatever the guard catches. If this ever stops aborting, the
/// README's note on C++ runtimes must be updated.
#[test]
fn a_second_gnu_unwinder_aborts_before_any_catch() {
    if std::env::var_os("MOVINET_GUARD_CHILD").is_some() {
        return child();
    }
    let dir = std::env::temp_dir().join(format!("movinet-cxx-unwinder-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let lib = thrower(
        &dir,
        "own_unwinder",
        &["-static-libstdc++", "-static-libgcc"],
    );
    for kind in ["std", "foreign"] {
        let out = run_child("a_second_gnu_unwinder_aborts_before_any_catch", &lib, kind);
        use std::os::unix::process::ExitStatusExt;
        println!("[{kind}, own unwinder] child: {}", out.status);
        assert_eq!(
            out.status.signal(),
            Some(6),
            "{kind}: expected SIGABRT, got {}",
            out.status
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
