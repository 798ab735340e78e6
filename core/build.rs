//! Two jobs.
//!
//! 1. Compiles `native/litert_guard.cc`, the wrappers that catch the C++ exceptions LiteRT's
//!    C API lets escape (see that file).
//! 2. litert-sys links libLiteRt but its rpath does not reach other crates' binaries. This
//!    script bakes the library directory into the rpath of this crate's tests and benches,
//!    and hands it on (`DEP_MOVINET_LITERT_LIB_DIR`) to crates that build binaries on top of
//!    us, so nothing on the host needs LD_LIBRARY_PATH. Android and iOS load it their own way.
fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    println!("cargo:rerun-if-changed=native/litert_guard.cc");
    let mut guard = cc::Build::new();
    guard
        .cpp(true)
        .file("native/litert_guard.cc")
        .flag_if_supported("-std=c++17");
    if os == "android" {
        // The NDK's C++ runtime linked into the app's native library, so there is no
        // libc++_shared.so to package; its ABI part (libc++abi) is a separate archive.
        guard.cpp_link_stdlib(None);
    }
    guard.compile("movinet_litert_guard");
    if os == "android" {
        println!("cargo:rustc-link-lib=c++_static");
        println!("cargo:rustc-link-lib=c++abi");
    }
    if let Ok(dir) = std::env::var("DEP_LITERT_LIB_DIR") {
        if os == "linux" || os == "macos" {
            println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
            println!("cargo:litert_lib_dir={dir}");
        }
    }
}
