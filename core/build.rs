//! Two jobs.
//!
//! 1. Compiles `native/litert_guard.cc`, the wrappers that catch the C++ exceptions LiteRT's
//!    C API lets escape (see that file).
//! 2. litert-sys links libLiteRt but its rpath does not reach other crates' binaries. This
//!    script bakes the library directory into the rpath of this crate's tests and benches,
//!    and hands it on (`DEP_MOVINET_LITERT_LIB_DIR`) to crates that build binaries on top of
//!    us, so nothing on the host needs LD_LIBRARY_PATH. Android and iOS load it their own way.
//!
//! A type-check of a phone target (`cargo xtask test phones`: `cargo clippy --target
//! aarch64-linux-android`, ...) runs on machines without the NDK or Xcode, so without the
//! target's C++ compiler. Clippy links nothing, so the guard is not needed there: when
//! `cargo clippy` runs this script (Cargo hands it `RUSTC_WORKSPACE_WRAPPER`, the
//! `clippy-driver` it compiles the workspace with) and the compiler cannot build the guard,
//! the script says so and goes on. Any other build (Gradle's `cargo ndk build`, Xcode's
//! `cargo rustc`, `cargo build`, `cargo check`) still fails on a guard it cannot compile, and a
//! binary linked without the guard would not link: the core calls its functions.
fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    println!("cargo:rerun-if-changed=native/litert_guard.cc");
    println!("cargo:rerun-if-env-changed=RUSTC_WORKSPACE_WRAPPER");
    let mut guard = cc::Build::new();
    // In a type-check, one line below says what happened rather than cc's own warnings.
    guard.cargo_warnings(!clippy_only());
    guard
        .cpp(true)
        .file("native/litert_guard.cc")
        .flag_if_supported("-std=c++17");
    if os == "android" {
        // The NDK's C++ runtime linked into the app's native library, so there is no
        // libc++_shared.so to package; its ABI part (libc++abi) is a separate archive.
        guard.cpp_link_stdlib(None);
    }
    match guard.try_compile("movinet_litert_guard") {
        Ok(()) => {
            if os == "android" {
                println!("cargo:rustc-link-lib=c++_static");
                println!("cargo:rustc-link-lib=c++abi");
            }
        }
        Err(e) if clippy_only() => println!(
            "cargo:warning=type-check only (cargo clippy): the C++ exception guard is not compiled for {} ({e}); a build that links compiles it",
            std::env::var("TARGET").unwrap_or_default()
        ),
        Err(e) => panic!("cannot compile native/litert_guard.cc: {e}"),
    }
    if let Ok(dir) = std::env::var("DEP_LITERT_LIB_DIR") {
        if os == "linux" || os == "macos" {
            println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
            println!("cargo:litert_lib_dir={dir}");
        }
    }
}

/// Whether `cargo clippy` runs this build (it compiles the workspace's crates through
/// `clippy-driver`, and never links).
fn clippy_only() -> bool {
    std::env::var_os("RUSTC_WORKSPACE_WRAPPER").is_some_and(|w| {
        std::path::Path::new(&w)
            .file_stem()
            .is_some_and(|s| s == "clippy-driver")
    })
}
